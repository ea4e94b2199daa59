//! Retail readings that aggregate in the database: inventory value, low stock and turnover
//! inputs, category values, the warehouse's stock per product, daily inventory changes, and
//! order analytics (fulfilment times by region and day, regional performance, status
//! distribution, the daily series the forecast fits). Days are days since 1970-01-01 (UTC).

use std::collections::HashMap;

use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use tessera_domain::retail::{OrderStatus, RetailProduct, StoreType};
use tessera_domain::OrgId;

use super::inventory::InventoryFilter;
use crate::db::sum_bigint;
use crate::schema::{
    retail_inventory as i, retail_inventory_history as h, retail_orders as o, retail_products as p,
    retail_stores as s,
};
use crate::{DbConn, StoreError};

/// The inventory joined to its stores and products, filtered to one organisation.
type Joined = diesel::dsl::Filter<
    diesel::dsl::InnerJoin<diesel::dsl::InnerJoin<i::table, s::table>, p::table>,
    diesel::dsl::Eq<i::org_id, String>,
>;

/// `SUM(quantity_cases × unit_price_cents)` of inventory rows, as a BIGINT on every engine.
fn inventory_value(conn: &DbConn) -> String {
    sum_bigint(
        conn,
        "retail_inventory.quantity_cases * retail_products.unit_price_cents",
    )
}

/// Inventory ⋈ stores ⋈ products of `$org`, shaped by `$shape` (select, group by) and then
/// filtered by `$filter` (grouping must come before boxing in diesel).
macro_rules! inventory_joined {
    ($org:expr, $filter:expr, $shape:expr) => {{
        let f: &InventoryFilter = $filter;
        let base = i::table
            .inner_join(s::table)
            .inner_join(p::table)
            .filter(i::org_id.eq($org.to_string()));
        let mut q = $shape(base).into_boxed();
        if let Some(r) = &f.region {
            q = q.filter(s::region.eq(r.clone()));
        }
        if let Some(c) = &f.category {
            q = q.filter(p::category.eq(c.clone()));
        }
        if let Some(n) = f.store {
            q = q.filter(s::number.eq(n));
        }
        q
    }};
    ($org:expr, $filter:expr) => {
        inventory_joined!($org, $filter, |q| q)
    };
}

/// What the inventory KPI cards total.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct InventoryTotals {
    /// Σ cases × price of a case, in cents.
    pub value_cents: i64,
    /// Σ cases on hand.
    pub cases: i64,
    /// Distinct products with an inventory row.
    pub products: i64,
    /// Rows with at most the low-stock threshold available.
    pub low_stock_rows: i64,
}

/// Totals of the inventory matching `filter`, with rows at most `threshold` available counted:
/// cases and value added up from the stock per store and category, products by whether they
/// have a row, low rows from the index on what is available; never a pass over every row.
pub fn inventory_totals(
    conn: &mut DbConn,
    org: OrgId,
    filter: &InventoryFilter,
    threshold: i64,
) -> Result<InventoryTotals, StoreError> {
    let (cases, value_cents) = super::stock_totals::totals(
        conn,
        org,
        filter.region.as_deref(),
        filter.category.as_deref(),
        filter.store,
    )?;
    // the stores the filter names (all: no condition)
    let store_ids: Option<Vec<i64>> = if filter.region.is_some() || filter.store.is_some() {
        let mut q = s::table
            .filter(s::org_id.eq(org.to_string()))
            .select(s::id)
            .into_boxed();
        if let Some(r) = &filter.region {
            q = q.filter(s::region.eq(r.clone()));
        }
        if let Some(n) = filter.store {
            q = q.filter(s::number.eq(n));
        }
        Some(q.load(conn)?)
    } else {
        None
    };
    let mut products = p::table.filter(p::org_id.eq(org.to_string())).into_boxed();
    products = match &store_ids {
        // every store: the products' own count of rows says it
        None => products.filter(p::inventory_rows.gt(0)),
        Some(ids) => products.filter(
            p::id.eq_any(
                i::table
                    .filter(i::org_id.eq(org.to_string()))
                    .filter(i::store_id.eq_any(ids.clone()))
                    .select(i::product_id),
            ),
        ),
    };
    if let Some(c) = &filter.category {
        products = products.filter(p::category.eq(c.clone()));
    }
    let products: i64 = products.count().get_result(conn)?;
    let mut low = i::table
        .filter(i::org_id.eq(org.to_string()))
        .filter((i::quantity_cases - i::reserved_cases).le(threshold))
        .into_boxed();
    if let Some(ids) = store_ids {
        low = low.filter(i::store_id.eq_any(ids));
    }
    if let Some(c) = &filter.category {
        low = low.filter(
            i::product_id.eq_any(
                p::table
                    .filter(p::org_id.eq(org.to_string()))
                    .filter(p::category.eq(c.clone()))
                    .select(p::id),
            ),
        );
    }
    let low_stock_rows: i64 = low.count().get_result(conn)?;
    Ok(InventoryTotals {
        value_cents,
        cases,
        products,
        low_stock_rows,
    })
}

/// [`inventory_totals`] by one pass over the inventory rows (what the kept totals must equal).
pub fn inventory_totals_scanned(
    conn: &mut DbConn,
    org: OrgId,
    filter: &InventoryFilter,
    threshold: i64,
) -> Result<InventoryTotals, StoreError> {
    // one pass: the threshold is the server's setting (an integer), not a client's value
    let value = inventory_value(conn);
    let cases = sum_bigint(conn, "retail_inventory.quantity_cases");
    let low = sum_bigint(
        conn,
        &format!(
            "CASE WHEN retail_inventory.quantity_cases - retail_inventory.reserved_cases \
             <= {threshold} THEN 1 ELSE 0 END"
        ),
    );
    let (value_cents, cases, products, low_stock_rows): (i64, i64, i64, i64) =
        inventory_joined!(org, filter)
            .select((
                sql::<BigInt>(&value),
                sql::<BigInt>(&cases),
                diesel::dsl::count(i::product_id).aggregate_distinct(),
                sql::<BigInt>(&low),
            ))
            .first(conn)?;
    Ok(InventoryTotals {
        value_cents,
        cases,
        products,
        low_stock_rows,
    })
}

/// Per day from `from_day` on (days with changes only, ascending): the change in cases on hand
/// and in their value (cents) of the inventory matching `filter`.
pub fn daily_changes(
    conn: &mut DbConn,
    org: OrgId,
    filter: &InventoryFilter,
    from_day: i64,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let cases = sum_bigint(conn, "retail_inventory_history.change_cases");
    let value = sum_bigint(
        conn,
        "retail_inventory_history.change_cases * retail_products.unit_price_cents",
    );
    let mut q = h::table
        .inner_join(i::table.inner_join(s::table).inner_join(p::table))
        .filter(h::org_id.eq(org.to_string()))
        .filter(h::recorded_day.ge(from_day))
        .filter(h::change_cases.ne(0))
        .group_by(h::recorded_day)
        .select((
            h::recorded_day,
            sql::<BigInt>(&cases),
            sql::<BigInt>(&value),
        ))
        .order(h::recorded_day.asc())
        .into_boxed();
    if let Some(r) = &filter.region {
        q = q.filter(s::region.eq(r.clone()));
    }
    if let Some(c) = &filter.category {
        q = q.filter(p::category.eq(c.clone()));
    }
    Ok(q.load(conn)?)
}

/// Cases shipped out of stores (fulfilled orders) from `from_day` on, and their value in cents,
/// over the inventory matching `filter`.
pub fn shipped_since(
    conn: &mut DbConn,
    org: OrgId,
    filter: &InventoryFilter,
    from_day: i64,
) -> Result<(i64, i64), StoreError> {
    let cases = sum_bigint(conn, "-retail_inventory_history.change_cases");
    let value = sum_bigint(
        conn,
        "-retail_inventory_history.change_cases * retail_products.unit_price_cents",
    );
    let mut q = h::table
        .inner_join(i::table.inner_join(s::table).inner_join(p::table))
        .filter(h::org_id.eq(org.to_string()))
        .filter(h::recorded_day.ge(from_day))
        .filter(h::reason.eq(super::inventory::Reason::Shipped.as_str()))
        .into_boxed();
    if let Some(r) = &filter.region {
        q = q.filter(s::region.eq(r.clone()));
    }
    if let Some(c) = &filter.category {
        q = q.filter(p::category.eq(c.clone()));
    }
    Ok(q.select((sql::<BigInt>(&cases), sql::<BigInt>(&value)))
        .first(conn)?)
}

/// Inventory value (cents) per product category of stores in `region` (all when `None`),
/// highest first.
pub fn category_values(
    conn: &mut DbConn,
    org: OrgId,
    region: Option<&str>,
) -> Result<Vec<(String, i64)>, StoreError> {
    let value = inventory_value(conn);
    let filter = InventoryFilter {
        region: region.map(str::to_owned),
        ..Default::default()
    };
    let mut rows: Vec<(String, i64)> = inventory_joined!(org, &filter, |q: Joined| q
        .group_by(p::category)
        .select((p::category, sql::<BigInt>(&value))))
    .load(conn)?;
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(rows)
}

/// One product with the stock its warehouses hold.
#[derive(Debug, Clone, PartialEq)]
pub struct WarehouseStock {
    /// The product.
    pub product: RetailProduct,
    /// Cases on hand in warehouses.
    pub quantity_cases: i64,
    /// Cases reserved there by approved orders.
    pub reserved_cases: i64,
}

/// Every product (by name, at most `limit`, optionally of `category` or matching `search`)
/// with the cases its warehouse stores hold, 0 where none.
pub fn warehouse_stock(
    conn: &mut DbConn,
    org: OrgId,
    category: Option<&str>,
    search: Option<&str>,
    limit: i64,
) -> Result<Vec<WarehouseStock>, StoreError> {
    let filter = super::products::ProductFilter {
        category: category.map(str::to_owned),
        brand: None,
        search: search.map(str::to_owned),
    };
    let products = super::products::list(conn, org, &filter, 0, limit)?;
    let numbers: Vec<i64> = products.iter().map(|p| p.number).collect();
    let quantity = sum_bigint(conn, "retail_inventory.quantity_cases");
    let reserved = sum_bigint(conn, "retail_inventory.reserved_cases");
    let held: HashMap<i64, (i64, i64)> = i::table
        .inner_join(s::table)
        .inner_join(p::table)
        .filter(i::org_id.eq(org.to_string()))
        .filter(s::store_type.eq(StoreType::Warehouse.as_str()))
        .filter(p::number.eq_any(&numbers))
        .group_by(p::number)
        .select((
            p::number,
            sql::<BigInt>(&quantity),
            sql::<BigInt>(&reserved),
        ))
        .load::<(i64, i64, i64)>(conn)?
        .into_iter()
        .map(|(n, q, r)| (n, (q, r)))
        .collect();
    Ok(products
        .into_iter()
        .map(|product| {
            let (quantity_cases, reserved_cases) =
                held.get(&product.number).copied().unwrap_or((0, 0));
            WarehouseStock {
                product,
                quantity_cases,
                reserved_cases,
            }
        })
        .collect())
}

/// Orders in a day range, as the order analytics read them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayRange {
    /// First day, inclusive.
    pub from_day: i64,
    /// Last day, inclusive (never after today).
    pub to_day: i64,
}

/// Per destination region and order day (newest day first): fulfilled orders with a
/// fulfilment time, Σ of those times in seconds.
pub fn fulfilment_by_region_and_day(
    conn: &mut DbConn,
    org: OrgId,
    range: DayRange,
) -> Result<Vec<(String, i64, i64, i64)>, StoreError> {
    let seconds = sum_bigint(conn, "retail_orders.fulfilment_seconds");
    Ok(o::table
        .inner_join(s::table.on(o::to_store_id.eq(s::id)))
        .filter(o::org_id.eq(org.to_string()))
        .filter(o::order_day.between(range.from_day, range.to_day))
        .filter(o::status.eq(OrderStatus::Fulfilled.as_str()))
        .filter(o::fulfilment_seconds.is_not_null())
        .group_by((s::region, o::order_day))
        .select((
            s::region,
            o::order_day,
            count_star(),
            sql::<BigInt>(&seconds),
        ))
        .order((o::order_day.desc(), s::region.asc()))
        .load(conn)?)
}

/// Orders to one region in one status.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionStatus {
    /// The destination stores' region.
    pub region: String,
    /// The status.
    pub status: String,
    /// Orders.
    pub orders: i64,
    /// Σ fulfilment seconds of those with one.
    pub fulfilment_seconds: i64,
    /// How many have a fulfilment time.
    pub timed: i64,
}

/// Per destination region and status: orders and their fulfilment times.
pub fn by_region_and_status(
    conn: &mut DbConn,
    org: OrgId,
    range: DayRange,
) -> Result<Vec<RegionStatus>, StoreError> {
    let seconds = sum_bigint(conn, "retail_orders.fulfilment_seconds");
    let rows: Vec<(String, String, i64, i64, i64)> = o::table
        .inner_join(s::table.on(o::to_store_id.eq(s::id)))
        .filter(o::org_id.eq(org.to_string()))
        .filter(o::order_day.between(range.from_day, range.to_day))
        .group_by((s::region, o::status))
        .select((
            s::region,
            o::status,
            count_star(),
            sql::<BigInt>(&seconds),
            diesel::dsl::count(o::fulfilment_seconds),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(region, status, orders, fulfilment_seconds, timed)| RegionStatus {
                region,
                status,
                orders,
                fulfilment_seconds,
                timed,
            },
        )
        .collect())
}

/// Per status: orders and their value (Σ cases × price of a case, cents).
pub fn by_status(
    conn: &mut DbConn,
    org: OrgId,
    range: DayRange,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let value = sum_bigint(
        conn,
        "retail_orders.quantity_cases * retail_products.unit_price_cents",
    );
    Ok(o::table
        .inner_join(p::table)
        .filter(o::org_id.eq(org.to_string()))
        .filter(o::order_day.between(range.from_day, range.to_day))
        .group_by(o::status)
        .select((o::status, count_star(), sql::<BigInt>(&value)))
        .load(conn)?)
}

/// Per order day (ascending, days with orders only): orders, cases and value in cents.
pub fn daily_orders(
    conn: &mut DbConn,
    org: OrgId,
    range: DayRange,
) -> Result<Vec<(i64, i64, i64, i64)>, StoreError> {
    let cases = sum_bigint(conn, "retail_orders.quantity_cases");
    let value = sum_bigint(
        conn,
        "retail_orders.quantity_cases * retail_products.unit_price_cents",
    );
    Ok(o::table
        .inner_join(p::table)
        .filter(o::org_id.eq(org.to_string()))
        .filter(o::order_day.between(range.from_day, range.to_day))
        .group_by(o::order_day)
        .select((
            o::order_day,
            count_star(),
            sql::<BigInt>(&cases),
            sql::<BigInt>(&value),
        ))
        .order(o::order_day.asc())
        .load(conn)?)
}
