//! Stock-transfer orders and their state machine: approving reserves the cases at the source
//! store, fulfilling moves them to the destination, cancelling releases a reservation, editing
//! re-checks it; each in the same database transaction as the status change, with the order's
//! row locked first, so two concurrent approvals or fulfilments of one order move stock once.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::retail::{order_number, Order, OrderAction, OrderDraft, OrderStatus, SLA_DAYS};
use tessera_domain::OrgId;

use super::inventory::{self, day_of, Reason};
use super::numbers::{self, Kind};
use super::order_days;
use crate::schema::{
    retail_orders as o, retail_products as p, retail_staff as st, retail_stores as s,
};
use crate::{DbConn, StoreError};

/// A row of `retail_orders`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = o)]
pub(crate) struct OrderRow {
    org_id: String,
    number: i64,
    from_store_id: i64,
    to_store_id: i64,
    product_id: i64,
    quantity_cases: i64,
    status: String,
    requested_by: Option<i64>,
    approver_id: Option<i64>,
    order_date: NaiveDateTime,
    approved_date: Option<NaiveDateTime>,
    fulfilled_date: Option<NaiveDateTime>,
    notes: Option<String>,
    version: i64,
}

impl OrderRow {
    fn status(&self) -> Result<OrderStatus, StoreError> {
        self.status
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("order {}: status", self.number)))
    }
}

/// What an order list shows of a store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreRef {
    /// Its number.
    pub number: i64,
    /// Its name.
    pub name: String,
    /// Its region.
    pub region: String,
}

/// What an order list shows of a product.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductRef {
    /// Its number.
    pub number: i64,
    /// Its name.
    pub name: String,
    /// Its brand.
    pub brand: String,
    /// Its category.
    pub category: String,
    /// Price of a case, in cents.
    pub unit_price_cents: i64,
}

/// What an order list shows of a staff member.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffRef {
    /// Their number.
    pub number: i64,
    /// First and last name.
    pub name: String,
    /// Their avatar.
    pub avatar_url: Option<String>,
}

/// An order with the names the lists show.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderView {
    /// The order.
    pub order: Order,
    /// Its product.
    pub product: ProductRef,
    /// Where it ships from.
    pub from_store: StoreRef,
    /// Where it ships to.
    pub to_store: StoreRef,
    /// Who requested it.
    pub requester: Option<StaffRef>,
    /// Its assigned approver.
    pub approver: Option<StaffRef>,
}

/// Why an order change was refused (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderRefusal {
    /// No such order in the organisation.
    #[error("order {0} does not exist")]
    Unknown(i64),
    /// A store, product or staff member the order names does not exist.
    #[error("{what} {number} does not exist")]
    UnknownReference {
        /// The field (`from_store_id`, `to_store_id`, `product_id`, `requested_by`, `approved_by`).
        what: &'static str,
        /// The number sent.
        number: i64,
    },
    /// The action is not allowed from the order's status.
    #[error("order {number} is {status}; {action} is not allowed from that status")]
    NotAllowed {
        /// The order.
        number: i64,
        /// Its status.
        status: OrderStatus,
        /// What was asked.
        action: &'static str,
    },
    /// The version sent is not the order's.
    #[error("order {number} is at version {current}, not {sent}; reload it")]
    StaleVersion {
        /// The order.
        number: i64,
        /// Its version.
        current: i64,
        /// The version sent.
        sent: i64,
    },
    /// The source store has fewer cases available than the order needs.
    #[error(
        "store {store} has {available} cases of product {product} available, {requested} needed"
    )]
    NotEnoughStock {
        /// The source store.
        store: i64,
        /// The product.
        product: i64,
        /// Cases available there.
        available: i64,
        /// Cases needed.
        requested: i64,
    },
}

fn id_of(
    conn: &mut DbConn,
    org: OrgId,
    what: &'static str,
    number: i64,
) -> Result<Result<i64, OrderRefusal>, StoreError> {
    let found: Option<i64> = match what {
        "from_store_id" | "to_store_id" => s::table
            .filter(s::org_id.eq(org.to_string()))
            .filter(s::number.eq(number))
            .select(s::id)
            .first(conn)
            .optional()?,
        "product_id" => p::table
            .filter(p::org_id.eq(org.to_string()))
            .filter(p::number.eq(number))
            .select(p::id)
            .first(conn)
            .optional()?,
        _ => st::table
            .filter(st::org_id.eq(org.to_string()))
            .filter(st::number.eq(number))
            .select(st::id)
            .first(conn)
            .optional()?,
    };
    Ok(found.ok_or(OrderRefusal::UnknownReference { what, number }))
}

/// Places an order (`pending_review`) dated `at`.
pub fn create(
    conn: &mut DbConn,
    org: OrgId,
    draft: &OrderDraft,
    at: NaiveDateTime,
) -> Result<Result<OrderView, OrderRefusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        macro_rules! resolve {
            ($what:literal, $number:expr) => {
                match id_of(conn, org, $what, $number)? {
                    Ok(id) => id,
                    Err(r) => return Ok(Err(r)),
                }
            };
        }
        let from = resolve!("from_store_id", draft.from_store);
        let to = resolve!("to_store_id", draft.to_store);
        let product = resolve!("product_id", draft.product);
        let requester = match draft.requested_by {
            Some(n) => Some(resolve!("requested_by", n)),
            None => None,
        };
        let approver = match draft.approved_by {
            Some(n) => Some(resolve!("approved_by", n)),
            None => None,
        };
        let number = numbers::allocate(conn, org, Kind::Order, 1)?;
        diesel::insert_into(o::table)
            .values((
                o::org_id.eq(org.to_string()),
                o::number.eq(number),
                o::from_store_id.eq(from),
                o::to_store_id.eq(to),
                o::product_id.eq(product),
                o::quantity_cases.eq(draft.quantity_cases),
                o::status.eq(OrderStatus::PendingReview.as_str()),
                o::requested_by.eq(requester),
                o::approver_id.eq(approver),
                o::order_date.eq(at),
                o::order_day.eq(day_of(at)),
                o::notes.eq(draft.notes.as_deref()),
                o::version.eq(1),
            ))
            .execute(conn)?;
        let status = OrderStatus::PendingReview;
        let cases = draft.quantity_cases;
        order_days::record(conn, org, day_of(at), to, None, status, cases)?;
        Ok(Ok(find(conn, org, number)?))
    })
}

/// A change asked of an order.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What to do.
    pub action: OrderAction,
    /// The version the client last read (refused when stale); `None`: no check.
    pub version: Option<i64>,
    /// Edit: the new quantity.
    pub quantity_cases: Option<i64>,
    /// Edit: the new notes (`Some(None)` clears them). Cancel: the reason to append.
    pub notes: Option<Option<String>>,
}

/// Applies `change` to order `number` at `at`: the status moves and stock with it, in one
/// database transaction after locking the order's row.
pub fn apply(
    conn: &mut DbConn,
    org: OrgId,
    number: i64,
    change: &Change,
    at: NaiveDateTime,
) -> Result<Result<OrderView, OrderRefusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        let Some(row) = lock(conn, org, number)? else {
            return Ok(Err(OrderRefusal::Unknown(number)));
        };
        let status = row.status()?;
        if let Some(sent) = change.version.filter(|v| *v != row.version) {
            return Ok(Err(OrderRefusal::StaleVersion {
                number,
                current: row.version,
                sent,
            }));
        }
        let Some(next) = status.after(change.action) else {
            return Ok(Err(OrderRefusal::NotAllowed {
                number,
                status,
                action: change.action.as_str(),
            }));
        };
        if let Err(refusal) = move_stock(conn, org, &row, status, change, at)? {
            return Ok(Err(refusal));
        }
        let quantity = match change.action {
            OrderAction::Edit => change.quantity_cases.unwrap_or(row.quantity_cases),
            _ => row.quantity_cases,
        };
        let notes = match (change.action, &change.notes) {
            (OrderAction::Edit, Some(n)) => n.clone(),
            (OrderAction::Cancel, Some(Some(reason))) => Some(match &row.notes {
                Some(n) if !n.is_empty() => format!("{n}\nCancellation reason: {reason}"),
                _ => format!("Cancellation reason: {reason}"),
            }),
            _ => row.notes.clone(),
        };
        let approved_date = match change.action {
            OrderAction::Approve => Some(at),
            _ => row.approved_date,
        };
        let (fulfilled_date, seconds) = match change.action {
            OrderAction::Fulfil => (Some(at), Some((at - row.order_date).num_seconds().max(0))),
            _ => (row.fulfilled_date, None),
        };
        let mut update = diesel::update(
            o::table
                .filter(o::org_id.eq(org.to_string()))
                .filter(o::number.eq(row.number)),
        )
        .set((
            o::status.eq(next.as_str()),
            o::quantity_cases.eq(quantity),
            o::notes.eq(notes),
            o::approved_date.eq(approved_date),
            o::fulfilled_date.eq(fulfilled_date),
            o::version.eq(row.version + 1),
        ))
        .execute(conn)?;
        if let Some(seconds) = seconds {
            update += diesel::update(
                o::table
                    .filter(o::org_id.eq(org.to_string()))
                    .filter(o::number.eq(row.number)),
            )
            .set(o::fulfilment_seconds.eq(seconds))
            .execute(conn)?;
        }
        crate::affected(update)?;
        let (day, to) = (day_of(row.order_date), row.to_store_id);
        let cases = quantity - row.quantity_cases;
        order_days::record(conn, org, day, to, Some(status), next, cases)?;
        Ok(Ok(find(conn, org, number)?))
    })
}

/// Reserves, releases or moves the stock that `change` of an order in `status` needs.
fn move_stock(
    conn: &mut DbConn,
    org: OrgId,
    row: &OrderRow,
    status: OrderStatus,
    change: &Change,
    at: NaiveDateTime,
) -> Result<Result<(), OrderRefusal>, StoreError> {
    let q = row.quantity_cases;
    let order = Some(row.number);
    match change.action {
        OrderAction::Approve => reserve(conn, org, row, q, at),
        OrderAction::Fulfil => {
            let source = inventory::ensure_row(conn, org, row.from_store_id, row.product_id, at)?;
            let target = inventory::ensure_row(conn, org, row.to_store_id, row.product_id, at)?;
            // both rows in id order, so two fulfilments in opposite directions never deadlock
            let mut moves = [
                (source.id, -q, -q, Reason::Shipped),
                (target.id, q, 0, Reason::Received),
            ];
            moves.sort_by_key(|m| m.0);
            for (id, quantity, reserved, reason) in moves {
                if !inventory::shift(conn, org, id, quantity, reserved, reason, order, at)? {
                    return Err(StoreError::Corrupt(format!(
                        "order {}: its reservation at the source is gone",
                        row.number
                    )));
                }
            }
            Ok(Ok(()))
        }
        OrderAction::Cancel if status.holds_reservation() => {
            release(conn, org, row, q, at)?;
            Ok(Ok(()))
        }
        OrderAction::Edit if status.holds_reservation() => {
            let to = change.quantity_cases.unwrap_or(q);
            if to > q {
                reserve(conn, org, row, to - q, at)
            } else {
                if to < q {
                    release(conn, org, row, q - to, at)?;
                }
                Ok(Ok(()))
            }
        }
        OrderAction::Cancel | OrderAction::Edit => Ok(Ok(())),
    }
}

fn reserve(
    conn: &mut DbConn,
    org: OrgId,
    row: &OrderRow,
    cases: i64,
    at: NaiveDateTime,
) -> Result<Result<(), OrderRefusal>, StoreError> {
    let source = inventory::row_of(conn, row.from_store_id, row.product_id)?;
    let reserved = match &source {
        Some(s) => inventory::shift(
            conn,
            org,
            s.id,
            0,
            cases,
            Reason::Reserved,
            Some(row.number),
            at,
        )?,
        None => false,
    };
    if reserved {
        return Ok(Ok(()));
    }
    let available = source
        .map(|s| s.quantity_cases - s.reserved_cases)
        .unwrap_or(0);
    let store: i64 = s::table
        .filter(s::id.eq(row.from_store_id))
        .select(s::number)
        .first(conn)?;
    let product: i64 = p::table
        .filter(p::id.eq(row.product_id))
        .select(p::number)
        .first(conn)?;
    Ok(Err(OrderRefusal::NotEnoughStock {
        store,
        product,
        available,
        requested: cases,
    }))
}

fn release(
    conn: &mut DbConn,
    org: OrgId,
    row: &OrderRow,
    cases: i64,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let released = match inventory::row_of(conn, row.from_store_id, row.product_id)? {
        Some(s) => inventory::shift(
            conn,
            org,
            s.id,
            0,
            -cases,
            Reason::Released,
            Some(row.number),
            at,
        )?,
        None => false,
    };
    if released {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!(
            "order {}: its reservation at the source is gone",
            row.number
        )))
    }
}

/// Locks order `number` and reads it: a locking read on PostgreSQL and MySQL (which waits for
/// a concurrent change and then reads what it committed); on SQLite an update first, so the
/// transaction holds the write lock from its first statement.
fn lock(conn: &mut DbConn, org: OrgId, number: i64) -> Result<Option<OrderRow>, StoreError> {
    let mine = o::table
        .filter(o::org_id.eq(org.to_string()))
        .filter(o::number.eq(number));
    Ok(match conn {
        DbConn::Postgres(c) => mine
            .select(OrderRow::as_select())
            .for_update()
            .first(c)
            .optional()?,
        DbConn::Mysql(c) => mine
            .select(OrderRow::as_select())
            .for_update()
            .first(c)
            .optional()?,
        DbConn::Sqlite(_) => {
            if diesel::update(mine.clone())
                .set(o::version.eq(o::version))
                .execute(conn)?
                == 0
            {
                return Ok(None);
            }
            Some(mine.select(OrderRow::as_select()).first(conn)?)
        }
    })
}

/// Order `number` with its names.
pub fn find(conn: &mut DbConn, org: OrgId, number: i64) -> Result<OrderView, StoreError> {
    let row: OrderRow = o::table
        .filter(o::org_id.eq(org.to_string()))
        .filter(o::number.eq(number))
        .select(OrderRow::as_select())
        .first(conn)?;
    views(conn, vec![row])?.pop().ok_or(StoreError::NotFound)
}

/// Orders with the names of their stores, products and staff (four reads in all).
fn views(conn: &mut DbConn, rows: Vec<OrderRow>) -> Result<Vec<OrderView>, StoreError> {
    let mut store_ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.from_store_id, r.to_store_id])
        .collect();
    store_ids.sort_unstable();
    store_ids.dedup();
    let stores: HashMap<i64, StoreRef> = s::table
        .filter(s::id.eq_any(&store_ids))
        .select((s::id, s::number, s::name, s::region))
        .load::<(i64, i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, number, name, region)| {
            (
                id,
                StoreRef {
                    number,
                    name,
                    region,
                },
            )
        })
        .collect();
    let product_ids: Vec<i64> = rows.iter().map(|r| r.product_id).collect();
    let products: HashMap<i64, ProductRef> = p::table
        .filter(p::id.eq_any(&product_ids))
        .select((
            p::id,
            p::number,
            p::name,
            p::brand,
            p::category,
            p::unit_price_cents,
        ))
        .load::<(i64, i64, String, String, String, i64)>(conn)?
        .into_iter()
        .map(|(id, number, name, brand, category, unit_price_cents)| {
            (
                id,
                ProductRef {
                    number,
                    name,
                    brand,
                    category,
                    unit_price_cents,
                },
            )
        })
        .collect();
    let staff_ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.requested_by, r.approver_id])
        .flatten()
        .collect();
    let staff: HashMap<i64, StaffRef> = if staff_ids.is_empty() {
        HashMap::new()
    } else {
        st::table
            .filter(st::id.eq_any(&staff_ids))
            .select((
                st::id,
                st::number,
                st::first_name,
                st::last_name,
                st::avatar_url,
            ))
            .load::<(i64, i64, String, String, Option<String>)>(conn)?
            .into_iter()
            .map(|(id, number, first, last, avatar_url)| {
                (
                    id,
                    StaffRef {
                        number,
                        name: format!("{first} {last}"),
                        avatar_url,
                    },
                )
            })
            .collect()
    };
    rows.into_iter()
        .map(|r| {
            let missing = |what: &str| StoreError::Corrupt(format!("order {}: {what}", r.number));
            let from_store = stores
                .get(&r.from_store_id)
                .cloned()
                .ok_or_else(|| missing("from store"))?;
            let to_store = stores
                .get(&r.to_store_id)
                .cloned()
                .ok_or_else(|| missing("to store"))?;
            let product = products
                .get(&r.product_id)
                .cloned()
                .ok_or_else(|| missing("product"))?;
            let requester = r.requested_by.and_then(|id| staff.get(&id).cloned());
            let approver = r.approver_id.and_then(|id| staff.get(&id).cloned());
            let status = r.status()?;
            Ok(OrderView {
                order: Order {
                    number: r.number,
                    org_id: crate::parse_org(&r.org_id, "order")?,
                    order_number: order_number(r.number),
                    from_store: from_store.number,
                    to_store: to_store.number,
                    product: product.number,
                    quantity_cases: r.quantity_cases,
                    status,
                    requested_by: requester.as_ref().map(|s| s.number),
                    approved_by: approver.as_ref().map(|s| s.number),
                    order_date: r.order_date,
                    approved_date: r.approved_date,
                    fulfilled_date: r.fulfilled_date,
                    notes: r.notes,
                    version: r.version,
                },
                product,
                from_store,
                to_store,
                requester,
                approver,
            })
        })
        .collect()
}

/// Filters of the order list and its status summary.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Only orders to stores of this region.
    pub region: Option<String>,
    /// Only orders of products of this category.
    pub category: Option<String>,
    /// Only orders in this status (ignored with `expired_sla_only`).
    pub status: Option<OrderStatus>,
    /// Only pending orders older than the service level.
    pub expired_sla_only: bool,
    /// First day (days since 1970-01-01), inclusive.
    pub from_day: Option<i64>,
    /// Last day, inclusive.
    pub to_day: Option<i64>,
}

macro_rules! filtered {
    ($q:expr, $org:expr, $filter:expr, $now:expr, $with_status:expr) => {{
        let f: &OrderFilter = $filter;
        let now: NaiveDateTime = $now;
        // orders dated after today are never listed (imports and demo data may hold some)
        let mut q = $q
            .filter(o::org_id.eq($org.to_string()))
            .filter(o::order_day.le(day_of(now)))
            .into_boxed();
        if let Some(r) = &f.region {
            q = q.filter(
                o::to_store_id.eq_any(
                    s::table
                        .filter(s::org_id.eq($org.to_string()))
                        .filter(s::region.eq(r.clone()))
                        .select(s::id),
                ),
            );
        }
        if let Some(c) = &f.category {
            q = q.filter(
                o::product_id.eq_any(
                    p::table
                        .filter(p::org_id.eq($org.to_string()))
                        .filter(p::category.eq(c.clone()))
                        .select(p::id),
                ),
            );
        }
        if let Some(d) = f.from_day {
            q = q.filter(o::order_day.ge(d));
        }
        if let Some(d) = f.to_day {
            q = q.filter(o::order_day.le(d));
        }
        if f.expired_sla_only {
            q = q
                .filter(o::status.eq(OrderStatus::PendingReview.as_str()))
                .filter(o::order_date.lt(now - chrono::Duration::days(SLA_DAYS)));
        } else if let Some(st) = f.status.filter(|_| $with_status) {
            q = q.filter(o::status.eq(st.as_str()));
        }
        q
    }};
}

/// One page of the orders matching `filter` at `now`, newest first, and how many match.
pub fn list(
    conn: &mut DbConn,
    org: OrgId,
    filter: &OrderFilter,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> Result<(Vec<OrderView>, i64), StoreError> {
    let total = match counted_by_day(filter, now) {
        Some((region, from, to)) => {
            let c = order_days::totals(conn, org, region, from, to)?;
            match filter.status {
                Some(st) => c.by_status[order_days::slot(st)],
                None => c.by_status.iter().sum(),
            }
        }
        None => filtered!(o::table, org, filter, now, true)
            .select(diesel::dsl::count_star())
            .first(conn)?,
    };
    if offset >= total {
        return Ok((Vec::new(), total));
    }
    // newest first; the day leads so that the (org, day, date) index walks backwards in order
    let rows: Vec<OrderRow> = filtered!(o::table, org, filter, now, true)
        .select(OrderRow::as_select())
        .order((o::order_day.desc(), o::order_date.desc(), o::number.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((views(conn, rows)?, total))
}

/// The status cards: orders per status, pending ones past the service level and cases in all,
/// over the orders matching `filter` (its status ignored) at `now`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusSummary {
    /// Orders per status (every status present, 0 when none).
    pub counts: Vec<(OrderStatus, i64)>,
    /// Pending orders older than the service level.
    pub expired_sla: i64,
    /// Cases of every matching order.
    pub total_cases: i64,
}

/// When the orders matching `filter` at `now` can be counted from `retail_order_days`: the
/// region and the day range to add up (none: a category or the SLA filter needs the orders).
fn counted_by_day(
    filter: &OrderFilter,
    now: NaiveDateTime,
) -> Option<(Option<&str>, Option<i64>, Option<i64>)> {
    if filter.category.is_some() || filter.expired_sla_only {
        return None;
    }
    let today = day_of(now);
    let to = Some(filter.to_day.map_or(today, |d| d.min(today)));
    Some((filter.region.as_deref(), filter.from_day, to))
}

/// The status summary of the orders matching `filter` at `now`: added up from the orders per
/// day and store, or counted from the orders themselves under a category filter.
pub fn status_summary(
    conn: &mut DbConn,
    org: OrgId,
    filter: &OrderFilter,
    now: NaiveDateTime,
) -> Result<StatusSummary, StoreError> {
    let mut f = filter.clone();
    f.status = None;
    f.expired_sla_only = false;
    let Some((region, from, to)) = counted_by_day(&f, now) else {
        return status_summary_scanned(conn, org, filter, now);
    };
    let c = order_days::totals(conn, org, region, from, to)?;
    // pending orders past the service level: whole days before the cutoff's day from the
    // counts, the cutoff's own day from the orders
    let cutoff_day = day_of(now - chrono::Duration::days(SLA_DAYS));
    let before = to.map(|t| t.min(cutoff_day - 1));
    let mut expired = if from.is_none_or(|d| d < cutoff_day) {
        order_days::totals(conn, org, region, from, before)?.by_status[0]
    } else {
        0
    };
    if from.is_none_or(|d| d <= cutoff_day) && to.is_none_or(|t| t >= cutoff_day) {
        f.expired_sla_only = true;
        f.from_day = Some(cutoff_day);
        f.to_day = Some(cutoff_day);
        let edge: i64 = filtered!(o::table, org, &f, now, false)
            .select(diesel::dsl::count_star())
            .first(conn)?;
        expired += edge;
    }
    Ok(StatusSummary {
        counts: OrderStatus::ALL
            .iter()
            .zip(c.by_status)
            .map(|(s, n)| (*s, n))
            .collect(),
        expired_sla: expired,
        total_cases: c.cases,
    })
}

/// [`status_summary`] counted from the orders themselves (any filter).
pub fn status_summary_scanned(
    conn: &mut DbConn,
    org: OrgId,
    filter: &OrderFilter,
    now: NaiveDateTime,
) -> Result<StatusSummary, StoreError> {
    let mut f = filter.clone();
    f.status = None;
    f.expired_sla_only = false;
    let cases = crate::db::sum_bigint(conn, "quantity_cases");
    let grouped: Vec<(String, i64, i64)> = filtered!(
        o::table.group_by(o::status).select((
            o::status,
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::BigInt>(&cases),
        )),
        org,
        &f,
        now,
        false
    )
    .load(conn)?;
    let mut summary = StatusSummary {
        counts: OrderStatus::ALL.iter().map(|s| (*s, 0)).collect(),
        ..Default::default()
    };
    for (status, count, cases) in grouped {
        if let Some(slot) = summary
            .counts
            .iter_mut()
            .find(|(s, _)| s.as_str() == status)
        {
            slot.1 = count;
        }
        summary.total_cases += cases;
    }
    f.expired_sla_only = true;
    summary.expired_sla = filtered!(o::table, org, &f, now, false)
        .select(diesel::dsl::count_star())
        .first(conn)?;
    Ok(summary)
}
