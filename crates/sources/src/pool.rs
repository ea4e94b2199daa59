//! One bounded r2d2 pool per data source, created on first use and replaced when the source's
//! connection spec changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::{MysqlConnection, PgConnection, SqliteConnection};
use tessera_domain::{DataSourceId, SourceKind};

use crate::{ConnectionSpec, SourceError};

/// Limits for connections to users' databases (`[sources]`).
#[derive(Debug, Clone)]
pub struct PoolLimits {
    /// Most connections per source.
    pub max_connections: u32,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// Statement timeout for every query.
    pub statement_timeout: Duration,
}

impl Default for PoolLimits {
    fn default() -> Self {
        Self {
            max_connections: 4,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// A pool of connections to one source, of the source's engine.
pub enum SourcePool {
    /// PostgreSQL.
    Postgres(Pool<ConnectionManager<PgConnection>>),
    /// MySQL or MariaDB (`mariadb` picks the timeout variable).
    Mysql {
        /// The pool.
        pool: Pool<ConnectionManager<MysqlConnection>>,
        /// Whether the server is MariaDB (`max_statement_time`) rather than MySQL (`max_execution_time`).
        mariadb: bool,
    },
    /// SQLite, every connection with `PRAGMA query_only`.
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
}

/// SQLite source connections never write and wait a little for locks.
#[derive(Debug)]
struct SqliteReadOnly;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqliteReadOnly {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute("PRAGMA query_only = ON; PRAGMA busy_timeout = 5000;")
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

fn pool_error(spec: &ConnectionSpec, name: &str, e: impl std::fmt::Display) -> SourceError {
    SourceError::Unavailable {
        source_name: name.to_owned(),
        reason: redact(&e.to_string(), spec),
    }
}

/// Removes the password from driver messages that might echo the URL.
pub(crate) fn redact(message: &str, spec: &ConnectionSpec) -> String {
    match url::Url::parse(&spec.url)
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
    {
        Some(pw) if !pw.is_empty() => message.replace(&pw, "***"),
        _ => message.to_owned(),
    }
}

/// The connect URL: PostgreSQL gets libpq's `connect_timeout` unless the URL sets one.
fn connect_url(spec: &ConnectionSpec, limits: &PoolLimits) -> String {
    if spec.kind == SourceKind::Postgres && !spec.url.contains("connect_timeout=") {
        let sep = if spec.url.contains('?') { '&' } else { '?' };
        return format!(
            "{}{sep}connect_timeout={}",
            spec.url,
            limits.connect_timeout.as_secs().max(1)
        );
    }
    spec.url.clone()
}

impl SourcePool {
    /// Builds a pool and checks one connection out, so an unreachable source fails here.
    pub fn connect(
        spec: &ConnectionSpec,
        name: &str,
        limits: &PoolLimits,
    ) -> Result<Self, SourceError> {
        let url = connect_url(spec, limits);
        fn builder<C: diesel::r2d2::R2D2Connection + 'static>(
            limits: &PoolLimits,
        ) -> diesel::r2d2::Builder<ConnectionManager<C>> {
            Pool::builder()
                .max_size(limits.max_connections.max(1))
                .min_idle(Some(0))
                .connection_timeout(limits.connect_timeout)
        }

        match spec.kind {
            SourceKind::Postgres => {
                let manager = ConnectionManager::<PgConnection>::new(url);
                // one direct attempt first: a refused connection fails now, not after r2d2's retries
                r2d2::ManageConnection::connect(&manager).map_err(|e| pool_error(spec, name, e))?;
                let pool = builder(limits)
                    .build(manager)
                    .map_err(|e| pool_error(spec, name, e))?;
                pool.get().map_err(|e| pool_error(spec, name, e))?;
                Ok(SourcePool::Postgres(pool))
            }
            SourceKind::Mysql => {
                let manager = ConnectionManager::<MysqlConnection>::new(url.clone());
                // one direct attempt first, under the connect timeout (the MySQL client has none
                // of its own here): a refused or silent host fails now, not after r2d2's retries
                let (tx, rx) = std::sync::mpsc::channel();
                std::thread::spawn(move || {
                    let _ = tx.send(r2d2::ManageConnection::connect(&ConnectionManager::<
                        MysqlConnection,
                    >::new(
                        url
                    )));
                });
                match rx.recv_timeout(limits.connect_timeout) {
                    Ok(result) => {
                        result.map_err(|e| pool_error(spec, name, e))?;
                    }
                    Err(_) => {
                        return Err(pool_error(spec, name, "the connection attempt timed out"))
                    }
                }
                let pool = builder(limits)
                    .build(manager)
                    .map_err(|e| pool_error(spec, name, e))?;
                let mut conn = pool.get().map_err(|e| pool_error(spec, name, e))?;
                let version = crate::execute::server_version_mysql(&mut conn).unwrap_or_default();
                drop(conn);
                Ok(SourcePool::Mysql {
                    pool,
                    mariadb: version.to_ascii_lowercase().contains("mariadb"),
                })
            }
            SourceKind::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(&url).to_owned();
                let pool = builder(limits)
                    .connection_customizer(Box::new(SqliteReadOnly))
                    .build(ConnectionManager::<SqliteConnection>::new(path))
                    .map_err(|e| pool_error(spec, name, e))?;
                pool.get().map_err(|e| pool_error(spec, name, e))?;
                Ok(SourcePool::Sqlite(pool))
            }
        }
    }

    /// The engine.
    pub fn kind(&self) -> SourceKind {
        match self {
            SourcePool::Postgres(_) => SourceKind::Postgres,
            SourcePool::Mysql { .. } => SourceKind::Mysql,
            SourcePool::Sqlite(_) => SourceKind::Sqlite,
        }
    }
}

struct Entry {
    url: String,
    pool: Arc<SourcePool>,
}

/// The pools of every source in use, keyed by source id.
#[derive(Default)]
pub struct SourcePools {
    pools: Mutex<HashMap<DataSourceId, Entry>>,
}

impl SourcePools {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The pool of a source, created on first use or when its spec changed.
    pub fn get(
        &self,
        id: DataSourceId,
        name: &str,
        spec: &ConnectionSpec,
        limits: &PoolLimits,
    ) -> Result<Arc<SourcePool>, SourceError> {
        if let Some(entry) = self.lock().get(&id) {
            if entry.url == spec.url {
                return Ok(entry.pool.clone());
            }
        }
        // connect outside the lock: a slow source must not hold up the others
        let pool = Arc::new(SourcePool::connect(spec, name, limits)?);
        self.lock().insert(
            id,
            Entry {
                url: spec.url.clone(),
                pool: pool.clone(),
            },
        );
        Ok(pool)
    }

    /// Drops a source's pool (after the source changed or was deleted).
    pub fn invalidate(&self, id: DataSourceId) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<DataSourceId, Entry>> {
        self.pools
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
