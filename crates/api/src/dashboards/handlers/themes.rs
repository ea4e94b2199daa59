//! `/custom-themes` and `/layout-templates`: the built-in ones everyone reads, and each
//! organisation's own.

use actix_web::{delete, get, post, put, web, HttpResponse};
use tessera_domain::dashboards::AssetKind;

use crate::auth::Caller;
use crate::dashboards::dto::{AssetIn, AssetOut, AssetsOut};
use crate::dashboards::service::assets;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// The built-in themes, then the organisation's own.
#[utoipa::path(
    tag = "dashboards",
    operation_id = "list_theme",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The themes", body = AssetsOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/custom-themes")]
pub async fn list_theme(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<AssetsOut>> {
    Ok(web::Json(
        assets::list(&state, &caller, AssetKind::Theme)
            .await?
            .into(),
    ))
}

/// Creates a theme of the organisation (editors and admins); its definition is checked.
#[utoipa::path(
    tag = "dashboards",
    operation_id = "create_theme",
    security(("bearer" = [])),
    request_body = AssetIn,
    responses(
        (status = 201, description = "The theme", body = AssetOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot create one", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has as many as allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/custom-themes")]
pub async fn create_theme(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<AssetIn>,
) -> ApiResult<HttpResponse> {
    let a = assets::create(&state, &caller, AssetKind::Theme, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(AssetOut::from(a)))
}

/// One theme: a built-in one by name, or the organisation's own by id.
#[utoipa::path(
    tag = "dashboards",
    operation_id = "get_theme",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "A built-in name or an id")),
    responses(
        (status = 200, description = "The theme", body = AssetOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such theme", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/custom-themes/{id}")]
pub async fn get_theme(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<AssetOut>> {
    Ok(web::Json(
        assets::get(&state, &caller, AssetKind::Theme, &id)
            .await?
            .into(),
    ))
}

/// Replaces one of the organisation's own (editors and admins); built-ins are read-only (403).
#[utoipa::path(
    tag = "dashboards",
    operation_id = "update_theme",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Its id")),
    request_body = AssetIn,
    responses(
        (status = 200, description = "The theme", body = AssetOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer, or a built-in one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such theme", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/custom-themes/{id}")]
pub async fn update_theme(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<AssetIn>,
) -> ApiResult<web::Json<AssetOut>> {
    let a = assets::update(
        &state,
        &caller,
        AssetKind::Theme,
        &id,
        body.into_inner().into(),
    )
    .await?;
    Ok(web::Json(a.into()))
}

/// Deletes one of the organisation's own (editors and admins); built-ins are read-only (403).
#[utoipa::path(
    tag = "dashboards",
    operation_id = "delete_theme",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Its id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer, or a built-in one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such theme", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/custom-themes/{id}")]
pub async fn delete_theme(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    assets::delete(&state, &caller, AssetKind::Theme, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The built-in layout templates, then the organisation's own.
#[utoipa::path(
    tag = "dashboards",
    operation_id = "list_layout_template",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The layout templates", body = AssetsOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/layout-templates")]
pub async fn list_layout_template(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<AssetsOut>> {
    Ok(web::Json(
        assets::list(&state, &caller, AssetKind::LayoutTemplate)
            .await?
            .into(),
    ))
}

/// Creates a layout template of the organisation (editors and admins); its definition is checked.
#[utoipa::path(
    tag = "dashboards",
    operation_id = "create_layout_template",
    security(("bearer" = [])),
    request_body = AssetIn,
    responses(
        (status = 201, description = "The layout template", body = AssetOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot create one", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has as many as allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/layout-templates")]
pub async fn create_layout_template(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<AssetIn>,
) -> ApiResult<HttpResponse> {
    let a = assets::create(
        &state,
        &caller,
        AssetKind::LayoutTemplate,
        body.into_inner().into(),
    )
    .await?;
    Ok(HttpResponse::Created().json(AssetOut::from(a)))
}

/// One layout template: a built-in one by name, or the organisation's own by id.
#[utoipa::path(
    tag = "dashboards",
    operation_id = "get_layout_template",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "A built-in name or an id")),
    responses(
        (status = 200, description = "The layout template", body = AssetOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such layout template", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/layout-templates/{id}")]
pub async fn get_layout_template(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<AssetOut>> {
    Ok(web::Json(
        assets::get(&state, &caller, AssetKind::LayoutTemplate, &id)
            .await?
            .into(),
    ))
}

/// Replaces one of the organisation's own (editors and admins); built-ins are read-only (403).
#[utoipa::path(
    tag = "dashboards",
    operation_id = "update_layout_template",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Its id")),
    request_body = AssetIn,
    responses(
        (status = 200, description = "The layout template", body = AssetOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer, or a built-in one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such layout template", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/layout-templates/{id}")]
pub async fn update_layout_template(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<AssetIn>,
) -> ApiResult<web::Json<AssetOut>> {
    let a = assets::update(
        &state,
        &caller,
        AssetKind::LayoutTemplate,
        &id,
        body.into_inner().into(),
    )
    .await?;
    Ok(web::Json(a.into()))
}

/// Deletes one of the organisation's own (editors and admins); built-ins are read-only (403).
#[utoipa::path(
    tag = "dashboards",
    operation_id = "delete_layout_template",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Its id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer, or a built-in one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such layout template", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/layout-templates/{id}")]
pub async fn delete_layout_template(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    assets::delete(&state, &caller, AssetKind::LayoutTemplate, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
