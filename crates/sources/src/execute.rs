//! Read-only execution within a deadline and a byte budget. PostgreSQL runs in a `READ ONLY`
//! transaction with `statement_timeout` and reads through a cursor, in batches sized to the
//! budget; MySQL/MariaDB in `START TRANSACTION READ ONLY` with `max_execution_time` /
//! `max_statement_time`, streamed row by row; SQLite on read-only connections whose statement is
//! interrupted at the deadline. Every answer stops at the byte budget (marked truncated), every
//! cell is cut at the cell limit, and every session is reset after use (`DISCARD ALL`,
//! `COM_RESET_CONNECTION`), so nothing a statement did outlives it. Every parameter is bound.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Bool, Date, Double, Text, Timestamp};
use diesel::{PgConnection, RunQueryDsl};
use diesel_dynamic_schema::dynamic_value::{DynamicRow, NamedField};

use crate::pool::{Session, SourcePool};
use crate::{Param, SourceError, Value};

type PgRow = DynamicRow<NamedField<Option<Value>>>;

/// How long a statement may run and how much of its answer is kept.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    /// The statement's deadline, from its start.
    pub timeout: Duration,
    /// The answer stops once its cells hold this many bytes (marked truncated).
    pub max_bytes: usize,
    /// A longer text or binary cell is cut to this many bytes.
    pub max_cell_bytes: usize,
}

impl RunLimits {
    /// The default budgets: 32 MiB per answer, 1 MiB per cell.
    pub const DEFAULT_MAX_BYTES: usize = 32 * 1024 * 1024;
    /// See [`RunLimits::DEFAULT_MAX_BYTES`].
    pub const DEFAULT_MAX_CELL_BYTES: usize = 1024 * 1024;
}

impl From<Duration> for RunLimits {
    fn from(timeout: Duration) -> Self {
        Self {
            timeout,
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_cell_bytes: Self::DEFAULT_MAX_CELL_BYTES,
        }
    }
}

/// Why an answer holds fewer rows than the statement produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Truncation {
    /// The rows read so far reached the answer's byte budget.
    ByteBudget,
}

impl Truncation {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Truncation::ByteBudget => "byte_budget",
        }
    }
}

/// Rows read from a source.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    /// Column names in order (empty when no row came back and the engine gives names only
    /// with rows).
    pub columns: Vec<String>,
    /// The cells, row by row.
    pub rows: Vec<Vec<Value>>,
    /// Time spent in the database, including fetching.
    pub elapsed: Duration,
    /// Set when the answer stopped before the statement's last row.
    pub truncated: Option<Truncation>,
    /// Cells cut to the cell limit.
    pub cells_truncated: u64,
}

/// Where a streamed read hands its pages: the column names and the page's rows.
pub type PageSink<'a> = dyn FnMut(&[String], Vec<Vec<Value>>) -> Result<(), SourceError> + 'a;

/// Gathers rows within the budgets; a streamed read hands them on a page at a time.
struct Collector<'a> {
    limits: RunLimits,
    rows: Rows,
    bytes: usize,
    /// Rows seen in all (a streamed read keeps only the current page).
    seen: usize,
    /// The page size and where pages go, for a streamed read.
    sink: Option<(usize, &'a mut PageSink<'a>)>,
    /// Why the sink stopped the read.
    sink_error: Option<SourceError>,
}

impl<'a> Collector<'a> {
    fn new(limits: RunLimits) -> Self {
        Self {
            limits,
            rows: Rows::default(),
            bytes: 0,
            seen: 0,
            sink: None,
            sink_error: None,
        }
    }

    /// Hands the rows gathered so far to the sink; `false` when it refused them.
    fn flush(&mut self) -> bool {
        let Some((_, sink)) = self.sink.as_mut() else {
            return true;
        };
        if self.rows.rows.is_empty() {
            return true;
        }
        let page = std::mem::take(&mut self.rows.rows);
        match sink(&self.rows.columns, page) {
            Ok(()) => true,
            Err(e) => {
                self.sink_error = Some(e);
                false
            }
        }
    }

    /// Cuts a cell to the cell limit and counts its bytes.
    fn cell(&mut self, value: Value) -> Value {
        let max = self.limits.max_cell_bytes;
        let value = match value {
            Value::Text(s) if s.len() > max => {
                self.rows.cells_truncated += 1;
                let mut end = max;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                Value::Text(s[..end].to_owned())
            }
            Value::Bytes(b) if b.len() > max => {
                self.rows.cells_truncated += 1;
                Value::Bytes(b[..max].to_vec())
            }
            other => other,
        };
        self.bytes += match &value {
            Value::Text(s) => s.len(),
            Value::Bytes(b) => b.len(),
            _ => 8,
        };
        value
    }

    /// Keeps a row; `false` once the budget is spent (the row is kept, the next are not).
    fn push(&mut self, row: Vec<Value>) -> bool {
        self.rows.rows.push(row);
        self.seen += 1;
        if self.bytes >= self.limits.max_bytes {
            self.rows.truncated = Some(Truncation::ByteBudget);
            return false;
        }
        match self.sink {
            Some((page, _)) if self.rows.rows.len() >= page => self.flush(),
            _ => true,
        }
    }

    /// Rows to fetch next: as many as the rest of the budget holds at the average row size.
    fn next_batch(&self) -> usize {
        let n = self.seen.max(1);
        let per_row = (self.bytes / n).max(1);
        (self.limits.max_bytes.saturating_sub(self.bytes) / per_row).clamp(1, 5000)
    }

    fn finish(mut self, started: Instant) -> Rows {
        self.rows.elapsed = started.elapsed();
        self.rows
    }
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

fn boxed(sql: &str) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
    diesel::sql_query(sql.to_owned()).into_boxed::<Pg>()
}

fn pool_busy(name: &str) -> impl Fn(r2d2::Error) -> SourceError + '_ {
    move |e| SourceError::Unavailable {
        source_name: name.to_owned(),
        reason: format!("no connection became free in time ({e})"),
    }
}

/// Runs one statement read-only with bound parameters, within the limits (a `Duration` means
/// that timeout with the default byte budgets).
pub fn run_read_only(
    pool: &SourcePool,
    name: &str,
    sql: &str,
    params: &[Param],
    limits: impl Into<RunLimits>,
) -> Result<Rows, SourceError> {
    let limits = limits.into();
    let started = Instant::now();
    let mut collector = Collector::new(limits);
    run_into(pool, name, sql, params, limits, &mut collector)?;
    Ok(collector.finish(started))
}

/// What a streamed read did.
#[derive(Debug, Clone)]
pub struct Streamed {
    /// Column names in order.
    pub columns: Vec<String>,
    /// Rows handed to the sink.
    pub rows: u64,
    /// Time spent in the database, including fetching.
    pub elapsed: Duration,
}

/// Runs one statement read-only like [`run_read_only`], handing its rows to `sink` a page of
/// `page_rows` at a time instead of keeping them, so memory holds one page. `limits.max_bytes`
/// bounds the whole read: a statement whose answer passes it fails (a copy cut short must not
/// pass for the whole), as does one that outruns `limits.timeout`; a sink's error stops the
/// read and is answered as is.
pub fn stream_read_only(
    pool: &SourcePool,
    name: &str,
    sql: &str,
    params: &[Param],
    limits: RunLimits,
    page_rows: usize,
    sink: &mut PageSink<'_>,
) -> Result<Streamed, SourceError> {
    let started = Instant::now();
    let mut collector = Collector::new(limits);
    collector.sink = Some((page_rows.max(1), sink));
    let ran = run_into(pool, name, sql, params, limits, &mut collector);
    if let Some(e) = collector.sink_error.take() {
        return Err(e);
    }
    ran?;
    if collector.rows.truncated.is_some() {
        return Err(SourceError::Database(format!(
            "the answer passed its budget of {} bytes",
            limits.max_bytes
        )));
    }
    if !collector.flush() {
        return Err(collector
            .sink_error
            .take()
            .unwrap_or_else(|| SourceError::Database("the page was refused".into())));
    }
    let rows = collector.seen as u64;
    let done = collector.finish(started);
    Ok(Streamed {
        columns: done.columns,
        rows,
        elapsed: done.elapsed,
    })
}

/// Runs the statement on its engine, gathering into `collector`.
fn run_into(
    pool: &SourcePool,
    name: &str,
    sql: &str,
    params: &[Param],
    limits: RunLimits,
    collector: &mut Collector<'_>,
) -> Result<(), SourceError> {
    match pool {
        SourcePool::Postgres(p) => {
            let mut session = p.get().map_err(pool_busy(name))?;
            let run = postgres(&mut session.conn, sql, params, limits, collector);
            // the answer is read or abandoned: end the transaction, then forget everything the
            // session might remember (advisory locks, prepared statements, settings)
            let reset = session
                .conn
                .batch_execute("ROLLBACK")
                .and_then(|()| session.conn.batch_execute("DISCARD ALL"));
            if reset.is_err() {
                session.broken = true;
            }
            run.map_err(|e| classify_pg(e, name, limits.timeout))?;
        }
        SourcePool::Mysql { pool, mariadb } => {
            let mut session = pool.get().map_err(pool_busy(name))?;
            let run = mysql(&mut session, *mariadb, sql, params, limits, collector);
            if let Err(MysqlRun::Driver(mysql::Error::IoError(_) | mysql::Error::DriverError(_))) =
                &run
            {
                session.broken = true;
            }
            if !session.broken {
                let reset = mysql::prelude::Queryable::query_drop(&mut session.conn, "ROLLBACK")
                    .and_then(|()| session.conn.reset());
                if reset.is_err() {
                    session.broken = true;
                }
            }
            run.map_err(|e| match e {
                MysqlRun::Driver(e) => classify_mysql(e, name, limits.timeout),
                MysqlRun::NotAQuery => SourceError::not_read_only(
                    "the statement returns no rows; only queries may run",
                ),
            })?;
        }
        SourcePool::Sqlite(p) => {
            let mut session = p.get().map_err(pool_busy(name))?;
            let run = sqlite(&session.conn, sql, params, limits, collector);
            // the interrupt hook belongs to this statement only
            if session
                .conn
                .progress_handler(0, None::<fn() -> bool>)
                .is_err()
            {
                session.broken = true;
            }
            run.map_err(|e| classify_sqlite(e, limits.timeout))?;
        }
    }
    Ok(())
}

fn timeout_ms(timeout: Duration) -> u128 {
    timeout.as_millis().max(1)
}

/// PostgreSQL: a read-only transaction, the statement as a cursor, batches sized to the budget.
fn postgres(
    conn: &mut PgConnection,
    sql: &str,
    params: &[Param],
    limits: RunLimits,
    collector: &mut Collector<'_>,
) -> Result<(), diesel::result::Error> {
    let started = Instant::now();
    // UTC so that timestamptz buckets and bound ranges agree with the other engines; plans
    // for the whole answer, as a plain statement would be (a cursor's default favours the
    // first rows)
    conn.batch_execute(&format!(
        "BEGIN READ ONLY; SET LOCAL statement_timeout = {}; SET LOCAL TimeZone = 'UTC'; \
         SET LOCAL cursor_tuple_fraction = 1.0",
        timeout_ms(limits.timeout)
    ))?;
    bind_all!(
        boxed(&format!(
            "DECLARE tessera_answer NO SCROLL CURSOR FOR {sql}"
        )),
        params
    )
    .execute(conn)?;
    let mut batch = 1usize;
    loop {
        if started.elapsed() >= limits.timeout {
            return Err(timeout_error());
        }
        let rows: Vec<PgRow> =
            diesel::sql_query(format!("FETCH FORWARD {batch} FROM tessera_answer")).load(conn)?;
        let n = rows.len();
        if collector.rows.columns.is_empty() {
            if let Some(first) = rows.first() {
                collector.rows.columns = (0..first.len())
                    .filter_map(|i| first.get(i).map(|f| f.name.clone()))
                    .collect();
            }
        }
        for r in rows {
            let cells: Vec<Value> = (0..r.len())
                .map(|i| {
                    r.get(i)
                        .and_then(|f| f.value.clone())
                        .unwrap_or(Value::Null)
                })
                .map(|v| collector.cell(v))
                .collect();
            if !collector.push(cells) {
                return Ok(());
            }
        }
        if n < batch {
            return Ok(());
        }
        batch = collector.next_batch();
    }
}

fn timeout_error() -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError("canceling statement due to statement timeout".into())
}

/// Why a MySQL run failed.
enum MysqlRun {
    /// The driver or the server refused.
    Driver(mysql::Error),
    /// The statement returns no rows (refused before it ran).
    NotAQuery,
}

impl From<mysql::Error> for MysqlRun {
    fn from(e: mysql::Error) -> Self {
        Self::Driver(e)
    }
}

/// MySQL/MariaDB: a read-only transaction with the engine's timeout, rows streamed.
fn mysql(
    session: &mut Session<mysql::Conn>,
    mariadb: bool,
    sql: &str,
    params: &[Param],
    limits: RunLimits,
    collector: &mut Collector<'_>,
) -> Result<(), MysqlRun> {
    use mysql::prelude::Queryable;
    let conn = &mut session.conn;
    let ms = timeout_ms(limits.timeout);
    let limit = if mariadb {
        format!("SET SESSION max_statement_time = {:.3}", ms as f64 / 1000.0)
    } else {
        format!("SET SESSION max_execution_time = {ms}")
    };
    conn.query_drop(limit)?;
    conn.query_drop("START TRANSACTION READ ONLY")?;
    let mut stopped = false;
    {
        let mut read = |result: &mut dyn Iterator<Item = mysql::Result<mysql::Row>>,
                        columns: Vec<String>|
         -> mysql::Result<()> {
            collector.rows.columns = columns;
            for row in result {
                let row = row?;
                let types: Vec<mysql::consts::ColumnType> =
                    row.columns_ref().iter().map(|c| c.column_type()).collect();
                // `Row::unwrap` hands over the row's values; it cannot panic
                let cells: Vec<Value> = mysql::Row::unwrap(row)
                    .into_iter()
                    .zip(types)
                    .map(|(v, t)| collector.cell(crate::value::from_mysql(v, t)))
                    .collect();
                if !collector.push(cells) {
                    stopped = true;
                    return Ok(());
                }
            }
            Ok(())
        };
        // prepared first: a statement without result columns is not a query, and MySQL would
        // run DDL (which commits implicitly, read-only transaction or not) if it were executed
        let stmt = conn.prep(sql)?;
        if stmt.columns().is_empty() {
            let _ = conn.close(stmt);
            return Err(MysqlRun::NotAQuery);
        }
        let columns = stmt
            .columns()
            .iter()
            .map(|c| c.name_str().into_owned())
            .collect();
        let values: Vec<mysql::Value> = params.iter().map(crate::value::to_mysql).collect();
        let params = if values.is_empty() {
            mysql::Params::Empty
        } else {
            mysql::Params::Positional(values)
        };
        let mut result = conn.exec_iter(&stmt, params)?;
        read(&mut result, columns)?;
        if stopped {
            // dropping the answer would read the rest of it from the server, however large;
            // the session is closed instead (the leak is the answer's column list)
            std::mem::forget(result);
        }
    }
    // an abandoned answer would be read to its end by the driver: close the session instead
    if stopped {
        session.broken = true;
    }
    Ok(())
}

/// SQLite: the statement on a read-only connection, interrupted once its deadline passes.
fn sqlite(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Param],
    limits: RunLimits,
    collector: &mut Collector<'_>,
) -> rusqlite::Result<()> {
    let deadline = Instant::now() + limits.timeout;
    // checked every few thousand virtual machine steps: a runaway statement stops at its
    // deadline and its connection goes back to the pool
    conn.progress_handler(2_000, Some(move || Instant::now() >= deadline))?;
    let mut stmt = conn.prepare(sql)?;
    for (i, p) in params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, crate::value::to_sqlite(p))?;
    }
    collector.rows.columns = stmt
        .column_names()
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    let width = stmt.column_count();
    let max_cell = limits.max_cell_bytes;
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next()? {
        let mut cells = Vec::with_capacity(width);
        for i in 0..width {
            let (value, cut) = crate::value::from_sqlite(row.get_ref(i)?, max_cell);
            if cut {
                collector.rows.cells_truncated += 1;
            }
            cells.push(collector.cell(value));
        }
        if !collector.push(cells) {
            break;
        }
    }
    Ok(())
}

fn version_sql(pool: &SourcePool) -> &'static str {
    match pool.kind() {
        tessera_domain::SourceKind::Postgres => "SELECT version() AS version",
        tessera_domain::SourceKind::Mysql => "SELECT VERSION() AS version",
        tessera_domain::SourceKind::Sqlite => "SELECT 'SQLite ' || sqlite_version() AS version",
    }
}

fn is_timeout_message(m: &str) -> bool {
    m.contains("statement timeout")
        || m.contains("max_statement_time")
        || m.contains("maximum statement execution time")
}

fn is_read_only_message(m: &str) -> bool {
    m.contains("read-only transaction")
        || m.contains("read only transaction")
        || m.contains("readonly database")
        || m.contains("query_only")
}

/// Sorts PostgreSQL failures into lost connections, timeouts, read-only violations and refusals.
fn classify_pg(e: diesel::result::Error, name: &str, timeout: Duration) -> SourceError {
    use diesel::result::{DatabaseErrorKind, Error as E};
    if matches!(
        e,
        E::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        ) | E::BrokenTransactionManager
    ) {
        return lost(name);
    }
    let message = e.to_string();
    classify_message(message, timeout)
}

fn classify_message(message: String, timeout: Duration) -> SourceError {
    let m = message.to_ascii_lowercase();
    if is_timeout_message(&m) {
        SourceError::Timeout(timeout_ms(timeout) as u64)
    } else if is_read_only_message(&m) {
        SourceError::not_read_only(format!("the database refused a write: {message}"))
    } else {
        SourceError::Database(message)
    }
}

fn lost(name: &str) -> SourceError {
    SourceError::Unavailable {
        source_name: name.to_owned(),
        reason: "the connection was lost".into(),
    }
}

fn classify_mysql(e: mysql::Error, name: &str, timeout: Duration) -> SourceError {
    match e {
        mysql::Error::MySqlError(ref me) => match me.code {
            // MySQL's max_execution_time, MariaDB's max_statement_time
            3024 | 1969 => SourceError::Timeout(timeout_ms(timeout) as u64),
            1792 => {
                SourceError::not_read_only(format!("the database refused a write: {}", me.message))
            }
            _ => classify_message(me.message.clone(), timeout),
        },
        mysql::Error::IoError(ref io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            SourceError::Timeout(timeout_ms(timeout) as u64)
        }
        mysql::Error::IoError(_) | mysql::Error::DriverError(_) => {
            tracing::info!(source = %name, error = %e, "a data source connection failed");
            lost(name)
        }
        other => SourceError::Database(other.to_string()),
    }
}

fn classify_sqlite(e: rusqlite::Error, timeout: Duration) -> SourceError {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::OperationInterrupted) => SourceError::Timeout(timeout_ms(timeout) as u64),
        Some(C::ReadOnly) => {
            SourceError::not_read_only(format!("the database refused a write: {e}"))
        }
        Some(C::TooBig) => SourceError::Database(
            "a value grew larger than this source's limit for one value".into(),
        ),
        _ => classify_message(e.to_string(), timeout),
    }
}

/// Reachability, version and round-trip latency of a source, and whether its account holds
/// more power than charts need.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Probe {
    /// The server's version string.
    pub server_version: String,
    /// Round trip of the version query, in milliseconds.
    pub latency_ms: f64,
    /// The account is a superuser (PostgreSQL `rolsuper`, MySQL `SUPER`).
    pub superuser: bool,
    /// The account can read or write server files (PostgreSQL `pg_read_server_files` and
    /// friends, MySQL `FILE`).
    pub file_access: bool,
}

/// Asks the server for its version and the account's privileges.
pub fn probe(pool: &SourcePool, name: &str, timeout: Duration) -> Result<Probe, SourceError> {
    let rows = run_read_only(pool, name, version_sql(pool), &[], timeout)?;
    let server_version = rows
        .rows
        .first()
        .and_then(|r| r.first())
        .map(Value::to_text)
        .unwrap_or_default();
    let latency_ms = rows.elapsed.as_secs_f64() * 1000.0;
    let (superuser, file_access) = privileges(pool, name, timeout)?;
    Ok(Probe {
        server_version,
        latency_ms,
        superuser,
        file_access,
    })
}

const PG_PRIVILEGES: &str = "SELECT current_setting('is_superuser') = 'on' AS superuser, \
     EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname IN ('pg_read_server_files', \
     'pg_write_server_files', 'pg_execute_server_program') \
     AND pg_has_role(current_user, r.oid, 'MEMBER')) AS file_access";
const MYSQL_PRIVILEGES: &str = "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES \
     WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', \
     SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";

/// (superuser, file access) of the source's account.
fn privileges(
    pool: &SourcePool,
    name: &str,
    timeout: Duration,
) -> Result<(bool, bool), SourceError> {
    let truthy = |v: Option<&Value>| matches!(v, Some(Value::Bool(true)) | Some(Value::Int(1)));
    match pool.kind() {
        tessera_domain::SourceKind::Postgres => {
            let rows = run_read_only(pool, name, PG_PRIVILEGES, &[], timeout)?;
            let row = rows.rows.first();
            Ok((
                truthy(row.and_then(|r| r.first())),
                truthy(row.and_then(|r| r.get(1))),
            ))
        }
        tessera_domain::SourceKind::Mysql => {
            let rows = run_read_only(pool, name, MYSQL_PRIVILEGES, &[], timeout)?;
            let held: Vec<String> = rows
                .rows
                .iter()
                .filter_map(|r| r.first())
                .map(|v| v.to_text().to_ascii_uppercase())
                .collect();
            Ok((
                held.iter().any(|p| p == "SUPER"),
                held.iter().any(|p| p == "FILE"),
            ))
        }
        tessera_domain::SourceKind::Sqlite => Ok((false, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_bytes: usize, max_cell_bytes: usize) -> RunLimits {
        RunLimits {
            timeout: Duration::from_secs(1),
            max_bytes,
            max_cell_bytes,
        }
    }

    #[test]
    fn the_collector_stops_at_the_byte_budget() {
        let mut c = Collector::new(limits(25, 100));
        let mut kept = 0;
        for _ in 0..10 {
            let v = c.cell(Value::Text("0123456789".into()));
            kept += 1;
            if !c.push(vec![v]) {
                break;
            }
        }
        assert_eq!(kept, 3);
        assert_eq!(c.rows.truncated, Some(Truncation::ByteBudget));
    }

    #[test]
    fn cells_are_cut_at_a_character_boundary() {
        let mut c = Collector::new(limits(1000, 4));
        assert_eq!(
            c.cell(Value::Text("héllo".into())),
            Value::Text("hél".into())
        );
        assert_eq!(c.cell(Value::Bytes(vec![1; 10])), Value::Bytes(vec![1; 4]));
        assert_eq!(c.cell(Value::Int(7)), Value::Int(7));
        assert_eq!(c.rows.cells_truncated, 2);
    }

    #[test]
    fn batches_fit_the_rest_of_the_budget() {
        let mut c = Collector::new(limits(1000, 1000));
        let v = c.cell(Value::Text("x".repeat(100)));
        c.push(vec![v]);
        assert_eq!(c.next_batch(), 9);
        let mut small = Collector::new(limits(1 << 30, 1000));
        let v = small.cell(Value::Int(1));
        small.push(vec![v]);
        assert_eq!(small.next_batch(), 5000);
    }
}
