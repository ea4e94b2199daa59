//! One bounded r2d2 pool per data source, created on first use and replaced when the source's
//! connection spec changes. Connections are sessions that remember whether they may go back to
//! the pool: one whose reset failed, or whose answer was abandoned half read, is closed instead.
//!
//! PostgreSQL goes through diesel (libpq, with `connect_timeout`, TCP keepalives and
//! `tcp_user_timeout`), MySQL/MariaDB through the pure-Rust `mysql` client (connect, read and
//! write timeouts, keepalives, no LOCAL INFILE, a packet limit, `COM_RESET_CONNECTION` after
//! use), SQLite through rusqlite (read-only, a length limit, statements interrupted at their
//! deadline). Every pool shares one small thread pool for r2d2's housekeeping.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use r2d2::{ManageConnection, Pool};
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
    /// Largest value or row a connection accepts (SQLite's length limit, MySQL's packet limit).
    pub max_value_bytes: usize,
}

impl Default for PoolLimits {
    fn default() -> Self {
        Self {
            max_connections: 4,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
            max_value_bytes: 32 * 1024 * 1024,
        }
    }
}

/// A pooled connection and whether it is fit to go back to the pool.
pub struct Session<C> {
    /// The driver's connection.
    pub conn: C,
    /// Set when the session's state is unknown (a reset failed, an answer was abandoned): the
    /// pool closes it instead of handing it out again.
    pub broken: bool,
}

impl<C> Session<C> {
    fn new(conn: C) -> Self {
        Self {
            conn,
            broken: false,
        }
    }
}

/// Why a connection could not be made (the driver's words, for the log only).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

/// Opens PostgreSQL sessions with libpq.
#[derive(Debug)]
pub struct PgManager {
    url: String,
}

impl ManageConnection for PgManager {
    type Connection = Session<PgConnection>;
    type Error = ConnectError;

    fn connect(&self) -> Result<Self::Connection, Self::Error> {
        PgConnection::establish(&self.url)
            .map(Session::new)
            .map_err(|e| ConnectError(e.to_string()))
    }

    fn is_valid(&self, s: &mut Self::Connection) -> Result<(), Self::Error> {
        s.conn
            .batch_execute("SELECT 1")
            .map_err(|e| ConnectError(e.to_string()))
    }

    fn has_broken(&self, s: &mut Self::Connection) -> bool {
        s.broken
    }
}

/// Opens MySQL/MariaDB sessions with the pure-Rust client.
#[derive(Debug)]
pub struct MysqlManager {
    opts: mysql::Opts,
}

impl ManageConnection for MysqlManager {
    type Connection = Session<mysql::Conn>;
    type Error = ConnectError;

    fn connect(&self) -> Result<Self::Connection, Self::Error> {
        mysql::Conn::new(self.opts.clone())
            .map(Session::new)
            .map_err(|e| ConnectError(e.to_string()))
    }

    fn is_valid(&self, s: &mut Self::Connection) -> Result<(), Self::Error> {
        s.conn.ping().map_err(|e| ConnectError(e.to_string()))
    }

    fn has_broken(&self, s: &mut Self::Connection) -> bool {
        s.broken
    }
}

/// Opens SQLite files read-only with rusqlite.
#[derive(Debug)]
pub struct SqliteManager {
    path: PathBuf,
    max_value_bytes: usize,
}

impl ManageConnection for SqliteManager {
    type Connection = Session<rusqlite::Connection>;
    type Error = ConnectError;

    fn connect(&self) -> Result<Self::Connection, Self::Error> {
        use rusqlite::OpenFlags;
        let err = |e: rusqlite::Error| ConnectError(e.to_string());
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
        // no string or blob larger than this is ever built in our memory (zeroblob(1e9), ...)
        let length = i32::try_from(self.max_value_bytes.max(1024)).unwrap_or(i32::MAX);
        conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH, length)
            .map_err(err)?;
        conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0)
            .map_err(err)?;
        conn.execute_batch("PRAGMA query_only = ON; PRAGMA trusted_schema = OFF;")
            .map_err(err)?;
        Ok(Session::new(conn))
    }

    fn is_valid(&self, s: &mut Self::Connection) -> Result<(), Self::Error> {
        s.conn
            .execute_batch("SELECT 1")
            .map_err(|e| ConnectError(e.to_string()))
    }

    fn has_broken(&self, s: &mut Self::Connection) -> bool {
        s.broken
    }
}

/// A pool of connections to one source, of the source's engine.
pub enum SourcePool {
    /// PostgreSQL.
    Postgres(Pool<PgManager>),
    /// MySQL or MariaDB (`mariadb` picks the timeout variable).
    Mysql {
        /// The pool.
        pool: Pool<MysqlManager>,
        /// Whether the server is MariaDB (`max_statement_time`) rather than MySQL (`max_execution_time`).
        mariadb: bool,
    },
    /// SQLite, read-only.
    Sqlite(Pool<SqliteManager>),
}

/// The one message for every failure to connect: it never tells a closed port from an open one,
/// a missing host from wrong credentials (the driver's words go to the log).
pub const CANNOT_CONNECT: &str =
    "could not connect: the server is unreachable, refused the connection or rejected the credentials";

fn cannot_connect(spec: &ConnectionSpec, name: &str, e: impl std::fmt::Display) -> SourceError {
    tracing::info!(source = %name, url = %spec.redacted(), error = %redact(&e.to_string(), spec), "cannot connect to a data source");
    SourceError::Unavailable {
        source_name: name.to_owned(),
        reason: CANNOT_CONNECT.into(),
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

/// The value of a URL parameter, when present.
fn url_param(url: &url::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Seconds to wait when connecting: the URL's `connect_timeout` (already clamped when the spec
/// was parsed) or the configured limit, never more than the limit.
fn connect_secs(url: &url::Url, limits: &PoolLimits) -> u64 {
    let max = limits.connect_timeout.as_secs().max(1);
    url_param(url, "connect_timeout")
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(max, |v| v.clamp(1, max))
}

/// libpq's URL: the connect timeout, TCP keepalives, and a TCP user timeout so that a host that
/// goes silent mid-answer is given up on.
fn postgres_url(spec: &ConnectionSpec, limits: &PoolLimits) -> Result<String, SourceError> {
    let mut url = url::Url::parse(&spec.url)
        .map_err(|e| SourceError::InvalidSpec(format!("invalid url: {e}")))?;
    let secs = connect_secs(&url, limits);
    let user_timeout_ms = (limits.statement_timeout + limits.connect_timeout).as_millis();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "connect_timeout")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = url.query_pairs_mut();
        q.clear();
        for (k, v) in &kept {
            q.append_pair(k, v);
        }
        q.append_pair("connect_timeout", &secs.to_string());
        q.append_pair("keepalives", "1");
        q.append_pair("keepalives_idle", "30");
        q.append_pair("keepalives_interval", "10");
        q.append_pair("keepalives_count", "3");
        q.append_pair("tcp_user_timeout", &user_timeout_ms.to_string());
    }
    Ok(url.to_string())
}

/// The mysql client's options: timeouts on connect, reads and writes, keepalives, no LOCAL
/// INFILE (a hostile server cannot make Tessera send it a file), a packet limit, no switching to
/// a local socket, TLS by `ssl_mode`.
fn mysql_opts(spec: &ConnectionSpec, limits: &PoolLimits) -> Result<mysql::Opts, SourceError> {
    let url = url::Url::parse(&spec.url)
        .map_err(|e| SourceError::InvalidSpec(format!("invalid url: {e}")))?;
    let decode = |s: &str| {
        percent_decode(s).map_err(|_| SourceError::InvalidSpec("the url is not UTF-8".into()))
    };
    let user = decode(url.username())?;
    let pass = url.password().map(decode).transpose()?;
    let db = decode(url.path().trim_start_matches('/'))?;
    let io_timeout = limits.statement_timeout + limits.connect_timeout;
    let ssl = match url_param(&url, "ssl_mode")
        .or_else(|| url_param(&url, "sslmode"))
        .map(|m| m.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("disabled" | "disable" | "preferred" | "prefer" | "allow") => None,
        Some("verify_identity" | "verify-full") => Some(mysql::SslOpts::default()),
        Some("verify_ca" | "verify-ca") => {
            Some(mysql::SslOpts::default().with_danger_skip_domain_validation(true))
        }
        Some(_) => Some(
            mysql::SslOpts::default()
                .with_danger_skip_domain_validation(true)
                .with_danger_accept_invalid_certs(true),
        ),
    };
    let opts = mysql::OptsBuilder::new()
        .ip_or_hostname(spec.host.clone())
        .tcp_port(spec.port.unwrap_or(3306))
        .user(Some(user).filter(|u| !u.is_empty()))
        .pass(pass)
        .db_name(Some(db).filter(|d| !d.is_empty()))
        .tcp_connect_timeout(Some(Duration::from_secs(connect_secs(&url, limits))))
        .read_timeout(Some(io_timeout))
        .write_timeout(Some(io_timeout))
        .tcp_keepalive_time_ms(Some(30_000))
        .local_infile_handler(None)
        .prefer_socket(false)
        .max_allowed_packet(Some(limits.max_value_bytes))
        .stmt_cache_size(Some(0))
        .ssl_opts(ssl);
    Ok(mysql::Opts::from(opts))
}

fn percent_decode(s: &str) -> Result<String, std::str::Utf8Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(((hex(h).unwrap_or(0) << 4) | hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&out).map(str::to_owned)
}

/// The thread pool r2d2 uses for housekeeping, shared by every source's pool (by default each
/// pool would start three threads of its own).
fn housekeeping() -> Arc<scheduled_thread_pool::ScheduledThreadPool> {
    static POOL: OnceLock<Arc<scheduled_thread_pool::ScheduledThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        Arc::new(
            scheduled_thread_pool::ScheduledThreadPool::builder()
                .num_threads(2)
                .thread_name_pattern("tessera-source-pool-{}")
                .build(),
        )
    })
    .clone()
}

fn builder<M: ManageConnection>(limits: &PoolLimits) -> r2d2::Builder<M> {
    Pool::builder()
        .max_size(limits.max_connections.max(1))
        .min_idle(Some(0))
        .connection_timeout(limits.connect_timeout)
        .thread_pool(housekeeping())
}

impl SourcePool {
    /// Builds a pool and opens one connection, so an unreachable source fails here (with the one
    /// [`CANNOT_CONNECT`] message).
    pub fn connect(
        spec: &ConnectionSpec,
        name: &str,
        limits: &PoolLimits,
    ) -> Result<Self, SourceError> {
        match spec.kind {
            SourceKind::Postgres => {
                let manager = PgManager {
                    url: postgres_url(spec, limits)?,
                };
                // one direct attempt first: a refused connection fails now, not after r2d2's retries
                let first = manager
                    .connect()
                    .map_err(|e| cannot_connect(spec, name, e))?;
                drop(first);
                Ok(SourcePool::Postgres(
                    builder(limits).build_unchecked(manager),
                ))
            }
            SourceKind::Mysql => {
                let manager = MysqlManager {
                    opts: mysql_opts(spec, limits)?,
                };
                let mut first = manager
                    .connect()
                    .map_err(|e| cannot_connect(spec, name, e))?;
                let mariadb = mysql::prelude::Queryable::query_first::<String, _>(
                    &mut first.conn,
                    "SELECT VERSION()",
                )
                .ok()
                .flatten()
                .is_some_and(|v| v.to_ascii_lowercase().contains("mariadb"));
                drop(first);
                Ok(SourcePool::Mysql {
                    pool: builder(limits).build_unchecked(manager),
                    mariadb,
                })
            }
            SourceKind::Sqlite => {
                let path = spec
                    .url
                    .strip_prefix("sqlite://")
                    .unwrap_or(&spec.url)
                    .to_owned();
                let manager = SqliteManager {
                    path: PathBuf::from(path),
                    max_value_bytes: limits.max_value_bytes,
                };
                let first = manager
                    .connect()
                    .map_err(|e| cannot_connect(spec, name, e))?;
                drop(first);
                Ok(SourcePool::Sqlite(builder(limits).build_unchecked(manager)))
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

/// The pools of every source in use, keyed by source id. A pool is replaced only when its
/// source's connection changes; renaming a source keeps it, so a source never has more
/// connections than its limit.
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

    /// Drops a source's pool (the source was deleted); statements still running finish on it.
    pub fn invalidate(&self, id: DataSourceId) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<DataSourceId, Entry>> {
        self.pools
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(url: &str) -> ConnectionSpec {
        let policy = crate::SpecPolicy {
            sqlite_dir: std::env::temp_dir(),
            app_database: None,
            allowed_hosts: vec![],
            max_connect_timeout_secs: 5,
        };
        ConnectionSpec::parse(
            SourceKind::Postgres,
            Some(url),
            &crate::SpecFields::default(),
            &policy,
        )
        .unwrap()
    }

    #[test]
    fn postgres_urls_get_bounded_timeouts_and_keepalives() {
        let limits = PoolLimits::default();
        let url = postgres_url(&spec("postgres://u:p@h/db?connect_timeout=0"), &limits).unwrap();
        assert!(url.contains("connect_timeout=1"), "{url}");
        assert!(url.contains("keepalives=1") && url.contains("tcp_user_timeout="));
        let url =
            postgres_url(&spec("postgres://u:p@h/db?connect_timeout=99999"), &limits).unwrap();
        assert!(url.contains("connect_timeout=5"), "{url}");
        let url = postgres_url(&spec("postgres://u:p@h/db?sslmode=require"), &limits).unwrap();
        assert!(url.contains("sslmode=require") && url.contains("connect_timeout=5"));
    }

    #[test]
    fn percent_decoding_of_credentials() {
        assert_eq!(percent_decode("p%40ss%2Fw").unwrap(), "p@ss/w");
        assert_eq!(percent_decode("plain").unwrap(), "plain");
        assert!(percent_decode("%ff").is_err());
    }
}
