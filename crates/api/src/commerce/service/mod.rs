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

use std::time::Instant;

use tessera_analytics::commerce::fraud::AmountStats;
use tessera_analytics::commerce::ledger;
use tessera_domain::OrgId;
use tessera_store::commerce::customers as store_customers;
use tessera_store::DbPool;

use crate::error::ApiResult;
use crate::metrics::Metrics;
use crate::state::AppState;

/// Every customer's amounts of the organisation as one baseline. The first caller computes it
/// while concurrent ones wait for that answer (32 posts arriving together once ran 32 full
/// aggregates at once, the slowest tail of the post benchmark); afterwards it is served from
/// memory and, once older than `baseline_cache_secs`, recomputed by one background task.
pub(crate) async fn baseline(state: &AppState, org: OrgId) -> ApiResult<AmountStats> {
    let runtime = &state.commerce;
    if let Some((stats, at)) = runtime.baselines.get(&org) {
        let stale = at.elapsed() >= runtime.settings.baseline_ttl();
        if stale
            && runtime
                .baseline_refreshing
                .entry(org)
                .or_insert(())
                .is_fresh()
        {
            let state = state.clone();
            actix_web::rt::spawn(async move {
                let (pool, metrics) = (state.db.clone(), state.metrics.clone());
                match state
                    .blocking(move || compute_baseline(&pool, &metrics, org))
                    .await
                {
                    Ok(Ok(fresh)) => state.commerce.baselines.insert(org, fresh),
                    Ok(Err(e)) | Err(e) => {
                        tracing::warn!(error = %e, %org, "recomputing the amount baseline failed")
                    }
                }
            });
        }
        return Ok(stats);
    }
    let (pool, metrics) = (state.db.clone(), state.metrics.clone());
    let cache = runtime.baselines.clone();
    let (stats, _) = state
        .blocking(move || cache.try_get_with(org, || compute_baseline(&pool, &metrics, org)))
        .await?
        .map_err(|e| (*e).clone())?;
    Ok(stats)
}

fn compute_baseline(
    pool: &DbPool,
    metrics: &Metrics,
    org: OrgId,
) -> ApiResult<(AmountStats, Instant)> {
    let mut conn = pool.get()?;
    let (count, sum, squares) = store_customers::amount_totals(&mut conn, org)?;
    metrics.baseline_computed();
    Ok((ledger::from_sums(count, sum, squares), Instant::now()))
}
