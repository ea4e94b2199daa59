//! `POST /insights`: insights about a chart query, a dashboard's chart or a dataset's column.

use actix_web::{post, web};

use crate::auth::Caller;
use crate::dashboards::dto::{InsightOut, InsightsIn, InsightsOut};
use crate::dashboards::service::insights as service;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// Insights a person can read: summary statistics; a trend (least-squares slope with its
/// p-value, confirmed by Mann-Kendall); anomalies (robust z-scores, by weekday for daily
/// series with a weekly pattern); top and bottom performers with their shares; the change
/// against the previous period and what drove it.
#[utoipa::path(
    tag = "insights",
    security(("bearer" = [])),
    request_body = InsightsIn,
    responses(
        (status = 200, description = "The insights", body = InsightsOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dashboard, chart, source or dataset", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not exactly one kind of subject; a query or column that does not fit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/insights")]
pub async fn insights(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<InsightsIn>,
) -> ApiResult<web::Json<InsightsOut>> {
    let found = service::insights(&state, &caller, body.into_inner().try_into()?).await?;
    Ok(web::Json(InsightsOut {
        insights: found.into_iter().map(InsightOut::from).collect(),
    }))
}
