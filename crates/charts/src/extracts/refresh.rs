//! One refresh of an extract, run by a job on a worker thread: claim the extract in the app
//! database (one process refreshes an extract at a time), read the source through its read-only
//! path a page at a time (its deadline, its byte budgets), convert each page to the copy's
//! column types and append it to a Parquet part file in a staging directory, check the
//! organisation's disk quota as the file grows, rename the directory to its version and swap it
//! in with one conditional update. A refresh that fails anywhere removes its staging directory
//! and records why; the previous copy goes on serving.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use tessera_analytics::extract::{Cells, PartWriter};
use tessera_domain::chart::{parse_datetime, ColumnType, Scalar};
use tessera_domain::extract::{Extract, ExtractState, ExtractTarget, RefreshMode, RefreshStatus};
use tessera_domain::{ExtractId, JobId, SourceKind};
use tessera_sources::execute::{stream_read_only, RunLimits};
use tessera_sources::introspect::TableInfo;
use tessera_sources::pool::SourcePool;
use tessera_sources::{SourceError, Value};
use tessera_store::cache_events::{self, Scope};
use tessera_store::extracts::{self as store, RefreshOutcome};
use tessera_store::{data_sources, datamarts};

use crate::error::{ChartError, ChartResult};
use crate::extracts::files::{self, part_name};
use crate::extracts::plan;
use crate::extracts::spec::Definition;
use crate::extracts::Extracts;

/// What the job running a refresh gives it.
pub struct RefreshRun<'a> {
    /// Who holds the claim (the job's lease owner).
    pub owner: &'a str,
    /// The job, recorded with the refresh.
    pub job: Option<JobId>,
    /// When the refresh must have ended.
    pub deadline: Instant,
    /// Reports progress, 0 to 100.
    pub progress: &'a (dyn Fn(u8) + Sync),
    /// Whether the process is stopping (the refresh gives up; the job is claimed again).
    pub stopping: &'a (dyn Fn() -> bool + Sync),
}

/// How a refresh ended without failing.
#[derive(Debug, Clone, PartialEq)]
pub enum Refreshed {
    /// A new copy serves.
    Done {
        /// Full or incremental.
        mode: RefreshMode,
        /// Rows read from the source.
        rows_read: u64,
        /// The copy now serving.
        state: ExtractState,
    },
    /// Another process is refreshing this extract.
    Busy,
    /// The extract was deleted.
    Gone,
}

/// The source side of a refresh: the pool and the table read.
struct Plan {
    kind: SourceKind,
    name: String,
    pool: Arc<SourcePool>,
    table: TableInfo,
    from_sql: Option<String>,
    columns: Vec<(String, ColumnType)>,
}

/// The largest value of the incremental column read so far.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
enum Mark {
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    Time(NaiveDateTime),
}

impl Mark {
    fn to_json(self) -> String {
        match self {
            Mark::Int(i) => i.to_string(),
            Mark::Float(f) => serde_json::to_string(&f).unwrap_or_else(|_| "null".into()),
            Mark::Date(d) => format!("\"{}\"", d.format("%Y-%m-%d")),
            Mark::Time(t) => format!("\"{}\"", t.format("%Y-%m-%dT%H:%M:%S%.f")),
        }
    }

    fn later(a: Option<Mark>, b: Mark) -> Mark {
        match a {
            Some(a) if a.partial_cmp(&b) == Some(std::cmp::Ordering::Greater) => a,
            _ => b,
        }
    }
}

/// A stored high-water mark as the literal bound into the next read.
fn scalar_of(json: &str) -> Option<Scalar> {
    match serde_json::from_str::<serde_json::Value>(json).ok()? {
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Scalar::Int)
            .or_else(|| n.as_f64().map(Scalar::Float)),
        serde_json::Value::String(s) => Some(Scalar::Text(s)),
        _ => None,
    }
}

impl Extracts {
    /// Refreshes extract `id` now, unless another process is at it. Runs on the calling thread
    /// (a worker's), for as long as the source takes to read, up to `run.deadline`.
    pub fn refresh_now(&self, id: ExtractId, run: &RefreshRun<'_>) -> ChartResult<Refreshed> {
        let pool = self.engine.db_pool().clone();
        let now = self.engine.now();
        let until = now
            + chrono::Duration::from_std(run.deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_default()
            + chrono::Duration::seconds(60);
        let extract = {
            let mut conn = pool.get()?;
            let Some(extract) = store::find_any(&mut conn, id)? else {
                return Ok(Refreshed::Gone);
            };
            if !store::claim(&mut conn, id, run.owner, until, now)? {
                return Ok(Refreshed::Busy);
            }
            extract
        };
        let result = self.refresh_claimed(&extract, run);
        if let Ok(mut conn) = pool.get() {
            if let Err(e) = store::release(&mut conn, id, run.owner) {
                tracing::warn!(extract = %id, error = %e, "releasing an extract's claim failed; it runs out by itself");
            }
        }
        result
    }

    fn refresh_claimed(&self, extract: &Extract, run: &RefreshRun<'_>) -> ChartResult<Refreshed> {
        let started = Instant::now();
        let started_at = self.engine.now();
        let def = Definition::from_json(&extract.definition)?;
        let pool = self.engine.db_pool().clone();
        let plan = self.plan(extract, &def);
        let mode = match &plan {
            Ok(p) if self.can_append(extract, &def, p) => RefreshMode::Incremental,
            _ => RefreshMode::Full,
        };
        let rid = {
            let mut conn = pool.get()?;
            store::start_refresh(&mut conn, extract, run.job, mode, started_at)?
        };
        let copied = plan.and_then(|p| self.copy(extract, &def, &p, mode, run, started_at));
        let duration_ms = started.elapsed().as_millis() as i64;
        let mut conn = pool.get()?;
        match copied {
            Ok((state, rows_read)) => {
                let swapped = store::swap_in(
                    &mut conn,
                    extract.id,
                    run.owner,
                    extract.state.version,
                    &state,
                )?;
                if !swapped {
                    let _ = std::fs::remove_dir_all(self.files.version_dir(
                        extract.org_id,
                        extract.id,
                        state.version,
                    ));
                    let why = "the extract was changed or deleted while it was refreshed";
                    self.record_failure(&mut conn, rid, rows_read, duration_ms, why)?;
                    return Err(ChartError::Limit(why.into()));
                }
                store::finish_refresh(
                    &mut conn,
                    rid,
                    &RefreshOutcome {
                        status: RefreshStatus::Succeeded,
                        finished_at: self.engine.now(),
                        rows_read: rows_read as i64,
                        rows: state.rows,
                        bytes: state.bytes,
                        duration_ms,
                        high_water: state.high_water.clone(),
                        error: None,
                    },
                )?;
                // the copy before the one replaced stays for readers that looked it up just now
                if let Err(e) = self.files.remove_old_versions(
                    extract.org_id,
                    extract.id,
                    extract.state.version,
                ) {
                    tracing::warn!(extract = %extract.id, error = %e, "removing old extract copies failed");
                }
                // other processes forget their answers and lookups of the source too
                let notice = Scope::Source(extract.source_id);
                if let Err(e) = cache_events::publish(&mut conn, notice) {
                    tracing::warn!(extract = %extract.id, error = %e, "cannot announce a refreshed extract; other processes notice when their caches expire");
                }
                self.engine.runtime().invalidate(extract.source_id, false);
                self.engine.forget_extract(extract.id);
                tracing::info!(extract = %extract.id, mode = %mode, rows_read, rows = state.rows, bytes = state.bytes, ms = duration_ms, "extract refreshed");
                Ok(Refreshed::Done {
                    mode,
                    rows_read,
                    state,
                })
            }
            Err(e) => {
                self.record_failure(&mut conn, rid, 0, duration_ms, &e.to_string())?;
                Err(e)
            }
        }
    }

    fn record_failure(
        &self,
        conn: &mut tessera_store::DbConn,
        rid: tessera_domain::RefreshId,
        rows_read: u64,
        duration_ms: i64,
        why: &str,
    ) -> ChartResult<()> {
        store::finish_refresh(
            conn,
            rid,
            &RefreshOutcome {
                status: RefreshStatus::Failed,
                finished_at: self.engine.now(),
                rows_read: rows_read as i64,
                rows: 0,
                bytes: 0,
                duration_ms,
                high_water: None,
                error: Some(why.chars().take(2000).collect()),
            },
        )?;
        Ok(())
    }

    /// Opens the extract's source and reads its table's (or datamart's) columns.
    fn plan(&self, extract: &Extract, def: &Definition) -> ChartResult<Plan> {
        let mut conn = self.engine.db_pool().get()?;
        let stored = data_sources::find(&mut conn, extract.org_id, extract.source_id)?;
        let datamart = match &extract.target {
            ExtractTarget::Datamart(id) => Some(datamarts::find(&mut conn, extract.org_id, *id)?),
            ExtractTarget::Table(_) => None,
        };
        drop(conn);
        let spec = self.engine.spec_of(&stored)?;
        let runtime = self.engine.runtime();
        let (kind, name) = (stored.source.kind, stored.source.name.clone());
        let pool = runtime
            .pools
            .get(stored.source.id, &name, &spec, &runtime.limits)?;
        let (table, from_sql) = match (&extract.target, datamart) {
            (ExtractTarget::Table(t), _) => {
                let schema = tessera_sources::introspect::schema(
                    &pool,
                    &name,
                    runtime.limits.statement_timeout,
                )?;
                let table = schema.table(t).cloned().ok_or_else(|| {
                    ChartError::field("table", format!("the table '{t}' is gone from the source"))
                })?;
                (table, None)
            }
            (ExtractTarget::Datamart(_), Some(dm)) => {
                let (sub, sample) = tessera_sources::charts::datamart_subquery(kind, &dm.sql)?;
                let rows = tessera_sources::execute::run_read_only(
                    &pool,
                    &name,
                    &sample,
                    &[],
                    runtime.run_limits,
                )?;
                (
                    tessera_sources::charts::table_from_sample(&dm.name, &rows),
                    Some(sub),
                )
            }
            (ExtractTarget::Datamart(_), None) => {
                return Err(ChartError::NotFound("the datamart is gone".into()))
            }
        };
        let columns = plan::kept_columns(kind, &table, def)?;
        Ok(Plan {
            kind,
            name,
            pool,
            table,
            from_sql,
            columns,
        })
    }

    /// Whether this refresh may append to the serving copy: it has an incremental column, a
    /// high-water mark, the same columns, and not too many part files yet.
    fn can_append(&self, extract: &Extract, def: &Definition, plan: &Plan) -> bool {
        let dir = self
            .files
            .version_dir(extract.org_id, extract.id, extract.state.version);
        def.stored.incremental_column.is_some()
            && extract.state.version > 0
            && extract.state.high_water.is_some()
            && extract.state.columns == plan::recorded(&plan.columns)
            && files::parts(&dir).is_ok_and(|p| !p.is_empty() && p.len() < self.settings.max_parts)
    }

    /// Writes the new copy into a staging directory and renames it to its version; the state
    /// it leaves and the rows read.
    fn copy(
        &self,
        extract: &Extract,
        def: &Definition,
        plan: &Plan,
        mode: RefreshMode,
        run: &RefreshRun<'_>,
        started_at: NaiveDateTime,
    ) -> ChartResult<(ExtractState, u64)> {
        let version = extract.state.version + 1;
        let staging = self.files.staging_dir(extract.org_id, extract.id, version);
        let result = self.write_copy(extract, def, plan, mode, run, &staging, version, started_at);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn write_copy(
        &self,
        extract: &Extract,
        def: &Definition,
        plan: &Plan,
        mode: RefreshMode,
        run: &RefreshRun<'_>,
        staging: &std::path::Path,
        version: i64,
        started_at: NaiveDateTime,
    ) -> ChartResult<(ExtractState, u64)> {
        let io = |what: &str, e: std::io::Error| {
            tracing::error!(extract = %extract.id, error = %e, "{what}");
            ChartError::Internal(format!("{what} failed; the server log has the cause"))
        };
        std::fs::create_dir_all(staging).map_err(|e| io("creating the extract's directory", e))?;
        let incremental = mode == RefreshMode::Incremental;
        let mut next_part = 1;
        let (mut base_rows, mut base_bytes) = (0i64, 0u64);
        if incremental {
            let current = self
                .files
                .version_dir(extract.org_id, extract.id, extract.state.version);
            for part in files::parts(&current).map_err(|e| io("listing the extract", e))? {
                let target = staging.join(part_name(next_part));
                // the copy shares its parts with the one before; a copy where links fail
                std::fs::hard_link(&part, &target)
                    .or_else(|_| std::fs::copy(&part, &target).map(|_| ()))
                    .map_err(|e| io("linking the extract's parts", e))?;
                base_bytes += std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
                next_part += 1;
            }
            base_rows = extract.state.rows;
        }
        let allowed = self.bytes_allowed(extract)?;
        if base_bytes > allowed {
            return Err(self.over_quota());
        }
        let after = if incremental {
            extract.state.high_water.as_deref().and_then(scalar_of)
        } else {
            None
        };
        let (sql, params) = plan::statement(
            plan.kind,
            &plan.table,
            plan.from_sql.as_deref(),
            &plan.columns,
            def,
            after.as_ref(),
        )?;
        let part = staging.join(part_name(next_part));
        let mut writer = PartWriter::create(&part, &plan.columns)?;
        let inc_index = def
            .stored
            .incremental_column
            .as_ref()
            .and_then(|c| plan.columns.iter().position(|(n, _)| n == c));
        let mut mark: Option<Mark> = None;
        let mut stopped: Option<ChartError> = None;
        let estimate = plan.table.row_estimate.unwrap_or(0).max(1) as f64;
        let page_rows = self.settings.page_rows.max(1);
        let kinds: Vec<ColumnType> = plan.columns.iter().map(|(_, k)| *k).collect();
        let names: Vec<String> = plan.columns.iter().map(|(n, _)| n.clone()).collect();
        let mut sink = |_: &[String], rows: Vec<Vec<Value>>| -> Result<(), SourceError> {
            let stop = |stopped: &mut Option<ChartError>, e: ChartError| {
                *stopped = Some(e);
                SourceError::Database("the refresh stopped".into())
            };
            if (run.stopping)() {
                return Err(stop(
                    &mut stopped,
                    ChartError::Unavailable("the server is stopping".into()),
                ));
            }
            if Instant::now() >= run.deadline {
                return Err(stop(
                    &mut stopped,
                    ChartError::Unavailable(format!(
                        "the refresh ran past its time limit (extracts.refresh_timeout_secs = {})",
                        self.settings.refresh_timeout_secs
                    )),
                ));
            }
            let page = match to_cells(&kinds, &names, rows, inc_index, &mut mark) {
                Ok(page) => page,
                Err(e) => return Err(stop(&mut stopped, e)),
            };
            if let Err(e) = writer.write(page) {
                return Err(stop(&mut stopped, e.into()));
            }
            let written = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
            if base_bytes + written > allowed {
                return Err(stop(&mut stopped, self.over_quota()));
            }
            let done = writer.rows() as f64 / estimate;
            (run.progress)((done * 95.0).clamp(1.0, 95.0) as u8);
            Ok(())
        };
        let limits = RunLimits {
            timeout: run
                .deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_secs(1)),
            max_bytes: usize::try_from(self.settings.max_read_bytes).unwrap_or(usize::MAX),
            max_cell_bytes: self.engine.runtime().run_limits.max_cell_bytes,
        };
        let streamed = stream_read_only(
            &plan.pool, &plan.name, &sql, &params, limits, page_rows, &mut sink,
        );
        if let Some(e) = stopped.take() {
            return Err(e);
        }
        let streamed = streamed?;
        let read = writer.rows();
        writer.finish()?;
        if incremental && read == 0 {
            // nothing new: the copy is the previous one's parts, now known to be current
            std::fs::remove_file(&part).map_err(|e| io("removing an empty part", e))?;
        }
        let bytes = files::bytes_of(staging).map_err(|e| io("measuring the extract", e))?;
        if bytes > allowed {
            return Err(self.over_quota());
        }
        let target = self.files.version_dir(extract.org_id, extract.id, version);
        let _ = std::fs::remove_dir_all(&target);
        std::fs::rename(staging, &target).map_err(|e| io("swapping the extract's copy in", e))?;
        let high_water = match mark {
            Some(m) => Some(m.to_json()),
            None if incremental => extract.state.high_water.clone(),
            None => None,
        };
        let state = ExtractState {
            version,
            refreshed_at: Some(started_at),
            rows: base_rows + read as i64,
            bytes: bytes as i64,
            high_water,
            columns: plan::recorded(&plan.columns),
        };
        debug_assert_eq!(streamed.rows, read);
        Ok((state, read))
    }

    /// The bytes the extract's new copy may take: the quota less what the organisation's other
    /// copies take.
    fn bytes_allowed(&self, extract: &Extract) -> ChartResult<u64> {
        let mut conn = self.engine.db_pool().get()?;
        let (_, used) = store::usage(&mut conn, extract.org_id)?;
        let others = (used - extract.state.bytes).max(0) as u64;
        Ok(self.settings.max_bytes_per_org.saturating_sub(others))
    }

    fn over_quota(&self) -> ChartError {
        super::over_quota(self.settings.max_bytes_per_org)
    }
}

/// One page of rows as typed columns, moving the high-water mark.
fn to_cells(
    kinds: &[ColumnType],
    names: &[String],
    rows: Vec<Vec<Value>>,
    inc: Option<usize>,
    mark: &mut Option<Mark>,
) -> ChartResult<Vec<Cells>> {
    let n = rows.len();
    let mut page: Vec<Cells> = kinds
        .iter()
        .map(|k| Cells::with_capacity(*k, n))
        .collect::<Option<_>>()
        .ok_or_else(|| ChartError::Internal("an extract column of a type not kept".into()))?;
    for row in rows {
        for (i, value) in row.into_iter().enumerate() {
            let Some(cells) = page.get_mut(i) else {
                continue;
            };
            let m = push(cells, value).map_err(|v| {
                ChartError::field(
                    "columns",
                    format!(
                        "column '{}' holds '{v}', which is not {}; leave the column out of the extract",
                        names.get(i).map(String::as_str).unwrap_or("?"),
                        kinds.get(i).map(|k| k.as_str()).unwrap_or("?")
                    ),
                )
            })?;
            if inc == Some(i) {
                if let Some(m) = m {
                    *mark = Some(Mark::later(*mark, m));
                }
            }
        }
    }
    Ok(page)
}

/// Appends one value to its column, converted to the column's type; the value as a high-water
/// mark, or the value's text when it does not convert.
fn push(cells: &mut Cells, v: Value) -> Result<Option<Mark>, String> {
    let bad = |v: &Value| v.to_text().chars().take(100).collect::<String>();
    Ok(match cells {
        Cells::Int(c) => {
            let x = match &v {
                Value::Null => None,
                Value::Int(i) => Some(*i),
                Value::Bool(b) => Some(i64::from(*b)),
                Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
                Value::Text(t) => Some(t.trim().parse().map_err(|_| bad(&v))?),
                _ => return Err(bad(&v)),
            };
            c.push(x);
            x.map(Mark::Int)
        }
        Cells::Float(c) => {
            let x = match &v {
                Value::Null => None,
                Value::Int(i) => Some(*i as f64),
                Value::Float(f) => Some(*f),
                Value::Text(t) => Some(t.trim().parse().map_err(|_| bad(&v))?),
                _ => return Err(bad(&v)),
            };
            c.push(x);
            x.map(Mark::Float)
        }
        Cells::Bool(c) => {
            let x = match &v {
                Value::Null => None,
                Value::Bool(b) => Some(*b),
                Value::Int(0) => Some(false),
                Value::Int(1) => Some(true),
                _ => return Err(bad(&v)),
            };
            c.push(x);
            None
        }
        Cells::Text(c) => {
            c.push((v != Value::Null).then(|| v.to_text()));
            None
        }
        Cells::Date(c) => {
            let x = match &v {
                Value::Null => None,
                Value::Date(d) => Some(*d),
                Value::Timestamp(t) => Some(t.date()),
                Value::Text(t) => Some(parse_datetime(t).ok_or_else(|| bad(&v))?.date()),
                _ => return Err(bad(&v)),
            };
            c.push(x);
            x.map(Mark::Date)
        }
        Cells::Timestamp(c) => {
            let x = match &v {
                Value::Null => None,
                Value::Timestamp(t) => Some(*t),
                Value::Date(d) => Some(d.and_time(chrono::NaiveTime::MIN)),
                Value::Text(t) => Some(parse_datetime(t).ok_or_else(|| bad(&v))?),
                _ => return Err(bad(&v)),
            };
            c.push(x);
            x.map(Mark::Time)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_convert_to_their_column_and_move_the_mark() {
        let kinds = [ColumnType::Integer, ColumnType::Timestamp, ColumnType::Text];
        let names: Vec<String> = ["id", "at", "note"].iter().map(|s| s.to_string()).collect();
        let rows = vec![
            vec![
                Value::Int(3),
                Value::Text("2026-01-02 03:04:05".into()),
                Value::Null,
            ],
            vec![Value::Int(7), Value::Null, Value::Int(1)],
            vec![
                Value::Int(5),
                Value::Text("2026-01-01".into()),
                Value::Text("x".into()),
            ],
        ];
        let mut mark = None;
        let page = to_cells(&kinds, &names, rows, Some(0), &mut mark).unwrap();
        assert_eq!(mark, Some(Mark::Int(7)));
        assert_eq!(page[0], Cells::Int(vec![Some(3), Some(7), Some(5)]));
        assert_eq!(
            page[2],
            Cells::Text(vec![None, Some("1".into()), Some("x".into())])
        );
        let mut mark = None;
        to_cells(
            &kinds,
            &names,
            vec![vec![
                Value::Int(1),
                Value::Text("2026-05-01T10:00:00".into()),
                Value::Null,
            ]],
            Some(1),
            &mut mark,
        )
        .unwrap();
        assert_eq!(
            mark.map(Mark::to_json).as_deref(),
            Some("\"2026-05-01T10:00:00\"")
        );
        assert_eq!(
            scalar_of("\"2026-05-01T10:00:00\""),
            Some(Scalar::Text("2026-05-01T10:00:00".into()))
        );
        assert_eq!(scalar_of("41"), Some(Scalar::Int(41)));

        let err = to_cells(
            &kinds,
            &names,
            vec![vec![Value::Text("abc".into()), Value::Null, Value::Null]],
            None,
            &mut None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("column 'id' holds 'abc'"), "{err}");
    }
}
