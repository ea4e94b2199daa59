//! `/customers/*`: the paged list, one customer, lifetime behaviour.

use actix_web::{get, web};

use crate::auth::Caller;
use crate::commerce::dto::{
    BehaviourOut, CustomerDetailOut, CustomerPage, CustomerQuery, SegmentationOut,
};
use crate::commerce::service::{customers, insights};
use crate::common::path_id;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// The organisation's customers by id, optionally whose email contains `search`; a page past
/// the end answers 200 with no items. Fixed: answered at `/customers` directly (the original
/// redirected to `/customers/` with an absolute URL built from the Host header).
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    params(CustomerQuery),
    responses(
        (status = 200, description = "A page of customers", body = CustomerPage),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "page below 1, page_size outside 1..100, search longer than 200", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<CustomerQuery>,
) -> ApiResult<web::Json<CustomerPage>> {
    let q = q.into_inner();
    let page = customers::list(&state, &caller, q.page, q.page_size.or(q.limit), q.search).await?;
    Ok(web::Json(page.into()))
}

/// Customer behaviour of all time (contract §7.2): completed purchases, segments by total
/// spent, every registered customer; retained are those with a completed purchase in the last
/// 30 days.
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Behaviour", body = BehaviourOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/behavior")]
pub async fn behaviour(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<BehaviourOut>> {
    Ok(web::Json(
        insights::lifetime_behaviour(&state, &caller).await?.into(),
    ))
}

/// RFM segments of the customers with a completed purchase (recency, frequency and monetary
/// quintiles: champions, loyal, new, at_risk, lost, needs_attention) and the retention of the
/// latest twelve monthly cohorts by first purchase.
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Segments and cohorts", body = SegmentationOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/segments")]
pub async fn segments(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<SegmentationOut>> {
    Ok(web::Json(
        insights::segmentation(&state, &caller).await?.into(),
    ))
}

/// One customer with their five latest completed transactions.
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The customer", body = CustomerDetailOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn customer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<CustomerDetailOut>> {
    let id = path_id("customer", &id)?;
    Ok(web::Json(customers::get(&state, &caller, id).await?.into()))
}
