//! Embedded migrations, one set per backend (`migrations/{sqlite,postgres,mysql}`), same names.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::{DbConn, StoreError};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const MYSQL: EmbeddedMigrations = embed_migrations!("../../migrations/mysql");

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Migration(e.to_string())
}

/// Applies every pending migration; answers the versions applied.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map_err(err)?,
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES).map_err(err)?,
        DbConn::Mysql(c) => c.run_pending_migrations(MYSQL).map_err(err)?,
    };
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration (used by tests and `tessera migrate --revert-all`).
pub fn revert_all(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let reverted = match conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE).map_err(err)?,
        DbConn::Postgres(c) => c.revert_all_migrations(POSTGRES).map_err(err)?,
        DbConn::Mysql(c) => c.revert_all_migrations(MYSQL).map_err(err)?,
    };
    Ok(reverted.into_iter().map(|v| v.to_string()).collect())
}

/// Versions not yet applied.
pub fn pending(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let pending = match conn {
        DbConn::Sqlite(c) => c
            .pending_migrations(SQLITE)
            .map_err(err)?
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
        DbConn::Postgres(c) => c
            .pending_migrations(POSTGRES)
            .map_err(err)?
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
        DbConn::Mysql(c) => c
            .pending_migrations(MYSQL)
            .map_err(err)?
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
    };
    Ok(pending)
}
