//! Grouped reads of the commerce tables behind the dashboards: sales per hour, per customer,
//! per product and per region over a window. Statistics over them live in `analytics`.

use chrono::NaiveDateTime;
use diesel::dsl::{count, count_star, max, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use tessera_domain::commerce::TransactionStatus;
use tessera_domain::OrgId;

use crate::schema::{commerce_customers as c, commerce_transactions as t};
use crate::{DbConn, StoreError};

/// Which transactions a grouped read covers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    /// At or after this time (all when `None`).
    pub since: Option<NaiveDateTime>,
    /// Before this time (all when `None`).
    pub until: Option<NaiveDateTime>,
    /// Only completed transactions (else every status).
    pub completed_only: bool,
}

impl Window {
    fn bounds(&self) -> (NaiveDateTime, NaiveDateTime) {
        // the widest range all three engines store (MySQL's DATETIME: years 1000..=9999)
        let lowest =
            chrono::NaiveDate::from_ymd_opt(1000, 1, 1).map(|d| d.and_time(chrono::NaiveTime::MIN));
        let highest = chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
            .map(|d| d.and_time(chrono::NaiveTime::MIN));
        (
            self.since.or(lowest).unwrap_or_default(),
            self.until.or(highest).unwrap_or_default(),
        )
    }

    fn statuses(&self) -> Vec<&'static str> {
        if self.completed_only {
            vec![TransactionStatus::Completed.as_str()]
        } else {
            TransactionStatus::ALL.iter().map(|s| s.as_str()).collect()
        }
    }
}

/// Filters `$q` (unboxed, so it can still be grouped) to the organisation and the window.
macro_rules! windowed {
    ($q:expr, $org:expr, $w:expr) => {{
        let (since, until) = $w.bounds();
        $q.filter(t::org_id.eq($org.to_string()))
            .filter(t::occurred_at.ge(since))
            .filter(t::occurred_at.lt(until))
            .filter(t::status.eq_any($w.statuses()))
    }};
}

/// Sum (cents) and count of transactions per hour bucket (hours since the epoch) in
/// `from_hour..=to_hour`, every status, ascending.
pub fn hourly(
    conn: &mut DbConn,
    org: OrgId,
    from_hour: i64,
    to_hour: i64,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let sum = crate::db::sum_bigint(conn, "amount_cents");
    Ok(t::table
        .filter(t::org_id.eq(org.to_string()))
        .filter(t::occurred_hour.ge(from_hour))
        .filter(t::occurred_hour.le(to_hour))
        .group_by(t::occurred_hour)
        .select((t::occurred_hour, sql::<BigInt>(&sum), count_star()))
        .order(t::occurred_hour.asc())
        .load(conn)?)
}

/// Count, sum (cents) and distinct customers of the transactions in `w`.
pub fn summary(conn: &mut DbConn, org: OrgId, w: Window) -> Result<(i64, i64, i64), StoreError> {
    let sum = crate::db::sum_bigint(conn, "amount_cents");
    Ok(windowed!(t::table, org, w)
        .select((
            count_star(),
            sql::<BigInt>(&sum),
            count(t::customer_id).aggregate_distinct(),
        ))
        .first(conn)?)
}

/// One customer's purchases in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerSales {
    /// The customer.
    pub customer_id: i64,
    /// Their transactions.
    pub count: i64,
    /// Their sum, in cents.
    pub amount_cents: i64,
    /// Their latest transaction.
    pub last_at: Option<NaiveDateTime>,
}

/// Every customer's purchases in `w` (customers without any are absent).
pub fn by_customer(
    conn: &mut DbConn,
    org: OrgId,
    w: Window,
) -> Result<Vec<CustomerSales>, StoreError> {
    let sum = crate::db::sum_bigint(conn, "amount_cents");
    let rows: Vec<(i64, i64, i64, Option<NaiveDateTime>)> = windowed!(t::table, org, w)
        .group_by(t::customer_id)
        .select((
            t::customer_id,
            count_star(),
            sql::<BigInt>(&sum),
            max(t::occurred_at),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(customer_id, count, amount_cents, last_at)| CustomerSales {
                customer_id,
                count,
                amount_cents,
                last_at,
            },
        )
        .collect())
}

/// Units sold and revenue (cents) per product in `w`, as (product id, units, revenue).
pub fn by_product(
    conn: &mut DbConn,
    org: OrgId,
    w: Window,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let units = crate::db::sum_bigint(conn, "quantity");
    let revenue = crate::db::sum_bigint(conn, "amount_cents");
    Ok(windowed!(t::table, org, w)
        .group_by(t::product_id)
        .select((
            t::product_id,
            sql::<BigInt>(&units),
            sql::<BigInt>(&revenue),
        ))
        .load(conn)?)
}

/// Sales (cents) and distinct customers per customer region in `w`.
pub fn by_region(
    conn: &mut DbConn,
    org: OrgId,
    w: Window,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let revenue = crate::db::sum_bigint(conn, "commerce_transactions.amount_cents");
    Ok(windowed!(t::table.inner_join(c::table), org, w)
        .group_by(c::region)
        .select((
            c::region,
            sql::<BigInt>(&revenue),
            count(t::customer_id).aggregate_distinct(),
        ))
        .order(c::region.asc())
        .load(conn)?)
}

/// Units sold per (customer region, product) in `w`.
pub fn units_by_region_and_product(
    conn: &mut DbConn,
    org: OrgId,
    w: Window,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let units = crate::db::sum_bigint(conn, "commerce_transactions.quantity");
    Ok(windowed!(t::table.inner_join(c::table), org, w)
        .group_by((c::region, t::product_id))
        .select((c::region, t::product_id, sql::<BigInt>(&units)))
        .load(conn)?)
}
