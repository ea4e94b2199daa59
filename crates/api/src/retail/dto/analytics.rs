//! Wire shapes of the Insights tab's order charts (contract §4.19–4.22): bare arrays.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::inventory::date_of;
use crate::retail::service::analytics::{DemandDay, RegionPerformance, StatusShare, TimelinePoint};

/// The chart window: both dates, or the last `days` (`region` is accepted and ignored).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChartQuery {
    /// First order day, `YYYY-MM-DD` (with `date_to`).
    pub date_from: Option<String>,
    /// Last order day, `YYYY-MM-DD` (with `date_from`).
    pub date_to: Option<String>,
    /// Without both dates: the last this many days, 1..=365 (default 30).
    pub days: Option<i64>,
}

/// Fulfilled orders of one destination region and order day.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineOut {
    /// The region.
    pub region: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Mean hours from order to fulfilment, to 0.1.
    pub avg_fulfillment_hours: f64,
    /// Orders.
    pub order_count: i64,
}

impl From<TimelinePoint> for TimelineOut {
    fn from(p: TimelinePoint) -> Self {
        Self {
            region: p.region,
            date: date_of(p.day),
            avg_fulfillment_hours: p.avg_fulfillment_hours,
            order_count: p.order_count,
        }
    }
}

/// One destination region's orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionalOut {
    /// The region.
    pub region: String,
    /// Orders.
    pub total_orders: i64,
    /// Fulfilled.
    pub fulfilled_orders: i64,
    /// Pending review.
    pub pending_orders: i64,
    /// Approved.
    pub approved_orders: i64,
    /// Cancelled.
    pub cancelled_orders: i64,
    /// Mean hours to fulfilment.
    pub avg_fulfillment_hours: f64,
    /// Fulfilled per 100 orders, to 2 decimals.
    pub fulfillment_rate: f64,
}

impl From<RegionPerformance> for RegionalOut {
    fn from(p: RegionPerformance) -> Self {
        Self {
            region: p.region,
            total_orders: p.total_orders,
            fulfilled_orders: p.fulfilled_orders,
            pending_orders: p.pending_orders,
            approved_orders: p.approved_orders,
            cancelled_orders: p.cancelled_orders,
            avg_fulfillment_hours: p.avg_fulfillment_hours,
            fulfillment_rate: p.fulfillment_rate,
        }
    }
}

/// Orders of one status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusShareOut {
    /// The status.
    pub status: String,
    /// Orders.
    pub count: i64,
    /// Share in percent, to 0.1.
    pub percentage: f64,
    /// Their value.
    pub total_value: f64,
}

impl From<StatusShare> for StatusShareOut {
    fn from(s: StatusShare) -> Self {
        Self {
            status: s.status,
            count: s.count,
            percentage: s.percentage,
            total_value: s.total_value,
        }
    }
}

/// The demand chart's windows.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandQuery {
    /// Days of history, 7..=365 (default 90).
    pub days_back: Option<i64>,
    /// Days to forecast, 1..=90 (default 30).
    pub days_forward: Option<i64>,
}

/// A day of history or forecast.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemandOut {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Orders.
    pub order_count: i64,
    /// Cases.
    pub total_cases: i64,
    /// Value.
    pub total_value: f64,
    /// Cases per order.
    pub avg_order_size: f64,
    /// A forecast day.
    pub is_forecast: bool,
}

impl From<DemandDay> for DemandOut {
    fn from(d: DemandDay) -> Self {
        Self {
            date: date_of(d.day),
            order_count: d.order_count,
            total_cases: d.total_cases,
            total_value: d.total_value,
            avg_order_size: d.avg_order_size,
            is_forecast: d.is_forecast,
        }
    }
}
