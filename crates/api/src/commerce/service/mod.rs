//! The commerce area's use cases: transactions scored for fraud in the write path and settled
//! by review (`transactions`), the dashboard overview and the system alerts feed
//! (`dashboard`), customers (`customers`), behaviour, product, geographic and key-metric
//! analytics (`insights`) and the catalogue (`inventory`). SQL is in `tessera_store::commerce`,
//! statistics in `tessera_analytics::commerce`.

pub mod customers;
pub mod dashboard;
pub mod demo;
pub mod insights;
pub mod inventory;
pub mod ledgers;
pub mod transactions;

use tessera_analytics::commerce::fraud::AmountStats;
use tessera_analytics::commerce::ledger;
use tessera_domain::OrgId;
use tessera_store::commerce::customers as store_customers;
use tessera_store::StoreError;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Every customer's amounts of the organisation as one baseline (cached).
pub(crate) async fn baseline(state: &AppState, org: OrgId) -> ApiResult<AmountStats> {
    if let Some(b) = state.commerce.baselines.get(&org) {
        return Ok(b);
    }
    let stats = state
        .db(move |conn| {
            let (count, sum, squares) = store_customers::amount_totals(conn, org)?;
            Ok(ledger::from_sums(count, sum, squares))
        })
        .await?;
    state.commerce.baselines.insert(org, stats);
    Ok(stats)
}

/// A missing row of the organisation is a 404 naming `what`.
pub(crate) fn not_found(what: &'static str, id: i64) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound => ApiError::NotFound(format!("no {what} with id {id}")),
        other => other.into(),
    }
}
