//! `/extracts`: columnar extracts (list, create, get, replace, delete), refreshing one now, and
//! the suggested tables. Handlers only translate: extracts live in the chart engine's crate.

use actix_web::{delete, get, post, put, web, HttpResponse};
use tessera_domain::PageRequest;

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extracts::dto::{
    ExtractIn, ExtractOut, ExtractsOut, ExtractsQuery, RefreshQueuedOut, SuggestionsOut,
};
use crate::state::AppState;

/// The organisation's extracts, by name (editors and admins).
#[utoipa::path(
    tag = "extracts",
    security(("bearer" = [])),
    params(ExtractsQuery),
    responses(
        (status = 200, description = "One page of extracts", body = ExtractsOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot see extracts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "A malformed source id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A page outside its range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ExtractsQuery>,
) -> ApiResult<web::Json<ExtractsOut>> {
    let page = PageRequest::new(q.page, q.limit)?;
    let extracts = state
        .extracts
        .list(&caller.viewer(), q.source_id.as_deref(), page)
        .await?;
    Ok(web::Json(extracts.into()))
}

/// Creates an extract of a source's table or datamart and queues its first refresh (editors and
/// admins). Every name is checked against the source's schema before anything is saved.
#[utoipa::path(
    tag = "extracts",
    security(("bearer" = [])),
    request_body = ExtractIn,
    responses(
        (status = 201, description = "The extract, its first refresh queued", body = ExtractOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot create extracts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source or datamart", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken, or the organisation is at its number of extracts or its disk quota", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named: table, columns, filters, schedule, incremental column, staleness", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The source is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ExtractIn>,
) -> ApiResult<HttpResponse> {
    caller.require_editor("extracts")?;
    let x = state
        .extracts
        .create(&caller.viewer(), &body.into_inner().into())
        .await?;
    Ok(HttpResponse::Created().json(ExtractOut::from(x)))
}

/// The tables whose uncached charts the database answered slowest in the last day (from the
/// engine's own timings in this process), with the time an extract would likely have saved.
#[utoipa::path(
    tag = "extracts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The suggested tables, the largest saving first", body = SuggestionsOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot see extracts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/suggestions")]
pub async fn suggestions(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<SuggestionsOut>> {
    let items = state.extracts.suggestions(&caller.viewer()).await?;
    Ok(web::Json(SuggestionsOut {
        window_hours: tessera_charts::extracts::timings::HOURS,
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// One extract with its latest refreshes.
#[utoipa::path(
    tag = "extracts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Extract id")),
    responses(
        (status = 200, description = "The extract", body = ExtractOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot see extracts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such extract", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<ExtractOut>> {
    Ok(web::Json(
        state.extracts.get(&caller.viewer(), &id).await?.into(),
    ))
}

/// Replaces an extract's definition (editors and admins). A change to what the copy holds
/// (source, table, columns, filters, incremental column) drops the copy and queues a refresh.
#[utoipa::path(
    tag = "extracts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Extract id")),
    request_body = ExtractIn,
    responses(
        (status = 200, description = "The extract", body = ExtractOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot change extracts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such extract, source or datamart", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The source is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<ExtractIn>,
) -> ApiResult<web::Json<ExtractOut>> {
    caller.require_editor("extracts")?;
    let x = state
        .extracts
        .update(&caller.viewer(), &id, &body.into_inner().into())
        .await?;
    Ok(web::Json(x.into()))
}

/// Deletes an extract with its files (editors and admins).
#[utoipa::path(
    tag = "extracts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Extract id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot delete extracts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such extract", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require_editor("extracts")?;
    state.extracts.delete(&caller.viewer(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Refreshes an extract now (editors and admins): queues a refresh job, or answers the one
/// already queued or running. Its progress is on `GET /extracts/{id}` (`job`).
#[utoipa::path(
    tag = "extracts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Extract id")),
    responses(
        (status = 202, description = "The refresh job", body = RefreshQueuedOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot refresh extracts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such extract", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation's extracts fill their disk quota", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require_editor("extracts")?;
    let job = state.extracts.refresh(&caller.viewer(), &id).await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/v1/extracts/{}", id.as_str())))
        .json(RefreshQueuedOut {
            extract_id: id.into_inner(),
            job: job.into(),
        }))
}
