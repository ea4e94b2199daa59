//! `commerce_sales_hourly`: each organisation's sales per hour, kept by the write path and
//! rebuilt from the transactions, so the overview sums a few thousand rows instead of every
//! transaction. Each hour has up to [`SHARDS`] rows (by customer) so that concurrent posts do
//! not all wait for one row.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use tessera_domain::OrgId;

use crate::schema::commerce_sales_hourly as h;
use crate::{DbConn, StoreError};

/// Rows per hour.
pub const SHARDS: i64 = 8;

/// Adds one transaction of `amount_cents` by `customer_id` to `hour` (inside the write path's
/// database transaction).
pub fn add(
    conn: &mut DbConn,
    org: OrgId,
    customer_id: i64,
    hour: i64,
    amount_cents: i64,
) -> Result<(), StoreError> {
    let shard = customer_id.rem_euclid(SHARDS);
    let row = (
        h::org_id.eq(org.to_string()),
        h::hour.eq(hour),
        h::shard.eq(shard),
        h::transactions.eq(1),
        h::amount_cents.eq(amount_cents),
    );
    let bump = (
        h::transactions.eq(h::transactions + 1),
        h::amount_cents.eq(h::amount_cents + amount_cents),
    );
    let key = (h::org_id, h::hour, h::shard);
    match conn {
        DbConn::Postgres(c) => {
            diesel::insert_into(h::table)
                .values(row)
                .on_conflict(key)
                .do_update()
                .set(bump)
                .execute(c)?;
        }
        DbConn::Sqlite(c) => {
            diesel::insert_into(h::table)
                .values(row)
                .on_conflict(key)
                .do_update()
                .set(bump)
                .execute(c)?;
        }
        DbConn::Mysql(_) => {
            // a failed statement does not end a MySQL transaction: update, else insert, and
            // update again when another post inserted the row in between
            for _ in 0..2 {
                let this = h::table
                    .filter(h::org_id.eq(org.to_string()))
                    .filter(h::hour.eq(hour))
                    .filter(h::shard.eq(shard));
                if diesel::update(this).set(bump).execute(conn)? > 0 {
                    return Ok(());
                }
                match diesel::insert_into(h::table)
                    .values(row.clone())
                    .execute(conn)
                {
                    Ok(_) => return Ok(()),
                    Err(e) => match StoreError::from(e) {
                        StoreError::Conflict(_) => continue,
                        other => return Err(other),
                    },
                }
            }
            return Err(StoreError::Busy(
                "the hourly sales row kept changing".into(),
            ));
        }
    }
    Ok(())
}

/// Rebuilds the organisation's hourly sales from its transactions.
pub fn rebuild(conn: &mut DbConn, org: OrgId) -> Result<(), StoreError> {
    // the id is a UUID (hex digits and dashes), safe to write into the statement
    let org_id = org.to_string();
    let insert = format!(
        "INSERT INTO commerce_sales_hourly (org_id, hour, shard, transactions, amount_cents) \
         SELECT org_id, occurred_hour, customer_id % {SHARDS}, COUNT(*), SUM(amount_cents) \
         FROM commerce_transactions WHERE org_id = '{org_id}' \
         GROUP BY org_id, occurred_hour, customer_id % {SHARDS}"
    );
    crate::atomically(conn, |conn| {
        diesel::delete(h::table.filter(h::org_id.eq(org.to_string()))).execute(conn)?;
        conn.batch_execute(&insert)?;
        Ok(())
    })
}

/// The organisation's sales per hour in `from_hour..=to_hour`, ascending: (hour, cents,
/// transactions).
pub fn hours(
    conn: &mut DbConn,
    org: OrgId,
    from_hour: i64,
    to_hour: i64,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let cents = crate::db::sum_bigint(conn, "amount_cents");
    let count = crate::db::sum_bigint(conn, "transactions");
    Ok(h::table
        .filter(h::org_id.eq(org.to_string()))
        .filter(h::hour.ge(from_hour))
        .filter(h::hour.le(to_hour))
        .group_by(h::hour)
        .select((
            h::hour,
            diesel::dsl::sql::<BigInt>(&cents),
            diesel::dsl::sql::<BigInt>(&count),
        ))
        .order(h::hour.asc())
        .load(conn)?)
}

/// Count and sum (cents) of every transaction of the organisation, from the rollup.
pub fn totals(conn: &mut DbConn, org: OrgId) -> Result<(i64, i64), StoreError> {
    Ok(hours(conn, org, i64::MIN, i64::MAX)?
        .iter()
        .fold((0, 0), |(n, c), h| (n + h.2, c + h.1)))
}
