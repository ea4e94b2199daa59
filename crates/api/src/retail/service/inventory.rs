//! Inventory: the paged list, stock set by hand, the KPI cards (value, products, a real
//! turnover, low stock), low-stock alerts, daily trends from the history, category values and
//! the warehouse's stock per product.

use tessera_analytics::retail::stock;
use tessera_store::retail::insights::{self, InventoryTotals, WarehouseStock};
use tessera_store::retail::inventory::{
    self as store, day_of, InventoryFilter, InventoryView, StockRefusal,
};

use super::orders::given;
use super::stock_alert;
use crate::auth::Caller;
use crate::common::not_found;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The region and category filters of the inventory readings (`all` means none).
pub fn filter(region: Option<&str>, category: Option<&str>) -> InventoryFilter {
    InventoryFilter {
        region: given(region),
        category: given(category),
        ..Default::default()
    }
}

/// One page of inventory rows and how many match.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    mut filter: InventoryFilter,
    low_stock: bool,
    page: Option<i64>,
    limit: Option<i64>,
) -> ApiResult<(Vec<InventoryView>, i64, i64, i64)> {
    let page = page.unwrap_or(1);
    let limit = limit.unwrap_or(50);
    if page < 1 {
        return Err(ApiError::field("page", "must be at least 1"));
    }
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    if low_stock {
        filter.available_at_most = Some(state.retail.low_stock_threshold);
    }
    let org = caller.org_id;
    let offset = (page - 1).saturating_mul(limit);
    let (rows, total) = state
        .db(move |conn| Ok(store::list(conn, org, &filter, offset, limit)?))
        .await?;
    Ok((rows, total, page, limit))
}

/// Sets inventory row `number` to `quantity_cases` on hand (editors and admins), never below
/// what approved orders reserve there.
pub async fn set_stock(
    state: &AppState,
    caller: &Caller,
    number: i64,
    quantity_cases: i64,
) -> ApiResult<InventoryView> {
    caller.require_editor("inventory")?;
    if !(0..=tessera_domain::retail::MAX_STOCK_CASES).contains(&quantity_cases) {
        return Err(ApiError::field(
            "quantity_cases",
            format!(
                "must be between 0 and {}",
                tessera_domain::retail::MAX_STOCK_CASES
            ),
        ));
    }
    let (org, at) = (caller.org_id, state.now());
    let outcome = state
        .db(move |conn| Ok(store::set_stock(conn, org, number, quantity_cases, at)?))
        .await?;
    let row = outcome.map_err(|r| match r {
        StockRefusal::Unknown(_) => ApiError::NotFound(r.to_string()),
        StockRefusal::BelowReserved { .. } => ApiError::Conflict(r.to_string()),
    })?;
    stock_alert::mark(state, org);
    Ok(row)
}

/// The KPI cards.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    /// What the totals are.
    pub totals: InventoryTotals,
    /// Annual turnover at the pace of the last `window_days`.
    pub turnover: f64,
    /// The turnover's window.
    pub window_days: i64,
}

/// The inventory totals and its level at the end of each of the last `days` (day, cases,
/// cents); with `shipped`, also the cases and cents shipped out in those days.
async fn levels(
    state: &AppState,
    caller: &Caller,
    filter: InventoryFilter,
    days: i64,
    shipped: bool,
) -> ApiResult<(InventoryTotals, Vec<(i64, i64, i64)>, (i64, i64))> {
    let (org, today) = (caller.org_id, day_of(state.now()));
    let threshold = state.retail.low_stock_threshold;
    let from = today - days + 1;
    let (totals, changes, out) = state
        .db(move |conn| {
            let totals = insights::inventory_totals(conn, org, &filter, threshold)?;
            let changes = insights::daily_changes(conn, org, &filter, from)?;
            let out = if shipped {
                insights::shipped_since(conn, org, &filter, from)?
            } else {
                (0, 0)
            };
            Ok((totals, changes, out))
        })
        .await?;
    let levels = stock::levels_by_day((totals.cases, totals.value_cents), &changes, from, today);
    Ok((totals, levels, out))
}

/// The KPI cards over the inventory matching `filter`.
pub async fn kpi(state: &AppState, caller: &Caller, filter: InventoryFilter) -> ApiResult<Kpi> {
    let window = state.retail.turnover_window_days;
    let (totals, levels, (_, shipped_cents)) = levels(state, caller, filter, window, true).await?;
    let average = levels.iter().map(|l| l.2 as f64).sum::<f64>() / levels.len().max(1) as f64;
    Ok(Kpi {
        totals,
        turnover: stock::turnover(shipped_cents as f64, average, window),
        window_days: window,
    })
}

/// Rows with at most the low-stock threshold available, most urgent first (at most `limit`,
/// 1..=100, default 50).
pub async fn low_stock(
    state: &AppState,
    caller: &Caller,
    filter: InventoryFilter,
    limit: Option<i64>,
) -> ApiResult<Vec<InventoryView>> {
    let limit = limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 100"));
    }
    let (org, threshold) = (caller.org_id, state.retail.low_stock_threshold);
    // the app polls this list: the feed's alert follows what it shows (in the background)
    stock_alert::mark(state, org);
    state
        .db(move |conn| Ok(store::low_stock(conn, org, &filter, threshold, limit)?))
        .await
}

/// One point a day of the last `days` (1..=365, default 30): cases and value (cents) held at
/// the end of the day, from the inventory history; never empty.
pub async fn trends(
    state: &AppState,
    caller: &Caller,
    filter: InventoryFilter,
    days: Option<i64>,
) -> ApiResult<Vec<(i64, i64, i64)>> {
    let days = days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(ApiError::field("days", "must be between 1 and 365"));
    }
    Ok(levels(state, caller, filter, days, false).await?.1)
}

/// Value per category (dollars) with its share in percent, highest first.
pub async fn categories(
    state: &AppState,
    caller: &Caller,
    region: Option<&str>,
) -> ApiResult<Vec<(String, f64, f64)>> {
    let (org, region) = (caller.org_id, given(region));
    let rows = state
        .db(move |conn| Ok(insights::category_values(conn, org, region.as_deref())?))
        .await?;
    Ok(stock::shares(
        rows.into_iter()
            .map(|(c, cents)| (c, cents as f64 / 100.0))
            .collect(),
    ))
}

/// Every product (by name, at most `limit`, 1..=500, default 100) with the stock its
/// warehouses hold.
pub async fn warehouse(
    state: &AppState,
    caller: &Caller,
    category: Option<&str>,
    search: Option<&str>,
    limit: Option<i64>,
) -> ApiResult<Vec<WarehouseStock>> {
    let limit = limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let (org, category, search) = (caller.org_id, given(category), given(search));
    state
        .db(move |conn| {
            Ok(insights::warehouse_stock(
                conn,
                org,
                category.as_deref(),
                search.as_deref(),
                limit,
            )?)
        })
        .await
}

/// Inventory row `number` with its store and product.
pub async fn get(state: &AppState, caller: &Caller, number: i64) -> ApiResult<InventoryView> {
    let org = caller.org_id;
    state
        .db(move |conn| store::find(conn, org, number).map_err(not_found("inventory row", number)))
        .await
}
