//! Tessera's own database: one diesel connection type over SQLite, PostgreSQL and MySQL/MariaDB,
//! an r2d2 pool, embedded migrations per backend, and one repository module per table, grouped by
//! area (`core/`, `data/`).
//!
//! **Tenancy by construction:** every function that reads or writes tenant data takes the
//! caller's [`OrgId`](tessera_domain::OrgId); there is no unscoped query for tenant rows.

pub mod alerts;
pub mod cache_events;
pub mod commerce;
pub mod core;
pub mod dashboards;
pub mod data;
pub mod db;

pub mod error;
pub mod migrations;
pub mod retail;
pub mod schema;

// the areas' modules keep their short paths (`tessera_store::users`, `tessera_store::jobs`)
pub use self::core::{organizations, refresh_tokens, users};
pub use data::{data_sources, datamarts, datasets, extracts, jobs, reports};

pub use db::{atomically, atomically_unless, Backend, DbConn, DbPool, PoolOptions, PooledConn};
pub use error::StoreError;

/// `Ok` when a statement changed rows, [`StoreError::NotFound`] when it matched none.
pub(crate) fn affected(rows: usize) -> Result<(), StoreError> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

diesel::define_sql_function! {
    /// SQL `lower()`, the same on all three backends (visible to every module of the crate).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A stored organisation id read back, or a corrupt-row error naming `what`.
pub(crate) fn parse_org(text: &str, what: &str) -> Result<tessera_domain::OrgId, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("{what}: org_id {text:?}")))
}

/// The current time as stored in the database: UTC, microsecond precision (all three backends keep microseconds).
pub fn now() -> chrono::NaiveDateTime {
    stored(chrono::Utc::now())
}

/// An instant as stored in the database: UTC, truncated to microseconds.
pub fn stored(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    at.naive_utc().trunc_subsecs(6)
}
