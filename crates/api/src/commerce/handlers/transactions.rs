//! `/transactions/*`: the write path with fraud scoring, review, and the lists.

use actix_web::{get, patch, post, web, HttpResponse};

use crate::auth::Caller;
use crate::commerce::dto::{
    RecentQuery, RecentTransactionOut, ReviewIn, SuspiciousOut, SuspiciousQuery, TransactionIn,
    TransactionOut,
};
use crate::commerce::service::transactions;
use crate::common::path_id;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// Records a transaction scored by the fraud rules (`[commerce.fraud]`): velocity in the window
/// ending at the transaction's own time, the amount's z-score against the customer's earlier
/// amounts (every customer's when they have fewer than `min_history`), a new payment method and
/// an hour the customer never bought at, weighted into a risk score. Below the suspicious
/// threshold it is `completed` and counts toward the customer's total at once; at or above, it
/// is `flagged`, raises the suspicious-transaction alert and counts once reviewed. Stock,
/// totals, running statistics and the customer's risk move in the same database transaction.
/// Fixed against the original: the z-score compares amounts (not unit prices), the velocity
/// window ends at the transaction's time (not the server clock), the customer's risk score is
/// computed, the fraud check is stored and complete, times carry `Z`, and a posted transaction
/// can be completed.
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    request_body = TransactionIn,
    responses(
        (status = 201, description = "Recorded, with its fraud check", body = TransactionOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot record transactions", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown customer or product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not enough stock", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "quantity outside 1..1000, price outside 0.01..1,000,000, unknown payment method, a timestamp in the future or more than ten years back", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<TransactionIn>,
) -> ApiResult<HttpResponse> {
    let t = transactions::post(&state, &caller, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(TransactionOut::from(t)))
}

/// Settles a flagged transaction as `completed` (it joins the customer's total) or `refunded`
/// (its units return to stock), by an editor or admin.
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Transaction id")),
    request_body = ReviewIn,
    responses(
        (status = 200, description = "Settled", body = TransactionOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such transaction", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The transaction is not flagged", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "status is not completed or refunded", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{id}")]
pub async fn review(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<ReviewIn>,
) -> ApiResult<web::Json<TransactionOut>> {
    let id = path_id("transaction", &id)?;
    let t = transactions::review(&state, &caller, id, &body.status).await?;
    Ok(web::Json(t.into()))
}

/// The newest transactions with their buyers' emails and complete fraud checks.
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    params(RecentQuery),
    responses(
        (status = 200, description = "Newest first", body = [RecentTransactionOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit outside 1..50", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/recent")]
pub async fn recent(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<RecentQuery>,
) -> ApiResult<web::Json<Vec<RecentTransactionOut>>> {
    let rows = transactions::recent(&state, &caller, q.limit).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

/// Transactions of the last `hours` before the latest one whose amount is at least three
/// times the mean amount of all transactions (contract §6.2), at most 500.
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    params(SuspiciousQuery),
    responses(
        (status = 200, description = "Newest first", body = [SuspiciousOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "hours outside 1..168", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/suspicious")]
pub async fn suspicious(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<SuspiciousQuery>,
) -> ApiResult<web::Json<Vec<SuspiciousOut>>> {
    let rows = transactions::suspicious(&state, &caller, q.hours).await?;
    Ok(web::Json(rows.iter().map(Into::into).collect()))
}

/// One transaction with its stored fraud check.
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Transaction id")),
    responses(
        (status = 200, description = "The transaction", body = TransactionOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such transaction", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn transaction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<TransactionOut>> {
    let id = path_id("transaction", &id)?;
    Ok(web::Json(
        transactions::get(&state, &caller, id).await?.into(),
    ))
}
