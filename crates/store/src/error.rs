//! The store's error type.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Anything that can go wrong talking to the app database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or belongs to another organisation).
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database URL is malformed or names an unsupported scheme.
    #[error("invalid database url: {0}")]
    InvalidUrl(String),
    /// No connection could be taken from the pool in time.
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    /// Connecting failed.
    #[error("database connection: {0}")]
    Connection(#[from] diesel::ConnectionError),
    /// A query failed.
    #[error("database query: {0}")]
    Query(DieselError),
    /// The database is busy (lock timeout, serialization failure, deadlock) or the connection
    /// closed under the request (a restarted server; the pool discards it): retry shortly.
    #[error("database busy: {0}")]
    Busy(String),
    /// Applying or reverting migrations failed.
    #[error("migrations: {0}")]
    Migration(String),
    /// A stored value could not be read back (corrupt row).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Conflict(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                StoreError::Busy(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StoreError::Busy(format!("connection closed: {}", info.message()))
            }
            DieselError::DatabaseError(kind, info) if is_busy(info.message()) => {
                StoreError::Busy(format!("{kind:?}: {}", info.message()))
            }
            other => StoreError::Query(other),
        }
    }
}

/// SQLite's lock errors and MySQL's lock-wait/deadlock errors, which diesel reports as `Unknown`.
fn is_busy(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("database is locked")
        || m.contains("database table is locked")
        || m.contains("deadlock")
        || m.contains("lock wait timeout")
}
