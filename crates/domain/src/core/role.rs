//! Roles a user holds inside their organisation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// What a member may do in their organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages members and everything else.
    Admin,
    /// Creates and changes content.
    Editor,
    /// Reads only.
    Viewer,
    /// Runs one store (retail module).
    StoreManager,
    /// Oversees the stores of a region (retail module).
    RegionalManager,
}

impl Role {
    /// Every role, in order of decreasing power.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Editor,
        Role::Viewer,
        Role::StoreManager,
        Role::RegionalManager,
    ];

    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
            Role::StoreManager => "store_manager",
            Role::RegionalManager => "regional_manager",
        }
    }

    /// Whether this role may add members to its organisation and read all of them.
    pub fn can_manage_users(self) -> bool {
        matches!(self, Role::Admin)
    }

    /// Whether this role may create and change shared content (sources, dashboards, ...).
    pub fn can_edit(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let allowed: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
                DomainError::field(
                    "role",
                    format!("unknown role '{s}'; allowed: {}", allowed.join(", ")),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_from_its_name() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn only_admins_manage_users() {
        assert!(Role::Admin.can_manage_users());
        assert!(!Role::Editor.can_manage_users());
        assert!(!Role::Viewer.can_manage_users());
    }
}
