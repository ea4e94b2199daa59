//! `/dashboards`: list, create, read, replace, delete, move, and all charts' data at once.

use actix_web::{delete, get, post, put, web, HttpResponse};

use crate::auth::Caller;
use crate::common::path_id;
use crate::common::render::{respond, Format, RenderParams};
use crate::dashboards::dto::{
    ChartData, DashboardData, DashboardIn, DashboardOut, DashboardsOut, DashboardsQuery,
    GenerateIn, GeneratedOut, MoveIn,
};
use crate::dashboards::service::{boards, generate as generator, view};
use crate::error::{ApiResult, Problem};
use crate::extract::CacheHeader;
use crate::state::AppState;

/// The organisation's dashboards, most recently changed first; by words in the title or
/// description and by folder.
#[utoipa::path(
    tag = "dashboards",
    security(("bearer" = [])),
    params(DashboardsQuery),
    responses(
        (status = 200, description = "One page of dashboards", body = DashboardsOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad folder id, search or page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<DashboardsQuery>,
) -> ApiResult<web::Json<DashboardsOut>> {
    let q = q.into_inner();
    let page = boards::list(
        &state,
        &caller,
        q.search,
        q.folder_id.as_deref(),
        (q.page, q.limit),
    )
    .await?;
    Ok(web::Json(page.into()))
}

/// Creates a dashboard (editors and admins): its charts are checked (types, queries or metrics,
/// grid positions), its folder and theme must exist.
#[utoipa::path(
    tag = "dashboards",
    security(("bearer" = [])),
    request_body = DashboardIn,
    responses(
        (status = 201, description = "The dashboard, version 1", body = DashboardOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot create dashboards", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation keeps as many dashboards as it may (5,000)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<DashboardIn>,
) -> ApiResult<HttpResponse> {
    let d = boards::create(&state, &caller, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(DashboardOut::from(d)))
}

/// One dashboard with its charts.
#[utoipa::path(
    tag = "dashboards",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Dashboard id")),
    responses(
        (status = 200, description = "The dashboard", body = DashboardOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dashboard", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<DashboardOut>> {
    let id = path_id("dashboard", &id)?;
    Ok(web::Json(boards::get(&state, &caller, id).await?.into()))
}

/// Replaces a dashboard (editors and admins), naming the `version` last read: a stale version
/// is a 409 and changes nothing, so two editors never overwrite each other silently.
#[utoipa::path(
    tag = "dashboards",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Dashboard id")),
    request_body = DashboardIn,
    responses(
        (status = 200, description = "The dashboard, its version one higher", body = DashboardOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot change dashboards", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dashboard", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale: someone changed it since", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named (a missing version too)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<DashboardIn>,
) -> ApiResult<web::Json<DashboardOut>> {
    let id = path_id("dashboard", &id)?;
    Ok(web::Json(
        boards::update(&state, &caller, id, body.into_inner().into())
            .await?
            .into(),
    ))
}

/// Deletes a dashboard (editors and admins).
#[utoipa::path(
    tag = "dashboards",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Dashboard id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot delete dashboards", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dashboard", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id("dashboard", &id)?;
    boards::delete(&state, &caller, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Moves a dashboard into a folder, or to the top with `folder_id: null` (editors and admins).
#[utoipa::path(
    tag = "dashboards",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Dashboard id")),
    request_body = MoveIn,
    responses(
        (status = 200, description = "The dashboard in its new folder", body = DashboardOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot move dashboards", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dashboard", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such folder in the organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{id}/move")]
pub async fn move_to(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<MoveIn>,
) -> ApiResult<web::Json<DashboardOut>> {
    let id = path_id("dashboard", &id)?;
    Ok(web::Json(
        boards::move_to(&state, &caller, id, body.folder_id)
            .await?
            .into(),
    ))
}

/// Every chart of a dashboard answered at once (several concurrently, bounded): each with its
/// `data` and `metadata`, or with a `problem` beside the others when it fails; still a 200.
#[utoipa::path(
    tag = "dashboards",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Dashboard id"),
        ("Cache-Control" = Option<String>, Header, description = "`no-cache` computes fresh answers"),
    ),
    responses(
        (status = 200, description = "Every chart's answer or problem", body = DashboardData),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dashboard", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/data")]
pub async fn data(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    cache: CacheHeader,
) -> ApiResult<web::Json<DashboardData>> {
    let id = path_id("dashboard", &id)?;
    let charts = boards::data(&state, &caller, id, cache.0).await?;
    Ok(web::Json(DashboardData {
        id,
        charts: charts.into_iter().map(ChartData::from).collect(),
    }))
}

/// One chart of a dashboard: `format=json` (default: its `data` and `metadata`, or `problem`),
/// or drawn as `svg` or `png` in the dashboard's theme, or its rows as `csv`.
#[utoipa::path(
    tag = "dashboards",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Dashboard id"),
        ("chart_id" = String, Path, description = "The chart's id"),
        RenderParams,
    ),
    responses(
        (status = 200, description = "The chart's answer, image or rows", content(
            (ChartData = "application/json"),
            (String = "image/svg+xml"),
            (Vec<u8> = "image/png"),
            (String = "text/csv"),
        )),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dashboard or chart", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown format or a size out of range; the chart's own failure when an image is asked", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/charts/{chart_id}")]
pub async fn chart(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    cache: CacheHeader,
    render: web::Query<RenderParams>,
) -> ApiResult<HttpResponse> {
    let (id, chart_id) = path.into_inner();
    let id = path_id("dashboard", &id)?;
    let format = render.format()?;
    render.size()?;
    let (outcome, theme) = view::chart(&state, &caller, id, &chart_id, cache.0).await?;
    if format == Format::Json {
        return Ok(HttpResponse::Ok().json(ChartData::from(outcome)));
    }
    let answer = outcome.answer?;
    let c = &outcome.chart;
    respond(&state, &answer, &c.title, &c.chart_type, &theme, &render).await
}

/// The dashboard as a plain HTML page rendered on the server (no JavaScript): every chart as
/// inline SVG on its grid, in the dashboard's theme; a failing chart says why in its place.
#[utoipa::path(
    tag = "dashboards",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Dashboard id")),
    responses(
        (status = 200, description = "The page", content_type = "text/html", body = String),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dashboard", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/view")]
pub async fn view_page(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    cache: CacheHeader,
) -> ApiResult<HttpResponse> {
    let id = path_id("dashboard", &id)?;
    let html = view::page(&state, &caller, id, cache.0).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        ))
        .body(html))
}

/// Generates a dashboard for a data source (editors and admins) from its schema and a sample of
/// its data: KPI tiles, time series, breakdowns and top-N tables over the tables that look like
/// facts. A configured language model proposes first; its proposal is used only when every
/// table and column it names exists, and `generator` says which built it and why. Every chart
/// is run once before saving.
#[utoipa::path(
    tag = "dashboards",
    security(("bearer" = [])),
    request_body = GenerateIn,
    responses(
        (status = 201, description = "The saved dashboard with `generator` and `notes`", body = GeneratedOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot create dashboards", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation keeps as many dashboards as it may (5,000)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown source or table, or nothing to chart", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The source is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/generate")]
pub async fn generate(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<GenerateIn>,
) -> ApiResult<HttpResponse> {
    let g = generator::generate(&state, &caller, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(GeneratedOut::from(g)))
}
