//! One column's summary, by kind: numeric, categorical, text, boolean or datetime. Besides the
//! summary it hands back the column in the shape correlations need (values or category codes).

use chrono::{DateTime, Datelike, NaiveDate};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{is_free_text, pct, AnalysisMode, ProfileOptions, CARDINALITY_THRESHOLD};
use super::stats::{self, Bin, MISSING_CODE};
use crate::error::Result;

/// What a column holds, as an analyst sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Integers or floats.
    Numeric,
    /// Text with few distinct values.
    Categorical,
    /// Free text (many distinct values).
    Text,
    /// True/false.
    Boolean,
    /// Dates or timestamps.
    Datetime,
}

impl ColumnKind {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Numeric => "numeric",
            Self::Categorical => "categorical",
            Self::Text => "text",
            Self::Boolean => "boolean",
            Self::Datetime => "datetime",
        }
    }
}

/// A value and how often it occurs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValueCount {
    /// The value, as text.
    pub value: String,
    /// Occurrences.
    pub count: u64,
    /// Percent of the non-missing values.
    pub pct: f64,
}

/// The 5th, 25th, 50th, 75th and 95th percentiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quantiles {
    /// 5th percentile.
    pub p5: f64,
    /// First quartile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// Third quartile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// Statistics of a numeric column (infinite values are counted, not averaged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NumericStats {
    /// Mean.
    pub mean: Option<f64>,
    /// Sample standard deviation (ddof = 1, as pandas).
    pub std: Option<f64>,
    /// Sample variance.
    pub variance: Option<f64>,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// max - min.
    pub range: Option<f64>,
    /// Sum.
    pub sum: f64,
    /// Percentiles.
    pub quantiles: Option<Quantiles>,
    /// Interquartile range.
    pub iqr: Option<f64>,
    /// Coefficient of variation (std / mean).
    pub cv: Option<f64>,
    /// Zeros.
    pub zeros: u64,
    /// Zeros, percent of rows.
    pub zeros_pct: f64,
    /// Negative values.
    pub negatives: u64,
    /// Negative values, percent of rows.
    pub negatives_pct: f64,
    /// Infinite values.
    pub infinite: u64,
    /// Skewness (pandas' bias-corrected).
    pub skewness: Option<f64>,
    /// Excess kurtosis (pandas' bias-corrected).
    pub kurtosis: Option<f64>,
    /// Values outside [Q1 - 1.5 IQR, Q3 + 1.5 IQR].
    pub outliers: u64,
    /// Histogram (full mode).
    pub histogram: Option<Vec<Bin>>,
}

/// Statistics of a categorical or text column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoricalStats {
    /// Distinct values.
    pub cardinality: u64,
    /// Most frequent values, most frequent first (full mode).
    pub top_values: Option<Vec<ValueCount>>,
    /// Shortest value, characters.
    pub min_length: u64,
    /// Longest value, characters.
    pub max_length: u64,
    /// Mean length, characters.
    pub mean_length: f64,
    /// 1 - normalised entropy of the value counts (0 = balanced).
    pub imbalance: Option<f64>,
}

/// Statistics of a date or datetime column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatetimeStats {
    /// Earliest, ISO 8601.
    pub min: Option<String>,
    /// Latest, ISO 8601.
    pub max: Option<String>,
    /// Days between earliest and latest.
    pub range_days: Option<f64>,
    /// Counts per calendar month, January first (full mode).
    pub by_month: Option<Vec<ValueCount>>,
    /// Counts per weekday, Monday first (full mode).
    pub by_weekday: Option<Vec<ValueCount>>,
}

/// Counts of a boolean column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BooleanStats {
    /// True values.
    pub true_count: u64,
    /// False values.
    pub false_count: u64,
    /// True values, percent of non-missing.
    pub true_pct: f64,
    /// 1 - normalised entropy (0 = balanced).
    pub imbalance: Option<f64>,
}

/// The summary of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ColumnProfile {
    /// Column name.
    pub name: String,
    /// Kind.
    pub kind: ColumnKind,
    /// Storage type (polars dtype).
    pub dtype: String,
    /// Non-missing values.
    pub count: u64,
    /// Missing values.
    pub missing: u64,
    /// Missing values, percent of rows.
    pub missing_pct: f64,
    /// Distinct non-missing values.
    pub distinct: u64,
    /// Distinct values, percent of non-missing.
    pub distinct_pct: f64,
    /// Every row has a value and no value repeats.
    pub is_unique: bool,
    /// Numeric statistics.
    pub numeric: Option<NumericStats>,
    /// Categorical and text statistics.
    pub categorical: Option<CategoricalStats>,
    /// Date and datetime statistics.
    pub datetime: Option<DatetimeStats>,
    /// Boolean counts.
    pub boolean: Option<BooleanStats>,
}

/// A column as correlations and the target analysis need it.
pub enum ColumnData {
    /// Values (NaN = missing) and, in full mode, the rows of the present values in ascending
    /// order of value, and their average ranks.
    Numeric {
        values: Vec<f64>,
        order: Option<Vec<u32>>,
        ranks: Option<Vec<f64>>,
    },
    /// Category codes ([`MISSING_CODE`] = missing) and the category behind each code.
    Codes {
        codes: Vec<u32>,
        labels: Vec<String>,
    },
    /// Codes of a text column with too many values for correlations: they stand for the
    /// values when rows are compared (duplicate rows).
    Text { codes: Vec<u32> },
    /// Not used by correlations.
    None,
}

/// Profiles one column of a frame with `rows` rows.
pub fn profile_column(
    series: &Series,
    rows: usize,
    opts: &ProfileOptions,
) -> Result<(ColumnProfile, ColumnData)> {
    let missing = series.null_count() as u64;
    let mut out = ColumnProfile {
        name: series.name().to_string(),
        kind: ColumnKind::Categorical,
        dtype: series.dtype().to_string(),
        count: rows as u64 - missing,
        missing,
        missing_pct: pct(missing, rows as u64),
        distinct: 0,
        distinct_pct: 0.0,
        is_unique: false,
        numeric: None,
        categorical: None,
        datetime: None,
        boolean: None,
    };
    let full = opts.mode == AnalysisMode::All;
    let data = match series.dtype() {
        dt if dt.is_primitive_numeric() => numeric(series, &mut out, rows, opts)?,
        DataType::Boolean => boolean(series, &mut out)?,
        DataType::Date | DataType::Datetime(_, _) => {
            datetime(series, &mut out, full)?;
            ColumnData::None
        }
        DataType::String => text(series.str()?, &mut out, opts),
        _ => {
            let as_text = series.cast(&DataType::String)?;
            text(as_text.str()?, &mut out, opts)
        }
    };
    out.distinct_pct = pct(out.distinct, out.count);
    out.is_unique = out.count == rows as u64 && out.distinct == out.count && rows > 0;
    Ok((out, data))
}

fn numeric(
    series: &Series,
    out: &mut ColumnProfile,
    rows: usize,
    opts: &ProfileOptions,
) -> Result<ColumnData> {
    out.kind = ColumnKind::Numeric;
    let floats = series.cast(&DataType::Float64)?;
    let ca = floats.f64()?;
    let full = opts.mode == AnalysisMode::All;
    let (all, infinite, nan_missing) = finite_values(ca, rows);
    // NaN in a float column is missing, as in pandas
    out.missing += nan_missing;
    out.count -= nan_missing;
    out.missing_pct = pct(out.missing, rows as u64);
    let (sorted, ranks) = sorted_values(&all, full);
    out.distinct = stats::distinct_sorted(&sorted) as u64 + u64::from(infinite > 0);
    let m = stats::moments(&sorted);
    let (quantiles, iqr, outliers) = spread(&sorted);
    let zeros = sorted.iter().filter(|v| **v == 0.0).count() as u64;
    let negatives = sorted.partition_point(|v| *v < 0.0) as u64;
    let std = m.and_then(|m| m.variance).map(f64::sqrt);
    let mean = m.map(|m| m.mean);
    let integers = series.dtype().is_integer();
    out.numeric = Some(NumericStats {
        mean,
        std,
        variance: m.and_then(|m| m.variance),
        min: sorted.first().copied(),
        max: sorted.last().copied(),
        range: sorted.first().zip(sorted.last()).map(|(a, b)| b - a),
        sum: sorted.iter().sum(),
        quantiles,
        iqr,
        cv: match (std, mean) {
            (Some(s), Some(m)) if m != 0.0 => Some(s / m),
            _ => None,
        },
        zeros,
        zeros_pct: pct(zeros, rows as u64),
        negatives,
        negatives_pct: pct(negatives, rows as u64),
        infinite,
        skewness: m.and_then(|m| m.skewness),
        kurtosis: m.and_then(|m| m.kurtosis),
        outliers,
        histogram: full.then(|| stats::histogram(&sorted, opts.max_bins, integers)),
    });
    let (order, ranks) = ranks.unzip();
    Ok(ColumnData::Numeric {
        values: all,
        order,
        ranks,
    })
}

/// The column's values as floats, one per row (missing, NaN and infinite values as NaN), with
/// how many were infinite and how many NaN.
fn finite_values(ca: &Float64Chunked, rows: usize) -> (Vec<f64>, u64, u64) {
    let mut all = Vec::with_capacity(rows);
    let mut infinite = 0u64;
    let mut nan_missing = 0u64;
    for v in ca.iter() {
        match v {
            Some(v) if v.is_finite() => all.push(v),
            Some(v) if v.is_nan() => {
                nan_missing += 1;
                all.push(f64::NAN);
            }
            Some(_) => {
                infinite += 1;
                all.push(f64::NAN);
            }
            None => all.push(f64::NAN),
        }
    }
    (all, infinite, nan_missing)
}

/// The present values sorted and, for a full analysis, the rows in that order with their ranks
/// (for Spearman correlations).
#[allow(clippy::type_complexity)]
fn sorted_values(all: &[f64], full: bool) -> (Vec<f64>, Option<(Vec<u32>, Vec<f64>)>) {
    if full {
        // sorting (value, row) pairs is faster than sorting rows by an indirect key; only the
        // rows are kept
        let mut pairs: Vec<(f64, u32)> = all
            .iter()
            .copied()
            .zip(0u32..)
            .filter(|(v, _)| !v.is_nan())
            .collect();
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let sorted: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        let order: Vec<u32> = pairs.iter().map(|p| p.1).collect();
        drop(pairs);
        let ranks = stats::ranks_from_order(&order, all);
        (sorted, Some((order, ranks)))
    } else {
        let mut s: Vec<f64> = all.iter().copied().filter(|v| !v.is_nan()).collect();
        s.sort_unstable_by(f64::total_cmp);
        (s, None)
    }
}

/// Quantiles, the interquartile range and the count of values beyond 1.5 IQR of the quartiles.
fn spread(sorted: &[f64]) -> (Option<Quantiles>, Option<f64>, u64) {
    let q = |p| stats::quantile_sorted(sorted, p);
    let quantiles = match (q(0.05), q(0.25), q(0.5), q(0.75), q(0.95)) {
        (Some(p5), Some(p25), Some(p50), Some(p75), Some(p95)) => Some(Quantiles {
            p5,
            p25,
            p50,
            p75,
            p95,
        }),
        _ => None,
    };
    let iqr = quantiles.as_ref().map(|q| q.p75 - q.p25);
    let outliers = match (&quantiles, iqr) {
        (Some(q), Some(iqr)) => {
            let (lo, hi) = (q.p25 - 1.5 * iqr, q.p75 + 1.5 * iqr);
            // sorted: count below lo and above hi by binary search
            let below = sorted.partition_point(|v| *v < lo);
            let above = sorted.len() - sorted.partition_point(|v| *v <= hi);
            (below + above) as u64
        }
        _ => 0,
    };
    (quantiles, iqr, outliers)
}

fn boolean(series: &Series, out: &mut ColumnProfile) -> Result<ColumnData> {
    out.kind = ColumnKind::Boolean;
    let ca = series.bool()?;
    let (mut t, mut f) = (0u64, 0u64);
    let codes: Vec<u32> = ca
        .iter()
        .map(|v| match v {
            Some(true) => {
                t += 1;
                1
            }
            Some(false) => {
                f += 1;
                0
            }
            None => MISSING_CODE,
        })
        .collect();
    out.distinct = u64::from(t > 0) + u64::from(f > 0);
    out.boolean = Some(BooleanStats {
        true_count: t,
        false_count: f,
        true_pct: pct(t, t + f),
        imbalance: stats::imbalance(&[t, f]),
    });
    Ok(ColumnData::Codes {
        codes,
        labels: vec!["false".into(), "true".into()],
    })
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn datetime(series: &Series, out: &mut ColumnProfile, full: bool) -> Result<()> {
    out.kind = ColumnKind::Datetime;
    let millis = epoch_millis(series)?;
    let mut sorted = millis;
    sorted.sort_unstable();
    out.distinct = if sorted.is_empty() {
        0
    } else {
        1 + sorted.windows(2).filter(|w| w[0] != w[1]).count() as u64
    };
    let is_date = matches!(series.dtype(), DataType::Date);
    let show = |ms: i64| {
        DateTime::from_timestamp_millis(ms).map(|d| {
            if is_date {
                d.date_naive().to_string()
            } else {
                d.naive_utc().format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
            }
        })
    };
    let (min, max) = (sorted.first().copied(), sorted.last().copied());
    let (by_month, by_weekday) = if full {
        let (months, days) = calendar(&sorted);
        (Some(months), Some(days))
    } else {
        (None, None)
    };
    out.datetime = Some(DatetimeStats {
        min: min.and_then(show),
        max: max.and_then(show),
        range_days: min.zip(max).map(|(a, b)| (b - a) as f64 / 86_400_000.0),
        by_month,
        by_weekday,
    });
    Ok(())
}

/// A date or timestamp column's present values as milliseconds since the epoch.
fn epoch_millis(series: &Series) -> Result<Vec<i64>> {
    Ok(match series.dtype() {
        DataType::Date => series
            .cast(&DataType::Int32)?
            .i32()?
            .iter()
            .flatten()
            .map(|d| i64::from(d) * 86_400_000)
            .collect(),
        DataType::Datetime(unit, _) => {
            let per_ms = match unit {
                TimeUnit::Nanoseconds => 1_000_000,
                TimeUnit::Microseconds => 1_000,
                TimeUnit::Milliseconds => 1,
            };
            series
                .to_physical_repr()
                .i64()?
                .iter()
                .flatten()
                .map(|v| v.div_euclid(per_ms))
                .collect()
        }
        _ => Vec::new(),
    })
}

/// How many values fall in each month and on each weekday (values sorted).
fn calendar(sorted: &[i64]) -> (Vec<ValueCount>, Vec<ValueCount>) {
    let (mut months, mut days) = ([0u64; 12], [0u64; 7]);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    // counting per day first keeps the calendar arithmetic to distinct days
    let mut i = 0;
    while i < sorted.len() {
        let day = sorted[i].div_euclid(86_400_000);
        let mut j = i;
        while j < sorted.len() && sorted[j].div_euclid(86_400_000) == day {
            j += 1;
        }
        if let Some(date) = epoch.checked_add_signed(chrono::Duration::days(day)) {
            months[date.month0() as usize] += (j - i) as u64;
            days[date.weekday().num_days_from_monday() as usize] += (j - i) as u64;
        }
        i = j;
    }
    let n = sorted.len() as u64;
    let counts = |labels: &[&str], counts: &[u64]| {
        labels
            .iter()
            .zip(counts)
            .map(|(l, &c)| ValueCount {
                value: (*l).to_owned(),
                count: c,
                pct: pct(c, n),
            })
            .collect()
    };
    (counts(&MONTHS, &months), counts(&WEEKDAYS, &days))
}

fn text(ca: &StringChunked, out: &mut ColumnProfile, opts: &ProfileOptions) -> ColumnData {
    let mut index: PlHashMap<&str, u32> = PlHashMap::default();
    let mut counts: Vec<u64> = Vec::new();
    let mut values: Vec<&str> = Vec::new();
    let (mut min_len, mut max_len, mut total_len, mut n) = (u64::MAX, 0u64, 0u64, 0u64);
    let mut codes = Vec::with_capacity(ca.len());
    for v in ca.iter() {
        let Some(v) = v else {
            codes.push(MISSING_CODE);
            continue;
        };
        let len = if v.is_ascii() {
            v.len()
        } else {
            v.chars().count()
        } as u64;
        min_len = min_len.min(len);
        max_len = max_len.max(len);
        total_len += len;
        n += 1;
        let code = *index.entry(v).or_insert_with(|| {
            counts.push(0);
            values.push(v);
            (counts.len() - 1) as u32
        });
        counts[code as usize] += 1;
        codes.push(code);
    }
    let distinct = counts.len() as u64;
    let mean_length = if n == 0 {
        0.0
    } else {
        total_len as f64 / n as f64
    };
    out.distinct = distinct;
    out.kind = if is_free_text(distinct, n, mean_length) {
        ColumnKind::Text
    } else {
        ColumnKind::Categorical
    };
    let top_values = (opts.mode == AnalysisMode::All).then(|| {
        let mut order: Vec<usize> = (0..counts.len()).collect();
        let k = opts.top_values.min(order.len());
        if k > 0 && k < order.len() {
            order.select_nth_unstable_by(k - 1, |&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
        }
        order.truncate(k);
        order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
        order
            .into_iter()
            .map(|i| ValueCount {
                value: values[i].to_owned(),
                count: counts[i],
                pct: pct(counts[i], n),
            })
            .collect()
    });
    out.categorical = Some(CategoricalStats {
        cardinality: distinct,
        top_values,
        min_length: if n == 0 { 0 } else { min_len },
        max_length: max_len,
        mean_length,
        imbalance: (distinct <= CARDINALITY_THRESHOLD)
            .then(|| stats::imbalance(&counts))
            .flatten(),
    });
    if distinct <= CARDINALITY_THRESHOLD {
        ColumnData::Codes {
            codes,
            labels: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    } else {
        ColumnData::Text { codes }
    }
}
