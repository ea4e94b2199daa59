//! `/analytics/*`: customer behaviour, product performance, geography, key metrics.

use actix_web::{get, web};

use crate::auth::Caller;
use crate::commerce::dto::{
    BehaviourOut, DaysQuery, GeographyOut, KeyMetricOut, PerformanceQuery, ProductPerformanceOut,
};
use crate::commerce::service::insights;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// Customer behaviour of the last `days` (contract §7.1): the customers with a purchase in the
/// window (every status), segmented by average purchase value; retained are those with more
/// than one. The TechMart app labels these numbers with §7.2's wording; they mean §7.1, as in
/// the original.
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    params(DaysQuery),
    responses(
        (status = 200, description = "Behaviour", body = BehaviourOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "days outside 1..365", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customer/behavior")]
pub async fn customer_behaviour(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<DaysQuery>,
) -> ApiResult<web::Json<BehaviourOut>> {
    Ok(web::Json(
        insights::window_behaviour(&state, &caller, q.days)
            .await?
            .into(),
    ))
}

/// The ten best products by revenue and every category's sums over the last `days` (every
/// status).
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    params(PerformanceQuery),
    responses(
        (status = 200, description = "Product performance", body = ProductPerformanceOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "days outside 1..365 or an unknown category", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/product/performance")]
pub async fn product_performance(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PerformanceQuery>,
) -> ApiResult<web::Json<ProductPerformanceOut>> {
    let q = q.into_inner();
    Ok(web::Json(
        insights::product_performance(&state, &caller, q.days, q.category)
            .await?
            .into(),
    ))
}

/// Sales per customer region over the last `days`, with each region's five favourite products.
/// Fixed: customers have a region (the original's model had none and answered 500).
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    params(DaysQuery),
    responses(
        (status = 200, description = "Geographic analytics", body = GeographyOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "days outside 1..365", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/geographic")]
pub async fn geographic(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<DaysQuery>,
) -> ApiResult<web::Json<GeographyOut>> {
    Ok(web::Json(
        insights::geographic(&state, &caller, q.days).await?.into(),
    ))
}

/// Revenue, orders, average order value and the share of customers who bought, over the last
/// 30 days of completed transactions, each with its percent change against the 30 days before.
/// (The original had no such route.)
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cards", body = [KeyMetricOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/key-metrics")]
pub async fn key_metrics(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<Vec<KeyMetricOut>>> {
    let cards = insights::key_metrics(&state, &caller).await?;
    Ok(web::Json(cards.into_iter().map(Into::into).collect()))
}
