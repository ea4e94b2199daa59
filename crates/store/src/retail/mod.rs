//! The retail area (Brickhouse): per-organisation record numbers (`numbers`), stores
//! (`stores`), products (`products`), the staff directory (`staff`), inventory with its history
//! (`inventory`), stock-transfer orders with their state machine (`orders`) and their counts per day and
//! store (`order_days`), the stock per store and category (`stock_totals`), and the readings
//! that aggregate in the database (`insights`).

pub mod insights;
pub mod inventory;
pub mod numbers;
pub mod order_days;
pub mod orders;
pub mod products;
pub mod staff;
pub mod stock_totals;
pub mod stores;

use diesel::prelude::*;
use tessera_domain::OrgId;

use crate::{DbConn, StoreError};

/// Deletes every retail record of the organisation and restarts its numbers (demo
/// regeneration), in one transaction.
pub fn clear_all(conn: &mut DbConn, org: OrgId) -> Result<(), StoreError> {
    use crate::schema::{
        retail_inventory as i, retail_inventory_history as h, retail_numbers as n,
        retail_order_days as d, retail_orders as o, retail_products as p, retail_staff as st,
        retail_stock_totals as t, retail_stores as s,
    };
    crate::atomically(conn, |conn| {
        let org = org.to_string();
        diesel::delete(d::table.filter(d::org_id.eq(&org))).execute(conn)?;
        diesel::delete(o::table.filter(o::org_id.eq(&org))).execute(conn)?;
        diesel::delete(h::table.filter(h::org_id.eq(&org))).execute(conn)?;
        diesel::delete(t::table.filter(t::org_id.eq(&org))).execute(conn)?;
        diesel::delete(i::table.filter(i::org_id.eq(&org))).execute(conn)?;
        diesel::delete(st::table.filter(st::org_id.eq(&org))).execute(conn)?;
        diesel::delete(p::table.filter(p::org_id.eq(&org))).execute(conn)?;
        diesel::delete(s::table.filter(s::org_id.eq(&org))).execute(conn)?;
        diesel::delete(n::table.filter(n::org_id.eq(&org))).execute(conn)?;
        Ok(())
    })
}

/// How many stores the organisation has (0: no retail data yet).
pub fn store_count(conn: &mut DbConn, org: OrgId) -> Result<i64, StoreError> {
    use crate::schema::retail_stores as s;
    Ok(s::table
        .filter(s::org_id.eq(org.to_string()))
        .count()
        .get_result(conn)?)
}
