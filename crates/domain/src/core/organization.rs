//! Organisations: the tenants every other row belongs to.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::{DomainError, OrgId};

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    /// Its id.
    pub id: OrgId,
    /// Display name.
    pub name: String,
    /// When it was created (UTC).
    pub created_at: NaiveDateTime,
}

/// A valid organisation name: 1 to 200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    /// Parses a name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(DomainError::field("organization_name", "must not be empty"));
        }
        if name.chars().count() > 200 {
            return Err(DomainError::field(
                "organization_name",
                "must be at most 200 characters",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(DomainError::field(
                "organization_name",
                "must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The default name of a user's own organisation: "<name>'s organisation", shortened to fit.
    pub fn named_after(owner: &crate::FullName) -> Self {
        const SUFFIX: &str = "'s organisation";
        let room = 200 - SUFFIX.chars().count();
        let owner: String = owner.as_str().chars().take(room).collect();
        Self(format!("{}{SUFFIX}", owner.trim_end()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FullName;

    #[test]
    fn names_after_long_owner_names_still_fit() {
        let owner = FullName::parse(&"x".repeat(200)).unwrap();
        let name = OrgName::named_after(&owner);
        assert_eq!(name.as_str().chars().count(), 200);
        assert!(OrgName::parse(name.as_str()).is_ok());
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(OrgName::parse("a\u{0}b").is_err());
        assert!(OrgName::parse("Acme\nCorp").is_err());
    }
}
