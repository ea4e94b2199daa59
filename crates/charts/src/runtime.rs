//! The state behind data sources and charts: source pools, the credential cipher, the path and
//! host policy, the schema cache, the chart answer cache and the extracts that may answer charts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tessera_domain::{DataSourceId, DatasetId};
use tessera_sources::execute::RunLimits;
use tessera_sources::introspect::Schema;
use tessera_sources::pool::{PoolLimits, SourcePools};

use tessera_sources::{CredentialCipher, SpecPolicy};

use crate::answer::ChartAnswer;
use crate::cache::{CachedChart, ChartKey, ChartTarget, RealtimeKey};
use crate::catalog::Catalog;
use crate::executor::SourceExecutor;
use crate::extracts::lookup::{Lookup, LookupKey};
use crate::settings::{ChartSettings, SourcesSettings};

/// Shared by every request that touches a user's database.
pub struct SourceRuntime {
    /// One pool per source.
    pub pools: SourcePools,
    /// Seals and opens stored connection URLs.
    pub cipher: CredentialCipher,
    /// Where sources may live.
    pub policy: SpecPolicy,
    /// Pool sizes and timeouts.
    pub limits: PoolLimits,
    /// The deadline and byte budgets of every statement.
    pub run_limits: RunLimits,
    /// Where work on users' databases runs, fairly between organisations.
    pub executor: SourceExecutor,
    /// Most rows one SQL lab page may hold.
    pub max_rows: u32,
    /// Introspected schemas by source.
    pub schemas: moka::sync::Cache<DataSourceId, Arc<Schema>>,
    /// Chart answers by organisation, target and normalised query.
    pub charts: moka::sync::Cache<ChartKey, Arc<CachedChart>>,
    /// How long chart answers are cached; zero switches the chart cache off.
    pub charts_ttl: Duration,
    /// Realtime metric answers (short TTL).
    pub realtime: moka::sync::Cache<RealtimeKey, Arc<ChartAnswer>>,
    /// How long realtime answers are cached; zero switches that cache off.
    pub realtime_ttl: Duration,
    /// Log generated SQL.
    pub sql_debug: bool,
    /// Which source each organisation's named metrics read, by organisation and source names.
    pub metric_sources: moka::sync::Cache<String, DataSourceId>,
    /// The named metrics.
    pub catalog: Catalog,
    /// How often other processes' changes are polled (`charts.sync_interval_ms`).
    pub sync_interval_ms: u64,
    /// Segment metrics' thresholds: (Premium, Regular).
    pub segment_thresholds: (f64, f64),
    /// Each source's extracts that hold a copy, by what a chart request names (see
    /// [`crate::extracts::lookup`]); dropped with the source's other derived state.
    extract_lookups: moka::sync::Cache<LookupKey, Arc<Lookup>>,
    /// Moves on at every invalidation, under `epoch_guard`: a lookup read from the app
    /// database, or a chart answered, while one happened is not kept, since it may predate the
    /// change (a cache only forgets what it held when the change arrived).
    epoch: AtomicU64,
    epoch_guard: Mutex<()>,
}

/// How long a source's extracts are remembered when no change notice arrives (another process
/// that does not poll `cache_events`): a backstop, since changes are announced.
const LOOKUP_TTL: Duration = Duration::from_secs(30);
/// The bytes remembered lookups may take, about (each weighs its extracts' definitions).
const LOOKUP_BYTES: u64 = 64 << 20;

impl SourceRuntime {
    /// Builds the runtime; `app_database` is the app's own SQLite file, which no source may name.
    pub fn new(
        secret: &str,
        sources: &SourcesSettings,
        charts: &ChartSettings,
        app_database: Option<std::path::PathBuf>,
    ) -> Result<Self, String> {
        if let Err(e) = std::fs::create_dir_all(&sources.sqlite_dir) {
            return Err(format!(
                "cannot create sources.sqlite_dir {}: {e}",
                sources.sqlite_dir.display()
            ));
        }
        Ok(Self {
            pools: SourcePools::new(),
            cipher: CredentialCipher::new(secret).map_err(|e| e.to_string())?,
            policy: SpecPolicy {
                sqlite_dir: sources.sqlite_dir.clone(),
                app_database,
                allowed_hosts: sources.allowed_hosts.clone(),
                max_connect_timeout_secs: sources.connect_timeout_secs.max(1),
            },
            limits: PoolLimits {
                max_connections: sources.max_connections.max(1),
                connect_timeout: Duration::from_secs(sources.connect_timeout_secs.max(1)),
                statement_timeout: Duration::from_secs(sources.statement_timeout_secs.max(1)),
                max_value_bytes: sources.max_answer_bytes.max(1024),
            },
            run_limits: RunLimits {
                timeout: Duration::from_secs(sources.statement_timeout_secs.max(1)),
                max_bytes: sources.max_answer_bytes.max(1024),
                max_cell_bytes: sources
                    .max_cell_bytes
                    .clamp(16, sources.max_answer_bytes.max(1024)),
            },
            executor: SourceExecutor::new(sources)?,
            max_rows: sources.max_rows.max(1),
            schemas: moka::sync::Cache::builder()
                .max_capacity(1_000)
                .time_to_live(Duration::from_secs(sources.schema_cache_secs.max(1)))
                .build(),
            charts: moka::sync::Cache::builder()
                .max_capacity(charts.cache_max_entries.max(1))
                .time_to_live(Duration::from_secs(charts.cache_ttl_secs.max(1)))
                .support_invalidation_closures()
                .build(),
            charts_ttl: Duration::from_secs(charts.cache_ttl_secs),
            realtime: moka::sync::Cache::builder()
                .max_capacity(1_000)
                .time_to_live(Duration::from_secs(charts.realtime_ttl_secs.max(1)))
                .support_invalidation_closures()
                .build(),
            realtime_ttl: Duration::from_secs(charts.realtime_ttl_secs),
            sql_debug: charts.sql_debug,
            metric_sources: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
            catalog: Catalog::load(&charts.metrics)?,
            sync_interval_ms: charts.sync_interval_ms,
            segment_thresholds: {
                let (p, r) = (charts.segment_premium, charts.segment_regular);
                if !(p.is_finite() && r.is_finite() && p >= r) {
                    return Err(format!(
                        "charts.segment_premium ({p}) must be at least charts.segment_regular ({r})"
                    ));
                }
                (p, r)
            },
            extract_lookups: moka::sync::Cache::builder()
                .max_capacity(LOOKUP_BYTES)
                .weigher(|_, lookup: &Arc<Lookup>| {
                    u32::try_from(lookup.weight()).unwrap_or(u32::MAX)
                })
                .time_to_live(LOOKUP_TTL)
                .support_invalidation_closures()
                .build(),
            epoch: AtomicU64::new(0),
            epoch_guard: Mutex::new(()),
        })
    }

    /// A remembered lookup of a source's extracts.
    pub fn extract_lookup(&self, key: &LookupKey) -> Option<Arc<Lookup>> {
        self.extract_lookups.get(key)
    }

    /// Where invalidations stand now: pass it to [`Self::remember_lookup`] or
    /// [`Self::remember_chart`] with what is read after this call.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Remembers a lookup read since `epoch`, unless something was invalidated meanwhile.
    pub fn remember_lookup(&self, key: LookupKey, lookup: Arc<Lookup>, epoch: u64) {
        let _guard = self.epoch_guard.lock().unwrap_or_else(|e| e.into_inner());
        if self.epoch.load(Ordering::SeqCst) == epoch {
            self.extract_lookups.insert(key, lookup);
        }
    }

    /// Caches a chart answer computed since `epoch`, unless something was invalidated
    /// meanwhile (it may have been read from what the change replaced).
    pub fn remember_chart(&self, key: ChartKey, chart: Arc<CachedChart>, epoch: u64) {
        let _guard = self.epoch_guard.lock().unwrap_or_else(|e| e.into_inner());
        if self.epoch.load(Ordering::SeqCst) == epoch {
            self.charts.insert(key, chart);
        }
    }

    /// Moves the epoch on (under its guard) and runs `forget`.
    fn moved_on(&self, forget: impl FnOnce()) {
        let _guard = self.epoch_guard.lock().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::SeqCst);
        forget();
    }

    /// The policy for an organisation's own sources: its SQLite files live in
    /// `sqlite_dir/<organisation id>/`, so no organisation can name another's files.
    pub fn policy_for(&self, org: tessera_domain::OrgId) -> SpecPolicy {
        let dir = self.policy.sqlite_dir.join(org.to_string());
        if let Err(e) = std::fs::create_dir_all(&dir) {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot create the organisation's sources directory");
        }
        SpecPolicy {
            sqlite_dir: dir,
            ..self.policy.clone()
        }
    }

    /// Forgets everything derived from a source: its schema, the chart answers read from it
    /// (over its tables or its datamarts), its realtime answers and which of its extracts hold
    /// a copy. Its pool goes only when
    /// `drop_pool` (the source was deleted): a renamed source keeps its connections, and a
    /// changed connection is noticed by the pool registry itself.
    pub fn invalidate(&self, id: DataSourceId, drop_pool: bool) {
        if drop_pool {
            self.pools.invalidate(id);
        }
        self.schemas.invalidate(&id);
        self.moved_on(|| {
            let _ = self
                .extract_lookups
                .invalidate_entries_if(move |_, v| v.source.id == id);
            let _ = self.charts.invalidate_entries_if(move |k, v| {
                k.target == ChartTarget::Source(id) || v.source == Some(id)
            });
        });
        let _ = self
            .realtime
            .invalidate_entries_if(move |k, _| k.source == id);
        self.metric_sources.invalidate_all();
    }

    /// Forgets the cached chart answers over a dataset (it was changed or deleted).
    pub fn invalidate_dataset(&self, id: DatasetId) {
        self.moved_on(|| {
            let _ = self
                .charts
                .invalidate_entries_if(move |k, _| k.target == ChartTarget::Dataset(id));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{ChartMetadata, Origin};
    use tessera_domain::{DatamartId, OrgId};

    fn answer() -> ChartAnswer {
        ChartAnswer {
            rows: vec![],
            columns: vec![],
            metadata: ChartMetadata {
                metric: None,
                table: "t".into(),
                period: None,
                granularity: None,
                range: None,
                row_count: 0,
                generated_at: chrono::Utc::now(),
                cached: false,
                query_ms: 0.0,
                duration_ms: 0.0,
                origin: Origin::Sample {
                    note: String::new(),
                },
                view: None,
                total: None,
            },
            comparison: None,
        }
    }

    fn runtime(dir: &tempfile::TempDir) -> SourceRuntime {
        let sources = SourcesSettings {
            sqlite_dir: dir.path().join("sources"),
            ..SourcesSettings::default()
        };
        SourceRuntime::new("a test secret", &sources, &ChartSettings::default(), None)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn key(org: OrgId, target: ChartTarget, query: &str) -> ChartKey {
        ChartKey {
            org,
            target,
            query: query.into(),
        }
    }

    fn put(rt: &SourceRuntime, k: &ChartKey, source: Option<DataSourceId>) {
        rt.charts.insert(
            k.clone(),
            Arc::new(CachedChart {
                answer: answer(),
                source,
            }),
        );
    }

    #[test]
    fn a_source_change_drops_its_own_and_its_datamarts_answers_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let rt = runtime(&dir);
        let (org, other) = (OrgId::new(), OrgId::new());
        let (changed, kept) = (DataSourceId::new(), DataSourceId::new());
        let dataset = DatasetId::new();
        let gone = [
            key(org, ChartTarget::Source(changed), "q"),
            key(org, ChartTarget::Datamart(DatamartId::new()), "q"),
        ];
        let stay = [
            key(other, ChartTarget::Source(kept), "q"),
            key(other, ChartTarget::Datamart(DatamartId::new()), "q"),
            key(org, ChartTarget::Dataset(dataset), "q"),
        ];
        put(&rt, &gone[0], Some(changed));
        put(&rt, &gone[1], Some(changed));
        put(&rt, &stay[0], Some(kept));
        put(&rt, &stay[1], Some(kept));
        put(&rt, &stay[2], None);
        rt.invalidate(changed, false);
        rt.charts.run_pending_tasks();
        for k in &gone {
            assert!(!rt.charts.contains_key(k), "{k:?} should be dropped");
        }
        for k in &stay {
            assert!(rt.charts.contains_key(k), "{k:?} should be kept");
        }
        rt.invalidate_dataset(dataset);
        rt.charts.run_pending_tasks();
        assert!(!rt.charts.contains_key(&stay[2]));
        assert!(rt.charts.contains_key(&stay[0]) && rt.charts.contains_key(&stay[1]));
    }

    #[test]
    fn a_source_change_drops_its_realtime_answers_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let rt = runtime(&dir);
        let (changed, kept) = (DataSourceId::new(), DataSourceId::new());
        let k = |source| RealtimeKey {
            org: OrgId::new(),
            source,
            metric: "revenue".into(),
            category: String::new(),
        };
        let (a, b) = (k(changed), k(kept));
        rt.realtime.insert(a.clone(), Arc::new(answer()));
        rt.realtime.insert(b.clone(), Arc::new(answer()));
        rt.invalidate(changed, true);
        rt.realtime.run_pending_tasks();
        assert!(!rt.realtime.contains_key(&a));
        assert!(rt.realtime.contains_key(&b));
    }

    fn lookup(source: DataSourceId) -> Arc<Lookup> {
        let at = chrono::NaiveDateTime::default();
        Arc::new(Lookup {
            source: tessera_domain::DataSource {
                id: source,
                org_id: OrgId::new(),
                name: "s".into(),
                kind: tessera_domain::SourceKind::Sqlite,
                host: None,
                port: None,
                database: None,
                username: None,
                created_at: at,
                updated_at: at,
            },
            datamart: None,
            extracts: vec![],
        })
    }

    #[test]
    fn a_lookup_read_before_a_change_is_not_kept_and_a_change_drops_its_source_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let rt = runtime(&dir);
        let org = OrgId::new();
        let (changed, kept) = (DataSourceId::new(), DataSourceId::new());
        let (a, b) = (
            LookupKey::Source(org, changed),
            LookupKey::Datamart(org, DatamartId::new()),
        );

        // read, then a change lands before it is remembered: it may predate the change
        let epoch = rt.epoch();
        rt.invalidate(kept, false);
        rt.remember_lookup(a.clone(), lookup(changed), epoch);
        assert!(rt.extract_lookup(&a).is_none());

        rt.remember_lookup(a.clone(), lookup(changed), rt.epoch());
        rt.remember_lookup(b.clone(), lookup(kept), rt.epoch());
        assert!(rt.extract_lookup(&a).is_some() && rt.extract_lookup(&b).is_some());
        rt.invalidate(changed, false);
        rt.extract_lookups.run_pending_tasks();
        assert!(rt.extract_lookup(&a).is_none());
        assert!(
            rt.extract_lookup(&b).is_some(),
            "another source's lookup stays"
        );
    }

    #[test]
    fn a_chart_answered_across_an_invalidation_is_not_cached() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let rt = runtime(&dir);
        let source = DataSourceId::new();
        let k = key(OrgId::new(), ChartTarget::Source(source), "q");
        let chart = || {
            Arc::new(CachedChart {
                answer: answer(),
                source: Some(source),
            })
        };
        // the source changes while the answer is computed: it may have read the old copy
        let epoch = rt.epoch();
        rt.invalidate(source, false);
        rt.remember_chart(k.clone(), chart(), epoch);
        assert!(!rt.charts.contains_key(&k));
        rt.remember_chart(k.clone(), chart(), rt.epoch());
        assert!(rt.charts.contains_key(&k));
        let epoch = rt.epoch();
        rt.invalidate_dataset(DatasetId::new());
        assert_ne!(
            rt.epoch(),
            epoch,
            "a dataset's change moves the epoch on too"
        );
    }
}
