//! Inventory: cases of each product at each store and how many approved orders reserve, with a
//! history row written by every change (what the trends are computed from).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::retail::InventoryItem;
use tessera_domain::OrgId;

use super::numbers::{self, Kind};
use crate::schema::{
    retail_inventory as i, retail_inventory_history as h, retail_products as p, retail_stores as s,
};
use crate::{DbConn, StoreError};

/// Days since 1970-01-01 (UTC) of `at`: the daily bucket every engine groups by alike.
pub fn day_of(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp().div_euclid(86_400)
}

/// Why an inventory row changed (`retail_inventory_history.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// First stocked (demo data, a new row).
    Seeded,
    /// Set by hand (`PATCH /inventory/{id}/stock`).
    Adjusted,
    /// An approved order reserved cases here.
    Reserved,
    /// A cancelled or edited order released its reservation.
    Released,
    /// A fulfilled order shipped cases from here.
    Shipped,
    /// A fulfilled order delivered cases here.
    Received,
}

impl Reason {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seeded => "seeded",
            Self::Adjusted => "adjusted",
            Self::Reserved => "reserved",
            Self::Released => "released",
            Self::Shipped => "shipped",
            Self::Received => "received",
        }
    }
}

/// A row of `retail_inventory`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = i)]
pub(crate) struct InventoryRow {
    pub(crate) id: i64,
    org_id: String,
    pub(crate) number: i64,
    pub(crate) quantity_cases: i64,
    pub(crate) reserved_cases: i64,
    last_updated: NaiveDateTime,
}

/// An inventory row with what the lists show of its store and product.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryView {
    /// The row.
    pub item: InventoryItem,
    /// Its store's name.
    pub store_name: String,
    /// Its store's region.
    pub region: String,
    /// Its product's name.
    pub product_name: String,
    /// Its product's brand.
    pub brand: String,
    /// Its product's category.
    pub category: String,
    /// Its product's price of a case, in cents.
    pub unit_price_cents: i64,
}

type ViewRow = (
    InventoryRow,
    i64,
    String,
    String,
    i64,
    String,
    String,
    String,
    i64,
);

fn view(
    (row, store, store_name, region, product, name, brand, category, price): ViewRow,
) -> Result<InventoryView, StoreError> {
    Ok(InventoryView {
        item: InventoryItem {
            number: row.number,
            org_id: crate::parse_org(&row.org_id, "inventory")?,
            store,
            product,
            quantity_cases: row.quantity_cases,
            reserved_cases: row.reserved_cases,
            last_updated: row.last_updated,
        },
        store_name,
        region,
        product_name: name,
        brand,
        category,
        unit_price_cents: price,
    })
}

macro_rules! joined {
    ($org:expr) => {
        i::table
            .inner_join(s::table)
            .inner_join(p::table)
            .filter(i::org_id.eq($org.to_string()))
            .select((
                InventoryRow::as_select(),
                s::number,
                s::name,
                s::region,
                p::number,
                p::name,
                p::brand,
                p::category,
                p::unit_price_cents,
            ))
    };
}

/// Filters of inventory readings.
#[derive(Debug, Clone, Default)]
pub struct InventoryFilter {
    /// Only stores of this region.
    pub region: Option<String>,
    /// Only products of this category.
    pub category: Option<String>,
    /// Only this store (its number).
    pub store: Option<i64>,
    /// Only rows with at most this many cases available.
    pub available_at_most: Option<i64>,
}

/// Inventory row `number` with its store and product.
pub fn find(conn: &mut DbConn, org: OrgId, number: i64) -> Result<InventoryView, StoreError> {
    let row: ViewRow = joined!(org).filter(i::number.eq(number)).first(conn)?;
    view(row)
}

/// Inventory rows matching `filter`, by store and product name, `limit` from `offset`, and how
/// many match in all.
pub fn list(
    conn: &mut DbConn,
    org: OrgId,
    filter: &InventoryFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<InventoryView>, i64), StoreError> {
    macro_rules! filtered {
        ($q:expr) => {{
            let mut q = $q.into_boxed();
            if let Some(r) = &filter.region {
                q = q.filter(s::region.eq(r.clone()));
            }
            if let Some(c) = &filter.category {
                q = q.filter(p::category.eq(c.clone()));
            }
            if let Some(n) = filter.store {
                q = q.filter(s::number.eq(n));
            }
            if let Some(most) = filter.available_at_most {
                q = q.filter((i::quantity_cases - i::reserved_cases).le(most));
            }
            q
        }};
    }
    let total: i64 = filtered!(i::table
        .inner_join(s::table)
        .inner_join(p::table)
        .filter(i::org_id.eq(org.to_string()))
        .select(diesel::dsl::count_star()))
    .first(conn)?;
    let rows: Vec<ViewRow> = filtered!(joined!(org))
        .order((s::name, p::name, i::number))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows.into_iter().map(view).collect::<Result<_, _>>()?, total))
}

/// Rows with at most `threshold` cases available, most urgent first (at most `limit`).
pub fn low_stock(
    conn: &mut DbConn,
    org: OrgId,
    filter: &InventoryFilter,
    threshold: i64,
    limit: i64,
) -> Result<Vec<InventoryView>, StoreError> {
    let mut q = joined!(org)
        .filter((i::quantity_cases - i::reserved_cases).le(threshold))
        .into_boxed();
    if let Some(r) = &filter.region {
        q = q.filter(s::region.eq(r.clone()));
    }
    if let Some(c) = &filter.category {
        q = q.filter(p::category.eq(c.clone()));
    }
    let rows: Vec<ViewRow> = q
        .order(((i::quantity_cases - i::reserved_cases).asc(), i::number))
        .limit(limit)
        .load(conn)?;
    rows.into_iter().map(view).collect()
}

/// Inserts a history row for inventory row `id` at the levels it has after a change.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    conn: &mut DbConn,
    org: OrgId,
    id: i64,
    quantity: i64,
    reserved: i64,
    change: i64,
    reason: Reason,
    order: Option<i64>,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(h::table)
        .values((
            h::org_id.eq(org.to_string()),
            h::inventory_id.eq(id),
            h::quantity_cases.eq(quantity),
            h::reserved_cases.eq(reserved),
            h::change_cases.eq(change),
            h::reason.eq(reason.as_str()),
            h::order_number.eq(order),
            h::recorded_at.eq(at),
            h::recorded_day.eq(day_of(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves inventory row `id` by `quantity` and `reserved` cases (either may be negative) when
/// the result keeps `0 ≤ reserved ≤ quantity` and at least `min_available` cases available
/// before the move; records the change. `false` (nothing written) when it would not.
#[allow(clippy::too_many_arguments)]
pub(crate) fn shift(
    conn: &mut DbConn,
    org: OrgId,
    id: i64,
    quantity: i64,
    reserved: i64,
    reason: Reason,
    order: Option<i64>,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        i::table
            .filter(i::id.eq(id))
            .filter((i::quantity_cases + quantity).ge(0))
            .filter((i::reserved_cases + reserved).ge(0))
            .filter((i::reserved_cases + reserved).le(i::quantity_cases + quantity)),
    )
    .set((
        i::quantity_cases.eq(i::quantity_cases + quantity),
        i::reserved_cases.eq(i::reserved_cases + reserved),
        i::last_updated.eq(at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    let (q, r, store_id, category, price): (i64, i64, i64, String, i64) = i::table
        .inner_join(p::table)
        .filter(i::id.eq(id))
        .select((
            i::quantity_cases,
            i::reserved_cases,
            i::store_id,
            p::category,
            p::unit_price_cents,
        ))
        .first(conn)?;
    record(conn, org, id, q, r, quantity, reason, order, at)?;
    if quantity != 0 {
        super::stock_totals::add(conn, org, store_id, &category, quantity, quantity * price)?;
    }
    Ok(true)
}

/// The inventory row of `product_id` at `store_id` (internal ids), if any.
pub(crate) fn row_of(
    conn: &mut DbConn,
    store_id: i64,
    product_id: i64,
) -> Result<Option<InventoryRow>, StoreError> {
    Ok(i::table
        .filter(i::store_id.eq(store_id))
        .filter(i::product_id.eq(product_id))
        .select(InventoryRow::as_select())
        .first(conn)
        .optional()?)
}

/// The inventory row of `product_id` at `store_id`, created empty when missing.
pub(crate) fn ensure_row(
    conn: &mut DbConn,
    org: OrgId,
    store_id: i64,
    product_id: i64,
    at: NaiveDateTime,
) -> Result<InventoryRow, StoreError> {
    if let Some(row) = row_of(conn, store_id, product_id)? {
        return Ok(row);
    }
    let number = numbers::allocate(conn, org, Kind::Inventory, 1)?;
    diesel::insert_into(i::table)
        .values((
            i::org_id.eq(org.to_string()),
            i::number.eq(number),
            i::store_id.eq(store_id),
            i::product_id.eq(product_id),
            i::quantity_cases.eq(0),
            i::reserved_cases.eq(0),
            i::last_updated.eq(at),
        ))
        .execute(conn)?;
    count_rows(conn, &[product_id], 1)?;
    row_of(conn, store_id, product_id)?.ok_or(StoreError::NotFound)
}

/// Why a stock change was refused (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockRefusal {
    /// No such inventory row in the organisation.
    #[error("inventory {0} does not exist")]
    Unknown(i64),
    /// Fewer cases than approved orders reserve here.
    #[error("{reserved} cases are reserved by approved orders; stock cannot go below that")]
    BelowReserved {
        /// Cases reserved.
        reserved: i64,
    },
}

/// Sets inventory row `number` to `quantity_cases` on hand (never below what is reserved),
/// recording the change.
pub fn set_stock(
    conn: &mut DbConn,
    org: OrgId,
    number: i64,
    quantity_cases: i64,
    at: NaiveDateTime,
) -> Result<Result<InventoryView, StockRefusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        let Some(row) = lock(conn, org, number)? else {
            return Ok(Err(StockRefusal::Unknown(number)));
        };
        if quantity_cases < row.reserved_cases {
            return Ok(Err(StockRefusal::BelowReserved {
                reserved: row.reserved_cases,
            }));
        }
        let change = quantity_cases - row.quantity_cases;
        shift(conn, org, row.id, change, 0, Reason::Adjusted, None, at)?;
        Ok(Ok(find(conn, org, number)?))
    })
}

/// Adds `delta` cases (negative: removes) to inventory row `number` as a delivery or a count
/// correction, never below what is reserved; recorded as `received` or `adjusted`.
pub fn adjust(
    conn: &mut DbConn,
    org: OrgId,
    number: i64,
    delta: i64,
    at: NaiveDateTime,
) -> Result<Result<(), StockRefusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        let Some(row) = lock(conn, org, number)? else {
            return Ok(Err(StockRefusal::Unknown(number)));
        };
        let reason = if delta > 0 {
            Reason::Received
        } else {
            Reason::Adjusted
        };
        if !shift(conn, org, row.id, delta, 0, reason, None, at)? {
            return Ok(Err(StockRefusal::BelowReserved {
                reserved: row.reserved_cases,
            }));
        }
        Ok(Ok(()))
    })
}

/// Locks inventory row `number` and reads it: a locking read on PostgreSQL and MySQL, an
/// update first on SQLite (which then holds the write lock instead of upgrading later).
fn lock(conn: &mut DbConn, org: OrgId, number: i64) -> Result<Option<InventoryRow>, StoreError> {
    let mine = i::table
        .filter(i::org_id.eq(org.to_string()))
        .filter(i::number.eq(number));
    Ok(match conn {
        DbConn::Postgres(c) => mine
            .select(InventoryRow::as_select())
            .for_update()
            .first(c)
            .optional()?,
        DbConn::Mysql(c) => mine
            .select(InventoryRow::as_select())
            .for_update()
            .first(c)
            .optional()?,
        DbConn::Sqlite(_) => {
            if diesel::update(mine.clone())
                .set(i::last_updated.eq(i::last_updated))
                .execute(conn)?
                == 0
            {
                return Ok(None);
            }
            Some(mine.select(InventoryRow::as_select()).first(conn)?)
        }
    })
}

/// Stocks `(store number, product number, cases)` rows (new ones; a pair already stocked is a
/// conflict), numbered from the organisation's next inventory number, each with a `seeded`
/// history row.
pub fn insert_many(
    conn: &mut DbConn,
    org: OrgId,
    items: &[(i64, i64, i64)],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    crate::atomically(conn, |conn| stock(conn, org, items, at))
}

/// [`insert_many`] inside the caller's transaction.
pub(crate) fn stock(
    conn: &mut DbConn,
    org: OrgId,
    items: &[(i64, i64, i64)],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let stores: std::collections::HashMap<i64, i64> = s::table
        .filter(s::org_id.eq(org.to_string()))
        .select((s::number, s::id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let products: std::collections::HashMap<i64, (i64, String, i64)> = p::table
        .filter(p::org_id.eq(org.to_string()))
        .select((p::number, p::id, p::category, p::unit_price_cents))
        .load::<(i64, i64, String, i64)>(conn)?
        .into_iter()
        .map(|(number, id, category, price)| (number, (id, category, price)))
        .collect();
    // what the new rows add to the stock of each store and category
    let mut added: std::collections::BTreeMap<(i64, String), (i64, i64)> = Default::default();
    let first = numbers::allocate(conn, org, Kind::Inventory, items.len() as i64)?;
    for (k, chunk) in items.chunks(500).enumerate() {
        let mut rows = Vec::with_capacity(chunk.len());
        for (j, (store, product, cases)) in chunk.iter().enumerate() {
            let unknown =
                |what: &str, n: i64| StoreError::Conflict(format!("{what} {n} does not exist"));
            let store_id = *stores.get(store).ok_or_else(|| unknown("store", *store))?;
            let (product_id, category, price) = products
                .get(product)
                .ok_or_else(|| unknown("product", *product))?;
            let sum = added.entry((store_id, category.clone())).or_default();
            *sum = (sum.0 + cases, sum.1 + cases * price);
            rows.push((
                i::org_id.eq(org.to_string()),
                i::number.eq(first + (k * 500 + j) as i64),
                i::store_id.eq(store_id),
                i::product_id.eq(*product_id),
                i::quantity_cases.eq(*cases),
                i::reserved_cases.eq(0),
                i::last_updated.eq(at),
            ));
        }
        crate::db::insert_rows!(conn, i::table, &rows)?;
    }
    let inserted: Vec<(i64, i64)> = i::table
        .filter(i::org_id.eq(org.to_string()))
        .filter(i::number.ge(first))
        .select((i::id, i::quantity_cases))
        .load(conn)?;
    for chunk in inserted.chunks(500) {
        let history: Vec<_> = chunk
            .iter()
            .map(|(id, q)| {
                (
                    h::org_id.eq(org.to_string()),
                    h::inventory_id.eq(*id),
                    h::quantity_cases.eq(*q),
                    h::reserved_cases.eq(0),
                    h::change_cases.eq(*q),
                    h::reason.eq(Reason::Seeded.as_str()),
                    h::order_number.eq(None::<i64>),
                    h::recorded_at.eq(at),
                    h::recorded_day.eq(day_of(at)),
                )
            })
            .collect();
        crate::db::insert_rows!(conn, h::table, &history)?;
    }
    for ((store_id, category), (cases, value)) in added {
        super::stock_totals::add(conn, org, store_id, &category, cases, value)?;
    }
    // each product's row count, one statement per distinct count of new rows
    let mut new_rows: std::collections::BTreeMap<i64, i64> = Default::default();
    for (_, product, _) in items {
        if let Some((id, _, _)) = products.get(product) {
            *new_rows.entry(*id).or_default() += 1;
        }
    }
    let mut by_count: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
    for (id, n) in new_rows {
        by_count.entry(n).or_default().push(id);
    }
    for (n, ids) in by_count {
        for chunk in ids.chunks(500) {
            count_rows(conn, chunk, n)?;
        }
    }
    Ok(())
}

/// Adds `n` to the inventory row count of products `ids` (internal ids).
fn count_rows(conn: &mut DbConn, ids: &[i64], n: i64) -> Result<(), StoreError> {
    diesel::update(p::table.filter(p::id.eq_any(ids)))
        .set(p::inventory_rows.eq(p::inventory_rows + n))
        .execute(conn)?;
    Ok(())
}
