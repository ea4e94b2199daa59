//! Chart queries: a [`ChartRequest`] is parsed into a `ChartQuery`, looked up in the answer cache,
//! resolved to what it reads (a source's table, a datamart, or a dataset), run (SQL compiled for
//! the source, or polars over the dataset's Parquet file), its empty time buckets filled, and
//! optionally compared with the previous period.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use tessera_analytics::aggregate;
use tessera_analytics::extract::Loaded;
use tessera_domain::chart::{ChartQuery, OutputColumn, TimeRange};
use tessera_domain::extract::{Extract, ExtractTarget};
use tessera_domain::{Clock, DataSource, DatamartId, Dataset, DatasetId, ExtractId, Viewer};
use tessera_sources::charts::{
    compile_from, compile_segments, fill_empty_buckets, shape, table_from_sample, Segments,
};
use tessera_sources::introspect::TableInfo;
use tessera_sources::pool::SourcePool;
use tessera_store::DbPool;

use crate::answer::{Change, ChartAnswer, ChartMetadata, Comparison, Origin, Row};
use crate::cache::{CacheUse, CachedChart, ChartKey};
use crate::error::{ChartError, ChartResult};
use crate::extracts::files::ExtractFiles;
use crate::extracts::spec::Definition;
use crate::extracts::timings::{TableKey, Timings};
use crate::request::ChartRequest;
use crate::runtime::SourceRuntime;

/// A source opened for reading: its record and its pool.
pub struct OpenSource {
    /// The record.
    pub source: DataSource,
    /// Its pool.
    pub pool: Arc<SourcePool>,
}

/// Parses an id from a request; one that does not parse names nothing (404 naming `what`).
pub fn parse_id<T: FromStr>(what: &str, id: &str) -> ChartResult<T> {
    id.parse()
        .map_err(|_| ChartError::NotFound(format!("no {what} with id '{id}'")))
}

/// The chart engine: everything a chart query needs, shared by every caller (HTTP handlers,
/// alert checks, dashboards). Cheap to share behind an `Arc`.
pub struct ChartEngine {
    db: DbPool,
    runtime: Arc<SourceRuntime>,
    upload_dir: PathBuf,
    clock: Arc<dyn Clock>,
    /// Extracts' copies, when extracts are on.
    extracts: Option<ExtractFiles>,
    /// Copies held in memory by (extract, version), weighed in bytes.
    frames: moka::sync::Cache<(ExtractId, i64), Arc<Loaded>>,
    /// The bytes `frames` may hold.
    frames_capacity: u64,
    /// Recent chart timings per table (extract suggestions).
    timings: Arc<Timings>,
}

/// A table or datamart in a user's database.
pub(crate) struct DatabaseTarget {
    pub(crate) source: DataSource,
    pub(crate) pool: Arc<SourcePool>,
    pub(crate) table: TableInfo,
    pub(crate) from_sql: Option<String>,
    /// The table or datamart, as extracts name it.
    pub(crate) key: TableKey,
}

/// Where a chart query reads from.
pub(crate) enum Target {
    /// Aggregated in the source database as SQL.
    Database(DatabaseTarget),
    /// Aggregated from a dataset's Parquet file with polars.
    Dataset { dataset: Dataset, path: PathBuf },
    /// Aggregated with polars from a fresh extract of a source's table or datamart.
    Extract {
        /// The source the copy was read from.
        source: DataSource,
        /// The table or datamart.
        key: TableKey,
        extract: Box<Extract>,
        /// The copy's version directory.
        dir: PathBuf,
    },
}

/// One run of a query: output columns, rows, and the time the engine took.
struct Run {
    columns: Vec<OutputColumn>,
    rows: Vec<Row>,
    query_ms: f64,
}

impl Target {
    fn origin(&self) -> Origin {
        match self {
            Target::Database(t) => Origin::Database {
                source_id: t.source.id.to_string(),
                source_name: t.source.name.clone(),
            },
            Target::Dataset { dataset, .. } => Origin::Dataset {
                dataset_id: dataset.id.to_string(),
                dataset_name: dataset.name.clone(),
            },
            Target::Extract {
                source, extract, ..
            } => Origin::Extract {
                extract_id: extract.id.to_string(),
                extract_name: extract.name.clone(),
                source_id: source.id.to_string(),
                source_name: source.name.clone(),
                refreshed_at: extract.state.refreshed_at.map(|t| t.and_utc()),
            },
        }
    }

    /// The source whose change makes an answer stale.
    fn source(&self) -> Option<tessera_domain::DataSourceId> {
        match self {
            Target::Database(t) => Some(t.source.id),
            Target::Extract { source, .. } => Some(source.id),
            Target::Dataset { .. } => None,
        }
    }
}

impl ChartEngine {
    /// The engine over the app database `db`, users' databases through `runtime`, and datasets
    /// stored under `upload_dir`; "now" comes from `clock`.
    pub fn new(
        db: DbPool,
        runtime: Arc<SourceRuntime>,
        upload_dir: PathBuf,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            db,
            runtime,
            upload_dir,
            clock,
            extracts: None,
            frames: moka::sync::Cache::builder().max_capacity(0).build(),
            frames_capacity: 0,
            timings: Arc::default(),
        }
    }

    /// Answers chart queries from fresh extracts whose copies live under `files`, holding up to
    /// `memory_bytes` of copies in memory (0: every query reads the files).
    pub fn with_extracts(mut self, files: ExtractFiles, memory_bytes: u64) -> Self {
        self.extracts = Some(files);
        self.frames_capacity = memory_bytes;
        self.frames = moka::sync::Cache::builder()
            .max_capacity(memory_bytes)
            .weigher(|_, copy: &Arc<Loaded>| {
                u32::try_from(copy.frame.estimated_size()).unwrap_or(u32::MAX)
            })
            .support_invalidation_closures()
            .build();
        self
    }

    /// Drops an extract's copies held in memory (it was refreshed or deleted).
    pub fn forget_extract(&self, id: ExtractId) {
        let _ = self.frames.invalidate_entries_if(move |k, _| k.0 == id);
    }

    /// The extract's copy in memory: held already, or read now when its estimated size fits in
    /// half the memory given to copies; `None` when it is to be read from its files.
    async fn extract_frame(
        &self,
        extract: &Extract,
        dir: &std::path::Path,
    ) -> ChartResult<Option<Arc<Loaded>>> {
        let key = (extract.id, extract.state.version);
        if let Some(frame) = self.frames.get(&key) {
            return Ok(Some(frame));
        }
        // eight bytes a cell (numbers, times, categorical codes), or four times the compressed
        // files (long, varied text), whichever is more
        let estimate = (extract.state.rows.max(0) as u64)
            .saturating_mul(extract.state.columns.len() as u64)
            .saturating_mul(8)
            .max((extract.state.bytes.max(0) as u64).saturating_mul(4));
        if self.frames_capacity == 0 || estimate > self.frames_capacity / 2 {
            return Ok(None);
        }
        // sorted by its incremental column when that is a time, else by its first timestamp
        // or date column: a query's window is then a slice of it
        let temporal = |name: &str| {
            extract
                .state
                .column(name)
                .is_some_and(|k| k.kind == "timestamp" || k.kind == "date")
        };
        let first_of = |kind: &str| {
            extract
                .state
                .columns
                .iter()
                .find(|c| c.kind == kind)
                .map(|c| c.name.clone())
        };
        let time = Definition::from_json(&extract.definition)
            .ok()
            .and_then(|d| d.stored.incremental_column)
            .filter(|c| temporal(c))
            .or_else(|| first_of("timestamp"))
            .or_else(|| first_of("date"));
        let (frames, dir) = (self.frames.clone(), dir.to_path_buf());
        let frame = self
            .blocking(move || {
                frames.try_get_with(key, || {
                    tessera_analytics::extract::load(&dir, time.as_deref()).map(Arc::new)
                })
            })
            .await?
            .map_err(|e| ChartError::Internal(format!("reading an extract into memory: {e}")))?;
        Ok(Some(frame))
    }

    /// Where extracts' copies live, when extracts are on.
    pub fn extract_files(&self) -> Option<&ExtractFiles> {
        self.extracts.as_ref()
    }

    /// Recent chart timings per table.
    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// The clock the engine reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Pools, caches, limits and the catalogue.
    pub fn runtime(&self) -> &Arc<SourceRuntime> {
        &self.runtime
    }

    /// The app database.
    pub fn db_pool(&self) -> &DbPool {
        &self.db
    }

    /// The current time as the app database stores it.
    pub fn now(&self) -> chrono::NaiveDateTime {
        tessera_store::stored(self.clock.now())
    }

    /// Answers a chart query for `viewer`; `metric` names the named metric it stands for.
    pub async fn query(
        &self,
        viewer: &Viewer,
        req: &ChartRequest,
        metric: Option<&str>,
        cache: CacheUse,
    ) -> ChartResult<ChartAnswer> {
        self.query_with(viewer, req, metric, cache, None).await
    }

    /// A chart query grouped by derived segments instead of its dimensions (segment metrics).
    pub async fn query_segments(
        &self,
        viewer: &Viewer,
        req: &ChartRequest,
        metric: Option<&str>,
        cache: CacheUse,
        segments: &Segments,
    ) -> ChartResult<ChartAnswer> {
        self.query_with(viewer, req, metric, cache, Some(segments))
            .await
    }

    async fn query_with(
        &self,
        viewer: &Viewer,
        req: &ChartRequest,
        metric: Option<&str>,
        cache: CacheUse,
        segments: Option<&Segments>,
    ) -> ChartResult<ChartAnswer> {
        let started = Instant::now();
        // an answer computed across an invalidation is not cached (it may have read what the
        // change replaced)
        let epoch = self.runtime.epoch();
        // `"live": true` and `Cache-Control: no-cache` (a fresh answer) ask the database itself,
        // never an extract; `live` neither reads nor fills the cache (it may hold an extract's
        // answer, and a live one would stand in for the extract's afterwards)
        let asked_live = req.live.unwrap_or(false);
        let live = asked_live || cache != CacheUse::Normal;
        // `charts.cache_ttl_secs = 0` switches the cache off
        let cache = if self.runtime.charts_ttl.is_zero() || asked_live {
            CacheUse::Bypass
        } else {
            cache
        };
        let mut q = req.parse(self.now())?;

        // The cache is consulted before anything touches a user's database (see ChartKey).
        // Entries are only ever written after the viewer's organisation was checked to own that
        // source (or see that dataset), and are dropped when the source, datamart or dataset
        // changes.
        let key = ChartKey::new(viewer.org, req, &q, segments);
        // A dataset may be another organisation's public one: visibility can change at any time
        // (and in another process), so it is looked up, once, before a cached answer is served.
        let dataset = match (&req.source_id, &req.datamart_id, &req.dataset_id) {
            (None, None, Some(id)) => Some(self.dataset(viewer, id).await?),
            _ => None,
        };
        if let Some(hit) = key
            .as_ref()
            .filter(|_| cache.reads())
            .and_then(|k| self.runtime.charts.get(k))
        {
            let mut answer = hit.answer.clone();
            answer.metadata.cached = true;
            answer.metadata.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
            return Ok(answer);
        }
        let early = match (live, segments, &dataset) {
            (false, None, None) => self.extract_first(viewer, req, &mut q).await?,
            _ => None,
        };
        let target = match early {
            Some(target) => target,
            None => {
                let target = self.resolve(viewer, req, dataset, &mut q).await?;
                q.validate()?;
                if live || segments.is_some() {
                    target
                } else {
                    self.prefer_extract(viewer, target, &q).await?
                }
            }
        };
        let answer = self
            .answer(viewer, &target, &q, metric, segments, started)
            .await?;
        if let Some(key) = key.filter(|_| cache.writes()) {
            let source = target.source();
            self.runtime.remember_chart(
                key,
                Arc::new(CachedChart {
                    answer: answer.clone(),
                    source,
                }),
                epoch,
            );
        }
        Ok(answer)
    }

    /// Computes the answer of a resolved, validated query: its rows with empty buckets filled,
    /// the comparison when asked, and the metadata.
    async fn answer(
        &self,
        viewer: &Viewer,
        target: &Target,
        q: &ChartQuery,
        metric: Option<&str>,
        segments: Option<&Segments>,
        started: Instant,
    ) -> ChartResult<ChartAnswer> {
        let range = q.time.as_ref().and_then(|t| t.range);
        let run = self.run(viewer, target, q, range, true, segments).await?;
        let mut rows = run.rows;
        if let Some(r) = range {
            fill_empty_buckets(&run.columns, q, r, &mut rows);
        }
        let comparison = match (q.compare_previous, range) {
            (true, Some(r)) => Some(self.compare(viewer, target, q, r).await?),
            _ => None,
        };
        let metadata = ChartMetadata {
            metric: metric.map(str::to_owned),
            table: q.table.clone(),
            period: q
                .time
                .as_ref()
                .and_then(|t| t.period)
                .map(|p| p.as_str().to_owned()),
            granularity: q
                .time
                .as_ref()
                .and_then(|t| t.granularity)
                .map(|g| g.as_str().to_owned()),
            range,
            row_count: rows.len(),
            generated_at: chrono::Utc::now(),
            cached: false,
            query_ms: run.query_ms,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            origin: target.origin(),
            view: None,
            total: None,
        };
        Ok(ChartAnswer {
            rows,
            columns: run.columns,
            metadata,
            comparison,
        })
    }

    /// A dataset the viewer's organisation owns, or another's public one.
    /// A dataset the viewer may read (its organisation's, or a public one) with its Parquet file.
    pub async fn dataset_file(&self, viewer: &Viewer, id: &str) -> ChartResult<(Dataset, PathBuf)> {
        let dataset = self.dataset(viewer, id).await?;
        let path = dataset.file_in(&self.upload_dir);
        Ok((dataset, path))
    }

    async fn dataset(&self, viewer: &Viewer, id: &str) -> ChartResult<Dataset> {
        let (org, id): (_, DatasetId) = (viewer.org, parse_id("dataset", id)?);
        self.db(move |conn| tessera_store::datasets::find_visible(conn, org, id))
            .await
            .map_err(|e| match e {
                ChartError::NotFound(_) => ChartError::NotFound("no such dataset".into()),
                other => other,
            })
    }

    async fn resolve(
        &self,
        viewer: &Viewer,
        req: &ChartRequest,
        dataset: Option<Dataset>,
        q: &mut ChartQuery,
    ) -> ChartResult<Target> {
        let only = req.dataset_id.is_none();
        match (&req.source_id, &req.datamart_id, dataset) {
            (Some(id), None, None) if only => {
                self.table_target(viewer, parse_id("data source", id)?, q)
                    .await
            }
            (None, Some(id), None) if only => {
                let dm_id: DatamartId = parse_id("datamart", id)?;
                let org = viewer.org;
                let dm = self
                    .db(move |conn| tessera_store::datamarts::find(conn, org, dm_id))
                    .await
                    .map_err(|e| match e {
                        ChartError::NotFound(_) => {
                            ChartError::NotFound(format!("no datamart with id '{dm_id}'"))
                        }
                        other => other,
                    })?;
                let open = self.open(viewer, dm.source_id).await?;
                self.datamart_target(viewer, open, dm, q).await
            }
            (None, None, Some(dataset)) => {
                q.table = dataset.name.clone();
                let path = dataset.file_in(&self.upload_dir);
                Ok(Target::Dataset { dataset, path })
            }
            _ => Err(ChartError::field(
                "source_id",
                "give exactly one of source_id, datamart_id or dataset_id",
            )),
        }
    }

    /// A table of a source, or one of the source's datamarts by its name.
    async fn table_target(
        &self,
        viewer: &Viewer,
        id: tessera_domain::DataSourceId,
        q: &mut ChartQuery,
    ) -> ChartResult<Target> {
        let (open, schema) = self.schema(viewer, id).await?;
        if q.table.trim().is_empty() {
            return Err(ChartError::field("table", "is required with source_id"));
        }
        if let Some(table) = schema.table(&q.table).cloned() {
            let key = TableKey {
                source: open.source.id,
                target: ExtractTarget::Table(table.qualified_name()),
            };
            return Ok(Target::Database(DatabaseTarget {
                source: open.source,
                pool: open.pool,
                table,
                from_sql: None,
                key,
            }));
        }
        // a datamart of this source is usable by its name, like a table
        let (org, name) = (viewer.org, q.table.clone());
        let dm = self
            .db(move |conn| tessera_store::datamarts::find_by_name(conn, org, &name))
            .await?;
        match dm.filter(|d| d.source_id == open.source.id) {
            Some(dm) => self.datamart_target(viewer, open, dm, q).await,
            None => {
                let names: Vec<String> = schema.tables.iter().map(|t| t.qualified_name()).collect();
                Err(ChartError::field(
                    "table",
                    format!("unknown table '{}'; tables: {}", q.table, names.join(", ")),
                ))
            }
        }
    }

    /// A datamart as the table of a chart query: its SQL becomes a subquery, its columns come
    /// from one sample row.
    async fn datamart_target(
        &self,
        viewer: &Viewer,
        open: OpenSource,
        dm: tessera_domain::Datamart,
        q: &mut ChartQuery,
    ) -> ChartResult<Target> {
        let (sub, sample_sql) =
            tessera_sources::charts::datamart_subquery(open.source.kind, &dm.sql)?;
        let limits = self.runtime.run_limits;
        let sample = self
            .on_source(viewer, &open, move |pool, name| {
                tessera_sources::execute::run_read_only(pool, name, &sample_sql, &[], limits)
            })
            .await?;
        q.table = dm.name.clone();
        Ok(Target::Database(DatabaseTarget {
            table: table_from_sample(&dm.name, &sample),
            key: TableKey {
                source: open.source.id,
                target: ExtractTarget::Datamart(dm.id),
            },
            source: open.source,
            pool: open.pool,
            from_sql: Some(sub),
        }))
    }

    /// Runs `q` over the target for the window `range`; `group = false` computes totals.
    async fn run(
        &self,
        viewer: &Viewer,
        target: &Target,
        q: &ChartQuery,
        range: Option<TimeRange>,
        group: bool,
        segments: Option<&Segments>,
    ) -> ChartResult<Run> {
        match target {
            Target::Database(t) => self.run_sql(viewer, t, q, range, group, segments).await,
            Target::Dataset { .. } if segments.is_some() => Err(ChartError::field(
                "dataset_id",
                "segment metrics read a database table",
            )),
            Target::Extract {
                key, dir, extract, ..
            } => {
                let (path, name, q) = (
                    tessera_analytics::extract::parts(dir),
                    q.table.clone(),
                    q.clone(),
                );
                let started = Instant::now();
                let frame = self.extract_frame(extract, dir).await?;
                let answer = self
                    .blocking(move || match frame {
                        Some(copy) => {
                            // a window sliced from a copy sorted by time holds exactly the rows
                            // the time filter would keep
                            let window = q
                                .time
                                .as_ref()
                                .zip(range)
                                .and_then(|(t, r)| copy.window(&t.column, r));
                            match window {
                                Some(rows) => {
                                    aggregate::aggregate_rows(rows, &name, &q, None, group)
                                }
                                None => aggregate::aggregate_rows(
                                    copy.frame.clone(),
                                    &name,
                                    &q,
                                    range,
                                    group,
                                ),
                            }
                        }
                        None => aggregate::aggregate(&path, &name, &q, range, group),
                    })
                    .await??;
                let query_ms = started.elapsed().as_secs_f64() * 1000.0;
                self.timings
                    .record(viewer.org, key.clone(), query_ms, true, self.now());
                Ok(Run {
                    columns: answer.columns,
                    rows: answer.rows,
                    query_ms,
                })
            }
            Target::Dataset { dataset, path } => {
                let (path, name, q) = (path.clone(), dataset.name.clone(), q.clone());
                let started = Instant::now();
                let answer = self
                    .blocking(move || aggregate::aggregate(&path, &name, &q, range, group))
                    .await??;
                Ok(Run {
                    columns: answer.columns,
                    rows: answer.rows,
                    query_ms: started.elapsed().as_secs_f64() * 1000.0,
                })
            }
        }
    }

    /// Compiles `q` for the target's database and runs it within the source's budgets.
    async fn run_sql(
        &self,
        viewer: &Viewer,
        t: &DatabaseTarget,
        q: &ChartQuery,
        range: Option<TimeRange>,
        group: bool,
        segments: Option<&Segments>,
    ) -> ChartResult<Run> {
        let c = match segments {
            Some(seg) if t.from_sql.is_none() => {
                compile_segments(t.source.kind, &t.table, q, seg, range)?
            }
            Some(_) => {
                return Err(ChartError::field(
                    "table",
                    "segment metrics read a table, not a datamart",
                ))
            }
            None => compile_from(
                t.source.kind,
                &t.table,
                t.from_sql.as_deref(),
                q,
                range,
                group,
            )?,
        };
        let (pool, name, limits) = (
            t.pool.clone(),
            t.source.name.clone(),
            self.runtime.run_limits,
        );
        let (sql, params) = (c.sql.clone(), c.params.clone());
        let rows = self
            .runtime
            .executor
            .run(viewer.org, Some(t.source.id), move || {
                tessera_sources::execute::run_read_only(&pool, &name, &sql, &params, limits)
            })
            .await??;
        if rows.truncated.is_some() {
            return Err(ChartError::field(
                "query",
                format!(
                    "the answer exceeds the {} byte budget (sources.max_answer_bytes); add filters, fewer dimensions or a lower limit",
                    limits.max_bytes
                ),
            ));
        }
        let query_ms = rows.elapsed.as_secs_f64() * 1000.0;
        if segments.is_none() {
            self.timings
                .record(viewer.org, t.key.clone(), query_ms, false, self.now());
        }
        if self.runtime.sql_debug {
            tracing::info!(source = %t.source.name, sql = %c.sql, params = c.params.len(), ms = query_ms, "chart sql");
        }
        Ok(Run {
            rows: shape(&c, &rows),
            columns: c.columns,
            query_ms,
        })
    }

    /// The previous period: its rows, and totals of both periods with the change.
    async fn compare(
        &self,
        viewer: &Viewer,
        target: &Target,
        q: &ChartQuery,
        current: TimeRange,
    ) -> ChartResult<Comparison> {
        let previous = current.previous();
        let mut before = self
            .run(viewer, target, q, Some(previous), true, None)
            .await?;
        fill_empty_buckets(&before.columns, q, previous, &mut before.rows);
        let totals_now = self
            .run(viewer, target, q, Some(current), false, None)
            .await?;
        let totals_before = self
            .run(viewer, target, q, Some(previous), false, None)
            .await?;
        let now = totals_now.rows.into_iter().next().unwrap_or_default();
        let then = totals_before.rows.into_iter().next().unwrap_or_default();
        let totals = q
            .measures
            .iter()
            .map(|m| {
                let total = |row: &Row| row.get(&m.alias).and_then(serde_json::Value::as_f64);
                (m.alias.clone(), Change::between(total(&now), total(&then)))
            })
            .collect();
        Ok(Comparison {
            range: Some(previous),
            data: before.rows,
            totals,
        })
    }
}
