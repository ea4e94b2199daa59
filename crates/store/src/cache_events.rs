//! The `cache_events` table: what every process serving this database must forget (a source
//! changed or deleted, a dataset changed, a member removed). Not tenant data: a row names only
//! an id, and processes read every row after the last one they have seen.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::cache_events;
use crate::{DbConn, StoreError};

/// Records that `scope` (`source:<id>`, `dataset:<id>`, ...) changed.
pub fn publish(conn: &mut DbConn, scope: &str) -> Result<(), StoreError> {
    diesel::insert_into(cache_events::table)
        .values((
            cache_events::scope.eq(scope),
            cache_events::created_at.eq(crate::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Events after `after`, oldest first, at most `limit`: (id, scope, created at).
pub fn since(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String, NaiveDateTime)>, StoreError> {
    Ok(cache_events::table
        .filter(cache_events::id.gt(after))
        .order(cache_events::id.asc())
        .limit(limit)
        .select((
            cache_events::id,
            cache_events::scope,
            cache_events::created_at,
        ))
        .load(conn)?)
}

/// The newest event's id (0 when there is none): where a starting process begins.
pub fn latest_id(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(cache_events::table
        .select(diesel::dsl::max(cache_events::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// Deletes events older than `age`.
pub fn prune(conn: &mut DbConn, age: Duration) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(cache_events::table.filter(cache_events::created_at.lt(crate::now() - age)))
            .execute(conn)?,
    )
}
