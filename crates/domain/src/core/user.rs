//! Users and the value objects of their credentials.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::{DomainError, OrgId, Role, UserId};

/// A member of one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The organisation it belongs to.
    pub org_id: OrgId,
    /// Login email, unique across the installation.
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// Role inside the organisation.
    pub role: Role,
    /// Inactive users cannot log in.
    pub is_active: bool,
    /// When it was created (UTC).
    pub created_at: NaiveDateTime,
    /// When it last changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// A syntactically valid email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a non-empty local part, a dotted domain, no spaces, at most 254 characters.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let email = raw.trim().to_lowercase();
        let bad = || DomainError::field("email", "is not a valid email address");
        if email.is_empty()
            || email.len() > 254
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad());
        }
        let (local, domain) = email.split_once('@').ok_or_else(bad)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(bad());
        }
        Ok(Self(email))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the policy: 8 to 72 bytes (bcrypt reads no further than 72).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The shortest password accepted, in characters.
    pub const MIN_CHARS: usize = 8;
    /// The longest password accepted, in bytes (bcrypt's limit).
    pub const MAX_BYTES: usize = 72;

    /// Checks the policy.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(DomainError::field(
                "password",
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if raw.contains('\0') {
            return Err(DomainError::field(
                "password",
                "must not contain NUL characters",
            ));
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(DomainError::field(
                "password",
                format!("must be at most {} bytes", Self::MAX_BYTES),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A display name: 1 to 200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    /// Parses a name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(DomainError::field("full_name", "must not be empty"));
        }
        if name.chars().count() > 200 {
            return Err(DomainError::field(
                "full_name",
                "must be at most 200 characters",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(DomainError::field(
                "full_name",
                "must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes into the inner string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ann@Example.ORG ")
                .map(|e| e.as_str().to_owned())
                .ok(),
            Some("ann@example.org".into())
        );
        for bad in [
            "",
            "not-an-email",
            "a@b",
            "@example.org",
            "a b@example.org",
            "a@@example.org",
            "a@example..org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn passwords_need_eight_characters() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(73)).is_err());
    }

    #[test]
    fn password_debug_hides_the_secret() {
        let p = Password::parse("super-secret-1").ok();
        assert!(!format!("{p:?}").contains("super"));
    }
}
