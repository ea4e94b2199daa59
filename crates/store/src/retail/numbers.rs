//! Per-organisation numbers of retail records: every store, product, staff member, inventory
//! row and order gets the next number of its kind when it is inserted, never reused; it is the
//! id the web app sees. The counter row is locked until the inserting transaction ends, so
//! numbers are unique even when two processes insert at once.

use diesel::prelude::*;
use tessera_domain::OrgId;

use crate::schema::retail_numbers as n;
use crate::{DbConn, StoreError};

/// A kind of numbered retail record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `retail_stores`.
    Store,
    /// `retail_products`.
    Product,
    /// `retail_staff`.
    Staff,
    /// `retail_inventory`.
    Inventory,
    /// `retail_orders`.
    Order,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Store => "store",
            Self::Product => "product",
            Self::Staff => "staff",
            Self::Inventory => "inventory",
            Self::Order => "order",
        }
    }
}

/// Reserves `count` numbers of `kind` for `org` and answers the first; call it inside the
/// transaction that inserts the rows.
pub fn allocate(conn: &mut DbConn, org: OrgId, kind: Kind, count: i64) -> Result<i64, StoreError> {
    let key = (
        n::org_id.eq(org.to_string()),
        n::kind.eq(kind.as_str()),
        n::last_number.eq(0),
    );
    match conn {
        DbConn::Postgres(c) => {
            diesel::insert_into(n::table)
                .values(key)
                .on_conflict_do_nothing()
                .execute(c)?;
        }
        DbConn::Sqlite(c) => {
            diesel::insert_or_ignore_into(n::table)
                .values(key)
                .execute(c)?;
        }
        DbConn::Mysql(c) => {
            diesel::insert_or_ignore_into(n::table)
                .values(key)
                .execute(c)?;
        }
    }
    let mine = n::table
        .filter(n::org_id.eq(org.to_string()))
        .filter(n::kind.eq(kind.as_str()));
    diesel::update(mine.clone())
        .set(n::last_number.eq(n::last_number + count))
        .execute(conn)?;
    let last: i64 = mine.select(n::last_number).first(conn)?;
    Ok(last - count + 1)
}
