//! Read-only execution: PostgreSQL in a `READ ONLY` transaction with `statement_timeout`,
//! MySQL/MariaDB in `START TRANSACTION READ ONLY` with `max_execution_time` /
//! `max_statement_time`, SQLite on `query_only` connections. Every parameter is bound.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::mysql::Mysql;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Bool, Date, Double, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::{MysqlConnection, RunQueryDsl};
use diesel_dynamic_schema::dynamic_value::{DynamicRow, NamedField};

use crate::pool::SourcePool;
use crate::{Param, SourceError, Value};

type Row = DynamicRow<NamedField<Option<Value>>>;

/// Rows read from a source.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    /// Column names in order (empty when no row came back: drivers give names only with rows).
    pub columns: Vec<String>,
    /// The cells, row by row.
    pub rows: Vec<Vec<Value>>,
    /// Time spent in the database, including fetching.
    pub elapsed: Duration,
}

macro_rules! bind_all {
    ($query:expr, $params:expr) => {{
        let mut q = $query;
        for p in $params {
            q = match p {
                Param::Text(v) => q.bind::<Text, _>(v.clone()),
                Param::Int(v) => q.bind::<BigInt, _>(*v),
                Param::Float(v) => q.bind::<Double, _>(*v),
                Param::Bool(v) => q.bind::<Bool, _>(*v),
                Param::Timestamp(v) => q.bind::<Timestamp, _>(*v),
                Param::Date(v) => q.bind::<Date, _>(*v),
            };
        }
        q
    }};
}

fn boxed<DB: diesel::backend::Backend>(sql: &str) -> BoxedSqlQuery<'static, DB, SqlQuery> {
    diesel::sql_query(sql.to_owned()).into_boxed::<DB>()
}

/// Runs one statement read-only with bound parameters and the statement timeout.
pub fn run_read_only(
    pool: &SourcePool,
    name: &str,
    sql: &str,
    params: &[Param],
    timeout: Duration,
) -> Result<Rows, SourceError> {
    let started = Instant::now();
    let timeout_ms = timeout.as_millis().max(1) as u64;
    let unavailable = |e: diesel::r2d2::PoolError| SourceError::Unavailable {
        source_name: name.to_owned(),
        reason: e.to_string(),
    };
    let loaded: Result<Vec<Row>, diesel::result::Error> = match pool {
        SourcePool::Postgres(p) => {
            let mut conn = p.get().map_err(unavailable)?;
            // always rolled back, so nothing a statement sets (set_config, ...) outlives it; UTC so
            // that timestamptz buckets and bound ranges agree with the other engines
            conn.batch_execute(&format!(
                "BEGIN READ ONLY; SET LOCAL statement_timeout = {timeout_ms}; SET LOCAL TimeZone = 'UTC'"
            ))
            .map_err(|e| classify(e, name, timeout_ms))?;
            let result = bind_all!(boxed::<Pg>(sql), params).load::<Row>(&mut *conn);
            let rollback = conn.batch_execute("ROLLBACK");
            result.and_then(|rows| rollback.map(|()| rows))
        }
        SourcePool::Mysql { pool, mariadb } => {
            let mut conn = pool.get().map_err(unavailable)?;
            mysql_read_only(&mut conn, *mariadb, timeout_ms, |c| {
                bind_all!(boxed::<Mysql>(sql), params).load::<Row>(c)
            })
        }
        SourcePool::Sqlite(p) => {
            // SQLite has no server-side statement timeout and diesel exposes no interrupt, so the
            // answer has a deadline: past it the client gets the timeout while the statement
            // finishes on its own thread and then returns its connection to the pool.
            let mut conn = p.get().map_err(unavailable)?;
            let (sql, params) = (sql.to_owned(), params.to_vec());
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(bind_all!(boxed::<Sqlite>(&sql), &params).load::<Row>(&mut *conn));
            });
            match rx.recv_timeout(timeout) {
                Ok(result) => result,
                Err(_) => return Err(SourceError::Timeout(timeout_ms)),
            }
        }
    };
    let rows = loaded.map_err(|e| classify(e, name, timeout_ms))?;
    Ok(into_rows(rows, started.elapsed()))
}

fn mysql_read_only<T>(
    conn: &mut MysqlConnection,
    mariadb: bool,
    timeout_ms: u64,
    f: impl FnOnce(&mut MysqlConnection) -> Result<T, diesel::result::Error>,
) -> Result<T, diesel::result::Error> {
    let limit = if mariadb {
        format!(
            "SET SESSION max_statement_time = {:.3}",
            timeout_ms as f64 / 1000.0
        )
    } else {
        format!("SET SESSION max_execution_time = {timeout_ms}")
    };
    conn.batch_execute(&limit)?;
    conn.batch_execute("START TRANSACTION READ ONLY")?;
    let result = f(conn);
    let rollback = conn.batch_execute("ROLLBACK");
    let value = result?;
    rollback?;
    Ok(value)
}

/// The server's version string (MySQL/MariaDB).
pub(crate) fn server_version_mysql(
    conn: &mut MysqlConnection,
) -> Result<String, diesel::result::Error> {
    let rows: Vec<Row> = diesel::sql_query("SELECT VERSION() AS v").load(conn)?;
    Ok(rows
        .first()
        .and_then(|r| r.get(0))
        .and_then(|f| f.value.as_ref())
        .map(Value::to_text)
        .unwrap_or_default())
}

fn into_rows(rows: Vec<Row>, elapsed: Duration) -> Rows {
    let columns = rows
        .first()
        .map(|r| {
            (0..r.len())
                .filter_map(|i| r.get(i).map(|f| f.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let rows = rows
        .into_iter()
        .map(|r| {
            (0..r.len())
                .map(|i| {
                    r.get(i)
                        .and_then(|f| f.value.clone())
                        .unwrap_or(Value::Null)
                })
                .collect()
        })
        .collect();
    Rows {
        columns,
        rows,
        elapsed,
    }
}

/// Sorts database failures into lost connections, timeouts, read-only violations and other refusals.
fn classify(e: diesel::result::Error, name: &str, timeout_ms: u64) -> SourceError {
    use diesel::result::{DatabaseErrorKind, Error as E};
    if matches!(
        e,
        E::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        ) | E::BrokenTransactionManager
    ) {
        return SourceError::Unavailable {
            source_name: name.to_owned(),
            reason: "the connection was lost".into(),
        };
    }
    let message = e.to_string();
    let m = message.to_ascii_lowercase();
    if m.contains("statement timeout")
        || m.contains("max_statement_time")
        || m.contains("maximum statement execution time")
    {
        SourceError::Timeout(timeout_ms)
    } else if m.contains("read-only transaction")
        || m.contains("read only transaction")
        || m.contains("readonly database")
        || m.contains("query_only")
    {
        SourceError::not_read_only(format!("the database refused a write: {message}"))
    } else {
        SourceError::Database(message)
    }
}

/// Reachability, version and round-trip latency of a source.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Probe {
    /// The server's version string.
    pub server_version: String,
    /// Round trip of the version query, in milliseconds.
    pub latency_ms: f64,
}

/// Asks the server for its version.
pub fn probe(pool: &SourcePool, name: &str, timeout: Duration) -> Result<Probe, SourceError> {
    let sql = match pool.kind() {
        tessera_domain::SourceKind::Postgres => "SELECT version() AS version",
        tessera_domain::SourceKind::Mysql => "SELECT VERSION() AS version",
        tessera_domain::SourceKind::Sqlite => "SELECT 'SQLite ' || sqlite_version() AS version",
    };
    let rows = run_read_only(pool, name, sql, &[], timeout)?;
    let server_version = rows
        .rows
        .first()
        .and_then(|r| r.first())
        .map(Value::to_text)
        .unwrap_or_default();
    Ok(Probe {
        server_version,
        latency_ms: rows.elapsed.as_secs_f64() * 1000.0,
    })
}
