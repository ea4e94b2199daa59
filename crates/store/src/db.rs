//! One connection type over the three backends, chosen by the URL scheme, and its r2d2 pool.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, MysqlConnection, PgConnection, SqliteConnection};

use crate::StoreError;

/// A connection to the app database on any supported backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// PostgreSQL.
    Postgres(PgConnection),
    /// MySQL or MariaDB.
    Mysql(MysqlConnection),
    /// Embedded SQLite.
    Sqlite(SqliteConnection),
}

/// Inserts many rows in one statement on the connection's own backend (diesel's multi-backend
/// connection has no batch insert): `insert_batch!(conn, table, &rows)`.
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $values:expr) => {
        match $conn {
            $crate::DbConn::Postgres(c) => diesel::insert_into($table).values($values).execute(c),
            $crate::DbConn::Mysql(c) => diesel::insert_into($table).values($values).execute(c),
            $crate::DbConn::Sqlite(c) => diesel::insert_into($table).values($values).execute(c),
        }
    };
}
pub(crate) use insert_batch;

/// Inserts the rows of a slice inside `crate::atomically`: one statement per call on
/// PostgreSQL and MySQL; one per row on SQLite, where diesel would run a batch of rows with
/// defaultable values in a transaction of its own, which cannot open inside the raw
/// `BEGIN IMMEDIATE` the store's transactions use there.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::DbConn::Postgres(c) => diesel::insert_into($table).values($rows).execute(c),
            $crate::DbConn::Mysql(c) => diesel::insert_into($table).values($rows).execute(c),
            $crate::DbConn::Sqlite(c) => (|| {
                let mut n = 0;
                for row in $rows.iter() {
                    n += diesel::insert_into($table).values(row).execute(c)?;
                }
                diesel::QueryResult::Ok(n)
            })(),
        }
    };
}
pub(crate) use insert_rows;

/// The id the last insert on this connection was given.
pub(crate) fn last_insert_id(conn: &mut DbConn) -> Result<i64, StoreError> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
    let expr = match conn {
        DbConn::Postgres(_) => "lastval()",
        DbConn::Mysql(_) => "CAST(LAST_INSERT_ID() AS SIGNED)",
        DbConn::Sqlite(_) => "last_insert_rowid()",
    };
    Ok(diesel::select(sql::<BigInt>(expr)).get_result(conn)?)
}

/// Refreshes the query planner's statistics of `tables` (after bulk loads, so that the first
/// queries do not walk the wrong index) on PostgreSQL and SQLite; InnoDB recalculates its
/// persistent statistics by itself once a tenth of a table changed.
pub fn analyze(conn: &mut DbConn, tables: &[&str]) -> Result<(), StoreError> {
    if matches!(conn, DbConn::Mysql(_)) {
        return Ok(());
    }
    for table in tables {
        if !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Corrupt(format!("not a table name: {table}")));
        }
        conn.batch_execute(&format!("ANALYZE {table}"))?;
    }
    Ok(())
}

/// SQL for the sum of a BIGINT column as a BIGINT (0 over no rows) on every backend: `SUM`
/// widens to NUMERIC on PostgreSQL and MySQL, and MySQL casts to `SIGNED`, not `BIGINT`.
pub(crate) fn sum_bigint(conn: &DbConn, column: &str) -> String {
    let ty = if matches!(conn, DbConn::Mysql(_)) {
        "SIGNED"
    } else {
        "BIGINT"
    };
    format!("CAST(COALESCE(SUM({column}), 0) AS {ty})")
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `mysql://` or `mariadb://`.
    Mysql,
    /// `sqlite://PATH` or `sqlite:PATH`.
    Sqlite,
}

impl Backend {
    /// Picks the backend from the URL scheme.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        let scheme = url
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
            .unwrap_or_default();
        match scheme.as_str() {
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "mysql" | "mariadb" => Ok(Backend::Mysql),
            "sqlite" => Ok(Backend::Sqlite),

            _ => Err(StoreError::InvalidUrl(format!(
                "unsupported scheme in '{}': use sqlite://, postgres:// or mysql://",
                redact_url(url)
            ))),
        }
    }

    /// A short lower-case name (`sqlite`, `postgres`, `mysql`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// The file path inside a SQLite URL (`sqlite://./data/x.db` -> `./data/x.db`).
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// The URL with any password replaced by `***`, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: u32,
    /// How long a request waits for a free connection.
    pub connect_timeout: Duration,
    /// SQLite: how long a writer waits for a lock before failing.
    pub sqlite_busy_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            connect_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
        }
    }
}

/// Opens connections of the right backend for r2d2.
#[derive(Debug)]
pub struct ConnectionManager {
    url: String,
    backend: Backend,
    busy_timeout_ms: u128,
}

impl ConnectionManager {
    fn establish(&self) -> Result<DbConn, diesel::ConnectionError> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url).map(DbConn::Postgres),
            Backend::Mysql => {
                let mut conn = MysqlConnection::establish(&self.url)?;
                // Store and compare timestamps in UTC whatever the server's zone is. Read
                // committed, as on PostgreSQL: each statement sees what committed before it, so a
                // read after waiting for a lock (a product's price after its re-pricing
                // committed) is never an older snapshot's (InnoDB's repeatable read kept one).
                conn.batch_execute(
                    "SET time_zone = '+00:00'; \
                     SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Mysql(conn))
            }
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(sqlite_path(&self.url))?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                    self.busy_timeout_ms
                ))
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        self.establish()
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

/// A connection checked out of the pool.
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// The app database's connection pool.
#[derive(Clone)]
pub struct DbPool {
    pool: r2d2::Pool<ConnectionManager>,
    backend: Backend,
}

impl std::fmt::Debug for DbPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbPool")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Pool statistics for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct PoolState {
    /// Connections open.
    pub connections: u32,
    /// Connections open and idle.
    pub idle_connections: u32,
    /// The pool's maximum size.
    pub max_size: u32,
}

impl DbPool {
    /// Connects to `url` (creating a SQLite file and its directory when missing).
    pub fn connect(url: &str, options: &PoolOptions) -> Result<Self, StoreError> {
        let backend = Backend::from_url(url)?;
        if backend == Backend::Sqlite {
            let path = std::path::Path::new(sqlite_path(url));
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::InvalidUrl(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
        let manager = ConnectionManager {
            url: url.to_owned(),
            backend,
            busy_timeout_ms: options.sqlite_busy_timeout.as_millis(),
        };
        // no test query on checkout: it was one round trip of every request's ten; a connection
        // the server closed fails its next statement with a retryable 503 and is discarded
        // (`has_broken`), and idle ones are closed by the pool after ten minutes
        let pool = r2d2::Pool::builder()
            .max_size(options.max_size.max(1))
            .test_on_check_out(false)
            .min_idle(Some(0))
            .connection_timeout(options.connect_timeout)
            .build(manager)?;
        Ok(Self { pool, backend })
    }

    /// Takes a connection, waiting at most the configured timeout.
    pub fn get(&self) -> Result<PooledConn, StoreError> {
        Ok(self.pool.get()?)
    }

    /// Which backend this pool talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Current pool statistics.
    pub fn state(&self) -> PoolState {
        let s = self.pool.state();
        PoolState {
            connections: s.connections,
            idle_connections: s.idle_connections,
            max_size: self.pool.max_size(),
        }
    }

    /// Runs a trivial query: the health check.
    pub fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.get()?;
        conn.ping()?;
        Ok(())
    }
}

/// Runs `f` in a transaction that will write: committed when it returns `Ok`, rolled back otherwise.
///
/// On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write lock up front
/// (waiting up to `busy_timeout`). A deferred transaction that reads first and writes later
/// fails at once with `SQLITE_BUSY` when another connection committed in between, which
/// would turn two concurrent requests into a 500. `f` must not open nested transactions.
///
/// A transaction that fails because the database is busy (deadlock, serialization failure,
/// lock timeout) is retried, up to three attempts in all, since `f` has been rolled back.
pub fn atomically<T>(
    conn: &mut DbConn,
    mut f: impl FnMut(&mut DbConn) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut attempt = 1;
    loop {
        match transaction_once(conn, &mut f) {
            Err(StoreError::Busy(why)) if attempt < 3 => {
                tracing::debug!(attempt, %why, "database busy; retrying the transaction");
                attempt += 1;
                std::thread::sleep(Duration::from_millis(5 * attempt));
            }
            other => return other,
        }
    }
}

/// [`atomically`] for a write a business rule may refuse: `f` answers `Ok(Err(refusal))` to
/// roll everything back and hand the refusal to the caller, so a refused write changes nothing.
pub fn atomically_unless<T, R>(
    conn: &mut DbConn,
    mut f: impl FnMut(&mut DbConn) -> Result<Result<T, R>, StoreError>,
) -> Result<Result<T, R>, StoreError> {
    let mut refused = None;
    let outcome = atomically(conn, |conn| {
        refused = None;
        match f(conn)? {
            Ok(v) => Ok(v),
            Err(r) => {
                refused = Some(r);
                // any error rolls back; the refusal is what the caller sees
                Err(StoreError::NotFound)
            }
        }
    });
    match (outcome, refused) {
        (Ok(v), _) => Ok(Ok(v)),
        (Err(_), Some(r)) => Ok(Err(r)),
        (Err(e), None) => Err(e),
    }
}

fn transaction_once<T>(
    conn: &mut DbConn,
    f: &mut impl FnMut(&mut DbConn) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    if !matches!(conn, DbConn::Sqlite(_)) {
        return conn.transaction(|c| f(c));
    }

    conn.batch_execute("BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(v) => match conn.batch_execute("COMMIT") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = conn.batch_execute("ROLLBACK");
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = conn.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://./data/t.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("mysql://root@h/db").ok(),
            Some(Backend::Mysql)
        );
        assert!(Backend::from_url("oracle://x").is_err());
        assert!(Backend::from_url("just-a-path.db").is_err());
    }

    #[test]
    fn sqlite_paths_and_redaction() {
        assert_eq!(sqlite_path("sqlite:///tmp/a.db"), "/tmp/a.db");
        assert_eq!(sqlite_path("sqlite:./a.db"), "./a.db");
        assert_eq!(
            redact_url("postgres://bob:hunter2@db:5432/x"),
            "postgres://bob:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://bob@db/x"), "postgres://bob@db/x");
    }
}
