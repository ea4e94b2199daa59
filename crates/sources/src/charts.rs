//! Chart queries to SQL: every identifier checked against the table's introspected columns and
//! quoted, every value bound; aggregation runs in the source. Then the rows are shaped into one
//! object per row, with empty time buckets filled with zeros.

use std::cmp::Ordering;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde_json::{Map, Value as Json};
use tessera_domain::chart::{
    parse_datetime, Aggregation, ChartQuery, ColumnType, FilterOp, Granularity, Measure, Scalar,
    TimeRange,
};
pub use tessera_domain::chart::{OutputColumn, OutputRole};
use tessera_domain::SourceKind;

use crate::dialect::{self, quote};
use crate::execute::Rows;
use crate::introspect::TableInfo;
use crate::{Param, SourceError, Value};

/// A compiled statement with its parameters.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The SQL text (identifiers quoted, values as placeholders).
    pub sql: String,
    /// Bound values in placeholder order.
    pub params: Vec<Param>,
    /// Output columns in select order.
    pub columns: Vec<OutputColumn>,
}

struct Builder {
    kind: SourceKind,
    params: Vec<Param>,
}

impl Builder {
    fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        dialect::placeholder(self.kind, self.params.len())
    }
}

/// A datamart as the table of a chart: its statement, validated read-only, as a subquery, and a
/// statement reading one row of it (whose columns become the table's columns).
pub fn datamart_subquery(
    kind: SourceKind,
    datamart_sql: &str,
) -> Result<(String, String), SourceError> {
    let sub = crate::validate::read_only_query(kind, datamart_sql)?.sql();
    let sample = format!("SELECT * FROM (\n{sub}\n) AS tessera_sample LIMIT 1");
    Ok((sub, sample))
}

/// Compiles a chart query over `table` for the window `range` (the query's own, or the previous
/// period's); `group = false` computes totals (no dimensions, no time buckets).
pub fn compile(
    kind: SourceKind,
    table: &TableInfo,
    q: &ChartQuery,
    range: Option<TimeRange>,
    group: bool,
) -> Result<Compiled, SourceError> {
    compile_from(kind, table, None, q, range, group)
}

/// Like [`compile`], reading from a subquery (a datamart's validated SQL) instead of the table.
pub fn compile_from(
    kind: SourceKind,
    table: &TableInfo,
    from_sql: Option<&str>,
    q: &ChartQuery,
    range: Option<TimeRange>,
    group: bool,
) -> Result<Compiled, SourceError> {
    let column = |name: &str| checked_column(table, name);
    let mut b = Builder {
        kind,
        params: Vec::new(),
    };
    let mut select = Vec::new();
    let mut columns = Vec::new();

    let bucket = if group {
        q.time.as_ref().and_then(|t| t.granularity.map(|g| (t, g)))
    } else {
        None
    };
    if let Some((t, g)) = bucket {
        let c = column(&t.column)?;
        if !c.family.is_temporal() && c.family != ColumnType::Text {
            return Err(SourceError::InvalidQuery(format!(
                "time column '{}' is not a date or timestamp",
                t.column
            )));
        }
        select.push(format!(
            "{} AS {}",
            dialect::time_bucket(kind, &quote(kind, &c.name), g),
            quote(kind, &c.name)
        ));
        columns.push(OutputColumn::time(&c.name, g));
    }
    if group {
        for d in &q.dimensions {
            let c = column(d)?;
            select.push(format!("{0} AS {0}", quote(kind, &c.name)));
            columns.push(OutputColumn::dimension(&c.name, c.family.as_str()));
        }
    }
    let group_count = select.len();
    for m in &q.measures {
        let (expr, data_type) = measure(kind, table, m)?;
        select.push(format!("{expr} AS {}", quote(kind, &m.alias)));
        columns.push(OutputColumn::measure(m, &data_type));
    }

    let conditions = conditions(&mut b, table, q, range)?;

    let from = match from_sql {
        Some(sub) => format!("(\n{sub}\n) AS {}", quote(kind, &table.name)),
        None => dialect::quote_table(kind, table.schema.as_deref(), &table.name),
    };
    let mut sql = format!("SELECT {} FROM {from}", select.join(", "));
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    if group_count > 0 {
        sql.push_str(&grouping(kind, q, &columns, group_count));
    }
    Ok(Compiled {
        sql,
        params: b.params,
        columns,
    })
}

/// The GROUP BY (by position), ORDER BY and LIMIT of a grouped chart query.
fn grouping(
    kind: SourceKind,
    q: &ChartQuery,
    columns: &[OutputColumn],
    group_count: usize,
) -> String {
    let positions: Vec<String> = (1..=group_count).map(|i| i.to_string()).collect();
    let mut sql = format!(" GROUP BY {}", positions.join(", "));
    // ties broken by the group keys, as an extract's answer breaks them
    let order: Vec<String> = q
        .ordering(columns)
        .into_iter()
        .map(|(name, desc)| format!("{}{}", quote(kind, &name), if desc { " DESC" } else { "" }))
        .collect();
    if !order.is_empty() {
        sql.push_str(&format!(" ORDER BY {}", order.join(", ")));
    }
    sql.push_str(&format!(" LIMIT {}", q.limit));
    sql
}

/// A measure's SQL expression over `table` and the type of its values; sums, averages, medians
/// and numeric extremes are cast to double so every engine answers floats.
fn measure(
    kind: SourceKind,
    table: &TableInfo,
    m: &Measure,
) -> Result<(String, String), SourceError> {
    Ok(match (&m.column, m.agg) {
        (None, _) => ("COUNT(*)".to_owned(), "integer".to_owned()),
        (Some(name), agg) => {
            let c = checked_column(table, name)?;
            let col = quote(kind, &c.name);
            let numeric = || {
                if c.family.is_numeric() {
                    Ok(())
                } else {
                    Err(SourceError::InvalidQuery(format!(
                        "{agg} needs a numeric column; '{name}' is {}",
                        c.family.as_str()
                    )))
                }
            };
            match agg {
                Aggregation::Count => (format!("COUNT({col})"), "integer".into()),
                Aggregation::CountDistinct => (format!("COUNT(DISTINCT {col})"), "integer".into()),
                Aggregation::Sum => {
                    numeric()?;
                    (
                        dialect::as_double(kind, &format!("SUM({col})")),
                        "float".into(),
                    )
                }
                Aggregation::Avg => {
                    numeric()?;
                    (
                        dialect::as_double(kind, &format!("AVG({col})")),
                        "float".into(),
                    )
                }
                Aggregation::Median => {
                    numeric()?;
                    let median = dialect::median(kind, &col).ok_or_else(|| {
                        SourceError::InvalidQuery(format!(
                            "median is not available on {kind} sources"
                        ))
                    })?;
                    (dialect::as_double(kind, &median), "float".into())
                }
                Aggregation::Min | Aggregation::Max => {
                    let f = if agg == Aggregation::Min {
                        "MIN"
                    } else {
                        "MAX"
                    };
                    let t = if c.family.is_numeric() {
                        "float"
                    } else {
                        c.family.as_str()
                    };
                    let e = format!("{f}({col})");
                    (
                        if c.family.is_numeric() {
                            dialect::as_double(kind, &e)
                        } else {
                            e
                        },
                        t.to_owned(),
                    )
                }
            }
        }
    })
}

/// The WHERE conditions of a chart query: its time window and filters, values bound.
fn conditions(
    b: &mut Builder,
    table: &TableInfo,
    q: &ChartQuery,
    range: Option<TimeRange>,
) -> Result<Vec<String>, SourceError> {
    let kind = b.kind;
    let column = |name: &str| checked_column(table, name);
    let mut conditions = Vec::new();
    if let (Some(t), Some(r)) = (&q.time, range) {
        let c = column(&t.column)?;
        let col = quote(kind, &c.name);
        let (from, to) = if c.family == ColumnType::Date {
            let (first, end) = r.dates();
            (Param::Date(first), Param::Date(end))
        } else {
            (Param::Timestamp(r.from), Param::Timestamp(r.to))
        };
        let (pf, pt) = (b.bind(from), b.bind(to));
        conditions.push(format!("{col} >= {pf} AND {col} < {pt}"));
    }
    for f in &q.filters {
        let c = column(&f.column)?;
        let col = quote(kind, &c.name);
        let one = |b: &mut Builder, s: &Scalar| -> Result<String, SourceError> {
            Ok(b.bind(coerce(c.family, s, &c.name)?))
        };
        let sql = match f.op {
            FilterOp::Eq => format!("{col} = {}", one(b, first(&f.values)?)?),
            FilterOp::Ne => format!("{col} <> {}", one(b, first(&f.values)?)?),
            FilterOp::Gt => format!("{col} > {}", one(b, first(&f.values)?)?),
            FilterOp::Gte => format!("{col} >= {}", one(b, first(&f.values)?)?),
            FilterOp::Lt => format!("{col} < {}", one(b, first(&f.values)?)?),
            FilterOp::Lte => format!("{col} <= {}", one(b, first(&f.values)?)?),
            FilterOp::Between => {
                let lo = one(b, first(&f.values)?)?;
                let hi = one(
                    b,
                    f.values.get(1).ok_or_else(|| {
                        SourceError::InvalidQuery("between takes two values".into())
                    })?,
                )?;
                format!("{col} BETWEEN {lo} AND {hi}")
            }
            FilterOp::In | FilterOp::NotIn => {
                let list = f
                    .values
                    .iter()
                    .map(|v| one(b, v))
                    .collect::<Result<Vec<_>, _>>()?;
                let not = if f.op == FilterOp::NotIn { "NOT " } else { "" };
                format!("{col} {not}IN ({})", list.join(", "))
            }
            FilterOp::Contains => {
                let text = match first(&f.values)? {
                    Scalar::Text(s) => s.clone(),
                    other => other.text(),
                };
                let p = b.bind(Param::Text(format!("%{}%", dialect::like_escape(&text))));
                dialect::contains(kind, &col, &p)
            }
            FilterOp::IsNull => match first(&f.values)? {
                Scalar::Bool(false) => format!("{col} IS NOT NULL"),
                _ => format!("{col} IS NULL"),
            },
        };
        conditions.push(sql);
    }

    Ok(conditions)
}

/// The statement a refresh reads an extract's copy with: `columns` of the table (or of a
/// datamart's subquery) where every filter holds and, for an incremental refresh, the
/// incremental column is past the high-water mark. Names are checked against the table and
/// quoted; values are bound.
pub fn extract_select(
    kind: SourceKind,
    table: &TableInfo,
    from_sql: Option<&str>,
    columns: &[String],
    filters: &[tessera_domain::chart::Filter],
    after: Option<(&str, &Scalar)>,
) -> Result<(String, Vec<Param>), SourceError> {
    let mut b = Builder {
        kind,
        params: Vec::new(),
    };
    let select = columns
        .iter()
        .map(|c| checked_column(table, c).map(|c| quote(kind, &c.name)))
        .collect::<Result<Vec<_>, _>>()?;
    let q = ChartQuery {
        table: table.name.clone(),
        measures: Vec::new(),
        dimensions: Vec::new(),
        time: None,
        filters: filters.to_vec(),
        sort: Vec::new(),
        limit: 0,
        compare_previous: false,
    };
    let mut conditions = conditions(&mut b, table, &q, None)?;
    if let Some((name, mark)) = after {
        let c = checked_column(table, name)?;
        let p = b.bind(coerce(c.family, mark, &c.name)?);
        conditions.push(format!("{} > {p}", quote(kind, &c.name)));
    }
    let from = match from_sql {
        Some(sub) => format!("(\n{sub}\n) AS {}", quote(kind, &table.name)),
        None => dialect::quote_table(kind, table.schema.as_deref(), &table.name),
    };
    let mut sql = format!("SELECT {} FROM {from}", select.join(", "));
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    Ok((sql, b.params))
}

/// A column of the table, or a refusal naming the columns it has.
fn checked_column<'t>(
    table: &'t TableInfo,
    name: &str,
) -> Result<&'t crate::introspect::ColumnInfo, SourceError> {
    table.column(name).ok_or_else(|| {
        let known: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        SourceError::InvalidQuery(format!(
            "unknown column '{name}' in '{}'; columns: {}",
            table.name,
            known.join(", ")
        ))
    })
}

/// Groups an entity's rows (a user's transactions) into tiers by what they add up to in the
/// window: `[("Premium", 1000.0), ("Regular", 100.0)]` and a last tier for the rest.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Segments {
    /// The column naming the entity (`user_id`).
    pub entity: String,
    /// The numeric column summed per entity (`amount`).
    pub spend: String,
    /// Tiers from the highest threshold down: (label, at least this much).
    pub tiers: Vec<(String, f64)>,
    /// The label of entities below every threshold.
    pub rest: String,
    /// `true`: the measure sums the spend per tier; `false`: it counts the entities.
    pub sum_spend: bool,
}

/// Compiles a segment chart: entities tiered by their total in the window (filters apply to
/// the rows summed), then counted or summed per tier, largest first. The dimension is named
/// `segment`, the measure after the query's first measure.
pub fn compile_segments(
    kind: SourceKind,
    table: &TableInfo,
    q: &ChartQuery,
    seg: &Segments,
    range: Option<TimeRange>,
) -> Result<Compiled, SourceError> {
    let entity = checked_column(table, &seg.entity)?;
    let spend = checked_column(table, &seg.spend)?;
    if !spend.family.is_numeric() {
        return Err(SourceError::InvalidQuery(format!(
            "segments sum a numeric column; '{}' is {}",
            spend.name,
            spend.family.as_str()
        )));
    }
    let mut b = Builder {
        kind,
        params: Vec::new(),
    };
    let total = format!("SUM({})", quote(kind, &spend.name));
    let mut case = String::from("CASE");
    for (label, min) in &seg.tiers {
        let p = b.bind(Param::Float(*min));
        case.push_str(&format!(" WHEN {total} >= {p} THEN {}", literal(label)));
    }
    case.push_str(&format!(" ELSE {} END", literal(&seg.rest)));
    let conditions = conditions(&mut b, table, q, range)?;
    let mut inner = format!(
        "SELECT {case} AS tessera_segment, {} AS tessera_spend FROM {}",
        dialect::as_double(kind, &total),
        dialect::quote_table(kind, table.schema.as_deref(), &table.name)
    );
    if !conditions.is_empty() {
        inner.push_str(" WHERE ");
        inner.push_str(&conditions.join(" AND "));
    }
    inner.push_str(&format!(" GROUP BY {}", quote(kind, &entity.name)));
    let measure = q
        .measures
        .first()
        .cloned()
        .ok_or_else(|| SourceError::InvalidQuery("a segment chart needs a measure".into()))?;
    let (expr, data_type) = if seg.sum_spend {
        (dialect::as_double(kind, "SUM(tessera_spend)"), "float")
    } else {
        ("COUNT(*)".to_owned(), "integer")
    };
    let dimension = quote(kind, "segment");
    let sql = format!(
        "SELECT tessera_segment AS {dimension}, {expr} AS {} FROM ({inner}) AS tessera_per_entity GROUP BY 1 ORDER BY 2 DESC",
        quote(kind, &measure.alias)
    );
    Ok(Compiled {
        sql,
        params: b.params,
        columns: vec![
            OutputColumn::dimension("segment", "text"),
            OutputColumn::measure(&measure, data_type),
        ],
    })
}

/// A SQL string literal of a fixed label (quotes doubled; labels come from configuration).
fn literal(label: &str) -> String {
    format!("'{}'", label.replace('\'', "''").replace('\\', ""))
}

fn first(values: &[Scalar]) -> Result<&Scalar, SourceError> {
    values
        .first()
        .ok_or_else(|| SourceError::InvalidQuery("the filter has no value".into()))
}

/// Turns a filter literal into a parameter of the column's type, or refuses it.
fn coerce(family: ColumnType, s: &Scalar, column: &str) -> Result<Param, SourceError> {
    let bad = |want: &str| {
        SourceError::InvalidQuery(format!("'{column}' needs {want}; got {}", s.text()))
    };
    Ok(match family {
        ColumnType::Integer => match s {
            Scalar::Int(i) => Param::Int(*i),
            Scalar::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Param::Int(*f as i64),
            Scalar::Text(t) => t
                .trim()
                .parse()
                .map(Param::Int)
                .or_else(|_| t.trim().parse().map(Param::Float))
                .map_err(|_| bad("a number"))?,
            other => Param::Float(other.number().ok_or_else(|| bad("a number"))?),
        },
        ColumnType::Float => Param::Float(s.number().ok_or_else(|| bad("a number"))?),
        ColumnType::Boolean => Param::Bool(s.boolean().ok_or_else(|| bad("true or false"))?),
        ColumnType::Timestamp => Param::Timestamp(
            s.datetime()
                .ok_or_else(|| bad("a date or timestamp (YYYY-MM-DD[THH:MM:SS])"))?,
        ),
        ColumnType::Date => Param::Date(
            s.datetime()
                .ok_or_else(|| bad("a date (YYYY-MM-DD)"))?
                .date(),
        ),
        ColumnType::Text | ColumnType::Binary | ColumnType::Null | ColumnType::Other => {
            Param::Text(s.text())
        }
    })
}

/// One object per row keyed by output name, numbers normalised per aggregation.
pub fn shape(compiled: &Compiled, rows: &Rows) -> Vec<Map<String, Json>> {
    rows.rows
        .iter()
        .map(|row| {
            compiled
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    (
                        c.name.clone(),
                        cell_json(c, row.get(i).unwrap_or(&Value::Null)),
                    )
                })
                .collect()
        })
        .collect()
}

fn cell_json(c: &OutputColumn, v: &Value) -> Json {
    match (c.data_type.as_str(), v) {
        (_, Value::Null) => Json::Null,
        // SQLite keeps times as text: a timestamp or date value (a dimension, a minimum) is
        // answered in the form the other engines (and extracts) give it; buckets keep theirs
        ("timestamp", Value::Text(t)) if c.role != OutputRole::Time => parse_datetime(t)
            .map(|t| Json::from(Value::Timestamp(t).to_text()))
            .unwrap_or_else(|| Json::from(t.clone())),
        ("date", Value::Text(t)) if c.role != OutputRole::Time => parse_datetime(t)
            .map(|t| Json::from(Value::Date(t.date()).to_text()))
            .unwrap_or_else(|| Json::from(t.clone())),
        ("integer", v) => v
            .as_f64()
            .map(|f| Json::from(f as i64))
            .unwrap_or_else(|| Json::from(v.to_text())),
        ("float", v) => v
            .as_f64()
            .map(Json::from)
            .unwrap_or_else(|| Json::from(v.to_text())),
        (_, v) => serde_json::to_value(v).unwrap_or(Json::Null),
    }
}

/// The bucket keys of `range` at granularity `g`, formatted like the SQL's buckets.
pub fn bucket_keys(range: TimeRange, g: Granularity, cap: usize) -> Option<Vec<String>> {
    let mut t = bucket_start(range.from, g);
    let mut keys = Vec::new();
    while t < range.to {
        if keys.len() >= cap {
            return None;
        }
        keys.push(t.format(g.bucket_format()).to_string());
        t = next_bucket(t, g)?;
    }
    Some(keys)
}

fn bucket_start(t: NaiveDateTime, g: Granularity) -> NaiveDateTime {
    let d = t.date();
    let date = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d);
    match g {
        Granularity::Hour => d.and_hms_opt(t.hour(), 0, 0).unwrap_or(t),
        Granularity::Day => d.and_time(NaiveTime::MIN),
        Granularity::Week => (d - Duration::days(i64::from(d.weekday().num_days_from_monday())))
            .and_time(NaiveTime::MIN),
        Granularity::Month => date(d.year(), d.month()).and_time(NaiveTime::MIN),
        Granularity::Quarter => date(d.year(), (d.month0() / 3) * 3 + 1).and_time(NaiveTime::MIN),
        Granularity::Year => date(d.year(), 1).and_time(NaiveTime::MIN),
    }
}

fn next_bucket(t: NaiveDateTime, g: Granularity) -> Option<NaiveDateTime> {
    let months = |n: u32| {
        t.date()
            .checked_add_months(chrono::Months::new(n))
            .map(|d| d.and_time(t.time()))
    };
    match g {
        Granularity::Hour => Some(t + Duration::hours(1)),
        Granularity::Day => Some(t + Duration::days(1)),
        Granularity::Week => Some(t + Duration::days(7)),
        Granularity::Month => months(1),
        Granularity::Quarter => months(3),
        Granularity::Year => months(12),
    }
}

/// Adds a zero row for every empty bucket of every series (one series per combination of
/// dimension values), then re-sorts and re-limits.
pub fn fill_empty_buckets(
    columns: &[OutputColumn],
    q: &ChartQuery,
    range: TimeRange,
    data: &mut Vec<Map<String, Json>>,
) {
    // a result cut by LIMIT would get zeros for buckets that do have data: fill only whole results
    if data.len() >= q.limit as usize {
        return;
    }
    let Some(time) = columns.iter().find(|c| c.role == OutputRole::Time) else {
        return;
    };
    let Some(g) = q.time.as_ref().and_then(|t| t.granularity) else {
        return;
    };
    let Some(keys) = bucket_keys(range, g, 50_000) else {
        return;
    };
    let dims: Vec<&OutputColumn> = columns
        .iter()
        .filter(|c| c.role == OutputRole::Dimension)
        .collect();
    let series_of = |row: &Map<String, Json>| {
        dims.iter()
            .map(|d| row.get(&d.name).cloned().unwrap_or(Json::Null))
            .collect::<Vec<_>>()
    };
    let mut series: Vec<Vec<Json>> = data.iter().map(series_of).collect();
    series.sort_by_key(|s| serde_json::to_string(s).unwrap_or_default());
    series.dedup();
    if series.is_empty() {
        series.push(dims.iter().map(|_| Json::Null).collect());
        if !dims.is_empty() {
            return;
        }
    }
    let present: std::collections::HashSet<String> = data
        .iter()
        .map(|row| {
            format!(
                "{}|{}",
                row.get(&time.name).map(Json::to_string).unwrap_or_default(),
                serde_json::to_string(&series_of(row)).unwrap_or_default()
            )
        })
        .collect();
    for s in &series {
        let skey = serde_json::to_string(s).unwrap_or_default();
        for k in &keys {
            if present.contains(&format!("{}|{skey}", Json::from(k.clone()))) {
                continue;
            }
            let row = zero_row(columns, &time.name, k, &dims, s);
            data.push(row);
        }
    }
    sort_rows(data, &q.sort_keys(columns));
    data.truncate(q.limit as usize);
}

/// A bucket `key` of series `values` (one per dimension) with every measure at zero.
fn zero_row(
    columns: &[OutputColumn],
    time: &str,
    key: &str,
    dims: &[&OutputColumn],
    values: &[Json],
) -> Map<String, Json> {
    let mut row = Map::new();
    row.insert(time.to_owned(), Json::from(key.to_owned()));
    for (d, v) in dims.iter().zip(values) {
        row.insert(d.name.clone(), v.clone());
    }
    for m in columns.iter().filter(|c| c.role == OutputRole::Measure) {
        let zero = if m.data_type == "integer" {
            Json::from(0)
        } else {
            Json::from(0.0)
        };
        row.insert(m.name.clone(), zero);
    }
    row
}

/// Sorts rows by `(column, descending)` keys, in order.
fn sort_rows(data: &mut [Map<String, Json>], sort: &[(String, bool)]) {
    data.sort_by(|a, b| {
        for (key, desc) in sort {
            let o = compare_json(a.get(key), b.get(key));
            if o != Ordering::Equal {
                return if *desc { o.reverse() } else { o };
            }
        }
        Ordering::Equal
    });
}

fn compare_json(a: Option<&Json>, b: Option<&Json>) -> Ordering {
    match (a, b) {
        (Some(Json::Number(x)), Some(Json::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Json::String(x)), Some(Json::String(y))) => x.cmp(y),
        (Some(Json::Null) | None, Some(Json::Null) | None) => Ordering::Equal,
        (Some(Json::Null) | None, _) => Ordering::Less,
        (_, Some(Json::Null) | None) => Ordering::Greater,
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
    }
}

/// Describes a datamart's output as a table, from one sample row (column types by value).
pub fn table_from_sample(name: &str, rows: &Rows) -> TableInfo {
    use crate::introspect::ColumnInfo;
    let columns = rows
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let v = rows
                .rows
                .first()
                .and_then(|r| r.get(i))
                .unwrap_or(&Value::Null);
            let family = match v {
                Value::Int(_) => ColumnType::Integer,
                Value::Float(_) => ColumnType::Float,
                Value::Bool(_) => ColumnType::Boolean,
                Value::Date(_) => ColumnType::Date,
                Value::Timestamp(_) => ColumnType::Timestamp,
                Value::Text(t) if parse_datetime(t).is_some() => ColumnType::Timestamp,
                Value::Text(_) | Value::Null => ColumnType::Text,
                Value::Bytes(_) => ColumnType::Other,
            };
            ColumnInfo {
                name: c.clone(),
                data_type: v.type_name().to_owned(),
                family,
                nullable: true,
                primary_key: false,
            }
        })
        .collect();
    TableInfo {
        schema: None,
        name: name.to_owned(),
        kind: "datamart".into(),
        row_estimate: None,
        columns,
        primary_key: vec![],
        foreign_keys: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspect::ColumnInfo;
    use tessera_domain::chart::{Filter, Measure, TimeSpec};

    #[test]
    fn a_datamart_becomes_a_validated_subquery_and_a_one_row_sample() {
        let (sub, sample) =
            datamart_subquery(SourceKind::Sqlite, "SELECT region, amount FROM sales").unwrap();
        assert!(sub.contains("FROM sales"), "{sub}");
        assert!(
            sample.starts_with("SELECT * FROM (") && sample.ends_with("LIMIT 1"),
            "{sample}"
        );
        assert!(datamart_subquery(SourceKind::Sqlite, "DELETE FROM sales").is_err());
    }

    fn table() -> TableInfo {
        let col = |n: &str, t: &str| ColumnInfo {
            name: n.into(),
            data_type: t.into(),
            family: crate::introspect::column_type_of(t),
            nullable: true,
            primary_key: false,
        };
        TableInfo {
            schema: None,
            name: "transactions".into(),
            kind: "table".into(),
            row_estimate: None,
            columns: vec![
                col("amount", "REAL"),
                col("category", "TEXT"),
                col("created_at", "TIMESTAMP"),
                col("user_id", "INTEGER"),
            ],
            primary_key: vec![],
            foreign_keys: vec![],
        }
    }

    fn query() -> ChartQuery {
        ChartQuery {
            table: "transactions".into(),
            measures: vec![Measure {
                agg: Aggregation::Sum,
                column: Some("amount".into()),
                alias: "revenue".into(),
            }],
            dimensions: vec!["category".into()],
            time: None,
            filters: vec![Filter {
                column: "category".into(),
                op: FilterOp::In,
                values: vec![
                    Scalar::Text("a'; DROP TABLE t; --".into()),
                    Scalar::Text("b".into()),
                ],
            }],
            sort: vec![],
            limit: 10,
            compare_previous: false,
        }
    }

    #[test]
    fn values_are_bound_and_identifiers_quoted() {
        let c = compile(SourceKind::Postgres, &table(), &query(), None, true).unwrap();
        assert_eq!(
            c.sql,
            "SELECT \"category\" AS \"category\", CAST(SUM(\"amount\") AS DOUBLE PRECISION) AS \"revenue\" FROM \"transactions\" WHERE \"category\" IN ($1, $2) GROUP BY 1 ORDER BY \"revenue\" DESC, \"category\" LIMIT 10"
        );
        assert_eq!(c.params.len(), 2);
        assert!(!c.sql.contains("DROP"));
        let m = compile(SourceKind::Mysql, &table(), &query(), None, true).unwrap();
        assert!(m.sql.contains("`category` IN (?, ?)"), "{}", m.sql);
    }

    #[test]
    fn unknown_columns_and_injected_names_are_refused() {
        let mut q = query();
        q.dimensions = vec!["category\"; DROP TABLE x; --".into()];
        assert!(matches!(
            compile(SourceKind::Sqlite, &table(), &q, None, true),
            Err(SourceError::InvalidQuery(_))
        ));
        let mut q = query();
        q.measures[0].column = Some("category".into());
        assert!(
            compile(SourceKind::Sqlite, &table(), &q, None, true).is_err(),
            "sum of text"
        );
        let mut q = query();
        q.measures[0].agg = Aggregation::Median;
        assert!(compile(SourceKind::Sqlite, &table(), &q, None, true).is_err());
        assert!(compile(SourceKind::Postgres, &table(), &q, None, true).is_ok());
    }

    #[test]
    fn filter_values_must_fit_the_column() {
        let mut q = query();
        q.filters = vec![Filter {
            column: "amount".into(),
            op: FilterOp::Gt,
            values: vec![Scalar::Text("1 OR 1=1".into())],
        }];
        assert!(compile(SourceKind::Sqlite, &table(), &q, None, true).is_err());
        q.filters = vec![Filter {
            column: "created_at".into(),
            op: FilterOp::Gte,
            values: vec![Scalar::Text("2026-01-01".into())],
        }];
        let c = compile(SourceKind::Sqlite, &table(), &q, None, true).unwrap();
        assert!(matches!(c.params[0], Param::Timestamp(_)));
    }

    #[test]
    fn time_buckets_and_ranges() {
        let mut q = query();
        q.filters.clear();
        q.dimensions.clear();
        let range = TimeRange::new(
            parse_datetime("2026-01-01").unwrap(),
            parse_datetime("2026-01-08").unwrap(),
        )
        .unwrap();
        q.time = Some(TimeSpec {
            column: "created_at".into(),
            granularity: Some(Granularity::Day),
            period: None,
            range: Some(range),
        });
        let c = compile(SourceKind::Sqlite, &table(), &q, Some(range), true).unwrap();
        assert!(
            c.sql
                .starts_with("SELECT date(\"created_at\") AS \"created_at\""),
            "{}",
            c.sql
        );
        assert!(
            c.sql.contains("\"created_at\" >= ? AND \"created_at\" < ?"),
            "{}",
            c.sql
        );
        assert!(c.sql.contains("ORDER BY \"created_at\""), "{}", c.sql);

        let mut data = vec![[
            ("created_at".to_owned(), Json::from("2026-01-03")),
            ("revenue".to_owned(), Json::from(5.0)),
        ]
        .into_iter()
        .collect()];
        fill_empty_buckets(&c.columns, &q, range, &mut data);
        assert_eq!(data.len(), 7);
        assert_eq!(data[0]["created_at"], "2026-01-01");
        assert_eq!(data[2]["revenue"], 5.0);
        assert_eq!(data[3]["revenue"], 0.0);
    }

    #[test]
    fn bucket_keys_follow_calendar_units() {
        let r = TimeRange::new(
            parse_datetime("2026-01-15").unwrap(),
            parse_datetime("2026-07-02").unwrap(),
        )
        .unwrap();
        assert_eq!(
            bucket_keys(r, Granularity::Quarter, 100).unwrap(),
            vec!["2026-01-01", "2026-04-01", "2026-07-01"]
        );
        assert_eq!(bucket_keys(r, Granularity::Month, 100).unwrap().len(), 7);
        let w = TimeRange::new(
            parse_datetime("2026-01-01").unwrap(),
            parse_datetime("2026-01-10").unwrap(),
        )
        .unwrap();
        assert_eq!(
            bucket_keys(w, Granularity::Week, 100).unwrap(),
            vec!["2025-12-29", "2026-01-05"]
        );
        assert!(bucket_keys(r, Granularity::Hour, 100).is_none());
    }
}
