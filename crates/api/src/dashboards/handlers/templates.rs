//! `/chart-templates`: reusable charts with placeholders for source, table and columns, the
//! built-in ones and each organisation's own, and instantiating one into a chart.

use actix_web::{delete, get, post, put, web, HttpResponse};
use tessera_domain::dashboards::AssetKind;

use crate::auth::Caller;
use crate::dashboards::dto::{AssetIn, AssetOut, AssetsOut, DashboardChart, InstantiateIn};
use crate::dashboards::service::assets;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// The built-in chart templates, then the organisation's own.
#[utoipa::path(
    tag = "dashboards",
    operation_id = "list_chart_template",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The chart templates", body = AssetsOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/chart-templates")]
pub async fn list_chart_template(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<AssetsOut>> {
    Ok(web::Json(
        assets::list(&state, &caller, AssetKind::ChartTemplate)
            .await?
            .into(),
    ))
}

/// Creates a chart template of the organisation (editors and admins); its definition is checked.
#[utoipa::path(
    tag = "dashboards",
    operation_id = "create_chart_template",
    security(("bearer" = [])),
    request_body = AssetIn,
    responses(
        (status = 201, description = "The chart template", body = AssetOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot create one", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has as many as allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/chart-templates")]
pub async fn create_chart_template(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<AssetIn>,
) -> ApiResult<HttpResponse> {
    let a = assets::create(
        &state,
        &caller,
        AssetKind::ChartTemplate,
        body.into_inner().into(),
    )
    .await?;
    Ok(HttpResponse::Created().json(AssetOut::from(a)))
}

/// One chart template: a built-in one by name, or the organisation's own by id.
#[utoipa::path(
    tag = "dashboards",
    operation_id = "get_chart_template",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "A built-in name or an id")),
    responses(
        (status = 200, description = "The chart template", body = AssetOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such chart template", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/chart-templates/{id}")]
pub async fn get_chart_template(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<AssetOut>> {
    Ok(web::Json(
        assets::get(&state, &caller, AssetKind::ChartTemplate, &id)
            .await?
            .into(),
    ))
}

/// Replaces one of the organisation's own (editors and admins); built-ins are read-only (403).
#[utoipa::path(
    tag = "dashboards",
    operation_id = "update_chart_template",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Its id")),
    request_body = AssetIn,
    responses(
        (status = 200, description = "The chart template", body = AssetOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer, or a built-in one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such chart template", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/chart-templates/{id}")]
pub async fn update_chart_template(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<AssetIn>,
) -> ApiResult<web::Json<AssetOut>> {
    let a = assets::update(
        &state,
        &caller,
        AssetKind::ChartTemplate,
        &id,
        body.into_inner().into(),
    )
    .await?;
    Ok(web::Json(a.into()))
}

/// Deletes one of the organisation's own (editors and admins); built-ins are read-only (403).
#[utoipa::path(
    tag = "dashboards",
    operation_id = "delete_chart_template",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Its id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer, or a built-in one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such chart template", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/chart-templates/{id}")]
pub async fn delete_chart_template(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    assets::delete(&state, &caller, AssetKind::ChartTemplate, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Instantiates a chart template: its placeholders filled with `values`, the chart checked and
/// run once (an unknown source, table or column is refused), answered ready to put on a
/// dashboard.
#[utoipa::path(
    tag = "dashboards",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "A built-in name or an id")),
    request_body = InstantiateIn,
    responses(
        (status = 200, description = "The chart", body = DashboardChart),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such chart template", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or unknown placeholder value, or values naming what does not exist", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/chart-templates/{id}/instantiate")]
pub async fn instantiate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<InstantiateIn>,
) -> ApiResult<web::Json<DashboardChart>> {
    let chart = assets::instantiate(&state, &caller, &id, body.into_inner().values).await?;
    Ok(web::Json(chart.into()))
}
