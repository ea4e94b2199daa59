//! Columnar extracts: a source's table (or datamart) copied as Parquet and kept fresh, so chart
//! queries on it are answered by polars instead of the source (issue 16). [`Extracts`] is the
//! entry point the HTTP layer and the workers hold: extracts for a viewer (list, read, create,
//! replace, delete, refresh now, suggestions), each write checked against the role, the
//! definition (`spec`), the source's schema (`plan`) and the organisation's limits; refreshes
//! run as jobs (`refresh`), queued on demand or when their schedule is due (`tick`), one
//! process at a time per extract through a claim in the app database. `files` owns the copies
//! on disk, `lookup` which extract answers a query, `serve` answering from it, `timings` the
//! slow tables suggested.

pub mod files;
pub mod lookup;
pub mod plan;
pub mod refresh;
pub mod serve;
pub mod spec;
pub mod timings;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDateTime;
use tessera_domain::extract::{Extract, ExtractRefresh, ExtractTarget};
use tessera_domain::{
    DataSourceId, DatamartId, ExtractId, Job, JobKind, JobStatus, OrgId, Page, PageRequest, Viewer,
};
use tessera_store::cache_events::{self, Scope};
use tessera_store::extracts::{self as store, ExtractDraft};
use tessera_store::jobs::{self, JobSignal};

use tessera_domain::dashboards::check_name;
use tessera_domain::error::Validator;

use crate::engine::{parse_id, ChartEngine};
use crate::error::{ChartError, ChartResult};
use crate::settings::ExtractSettings;
use files::ExtractFiles;
use spec::{Definition, ExtractSpec};

/// Refresh records shown with an extract.
pub const RECENT_REFRESHES: i64 = 10;
/// Most tables `suggestions` names.
pub const MAX_SUGGESTIONS: usize = 20;
/// How many times faster an extract is assumed to answer than its database before it has
/// answered anything (the benchmarks measure more; see BENCHMARKS.md).
pub const ASSUMED_SPEEDUP: f64 = 20.0;

/// An extract with what a reader wants beside it.
#[derive(Debug, Clone)]
pub struct ExtractView {
    /// The extract.
    pub extract: Extract,
    /// Its checked definition.
    pub definition: Definition,
    /// Its latest refreshes, newest first.
    pub refreshes: Vec<ExtractRefresh>,
    /// Its latest refresh job, if any.
    pub job: Option<Job>,
    /// Whether its copy is fresh enough to answer charts now.
    pub fresh: bool,
}

/// A table whose charts were slow in the last day.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The source.
    pub source_id: DataSourceId,
    /// Its name.
    pub source_name: String,
    /// The table or datamart.
    pub target: ExtractTarget,
    /// Chart queries the database answered.
    pub database_queries: u64,
    /// Their mean time in milliseconds.
    pub database_ms_mean: f64,
    /// Their time in all.
    pub database_ms_total: f64,
    /// The time an extract would likely have taken per query (measured when one answered).
    pub extract_ms_estimate: f64,
    /// The time an extract would likely have saved over the day.
    pub saving_ms: f64,
    /// Extracts of this table that exist already.
    pub extract_ids: Vec<ExtractId>,
}

/// Extracts over the chart engine; cheap to share behind an `Arc`.
pub struct Extracts {
    engine: Arc<ChartEngine>,
    settings: ExtractSettings,
    files: ExtractFiles,
    signal: Arc<JobSignal>,
}

fn check_role(viewer: &Viewer) -> ChartResult<()> {
    if viewer.role.can_edit() {
        Ok(())
    } else {
        Err(ChartError::Forbidden(
            "extracts are for editors and admins".into(),
        ))
    }
}

impl Extracts {
    /// Extracts over `engine` (which must have been given the same files with
    /// [`ChartEngine::with_extracts`]); `signal` wakes this process's workers when a refresh is
    /// queued.
    pub fn new(
        engine: Arc<ChartEngine>,
        settings: ExtractSettings,
        signal: Arc<JobSignal>,
    ) -> Self {
        Self {
            files: ExtractFiles::new(settings.dir.clone()),
            engine,
            settings,
            signal,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &ExtractSettings {
        &self.settings
    }

    /// The files.
    pub fn files(&self) -> &ExtractFiles {
        &self.files
    }

    /// One page of the viewer's organisation's extracts (of one source, when given).
    pub async fn list(
        &self,
        viewer: &Viewer,
        source: Option<&str>,
        page: PageRequest,
    ) -> ChartResult<Page<ExtractView>> {
        check_role(viewer)?;
        let source: Option<DataSourceId> = match source {
            Some(s) => Some(parse_id("data source", s)?),
            None => None,
        };
        let org = viewer.org;
        let (extracts, latest) = self
            .engine
            .db(move |conn| {
                let page = store::page(conn, org, source, page)?;
                let subjects: Vec<String> = page.items.iter().map(|x| x.id.to_string()).collect();
                let latest = jobs::latest_for_each(conn, &subjects)?;
                Ok((page, latest))
            })
            .await?;
        let now = self.engine.now();
        let mut latest = latest;
        let mut items = Vec::with_capacity(extracts.items.len());
        let Page {
            items: rows,
            total,
            page,
            limit,
        } = extracts;
        for x in rows {
            let job = latest.remove(&x.id.to_string());
            items.push(self.view(x, Vec::new(), job, now)?);
        }
        Ok(Page {
            items,
            total,
            page,
            limit,
        })
    }

    /// One extract of the viewer's organisation with its latest refreshes.
    pub async fn get(&self, viewer: &Viewer, id: &str) -> ChartResult<ExtractView> {
        check_role(viewer)?;
        let id: ExtractId = parse_id("extract", id)?;
        self.read(viewer.org, id).await
    }

    async fn read(&self, org: OrgId, id: ExtractId) -> ChartResult<ExtractView> {
        let (x, refreshes, job) = self
            .engine
            .db(move |conn| {
                let x = store::find(conn, org, id)?;
                let refreshes = store::refreshes(conn, org, id, RECENT_REFRESHES)?;
                let job = jobs::latest_for(conn, &id.to_string())?;
                Ok((x, refreshes, job))
            })
            .await
            .map_err(|e| not_found(e, id))?;
        self.view(x, refreshes, job, self.engine.now())
    }

    fn view(
        &self,
        extract: Extract,
        refreshes: Vec<ExtractRefresh>,
        job: Option<Job>,
        now: NaiveDateTime,
    ) -> ChartResult<ExtractView> {
        let definition = Definition::from_json(&extract.definition)?;
        let fresh = extract.state.version > 0
            && extract
                .state
                .refreshed_at
                .is_some_and(|at| now - at <= definition.max_staleness);
        Ok(ExtractView {
            extract,
            definition,
            refreshes,
            job,
            fresh,
        })
    }

    /// Checks a spec against the source: the draft to store, and the checked definition.
    async fn draft(
        &self,
        viewer: &Viewer,
        spec: &ExtractSpec,
    ) -> ChartResult<(ExtractDraft, Definition)> {
        // every invalid field is named at once
        let mut v = Validator::new();
        let name = v.check(check_name("name", &spec.name));
        let def = v.check(spec.definition(self.settings.default_max_staleness_secs));
        v.finish()?;
        let (Some(name), Some(def)) = (name, def) else {
            return Err(ChartError::field("name", "is invalid"));
        };
        let source_id: DataSourceId = parse_id("data source", &spec.source_id)?;
        let (open, schema) = self.engine.schema(viewer, source_id).await?;
        let kind = open.source.kind;
        let (target, table, from_sql) = match (&spec.table, &spec.datamart_id) {
            (Some(t), None) => {
                let table = schema.table(t.trim()).cloned().ok_or_else(|| {
                    let names: Vec<String> =
                        schema.tables.iter().map(|t| t.qualified_name()).collect();
                    ChartError::field(
                        "table",
                        format!("unknown table '{t}'; tables: {}", names.join(", ")),
                    )
                })?;
                (ExtractTarget::Table(table.qualified_name()), table, None)
            }
            (None, Some(d)) => {
                let dm_id: DatamartId = parse_id("datamart", d)?;
                let org = viewer.org;
                let dm = self
                    .engine
                    .db(move |conn| tessera_store::datamarts::find(conn, org, dm_id))
                    .await
                    .map_err(|e| match e {
                        ChartError::NotFound(_) => {
                            ChartError::NotFound(format!("no datamart with id '{dm_id}'"))
                        }
                        other => other,
                    })?;
                if dm.source_id != source_id {
                    return Err(ChartError::field(
                        "datamart_id",
                        "the datamart reads another source",
                    ));
                }
                let (sub, sample_sql) = tessera_sources::charts::datamart_subquery(kind, &dm.sql)?;
                let limits = self.engine.runtime().run_limits;
                let sample = self
                    .engine
                    .on_source(viewer, &open, move |pool, name| {
                        tessera_sources::execute::run_read_only(
                            pool,
                            name,
                            &sample_sql,
                            &[],
                            limits,
                        )
                    })
                    .await?;
                let table = tessera_sources::charts::table_from_sample(&dm.name, &sample);
                (ExtractTarget::Datamart(dm.id), table, Some(sub))
            }
            _ => {
                return Err(ChartError::field(
                    "table",
                    "give exactly one of table or datamart_id",
                ))
            }
        };
        let columns = plan::kept_columns(kind, &table, &def)?;
        plan::statement(kind, &table, from_sql.as_deref(), &columns, &def, None)?;
        let next_refresh_at = def
            .schedule
            .as_ref()
            .and_then(|s| s.next_after(self.engine.clock().now()))
            .map(tessera_store::stored);
        Ok((
            ExtractDraft {
                source_id,
                name,
                target,
                definition: def.to_json(),
                next_refresh_at,
            },
            def,
        ))
    }

    /// Creates an extract and queues its first refresh.
    pub async fn create(&self, viewer: &Viewer, spec: &ExtractSpec) -> ChartResult<ExtractView> {
        check_role(viewer)?;
        let (draft, _) = self.draft(viewer, spec).await?;
        let (org, at) = (viewer.org, self.engine.now());
        let (max_count, max_bytes) = (self.settings.max_per_org, self.settings.max_bytes_per_org);
        let x = self
            .engine
            .db(move |conn| {
                tessera_store::atomically(conn, |conn| {
                    let (count, bytes) = store::usage(conn, org)?;
                    if count >= max_count {
                        return Ok(Err(ChartError::Limit(format!(
                            "the organisation has {count} extracts, the most it may have (extracts.max_per_org)"
                        ))));
                    }
                    if bytes as u64 >= max_bytes {
                        return Ok(Err(over_quota(max_bytes)));
                    }
                    let x = store::insert(conn, org, &draft, at)?;
                    jobs::enqueue(conn, org, JobKind::ExtractRefresh, &x.id.to_string())?;
                    Ok(Ok(x))
                })
            })
            .await??;
        self.signal.notify();
        self.read(org, x.id).await
    }

    /// Replaces an extract's definition. A change to what the copy holds (source, table,
    /// columns, filters, incremental column) drops the copy and queues a refresh.
    pub async fn update(
        &self,
        viewer: &Viewer,
        id: &str,
        spec: &ExtractSpec,
    ) -> ChartResult<ExtractView> {
        check_role(viewer)?;
        let id: ExtractId = parse_id("extract", id)?;
        let org = viewer.org;
        let old = self
            .engine
            .db(move |conn| store::find(conn, org, id))
            .await
            .map_err(|e| not_found(e, id))?;
        let (draft, def) = self.draft(viewer, spec).await?;
        let old_def = Definition::from_json(&old.definition)?;
        let reset = old.source_id != draft.source_id
            || old.target != draft.target
            || old_def.reshapes(&def);
        let sources = [old.source_id, draft.source_id];
        let updated = self
            .engine
            .db(move |conn| {
                tessera_store::atomically(conn, |conn| {
                    let x = store::update(conn, org, id, &draft, reset)?;
                    if reset && !jobs::any_active(conn, &[id.to_string()])? {
                        jobs::enqueue(conn, org, JobKind::ExtractRefresh, &id.to_string())?;
                    }
                    for source in sources {
                        cache_events::publish(conn, Scope::Source(source))?;
                    }
                    Ok(x)
                })
            })
            .await
            .map_err(|e| not_found(e, id))?;
        // its staleness or filters may have changed even when its copy stays
        for source in sources {
            self.engine.runtime().invalidate(source, false);
        }
        if reset {
            self.remove_files(org, updated.id);
            self.signal.notify();
        }
        self.read(org, id).await
    }

    /// Deletes an extract and its files.
    pub async fn delete(&self, viewer: &Viewer, id: &str) -> ChartResult<()> {
        check_role(viewer)?;
        let id: ExtractId = parse_id("extract", id)?;
        let org = viewer.org;
        let existed = self
            .engine
            .db(move |conn| {
                let x = store::find(conn, org, id)?;
                jobs::delete_for(conn, &id.to_string())?;
                store::delete(conn, org, id)?;
                Ok(x)
            })
            .await
            .map_err(|e| not_found(e, id))?;
        self.remove_files(org, id);
        self.engine.forget_extract(id);
        self.engine.runtime().invalidate(existed.source_id, false);
        // the extract is gone whatever happens next: a lost notice only leaves other processes
        // to notice when their caches expire (their lookups within 30 s)
        let notice = Scope::Source(existed.source_id);
        if let Err(e) = self
            .engine
            .db(move |conn| cache_events::publish(conn, notice))
            .await
        {
            tracing::warn!(extract = %id, error = %e, "cannot announce a deleted extract");
        }
        Ok(())
    }

    /// Queues a refresh now (or answers the one already queued or running).
    pub async fn refresh(&self, viewer: &Viewer, id: &str) -> ChartResult<Job> {
        check_role(viewer)?;
        let id: ExtractId = parse_id("extract", id)?;
        let (org, max_bytes) = (viewer.org, self.settings.max_bytes_per_org);
        let job = self
            .engine
            .db(move |conn| {
                tessera_store::atomically(conn, |conn| {
                    store::find(conn, org, id)?;
                    let (_, bytes) = store::usage(conn, org)?;
                    if bytes as u64 >= max_bytes {
                        return Ok(Err(over_quota(max_bytes)));
                    }
                    if let Some(job) = jobs::latest_for(conn, &id.to_string())?
                        .filter(|j| matches!(j.status, JobStatus::Queued | JobStatus::Running))
                    {
                        return Ok(Ok(job));
                    }
                    Ok(Ok(jobs::enqueue(
                        conn,
                        org,
                        JobKind::ExtractRefresh,
                        &id.to_string(),
                    )?))
                })
            })
            .await
            .map_err(|e| not_found(e, id))??;
        self.signal.notify();
        Ok(job)
    }

    /// Removes the files of every extract of a source that is being deleted; call it after
    /// the source's rows are gone, with the ids read before.
    pub fn forget(&self, org: OrgId, ids: &[ExtractId]) {
        for id in ids {
            self.remove_files(org, *id);
        }
    }

    /// The ids of a source's extracts (read before the source is deleted).
    pub async fn of_source(&self, org: OrgId, source: DataSourceId) -> ChartResult<Vec<ExtractId>> {
        self.engine
            .db(move |conn| store::ids(conn, org, Some(source)))
            .await
    }

    fn remove_files(&self, org: OrgId, id: ExtractId) {
        if let Err(e) = self.files.remove_extract(org, id) {
            tracing::warn!(extract = %id, error = %e, "removing an extract's files failed; the sweep retries");
        }
    }

    /// The tables whose charts the database answered slowest over the last day, with the time
    /// an extract would likely have saved.
    pub async fn suggestions(&self, viewer: &Viewer) -> ChartResult<Vec<Suggestion>> {
        check_role(viewer)?;
        let now = self.engine.now();
        let recent = self.engine.timings().recent(viewer.org, now);
        let org = viewer.org;
        let keys: Vec<timings::TableKey> = recent.iter().map(|t| t.key.clone()).collect();
        let (names, existing) = self
            .engine
            .db(move |conn| {
                let mut names = std::collections::HashMap::new();
                let mut existing = std::collections::HashMap::new();
                for k in keys {
                    if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(k.source) {
                        match tessera_store::data_sources::find(conn, org, k.source) {
                            Ok(stored) => {
                                slot.insert(stored.source.name);
                            }
                            Err(tessera_store::StoreError::NotFound) => continue,
                            Err(e) => return Err(e),
                        }
                    }
                    let ids = store::of_target(conn, org, k.source, &k.target)?;
                    existing.insert(k, ids);
                }
                Ok((names, existing))
            })
            .await?;
        let mut out: Vec<Suggestion> = recent
            .into_iter()
            .filter(|t| t.database_runs > 0)
            .filter_map(|t| {
                let source_name = names.get(&t.key.source)?.clone();
                let mean = t.database_ms / t.database_runs as f64;
                let extract_ms = if t.extract_runs > 0 {
                    t.extract_ms / t.extract_runs as f64
                } else {
                    mean / ASSUMED_SPEEDUP
                };
                let extract_ids = existing.get(&t.key).cloned().unwrap_or_default();
                Some(Suggestion {
                    source_id: t.key.source,
                    source_name,
                    target: t.key.target,
                    database_queries: t.database_runs,
                    database_ms_mean: mean,
                    database_ms_total: t.database_ms,
                    extract_ms_estimate: extract_ms,
                    saving_ms: ((mean - extract_ms) * t.database_runs as f64).max(0.0),
                    extract_ids,
                })
            })
            .collect();
        out.sort_by(|a, b| b.saving_ms.total_cmp(&a.saving_ms));
        out.truncate(MAX_SUGGESTIONS);
        Ok(out)
    }

    /// Queues the refreshes whose schedule is due at `now`, each once across processes (the
    /// first to move its next run on queues it); how many were queued.
    pub fn tick(&self, now: chrono::DateTime<chrono::Utc>) -> ChartResult<usize> {
        let mut conn = self.engine.db_pool().get()?;
        let stored_now = tessera_store::stored(now);
        let mut queued = 0;
        for (id, org, was) in store::due(&mut conn, stored_now, 100)? {
            let next = store::find_any(&mut conn, id)?
                .and_then(|x| Definition::from_json(&x.definition).ok())
                .and_then(|d| d.schedule)
                .and_then(|s| s.next_after(now))
                .map(tessera_store::stored);
            let subject = id.to_string();
            let took = tessera_store::atomically(&mut conn, |conn| {
                if !store::advance(conn, id, was, next)? {
                    return Ok(false);
                }
                if !jobs::any_active(conn, std::slice::from_ref(&subject))? {
                    jobs::enqueue(conn, org, JobKind::ExtractRefresh, &subject)?;
                    return Ok(true);
                }
                Ok(false)
            })?;
            queued += usize::from(took);
        }
        if queued > 0 {
            self.signal.notify();
        }
        Ok(queued)
    }

    /// [`Extracts::tick`] at the engine's time.
    pub fn tick_now(&self) -> ChartResult<usize> {
        self.tick(self.engine.clock().now())
    }

    /// Removes the files of extracts that no longer exist (their source or organisation was
    /// deleted by another process, or a removal failed); how many.
    pub fn sweep(&self) -> ChartResult<usize> {
        let mut conn = self.engine.db_pool().get()?;
        let mut removed = 0;
        let orgs = self
            .files
            .orgs()
            .map_err(|e| ChartError::Internal(e.to_string()))?;
        for org in orgs {
            let known: HashSet<ExtractId> = store::ids(&mut conn, org, None)?.into_iter().collect();
            removed += self
                .files
                .sweep(org, &known)
                .map_err(|e| ChartError::Internal(e.to_string()))?;
        }
        Ok(removed)
    }
}

/// The refusal of work past the organisation's disk quota.
pub(crate) fn over_quota(max_bytes: u64) -> ChartError {
    ChartError::Limit(format!(
        "the organisation's extracts would take more than their {max_bytes} bytes (extracts.max_bytes_per_org)"
    ))
}

fn not_found(e: ChartError, id: ExtractId) -> ChartError {
    match e {
        ChartError::NotFound(_) => ChartError::NotFound(format!("no extract with id '{id}'")),
        other => other,
    }
}
