//! The `cache_events` table: what every process serving this database must forget (a source
//! changed or deleted, a dataset changed, a member removed). Not tenant data: a row names only
//! an id, and processes read every row after the last one they have seen.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use tessera_domain::{DataSourceId, DatasetId, UserId};

use crate::schema::cache_events;
use crate::{DbConn, StoreError};

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A source was renamed or its connection changed, or one of its datamarts or extracts
    /// changed (an extract's copy was swapped in, say).
    Source(DataSourceId),
    /// A source was deleted: its pool goes too.
    SourceDeleted(DataSourceId),
    /// A dataset was changed (visibility) or deleted.
    Dataset(DatasetId),
    /// A member was changed, deactivated or removed.
    Member(UserId),
}

impl Scope {
    /// The scope as stored: `source:<id>`, `dataset:<id>`, ...
    pub fn encode(self) -> String {
        match self {
            Scope::Source(id) => format!("source:{id}"),
            Scope::SourceDeleted(id) => format!("source-deleted:{id}"),
            Scope::Dataset(id) => format!("dataset:{id}"),
            Scope::Member(id) => format!("member:{id}"),
        }
    }

    /// A stored scope; `None` for one this version does not know.
    pub fn parse(s: &str) -> Option<Self> {
        let (kind, id) = s.split_once(':')?;
        Some(match kind {
            "source" => Scope::Source(id.parse().ok()?),
            "source-deleted" => Scope::SourceDeleted(id.parse().ok()?),
            "dataset" => Scope::Dataset(id.parse().ok()?),
            "member" => Scope::Member(id.parse().ok()?),
            _ => return None,
        })
    }
}

/// Records that `scope` changed.
pub fn publish(conn: &mut DbConn, scope: Scope) -> Result<(), StoreError> {
    diesel::insert_into(cache_events::table)
        .values((
            cache_events::scope.eq(scope.encode()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip() {
        for s in [
            Scope::Source(DataSourceId::new()),
            Scope::SourceDeleted(DataSourceId::new()),
            Scope::Dataset(DatasetId::new()),
            Scope::Member(UserId::new()),
        ] {
            assert_eq!(Scope::parse(&s.encode()), Some(s));
        }
        assert_eq!(Scope::parse("nonsense"), None);
        assert_eq!(Scope::parse("source:not-an-id"), None);
    }
}
