//! Wire shapes of stock-transfer orders, as the Brickhouse contract (§4.9–4.13) gives them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_store::retail::orders::{Change, OrderView, StatusSummary};
use utoipa::{IntoParams, ToSchema};

use crate::common::utc;
use crate::retail::service::orders::{NewOrder, OrderPage, OrderQuery as Filters};

/// Filters and paging of the order list (`all` or empty values mean no filter; unknown
/// parameters are ignored).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Page number, from 1 (default 1); a page past the end answers no orders.
    pub page: Option<i64>,
    /// Page size, 1..=100 (default 10).
    pub limit: Option<i64>,
    /// Only orders to stores of this region.
    pub region: Option<String>,
    /// Only orders of products of this category.
    pub category: Option<String>,
    /// Only orders in this status (`pending_review`, `approved`, `fulfilled`, `cancelled`).
    pub status: Option<String>,
    /// Only pending orders older than two days (the status filter is then ignored).
    pub expired_sla_only: Option<bool>,
    /// First order day, `YYYY-MM-DD` (UTC), inclusive.
    pub date_from: Option<String>,
    /// Last order day, `YYYY-MM-DD` (UTC), inclusive.
    pub date_to: Option<String>,
}

impl OrderQuery {
    /// The filters the use case takes.
    pub fn filters(&self) -> Filters {
        Filters {
            region: self.region.clone(),
            category: self.category.clone(),
            status: self.status.clone(),
            expired_sla_only: self.expired_sla_only.unwrap_or(false),
            date_from: self.date_from.clone(),
            date_to: self.date_to.clone(),
        }
    }
}

/// An order row as the orders table and its dialog read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderOut {
    /// The order's id (its number in the organisation).
    pub order_id: i64,
    /// `ORD000123`.
    pub order_number: String,
    /// Source store id.
    pub from_store_id: i64,
    /// Source store name.
    pub from_store_name: String,
    /// Destination store id.
    pub to_store_id: i64,
    /// Destination store name.
    pub to_store_name: String,
    /// Destination store region.
    pub to_store_region: String,
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
    /// Cases.
    pub quantity_cases: i64,
    /// `pending_review`, `approved`, `fulfilled` or `cancelled`.
    pub order_status: String,
    /// When it was placed.
    pub order_date: DateTime<Utc>,
    /// When it was approved.
    pub approved_date: Option<DateTime<Utc>>,
    /// When it was fulfilled.
    pub fulfilled_date: Option<DateTime<Utc>>,
    /// Requesting staff member's id.
    pub requested_by: Option<i64>,
    /// Their first and last name.
    pub requester_name: Option<String>,
    /// Their avatar.
    pub requester_avatar_url: Option<String>,
    /// The assigned approver's id.
    pub approved_by: Option<i64>,
    /// Their first and last name.
    pub approver_name: Option<String>,
    /// Their avatar.
    pub approver_avatar_url: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Bumped by every change; send it back to refuse a stale edit.
    pub version: i64,
    /// Pending for more than two days.
    pub past_sla: bool,
}

impl OrderOut {
    /// The row of `v` as seen at `now`.
    pub fn of(v: OrderView, now: chrono::NaiveDateTime) -> Self {
        let past_sla = v.order.past_sla(now);
        let o = v.order;
        Self {
            order_id: o.number,
            order_number: o.order_number,
            from_store_id: o.from_store,
            from_store_name: v.from_store.name,
            to_store_id: o.to_store,
            to_store_name: v.to_store.name,
            to_store_region: v.to_store.region,
            product_id: o.product,
            product_name: v.product.name,
            brand: v.product.brand,
            category: v.product.category,
            unit_price: v.product.unit_price_cents as f64 / 100.0,
            quantity_cases: o.quantity_cases,
            order_status: o.status.as_str().to_owned(),
            order_date: utc(o.order_date),
            approved_date: o.approved_date.map(utc),
            fulfilled_date: o.fulfilled_date.map(utc),
            requested_by: o.requested_by,
            requester_name: v.requester.as_ref().map(|s| s.name.clone()),
            requester_avatar_url: v.requester.and_then(|s| s.avatar_url),
            approved_by: o.approved_by,
            approver_name: v.approver.as_ref().map(|s| s.name.clone()),
            approver_avatar_url: v.approver.and_then(|s| s.avatar_url),
            notes: o.notes,
            version: o.version,
            past_sla,
        }
    }
}

/// One page of the order list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPageOut {
    /// The page's orders, newest first.
    pub data: Vec<OrderOut>,
    /// Page number.
    pub page: i64,
    /// Pages in all (0 when nothing matches).
    pub total_pages: i64,
    /// Orders matching.
    pub total: i64,
    /// Page size.
    pub limit: i64,
}

impl OrderPageOut {
    /// The wire page of `p` at `now`.
    pub fn of(p: OrderPage, now: chrono::NaiveDateTime) -> Self {
        Self {
            total_pages: (p.total + p.limit - 1) / p.limit,
            data: p.orders.into_iter().map(|o| OrderOut::of(o, now)).collect(),
            page: p.page,
            total: p.total,
            limit: p.limit,
        }
    }
}

/// The status cards.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusSummaryOut {
    /// Orders per status; every status is present (0 when none).
    #[schema(value_type = BTreeMap<String, i64>)]
    pub status_counts: BTreeMap<&'static str, i64>,
    /// Pending orders older than two days.
    pub expired_sla_count: i64,
    /// Cases of every matching order.
    pub total_cases: i64,
    /// `From YYYY-MM-DD to YYYY-MM-DD`, or `All time`.
    pub summary_period: String,
}

impl StatusSummaryOut {
    /// The cards of `s` over the period the query named.
    pub fn of(s: StatusSummary, q: &OrderQuery) -> Self {
        let period = match (q.date_from.as_deref(), q.date_to.as_deref()) {
            (Some(f), Some(t)) => format!("From {f} to {t}"),
            (Some(f), None) => format!("From {f}"),
            (None, Some(t)) => format!("Until {t}"),
            (None, None) => "All time".to_owned(),
        };
        Self {
            status_counts: s.counts.iter().map(|(st, n)| (st.as_str(), *n)).collect(),
            expired_sla_count: s.expired_sla,
            total_cases: s.total_cases,
            summary_period: period,
        }
    }
}

/// A new order, as the app's "Submit Order" sends it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderIn {
    /// Source store id (the warehouse is 1).
    pub from_store_id: i64,
    /// Destination store id.
    pub to_store_id: i64,
    /// Product id.
    pub product_id: i64,
    /// Cases, 1..=100,000.
    pub quantity_cases: i64,
    /// Requesting staff member's id.
    pub requested_by: Option<i64>,
    /// The assigned approver's staff id (an assignment, not an approval).
    pub approved_by: Option<i64>,
    /// Notes, at most 2,000 characters.
    pub notes: Option<String>,
}

impl From<OrderIn> for NewOrder {
    fn from(o: OrderIn) -> Self {
        Self {
            from_store_id: o.from_store_id,
            to_store_id: o.to_store_id,
            product_id: o.product_id,
            quantity_cases: o.quantity_cases,
            requested_by: o.requested_by,
            approved_by: o.approved_by,
            notes: o.notes,
        }
    }
}

/// The answer to a placed order (the original's envelope, with the order).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedOut {
    /// Always true.
    pub success: bool,
    /// The order.
    pub data: OrderOut,
    /// `Order created successfully`.
    pub message: String,
}

/// An edit of an order's quantity and notes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderEditIn {
    /// Cases, 1..=100,000 (re-checked against the reservation of an approved order).
    pub quantity_cases: Option<i64>,
    /// Notes (empty clears them).
    pub notes: Option<String>,
    /// The version read; a stale one is refused with 409.
    pub version: Option<i64>,
}

impl OrderEditIn {
    /// The change it asks for.
    pub fn change(&self) -> Change {
        Change {
            action: tessera_domain::retail::OrderAction::Edit,
            version: self.version,
            quantity_cases: self.quantity_cases,
            notes: self.notes.clone().map(Some),
        }
    }
}

/// A cancellation.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CancelIn {
    /// Appended to the notes as `Cancellation reason: …`.
    pub reason: Option<String>,
    /// The version read; a stale one is refused with 409.
    pub version: Option<i64>,
}

/// An approval or fulfilment (the body is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MoveIn {
    /// The version read; a stale one is refused with 409.
    pub version: Option<i64>,
    /// Ignored (the app sends the approver's staff id; the caller approves).
    pub approved_by: Option<i64>,
}

/// The answer to a cancellation (the original's envelope, with the order).
#[derive(Debug, Serialize, ToSchema)]
pub struct CancelledOut {
    /// Always true.
    pub success: bool,
    /// `Order N has been cancelled`.
    pub message: String,
    /// The order.
    pub data: OrderOut,
}
