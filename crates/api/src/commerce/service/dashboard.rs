//! The dashboard overview (contract §4.1) and the system alerts feed (§4.5). Alert conditions
//! are kept in the `alerts` table: one open row per condition, updated while it lasts and
//! resolved when it ends, never a row per poll (the original inserted one on every call).

use chrono::{DateTime, Duration, NaiveDateTime};
use serde_json::json;
use tessera_alerting::feed as system_alerts;
use tessera_analytics::commerce::overview::{self, HourSales, SalesPoint};
use tessera_domain::alerts::{AlertKind, Severity, SystemAlert};
use tessera_domain::commerce::{OverviewWindow, Product, Transaction, TransactionStatus};
use tessera_domain::OrgId;
use tessera_store::commerce::catalog::{self, ProductFilter};
use tessera_store::commerce::customers::{self, CustomerCounts};
use tessera_store::commerce::insights::{self, Window};
use tessera_store::commerce::rollup;
use tessera_store::commerce::transactions::{self as store, hour_of, TransactionFilter};
use tessera_store::DbConn;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;

/// Most rows of a list.
pub const MAX_LIST: i64 = 500;

/// Transactions of the window ending at the latest one whose amount is at least three times
/// the mean amount of every transaction (contract §6.2), newest first, at most [`MAX_LIST`].
pub(crate) fn three_times_mean(
    conn: &mut tessera_store::DbConn,
    org: OrgId,
    since: Option<NaiveDateTime>,
) -> ApiResult<Vec<Transaction>> {
    let (count, sum) = rollup::totals(conn, org)?;
    above_three_times_mean(conn, org, since, count, sum)
}

/// [`three_times_mean`] when the count and sum (cents) of every transaction are known.
fn above_three_times_mean(
    conn: &mut tessera_store::DbConn,
    org: OrgId,
    since: Option<NaiveDateTime>,
    count: i64,
    sum: i64,
) -> ApiResult<Vec<Transaction>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    // amount ≥ 3 × mean  ⇔  amount × count ≥ 3 × sum, in exact integer cents
    let min_cents = (3 * sum + count - 1) / count;
    Ok(store::at_least(
        conn,
        org,
        min_cents,
        since,
        MAX_LIST as usize,
    )?)
}

/// Transactions an alert lists at most (its message gives the full count).
const MAX_ALERT_ITEMS: i64 = 50;

/// Flagged transactions counted at most for the alert's message.
const MAX_COUNTED: i64 = 1000;

/// Low-stock products listed at most.
const MAX_LOW_STOCK: i64 = 100;

/// The overview of one window.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Σ amount in the window (every status), dollars.
    pub total: f64,
    /// Σ amount of all time.
    pub total_lifetime: f64,
    /// The zero-filled series.
    pub series: Vec<SalesPoint>,
    /// Customer head counts (not windowed).
    pub customers: CustomerCounts,
    /// Transactions in the window.
    pub transaction_count: i64,
    /// Products at or below the low-stock threshold.
    pub low_stock: Vec<Product>,
    /// Window transactions at three times the mean amount.
    pub suspicious: Vec<Transaction>,
}

fn dollars(cents: i64) -> f64 {
    cents as f64 / 100.0
}

fn hour_start(hour: i64) -> NaiveDateTime {
    DateTime::from_timestamp(hour * 3600, 0)
        .map(|t| t.naive_utc())
        .unwrap_or_default()
}

/// The overview of `window`, anchored at the organisation's latest transaction.
pub async fn overview(
    state: &AppState,
    caller: &Caller,
    window: OverviewWindow,
) -> ApiResult<Overview> {
    let org = caller.org_id;
    let settings = state.commerce.settings.clone();
    state
        .db(move |conn| {
            let customers = customers::counts(conn, org, settings.high_risk_threshold)?;
            let low_stock = low_stock(conn, org, settings.low_stock_threshold)?;
            let Some(latest) = store::latest(conn, org)? else {
                return Ok(Overview {
                    total: 0.0,
                    total_lifetime: 0.0,
                    series: Vec::new(),
                    customers,
                    transaction_count: 0,
                    low_stock,
                    suspicious: Vec::new(),
                });
            };
            // the hourly sales the write path keeps give the lifetime sums, the window's whole
            // hours and the series
            let buckets = rollup::hours(conn, org, i64::MIN, i64::MAX)?;
            let (lifetime_count, lifetime) =
                buckets.iter().fold((0, 0), |(n, s), b| (n + b.2, s + b.1));
            let start = overview::window_start(latest, window);
            let first_hour = hour_of(start);
            // the window's first, partial hour is read on its own
            let partial = Window {
                since: Some(start),
                until: Some(hour_start(first_hour + 1)),
                completed_only: false,
            };
            let (partial_count, partial_sum, _) = insights::summary(conn, org, partial)?;
            let (count, total) = buckets
                .iter()
                .filter(|b| b.0 > first_hour)
                .fold((partial_count, partial_sum), |(n, s), b| (n + b.2, s + b.1));
            let cutoff = hour_of(overview::floor_hour(latest) - Duration::hours(window.hours()));
            let hours: Vec<HourSales> = buckets
                .iter()
                .filter(|b| b.0 >= cutoff)
                .map(|&(hour, cents, n)| HourSales {
                    hour: hour_start(hour),
                    total: dollars(cents),
                    count: n.max(0) as u64,
                })
                .collect();
            Ok(Overview {
                total: dollars(total),
                total_lifetime: dollars(lifetime),
                series: overview::sales_series(latest, window, &hours),
                customers,
                transaction_count: count,
                low_stock,
                suspicious: above_three_times_mean(
                    conn,
                    org,
                    Some(start),
                    lifetime_count,
                    lifetime,
                )?,
            })
        })
        .await
}

fn low_stock(conn: &mut DbConn, org: OrgId, threshold: i64) -> ApiResult<Vec<Product>> {
    let filter = ProductFilter {
        max_stock: Some(threshold),
        ..ProductFilter::default()
    };
    Ok(catalog::products(conn, org, &filter, 0, MAX_LOW_STOCK)?)
}

/// Count and sum (cents) of every transaction of the organisation, from the cached baseline
/// (every customer's running statistics merged; at most `baseline_cache_secs` old), so that
/// neither a post nor a poll scans the whole table.
async fn lifetime(state: &AppState, org: OrgId) -> ApiResult<(i64, i64)> {
    let stats = super::baseline(state, org).await?;
    let count = stats.count as i64;
    Ok((
        count,
        (stats.mean * stats.count as f64 * 100.0).round() as i64,
    ))
}

/// Suspicious transactions as the alert lists them: flagged ones awaiting review, then those of
/// the last 24 hours before the latest transaction at three times the mean amount of all
/// transactions (`lifetime`: their count and sum in cents).
fn suspicious_now(
    conn: &mut DbConn,
    org: OrgId,
    lifetime: (i64, i64),
) -> ApiResult<(Vec<Transaction>, usize)> {
    let flagged = store::list(
        conn,
        org,
        &TransactionFilter {
            status: Some(TransactionStatus::Flagged),
            ..TransactionFilter::default()
        },
        MAX_ALERT_ITEMS,
    )?;
    let waiting = store::count_in_status(conn, org, TransactionStatus::Flagged, MAX_COUNTED)?;
    let waiting = waiting.max(0) as usize;
    let mut all = flagged;
    if let Some(latest) = store::latest(conn, org)? {
        let since = Some(latest - Duration::hours(24));
        for t in above_three_times_mean(conn, org, since, lifetime.0, lifetime.1)? {
            if !all.iter().any(|f| f.id == t.id) && all.len() < MAX_ALERT_ITEMS as usize {
                all.push(t);
            }
        }
    }
    Ok((all, waiting))
}

/// Raises or resolves the suspicious-transaction alert from what is suspicious now.
fn refresh_suspicious(
    conn: &mut DbConn,
    org: OrgId,
    lifetime: (i64, i64),
    at: NaiveDateTime,
) -> ApiResult<()> {
    let (found, waiting) = suspicious_now(conn, org, lifetime)?;
    if found.is_empty() {
        system_alerts::resolve(conn, org, AlertKind::SuspiciousTransaction, at)?;
        return Ok(());
    }
    let transactions: Vec<_> = found
        .iter()
        .map(|t| {
            json!({"id": t.id, "amount": t.amount(), "timestamp": crate::common::utc(t.timestamp),
                   "status": t.status.as_str(), "customer_id": t.customer_id})
        })
        .collect();
    let message = if waiting > 0 {
        let more = if waiting as i64 >= MAX_COUNTED {
            " or more"
        } else {
            ""
        };
        format!("{waiting}{more} flagged transactions await review (newest listed)")
    } else {
        format!(
            "{} transactions at three times the mean amount in the last 24h",
            found.len()
        )
    };
    let severity = if waiting > 0 {
        Severity::Error
    } else {
        Severity::Warning
    };
    let metadata = json!({ "transactions": transactions }).to_string();
    system_alerts::raise(
        conn,
        org,
        AlertKind::SuspiciousTransaction,
        severity,
        &message,
        &metadata,
        at,
    )?;
    Ok(())
}

/// Raises or resolves the low-stock alert.
fn refresh_low_stock(
    conn: &mut DbConn,
    org: OrgId,
    threshold: i64,
    at: NaiveDateTime,
) -> ApiResult<()> {
    let low = low_stock(conn, org, threshold)?;
    if low.is_empty() {
        system_alerts::resolve(conn, org, AlertKind::LowStock, at)?;
        return Ok(());
    }
    let products: Vec<_> = low
        .iter()
        .map(|p| json!({"id": p.id, "name": p.name, "stock_quantity": p.stock_quantity, "category": p.category}))
        .collect();
    let metadata = json!({ "products": products }).to_string();
    system_alerts::raise(
        conn,
        org,
        AlertKind::LowStock,
        Severity::Warning,
        &format!("{} products are running low on stock", low.len()),
        &metadata,
        at,
    )?;
    Ok(())
}

/// Brings the suspicious-transaction alert up to date (after a post or a review).
pub(crate) async fn refresh_suspicious_alert(state: &AppState, org: OrgId) -> ApiResult<()> {
    let at = state.now();
    let lifetime = lifetime(state, org).await?;
    state
        .db(move |conn| refresh_suspicious(conn, org, lifetime, at))
        .await
}

/// The system status: every condition refreshed, then the open alerts, newest first.
pub async fn system_status(
    state: &AppState,
    caller: &Caller,
) -> ApiResult<(Vec<SystemAlert>, NaiveDateTime)> {
    let (org, at) = (caller.org_id, state.now());
    let threshold = state.commerce.settings.low_stock_threshold;
    let lifetime = lifetime(state, org).await?;
    state
        .db(move |conn| {
            refresh_low_stock(conn, org, threshold, at)?;
            refresh_suspicious(conn, org, lifetime, at)?;
            // only the kinds the TechMart app draws: retail's alerts share the feed
            let commerce = system_alerts::FeedFilter {
                kinds: AlertKind::COMMERCE.to_vec(),
                ..Default::default()
            };
            Ok((system_alerts::list(conn, org, &commerce, 100)?, at))
        })
        .await
}
