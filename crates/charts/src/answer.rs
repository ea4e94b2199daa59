//! The typed answer of the chart engine: rows, their columns, what was computed and from where,
//! and optionally the previous period. The HTTP layer wraps it into the envelope
//! `{success, data, metadata, comparison?}`.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use serde_json::Value as Json;
use tessera_domain::chart::{OutputColumn, TimeRange};

/// One row: keyed by dimension, time and measure names.
pub type Row = serde_json::Map<String, Json>;

/// A chart answer.
#[derive(Debug, Clone)]
pub struct ChartAnswer {
    /// The rows, in order.
    pub rows: Vec<Row>,
    /// The rows' columns with their roles and types.
    pub columns: Vec<OutputColumn>,
    /// What was computed, from where, how fast.
    pub metadata: ChartMetadata,
    /// The previous period, when the query asked for it.
    pub comparison: Option<Comparison>,
}

/// What an answer is, beside its rows (`metadata` on the wire, with `columns`).
#[derive(Debug, Clone, Serialize)]
pub struct ChartMetadata {
    /// The named metric answered, if any.
    pub metric: Option<String>,
    /// The table (or datamart or dataset name) read.
    pub table: String,
    /// The relative period asked for.
    pub period: Option<String>,
    /// The time bucket size.
    pub granularity: Option<String>,
    /// The window read, `to` excluded.
    #[serde(serialize_with = "range_json")]
    pub range: Option<TimeRange>,
    /// Rows in the answer.
    pub row_count: usize,
    /// When the answer was computed.
    #[serde(serialize_with = "millis_z")]
    pub generated_at: chrono::DateTime<chrono::Utc>,
    /// Whether it was served from the answer cache.
    pub cached: bool,
    /// Time spent in the database (or in polars).
    pub query_ms: f64,
    /// Time the whole request took.
    pub duration_ms: f64,
    /// Where the rows came from.
    #[serde(flatten)]
    pub origin: Origin,
    /// How a named-metric endpoint presented the answer.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub view: Option<MetricView>,
    /// The sum of all slices (pie charts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
}

/// Where an answer's rows came from (`metadata.source` with its ids).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum Origin {
    /// Aggregated in a user's database (over a table or a datamart).
    Database {
        /// The source's id.
        source_id: String,
        /// The source's name.
        source_name: String,
    },
    /// Aggregated over an uploaded dataset's Parquet file.
    Dataset {
        /// The dataset's id.
        dataset_id: String,
        /// The dataset's name.
        dataset_name: String,
    },
    /// Aggregated over a fresh columnar extract of a source's table or datamart.
    Extract {
        /// The extract's id.
        extract_id: String,
        /// The extract's name.
        extract_name: String,
        /// The source it copies.
        source_id: String,
        /// The source's name.
        source_name: String,
        /// When the extract's data was read.
        #[serde(serialize_with = "opt_millis_z")]
        refreshed_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Generated: the metric's source is down and the metric allows sample data.
    Sample {
        /// Says so in words.
        note: String,
    },
}

/// How a named-metric endpoint presented an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricView {
    /// bar, pie, line or realtime.
    pub chart: String,
    /// currency, count, users, percent, ...
    pub unit: Option<String>,
    /// The category the rows were narrowed to.
    pub category: Option<String>,
}

/// The previous period of a `compare=previous_period` query.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The previous window.
    #[serde(serialize_with = "range_json")]
    pub range: Option<TimeRange>,
    /// Its rows, bucketed like the current ones.
    pub data: Vec<Row>,
    /// Each measure's totals over both windows.
    pub totals: BTreeMap<String, Change>,
}

/// A measure's total now and before.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// This period.
    pub current: Option<f64>,
    /// The previous period.
    pub previous: Option<f64>,
    /// current − previous.
    pub change: Option<f64>,
    /// The change in percent of |previous| (none when previous is zero).
    pub change_pct: Option<f64>,
}

impl Change {
    /// The change between two totals.
    pub fn between(current: Option<f64>, previous: Option<f64>) -> Self {
        let change = current.zip(previous).map(|(c, p)| c - p);
        let change_pct = match (change, previous) {
            (Some(d), Some(p)) if p != 0.0 => Some(d / p.abs() * 100.0),
            _ => None,
        };
        Self {
            current,
            previous,
            change,
            change_pct,
        }
    }
}

impl ChartAnswer {
    /// The first value of `column` in the rows, as a number.
    pub fn first_number(&self, column: &str) -> Option<f64> {
        self.rows
            .first()
            .and_then(|r| r.get(column))
            .and_then(Json::as_f64)
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, the wire form of range ends.
pub fn wire_time(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn range_json<S: Serializer>(r: &Option<TimeRange>, s: S) -> Result<S::Ok, S::Error> {
    match r {
        Some(r) => {
            let mut m = BTreeMap::new();
            m.insert("from", wire_time(r.from));
            m.insert("to", wire_time(r.to));
            m.serialize(s)
        }
        None => s.serialize_none(),
    }
}

fn opt_millis_z<S: Serializer>(
    t: &Option<chrono::DateTime<chrono::Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => millis_z(t, s),
        None => s.serialize_none(),
    }
}

fn millis_z<S: Serializer>(t: &chrono::DateTime<chrono::Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_serialises_with_its_origin_and_view_flattened() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        let meta = ChartMetadata {
            metric: Some("revenue".into()),
            table: "t".into(),
            period: None,
            granularity: None,
            range: None,
            row_count: 0,
            generated_at: at,
            cached: false,
            query_ms: 1.5,
            duration_ms: 2.0,
            origin: Origin::Database {
                source_id: "s".into(),
                source_name: "shop".into(),
            },
            view: Some(MetricView {
                chart: "bar".into(),
                unit: None,
                category: None,
            }),
            total: None,
        };
        let v = serde_json::to_value(&meta).unwrap_or_default();
        assert_eq!(v["source"], "database");
        assert_eq!(v["source_name"], "shop");
        assert_eq!(v["chart"], "bar");
        assert_eq!(v["category"], Json::Null);
        assert!(v.get("total").is_none());
        assert_eq!(v["range"], Json::Null);
        assert_eq!(v["generated_at"], "2026-01-02T03:04:05.678Z");
    }

    #[test]
    fn changes_are_relative_to_the_previous_magnitude() {
        let c = Change::between(Some(150.0), Some(-100.0));
        assert_eq!(c.change, Some(250.0));
        assert_eq!(c.change_pct, Some(250.0));
        assert_eq!(Change::between(Some(1.0), Some(0.0)).change_pct, None);
        assert_eq!(
            serde_json::to_value(Change::between(None, Some(1.0))).unwrap_or_default(),
            json!({"current": null, "previous": 1.0, "change": null, "change_pct": null})
        );
    }
}
