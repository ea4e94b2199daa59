//! How long uncached chart queries took, per organisation and table, over the last day: what
//! `GET /extracts/suggestions` ranks tables by. Kept in memory by each process (hour buckets,
//! a bounded number of tables per organisation), so it costs a request nothing measurable.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;
use tessera_domain::extract::ExtractTarget;
use tessera_domain::{DataSourceId, OrgId};

/// Hours of history kept.
pub const HOURS: i64 = 24;
/// Tables remembered per organisation (the least recently seen one is forgotten).
pub const TABLES_PER_ORG: usize = 200;
/// Organisations remembered.
pub const ORGS: usize = 10_000;

/// Where a chart query read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableKey {
    /// The source.
    pub source: DataSourceId,
    /// The table or datamart.
    pub target: ExtractTarget,
}

/// One hour's tally.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Hour {
    start: i64,
    database_runs: u64,
    database_ms: f64,
    extract_runs: u64,
    extract_ms: f64,
}

/// A table's queries over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct TableTimings {
    /// The table.
    pub key: TableKey,
    /// Queries answered by the database.
    pub database_runs: u64,
    /// Their time in all, in milliseconds.
    pub database_ms: f64,
    /// Queries answered from an extract.
    pub extract_runs: u64,
    /// Their time in all, in milliseconds.
    pub extract_ms: f64,
}

#[derive(Debug, Default)]
struct OrgTimings {
    tables: HashMap<TableKey, (Vec<Hour>, i64)>,
}

/// Every organisation's recent chart timings.
#[derive(Debug, Default)]
pub struct Timings {
    orgs: Mutex<HashMap<OrgId, OrgTimings>>,
}

fn hour_of(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp().div_euclid(3600)
}

impl Timings {
    /// Records one query's time: from the database, or from an extract.
    pub fn record(
        &self,
        org: OrgId,
        key: TableKey,
        ms: f64,
        from_extract: bool,
        at: NaiveDateTime,
    ) {
        let Ok(mut orgs) = self.orgs.lock() else {
            return;
        };
        if !orgs.contains_key(&org) && orgs.len() >= ORGS {
            return;
        }
        let hour = hour_of(at);
        let tables = &mut orgs.entry(org).or_default().tables;
        if !tables.contains_key(&key) && tables.len() >= TABLES_PER_ORG {
            if let Some(oldest) = tables
                .iter()
                .min_by_key(|(_, (_, seen))| *seen)
                .map(|(k, _)| k.clone())
            {
                tables.remove(&oldest);
            }
        }
        let (hours, seen) = tables.entry(key).or_insert_with(|| (Vec::new(), hour));
        *seen = hour;
        hours.retain(|h| h.start > hour - HOURS);
        if hours.last().is_none_or(|h| h.start != hour) {
            hours.push(Hour {
                start: hour,
                ..Hour::default()
            });
        }
        if let Some(h) = hours.last_mut() {
            if from_extract {
                h.extract_runs += 1;
                h.extract_ms += ms;
            } else {
                h.database_runs += 1;
                h.database_ms += ms;
            }
        }
    }

    /// An organisation's tables with their totals over the last day before `now`.
    pub fn recent(&self, org: OrgId, now: NaiveDateTime) -> Vec<TableTimings> {
        let Ok(orgs) = self.orgs.lock() else {
            return Vec::new();
        };
        let hour = hour_of(now);
        let Some(o) = orgs.get(&org) else {
            return Vec::new();
        };
        o.tables
            .iter()
            .map(|(key, (hours, _))| {
                let mut t = TableTimings {
                    key: key.clone(),
                    database_runs: 0,
                    database_ms: 0.0,
                    extract_runs: 0,
                    extract_ms: 0.0,
                };
                for h in hours.iter().filter(|h| h.start > hour - HOURS) {
                    t.database_runs += h.database_runs;
                    t.database_ms += h.database_ms;
                    t.extract_runs += h.extract_runs;
                    t.extract_ms += h.extract_ms;
                }
                t
            })
            .filter(|t| t.database_runs + t.extract_runs > 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            + chrono::Duration::hours(i64::from(h))
    }

    #[test]
    fn timings_add_up_per_table_and_forget_what_is_older_than_a_day() {
        let t = Timings::default();
        let (org, other) = (OrgId::new(), OrgId::new());
        let key = TableKey {
            source: DataSourceId::new(),
            target: ExtractTarget::Table("transactions".into()),
        };
        t.record(org, key.clone(), 400.0, false, at(0));
        t.record(org, key.clone(), 600.0, false, at(10));
        t.record(org, key.clone(), 20.0, true, at(10));
        let now = t.recent(org, at(12));
        assert_eq!(now.len(), 1);
        assert_eq!((now[0].database_runs, now[0].database_ms), (2, 1000.0));
        assert_eq!((now[0].extract_runs, now[0].extract_ms), (1, 20.0));
        let later = t.recent(org, at(30));
        assert_eq!((later[0].database_runs, later[0].database_ms), (1, 600.0));
        assert!(
            t.recent(other, at(12)).is_empty(),
            "another organisation sees nothing"
        );
    }
}
