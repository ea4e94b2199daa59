//! `/api/v1/charts/*`: the general chart query (named metrics come with the catalogue).

use actix_web::{get, post, web, HttpResponse};
use tessera_analytics::render::Theme;

use tessera_charts::Breakdown;

use crate::auth::Caller;
use crate::common::render::{Format, RenderParams};
use crate::data::dto::{ChartEnvelope, ChartQueryRequest, MetricCatalogOut, MetricParams};
use crate::error::{ApiResult, Problem};
use crate::extract::CacheHeader;
use crate::state::AppState;

/// The envelope, or the answer drawn or written as `render` asks.
async fn answered(
    state: &AppState,
    answer: tessera_charts::ChartAnswer,
    chart_type: Option<&str>,
    render: &RenderParams,
) -> ApiResult<HttpResponse> {
    if render.format()? == Format::Json {
        render.size()?;
        return Ok(HttpResponse::Ok().json(ChartEnvelope::from(answer)));
    }
    let kind = chart_type.unwrap_or_else(|| crate::common::render::default_chart_type(&answer));
    let title = answer
        .metadata
        .metric
        .clone()
        .unwrap_or_else(|| answer.metadata.table.clone());
    crate::common::render::respond(state, &answer, &title, kind, &Theme::default(), render).await
}

/// Aggregates in the source (or over a datamart), or over an uploaded dataset's Parquet file
/// (`dataset_id`): measures by dimensions and time buckets, filtered, sorted and limited;
/// identical queries are served from a cache (`metadata.cached`).
#[utoipa::path(
    tag = "charts",
    security(("bearer" = [])),
    request_body = ChartQueryRequest,
    params(("Cache-Control" = Option<String>, Header, description = "`no-cache` computes a fresh answer (and caches it) instead of answering from the cache"), RenderParams),
    responses(
        (status = 200, description = "The envelope {success, data, metadata}; with format=svg, png or csv the chart drawn (a line over time, else bars) or its rows", content(
            (ChartEnvelope = "application/json"),
            (String = "image/svg+xml"),
            (Vec<u8> = "image/png"),
            (String = "text/csv"),
        )),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source, datamart or dataset (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown table, column, aggregation, granularity, period or operator; a value that does not fit its column", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The source is unreachable: the problem names it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/query")]
pub async fn query(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ChartQueryRequest>,
    cache: CacheHeader,
    render: web::Query<RenderParams>,
) -> ApiResult<HttpResponse> {
    let req = (&body.into_inner()).into();
    let answer = state
        .charts
        .query(&caller.viewer(), &req, None, cache.0)
        .await?;
    answered(&state, answer, None, &render).await
}

/// Bar chart of a named metric by its dimension: `?metric=revenue|transactions|user_activity&period=&category=`.
#[utoipa::path(
    tag = "charts",
    security(("bearer" = [])),
    params(MetricParams, ("Cache-Control" = Option<String>, Header, description = "`no-cache` computes a fresh answer (and caches it) instead of answering from the cache"), RenderParams),
    responses(
        (status = 200, description = "Rows {label, value, <dimension>}; with format=svg, png or csv the chart drawn or its rows", content(
            (ChartEnvelope = "application/json"),
            (String = "image/svg+xml"),
            (Vec<u8> = "image/png"),
            (String = "text/csv"),
        )),
        (status = 400, description = "Unknown metric or period: the problem names the allowed values", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No metrics source (analytics or demo) in the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The metric's source is down", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/bar")]
pub async fn bar(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<MetricParams>,
    cache: CacheHeader,
    render: web::Query<RenderParams>,
) -> ApiResult<HttpResponse> {
    let ask = (&q.into_inner()).into();
    let answer = state
        .charts
        .breakdown(&caller.viewer(), &ask, Breakdown::Bar, cache.0)
        .await?;
    answered(&state, answer, Some("bar"), &render).await
}

/// Pie chart of a named metric by its dimension, with percentages: `?metric=user_segments|revenue_by_segment|traffic_sources&period=`.
#[utoipa::path(
    tag = "charts",
    security(("bearer" = [])),
    params(MetricParams, ("Cache-Control" = Option<String>, Header, description = "`no-cache` computes a fresh answer (and caches it) instead of answering from the cache"), RenderParams),
    responses(
        (status = 200, description = "Slices {label, value, percentage}; with format=svg, png or csv the chart drawn or its rows", content(
            (ChartEnvelope = "application/json"),
            (String = "image/svg+xml"),
            (Vec<u8> = "image/png"),
            (String = "text/csv"),
        )),
        (status = 400, description = "Unknown metric or period", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No metrics source in the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The metric's source is down", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pie")]
pub async fn pie(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<MetricParams>,
    cache: CacheHeader,
    render: web::Query<RenderParams>,
) -> ApiResult<HttpResponse> {
    let ask = (&q.into_inner()).into();
    let answer = state
        .charts
        .breakdown(&caller.viewer(), &ask, Breakdown::Pie, cache.0)
        .await?;
    answered(&state, answer, Some("pie"), &render).await
}

/// Time series of a named metric: `?metric=daily_users|revenue|orders|conversion_rate&period=&granularity=`.
#[utoipa::path(
    tag = "charts",
    security(("bearer" = [])),
    params(MetricParams, ("Cache-Control" = Option<String>, Header, description = "`no-cache` computes a fresh answer (and caches it) instead of answering from the cache"), RenderParams),
    responses(
        (status = 200, description = "Points {date, value}, empty buckets as zeros; with format=svg, png or csv the chart drawn or its rows", content(
            (ChartEnvelope = "application/json"),
            (String = "image/svg+xml"),
            (Vec<u8> = "image/png"),
            (String = "text/csv"),
        )),
        (status = 400, description = "Unknown metric, period or granularity", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No metrics source in the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The metric's source is down", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/line")]
pub async fn line(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<MetricParams>,
    cache: CacheHeader,
    render: web::Query<RenderParams>,
) -> ApiResult<HttpResponse> {
    let ask = (&q.into_inner()).into();
    let answer = state.charts.line(&caller.viewer(), &ask, cache.0).await?;
    answered(&state, answer, Some("line"), &render).await
}

/// The named metrics by chart type, with the allowed periods and granularities.
#[utoipa::path(
    tag = "charts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The catalogue", body = MetricCatalogOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, _caller: Caller) -> web::Json<MetricCatalogOut> {
    web::Json(MetricCatalogOut::from(&state.sources.catalog))
}

/// A realtime metric over its short window (e.g. active_users in the last 5 minutes), briefly cached.
#[utoipa::path(
    tag = "charts",
    security(("bearer" = [])),
    params(("metric" = String, Path, description = "A realtime metric, e.g. active_users"), MetricParams, RenderParams),
    responses(
        (status = 200, description = "[{metric, value, window_minutes, from, to}]; with format=svg, png or csv the value as a number tile or its row", content(
            (ChartEnvelope = "application/json"),
            (String = "image/svg+xml"),
            (Vec<u8> = "image/png"),
            (String = "text/csv"),
        )),
        (status = 400, description = "Unknown realtime metric", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No metrics source in the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The metric's source is down", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/realtime/{metric}")]
pub async fn realtime(
    state: web::Data<AppState>,
    caller: Caller,
    metric: web::Path<String>,
    q: web::Query<MetricParams>,
    render: web::Query<RenderParams>,
) -> ApiResult<HttpResponse> {
    let ask = (&q.into_inner()).into();
    let answer = state
        .charts
        .realtime(&caller.viewer(), &metric, &ask)
        .await?;
    answered(&state, answer, Some("number"), &render).await
}
