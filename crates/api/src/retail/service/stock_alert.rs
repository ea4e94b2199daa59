//! The retail low-stock alert: while some inventory row has at most the low-stock threshold
//! available, the organisation's feed holds one open `retail_low_stock` alert naming the most
//! urgent rows; it is resolved when none has. Stock writes and low-stock reads mark the
//! organisation, and one background task per organisation brings the alert up to date (a mark
//! arriving while it runs queues exactly one more run), so no write waits on a whole-inventory
//! read and a burst of writes costs at most two.

use serde_json::json;
use tessera_alerting::feed as system_alerts;
use tessera_domain::alerts::{AlertKind, Severity};
use tessera_domain::OrgId;
use tessera_store::retail::insights;
use tessera_store::retail::inventory::{self, InventoryFilter};
use tessera_store::DbConn;

use crate::error::ApiResult;
use crate::state::AppState;

/// Rows an alert names (the count covers them all).
pub const ALERT_ITEMS: i64 = 20;

/// Brings `org`'s alert up to date in the background, after a stock change or a low-stock read.
pub fn mark(state: &AppState, org: OrgId) {
    if !state.retail_alerts.begin(org) {
        return;
    }
    let state = state.clone();
    actix_web::rt::spawn(async move {
        loop {
            let (threshold, at) = (state.retail.low_stock_threshold, state.now());
            if let Err(e) = state
                .db(move |conn| refresh(conn, org, threshold, at))
                .await
            {
                tracing::warn!(error = %e, %org, "refreshing the retail low-stock alert failed");
            }
            if !state.retail_alerts.finish(org) {
                return;
            }
        }
    });
}

/// Raises or resolves `org`'s retail low-stock alert from its inventory now.
pub fn refresh(
    conn: &mut DbConn,
    org: OrgId,
    threshold: i64,
    at: chrono::NaiveDateTime,
) -> ApiResult<()> {
    let all = InventoryFilter::default();
    let count = insights::inventory_totals(conn, org, &all, threshold)?.low_stock_rows;
    if count == 0 {
        system_alerts::resolve(conn, org, AlertKind::RetailLowStock, at)?;
        return Ok(());
    }
    let rows = inventory::low_stock(conn, org, &all, threshold, ALERT_ITEMS)?;
    let out_of_stock = rows.iter().any(|r| r.item.available_cases() == 0);
    let items: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "inventory_id": r.item.number, "store_id": r.item.store, "store_name": r.store_name,
                "product_id": r.item.product, "product_name": r.product_name,
                "available_cases": r.item.available_cases(),
            })
        })
        .collect();
    let plural = if count == 1 { "row is" } else { "rows are" };
    let message =
        format!("{count} store inventory {plural} at or under {threshold} cases available");
    let metadata = json!({ "threshold": threshold, "count": count, "items": items }).to_string();
    let severity = if out_of_stock {
        Severity::Error
    } else {
        Severity::Warning
    };
    system_alerts::raise(
        conn,
        org,
        AlertKind::RetailLowStock,
        severity,
        &message,
        &metadata,
        at,
    )?;
    Ok(())
}
