//! Chart queries: parse the request into a `ChartQuery`, resolve what it reads (a source's table,
//! a datamart, or a dataset), answer from the cache or run it (SQL compiled for the source, or a
//! polars query over the dataset's Parquet file) and shape; optionally compare with the previous
//! period.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Map, Value as Json};
use tessera_analytics::aggregate;
use tessera_domain::chart::{
    parse_datetime, Aggregation, ChartQuery, Filter, FilterOp, Granularity, Measure, OutputColumn,
    Period, Scalar, Sort, TimeRange, TimeSpec,
};
use tessera_domain::error::Validator;
use tessera_domain::{DataSource, DatamartId, Dataset, DomainError, FieldError};
use tessera_sources::charts::{
    compile_from, compile_segments, fill_empty_buckets, shape, table_from_sample, Segments,
};
use tessera_sources::introspect::TableInfo;
use tessera_sources::pool::SourcePool;

use crate::auth::Caller;
use crate::dto::{ChartQueryRequest, FilterIn};
use crate::error::{ApiError, ApiResult};
use crate::runtime::{CachedChart, ChartKey, ChartTarget};
use crate::services::{datasets, sources};
use crate::state::AppState;

/// How a chart request uses the answer cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUse {
    /// Answer from the cache when it can; store fresh answers.
    Normal,
    /// Compute a fresh answer and store it (the client sent `Cache-Control: no-cache`: a
    /// dashboard's force refresh).
    Refresh,
    /// Neither read nor write.
    Bypass,
}

impl CacheUse {
    /// What `Cache-Control` / `Pragma` request headers ask for: `no-cache`, `no-store` or
    /// `max-age=0` want a fresh answer.
    pub fn from_headers(headers: &actix_web::http::header::HeaderMap) -> Self {
        use actix_web::http::header::{CACHE_CONTROL, PRAGMA};
        let fresh = [CACHE_CONTROL, PRAGMA].iter().any(|h| {
            headers.get_all(h).any(|v| {
                v.to_str().is_ok_and(|v| {
                    v.split(',').map(str::trim).any(|d| {
                        d.eq_ignore_ascii_case("no-cache")
                            || d.eq_ignore_ascii_case("no-store")
                            || d.eq_ignore_ascii_case("max-age=0")
                    })
                })
            })
        });
        if fresh {
            Self::Refresh
        } else {
            Self::Normal
        }
    }

    fn reads(self) -> bool {
        self == Self::Normal
    }

    fn writes(self) -> bool {
        self != Self::Bypass
    }
}

/// Parses the request body into a validated chart query (names are checked later against the schema).
pub fn parse_query(req: &ChartQueryRequest, now: chrono::NaiveDateTime) -> ApiResult<ChartQuery> {
    let mut v = Validator::new();
    let measures: Vec<Measure> = req
        .measures
        .iter()
        .filter_map(|m| {
            let agg = v.check(m.agg.parse::<Aggregation>())?;
            let alias = m.alias.clone().unwrap_or_else(|| match &m.column {
                Some(c) => format!("{}_{c}", agg.as_str()),
                None => agg.as_str().to_owned(),
            });
            Some(Measure {
                agg,
                column: m.column.clone(),
                alias,
            })
        })
        .collect();
    let time = req.time.as_ref().and_then(|t| {
        let granularity = t
            .granularity
            .as_deref()
            .map(str::parse::<Granularity>)
            .transpose();
        let granularity = v.check(granularity)?;
        let period = v.check(t.period.as_deref().map(str::parse::<Period>).transpose())?;
        let range = match (&period, &t.range) {
            (Some(_), Some(_)) => {
                v.check::<()>(Err(DomainError::field(
                    "time",
                    "give either period or range, not both",
                )));
                None
            }
            (Some(p), None) => Some(p.range(now)),
            (None, Some(r)) => {
                let from = parse_datetime(&r.from);
                let to = parse_datetime(&r.to);
                match (from, to) {
                    (Some(f), Some(t)) => v.check(TimeRange::new(f, t)),
                    _ => {
                        v.check::<()>(Err(DomainError::field(
                            "time.range",
                            "from and to must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS",
                        )));
                        None
                    }
                }
            }
            (None, None) => None,
        };
        Some(TimeSpec {
            column: t.column.clone(),
            granularity,
            period,
            range,
        })
    });
    let filters: Vec<Filter> = req
        .filters
        .iter()
        .filter_map(|f| v.check(parse_filter(f)))
        .collect();
    let limit = req.limit.unwrap_or(1000);
    let compare_previous = match req.compare.as_deref() {
        None | Some("") | Some("none") => false,
        Some("previous_period") => true,
        Some(other) => {
            v.check::<()>(Err(DomainError::field(
                "compare",
                format!("unknown compare '{other}'; allowed: previous_period"),
            )));
            false
        }
    };
    v.finish()?;
    let q = ChartQuery {
        table: req.table.clone().unwrap_or_default(),
        measures,
        dimensions: req.dimensions.clone(),
        time,
        filters,
        sort: req
            .sort
            .iter()
            .map(|s| Sort {
                by: s.by.clone(),
                desc: s.desc,
            })
            .collect(),
        limit: u32::try_from(limit).unwrap_or(0),
        compare_previous,
    };
    Ok(q)
}

fn parse_filter(f: &FilterIn) -> Result<Filter, DomainError> {
    let op: FilterOp = f.op.parse()?;
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
                    f.column
                ),
            )),
        }
    };
    let values = match &f.value {
        Json::Array(items) => items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
        Json::Null if op == FilterOp::IsNull => vec![Scalar::Bool(true)],
        other => vec![scalar(other)?],
    };
    Ok(Filter {
        column: f.column.clone(),
        op,
        values,
    })
}

/// A table or datamart in a user's database.
struct DatabaseTarget {
    source: DataSource,
    pool: Arc<SourcePool>,
    table: TableInfo,
    from_sql: Option<String>,
}

/// Where a chart query reads from.
enum Target {
    /// Aggregated in the source database as SQL.
    Database(DatabaseTarget),
    /// Aggregated from a dataset's Parquet file with polars.
    Dataset { dataset: Dataset, path: PathBuf },
}

/// One run of a query: output columns, rows, and the time the engine took.
struct Answer {
    columns: Vec<OutputColumn>,
    data: Vec<Map<String, Json>>,
    query_ms: f64,
}

async fn resolve(
    state: &AppState,
    caller: &Caller,
    req: &ChartQueryRequest,
    dataset: Option<Dataset>,
    q: &mut ChartQuery,
) -> ApiResult<Target> {
    let only = req.dataset_id.is_none();
    match (&req.source_id, &req.datamart_id, dataset) {
        (Some(id), None, None) if only => {
            let (open, schema) = sources::schema(state, caller, sources::source_id(id)?).await?;
            if q.table.trim().is_empty() {
                return Err(ApiError::field("table", "is required with source_id"));
            }
            if let Some(table) = schema.table(&q.table).cloned() {
                return Ok(Target::Database(DatabaseTarget {
                    source: open.source,
                    pool: open.pool,
                    table,
                    from_sql: None,
                }));
            }
            // a datamart of this source is usable by its name, like a table
            let (org, name) = (caller.org_id, q.table.clone());
            let dm = state
                .db(move |conn| Ok(tessera_store::datamarts::find_by_name(conn, org, &name)?))
                .await?;
            match dm.filter(|d| d.source_id == open.source.id) {
                Some(dm) => datamart_target(state, caller, open, dm, q).await,
                None => {
                    let names: Vec<String> =
                        schema.tables.iter().map(|t| t.qualified_name()).collect();
                    Err(ApiError::field(
                        "table",
                        format!("unknown table '{}'; tables: {}", q.table, names.join(", ")),
                    ))
                }
            }
        }
        (None, Some(id), None) if only => {
            let dm_id: DatamartId = crate::common::path_id("datamart", id)?;
            let org = caller.org_id;
            let dm = state
                .db(move |conn| Ok(tessera_store::datamarts::find(conn, org, dm_id)?))
                .await
                .map_err(|e| match e {
                    ApiError::NotFound(_) => {
                        ApiError::NotFound(format!("no datamart with id '{dm_id}'"))
                    }
                    other => other,
                })?;
            let open = sources::open(state, caller, dm.source_id).await?;
            datamart_target(state, caller, open, dm, q).await
        }
        (None, None, Some(dataset)) => {
            q.table = dataset.name.clone();
            let path = datasets::file_of(state, &dataset);
            Ok(Target::Dataset { dataset, path })
        }
        _ => Err(ApiError::Validation(vec![FieldError::new(
            "source_id",
            "give exactly one of source_id, datamart_id or dataset_id",
        )])),
    }
}

/// A datamart as the table of a chart query: its SQL becomes a subquery, its columns come from one sample row.
async fn datamart_target(
    state: &AppState,
    caller: &Caller,
    open: sources::OpenSource,
    dm: tessera_domain::Datamart,
    q: &mut ChartQuery,
) -> ApiResult<Target> {
    let (sub, sample_sql) = tessera_sources::charts::datamart_subquery(open.source.kind, &dm.sql)?;
    let limits = state.sources.run_limits;
    let sample = sources::on_source(state, caller, &open, move |pool, name| {
        tessera_sources::execute::run_read_only(pool, name, &sample_sql, &[], limits)
    })
    .await?;
    q.table = dm.name.clone();
    Ok(Target::Database(DatabaseTarget {
        table: table_from_sample(&dm.name, &sample),
        source: open.source,
        pool: open.pool,
        from_sql: Some(sub),
    }))
}

/// Runs `q` over the target for the window `range`; `group = false` computes totals.
async fn run(
    state: &AppState,
    caller: &Caller,
    target: &Target,
    q: &ChartQuery,
    range: Option<TimeRange>,
    group: bool,
    segments: Option<&Segments>,
) -> ApiResult<Answer> {
    match target {
        Target::Database(t) => {
            let c = match segments {
                Some(seg) if t.from_sql.is_none() => {
                    compile_segments(t.source.kind, &t.table, q, seg, range)?
                }
                Some(_) => {
                    return Err(ApiError::field(
                        "table",
                        "segment metrics read a table, not a datamart",
                    ))
                }
                None => compile_from(
                    t.source.kind,
                    &t.table,
                    t.from_sql.as_deref(),
                    q,
                    range,
                    group,
                )?,
            };
            let (pool, name, limits) = (
                t.pool.clone(),
                t.source.name.clone(),
                state.sources.run_limits,
            );
            let (sql, params) = (c.sql.clone(), c.params.clone());
            let rows = state
                .sources
                .executor
                .run(caller.org_id, Some(t.source.id), move || {
                    tessera_sources::execute::run_read_only(&pool, &name, &sql, &params, limits)
                })
                .await??;
            if rows.truncated.is_some() {
                return Err(ApiError::field(
                    "query",
                    format!(
                        "the answer exceeds the {} byte budget (sources.max_answer_bytes); add filters, fewer dimensions or a lower limit",
                        limits.max_bytes
                    ),
                ));
            }
            let query_ms = rows.elapsed.as_secs_f64() * 1000.0;
            if state.sources.sql_debug {
                tracing::info!(source = %t.source.name, sql = %c.sql, params = c.params.len(), ms = query_ms, "chart sql");
            }
            Ok(Answer {
                data: shape(&c, &rows),
                columns: c.columns,
                query_ms,
            })
        }
        Target::Dataset { .. } if segments.is_some() => Err(ApiError::field(
            "dataset_id",
            "segment metrics read a database table",
        )),
        Target::Dataset { dataset, path } => {
            let (path, name, q) = (path.clone(), dataset.name.clone(), q.clone());
            let started = Instant::now();
            let answer = state
                .blocking(move || aggregate::aggregate(&path, &name, &q, range, group))
                .await??;
            Ok(Answer {
                columns: answer.columns,
                data: answer.rows,
                query_ms: started.elapsed().as_secs_f64() * 1000.0,
            })
        }
    }
}

fn range_json(r: Option<TimeRange>) -> Json {
    r.map(|r| json!({"from": r.from.format("%Y-%m-%dT%H:%M:%S").to_string(), "to": r.to.format("%Y-%m-%dT%H:%M:%S").to_string()}))
        .unwrap_or(Json::Null)
}

/// Answers a chart query: the envelope `{success, data, metadata, comparison?}`.
pub async fn query(
    state: &AppState,
    caller: &Caller,
    req: &ChartQueryRequest,
    metric: Option<&str>,
    cache: CacheUse,
) -> ApiResult<Json> {
    query_with(state, caller, req, metric, cache, None).await
}

/// A chart query grouped by derived segments instead of its dimensions (segment metrics).
pub async fn query_segments(
    state: &AppState,
    caller: &Caller,
    req: &ChartQueryRequest,
    metric: Option<&str>,
    cache: CacheUse,
    segments: &Segments,
) -> ApiResult<Json> {
    query_with(state, caller, req, metric, cache, Some(segments)).await
}

async fn query_with(
    state: &AppState,
    caller: &Caller,
    req: &ChartQueryRequest,
    metric: Option<&str>,
    cache: CacheUse,
    segments: Option<&Segments>,
) -> ApiResult<Json> {
    let started = Instant::now();
    // `charts.cache_ttl_secs = 0` switches the cache off
    let cache = if state.sources.charts_ttl.is_zero() {
        CacheUse::Bypass
    } else {
        cache
    };
    let now = tessera_store::now();
    let mut q = parse_query(req, now)?;

    // The cache is consulted before anything touches a user's database: the key is the
    // organisation, the source (or datamart or dataset) asked for, and the query as asked (a
    // relative period, not its moving range). Entries are only ever written after the caller's
    // organisation was checked to own that source (or see that dataset), and are dropped when
    // the source, datamart or dataset changes.
    let mut key_query = q.clone();
    if let Some(t) = key_query.time.as_mut().filter(|t| t.period.is_some()) {
        t.range = None;
    }
    // an id that does not parse names nothing: no cache, and resolution answers 404
    let target = match (&req.source_id, &req.datamart_id, &req.dataset_id) {
        (Some(s), None, None) => s.parse().ok().map(ChartTarget::Source),
        (None, Some(d), None) => d.parse().ok().map(ChartTarget::Datamart),
        (None, None, Some(d)) => d.parse().ok().map(ChartTarget::Dataset),
        _ => None,
    };
    let key = target.map(|target| ChartKey {
        org: caller.org_id,
        target,
        query: format!(
            "{}|{}",
            serde_json::to_string(&key_query).unwrap_or_default(),
            segments
                .map(|s| serde_json::to_string(s).unwrap_or_default())
                .unwrap_or_default()
        ),
    });
    // A dataset may be another organisation's public one: visibility can change at any time
    // (and in another process), so it is looked up, once, before a cached answer is served.
    let dataset = match (&req.source_id, &req.datamart_id, &req.dataset_id) {
        (None, None, Some(id)) => Some(datasets::get(state, caller, id).await?),
        _ => None,
    };
    if let Some(hit) = key
        .as_ref()
        .filter(|_| cache.reads())
        .and_then(|k| state.sources.charts.get(k))
    {
        let mut answer = hit.answer.clone();
        answer["metadata"]["cached"] = Json::Bool(true);
        answer["metadata"]["duration_ms"] = json!(started.elapsed().as_secs_f64() * 1000.0);
        return Ok(answer);
    }
    let target = resolve(state, caller, req, dataset, &mut q).await?;
    q.validate()?;

    let range = q.time.as_ref().and_then(|t| t.range);
    let answer = run(state, caller, &target, &q, range, true, segments).await?;
    let mut data = answer.data;
    if let Some(r) = range {
        fill_empty_buckets(&answer.columns, &q, r, &mut data);
    }
    let comparison = match (q.compare_previous, range) {
        (true, Some(r)) => Some(compare(state, caller, &target, &q, r).await?),
        _ => None,
    };
    let mut metadata = json!({
        "metric": metric,
        "table": q.table,
        "period": q.time.as_ref().and_then(|t| t.period).map(|p| p.as_str()),
        "granularity": q.time.as_ref().and_then(|t| t.granularity).map(|g| g.as_str()),
        "range": range_json(range),
        "columns": answer.columns,
        "row_count": data.len(),
        "generated_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "cached": false,
        "query_ms": answer.query_ms,
        "duration_ms": started.elapsed().as_secs_f64() * 1000.0,
    });
    match &target {
        Target::Database(t) => {
            metadata["source"] = json!("database");
            metadata["source_id"] = json!(t.source.id.to_string());
            metadata["source_name"] = json!(t.source.name);
        }
        Target::Dataset { dataset, .. } => {
            metadata["source"] = json!("dataset");
            metadata["dataset_id"] = json!(dataset.id.to_string());
            metadata["dataset_name"] = json!(dataset.name);
        }
    }
    let mut answer = json!({"success": true, "data": data, "metadata": metadata});
    if let Some(c) = comparison {
        answer["comparison"] = c;
    }
    if let Some(key) = key.filter(|_| cache.writes()) {
        let source = match &target {
            Target::Database(t) => Some(t.source.id),
            Target::Dataset { .. } => None,
        };
        state.sources.charts.insert(
            key,
            Arc::new(CachedChart {
                answer: answer.clone(),
                source,
            }),
        );
    }
    Ok(answer)
}

/// The previous period: its rows, and totals of both periods with the change.
async fn compare(
    state: &AppState,
    caller: &Caller,
    target: &Target,
    q: &ChartQuery,
    current: TimeRange,
) -> ApiResult<Json> {
    let previous = current.previous();
    let mut pdata = run(state, caller, target, q, Some(previous), true, None).await?;
    fill_empty_buckets(&pdata.columns, q, previous, &mut pdata.data);
    let now_totals = run(state, caller, target, q, Some(current), false, None).await?;
    let prev_totals = run(state, caller, target, q, Some(previous), false, None).await?;
    let now_totals = now_totals.data.into_iter().next().unwrap_or_default();
    let prev_totals = prev_totals.data.into_iter().next().unwrap_or_default();
    let mut totals = Map::new();
    for m in &q.measures {
        let cur = now_totals.get(&m.alias).and_then(Json::as_f64);
        let prev = prev_totals.get(&m.alias).and_then(Json::as_f64);
        let change = match (cur, prev) {
            (Some(c), Some(p)) => Some(c - p),
            _ => None,
        };
        let change_pct = match (change, prev) {
            (Some(d), Some(p)) if p != 0.0 => Some(d / p.abs() * 100.0),
            _ => None,
        };
        totals.insert(
            m.alias.clone(),
            json!({"current": cur, "previous": prev, "change": change, "change_pct": change_pct}),
        );
    }
    Ok(json!({"range": range_json(Some(previous)), "data": pdata.data, "totals": totals}))
}
