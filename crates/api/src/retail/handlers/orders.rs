//! `/orders/*`: the order list and its status cards, placing, editing and cancelling orders,
//! and the approve and fulfil moves of the state machine.

use actix_web::{get, patch, post, put, web, HttpResponse};
use serde::de::DeserializeOwned;
use tessera_domain::retail::OrderAction;
use tessera_store::retail::orders::Change;

use crate::auth::Caller;
use crate::common::path_id;
use crate::error::{ApiError, ApiResult, Problem};
use crate::retail::dto::{
    CancelIn, CancelledOut, ChartQuery, CreatedOut, DemandOut, DemandQuery, MoveIn, OrderEditIn,
    OrderIn, OrderOut, OrderPageOut, OrderQuery, RegionalOut, StatusShareOut, StatusSummaryOut,
    TimelineOut,
};
use crate::retail::service::{analytics, orders};
use crate::state::AppState;

/// An optional JSON body: empty is the default, anything else must parse.
fn optional_body<T: DeserializeOwned + Default>(body: &web::Bytes) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))
}

/// Orders matching the filters, newest first, one page (`{data, page, total_pages, total,
/// limit}`). Orders dated after today are never listed.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(OrderQuery),
    responses(
        (status = 200, description = "One page", body = OrderPageOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "page below 1, limit outside 1..100, an unknown status or a malformed date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<OrderQuery>,
) -> ApiResult<web::Json<OrderPageOut>> {
    let page = orders::list(&state, &caller, &q.filters(), q.page, q.limit).await?;
    Ok(web::Json(OrderPageOut::of(page, state.now())))
}

/// The four status cards (every status present, 0 when none), pending orders past the two-day
/// service level and cases in all, over the orders matching the filters (status ignored).
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(OrderQuery),
    responses(
        (status = 200, description = "The cards", body = StatusSummaryOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/status/summary")]
pub async fn summary(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<OrderQuery>,
) -> ApiResult<web::Json<StatusSummaryOut>> {
    let s = orders::summary(&state, &caller, &q.filters()).await?;
    Ok(web::Json(StatusSummaryOut::of(s, &q)))
}

/// Places a stock-transfer order (`pending_review`, dated now), by an editor or admin. Unlike
/// the original, the stores, product and staff it names must exist; stock is reserved when it
/// is approved.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    request_body = OrderIn,
    responses(
        (status = 201, description = "Placed", body = CreatedOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot place orders", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "quantity_cases outside 1..100000, the same store twice, an unknown store, product or staff member", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<OrderIn>,
) -> ApiResult<HttpResponse> {
    let v = orders::create(&state, &caller, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(CreatedOut {
        success: true,
        data: OrderOut::of(v, state.now()),
        message: "Order created successfully".into(),
    }))
}

/// One order.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = OrderOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn order(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<OrderOut>> {
    let v = orders::get(&state, &caller, path_id("order", &id)?).await?;
    Ok(web::Json(OrderOut::of(v, state.now())))
}

async fn apply(state: &AppState, caller: &Caller, id: &str, change: Change) -> ApiResult<OrderOut> {
    let v = orders::apply(state, caller, path_id("order", id)?, change).await?;
    Ok(OrderOut::of(v, state.now()))
}

/// Edits a `pending_review` or `approved` order's cases and notes (version + 1); an approved
/// order's reservation follows the new quantity, refused with 409 when the source has too
/// little available.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")),
    request_body = OrderEditIn,
    responses(
        (status = 200, description = "Edited", body = OrderOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot edit orders", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Fulfilled or cancelled, a stale version, or not enough stock for the new quantity", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "quantity_cases outside 1..100000 or notes too long", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{id}")]
pub async fn edit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<OrderEditIn>,
) -> ApiResult<web::Json<OrderOut>> {
    Ok(web::Json(apply(&state, &caller, &id, body.change()).await?))
}

/// Cancels a `pending_review` or `approved` order, releasing its reservation and appending
/// `Cancellation reason: …` to its notes.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")),
    request_body(content = CancelIn, description = "Optional"),
    responses(
        (status = 200, description = "Cancelled", body = CancelledOut),
        (status = 400, description = "A body that is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot cancel orders", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already fulfilled or cancelled, or a stale version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<web::Json<CancelledOut>> {
    let b: CancelIn = optional_body(&body)?;
    let change = Change {
        action: OrderAction::Cancel,
        version: b.version,
        quantity_cases: None,
        notes: Some(b.reason),
    };
    let cancelled = apply(&state, &caller, &id, change).await?;
    Ok(web::Json(CancelledOut {
        success: true,
        message: format!("Order {} has been cancelled", cancelled.order_id),
        data: cancelled,
    }))
}

fn moved(action: OrderAction, b: MoveIn) -> Change {
    Change {
        action,
        version: b.version,
        quantity_cases: None,
        notes: None,
    }
}

/// Approves a `pending_review` order, reserving its cases at the source store; by a regional
/// manager (a staff member linked to the caller's account) or an admin.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")),
    request_body(content = MoveIn, description = "Optional"),
    responses(
        (status = 200, description = "Approved", body = OrderOut),
        (status = 400, description = "A body that is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a regional manager nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending review, a stale version, or too little available at the source", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<web::Json<OrderOut>> {
    let change = moved(OrderAction::Approve, optional_body(&body)?);
    Ok(web::Json(apply(&state, &caller, &id, change).await?))
}

/// Fulfils an `approved` order: its cases leave the source's stock (and reservation) and join
/// the destination's, in the same database transaction as the status change.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")),
    request_body(content = MoveIn, description = "Optional"),
    responses(
        (status = 200, description = "Fulfilled", body = OrderOut),
        (status = 400, description = "A body that is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot fulfil orders", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved, or a stale version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{id}/fulfill")]
pub async fn fulfil(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<web::Json<OrderOut>> {
    let change = moved(OrderAction::Fulfil, optional_body(&body)?);
    Ok(web::Json(apply(&state, &caller, &id, change).await?))
}

/// Fulfilled orders per destination region and order day (newest first): mean hours from
/// order to fulfilment and how many.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(ChartQuery),
    responses(
        (status = 200, description = "Points", body = [TimelineOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed date or days outside 1..365", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/fulfillment-timeline")]
pub async fn fulfillment_timeline(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ChartQuery>,
) -> ApiResult<web::Json<Vec<TimelineOut>>> {
    let range = analytics::window(&state, q.date_from.as_deref(), q.date_to.as_deref(), q.days)?;
    let points = analytics::timeline(&state, &caller, range).await?;
    Ok(web::Json(points.into_iter().map(Into::into).collect()))
}

/// Orders per destination region by status with the fulfilment rate, best rate first.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(ChartQuery),
    responses(
        (status = 200, description = "Regions", body = [RegionalOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed date or days outside 1..365", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/regional-performance")]
pub async fn regional_performance(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ChartQuery>,
) -> ApiResult<web::Json<Vec<RegionalOut>>> {
    let range = analytics::window(&state, q.date_from.as_deref(), q.date_to.as_deref(), q.days)?;
    let rows = analytics::regional(&state, &caller, range).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

/// Orders per status with their share and value, most first.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(ChartQuery),
    responses(
        (status = 200, description = "Statuses", body = [StatusShareOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed date or days outside 1..365", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/status-distribution")]
pub async fn status_distribution(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ChartQuery>,
) -> ApiResult<web::Json<Vec<StatusShareOut>>> {
    let range = analytics::window(&state, q.date_from.as_deref(), q.date_to.as_deref(), q.days)?;
    let rows = analytics::distribution(&state, &caller, range).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

/// Orders a day over the last `days_back` days (zero-filled) and a forecast of the next
/// `days_forward`: a linear trend fitted with the weekday pattern taken out, times that pattern
/// (the original extrapolated the last week's mean with fixed weekday factors; BENCHMARKS.md
/// compares the two on a held-back week).
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(DemandQuery),
    responses(
        (status = 200, description = "History then forecast", body = [DemandOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "days_back outside 7..365 or days_forward outside 1..90", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/demand-forecast")]
pub async fn demand_forecast(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<DemandQuery>,
) -> ApiResult<web::Json<Vec<DemandOut>>> {
    let days = analytics::demand(&state, &caller, q.days_back, q.days_forward).await?;
    Ok(web::Json(days.into_iter().map(Into::into).collect()))
}
