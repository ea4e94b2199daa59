//! A chart request as it arrives (names and values as strings, nothing checked yet) and its
//! parsing into a validated [`ChartQuery`]. The HTTP layer converts its wire type into a
//! [`ChartRequest`]; alert rules and dashboards store one as it is.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tessera_domain::chart::{
    parse_datetime, Aggregation, ChartQuery, Filter, FilterOp, Granularity, Measure, Period,
    Scalar, Sort, TimeRange, TimeSpec,
};
use tessera_domain::error::Validator;
use tessera_domain::DomainError;

/// The default and the usual row limit of a chart query.
pub const DEFAULT_LIMIT: i64 = 1000;

/// One measure as asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureRequest {
    /// count, count_distinct, sum, avg, min, max or median.
    pub agg: String,
    /// The column (optional for count: rows).
    #[serde(default)]
    pub column: Option<String>,
    /// The output name (default `{agg}_{column}`).
    #[serde(rename = "as", default)]
    pub alias: Option<String>,
}

/// An explicit time range as asked; `to` is excluded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeRequest {
    /// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`.
    pub from: String,
    /// The end (excluded).
    pub to: String,
}

/// The time axis as asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeRequest {
    /// A date or timestamp column.
    pub column: String,
    /// hour, day, week, month, quarter or year.
    #[serde(default)]
    pub granularity: Option<String>,
    /// 7d, 30d, 90d, 1y, today, mtd or ytd.
    #[serde(default)]
    pub period: Option<String>,
    /// An explicit range instead of a period.
    #[serde(default)]
    pub range: Option<RangeRequest>,
}

/// A filter as asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterRequest {
    /// The column.
    pub column: String,
    /// eq, ne, in, not_in, gt, gte, lt, lte, between, contains or is_null.
    pub op: String,
    /// A value; a list for in/not_in/between; true/false for is_null.
    pub value: Json,
}

/// A sort key as asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SortRequest {
    /// A dimension, the time column or a measure's name.
    pub by: String,
    /// Descending.
    #[serde(default)]
    pub desc: bool,
}

/// A chart query as asked: exactly one of `source_id`, `datamart_id` and `dataset_id`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartRequest {
    /// The source to aggregate in.
    #[serde(default)]
    pub source_id: Option<String>,
    /// Or a datamart.
    #[serde(default)]
    pub datamart_id: Option<String>,
    /// Or an uploaded dataset.
    #[serde(default)]
    pub dataset_id: Option<String>,
    /// The table or view (a datamart's name works too).
    #[serde(default)]
    pub table: Option<String>,
    /// At least one measure.
    pub measures: Vec<MeasureRequest>,
    /// Group-by columns.
    #[serde(default)]
    pub dimensions: Vec<String>,
    /// The time axis.
    #[serde(default)]
    pub time: Option<TimeRequest>,
    /// Filters, all of which hold.
    #[serde(default)]
    pub filters: Vec<FilterRequest>,
    /// Sort keys.
    #[serde(default)]
    pub sort: Vec<SortRequest>,
    /// Most rows (default 1000).
    #[serde(default)]
    pub limit: Option<i64>,
    /// `previous_period` adds the preceding period of equal length.
    #[serde(default)]
    pub compare: Option<String>,
    /// `true` asks the database itself, never an extract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<bool>,
}

impl ChartRequest {
    /// Parses into a validated query (names are checked later, against the target's schema);
    /// a relative period ends at `now`.
    pub fn parse(&self, now: chrono::NaiveDateTime) -> Result<ChartQuery, DomainError> {
        let mut v = Validator::new();
        let measures: Vec<Measure> = self
            .measures
            .iter()
            .filter_map(|m| v.check(m.parse()))
            .collect();
        let time = self.time.as_ref().and_then(|t| v.check(t.parse(now)));
        let filters: Vec<Filter> = self
            .filters
            .iter()
            .filter_map(|f| v.check(f.parse()))
            .collect();
        let compare_previous = v.check(self.compare_previous()).unwrap_or(false);
        v.finish()?;
        Ok(ChartQuery {
            table: self.table.clone().unwrap_or_default(),
            measures,
            dimensions: self.dimensions.clone(),
            time,
            filters,
            sort: self
                .sort
                .iter()
                .map(|s| Sort {
                    by: s.by.clone(),
                    desc: s.desc,
                })
                .collect(),
            limit: u32::try_from(self.limit.unwrap_or(DEFAULT_LIMIT)).unwrap_or(0),
            compare_previous,
        })
    }

    fn compare_previous(&self) -> Result<bool, DomainError> {
        match self.compare.as_deref() {
            None | Some("") | Some("none") => Ok(false),
            Some("previous_period") => Ok(true),
            Some(other) => Err(DomainError::field(
                "compare",
                format!("unknown compare '{other}'; allowed: previous_period"),
            )),
        }
    }
}

impl MeasureRequest {
    fn parse(&self) -> Result<Measure, DomainError> {
        let agg: Aggregation = self.agg.parse()?;
        let alias = self.alias.clone().unwrap_or_else(|| match &self.column {
            Some(c) => format!("{}_{c}", agg.as_str()),
            None => agg.as_str().to_owned(),
        });
        Ok(Measure {
            agg,
            column: self.column.clone(),
            alias,
        })
    }
}

impl TimeRequest {
    fn parse(&self, now: chrono::NaiveDateTime) -> Result<TimeSpec, DomainError> {
        let mut v = Validator::new();
        let granularity = v
            .check(
                self.granularity
                    .as_deref()
                    .map(str::parse::<Granularity>)
                    .transpose(),
            )
            .flatten();
        let period = v
            .check(self.period.as_deref().map(str::parse::<Period>).transpose())
            .flatten();
        let range = match (&period, &self.range) {
            (Some(_), Some(_)) => {
                v.check::<()>(Err(DomainError::field(
                    "time",
                    "give either period or range, not both",
                )));
                None
            }
            (Some(p), None) => Some(p.range(now)),
            (None, Some(r)) => v.check(r.parse()),
            (None, None) => None,
        };
        v.finish()?;
        Ok(TimeSpec {
            column: self.column.clone(),
            granularity,
            period,
            range,
        })
    }
}

impl RangeRequest {
    fn parse(&self) -> Result<TimeRange, DomainError> {
        match (parse_datetime(&self.from), parse_datetime(&self.to)) {
            (Some(from), Some(to)) => TimeRange::new(from, to),
            _ => Err(DomainError::field(
                "time.range",
                "from and to must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS",
            )),
        }
    }
}

impl FilterRequest {
    pub(crate) fn parse(&self) -> Result<Filter, DomainError> {
        let op: FilterOp = self.op.parse()?;
        let scalar = |v: &Json| -> Result<Scalar, DomainError> {
            match v {
                Json::String(s) => Ok(Scalar::Text(s.clone())),
                Json::Bool(b) => Ok(Scalar::Bool(*b)),
                Json::Number(n) => Ok(n
                    .as_i64()
                    .map(Scalar::Int)
                    .or_else(|| n.as_f64().map(Scalar::Float))
                    .unwrap_or(Scalar::Float(0.0))),
                _ => Err(DomainError::field(
                    "filters",
                    format!(
                        "the value for '{}' must be a string, number, boolean or a list of them",
                        self.column
                    ),
                )),
            }
        };
        let values = match &self.value {
            Json::Array(items) => items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
            Json::Null if op == FilterOp::IsNull => vec![Scalar::Bool(true)],
            other => vec![scalar(other)?],
        };
        Ok(Filter {
            column: self.column.clone(),
            op,
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 15)
            .and_then(|d| d.and_hms_opt(10, 30, 0))
            .unwrap_or_default()
    }

    fn request(v: Json) -> ChartRequest {
        serde_json::from_value(v).unwrap()
    }

    fn fields(e: DomainError) -> Vec<String> {
        let DomainError::Validation(errors) = e;
        errors.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn measures_are_named_by_aggregation_and_column_unless_aliased() {
        let q = request(json!({"table": "t", "measures": [
            {"agg": "count"}, {"agg": "sum", "column": "amount"}, {"agg": "avg", "column": "amount", "as": "mean"}
        ]}))
        .parse(now())
        .unwrap();
        let names: Vec<&str> = q.measures.iter().map(|m| m.alias.as_str()).collect();
        assert_eq!(names, ["count", "sum_amount", "mean"]);
        assert_eq!(q.limit, 1000);
        assert!(!q.compare_previous);
    }

    #[test]
    fn a_relative_period_ends_now_and_a_range_is_taken_as_given() {
        let q = request(json!({"measures": [{"agg": "count"}],
            "time": {"column": "at", "period": "7d", "granularity": "day"}}))
        .parse(now())
        .unwrap();
        let range = q.time.and_then(|t| t.range).unwrap();
        assert!(range.to > now() && range.from < now());
        let q = request(json!({"measures": [{"agg": "count"}],
            "time": {"column": "at", "range": {"from": "2026-01-01", "to": "2026-01-02T12:00:00"}}}))
        .parse(now())
        .unwrap();
        let range = q.time.and_then(|t| t.range).unwrap();
        assert_eq!(range.to.to_string(), "2026-01-02 12:00:00");
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let e = request(json!({"measures": [{"agg": "mode"}],
            "time": {"column": "at", "period": "7d", "range": {"from": "2026-01-01", "to": "2026-01-02"}},
            "filters": [{"column": "c", "op": "like", "value": 1}, {"column": "c", "op": "eq", "value": {"x": 1}}],
            "compare": "last_year"}))
        .parse(now())
        .unwrap_err();
        let fields = fields(e);
        for f in ["time", "filters", "compare"] {
            assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
        }
        assert!(fields.len() >= 5, "{fields:?}");
    }

    #[test]
    fn a_malformed_range_names_time_range() {
        let e = request(json!({"measures": [{"agg": "count"}],
            "time": {"column": "at", "range": {"from": "yesterday", "to": "2026-01-02"}}}))
        .parse(now())
        .unwrap_err();
        assert_eq!(fields(e), ["time.range"]);
    }

    #[test]
    fn filter_values_keep_their_json_types() {
        let q = request(json!({"measures": [{"agg": "count"}], "filters": [
            {"column": "a", "op": "in", "value": ["x", 2, 2.5, true]},
            {"column": "b", "op": "is_null", "value": null}
        ]}))
        .parse(now())
        .unwrap();
        assert_eq!(
            q.filters[0].values,
            vec![
                Scalar::Text("x".into()),
                Scalar::Int(2),
                Scalar::Float(2.5),
                Scalar::Bool(true)
            ]
        );
        assert_eq!(q.filters[1].values, vec![Scalar::Bool(true)]);
    }

    #[test]
    fn a_negative_limit_is_left_to_validation() {
        let q = request(json!({"measures": [{"agg": "count"}], "limit": -1}))
            .parse(now())
            .unwrap();
        assert_eq!(q.limit, 0);
    }
}
