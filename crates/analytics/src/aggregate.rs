//! Chart queries over a dataset's Parquet file: the same [`ChartQuery`] the SQL compiler takes,
//! run as a polars lazy query (projection and predicate pushdown into the scan, streaming
//! group-by), answered as one JSON object per row with the same keys and value formats as a
//! database's answer.

use std::path::Path;

use chrono::NaiveDateTime;
use polars::prelude::*;
use serde_json::{Map, Value as Json};
use tessera_domain::chart::{
    Aggregation, ChartQuery, ColumnType, Filter, FilterOp, Granularity, OutputColumn, OutputRole,
    Scalar, TimeRange,
};

use crate::error::{AnalyticsError, Result};

/// A chart answer computed from a file: its columns (in output order) and rows.
#[derive(Debug, Clone)]
pub struct ChartAnswer {
    /// Output columns: time bucket, dimensions, then measures.
    pub columns: Vec<OutputColumn>,
    /// One object per row keyed by output name.
    pub rows: Vec<Map<String, Json>>,
}

/// What a column holds, as chart queries see it.
fn column_type(dtype: &DataType) -> ColumnType {
    match dtype {
        d if d.is_integer() => ColumnType::Integer,
        // decimals too: measured as floats, as SQL engines do
        d if d.is_float() || d.is_numeric() => ColumnType::Float,
        DataType::Boolean => ColumnType::Boolean,
        DataType::Date => ColumnType::Date,
        DataType::Datetime(_, _) => ColumnType::Timestamp,
        DataType::String | DataType::Categorical(_, _) => ColumnType::Text,
        _ => ColumnType::Other,
    }
}

/// The columns of a Parquet file, read from its footer.
struct Columns {
    table: String,
    schema: SchemaRef,
}

impl Columns {
    fn get(&self, name: &str) -> Result<(&DataType, ColumnType)> {
        match self.schema.get(name) {
            Some(dtype) => Ok((dtype, column_type(dtype))),
            None => {
                let known: Vec<&str> = self.schema.iter_names().map(|n| n.as_str()).collect();
                Err(AnalyticsError::InvalidRequest(format!(
                    "unknown column '{name}' in '{}'; columns: {}",
                    self.table,
                    known.join(", ")
                )))
            }
        }
    }
}

/// A column by its exact name (`col` would read `*` and `^...$` names as patterns).
fn column(name: &str) -> Expr {
    Expr::Column(name.into())
}

/// A column's values as compared and ordered: a categorical column as its text.
fn values(name: &str, dtype: &DataType) -> Expr {
    match dtype {
        DataType::Categorical(_, _) => column(name).cast(DataType::String),
        _ => column(name),
    }
}

fn scan(path: &Path) -> Result<LazyFrame> {
    Ok(LazyFrame::scan_parquet(
        PlRefPath::new(path.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )?)
}

/// Time-zone-aware timestamps as plain UTC timestamps, so that windows, filters and buckets
/// all read them in UTC (as the answer's naive timestamps are).
fn utc_timestamps(mut lf: LazyFrame) -> Result<LazyFrame> {
    let zoned: Vec<Expr> = lf
        .collect_schema()?
        .iter()
        .filter_map(|(name, dtype)| match dtype {
            DataType::Datetime(unit, Some(_)) => Some(
                column(name)
                    .to_physical()
                    .cast(DataType::Datetime(*unit, None))
                    .alias(name.clone()),
            ),
            _ => None,
        })
        .collect();
    Ok(if zoned.is_empty() {
        lf
    } else {
        lf.with_columns(zoned)
    })
}

/// Answers `q` over the Parquet file at `path` (named `table` in messages) for the window
/// `range` (the query's own or the previous period's); `group = false` computes totals (no
/// dimensions, no time buckets). Unknown columns and impossible aggregations are
/// [`AnalyticsError::InvalidRequest`].
pub fn aggregate(
    path: &Path,
    table: &str,
    q: &ChartQuery,
    range: Option<TimeRange>,
    group: bool,
) -> Result<ChartAnswer> {
    aggregate_frame(scan(path)?, table, q, range, group)
}

/// [`aggregate`] over a lazy frame: a file scanned, or a frame held in memory whose
/// low-cardinality text columns may be categorical (grouped by their codes, answered as text).
/// Run by polars' streaming engine, whose memory does not grow with the rows.
pub fn aggregate_frame(
    lf: LazyFrame,
    table: &str,
    q: &ChartQuery,
    range: Option<TimeRange>,
    group: bool,
) -> Result<ChartAnswer> {
    aggregate_with(lf, table, q, range, group, Engine::Streaming)
}

/// Rows at most that [`aggregate_rows`] gives polars' in-memory engine: over so few, the
/// streaming engine's fixed cost (about half a millisecond a query) is most of the time, while
/// the in-memory engine's intermediate columns stay small.
pub const IN_MEMORY_ROWS: usize = 1 << 18;

/// [`aggregate_frame`] over rows held in memory (an extract's copy, or its window): up to
/// [`IN_MEMORY_ROWS`] by the in-memory engine, more by the streaming one.
pub fn aggregate_rows(
    rows: DataFrame,
    table: &str,
    q: &ChartQuery,
    range: Option<TimeRange>,
    group: bool,
) -> Result<ChartAnswer> {
    let engine = if rows.height() <= IN_MEMORY_ROWS {
        Engine::InMemory
    } else {
        Engine::Streaming
    };
    aggregate_with(rows.lazy(), table, q, range, group, engine)
}

fn aggregate_with(
    lf: LazyFrame,
    table: &str,
    q: &ChartQuery,
    range: Option<TimeRange>,
    group: bool,
    engine: Engine,
) -> Result<ChartAnswer> {
    let mut lf = utc_timestamps(lf)?;
    let columns = Columns {
        table: table.to_owned(),
        schema: lf.collect_schema()?,
    };

    let mut keys = Vec::new();
    let mut out = Vec::new();
    let mut bucket_format = None;
    let bucket = if group {
        q.time.as_ref().and_then(|t| t.granularity.map(|g| (t, g)))
    } else {
        None
    };
    if let Some((t, g)) = bucket {
        let (_, family) = columns.get(&t.column)?;
        if !matches!(family, ColumnType::Date | ColumnType::Timestamp) {
            return Err(AnalyticsError::InvalidRequest(format!(
                "time column '{}' is not a date or timestamp",
                t.column
            )));
        }
        keys.push(time_bucket(&t.column, g));
        bucket_format = Some((t.column.clone(), g));
        out.push(OutputColumn::time(&t.column, g));
    }
    if group {
        for d in &q.dimensions {
            let (_, family) = columns.get(d)?;
            keys.push(column(d));
            out.push(OutputColumn::dimension(d, family.as_str()));
        }
    }
    let mut measures = Vec::new();
    for m in &q.measures {
        let (expr, data_type) = measure(&columns, m.agg, m.column.as_deref())?;
        measures.push(expr.alias(m.alias.as_str()));
        out.push(OutputColumn::measure(m, &data_type));
    }

    if let (Some(t), Some(r)) = (&q.time, range) {
        lf = lf.filter(time_window(&columns, &t.column, r)?);
    }
    for f in &q.filters {
        lf = lf.filter(filter(&columns, f)?);
    }

    let frame = if keys.is_empty() {
        lf.select(measures)
    } else {
        grouped(lf, keys, measures, q, &out, bucket_format.as_ref())
    }
    .collect_with_engine(engine)?
    .unwrap_single();
    Ok(ChartAnswer {
        columns: out,
        rows: crate::values::rows(&frame),
    })
}

/// The grouped, sorted and limited plan: ties are broken by the group keys, so that the same
/// query always answers in the same order (polars groups in no particular order); time buckets
/// are grouped and sorted as timestamps, and only the answer's few are formatted.
fn grouped(
    lf: LazyFrame,
    keys: Vec<Expr>,
    measures: Vec<Expr>,
    q: &ChartQuery,
    out: &[OutputColumn],
    bucket_format: Option<&(String, Granularity)>,
) -> LazyFrame {
    // ties are broken by the group keys, so that the same query always answers in the same
    // order (polars groups in no particular order)
    let sort = q.ordering(out);
    let mut lf = lf.group_by(keys).agg(measures);
    // categorical keys become text again before they are sorted and answered (few rows)
    let texts: Vec<Expr> = out
        .iter()
        .filter(|c| c.role == OutputRole::Dimension && c.data_type == "text")
        .map(|c| column(&c.name).cast(DataType::String))
        .collect();
    if !texts.is_empty() {
        lf = lf.with_columns(texts);
    }
    if !sort.is_empty() {
        let by: Vec<Expr> = sort.iter().map(|(name, _)| column(name)).collect();
        let options = SortMultipleOptions::default()
            .with_order_descending_multi(sort.iter().map(|(_, desc)| *desc))
            .with_nulls_last(true)
            .with_maintain_order(true);
        lf = lf.sort_by_exprs(by, options);
    }
    let lf = lf.limit(q.limit as IdxSize);
    // buckets are grouped and sorted as timestamps; only the answer's few are formatted
    match bucket_format {
        Some((name, g)) => lf.with_column(
            column(name)
                .dt()
                .strftime(g.bucket_format())
                .alias(name.as_str()),
        ),
        None => lf,
    }
}

/// The bucket of each row: the time truncated to its hour, day, week (from Monday), month,
/// quarter or year.
fn time_bucket(name: &str, g: Granularity) -> Expr {
    let every = match g {
        Granularity::Hour => "1h",
        Granularity::Day => "1d",
        Granularity::Week => "1w",
        Granularity::Month => "1mo",
        Granularity::Quarter => "1q",
        Granularity::Year => "1y",
    };
    // dates become midnight timestamps first: hours of a date are its midnight, as in SQL
    column(name)
        .cast(DataType::Datetime(TimeUnit::Microseconds, None))
        .dt()
        .truncate(lit(every))
        .alias(name)
}

/// `agg(column)` with the answer's type name; numeric aggregations of other types are refused.
fn measure(columns: &Columns, agg: Aggregation, column: Option<&str>) -> Result<(Expr, String)> {
    let Some(name) = column else {
        return Ok((len().cast(DataType::Int64), "integer".into()));
    };
    let (dtype, family) = columns.get(name)?;
    let c = values(name, dtype);
    let numeric = |expr: Expr| {
        if family.is_numeric() {
            Ok((expr, "float".to_owned()))
        } else {
            Err(AnalyticsError::InvalidRequest(format!(
                "{agg} needs a numeric column; '{name}' is {}",
                family.as_str()
            )))
        }
    };
    let float = c.clone().cast(DataType::Float64);
    match agg {
        Aggregation::Count => Ok((c.count().cast(DataType::Int64), "integer".into())),
        Aggregation::CountDistinct => Ok((
            c.drop_nulls().n_unique().cast(DataType::Int64),
            "integer".into(),
        )),
        // SQL's SUM of no values is NULL, not 0
        Aggregation::Sum => numeric(
            when(c.count().gt(lit(0)))
                .then(float.sum())
                .otherwise(lit(NULL).cast(DataType::Float64)),
        ),
        Aggregation::Avg => numeric(float.mean()),
        Aggregation::Median => numeric(float.median()),
        Aggregation::Min | Aggregation::Max => {
            let pick = |e: Expr| {
                if agg == Aggregation::Min {
                    e.min()
                } else {
                    e.max()
                }
            };
            if family.is_numeric() {
                Ok((pick(float), "float".into()))
            } else {
                Ok((pick(c), family.as_str().into()))
            }
        }
    }
}

/// Rows inside `[from, to)`; a date column keeps the whole days the range touches.
fn time_window(columns: &Columns, column: &str, r: TimeRange) -> Result<Expr> {
    let (dtype, family) = columns.get(column)?;
    let c = self::column(column);
    Ok(match family {
        ColumnType::Date => {
            let (first, end) = r.dates();
            c.clone()
                .gt_eq(lit(first).cast(DataType::Date))
                .and(c.lt(lit(end).cast(DataType::Date)))
        }
        ColumnType::Timestamp => c
            .clone()
            .gt_eq(lit(r.from).cast(dtype.clone()))
            .and(c.lt(lit(r.to).cast(dtype.clone()))),
        _ => {
            return Err(AnalyticsError::InvalidRequest(format!(
                "time column '{column}' is not a date or timestamp"
            )))
        }
    })
}

/// One filter as a predicate; values are converted to the column's type or refused.
fn filter(columns: &Columns, f: &Filter) -> Result<Expr> {
    let (dtype, family) = columns.get(&f.column)?;
    let c = values(&f.column, dtype);
    let value = |i: usize| -> Result<Expr> {
        let s = f.values.get(i).ok_or_else(|| {
            AnalyticsError::InvalidRequest(format!("{} on '{}' lacks a value", f.op, f.column))
        })?;
        literal(dtype, family, s, &f.column)
    };
    Ok(match f.op {
        FilterOp::Eq => c.eq(value(0)?),
        FilterOp::Ne => c.neq(value(0)?),
        FilterOp::Gt => c.gt(value(0)?),
        FilterOp::Gte => c.gt_eq(value(0)?),
        FilterOp::Lt => c.lt(value(0)?),
        FilterOp::Lte => c.lt_eq(value(0)?),
        FilterOp::Between => c.clone().gt_eq(value(0)?).and(c.lt_eq(value(1)?)),
        FilterOp::In | FilterOp::NotIn => {
            let set = list(dtype, family, &f.values, &f.column)?;
            let inside = c
                .cast(set.dtype().clone())
                .is_in(lit(set).implode(false), false);
            if f.op == FilterOp::NotIn {
                inside.not()
            } else {
                inside
            }
        }
        FilterOp::Contains => {
            let needle = match f.values.first() {
                Some(s) => s.text().to_lowercase(),
                None => String::new(),
            };
            c.cast(DataType::String)
                .str()
                .to_lowercase()
                .str()
                .contains_literal(lit(needle))
        }
        FilterOp::IsNull => match f.values.first() {
            Some(Scalar::Bool(false)) => c.is_not_null(),
            _ => c.is_null(),
        },
    })
}

fn refuse(column: &str, want: &str, got: &Scalar) -> AnalyticsError {
    AnalyticsError::InvalidRequest(format!("'{column}' needs {want}; got {}", got.text()))
}

fn number(s: &Scalar, column: &str) -> Result<f64> {
    s.number().ok_or_else(|| refuse(column, "a number", s))
}

fn boolean(s: &Scalar, column: &str) -> Result<bool> {
    s.boolean()
        .ok_or_else(|| refuse(column, "true or false", s))
}

fn timestamp(s: &Scalar, column: &str) -> Result<NaiveDateTime> {
    s.datetime()
        .ok_or_else(|| refuse(column, "a date or timestamp (YYYY-MM-DD[THH:MM:SS])", s))
}

/// A filter literal of the column's type.
fn literal(dtype: &DataType, family: ColumnType, s: &Scalar, column: &str) -> Result<Expr> {
    Ok(match family {
        ColumnType::Integer => match s {
            Scalar::Int(i) => lit(*i),
            other => lit(number(other, column)?),
        },
        ColumnType::Float => lit(number(s, column)?),
        ColumnType::Boolean => lit(boolean(s, column)?),
        ColumnType::Date => lit(timestamp(s, column)?.date()).cast(DataType::Date),
        ColumnType::Timestamp => lit(timestamp(s, column)?).cast(dtype.clone()),
        ColumnType::Text | ColumnType::Binary | ColumnType::Null | ColumnType::Other => {
            lit(s.text())
        }
    })
}

/// The values of an `in` filter as one typed series (numbers as floats, so that integer and
/// fractional values compare exactly as SQL does).
fn list(dtype: &DataType, family: ColumnType, values: &[Scalar], column: &str) -> Result<Series> {
    let name = PlSmallStr::from_static("values");
    Ok(match family {
        ColumnType::Integer | ColumnType::Float => {
            let v: Vec<f64> = values
                .iter()
                .map(|s| number(s, column))
                .collect::<Result<_>>()?;
            Series::new(name, v)
        }
        ColumnType::Boolean => {
            let v: Vec<bool> = values
                .iter()
                .map(|s| boolean(s, column))
                .collect::<Result<_>>()?;
            Series::new(name, v)
        }
        ColumnType::Date | ColumnType::Timestamp => {
            let v: Vec<i64> = values
                .iter()
                .map(|s| timestamp(s, column).map(|t| t.and_utc().timestamp_micros()))
                .collect::<Result<_>>()?;
            let micros = Series::new(name, v)
                .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
                .map_err(AnalyticsError::from)?;
            let target = if family == ColumnType::Date {
                DataType::Date
            } else {
                dtype.clone()
            };
            micros.cast(&target)?
        }
        ColumnType::Text | ColumnType::Binary | ColumnType::Null | ColumnType::Other => {
            let v: Vec<String> = values.iter().map(Scalar::text).collect();
            Series::new(name, v)
        }
    })
}

#[cfg(test)]
mod tests;
