//! Transactions: a post is validated, scored by the fraud rules and recorded with its stock,
//! totals, running statistics and risk in one database transaction; a flagged one raises the
//! suspicious-transaction alert and waits for review, which settles it the same way.

use chrono::{DateTime, Duration, Utc};
use tessera_analytics::commerce::fraud::{self, Candidate, FraudCheck};
use tessera_analytics::commerce::ledger::{self, Entry};
use tessera_domain::commerce::{Transaction, TransactionDraft, TransactionStatus};
use tessera_store::commerce::transactions::{self as store, Refusal, Verdict};

use super::baseline;
use super::dashboard::{self, three_times_mean};
use crate::auth::Caller;
use crate::common::not_found;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A transaction as posted.
#[derive(Debug, Clone)]
pub struct NewTransaction {
    /// The buyer.
    pub customer_id: i64,
    /// What is bought.
    pub product_id: i64,
    /// How many, 1..=1000.
    pub quantity: i64,
    /// The unit price (the product's when absent).
    pub price: Option<f64>,
    /// How it is paid.
    pub payment_method: String,
    /// When it happened (now when absent; at most five minutes ahead of the server).
    pub timestamp: Option<DateTime<Utc>>,
}

/// Oldest a posted timestamp may be (ten years): older ones are imports, not sales, and every
/// engine stores and compares times after 1970 alike.
const MAX_AGE_DAYS: i64 = 3650;
/// Latest a posted timestamp may be ahead of the server's clock.
const MAX_CLOCK_SKEW_MINUTES: i64 = 5;

/// A transaction with its fraud check, parsed from what was stored.
pub fn check_of(t: &Transaction) -> Option<FraudCheck> {
    t.fraud_check_json
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
}

fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::UnknownCustomer(_)
        | Refusal::UnknownProduct(_)
        | Refusal::UnknownTransaction(_) => ApiError::NotFound(r.to_string()),
        Refusal::OutOfStock { .. } | Refusal::NotReviewable { .. } => {
            ApiError::Conflict(r.to_string())
        }
    }
}

/// Validates, scores and records a transaction (editors and admins).
pub async fn post(
    state: &AppState,
    caller: &Caller,
    req: NewTransaction,
) -> ApiResult<Transaction> {
    caller.require_editor("transactions")?;
    let now = state.now();
    let at = match req.timestamp {
        Some(t) if t.naive_utc() > now + Duration::minutes(MAX_CLOCK_SKEW_MINUTES) => {
            return Err(ApiError::field("timestamp", "must not be in the future"));
        }
        Some(t) if t.naive_utc() < now - Duration::days(MAX_AGE_DAYS) => {
            return Err(ApiError::field(
                "timestamp",
                format!("must not be more than {MAX_AGE_DAYS} days in the past"),
            ));
        }
        Some(t) => tessera_store::stored(t),
        None => now,
    };
    let draft = TransactionDraft::parse(
        req.customer_id,
        req.product_id,
        req.quantity,
        req.price,
        &req.payment_method,
        Some(at),
    )?;
    let org = caller.org_id;
    let global = baseline(state, org).await?;
    let rules = state.commerce.settings.fraud.clone();
    let window = Duration::minutes(rules.velocity_window_minutes);
    let posted = state
        .db(move |conn| {
            let posted = store::post(conn, org, &draft, at, window, |ctx| {
                let history = ledger::history(ctx.ledger, ctx.in_window);
                let candidate = Candidate {
                    amount: ctx.amount_cents as f64 / 100.0,
                    payment_method: draft.payment_method.as_str().to_owned(),
                    at: ctx.at.and_utc(),
                };
                let verdict = fraud::score(&rules, &history, &global, &candidate);
                let status = if verdict.is_suspicious {
                    TransactionStatus::Flagged
                } else {
                    TransactionStatus::Completed
                };
                let mut after = ctx.ledger.clone();
                ledger::apply(
                    &rules,
                    &mut after,
                    &Entry {
                        amount_cents: ctx.amount_cents,
                        payment_method: draft.payment_method,
                        at: ctx.at,
                        status,
                        risk_score: Some(verdict.risk_score),
                    },
                );
                let json = serde_json::to_string(&verdict).unwrap_or_default();
                Verdict {
                    status,
                    risk_score: verdict.risk_score,
                    fraud_check_json: json,
                    ledger: after,
                }
            })?;
            Ok(posted)
        })
        .await?;
    let transaction = posted.map_err(refusal)?;
    // the first flagged post of a second raises (or updates) the alert at once; later ones in
    // that second are folded into the next refresh (a post after it, or the status poll)
    let refreshed = &state.commerce.alert_refreshed;
    if transaction.status == TransactionStatus::Flagged && !refreshed.contains_key(&org) {
        refreshed.insert(org, ());
        dashboard::refresh_suspicious_alert(state, org).await?;
    }
    Ok(transaction)
}

/// Settles a flagged transaction as `completed` or `refunded` (editors and admins).
pub async fn review(
    state: &AppState,
    caller: &Caller,
    id: i64,
    status: &str,
) -> ApiResult<Transaction> {
    caller.require_editor("transactions")?;
    let to: TransactionStatus = status.parse()?;
    if !TransactionStatus::Flagged.can_review_to(to) {
        return Err(ApiError::field(
            "status",
            "a review settles a flagged transaction as completed or refunded",
        ));
    }
    let (org, at) = (caller.org_id, state.now());
    let reviewed = state
        .db(move |conn| Ok(store::review(conn, org, id, to, at)?))
        .await?
        .map_err(refusal)?;
    dashboard::refresh_suspicious_alert(state, org).await?;
    Ok(reviewed)
}

/// The organisation's transaction `id`.
pub async fn get(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Transaction> {
    let org = caller.org_id;
    state
        .db(move |conn| store::find(conn, org, id).map_err(not_found("transaction", id)))
        .await
}

/// The organisation's newest transactions with their customers' emails.
pub async fn recent(
    state: &AppState,
    caller: &Caller,
    limit: Option<i64>,
) -> ApiResult<Vec<(Transaction, String)>> {
    let limit = limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 50"));
    }
    let org = caller.org_id;
    state
        .db(move |conn| Ok(store::recent(conn, org, limit)?))
        .await
}

/// Transactions of the last `hours` before the latest one at three times the mean amount.
pub async fn suspicious(
    state: &AppState,
    caller: &Caller,
    hours: Option<i64>,
) -> ApiResult<Vec<Transaction>> {
    let hours = hours.unwrap_or(24);
    if !(1..=168).contains(&hours) {
        return Err(ApiError::field("hours", "must be between 1 and 168"));
    }
    let org = caller.org_id;
    state
        .db(move |conn| {
            let Some(latest) = store::latest(conn, org)? else {
                return Ok(Vec::new());
            };
            three_times_mean(conn, org, Some(latest - Duration::hours(hours)))
        })
        .await
}
