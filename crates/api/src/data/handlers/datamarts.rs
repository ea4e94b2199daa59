//! `/api/v1/datamarts/*`: saved virtual tables.

use actix_web::{delete, get, post, put, web, HttpResponse};

use crate::auth::Caller;
use crate::common::PageQuery;
use crate::data::dto::{CreateDatamartRequest, DatamartOut, DatamartPage, UpdateDatamartRequest};
use crate::data::service;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// Saves a read-only query over a source as a virtual table (editors and admins).
#[utoipa::path(
    tag = "datamarts",
    security(("bearer" = [])),
    request_body = CreateDatamartRequest,
    responses(
        (status = 201, description = "Saved", body = DatamartOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot save datamarts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name, or SQL that is not one read-only query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateDatamartRequest>,
) -> ApiResult<HttpResponse> {
    let dm = service::datamarts::create(&state, &caller, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(DatamartOut::from(dm)))
}

/// The organisation's datamarts.
#[utoipa::path(
    tag = "datamarts",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of datamarts", body = DatamartPage),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PageQuery>,
) -> ApiResult<web::Json<DatamartPage>> {
    Ok(web::Json(
        service::datamarts::list(&state, &caller, q.page, q.limit)
            .await?
            .into(),
    ))
}

/// One datamart.
#[utoipa::path(
    tag = "datamarts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Datamart id")),
    responses(
        (status = 200, description = "The datamart", body = DatamartOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such datamart", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<DatamartOut>> {
    Ok(web::Json(
        service::datamarts::get(&state, &caller, &id).await?.into(),
    ))
}

/// Changes a datamart's name, query or description.
#[utoipa::path(
    tag = "datamarts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Datamart id")),
    request_body = UpdateDatamartRequest,
    responses(
        (status = 200, description = "Updated", body = DatamartOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot change datamarts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such datamart", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name or SQL", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<UpdateDatamartRequest>,
) -> ApiResult<web::Json<DatamartOut>> {
    Ok(web::Json(
        service::datamarts::update(&state, &caller, &id, body.into_inner().into())
            .await?
            .into(),
    ))
}

/// Deletes a datamart.
#[utoipa::path(
    tag = "datamarts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Datamart id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot delete datamarts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such datamart", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    service::datamarts::delete(&state, &caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
