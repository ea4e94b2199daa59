//! Chart queries: measures over a table, grouped by dimensions and time buckets, filtered,
//! sorted and limited. Parsed at the edge; past it every part is valid (identifiers are still
//! checked against the source's schema by the compiler).

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use crate::DomainError;

named_enum!(
    /// The type of a column as chart answers name it (`metadata.columns[].type`): one
    /// vocabulary for users' databases, datasets and the chart engine.
    ColumnType, "type" {
        /// Integer types.
        Integer = "integer",
        /// Floating point and decimal types.
        Float = "float",
        /// Text types.
        Text = "text",
        /// Booleans.
        Boolean = "boolean",
        /// Dates.
        Date = "date",
        /// Timestamps and datetimes.
        Timestamp = "timestamp",
        /// Binary data.
        Binary = "binary",
        /// Only nulls, so no type.
        Null = "null",
        /// Anything else (json, arrays, ...).
        Other = "other",
    }
);

impl ColumnType {
    /// Whether values of this type are numbers.
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Integer | Self::Float)
    }

    /// Whether values of this type are points in time.
    pub fn is_temporal(self) -> bool {
        matches!(self, Self::Date | Self::Timestamp)
    }
}

named_enum!(
    /// How a measure aggregates its column.
    Aggregation, "agg" {
        /// Rows (or non-null values of the column).
        Count = "count",
        /// Distinct non-null values.
        CountDistinct = "count_distinct",
        /// Sum.
        Sum = "sum",
        /// Mean.
        Avg = "avg",
        /// Smallest value.
        Min = "min",
        /// Largest value.
        Max = "max",
        /// Median (PostgreSQL only).
        Median = "median",
    }
);

named_enum!(
    /// The size of a time bucket.
    Granularity, "granularity" {
        /// Hours.
        Hour = "hour",
        /// Days.
        Day = "day",
        /// Weeks starting on Monday.
        Week = "week",
        /// Calendar months.
        Month = "month",
        /// Calendar quarters.
        Quarter = "quarter",
        /// Calendar years.
        Year = "year",
    }
);

named_enum!(
    /// A relative time window ending now.
    Period, "period" {
        /// The last 24 hours.
        Day1 = "1d",
        /// The last 7 days, today included.
        Days7 = "7d",
        /// The last 30 days, today included.
        Days30 = "30d",
        /// The last 90 days, today included.
        Days90 = "90d",
        /// The last 365 days, today included.
        Year1 = "1y",
        /// Since midnight.
        Today = "today",
        /// Since the first of the month.
        Mtd = "mtd",
        /// Since the first of January.
        Ytd = "ytd",
    }
);

named_enum!(
    /// A filter's comparison.
    FilterOp, "op" {
        /// Equal.
        Eq = "eq",
        /// Not equal.
        Ne = "ne",
        /// In a list.
        In = "in",
        /// Not in a list.
        NotIn = "not_in",
        /// Greater than.
        Gt = "gt",
        /// Greater or equal.
        Gte = "gte",
        /// Less than.
        Lt = "lt",
        /// Less or equal.
        Lte = "lte",
        /// Between two values, both included.
        Between = "between",
        /// Contains a substring (case-insensitive).
        Contains = "contains",
        /// Is NULL (`true`) or is not NULL (`false`).
        IsNull = "is_null",
    }
);

/// A half-open time range `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeRange {
    /// Start, included.
    pub from: NaiveDateTime,
    /// End, excluded.
    pub to: NaiveDateTime,
}

impl TimeRange {
    /// A range; `from` must be before `to`.
    pub fn new(from: NaiveDateTime, to: NaiveDateTime) -> Result<Self, DomainError> {
        if from >= to {
            return Err(DomainError::field(
                "time.range",
                "'from' must be before 'to'",
            ));
        }
        Ok(Self { from, to })
    }

    /// The dates this range touches, as a half-open range `[first, end)`: what it selects of a
    /// date column (a range ending after midnight includes that day).
    pub fn dates(&self) -> (NaiveDate, NaiveDate) {
        let end = if self.to.time() == NaiveTime::MIN {
            self.to.date()
        } else {
            self.to.date() + Duration::days(1)
        };
        (self.from.date(), end)
    }

    /// The range of the same length just before this one.
    pub fn previous(&self) -> TimeRange {
        let len = self.to - self.from;
        TimeRange {
            from: self.from - len,
            to: self.from,
        }
    }
}

impl Period {
    /// The concrete range of this period at `now`.
    pub fn range(self, now: NaiveDateTime) -> TimeRange {
        let midnight = now.date().and_time(NaiveTime::MIN);
        let end = now + Duration::seconds(1);
        let days_back = |n: i64| TimeRange {
            from: midnight - Duration::days(n - 1),
            to: end,
        };
        match self {
            Period::Day1 => TimeRange {
                from: end - Duration::hours(24),
                to: end,
            },
            Period::Days7 => days_back(7),
            Period::Days30 => days_back(30),
            Period::Days90 => days_back(90),
            Period::Year1 => days_back(365),
            Period::Today => TimeRange {
                from: midnight,
                to: end,
            },
            Period::Mtd => {
                let first =
                    NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap_or(now.date());
                TimeRange {
                    from: first.and_time(NaiveTime::MIN),
                    to: end,
                }
            }
            Period::Ytd => {
                let first = NaiveDate::from_ymd_opt(now.year(), 1, 1).unwrap_or(now.date());
                TimeRange {
                    from: first.and_time(NaiveTime::MIN),
                    to: end,
                }
            }
        }
    }
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` or `YYYY-MM-DD HH:MM[:SS]` (fractions allowed),
/// years 1000 to 9999 only (so that range arithmetic can never overflow).
pub fn parse_datetime(raw: &str) -> Option<NaiveDateTime> {
    parse_any_datetime(raw).filter(|t| (1000..=9999).contains(&t.year()))
}

fn parse_any_datetime(raw: &str) -> Option<NaiveDateTime> {
    let s = raw.trim().trim_end_matches('Z');
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t);
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN))
}

/// A literal in a filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Scalar {
    /// Text.
    Text(String),
    /// Integer.
    Int(i64),
    /// Number.
    Float(f64),
    /// Boolean.
    Bool(bool),
}

impl Scalar {
    /// The literal as a number: numbers, and text that reads as one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Scalar::Int(i) => Some(*i as f64),
            Scalar::Float(f) => Some(*f),
            Scalar::Text(t) => t.trim().parse().ok(),
            Scalar::Bool(_) => None,
        }
    }

    /// The literal as a boolean: `true`/`false` (any case, as text too), `1` and `0`.
    pub fn boolean(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::Int(0) => Some(false),
            Scalar::Int(1) => Some(true),
            Scalar::Text(t) if t.eq_ignore_ascii_case("true") => Some(true),
            Scalar::Text(t) if t.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// The literal as a timestamp: text in a form [`parse_datetime`] reads.
    pub fn datetime(&self) -> Option<NaiveDateTime> {
        match self {
            Scalar::Text(t) => parse_datetime(t),
            _ => None,
        }
    }

    /// The literal as text (for text columns and messages).
    pub fn text(&self) -> String {
        match self {
            Scalar::Text(t) => t.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

/// What an output column of a chart answer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputRole {
    /// The time bucket.
    Time,
    /// A group-by column.
    Dimension,
    /// An aggregate.
    Measure,
}

/// One output column of a chart answer, reported in `metadata.columns`.
#[derive(Debug, Clone, Serialize)]
pub struct OutputColumn {
    /// The key in each data object.
    pub name: String,
    /// Its role.
    pub role: OutputRole,
    /// `integer`, `float`, `text`, `boolean`, `date`, `timestamp`, ...
    #[serde(rename = "type")]
    pub data_type: String,
    /// The aggregation, for measures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agg: Option<Aggregation>,
}

impl OutputColumn {
    /// The time bucket column `name` at granularity `g` (a timestamp for hours, else a date).
    pub fn time(name: &str, g: Granularity) -> Self {
        Self {
            name: name.to_owned(),
            role: OutputRole::Time,
            data_type: if g == Granularity::Hour {
                ColumnType::Timestamp
            } else {
                ColumnType::Date
            }
            .as_str()
            .into(),
            agg: None,
        }
    }

    /// A group-by column of type `data_type`.
    pub fn dimension(name: &str, data_type: &str) -> Self {
        Self {
            name: name.to_owned(),
            role: OutputRole::Dimension,
            data_type: data_type.into(),
            agg: None,
        }
    }

    /// A measure's column of type `data_type`.
    pub fn measure(m: &Measure, data_type: &str) -> Self {
        Self {
            name: m.alias.clone(),
            role: OutputRole::Measure,
            data_type: data_type.into(),
            agg: Some(m.agg),
        }
    }
}

impl Granularity {
    /// How buckets are written (chrono format): `YYYY-MM-DD`, or `YYYY-MM-DDTHH:00:00` for hours.
    pub fn bucket_format(self) -> &'static str {
        if self == Granularity::Hour {
            "%Y-%m-%dT%H:00:00"
        } else {
            "%Y-%m-%d"
        }
    }
}

/// One measure: `agg(column) AS alias`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// Aggregation.
    pub agg: Aggregation,
    /// The column; `None` only for `count` (rows).
    pub column: Option<String>,
    /// The output name.
    pub alias: String,
}

/// The time axis: a column, optional bucketing, and the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeSpec {
    /// The timestamp or date column.
    pub column: String,
    /// Bucket size; `None` filters by time without grouping.
    pub granularity: Option<Granularity>,
    /// The period asked for, if relative.
    pub period: Option<Period>,
    /// The concrete window.
    pub range: Option<TimeRange>,
}

/// One filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filter {
    /// The column.
    pub column: String,
    /// The comparison.
    pub op: FilterOp,
    /// The values (one for most ops, two for between, many for in/not_in, one bool for is_null).
    pub values: Vec<Scalar>,
}

/// One sort key: a dimension, the time column or a measure alias.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sort {
    /// Output name to sort by.
    pub by: String,
    /// Descending.
    pub desc: bool,
}

/// A validated chart query (the table and columns are checked later against the schema).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartQuery {
    /// The table (or view) to aggregate.
    pub table: String,
    /// At least one measure.
    pub measures: Vec<Measure>,
    /// Group-by columns.
    pub dimensions: Vec<String>,
    /// The time axis.
    pub time: Option<TimeSpec>,
    /// Filters, all of which must hold.
    pub filters: Vec<Filter>,
    /// Sort keys.
    pub sort: Vec<Sort>,
    /// Most rows answered.
    pub limit: u32,
    /// Also compute the previous period of the same length.
    pub compare_previous: bool,
}

impl ChartQuery {
    /// The largest `limit` accepted.
    pub const MAX_LIMIT: u32 = 10_000;

    /// Checks the parts that need no schema: names unique, sort keys known, limits in range.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = Vec::new();
        if self.table.trim().is_empty() {
            errors.push(crate::FieldError::new("table", "is required"));
        }
        if self.measures.is_empty() {
            errors.push(crate::FieldError::new(
                "measures",
                "give at least one measure",
            ));
        }
        for m in &self.measures {
            if m.column.is_none() && m.agg != Aggregation::Count {
                errors.push(crate::FieldError::new(
                    "measures",
                    format!("{} needs a column", m.agg),
                ));
            }
        }
        let mut names: Vec<&str> = self.output_names();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            errors.push(crate::FieldError::new(
                "measures",
                "output names (dimensions, time column, measure 'as') must be unique",
            ));
        }
        let outputs = self.output_names();
        for s in &self.sort {
            if !outputs.contains(&s.by.as_str()) {
                errors.push(crate::FieldError::new(
                    "sort",
                    format!(
                        "'{}' is not a dimension, the time column or a measure",
                        s.by
                    ),
                ));
            }
        }
        if self.limit == 0 || self.limit > Self::MAX_LIMIT {
            errors.push(crate::FieldError::new(
                "limit",
                format!("must be between 1 and {}", Self::MAX_LIMIT),
            ));
        }
        if self.compare_previous && self.time.as_ref().and_then(|t| t.range).is_none() {
            errors.push(crate::FieldError::new(
                "compare",
                "previous_period needs a time period or range",
            ));
        }
        for f in &self.filters {
            let ok = match f.op {
                FilterOp::In | FilterOp::NotIn => !f.values.is_empty() && f.values.len() <= 1000,
                FilterOp::Between => f.values.len() == 2,
                FilterOp::IsNull => matches!(f.values.as_slice(), [Scalar::Bool(_)]),
                _ => f.values.len() == 1,
            };
            if !ok {
                let want = match f.op {
                    FilterOp::In | FilterOp::NotIn => "a list of 1 to 1000 values",
                    FilterOp::Between => "a list of two values",
                    FilterOp::IsNull => "true or false",
                    _ => "one value",
                };
                errors.push(crate::FieldError::new(
                    "filters",
                    format!("{} on '{}' takes {want}", f.op, f.column),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(errors))
        }
    }

    /// The order of the answer as (output name, descending): the sort asked for, else time
    /// ascending when bucketed, else the first measure descending.
    pub fn sort_keys(&self, columns: &[OutputColumn]) -> Vec<(String, bool)> {
        if !self.sort.is_empty() {
            return self.sort.iter().map(|s| (s.by.clone(), s.desc)).collect();
        }
        if let Some(t) = columns.iter().find(|c| c.role == OutputRole::Time) {
            return vec![(t.name.clone(), false)];
        }
        columns
            .iter()
            .find(|c| c.role == OutputRole::Measure)
            .map(|m| vec![(m.name.clone(), true)])
            .unwrap_or_default()
    }

    /// The full ordering of a grouped answer: the sort keys, then every group key not among
    /// them, ascending, so that ties always come in the same order (whichever engine answers).
    pub fn ordering(&self, columns: &[OutputColumn]) -> Vec<(String, bool)> {
        let mut keys = self.sort_keys(columns);
        for c in columns.iter().filter(|c| c.role != OutputRole::Measure) {
            if !keys.iter().any(|(name, _)| *name == c.name) {
                keys.push((c.name.clone(), false));
            }
        }
        keys
    }

    /// The names of the output columns: time column, dimensions, then measures.
    pub fn output_names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        if let Some(t) = self.time.as_ref().filter(|t| t.granularity.is_some()) {
            names.push(t.column.as_str());
        }
        names.extend(self.dimensions.iter().map(String::as_str));
        names.extend(self.measures.iter().map(|m| m.alias.as_str()));
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        parse_datetime(s).unwrap()
    }

    #[test]
    fn periods_cover_whole_days_up_to_now() {
        let now = at("2026-03-15T10:30:00");
        let r = Period::Days7.range(now);
        assert_eq!(r.from, at("2026-03-09"));
        assert!(r.to > now);
        assert_eq!(Period::Mtd.range(now).from, at("2026-03-01"));
        assert_eq!(Period::Ytd.range(now).from, at("2026-01-01"));
        assert_eq!(Period::Today.range(now).from, at("2026-03-15"));
        let prev = r.previous();
        assert_eq!(prev.to, r.from);
        assert_eq!(prev.to - prev.from, r.to - r.from);
    }

    #[test]
    fn unknown_names_list_the_allowed_ones() {
        let e = "fortnight".parse::<Period>().unwrap_err().to_string();
        assert!(e.contains("7d") && e.contains("ytd"), "{e}");
        assert!("week".parse::<Granularity>().is_ok());
        assert!("median".parse::<Aggregation>().is_ok());
    }

    #[test]
    fn datetimes_parse_in_common_forms() {
        for s in [
            "2026-01-02",
            "2026-01-02T03:04:05",
            "2026-01-02 03:04",
            "2026-01-02T03:04:05.123Z",
        ] {
            assert!(parse_datetime(s).is_some(), "{s}");
        }
        assert!(parse_datetime("02/01/2026").is_none());
        assert!(parse_datetime("+262142-01-01").is_none());
        assert!(parse_datetime("0001-01-01").is_none());
    }

    #[test]
    fn validation_catches_duplicates_unknown_sorts_and_bad_filters() {
        let q = ChartQuery {
            table: "t".into(),
            measures: vec![Measure {
                agg: Aggregation::Sum,
                column: None,
                alias: "x".into(),
            }],
            dimensions: vec!["x".into()],
            time: None,
            filters: vec![Filter {
                column: "a".into(),
                op: FilterOp::Between,
                values: vec![Scalar::Int(1)],
            }],
            sort: vec![Sort {
                by: "nope".into(),
                desc: false,
            }],
            limit: 0,
            compare_previous: true,
        };
        let DomainError::Validation(errors) = q.validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in ["measures", "sort", "limit", "compare", "filters"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }
}
