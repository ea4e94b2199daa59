//! `/api/v1/data-sources/*`: register, list, change and delete sources; test, tables, schema.

use actix_web::{delete, get, post, put, web, HttpResponse};

use crate::auth::Caller;
use crate::common::PageQuery;
use crate::data::dto::{
    CreateSourceRequest, SchemaOut, SourceOut, SourcePage, TableOut, TablesOut, TestResultOut,
    TestSourceRequest, UpdateSourceRequest,
};
use crate::data::service;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// Registers a source (editors and admins). Credentials are stored encrypted and never returned.
#[utoipa::path(
    tag = "data-sources",
    security(("bearer" = [])),
    request_body = CreateSourceRequest,
    responses(
        (status = 201, description = "Registered", body = SourceOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot register sources", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid kind, URL, path or host", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateSourceRequest>,
) -> ApiResult<HttpResponse> {
    let source = service::sources::create(&state, &caller, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(SourceOut::from(source)))
}

/// The organisation's sources, by name.
#[utoipa::path(
    tag = "data-sources",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of sources", body = SourcePage),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PageQuery>,
) -> ApiResult<web::Json<SourcePage>> {
    Ok(web::Json(
        service::sources::list(&state, &caller, q.page, q.limit)
            .await?
            .into(),
    ))
}

/// Tests a saved source (`source_id`) or an unsaved connection: reachability, version, latency.
#[utoipa::path(
    tag = "data-sources",
    security(("bearer" = [])),
    request_body = TestSourceRequest,
    responses(
        (status = 200, description = "Reachable", body = TestResultOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid connection", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Unreachable: the problem names the source and the reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/test")]
pub async fn test(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<TestSourceRequest>,
) -> ApiResult<web::Json<TestResultOut>> {
    Ok(web::Json(
        service::sources::test(&state, &caller, body.into_inner().into())
            .await?
            .into(),
    ))
}

/// One source.
#[utoipa::path(
    tag = "data-sources",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Source id")),
    responses(
        (status = 200, description = "The source", body = SourceOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source in the organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<SourceOut>> {
    Ok(web::Json(
        service::sources::get(&state, &caller, &id).await?.into(),
    ))
}

/// Renames a source or changes its connection (cached charts and schema are dropped).
#[utoipa::path(
    tag = "data-sources",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Source id")),
    request_body = UpdateSourceRequest,
    responses(
        (status = 200, description = "Updated", body = SourceOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot change sources", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<UpdateSourceRequest>,
) -> ApiResult<web::Json<SourceOut>> {
    Ok(web::Json(
        service::sources::update(&state, &caller, &id, body.into_inner().into())
            .await?
            .into(),
    ))
}

/// Deletes a source and its datamarts.
#[utoipa::path(
    tag = "data-sources",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Source id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot delete sources", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    service::sources::delete(&state, &caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The source's tables and views.
#[utoipa::path(
    tag = "data-sources",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Source id")),
    responses(
        (status = 200, description = "Tables and views", body = TablesOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Source unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/tables")]
pub async fn tables(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<TablesOut>> {
    let (_, found) =
        service::sources::schema(&state, &caller, service::sources::source_id(&id)?).await?;
    let items: Vec<TableOut> = found
        .tables
        .iter()
        .map(|t| TableOut {
            schema: t.schema.clone(),
            name: t.name.clone(),
            kind: t.kind.clone(),
            row_estimate: t.row_estimate,
        })
        .collect();
    Ok(web::Json(TablesOut {
        total: items.len(),
        items,
    }))
}

/// The source's schema: columns, types, nullability, primary and foreign keys, row estimates.
#[utoipa::path(
    tag = "data-sources",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Source id")),
    responses(
        (status = 200, description = "The schema", body = SchemaOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Source unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/schema")]
pub async fn schema(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<SchemaOut>> {
    let (_, found) =
        service::sources::schema(&state, &caller, service::sources::source_id(&id)?).await?;
    Ok(web::Json(SchemaOut::from(found.as_ref())))
}
