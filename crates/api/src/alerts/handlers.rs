//! `/alerts/feed`: the organisation's system alerts.

use actix_web::{get, web};

use crate::alerts::dto::{FeedOut, FeedQuery};
use crate::alerts::service;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// The system alerts feed, newest first: open conditions (low stock in the shop or in the
/// stores, suspicious transactions), with `include_resolved` the ended ones too.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "Alerts", body = FeedOut),
        (status = 400, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feed")]
pub async fn feed(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<FeedQuery>,
) -> ApiResult<web::Json<FeedOut>> {
    let alerts = service::feed(
        &state,
        &caller,
        q.kind.as_deref(),
        q.include_resolved,
        q.limit,
    )
    .await?;
    Ok(web::Json(FeedOut {
        alerts: alerts.into_iter().map(Into::into).collect(),
    }))
}
