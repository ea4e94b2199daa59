//! `retail_stock_totals`: each organisation's stock per store and product category, cases on
//! hand and their value in cents. The inventory KPI cards add up these rows (stores ×
//! categories) instead of reading every inventory row. Every change of an inventory row's cases
//! adds to its key in the same transaction, as does a product's new price or category; a key
//! that is missing (rows written by other means) is computed from the inventory then.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use tessera_domain::OrgId;

use crate::db::sum_bigint;
use crate::schema::{
    retail_inventory as i, retail_products as p, retail_stock_totals as t, retail_stores as s,
};
use crate::{DbConn, StoreError};

/// Adds `cases` and `value_cents` to the stock of `category` at store `store_id` (internal id),
/// after the inventory rows changed, in the same transaction.
pub(crate) fn add(
    conn: &mut DbConn,
    org: OrgId,
    store_id: i64,
    category: &str,
    cases: i64,
    value_cents: i64,
) -> Result<(), StoreError> {
    let updated = diesel::update(
        t::table
            .filter(t::org_id.eq(org.to_string()))
            .filter(t::store_id.eq(store_id))
            .filter(t::category.eq(category)),
    )
    .set((
        t::cases.eq(t::cases + cases),
        t::value_cents.eq(t::value_cents + value_cents),
    ))
    .execute(conn)?;
    if updated == 0 {
        // counted from the rows, which already hold this change
        let (cases_sql, value_sql) = (
            sum_bigint(conn, "retail_inventory.quantity_cases"),
            sum_bigint(
                conn,
                "retail_inventory.quantity_cases * retail_products.unit_price_cents",
            ),
        );
        let (cases, value): (i64, i64) = i::table
            .inner_join(p::table)
            .filter(i::org_id.eq(org.to_string()))
            .filter(i::store_id.eq(store_id))
            .filter(p::category.eq(category))
            .select((sql::<BigInt>(&cases_sql), sql::<BigInt>(&value_sql)))
            .first(conn)?;
        diesel::insert_into(t::table)
            .values((
                t::org_id.eq(org.to_string()),
                t::store_id.eq(store_id),
                t::category.eq(category),
                t::cases.eq(cases),
                t::value_cents.eq(value),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Cases on hand and their value (cents) of the organisation's stock, only of `category`,
/// stores of `region` and store number `store` when given.
pub fn totals(
    conn: &mut DbConn,
    org: OrgId,
    region: Option<&str>,
    category: Option<&str>,
    store: Option<i64>,
) -> Result<(i64, i64), StoreError> {
    let (cases, value) = (
        sum_bigint(conn, "retail_stock_totals.cases"),
        sum_bigint(conn, "retail_stock_totals.value_cents"),
    );
    let mut q = t::table
        .filter(t::org_id.eq(org.to_string()))
        .select((sql::<BigInt>(&cases), sql::<BigInt>(&value)))
        .into_boxed();
    if let Some(c) = category {
        q = q.filter(t::category.eq(c.to_owned()));
    }
    if let Some(r) = region {
        q = q.filter(
            t::store_id.eq_any(
                s::table
                    .filter(s::org_id.eq(org.to_string()))
                    .filter(s::region.eq(r.to_owned()))
                    .select(s::id),
            ),
        );
    }
    if let Some(n) = store {
        q = q.filter(
            t::store_id.eq_any(
                s::table
                    .filter(s::org_id.eq(org.to_string()))
                    .filter(s::number.eq(n))
                    .select(s::id),
            ),
        );
    }
    Ok(q.first(conn)?)
}
