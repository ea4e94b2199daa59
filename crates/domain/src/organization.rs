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
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
