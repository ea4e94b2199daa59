//! `/api/v1/datasets/*`: uploaded files stored as Parquet.

use actix_multipart::Multipart;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};

use crate::auth::Caller;
use crate::data::dto::{
    DatasetListQuery, DatasetOut, DatasetPage, PreviewOut, PreviewQuery, UpdateDatasetRequest,
    UploadForm,
};
use crate::data::service;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// Uploads a CSV, Excel, JSON, NDJSON or Parquet file (editors and admins). The body is
/// streamed to disk and refused past `MAX_FILE_SIZE`; the format is read from the content.
#[utoipa::path(
    tag = "datasets",
    security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = DatasetOut),
        (status = 400, description = "A malformed multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot upload", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than MAX_FILE_SIZE, or holding (or unpacking to) more than the datasets caps: rows, columns, sheet cells, inflated bytes, the memory budget", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart, or content that is not a supported format (or not the one its name claims)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty, header only, ragged rows, not UTF-8, unreadable, JSON nested too deep; or invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Other large uploads hold the memory budget; retry", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/upload")]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let d = service::datasets::upload(&state, &caller, payload, declared).await?;
    Ok(HttpResponse::Created().json(DatasetOut::from(d)))
}

/// The organisation's datasets and public ones, newest first.
#[utoipa::path(
    tag = "datasets",
    security(("bearer" = [])),
    params(DatasetListQuery),
    responses(
        (status = 200, description = "A page of datasets", body = DatasetPage),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<DatasetListQuery>,
) -> ApiResult<web::Json<DatasetPage>> {
    let q = q.into_inner();
    Ok(web::Json(
        DatasetPage::from(
            service::datasets::list(&state, &caller, q.search, q.page, q.limit).await?,
        )
        .seen_by(caller.org_id),
    ))
}

/// One dataset: schema with types, row and column counts, file size, times.
#[utoipa::path(
    tag = "datasets",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Dataset id")),
    responses(
        (status = 200, description = "The dataset", body = DatasetOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<DatasetOut>> {
    Ok(web::Json(
        DatasetOut::from(service::datasets::get(&state, &caller, &id).await?)
            .seen_by(caller.org_id),
    ))
}

/// A page of a dataset's rows, in file order.
#[utoipa::path(
    tag = "datasets",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Dataset id"), PreviewQuery),
    responses(
        (status = 200, description = "Rows", body = PreviewOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/preview")]
pub async fn preview(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: web::Query<PreviewQuery>,
) -> ApiResult<web::Json<PreviewOut>> {
    let (d, rows, page, limit) =
        service::datasets::preview(&state, &caller, &id, q.page, q.limit).await?;
    let out = DatasetOut::from(d);
    Ok(web::Json(PreviewOut {
        dataset_id: out.id,
        columns: out.columns,
        rows,
        page,
        limit,
        total: out.row_count,
    }))
}

/// Changes a dataset's name, description or visibility.
#[utoipa::path(
    tag = "datasets",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Dataset id")),
    request_body = UpdateDatasetRequest,
    responses(
        (status = 200, description = "Updated", body = DatasetOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers, or another organisation's public dataset", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<UpdateDatasetRequest>,
) -> ApiResult<web::Json<DatasetOut>> {
    Ok(web::Json(
        service::datasets::update(&state, &caller, &id, body.into_inner().into())
            .await?
            .into(),
    ))
}

/// Deletes a dataset with its file and its reports; 409 while one of its reports is computing.
#[utoipa::path(
    tag = "datasets",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Dataset id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers, or another organisation's public dataset", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A report of it is being computed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    service::datasets::delete(&state, &caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
