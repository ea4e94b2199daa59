//! Order analytics of the Insights tab: fulfilment times by region and day, regional
//! performance, the status distribution, and the demand forecast (history and forecast days).

use std::collections::BTreeMap;

use tessera_analytics::retail::forecast::{self, Day};
use tessera_analytics::retail::orders::{mean_hours, percent, round_to};
use tessera_domain::retail::OrderStatus;
use tessera_store::retail::insights::{self, DayRange};
use tessera_store::retail::inventory::day_of;

use super::orders::{day, given};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The window of the order charts: both dates given → that range; otherwise the last `days`
/// (1..=365, default 30) ending today; never after today.
pub fn window(
    state: &AppState,
    date_from: Option<&str>,
    date_to: Option<&str>,
    days: Option<i64>,
) -> ApiResult<DayRange> {
    let today = day_of(state.now());
    if let (Some(f), Some(t)) = (given(date_from), given(date_to)) {
        let (from_day, to_day) = (day("date_from", &f)?, day("date_to", &t)?);
        return Ok(DayRange {
            from_day,
            to_day: to_day.min(today),
        });
    }
    let days = days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(ApiError::field("days", "must be between 1 and 365"));
    }
    Ok(DayRange {
        from_day: today - days + 1,
        to_day: today,
    })
}

/// Fulfilled orders of one destination region and order day.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelinePoint {
    /// The region.
    pub region: String,
    /// Day number.
    pub day: i64,
    /// Mean hours from order to fulfilment, to 0.1.
    pub avg_fulfillment_hours: f64,
    /// Orders.
    pub order_count: i64,
}

/// Fulfilment times per destination region and order day, newest day first.
pub async fn timeline(
    state: &AppState,
    caller: &Caller,
    range: DayRange,
) -> ApiResult<Vec<TimelinePoint>> {
    let org = caller.org_id;
    let rows = state
        .db(move |conn| Ok(insights::fulfilment_by_region_and_day(conn, org, range)?))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(region, day, count, seconds)| TimelinePoint {
            region,
            day,
            avg_fulfillment_hours: mean_hours(seconds, count),
            order_count: count,
        })
        .collect())
}

/// One region's orders by status.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegionPerformance {
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
    /// Mean hours to fulfilment, to 0.1.
    pub avg_fulfillment_hours: f64,
    /// Fulfilled per 100 orders, to 2 decimals.
    pub fulfillment_rate: f64,
}

/// Orders per destination region by status, best fulfilment rate first.
pub async fn regional(
    state: &AppState,
    caller: &Caller,
    range: DayRange,
) -> ApiResult<Vec<RegionPerformance>> {
    let org = caller.org_id;
    let rows = state
        .db(move |conn| Ok(insights::by_region_and_status(conn, org, range)?))
        .await?;
    let mut regions: BTreeMap<String, (RegionPerformance, i64, i64)> = BTreeMap::new();
    for r in rows {
        let e = regions.entry(r.region.clone()).or_insert_with(|| {
            (
                RegionPerformance {
                    region: r.region.clone(),
                    ..Default::default()
                },
                0,
                0,
            )
        });
        e.0.total_orders += r.orders;
        match r.status.parse::<OrderStatus>() {
            Ok(OrderStatus::Fulfilled) => e.0.fulfilled_orders += r.orders,
            Ok(OrderStatus::PendingReview) => e.0.pending_orders += r.orders,
            Ok(OrderStatus::Approved) => e.0.approved_orders += r.orders,
            Ok(OrderStatus::Cancelled) => e.0.cancelled_orders += r.orders,
            Err(_) => {}
        }
        e.1 += r.fulfilment_seconds;
        e.2 += r.timed;
    }
    let mut out: Vec<RegionPerformance> = regions
        .into_values()
        .map(|(mut p, seconds, timed)| {
            p.avg_fulfillment_hours = mean_hours(seconds, timed);
            p.fulfillment_rate = percent(p.fulfilled_orders, p.total_orders, 2);
            p
        })
        .collect();
    out.sort_by(|a, b| {
        b.fulfillment_rate
            .total_cmp(&a.fulfillment_rate)
            .then_with(|| a.region.cmp(&b.region))
    });
    Ok(out)
}

/// Orders of one status.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusShare {
    /// The status.
    pub status: String,
    /// Orders.
    pub count: i64,
    /// Share of all orders in percent, to 0.1.
    pub percentage: f64,
    /// Their value (Σ cases × price of a case).
    pub total_value: f64,
}

/// Orders per status, most first.
pub async fn distribution(
    state: &AppState,
    caller: &Caller,
    range: DayRange,
) -> ApiResult<Vec<StatusShare>> {
    let org = caller.org_id;
    let rows = state
        .db(move |conn| Ok(insights::by_status(conn, org, range)?))
        .await?;
    let total: i64 = rows.iter().map(|r| r.1).sum();
    let mut out: Vec<StatusShare> = rows
        .into_iter()
        .map(|(status, count, cents)| StatusShare {
            status,
            count,
            percentage: percent(count, total, 1),
            total_value: cents as f64 / 100.0,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.status.cmp(&b.status)));
    Ok(out)
}

/// A day of the demand chart.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandDay {
    /// Day number.
    pub day: i64,
    /// Orders (whole).
    pub order_count: i64,
    /// Cases (whole).
    pub total_cases: i64,
    /// Value, to cents.
    pub total_value: f64,
    /// Cases per order, to 0.01.
    pub avg_order_size: f64,
    /// Forecast (true) or history.
    pub is_forecast: bool,
}

/// The last `days_back` days (7..=365, default 90) of orders, zero-filled, then `days_forward`
/// (1..=90, default 30) forecast days; empty without a week of history.
pub async fn demand(
    state: &AppState,
    caller: &Caller,
    days_back: Option<i64>,
    days_forward: Option<i64>,
) -> ApiResult<Vec<DemandDay>> {
    let back = days_back.unwrap_or(90);
    let forward = days_forward.unwrap_or(30);
    if !(7..=365).contains(&back) {
        return Err(ApiError::field("days_back", "must be between 7 and 365"));
    }
    if !(1..=90).contains(&forward) {
        return Err(ApiError::field("days_forward", "must be between 1 and 90"));
    }
    let today = day_of(state.now());
    let range = DayRange {
        from_day: today - back + 1,
        to_day: today,
    };
    let org = caller.org_id;
    let rows = state
        .db(move |conn| Ok(insights::daily_orders(conn, org, range)?))
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let history: Vec<Day> = rows
        .iter()
        .map(|(day, orders, cases, cents)| Day {
            day: *day,
            orders: *orders as f64,
            cases: *cases as f64,
            value: *cents as f64 / 100.0,
        })
        .collect();
    let series = forecast::zero_filled(&history, range.from_day, range.to_day);
    let size = |orders: f64, cases: f64| {
        if orders > 0.0 {
            round_to(cases / orders, 2)
        } else {
            0.0
        }
    };
    let mut out: Vec<DemandDay> = series
        .iter()
        .map(|d| DemandDay {
            day: d.day,
            order_count: d.orders as i64,
            total_cases: d.cases as i64,
            total_value: round_to(d.value, 2),
            avg_order_size: size(d.orders, d.cases),
            is_forecast: false,
        })
        .collect();
    out.extend(
        forecast::forecast(&series, forward as usize)
            .into_iter()
            .map(|f| DemandDay {
                day: f.day,
                order_count: f.orders.round() as i64,
                total_cases: f.cases.round() as i64,
                total_value: round_to(f.value, 2),
                avg_order_size: size(f.orders, f.cases),
                is_forecast: true,
            }),
    );
    Ok(out)
}
