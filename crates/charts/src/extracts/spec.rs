//! An extract as written (`ExtractSpec`: the wire form of create and replace) and as checked
//! (`Definition`): the columns kept, the filters applied at the source, the refresh schedule,
//! the incremental column and the maximum staleness. Every invalid field is named at once; the
//! names themselves are checked against the source's schema by the service.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use tessera_domain::chart::Filter;
use tessera_domain::error::Validator;
use tessera_domain::schedule::Schedule;
use tessera_domain::DomainError;

use crate::request::FilterRequest;

/// Most columns an extract may name.
pub const MAX_COLUMNS: usize = 500;
/// Most filters an extract may apply.
pub const MAX_FILTERS: usize = 20;
/// The shortest maximum staleness (a minute) and the longest (a year).
pub const STALENESS_SECS: std::ops::RangeInclusive<u64> = 60..=31_536_000;

/// A refresh schedule as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    /// A cron expression: 5 fields (minutes first) or 6 (seconds first).
    pub cron: String,
    /// An IANA time zone (default UTC).
    #[serde(default = "utc")]
    pub timezone: String,
}

fn utc() -> String {
    "UTC".into()
}

/// An extract as written by a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractSpec {
    /// Unique within the organisation, 1 to 200 characters.
    pub name: String,
    /// The source copied from.
    pub source_id: String,
    /// The table (or view) copied; give this or `datamart_id`.
    #[serde(default)]
    pub table: Option<String>,
    /// Or one of the source's datamarts.
    #[serde(default)]
    pub datamart_id: Option<String>,
    /// The columns kept (default: every column of a type extracts keep).
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Rows kept: all of these hold (the chart filter vocabulary).
    #[serde(default)]
    pub filters: Vec<FilterRequest>,
    /// When to refresh (none: only when asked).
    #[serde(default)]
    pub schedule: Option<ScheduleSpec>,
    /// A column that only grows (an id, a creation time): each refresh then reads only rows past
    /// the largest value read so far. Without one, each refresh reads everything.
    #[serde(default)]
    pub incremental_column: Option<String>,
    /// Charts are answered from the extract only while its data is at most this old (seconds;
    /// default `extracts.default_max_staleness_secs`).
    #[serde(default)]
    pub max_staleness_secs: Option<u64>,
}

/// What is stored of a checked spec (the name, source and target have columns of their own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDefinition {
    /// See [`ExtractSpec::columns`].
    pub columns: Option<Vec<String>>,
    /// See [`ExtractSpec::filters`].
    pub filters: Vec<FilterRequest>,
    /// See [`ExtractSpec::schedule`].
    pub schedule: Option<ScheduleSpec>,
    /// See [`ExtractSpec::incremental_column`].
    pub incremental_column: Option<String>,
    /// See [`ExtractSpec::max_staleness_secs`].
    pub max_staleness_secs: u64,
}

/// A checked definition.
#[derive(Debug, Clone)]
pub struct Definition {
    /// As stored.
    pub stored: StoredDefinition,
    /// The filters, parsed.
    pub filters: Vec<Filter>,
    /// The schedule, parsed.
    pub schedule: Option<Schedule>,
    /// How old the data may be and still answer charts.
    pub max_staleness: Duration,
}

impl Definition {
    /// Checks a stored definition (or one just built from a spec).
    pub fn check(stored: StoredDefinition) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        if let Some(columns) = &stored.columns {
            if columns.is_empty() || columns.len() > MAX_COLUMNS {
                v.add(
                    "columns",
                    format!("name 1 to {MAX_COLUMNS} columns, or leave it out for all"),
                );
            }
            let mut seen = std::collections::HashSet::new();
            for c in columns {
                if c.trim().is_empty() || c.len() > 200 {
                    v.add("columns", "a column name is 1 to 200 characters");
                } else if !seen.insert(c.as_str()) {
                    v.add("columns", format!("'{c}' is named twice"));
                }
            }
        }
        if stored.filters.len() > MAX_FILTERS {
            v.add("filters", format!("at most {MAX_FILTERS} filters"));
        }
        let filters: Vec<Filter> = stored
            .filters
            .iter()
            .filter_map(|f| {
                v.check(f.parse().map_err(|e| {
                    match e {
                        DomainError::Validation(errors) => DomainError::Validation(
                            errors
                                .into_iter()
                                .map(|mut fe| {
                                    if !fe.field.starts_with("filters") {
                                        fe.field = format!("filters.{}", fe.field);
                                    }
                                    fe
                                })
                                .collect(),
                        ),
                    }
                }))
            })
            .collect();
        let schedule = stored
            .schedule
            .as_ref()
            .and_then(|s| v.check(Schedule::parse(&s.cron, &s.timezone)));
        if let (Some(inc), Some(columns)) = (&stored.incremental_column, &stored.columns) {
            if !columns.contains(inc) {
                v.add(
                    "incremental_column",
                    format!("'{inc}' must be one of the columns kept"),
                );
            }
        }
        if !STALENESS_SECS.contains(&stored.max_staleness_secs) {
            v.add(
                "max_staleness_secs",
                format!(
                    "must be {} to {} seconds",
                    STALENESS_SECS.start(),
                    STALENESS_SECS.end()
                ),
            );
        }
        v.finish()?;
        Ok(Self {
            max_staleness: Duration::seconds(stored.max_staleness_secs as i64),
            stored,
            filters,
            schedule,
        })
    }

    /// Reads a stored definition back.
    pub fn from_json(json: &str) -> Result<Self, DomainError> {
        let stored: StoredDefinition = serde_json::from_str(json)
            .map_err(|e| DomainError::field("definition", format!("is unreadable: {e}")))?;
        Self::check(stored)
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.stored).unwrap_or_default()
    }

    /// Whether a change to `other` changes which rows and columns the copy holds (then the
    /// serving copy is dropped and the next refresh starts over).
    pub fn reshapes(&self, other: &Definition) -> bool {
        self.stored.columns != other.stored.columns
            || self.stored.filters != other.stored.filters
            || self.stored.incremental_column != other.stored.incremental_column
    }
}

impl ExtractSpec {
    /// The definition this spec asks for, checked; `default_staleness` fills a missing maximum.
    pub fn definition(&self, default_staleness: u64) -> Result<Definition, DomainError> {
        Definition::check(StoredDefinition {
            columns: self.columns.clone(),
            filters: self.filters.clone(),
            schedule: self.schedule.clone(),
            incremental_column: self
                .incremental_column
                .as_ref()
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty()),
            max_staleness_secs: self.max_staleness_secs.unwrap_or(default_staleness),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> ExtractSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_spec_checks_every_field_at_once() {
        let s = spec(json!({
            "name": "x", "source_id": "s", "table": "t",
            "columns": ["a", "a"],
            "filters": [{"column": "a", "op": "like", "value": 1}],
            "schedule": {"cron": "* * * * * *", "timezone": "Mars/Olympus"},
            "incremental_column": "b",
            "max_staleness_secs": 5
        }));
        let Err(DomainError::Validation(errors)) = s.definition(3600) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "columns",
            "filters.op",
            "schedule.timezone",
            "incremental_column",
            "max_staleness_secs",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn a_definition_round_trips_and_knows_what_reshapes_it() {
        let s = spec(json!({
            "name": "x", "source_id": "s", "table": "t",
            "filters": [{"column": "category", "op": "eq", "value": "books"}],
            "schedule": {"cron": "0 * * * *"},
            "incremental_column": " id "
        }));
        let d = s.definition(3600).unwrap();
        assert_eq!(d.stored.incremental_column.as_deref(), Some("id"));
        assert_eq!(d.max_staleness, Duration::hours(1));
        assert_eq!(
            d.schedule
                .as_ref()
                .map(|s| s.timezone().to_owned())
                .as_deref(),
            Some("UTC")
        );
        let back = Definition::from_json(&d.to_json()).unwrap();
        assert!(!d.reshapes(&back));
        let mut other = back.stored.clone();
        other.max_staleness_secs = 60;
        assert!(!d.reshapes(&Definition::check(other.clone()).unwrap()));
        other.filters.clear();
        assert!(d.reshapes(&Definition::check(other).unwrap()));
    }
}
