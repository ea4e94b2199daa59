//! Columnar extracts: a copy of a source's table (or datamart) kept as Parquet files and
//! refreshed on a schedule, so chart queries on that table can be answered without the source.
//! What an extract is copied from, what its last refresh left serving, and each refresh's record.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::chart::ColumnType;
use crate::{DataSourceId, DatamartId, DomainError, ExtractId, JobId, OrgId, RefreshId};

/// What an extract copies: a table of its source, or one of the source's datamarts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExtractTarget {
    /// A table or view, by its (possibly schema-qualified) name.
    Table(String),
    /// A datamart of the source.
    Datamart(DatamartId),
}

impl ExtractTarget {
    /// The stored form: `table:<name>` or `datamart:<id>`.
    pub fn stored(&self) -> String {
        match self {
            Self::Table(t) => format!("table:{t}"),
            Self::Datamart(d) => format!("datamart:{d}"),
        }
    }

    /// Reads the stored form back.
    pub fn from_stored(s: &str) -> Result<Self, DomainError> {
        let bad = || DomainError::field("target", format!("'{s}' is not a stored target"));
        match s.split_once(':') {
            Some(("table", t)) if !t.is_empty() => Ok(Self::Table(t.to_owned())),
            Some(("datamart", d)) => d.parse().map(Self::Datamart).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
}

/// One column kept in an extract, with the type charts read it as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractColumn {
    /// The column's name in the source.
    pub name: String,
    /// Its chart type (`integer`, `float`, `text`, `date`, `timestamp`, `boolean`).
    #[serde(rename = "type")]
    pub kind: String,
}

impl ExtractColumn {
    /// A column of `kind`.
    pub fn new(name: &str, kind: ColumnType) -> Self {
        Self {
            name: name.to_owned(),
            kind: kind.as_str().to_owned(),
        }
    }
}

/// What the last successful refresh left serving.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtractState {
    /// The latest copy's number (its directory `v<version>`); 0 before the first refresh.
    pub version: i64,
    /// When the serving copy's data was read (the start of its refresh); none while no copy
    /// serves (before the first refresh, after a change to what the copy holds).
    pub refreshed_at: Option<NaiveDateTime>,
    /// Rows in the serving copy.
    pub rows: i64,
    /// Bytes of the serving copy's files.
    pub bytes: i64,
    /// The largest value of the incremental column read so far (JSON).
    pub high_water: Option<String>,
    /// The columns the serving copy holds.
    pub columns: Vec<ExtractColumn>,
}

impl ExtractState {
    /// The serving copy's column `name`, if it holds one.
    pub fn column(&self, name: &str) -> Option<&ExtractColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A columnar extract.
#[derive(Debug, Clone, PartialEq)]
pub struct Extract {
    /// Id.
    pub id: ExtractId,
    /// Owning organisation.
    pub org_id: OrgId,
    /// The source it copies from.
    pub source_id: DataSourceId,
    /// Its name, unique within the organisation.
    pub name: String,
    /// The table or datamart copied.
    pub target: ExtractTarget,
    /// The definition as the chart engine stores it (JSON: columns, filters, schedule,
    /// incremental column, maximum staleness).
    pub definition: String,
    /// When the schedule next asks for a refresh.
    pub next_refresh_at: Option<NaiveDateTime>,
    /// What is serving now.
    pub state: ExtractState,
    /// Created.
    pub created_at: NaiveDateTime,
}

named_enum!(
    /// How a refresh reads its source.
    RefreshMode, "mode" {
        /// Every row, into a new copy.
        Full = "full",
        /// Only rows past the high-water mark, added to the copy.
        Incremental = "incremental",
    }
);

named_enum!(
    /// Where a refresh is.
    RefreshStatus, "status" {
        /// Reading and writing.
        Running = "running",
        /// Swapped in and serving.
        Succeeded = "succeeded",
        /// Stopped; the previous copy keeps serving.
        Failed = "failed",
    }
);

/// The record of one refresh.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractRefresh {
    /// Id.
    pub id: RefreshId,
    /// The extract refreshed.
    pub extract_id: ExtractId,
    /// Owning organisation.
    pub org_id: OrgId,
    /// The job that ran it.
    pub job_id: Option<JobId>,
    /// Full or incremental.
    pub mode: RefreshMode,
    /// Running, succeeded or failed.
    pub status: RefreshStatus,
    /// Started.
    pub started_at: NaiveDateTime,
    /// Ended.
    pub finished_at: Option<NaiveDateTime>,
    /// Rows read from the source by this refresh.
    pub rows_read: i64,
    /// Rows in the copy it left (succeeded only).
    pub rows: i64,
    /// Bytes of the copy it left (succeeded only).
    pub bytes: i64,
    /// Wall-clock time it took.
    pub duration_ms: i64,
    /// The high-water mark after it (JSON).
    pub high_water: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_round_trip_through_their_stored_form() {
        let dm = DatamartId::new();
        for t in [
            ExtractTarget::Table("public.orders".into()),
            ExtractTarget::Datamart(dm),
        ] {
            assert_eq!(ExtractTarget::from_stored(&t.stored()).ok(), Some(t));
        }
        assert!(ExtractTarget::from_stored("table:").is_err());
        assert!(ExtractTarget::from_stored("datamart:nope").is_err());
        assert!(ExtractTarget::from_stored("view:x").is_err());
    }
}
