//! `/dashboard/overview` and `/alerts/system-status`.

use actix_web::{get, web};
use tessera_domain::commerce::OverviewWindow;

use crate::auth::Caller;
use crate::commerce::dto::{OverviewOut, OverviewQuery, SystemStatusOut};
use crate::commerce::service::dashboard;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// Sales, customers, transactions and alerts of a window ending at the latest transaction
/// (contract §4.1; every status counts, as in the original). The series is zero-filled: hourly
/// for 24h and 7d, daily for 30d and 90d. Fixed: times carry `Z` (the original sent naive
/// timestamps that browsers read as local time).
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    params(OverviewQuery),
    responses(
        (status = 200, description = "The overview", body = OverviewOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "time_range is not 24h, 7d, 30d or 90d", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dashboard/overview")]
pub async fn overview(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<OverviewQuery>,
) -> ApiResult<web::Json<OverviewOut>> {
    let window: OverviewWindow = q.time_range.as_deref().unwrap_or("24h").parse()?;
    Ok(web::Json(
        dashboard::overview(&state, &caller, window).await?.into(),
    ))
}

/// The open system alerts (contract §4.5): low stock (`alert_metadata.products`) and
/// suspicious transactions (`alert_metadata.transactions`: flagged ones awaiting review and
/// those of the last 24 hours at three times the mean amount). Fixed: a condition is one
/// alert, updated while it lasts and resolved when it ends; the original inserted a new row on
/// every poll (and its table was never created).
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The open alerts", body = SystemStatusOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/alerts/system-status")]
pub async fn system_status(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<SystemStatusOut>> {
    Ok(web::Json(
        dashboard::system_status(&state, &caller).await?.into(),
    ))
}
