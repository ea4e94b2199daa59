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
    fn statuses(&self) -> Vec<&'static str> {
        if self.completed_only {
            vec![TransactionStatus::Completed.as_str()]
        } else {
            TransactionStatus::ALL.iter().map(|s| s.as_str()).collect()
        }
    }
}

/// Boxes `$q` (already grouped and selected, as diesel requires before boxing) and filters it
/// to the organisation and the window. Open ends get no filter rather than a sentinel date:
/// MySQL binds a timestamp parameter with TIMESTAMP's range, so a far-future bound compares
/// as zero.
macro_rules! windowed {
    ($q:expr, $org:expr, $w:expr) => {{
        let mut q = $q
            .filter(t::org_id.eq($org.to_string()))
            .filter(t::status.eq_any($w.statuses()))
            .into_boxed();
        if let Some(since) = $w.since {
            q = q.filter(t::occurred_at.ge(since));
        }
        if let Some(until) = $w.until {
            q = q.filter(t::occurred_at.lt(until));
        }
        q
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
    Ok(windowed!(
        t::table.select((
            count_star(),
            sql::<BigInt>(&sum),
            count(t::customer_id).aggregate_distinct(),
        )),
        org,
        w
    )
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
    let rows: Vec<(i64, i64, i64, Option<NaiveDateTime>)> = windowed!(
        t::table.group_by(t::customer_id).select((
            t::customer_id,
            count_star(),
            sql::<BigInt>(&sum),
            max(t::occurred_at),
        )),
        org,
        w
    )
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
    Ok(windowed!(
        t::table.group_by(t::product_id).select((
            t::product_id,
            sql::<BigInt>(&units),
            sql::<BigInt>(&revenue),
        )),
        org,
        w
    )
    .load(conn)?)
}

/// Sales (cents) and distinct customers per customer region in `w`.
pub fn by_region(
    conn: &mut DbConn,
    org: OrgId,
    w: Window,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let revenue = crate::db::sum_bigint(conn, "commerce_transactions.amount_cents");
    Ok(windowed!(
        t::table.inner_join(c::table).group_by(c::region).select((
            c::region,
            sql::<BigInt>(&revenue),
            count(t::customer_id).aggregate_distinct(),
        )),
        org,
        w
    )
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
    Ok(windowed!(
        t::table
            .inner_join(c::table)
            .group_by((c::region, t::product_id))
            .select((c::region, t::product_id, sql::<BigInt>(&units))),
        org,
        w
    )
    .load(conn)?)
}

/// The calendar months (`YYYY-MM`, UTC) in which each customer made a completed purchase, as
/// distinct (customer id, month) pairs.
pub fn active_months(conn: &mut DbConn, org: OrgId) -> Result<Vec<(i64, String)>, StoreError> {
    let month = match conn {
        DbConn::Postgres(_) => "to_char(occurred_at, 'YYYY-MM')",
        DbConn::Mysql(_) => "DATE_FORMAT(occurred_at, '%Y-%m')",
        DbConn::Sqlite(_) => "strftime('%Y-%m', occurred_at)",
    };
    Ok(t::table
        .filter(t::org_id.eq(org.to_string()))
        .filter(t::status.eq(TransactionStatus::Completed.as_str()))
        .select((t::customer_id, sql::<diesel::sql_types::Text>(month)))
        .distinct()
        .load(conn)?)
}
