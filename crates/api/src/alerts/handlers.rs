//! `/alerts/feed`: the organisation's system alerts, and resolving one by hand.

use actix_web::{get, post, web};

use crate::alerts::dto::{AlertOut, FeedOut, FeedQuery};
use crate::alerts::service::{self, FeedAsk};
use crate::auth::Caller;
use crate::common::path_id;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// The system alerts feed, newest first: open conditions (low stock in the shop or in the
/// stores, suspicious transactions), or the resolved ones, or all; by kind and severity.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "One page of alerts", body = FeedOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown type, severity or state, or a page outside its range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feed")]
pub async fn feed(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<FeedQuery>,
) -> ApiResult<web::Json<FeedOut>> {
    let ask = FeedAsk {
        kind: q.kind.as_deref(),
        severity: q.severity.as_deref(),
        state: q.state.as_deref(),
        page: q.page,
        limit: q.limit,
    };
    Ok(web::Json(service::feed(&state, &caller, ask).await?.into()))
}

/// Resolves an alert by hand (editors and admins): it leaves the open feed; a condition that
/// still holds is raised again, as a new alert, by its next check.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Alert id")),
    responses(
        (status = 200, description = "The alert, resolved", body = AlertOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot resolve alerts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such alert", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/feed/{id}/resolve")]
pub async fn resolve(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<AlertOut>> {
    let id = path_id("alert", &id)?;
    Ok(web::Json(
        service::resolve(&state, &caller, id).await?.into(),
    ))
}
