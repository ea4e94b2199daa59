//! Data sources: the users' databases Tessera reads from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// The database engine of a data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// PostgreSQL (and compatible engines).
    Postgres,
    /// MySQL or MariaDB.
    Mysql,
    /// A SQLite file.
    Sqlite,
}

impl SourceKind {
    /// Every kind.
    pub const ALL: [SourceKind; 3] = [SourceKind::Postgres, SourceKind::Mysql, SourceKind::Sqlite];

    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Postgres => "postgres",
            SourceKind::Mysql => "mysql",
            SourceKind::Sqlite => "sqlite",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SourceKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(SourceKind::Postgres),
            "mysql" | "mariadb" => Ok(SourceKind::Mysql),
            "sqlite" => Ok(SourceKind::Sqlite),
            _ => Err(DomainError::field(
                "kind",
                format!("unknown kind '{s}'; allowed: postgres, mysql, sqlite"),
            )),
        }
    }
}

/// A registered data source, as anyone in its organisation may see it (never its password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataSource {
    /// Id.
    pub id: crate::DataSourceId,
    /// Owning organisation.
    pub org_id: crate::OrgId,
    /// Unique name within the organisation.
    pub name: String,
    /// Engine.
    pub kind: SourceKind,
    /// Host (network sources).
    pub host: Option<String>,
    /// Port (network sources).
    pub port: Option<u16>,
    /// Database name, or the SQLite file.
    pub database: Option<String>,
    /// User name (network sources).
    pub username: Option<String>,
    /// Creation time (UTC).
    pub created_at: chrono::NaiveDateTime,
    /// Last change (UTC).
    pub updated_at: chrono::NaiveDateTime,
}

/// A saved virtual table: a read-only query over a source, usable wherever a table is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Datamart {
    /// Id.
    pub id: crate::DatamartId,
    /// Owning organisation.
    pub org_id: crate::OrgId,
    /// The source it reads.
    pub source_id: crate::DataSourceId,
    /// Unique name within the organisation.
    pub name: String,
    /// What it holds.
    pub description: Option<String>,
    /// The query.
    pub sql: String,
    /// Creation time (UTC).
    pub created_at: chrono::NaiveDateTime,
    /// Last change (UTC).
    pub updated_at: chrono::NaiveDateTime,
}

/// A data source name: 1 to 100 characters of letters, digits, spaces, `-`, `_` and `.`.

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceName(String);

impl SourceName {
    /// Parses a name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(DomainError::field("name", "must be 1 to 100 characters"));
        }
        if !name
            .chars()
            .all(|c| (c.is_alphanumeric() && !c.is_control()) || " -_.".contains(c))
        {
            return Err(DomainError::field(
                "name",
                "may hold letters, digits, spaces, '-', '_' and '.' only",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_names_parse() {
        assert_eq!(
            "PostgreSQL".parse::<SourceKind>().ok(),
            Some(SourceKind::Postgres)
        );
        assert_eq!(
            "mariadb".parse::<SourceKind>().ok(),
            Some(SourceKind::Mysql)
        );
        assert!("oracle".parse::<SourceKind>().is_err());
        assert!(SourceName::parse("warehouse 2").is_ok());
        assert!(SourceName::parse("").is_err());
        assert!(SourceName::parse("a;drop").is_err());
    }
}
