//! `retail_order_days`: each organisation's orders per order day and destination store, counted
//! by status, with their cases. The status cards and the order list's count add up these rows
//! (at most days × stores) instead of scanning the orders. Every change of an order updates its
//! row in the same transaction: a status move shifts one order between columns, an edit changes
//! the cases, a new order adds one; a row that is missing (orders written by other means) is
//! computed from the orders then, so it is never wrong, only late to exist.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use tessera_domain::retail::OrderStatus;
use tessera_domain::OrgId;

use crate::db::sum_bigint;
use crate::schema::{retail_order_days as d, retail_orders as o, retail_stores as s};
use crate::{DbConn, StoreError};

/// Per status (in `OrderStatus::ALL` order) how many orders, and their cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Orders per status.
    pub by_status: [i64; 4],
    /// Cases of all of them.
    pub cases: i64,
}

/// The index of `status` in [`Counts::by_status`].
pub(crate) fn slot(status: OrderStatus) -> usize {
    OrderStatus::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or_default()
}

/// Records that an order of day `day` to store `to_store_id` (internal id) moved from `from`
/// (none: it is new) to `to`, its cases changing by `cases`. Call it after the order's own row
/// changed, in the same transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    conn: &mut DbConn,
    org: OrgId,
    day: i64,
    to_store_id: i64,
    from: Option<OrderStatus>,
    to: OrderStatus,
    cases: i64,
) -> Result<(), StoreError> {
    let mut delta = [0i64; 4];
    if let Some(f) = from {
        delta[slot(f)] -= 1;
    }
    delta[slot(to)] += 1;
    let key = d::table
        .filter(d::org_id.eq(org.to_string()))
        .filter(d::order_day.eq(day))
        .filter(d::to_store_id.eq(to_store_id));
    let updated = diesel::update(key)
        .set((
            d::pending_review.eq(d::pending_review + delta[0]),
            d::approved.eq(d::approved + delta[1]),
            d::fulfilled.eq(d::fulfilled + delta[2]),
            d::cancelled.eq(d::cancelled + delta[3]),
            d::cases.eq(d::cases + cases),
        ))
        .execute(conn)?;
    if updated == 0 {
        // a new key: orders are numbered under the organisation's lock, so no other order of
        // the organisation inserts one meanwhile; counted from the orders, this one included
        let c = counted(conn, org, day, to_store_id)?;
        diesel::insert_into(d::table)
            .values((
                d::org_id.eq(org.to_string()),
                d::order_day.eq(day),
                d::to_store_id.eq(to_store_id),
                d::pending_review.eq(c.by_status[0]),
                d::approved.eq(c.by_status[1]),
                d::fulfilled.eq(c.by_status[2]),
                d::cancelled.eq(c.by_status[3]),
                d::cases.eq(c.cases),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The orders of one key counted from `retail_orders`.
fn counted(
    conn: &mut DbConn,
    org: OrgId,
    day: i64,
    to_store_id: i64,
) -> Result<Counts, StoreError> {
    let cases = sum_bigint(conn, "quantity_cases");
    let rows: Vec<(String, i64, i64)> = o::table
        .filter(o::org_id.eq(org.to_string()))
        .filter(o::order_day.eq(day))
        .filter(o::to_store_id.eq(to_store_id))
        .group_by(o::status)
        .select((o::status, diesel::dsl::count_star(), sql::<BigInt>(&cases)))
        .load(conn)?;
    let mut c = Counts::default();
    for (status, n, q) in rows {
        if let Ok(st) = status.parse::<OrderStatus>() {
            c.by_status[slot(st)] += n;
        }
        c.cases += q;
    }
    Ok(c)
}

/// The counts of the organisation's orders dated `from_day..=to_day` (either end open when
/// `None`) to stores of `region` (all when `None`).
pub fn totals(
    conn: &mut DbConn,
    org: OrgId,
    region: Option<&str>,
    from_day: Option<i64>,
    to_day: Option<i64>,
) -> Result<Counts, StoreError> {
    let column = |c: &str| sum_bigint(conn, &format!("retail_order_days.{c}"));
    let (p, a, f, c, cases) = (
        column("pending_review"),
        column("approved"),
        column("fulfilled"),
        column("cancelled"),
        column("cases"),
    );
    let mut q = d::table
        .filter(d::org_id.eq(org.to_string()))
        .select((
            sql::<BigInt>(&p),
            sql::<BigInt>(&a),
            sql::<BigInt>(&f),
            sql::<BigInt>(&c),
            sql::<BigInt>(&cases),
        ))
        .into_boxed();
    if let Some(r) = region {
        q = q.filter(
            d::to_store_id.eq_any(
                s::table
                    .filter(s::org_id.eq(org.to_string()))
                    .filter(s::region.eq(r.to_owned()))
                    .select(s::id),
            ),
        );
    }
    if let Some(day) = from_day {
        q = q.filter(d::order_day.ge(day));
    }
    if let Some(day) = to_day {
        q = q.filter(d::order_day.le(day));
    }
    let (p, a, f, c, cases): (i64, i64, i64, i64, i64) = q.first(conn)?;
    Ok(Counts {
        by_status: [p, a, f, c],
        cases,
    })
}
