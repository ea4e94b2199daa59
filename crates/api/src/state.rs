//! Shared application state handed to every handler.

use std::sync::Arc;

use tessera_domain::{Clock, SystemClock, User, UserId};
use tessera_store::{DbConn, DbPool};

use crate::auth::TokenService;
use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;
use crate::settings::{
    AuthSettings, ChartSettings, CommerceSettings, DatasetSettings, ExtractSettings, HttpSettings,
    ReportSettings, RetailSettings, SourcesSettings,
};
use tessera_charts::extracts::files::ExtractFiles;
use tessera_charts::{ChartEngine, Extracts, SourceRuntime};

/// What the HTTP layer is configured with (parts of the server's settings).
#[derive(Debug, Clone, Default)]
pub struct ApiConfig {
    /// Tokens and passwords.
    pub auth: AuthSettings,
    /// HTTP behaviour.
    pub http: HttpSettings,
    /// Users' databases.
    pub sources: SourcesSettings,
    /// Chart answers.
    pub charts: ChartSettings,
    /// Uploaded datasets.
    pub datasets: DatasetSettings,
    /// EDA reports and their jobs.
    pub reports: ReportSettings,
    /// The commerce area.
    pub commerce: CommerceSettings,
    /// The retail area.
    pub retail: RetailSettings,
    /// `[alerts]`.
    pub alerts: tessera_alerting::AlertSettings,
    /// `[ai]`.
    pub ai: crate::settings::AiSettings,
    /// `[extracts]`.
    pub extracts: ExtractSettings,
    /// The app database's SQLite file, which no source may name.
    pub app_database: Option<std::path::PathBuf>,
}

/// Everything handlers share; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The app database.
    pub db: DbPool,
    /// Token and password service.
    pub tokens: Arc<TokenService>,
    /// Prometheus registry and instruments.
    pub metrics: Arc<Metrics>,
    /// HTTP settings.
    pub http: Arc<HttpSettings>,
    /// Source pools, caches and policy (the chart engine's).
    pub sources: Arc<SourceRuntime>,
    /// The chart engine.
    pub charts: Arc<ChartEngine>,
    /// Dataset storage and limits.
    pub datasets: Arc<DatasetSettings>,
    /// Report storage and job settings.
    pub reports: Arc<ReportSettings>,
    /// The commerce area's settings and caches.
    pub commerce: Arc<CommerceRuntime>,
    /// The retail area's settings.
    pub retail: Arc<RetailSettings>,
    /// The retail low-stock alert's background refreshes.
    pub retail_alerts: Arc<Coalescer>,
    /// Wakes this process's job workers when a job is queued.
    pub jobs: Arc<tessera_store::jobs::JobSignal>,
    /// The threads and memory budget uploads are read within.
    pub ingestion: Arc<crate::ingestion::Ingestion>,
    /// Members as the database last said (organisation, role, active), by user id.
    pub members: moka::sync::Cache<UserId, Arc<User>>,
    /// Where "now" comes from (the system clock; tests move an offset clock).
    pub clock: Arc<dyn Clock>,
    /// Alert rules, their scheduler and notifications.
    pub alerting: Arc<tessera_alerting::Alerting>,
    /// The language model that proposes generated dashboards.
    pub ai: Arc<crate::settings::AiSettings>,
    /// Columnar extracts of sources' tables and their refreshes.
    pub extracts: Arc<Extracts>,
    secret: tessera_domain::Secret,
    alert_settings: Arc<tessera_alerting::AlertSettings>,
}

/// Background refreshes of a per-organisation condition, at most one running per organisation:
/// a request while one runs queues exactly one more run after it.
#[derive(Debug, Default)]
pub struct Coalescer {
    running: std::sync::Mutex<std::collections::HashMap<tessera_domain::OrgId, bool>>,
}

impl Coalescer {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<tessera_domain::OrgId, bool>> {
        // the map holds no invariant a panicking holder could break
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks for a run for `org`: true when the caller should start one, false when one is
    /// running (it will run once more).
    pub fn begin(&self, org: tessera_domain::OrgId) -> bool {
        let mut running = self.lock();
        match running.get_mut(&org) {
            Some(again) => {
                *again = true;
                false
            }
            None => {
                running.insert(org, false);
                true
            }
        }
    }

    /// Ends a run for `org`: true when another was asked for meanwhile (run again, then call
    /// this again), false when the organisation is done.
    pub fn finish(&self, org: tessera_domain::OrgId) -> bool {
        let mut running = self.lock();
        match running.get_mut(&org) {
            Some(again) if *again => {
                *again = false;
                true
            }
            _ => {
                running.remove(&org);
                false
            }
        }
    }
}

/// The commerce settings and the per-organisation global amount baseline (every customer's
/// amounts merged): computed once by the first post, then served from memory and recomputed in
/// the background once older than `baseline_cache_secs`, so no post waits for it again.
pub struct CommerceRuntime {
    /// `[commerce]`.
    pub settings: CommerceSettings,
    /// The baseline of each organisation and when it was computed.
    pub baselines: moka::sync::Cache<
        tessera_domain::OrgId,
        (
            tessera_analytics::commerce::fraud::AmountStats,
            std::time::Instant,
        ),
    >,
    /// Organisations whose baseline a background recomputation is renewing (it expires after
    /// `baseline_cache_secs`, so a failed one is retried).
    pub baseline_refreshing: moka::sync::Cache<tessera_domain::OrgId, ()>,
    /// Organisations whose suspicious-transaction alert a post refreshed within the last
    /// second: further flagged posts in that second leave it to the next refresh.
    pub alert_refreshed: moka::sync::Cache<tessera_domain::OrgId, ()>,
}

impl CommerceRuntime {
    /// A runtime over `settings`.
    pub fn new(settings: CommerceSettings) -> Self {
        let ttl = settings.baseline_ttl();
        Self {
            settings,
            baselines: moka::sync::Cache::builder().max_capacity(10_000).build(),
            baseline_refreshing: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(ttl)
                .build(),
            alert_refreshed: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(std::time::Duration::from_secs(1))
                .build(),
        }
    }
}

/// Alerting over the state's database and chart engine; webhook secrets sealed with a key
/// derived from the server secret, like data source credentials.
fn alerting(
    db: &DbPool,
    charts: &Arc<ChartEngine>,
    settings: &tessera_alerting::AlertSettings,
    secret: &tessera_domain::Secret,
    clock: Arc<dyn Clock>,
) -> Result<Arc<tessera_alerting::Alerting>, String> {
    let cipher = tessera_sources::crypto::CredentialCipher::new(secret.expose())
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(tessera_alerting::Alerting::new(
        db.clone(),
        charts.clone(),
        settings.clone(),
        cipher,
        clock,
        None,
    )?))
}

impl AppState {
    /// Builds the state; fails on invalid settings.
    pub fn new(db: DbPool, config: &ApiConfig) -> Result<Self, String> {
        let metrics = Metrics::new().map_err(|e| format!("metrics: {e}"))?;
        let sources = SourceRuntime::new(
            config.auth.secret_key.expose(),
            &config.sources,
            &config.charts,
            config.app_database.clone(),
        )?;
        let sources = Arc::new(sources);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let charts = Arc::new(
            ChartEngine::new(
                db.clone(),
                sources.clone(),
                config.datasets.upload_dir.clone(),
                clock.clone(),
            )
            .with_extracts(
                ExtractFiles::new(config.extracts.dir.clone()),
                config.extracts.memory_bytes,
            ),
        );
        let jobs = Arc::new(tessera_store::jobs::JobSignal::default());
        let extracts = Arc::new(Extracts::new(
            charts.clone(),
            config.extracts.clone(),
            jobs.clone(),
        ));
        let alerting = alerting(
            &db,
            &charts,
            &config.alerts,
            &config.auth.secret_key,
            clock.clone(),
        )?;
        Ok(Self {
            db,
            tokens: Arc::new(TokenService::new(&config.auth)?),
            metrics: Arc::new(metrics),
            http: Arc::new(config.http.clone()),
            sources,
            charts,
            datasets: Arc::new(config.datasets.clone()),
            reports: Arc::new(config.reports.clone()),
            commerce: Arc::new(CommerceRuntime::new(config.commerce.clone())),
            retail: Arc::new(config.retail.clone()),
            retail_alerts: Arc::default(),
            jobs,
            ingestion: Arc::new(crate::ingestion::Ingestion::new(&config.datasets)?),
            members: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(std::time::Duration::from_secs(
                    config.auth.member_cache_secs,
                ))
                .build(),
            clock,
            alerting,
            ai: Arc::new(config.ai.clone()),
            extracts,
            secret: config.auth.secret_key.clone(),
            alert_settings: Arc::new(config.alerts.clone()),
        })
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.charts = Arc::new(
            ChartEngine::new(
                self.db.clone(),
                self.sources.clone(),
                self.datasets.upload_dir.clone(),
                clock.clone(),
            )
            .with_extracts(
                self.extracts.files().clone(),
                self.extracts.settings().memory_bytes,
            ),
        );
        self.extracts = Arc::new(Extracts::new(
            self.charts.clone(),
            self.extracts.settings().clone(),
            self.jobs.clone(),
        ));
        if let Ok(alerting) = alerting(
            &self.db,
            &self.charts,
            &self.alert_settings,
            &self.secret,
            clock.clone(),
        ) {
            self.alerting = alerting;
        }
        self.clock = clock;
        self
    }

    /// The current time as the app database stores it.
    pub fn now(&self) -> chrono::NaiveDateTime {
        tessera_store::stored(self.clock.now())
    }

    /// Runs blocking database work on actix's blocking pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        let pool = self.db.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs blocking work other than app database calls (bcrypt, file IO, polars over a
    /// dataset) on actix's blocking pool.
    pub async fn blocking<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        actix_web::web::block(f).await.map_err(ApiError::from)
    }
}
