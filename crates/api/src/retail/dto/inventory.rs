//! Wire shapes of inventory readings, as the Brickhouse contract (§4.14–4.18) gives them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tessera_store::retail::insights::WarehouseStock;
use tessera_store::retail::inventory::InventoryView;
use utoipa::{IntoParams, ToSchema};

use crate::common::utc;
use crate::retail::service::inventory::Kpi;

/// Region and category filters (`all` or empty means none).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InventoryQuery {
    /// Only stores of this region.
    pub region: Option<String>,
    /// Only products of this category.
    pub category: Option<String>,
    /// At most this many rows (low-stock alerts: 1..=100, default 50).
    pub limit: Option<i64>,
}

/// Filters and paging of the inventory list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InventoryListQuery {
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Page size, 1..=500 (default 50).
    pub limit: Option<i64>,
    /// Only stores of this region.
    pub region: Option<String>,
    /// Only products of this category.
    pub category: Option<String>,
    /// Only this store (its id).
    pub store_id: Option<i64>,
    /// Only rows at or under the low-stock threshold available.
    pub low_stock: Option<bool>,
}

/// An inventory row with its store and product.
#[derive(Debug, Serialize, ToSchema)]
pub struct InventoryOut {
    /// Id.
    pub inventory_id: i64,
    /// Store id.
    pub store_id: i64,
    /// Store name.
    pub store_name: String,
    /// Store region.
    pub region: String,
    /// Product id.
    pub product_id: i64,
    /// Product name.
    pub product_name: String,
    /// Product brand.
    pub brand: String,
    /// Product category.
    pub category: String,
    /// Price of a case.
    pub unit_price: f64,
    /// Cases on hand.
    pub quantity_cases: i64,
    /// Cases reserved by approved orders shipping from here.
    pub reserved_cases: i64,
    /// On hand minus reserved.
    pub available_cases: i64,
    /// When it last changed.
    pub last_updated: DateTime<Utc>,
}

impl From<InventoryView> for InventoryOut {
    fn from(v: InventoryView) -> Self {
        Self {
            inventory_id: v.item.number,
            store_id: v.item.store,
            store_name: v.store_name,
            region: v.region,
            product_id: v.item.product,
            product_name: v.product_name,
            brand: v.brand,
            category: v.category,
            unit_price: v.unit_price_cents as f64 / 100.0,
            available_cases: v.item.available_cases(),
            quantity_cases: v.item.quantity_cases,
            reserved_cases: v.item.reserved_cases,
            last_updated: utc(v.item.last_updated),
        }
    }
}

/// One page of inventory rows (`totalPages` as the app reads it, `total_pages` as the original
/// sent it).
#[derive(Debug, Serialize, ToSchema)]
pub struct InventoryPageOut {
    /// The rows.
    pub data: Vec<InventoryOut>,
    /// Rows matching.
    pub total: i64,
    /// Page number.
    pub page: i64,
    /// Page size.
    pub limit: i64,
    /// Pages in all.
    #[serde(rename = "totalPages")]
    pub total_pages_camel: i64,
    /// Pages in all.
    pub total_pages: i64,
}

impl InventoryPageOut {
    /// The page of `rows` of `total` matching.
    pub fn of(rows: Vec<InventoryView>, total: i64, page: i64, limit: i64) -> Self {
        let pages = (total + limit - 1) / limit;
        Self {
            data: rows.into_iter().map(Into::into).collect(),
            total,
            page,
            limit,
            total_pages_camel: pages,
            total_pages: pages,
        }
    }
}

/// A new stock level.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StockIn {
    /// Cases on hand, 0..=100,000,000 and never below what is reserved.
    pub quantity_cases: i64,
}

/// The inventory KPI cards.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiOut {
    /// Σ cases × price of a case.
    pub total_inventory_value: f64,
    /// Products with an inventory row.
    pub total_products: i64,
    /// Annual turnover: the value shipped over the last `turnover_window_days`, over the
    /// average value held, scaled to a year (the original answered the constant 7.5).
    pub average_turnover: f64,
    /// Rows at or under the low-stock threshold available.
    pub low_stock_alerts: i64,
    /// Σ cases on hand.
    pub total_cases: i64,
    /// The turnover's window in days.
    pub turnover_window_days: i64,
}

impl From<Kpi> for KpiOut {
    fn from(k: Kpi) -> Self {
        Self {
            total_inventory_value: k.totals.value_cents as f64 / 100.0,
            total_products: k.totals.products,
            average_turnover: k.turnover,
            low_stock_alerts: k.totals.low_stock_rows,
            total_cases: k.totals.cases,
            turnover_window_days: k.window_days,
        }
    }
}

/// The trend's window.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// Days, 1..=365 (default 30).
    pub days: Option<i64>,
    /// Only stores of this region.
    pub region: Option<String>,
    /// Only products of this category.
    pub category: Option<String>,
}

/// The stock held at the end of one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendOut {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Value held.
    pub total_value: f64,
    /// Cases held.
    pub total_quantity: i64,
}

/// A calendar date `YYYY-MM-DD` of a day number.
pub fn date_of(day: i64) -> String {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(day)))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl From<(i64, i64, i64)> for TrendOut {
    fn from((day, cases, cents): (i64, i64, i64)) -> Self {
        Self {
            date: date_of(day),
            total_value: cents as f64 / 100.0,
            total_quantity: cases,
        }
    }
}

/// One category's slice of the inventory value.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryOut {
    /// The category.
    pub category: String,
    /// Its value.
    pub value: f64,
    /// Its share of the total, in percent to 2 decimals.
    pub percentage: f64,
}

/// The warehouse list's filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarehouseQuery {
    /// At most this many products, 1..=500 (default 100).
    pub limit: Option<i64>,
    /// Only this category.
    pub category: Option<String>,
    /// Name or brand containing this.
    pub search: Option<String>,
}

/// One product with the stock its warehouses hold (every product appears, 0 when none).
#[derive(Debug, Serialize, ToSchema)]
pub struct WarehouseOut {
    /// Product id.
    pub product_id: i64,
    /// Name.
    pub product_name: String,
    /// Category.
    pub category: String,
    /// Brand.
    pub brand: String,
    /// Package size.
    pub package_size: String,
    /// Price of a case (a number; the original sent a string).
    pub unit_price: f64,
    /// Cases on hand in warehouses.
    pub total_quantity_cases: i64,
    /// Cases reserved there.
    pub total_reserved_cases: i64,
    /// On hand minus reserved: what an order from the warehouse can still be approved for.
    pub available_cases: i64,
}

impl From<WarehouseStock> for WarehouseOut {
    fn from(w: WarehouseStock) -> Self {
        Self {
            product_id: w.product.number,
            unit_price: w.product.unit_price(),
            product_name: w.product.name,
            category: w.product.category,
            brand: w.product.brand,
            package_size: w.product.package_size,
            available_cases: w.quantity_cases - w.reserved_cases,
            total_quantity_cases: w.quantity_cases,
            total_reserved_cases: w.reserved_cases,
        }
    }
}
