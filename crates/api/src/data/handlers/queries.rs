//! `/api/v1/queries/*`: SQL lab.

use actix_web::{post, web, HttpResponse};
use futures_util::stream;

use crate::auth::Caller;
use crate::data::dto::{
    FormatQuery, QueryResultOut, RunQueryRequest, ValidateOut, ValidateQueryRequest,
};
use crate::data::service;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// Runs one read-only statement in a read-only transaction with a timeout; pages of rows, or CSV.
#[utoipa::path(
    tag = "queries",
    security(("bearer" = [])),
    params(FormatQuery),
    request_body = RunQueryRequest,
    responses(
        (status = 200, description = "A page of the result (JSON), or the page as CSV with format=csv", body = QueryResultOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a single read-only statement (with line and column of a syntax error), refused by the database, or timed out", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Source unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/run")]
pub async fn run(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<FormatQuery>,
    body: web::Json<RunQueryRequest>,
) -> ApiResult<HttpResponse> {
    let format = q
        .format
        .clone()
        .or_else(|| body.format.clone())
        .unwrap_or_else(|| "json".into());
    if format != "json" && format != "csv" {
        return Err(ApiError::field("format", "must be json or csv"));
    }
    let page = service::queries::run(&state, &caller, &body.into_inner().into()).await?;
    if format == "csv" {
        let chunks = service::queries::to_csv_chunks(&page)?;
        let body = stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<_, actix_web::Error>(web::Bytes::from(c))),
        );
        let mut res = HttpResponse::Ok();
        res.content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", "attachment; filename=\"query.csv\""))
            .insert_header(("X-Has-More", page.has_more.to_string()))
            .insert_header(("X-Cells-Truncated", page.rows.cells_truncated.to_string()));
        if let Some(t) = page.rows.truncated {
            res.insert_header(("X-Truncated", t.as_str()));
        }
        return Ok(res.streaming(body));
    }
    Ok(HttpResponse::Ok().json(crate::data::dto::query_result(page)?))
}

/// Parses a statement in the source's dialect; only one read statement passes.
#[utoipa::path(
    tag = "queries",
    security(("bearer" = [])),
    request_body = ValidateQueryRequest,
    responses(
        (status = 200, description = "A single read-only statement", body = ValidateOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: syntax error (with line and column), a write, DDL or several statements", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/validate")]
pub async fn validate(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ValidateQueryRequest>,
) -> ApiResult<web::Json<ValidateOut>> {
    Ok(web::Json(
        service::queries::validate(&state, &caller, &body.into_inner().into())
            .await?
            .into(),
    ))
}
