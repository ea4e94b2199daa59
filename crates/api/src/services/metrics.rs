//! The seed endpoints over named metrics: bar, pie, line (ratios included), realtime and the
//! catalogue. Each metric becomes a chart query on the organisation's metrics source.

use std::sync::Arc;

use serde_json::{json, Map, Value as Json};
use tessera_domain::chart::{Granularity, Period};
use tessera_domain::DataSourceId;

use crate::auth::Caller;
use crate::dto::{ChartQueryRequest, FilterIn, MeasureIn, RangeIn, TimeIn};
use crate::error::{ApiError, ApiResult};
use crate::services::charts::{self, CacheUse};
use crate::services::sources;
use crate::state::AppState;
use tessera_charts::catalog::MetricDef;
use tessera_sources::charts::Segments;

/// The query string of the seed endpoints.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricParams {
    /// The metric's name (see GET /charts/metrics).
    pub metric: Option<String>,
    /// 7d, 30d, 90d, 1y, today, mtd or ytd (default 30d).
    pub period: Option<String>,
    /// Only rows of this category (the metric's category column).
    pub category: Option<String>,
    /// hour, day, week, month, quarter or year (line charts; default day).
    pub granularity: Option<String>,
    /// Read from this source instead of the organisation's `analytics` (or `demo`) source.
    pub source_id: Option<String>,
}

fn bad_request(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

fn period(p: &MetricParams) -> ApiResult<Period> {
    p.period
        .as_deref()
        .unwrap_or("30d")
        .parse::<Period>()
        .map_err(bad_request)
}

fn metric<'a>(state: &'a AppState, p: &MetricParams, chart: &str) -> ApiResult<&'a MetricDef> {
    let name = p.metric.as_deref().ok_or_else(|| {
        ApiError::BadRequest(format!(
            "give ?metric=; allowed: {}",
            state.sources.catalog.names(chart).join(", ")
        ))
    })?;
    state
        .sources
        .catalog
        .get(name, chart)
        .map_err(ApiError::BadRequest)
}

/// The source a metric reads: `?source_id=`, the metric's configured source, or `analytics`, else `demo`.
async fn source_for(
    state: &AppState,
    caller: &Caller,
    m: &MetricDef,
    p: &MetricParams,
) -> ApiResult<String> {
    if let Some(id) = &p.source_id {
        return Ok(id.clone());
    }
    let names: Vec<String> = match &m.source {
        Some(s) => vec![s.clone()],
        None => vec!["analytics".into(), "demo".into()],
    };
    let org = caller.org_id;
    let cache_key = format!("{org}|{}", names.join(","));
    if let Some(id) = state.sources.metric_sources.get(&cache_key) {
        return Ok(id.to_string());
    }
    let wanted = names.clone();
    let found = state
        .db(move |conn| {
            for n in &wanted {
                if let Some(s) = tessera_store::data_sources::find_by_name(conn, org, n)? {
                    return Ok(Some(s.source.id));
                }
            }
            Ok(None)
        })
        .await?;
    if let Some(id) = found {
        state.sources.metric_sources.insert(cache_key, id);
    }
    found.map(|id: DataSourceId| id.to_string()).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no data source named {} in your organisation; register one or pass source_id",
            names.join(" or ")
        ))
    })
}

fn request(
    m: &MetricDef,
    source_id: String,
    p: &MetricParams,
    time: TimeIn,
    dimension: Option<&str>,
) -> ChartQueryRequest {
    ChartQueryRequest {
        source_id: Some(source_id),
        datamart_id: None,
        dataset_id: None,
        table: m.table.clone(),
        measures: vec![MeasureIn {
            agg: m.agg.clone().unwrap_or_else(|| "count".into()),
            column: m.column.clone(),
            alias: Some("value".into()),
        }],
        dimensions: dimension.map(|d| vec![d.to_owned()]).unwrap_or_default(),
        time: Some(time),
        filters: match (&p.category, &m.category_column) {
            (Some(c), Some(col)) if !c.is_empty() => vec![FilterIn {
                column: col.clone(),
                op: "eq".into(),
                value: Json::from(c.clone()),
            }],
            _ => vec![],
        },
        sort: vec![],
        limit: Some(1000),
        compare: None,
    }
}

/// Runs a metric's chart query; a down source answers sample data when the metric allows it.
async fn run(
    state: &AppState,
    caller: &Caller,
    m: &MetricDef,
    p: &MetricParams,
    time: TimeIn,
    dimension: Option<&str>,
    cache: CacheUse,
) -> ApiResult<Json> {
    let result = match source_for(state, caller, m, p).await {
        Ok(source) => match (&m.segment_by, &m.column, dimension) {
            // a segment chart groups by the derived tier, not by a column
            (Some(entity), Some(spend), Some(_)) => {
                let (premium, regular) = state.sources.segment_thresholds;
                let segments = Segments {
                    entity: entity.clone(),
                    spend: spend.clone(),
                    tiers: vec![("Premium".into(), premium), ("Regular".into(), regular)],
                    rest: "Basic".into(),
                    sum_spend: m.agg.as_deref() == Some("sum"),
                };
                charts::query_segments(
                    state,
                    caller,
                    &request(m, source, p, time, None),
                    Some(&m.name),
                    cache,
                    &segments,
                )
                .await
            }
            _ => {
                charts::query(
                    state,
                    caller,
                    &request(m, source, p, time, dimension),
                    Some(&m.name),
                    cache,
                )
                .await
            }
        },
        Err(e) => Err(e),
    };
    match result {
        Err(ApiError::SourceUnavailable { .. } | ApiError::NotFound(_))
            if m.fallback.as_deref() == Some("sample") =>
        {
            Ok(sample(m, p, dimension))
        }
        other => other,
    }
}

/// The column a bar or pie metric groups by: its dimension, or the first of its
/// `dimension_from` columns the table has (422 naming them and the setting when none is).
async fn dimension_of(
    state: &AppState,
    caller: &Caller,
    m: &MetricDef,
    p: &MetricParams,
) -> ApiResult<String> {
    if m.dimension_from.is_empty() {
        return Ok(m.dimension.clone().unwrap_or_default());
    }
    let source = source_for(state, caller, m, p).await?;
    let (_, schema) = sources::schema(state, caller, sources::source_id(&source)?).await?;
    let table_name = m.table.clone().unwrap_or_default();
    let table = schema.table(&table_name).ok_or_else(|| {
        ApiError::field(
            "metric",
            format!(
                "metric '{}' reads table '{table_name}', which the source does not have",
                m.name
            ),
        )
    })?;
    m.dimension_from
        .iter()
        .find(|c| table.column(c).is_some())
        .cloned()
        .ok_or_else(|| {
            ApiError::field(
                "metric",
                format!(
                    "metric '{}' groups by the first of the columns {} that table '{table_name}' has, and it has none; add one of them to the table, or set the metric's dimension_from ([[charts.metrics]] in the configuration)",
                    m.name,
                    m.dimension_from.join(", ")
                ),
            )
        })
}

/// Bar chart rows: `{label, value, <dimension>}`, largest first.
pub async fn bar(
    state: &AppState,
    caller: &Caller,
    p: &MetricParams,
    chart: &str,
    cache: CacheUse,
) -> ApiResult<Json> {
    let m = metric(state, p, chart)?;
    let period = period(p)?;
    let dim = dimension_of(state, caller, m, p).await?;
    let time = TimeIn {
        column: m.time_column.clone(),
        granularity: None,
        period: Some(period.as_str().into()),
        range: None,
    };
    let mut answer = run(state, caller, m, p, time, Some(&dim), cache).await?;
    let total: f64 = rows(&answer)
        .iter()
        .filter_map(|r| r.get("value").and_then(Json::as_f64))
        .sum();
    for row in rows_mut(&mut answer) {
        let label = row.get(&dim).cloned().unwrap_or(Json::Null);
        row.insert("label".into(), label);
        if chart == "pie" {
            let v = row.get("value").and_then(Json::as_f64).unwrap_or(0.0);
            let pct = if total > 0.0 {
                (v / total * 10_000.0).round() / 100.0
            } else {
                0.0
            };
            row.insert("percentage".into(), json!(pct));
        }
    }
    decorate(&mut answer, m, chart, period, p);
    if chart == "pie" {
        answer["metadata"]["total"] = json!(total);
    }
    Ok(answer)
}

/// Line chart rows: `{date, value}` per bucket, empty buckets as zeros; ratios divide two metrics.
pub async fn line(
    state: &AppState,
    caller: &Caller,
    p: &MetricParams,
    cache: CacheUse,
) -> ApiResult<Json> {
    let m = metric(state, p, "line")?;
    let period = period(p)?;
    let g: Granularity = p
        .granularity
        .as_deref()
        .unwrap_or("day")
        .parse()
        .map_err(bad_request)?;
    let time = |def: &MetricDef| TimeIn {
        column: def.time_column.clone(),
        granularity: Some(g.as_str().into()),
        period: Some(period.as_str().into()),
        range: None,
    };
    let mut answer = match (&m.numerator, &m.denominator) {
        (Some(n), Some(d)) => {
            let (num_def, den_def) =
                match (state.sources.catalog.any(n), state.sources.catalog.any(d)) {
                    (Some(a), Some(b)) => (a, b),
                    _ => {
                        return Err(ApiError::Internal(format!(
                            "ratio metric {} refers to unknown metrics",
                            m.name
                        )))
                    }
                };
            let num = run(state, caller, num_def, p, time(num_def), None, cache).await?;
            let den = run(state, caller, den_def, p, time(den_def), None, cache).await?;
            ratio(m, &num, &den, &num_def.time_column, &den_def.time_column)
        }
        _ => run(state, caller, m, p, time(m), None, cache).await?,
    };
    let time_key = m
        .numerator
        .as_ref()
        .and_then(|n| state.sources.catalog.any(n))
        .map(|d| d.time_column.clone())
        .unwrap_or_else(|| m.time_column.clone());
    for row in rows_mut(&mut answer) {
        if let Some(t) = row.remove(&time_key) {
            row.insert("date".into(), t);
        }
    }
    decorate(&mut answer, m, "line", period, p);
    answer["metadata"]["granularity"] = json!(g.as_str());
    Ok(answer)
}

fn ratio(m: &MetricDef, num: &Json, den: &Json, num_time: &str, den_time: &str) -> Json {
    let den_by_date: std::collections::HashMap<String, f64> = rows(den)
        .iter()
        .map(|r| {
            (
                r.get(den_time).map(Json::to_string).unwrap_or_default(),
                r.get("value").and_then(Json::as_f64).unwrap_or(0.0),
            )
        })
        .collect();
    let data: Vec<Json> = rows(num)
        .iter()
        .map(|r| {
            let key = r.get(num_time).cloned().unwrap_or(Json::Null);
            let n = r.get("value").and_then(Json::as_f64).unwrap_or(0.0);
            let d = den_by_date.get(&key.to_string()).copied().unwrap_or(0.0);
            let v = if d > 0.0 {
                (n / d * m.scale * 100.0).round() / 100.0
            } else {
                0.0
            };
            json!({num_time: key, "value": v})
        })
        .collect();
    let mut answer = num.clone();
    answer["data"] = Json::Array(data);
    answer["metadata"]["cached"] = json!(
        num["metadata"]["cached"].as_bool().unwrap_or(false)
            && den["metadata"]["cached"].as_bool().unwrap_or(false)
    );
    answer
}

/// The metric's value over the last `window_minutes`, cached for `charts.realtime_ttl_secs`.
pub async fn realtime(
    state: &AppState,
    caller: &Caller,
    name: &str,
    p: &MetricParams,
) -> ApiResult<Json> {
    let m = state
        .sources
        .catalog
        .get(name, "realtime")
        .map_err(ApiError::BadRequest)?;
    // keyed by the resolved source, so that changing the source drops the entry
    let source = source_for(state, caller, m, p).await?;
    // a source id that does not parse names nothing: no cache, and the query answers 404
    let key = source
        .parse()
        .ok()
        .map(|source| crate::runtime::RealtimeKey {
            org: caller.org_id,
            source,
            metric: m.name.clone(),
            category: p.category.clone().unwrap_or_default(),
        })
        .filter(|_| !state.sources.realtime_ttl.is_zero());
    let cached = key.as_ref().and_then(|k| state.sources.realtime.get(k));
    if let Some(hit) = cached {
        let mut answer = (*hit).clone();
        answer["metadata"]["cached"] = Json::Bool(true);
        return Ok(answer);
    }
    let window = i64::from(m.window_minutes.unwrap_or(5));
    let to = tessera_store::now() + chrono::Duration::seconds(1);
    let from = to - chrono::Duration::minutes(window);
    let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let time = TimeIn {
        column: m.time_column.clone(),
        granularity: None,
        period: None,
        range: Some(RangeIn {
            from: fmt(from),
            to: fmt(to),
        }),
    };
    let mut answer = run(state, caller, m, p, time, None, CacheUse::Bypass).await?;
    let value = rows(&answer)
        .first()
        .and_then(|r| r.get("value").cloned())
        .unwrap_or(json!(0));
    answer["data"] = json!([{"metric": m.name, "value": value, "window_minutes": window, "from": fmt(from), "to": fmt(to)}]);
    answer["metadata"]["metric"] = json!(m.name);
    answer["metadata"]["chart"] = json!("realtime");
    answer["metadata"]["period"] = json!(format!("{window}m"));
    answer["metadata"]["unit"] = json!(m.unit);
    let stored = Arc::new(answer.clone());
    if let Some(key) = key {
        state.sources.realtime.insert(key, stored);
    }
    Ok(answer)
}

fn rows(answer: &Json) -> Vec<&Map<String, Json>> {
    answer["data"]
        .as_array()
        .map(|a| a.iter().filter_map(Json::as_object).collect())
        .unwrap_or_default()
}

fn rows_mut(answer: &mut Json) -> Vec<&mut Map<String, Json>> {
    answer["data"]
        .as_array_mut()
        .map(|a| a.iter_mut().filter_map(Json::as_object_mut).collect())
        .unwrap_or_default()
}

fn decorate(answer: &mut Json, m: &MetricDef, chart: &str, period: Period, p: &MetricParams) {
    answer["metadata"]["metric"] = json!(m.name);
    answer["metadata"]["chart"] = json!(chart);
    answer["metadata"]["period"] = json!(period.as_str());
    answer["metadata"]["unit"] = json!(m.unit);
    answer["metadata"]["category"] = json!(p.category);
}

/// Sample data for a metric whose source is down (only where `fallback = "sample"`), seeded by
/// the metric's name so it is stable, and marked `metadata.source = "sample"`.
fn sample(m: &MetricDef, p: &MetricParams, dimension: Option<&str>) -> Json {
    use rand::{Rng, SeedableRng};
    let seed = m
        .name
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let period = p
        .period
        .as_deref()
        .and_then(|x| x.parse::<Period>().ok())
        .unwrap_or(Period::Days30);
    let data: Vec<Json> = match dimension {
        Some(dim) => ["A", "B", "C", "D", "E"]
            .iter()
            .map(|l| {
                let v = (rng.gen_range(10.0..1000.0_f64) * 100.0).round() / 100.0;
                json!({dim: format!("sample {l}"), "value": v})
            })
            .collect(),
        None => {
            let g = p
                .granularity
                .as_deref()
                .and_then(|x| x.parse::<Granularity>().ok())
                .unwrap_or(Granularity::Day);
            let range = period.range(tessera_store::now());
            tessera_sources::charts::bucket_keys(range, g, 10_000)
                .unwrap_or_default()
                .into_iter()
                .map(|k| json!({m.time_column.clone(): k, "value": (rng.gen_range(50.0..150.0_f64) * 100.0).round() / 100.0}))
                .collect()
        }
    };
    json!({
        "success": true,
        "data": data,
        "metadata": {"metric": m.name, "period": period.as_str(), "source": "sample", "cached": false, "generated_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true), "note": "the metric's source is unavailable; this is sample data"}
    })
}
