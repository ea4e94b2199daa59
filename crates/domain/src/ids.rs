//! Typed identifiers, so an organisation id can never be passed where a user id belongs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new random id.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }

            /// Wraps an existing UUID.
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The UUID inside.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// Identifies an organisation (a tenant).
    OrgId
);
uuid_id!(
    /// Identifies a user.
    UserId
);
uuid_id!(
    /// Identifies a data source (a user's database).
    DataSourceId
);
uuid_id!(
    /// Identifies a datamart (a saved virtual table).
    DatamartId
);
uuid_id!(
    /// Identifies a columnar extract of a source's table or datamart.
    ExtractId
);
uuid_id!(
    /// Identifies one refresh of an extract.
    RefreshId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings() {
        let id = UserId::new();
        assert_eq!(id.to_string().parse::<UserId>().ok(), Some(id));
        assert!("not-an-id".parse::<OrgId>().is_err());
    }
}

uuid_id!(
    /// Identifies an uploaded dataset.
    DatasetId
);

uuid_id!(
    /// Identifies an EDA report.
    ReportId
);

uuid_id!(
    /// Identifies a background job.
    JobId
);

uuid_id!(
    /// Identifies a report's share link.
    ShareId
);
