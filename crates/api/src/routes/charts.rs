//! `/api/v1/charts/*`: the general chart query (named metrics come with the catalogue).

use actix_web::{post, web};

use crate::auth::Caller;
use crate::dto::{ChartEnvelope, ChartQueryRequest};
use crate::error::{ApiResult, Problem};
use crate::services;
use crate::state::AppState;

/// Aggregates in the source (or over a datamart): measures by dimensions and time buckets,
/// filtered, sorted and limited; identical queries are served from a cache (`metadata.cached`).
#[utoipa::path(
    tag = "charts",
    security(("bearer" = [])),
    request_body = ChartQueryRequest,
    responses(
        (status = 200, description = "The envelope {success, data, metadata}", body = ChartEnvelope),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source or datamart", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown table, column, aggregation, granularity, period or operator; a value that does not fit its column", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The source is unreachable: the problem names it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/query")]
pub async fn query(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ChartQueryRequest>,
) -> ApiResult<web::Json<serde_json::Value>> {
    Ok(web::Json(
        services::charts::query(&state, &caller, &body, None).await?,
    ))
}
