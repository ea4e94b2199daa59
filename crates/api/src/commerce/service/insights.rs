//! Commerce analytics: customer behaviour (both readings of contract §7), product performance,
//! geographic sales and the key metric cards, over grouped reads of the store.

use std::collections::HashMap;

use chrono::Duration;
use tessera_analytics::commerce::behaviour::{self, Behaviour, CustomerPurchases};
use tessera_analytics::commerce::performance::{
    self, Geography, KeyMetric, PeriodSales, ProductPerformance, ProductSales,
};
use tessera_analytics::commerce::segments::{self, Cohort, Purchases, Segment};
use tessera_store::commerce::catalog;
use tessera_store::commerce::customers;
use tessera_store::commerce::insights::{self as store, Window};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Products in `top_products`.
const TOP_PRODUCTS: usize = 10;
/// Products per region in `regional_preferences`.
const TOP_PER_REGION: usize = 5;

fn days_param(days: Option<i64>) -> ApiResult<i64> {
    let days = days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(ApiError::field("days", "must be between 1 and 365"));
    }
    Ok(days)
}

fn dollars(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// §7.1: the customers active in the last `days` (every status, relative to now).
pub async fn window_behaviour(
    state: &AppState,
    caller: &Caller,
    days: Option<i64>,
) -> ApiResult<Behaviour> {
    let days = days_param(days)?;
    let (org, now) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            let w = Window {
                since: Some(now - Duration::days(days)),
                ..Window::default()
            };
            let active: Vec<CustomerPurchases> = store::by_customer(conn, org, w)?
                .into_iter()
                .map(|c| CustomerPurchases {
                    count: c.count.max(0) as u64,
                    total: dollars(c.amount_cents),
                    recent: true,
                })
                .collect();
            Ok(behaviour::window_behaviour(&active))
        })
        .await
}

/// §7.2: completed purchases of all time over every registered customer; retained are those
/// with a completed purchase in the last 30 days.
pub async fn lifetime_behaviour(state: &AppState, caller: &Caller) -> ApiResult<Behaviour> {
    let (org, now) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            let w = Window {
                completed_only: true,
                ..Window::default()
            };
            let recent_from = now - Duration::days(30);
            let buyers: Vec<CustomerPurchases> = store::by_customer(conn, org, w)?
                .into_iter()
                .map(|c| CustomerPurchases {
                    count: c.count.max(0) as u64,
                    total: dollars(c.amount_cents),
                    recent: c.last_at.is_some_and(|t| t >= recent_from),
                })
                .collect();
            let registered = customers::counts(conn, org, 1.0)?.total;
            Ok(behaviour::lifetime_behaviour(
                &buyers,
                registered.max(0) as u64,
            ))
        })
        .await
}

/// Products and categories by revenue over the last `days` (every status), optionally one
/// category (an unknown one is a 422).
pub async fn product_performance(
    state: &AppState,
    caller: &Caller,
    days: Option<i64>,
    category: Option<String>,
) -> ApiResult<ProductPerformance> {
    let days = days_param(days)?;
    let (org, now) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            if let Some(c) = &category {
                if !catalog::categories(conn, org)?.contains(c) {
                    return Err(ApiError::field(
                        "category",
                        format!("no product category '{c}'"),
                    ));
                }
            }
            let w = Window {
                since: Some(now - Duration::days(days)),
                ..Window::default()
            };
            let sums = store::by_product(conn, org, w)?;
            let ids: Vec<i64> = sums.iter().map(|s| s.0).collect();
            let products: HashMap<i64, _> = catalog::products_by_id(conn, org, &ids)?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
            let sales: Vec<ProductSales> = sums
                .into_iter()
                .filter_map(|(id, units, revenue)| {
                    let p = products.get(&id)?;
                    if category.as_ref().is_some_and(|c| c != &p.category) {
                        return None;
                    }
                    Some(ProductSales {
                        id,
                        name: p.name.clone(),
                        category: p.category.clone(),
                        units_sold: units,
                        revenue: dollars(revenue),
                        stock_quantity: p.stock_quantity,
                    })
                })
                .collect();
            Ok(performance::product_performance(&sales, TOP_PRODUCTS))
        })
        .await
}

/// Sales per customer region over the last `days`, with each region's favourite products.
pub async fn geographic(
    state: &AppState,
    caller: &Caller,
    days: Option<i64>,
) -> ApiResult<Geography> {
    let days = days_param(days)?;
    let (org, now) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            let w = Window {
                since: Some(now - Duration::days(days)),
                ..Window::default()
            };
            let regions: Vec<(String, f64, i64)> = store::by_region(conn, org, w)?
                .into_iter()
                .map(|(r, cents, n)| (r, dollars(cents), n))
                .collect();
            let units = store::units_by_region_and_product(conn, org, w)?;
            let mut ids: Vec<i64> = units.iter().map(|u| u.1).collect();
            ids.sort_unstable();
            ids.dedup();
            let products: HashMap<i64, (String, String)> =
                catalog::products_by_id(conn, org, &ids)?
                    .into_iter()
                    .map(|p| (p.id, (p.name, p.category)))
                    .collect();
            Ok(performance::geography(
                &regions,
                &units,
                |id| products.get(&id).map(|(n, c)| (n.as_str(), c.as_str())),
                TOP_PER_REGION,
            ))
        })
        .await
}

/// Revenue, orders, average order value and active customers over the last 30 days
/// (completed transactions), each against the 30 days before.
pub async fn key_metrics(state: &AppState, caller: &Caller) -> ApiResult<Vec<KeyMetric>> {
    let (org, now) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            let period = |conn: &mut tessera_store::DbConn, from: i64, to: i64| {
                let w = Window {
                    since: Some(now - Duration::days(from)),
                    until: (to > 0).then(|| now - Duration::days(to)),
                    completed_only: true,
                };
                let (orders, cents, customers) = store::summary(conn, org, w)?;
                Ok::<_, ApiError>(PeriodSales {
                    orders,
                    revenue: dollars(cents),
                    customers,
                })
            };
            let current = period(conn, 30, 0)?;
            let previous = period(conn, 60, 30)?;
            let registered = customers::counts(conn, org, 1.0)?.total;
            Ok(performance::key_metrics(current, previous, registered))
        })
        .await
}

/// Cohorts reported at most (the latest months).
const MAX_COHORTS: usize = 12;

/// RFM segments of the customers with a completed purchase and their monthly cohorts.
#[derive(Debug, Clone)]
pub struct Segmentation {
    /// When it was computed.
    pub as_of: chrono::NaiveDateTime,
    /// Registered customers.
    pub registered: i64,
    /// Customers with at least one completed purchase.
    pub buyers: u64,
    /// Every segment, in report order.
    pub segments: Vec<Segment>,
    /// The latest monthly cohorts, oldest first.
    pub cohorts: Vec<Cohort>,
}

/// RFM segments (recency, frequency, monetary quintiles) and monthly cohort retention over
/// completed purchases.
pub async fn segmentation(state: &AppState, caller: &Caller) -> ApiResult<Segmentation> {
    let (org, now) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            let w = Window {
                completed_only: true,
                ..Window::default()
            };
            let buyers: Vec<Purchases> = store::by_customer(conn, org, w)?
                .into_iter()
                .filter_map(|c| {
                    Some(Purchases {
                        count: c.count.max(0) as u64,
                        monetary: dollars(c.amount_cents),
                        last_at: c.last_at?,
                    })
                })
                .collect();
            let months = store::active_months(conn, org)?;
            Ok(Segmentation {
                as_of: now,
                registered: customers::counts(conn, org, 1.0)?.total,
                buyers: buyers.len() as u64,
                segments: segments::rfm(&buyers, now),
                cohorts: segments::cohorts(&months, now, MAX_COHORTS),
            })
        })
        .await
}
