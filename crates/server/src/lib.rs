//! The `tessera` server: configuration, wiring and start-up. `main.rs` only parses the command line.

pub mod bootstrap;
pub mod fronts;
pub mod secrets;
pub mod settings;
pub mod telemetry;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::HttpServer;
use tessera_api::AppState;
use tessera_store::{migrations, refresh_tokens, DbPool, PoolOptions};

pub use settings::Settings;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The app database refused.
    #[error(transparent)]
    Store(#[from] tessera_store::StoreError),
    /// First-start bootstrap failed.
    #[error(transparent)]
    Bootstrap(#[from] bootstrap::BootstrapError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Settings rejected by a component.
    #[error("configuration: {0}")]
    Config(String),
    /// The secret key cannot be used.
    #[error(transparent)]
    Secret(#[from] secrets::SecretError),
}

/// How long a stopping server waits for open requests, then for its job workers.
pub(crate) const SHUTDOWN_GRACE_SECS: u64 = 10;

/// A built, bound server, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    fronts: Vec<fronts::RunningFront>,
    workers: tessera_worker::Workers,
    cache_sync: tessera_api::cache_sync::CacheSync,
    alerts: AlertScheduler,
    /// The admin created on this start, if any.
    pub created_admin: Option<bootstrap::CreatedAdmin>,
}

/// Opens the app database pool described by the settings.
pub fn connect(settings: &Settings) -> Result<DbPool, StartError> {
    let options = PoolOptions {
        max_size: settings.database.max_connections,
        connect_timeout: Duration::from_secs(settings.database.connect_timeout_secs.max(1)),
        sqlite_busy_timeout: Duration::from_millis(settings.database.sqlite_busy_timeout_ms),
    };
    Ok(DbPool::connect(&settings.database.url, &options)?)
}

/// Applies pending migrations; answers the versions applied.
pub fn migrate(pool: &DbPool) -> Result<Vec<String>, StartError> {
    let mut conn = pool.get()?;
    Ok(migrations::run_pending(&mut conn)?)
}

impl Application {
    /// Connects, migrates, bootstraps and binds `bind` (port 0 picks a free port).
    pub fn build(settings: &Settings, bind: &str) -> Result<Self, StartError> {
        Self::build_with_clock(
            settings,
            bind,
            std::sync::Arc::new(tessera_domain::SystemClock),
        )
    }

    /// [`Application::build`] reading the time from `clock` (tests move time with it).
    pub fn build_with_clock(
        settings: &Settings,
        bind: &str,
        clock: std::sync::Arc<dyn tessera_domain::Clock>,
    ) -> Result<Self, StartError> {
        let (settings, generated) = secrets::resolve(settings)?;
        let settings = &settings;
        secrets::check_exposure(settings, bind)?;
        if generated {
            tracing::info!(file = %settings.auth.secret_key_file.display(), "generated the secret key; keep this file (and back it up): sealed credentials need it");
        }
        let (pool, created_admin) = prepare_database(settings)?;
        let config = tessera_api::ApiConfig {
            auth: settings.auth.clone(),
            http: settings.http.clone(),
            sources: settings.sources.clone(),
            charts: settings.charts.clone(),
            datasets: settings.datasets.clone(),
            reports: settings.reports.clone(),
            commerce: settings.commerce.clone(),
            retail: settings.retail.clone(),
            alerts: settings.alerts.clone(),
            ai: settings.ai.clone(),
            extracts: settings.extracts.clone(),
            app_database: app_database_file(settings),
        };
        {
            let mut conn = pool.get()?;
            bootstrap::register_env_sources(&mut conn, settings, config.app_database.as_deref())?;
            if let Some(s) = bootstrap::ensure_demo_source(&mut conn, settings, None)? {
                tracing::info!(
                    transactions = s.transactions,
                    seconds = s.seconds,
                    "generated the demo data source"
                );
            }
            let now = tessera_store::stored(clock.now());
            if let Some(c) = bootstrap::ensure_demo_commerce(&mut conn, settings, None, now)? {
                tracing::info!(
                    customers = c.customers,
                    transactions = c.transactions,
                    flagged = c.flagged,
                    "generated the demo shop"
                );
            }
            if let Some(c) = bootstrap::ensure_demo_retail(&mut conn, settings, None, now)? {
                tracing::info!(
                    stores = c.stores,
                    products = c.products,
                    orders = c.orders,
                    "generated the demo retail chain"
                );
            }
        }
        let state = AppState::new(pool, &config)
            .map_err(StartError::Config)?
            .with_clock(clock);
        for dir in [
            &settings.datasets.upload_dir,
            &settings.reports.dir,
            &settings.extracts.dir,
        ] {
            std::fs::create_dir_all(dir)
                .map_err(|e| StartError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        // uploads cut off by a crash; another process's upload in progress is not idle this long
        let swept = tessera_api::data::service::datasets::sweep_temporary_files(
            &settings.datasets.upload_dir,
            std::time::Duration::from_secs(3600),
        );
        if swept > 0 {
            tracing::info!(files = swept, "removed abandoned temporary upload files");
        }
        let workers = start_workers(settings, &state);
        let cache_sync = tessera_api::cache_sync::CacheSync::start(&state);
        let alerts = AlertScheduler::default();
        if settings.extracts.scheduler {
            if let Ok(mut slot) = alerts.1.lock() {
                *slot = Some(tessera_worker::ExtractSchedule::start(
                    state.extracts.clone(),
                ));
            }
        }
        if settings.alerts.scheduler {
            let thread =
                tessera_alerting::scheduler::SchedulerThread::start(state.alerting.clone())
                    .map_err(StartError::Config)?;
            if let Ok(mut slot) = alerts.0.lock() {
                *slot = Some(thread);
            }
        }

        let fronts = fronts::start(settings, &state)?;
        let (port, server) = serve(settings, bind, state)?;
        Ok(Self {
            port,
            server,
            fronts,
            workers,
            cache_sync,
            alerts,
            created_admin,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The ports of the compatibility fronts, in configuration order.
    pub fn front_ports(&self) -> Vec<u16> {
        self.fronts.iter().map(|f| f.port).collect()
    }

    /// Stops the server and the job workers from elsewhere.
    pub fn handle(&self) -> AppHandle {
        AppHandle {
            server: self.server.handle(),
            fronts: self.fronts.iter().map(|f| f.server.handle()).collect(),
            workers: self.workers.handle(),
            cache_sync: self.cache_sync.stopper(),
            alerts: self.alerts.clone(),
        }
    }

    /// Serves until a shutdown signal, then stops the job workers, waiting for them as long as
    /// the server waits for open requests (a job still running then is left to its lease and
    /// picked up again by the next start).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let mut fronts = Vec::new();
        for front in self.fronts {
            fronts.push(front.server.handle());
            tokio::spawn(front.server);
        }
        let served = self.server.await;
        for front in fronts {
            front.stop(true).await;
        }
        let workers = self.workers;
        let _ = actix_web::rt::task::spawn_blocking(move || {
            workers.stop(Duration::from_secs(SHUTDOWN_GRACE_SECS))
        })
        .await;
        drop(self.cache_sync);
        let alerts = self.alerts;
        let _ = actix_web::rt::task::spawn_blocking(move || alerts.stop()).await;
        served
    }
}

/// The alert scheduler's thread and the extract schedule's, shared with [`AppHandle`] so either
/// can stop them.
#[derive(Clone, Default)]
struct AlertScheduler(
    std::sync::Arc<std::sync::Mutex<Option<tessera_alerting::scheduler::SchedulerThread>>>,
    std::sync::Arc<std::sync::Mutex<Option<tessera_worker::ExtractSchedule>>>,
);

impl AlertScheduler {
    /// Stops ticking (runs in flight end with it; their leases let another process finish them).
    fn stop(&self) {
        let thread = self.0.lock().ok().and_then(|mut t| t.take());
        drop(thread);
        let schedule = self.1.lock().ok().and_then(|mut t| t.take());
        drop(schedule);
    }
}

/// Stops a running [`Application`].
#[derive(Clone)]
pub struct AppHandle {
    server: actix_web::dev::ServerHandle,
    fronts: Vec<actix_web::dev::ServerHandle>,
    workers: tessera_worker::WorkersHandle,
    cache_sync: std::sync::Arc<std::sync::atomic::AtomicBool>,
    alerts: AlertScheduler,
}

impl AppHandle {
    /// Stops the job workers at once (as a crash would: a running job keeps its lease until it
    /// runs out) and the server without waiting for open requests.
    pub async fn stop(&self) {
        self.workers.stop();
        self.cache_sync
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let alerts = self.alerts.clone();
        let _ = actix_web::rt::task::spawn_blocking(move || alerts.stop()).await;
        for front in &self.fronts {
            front.stop(false).await;
        }
        self.server.stop(false).await;
    }
}

fn chrono_days(days: i64) -> chrono::Duration {
    chrono::Duration::days(days)
}

/// The app database's file when it is SQLite.
fn app_database_file(settings: &Settings) -> Option<std::path::PathBuf> {
    (tessera_store::Backend::from_url(&settings.database.url).ok()?
        == tessera_store::Backend::Sqlite)
        .then(|| std::path::PathBuf::from(tessera_store::db::sqlite_path(&settings.database.url)))
}

/// Connects to the app database, migrates it when configured, drops expired refresh tokens and
/// makes sure the demo admin exists (its generated password, when one was made).
fn prepare_database(
    settings: &Settings,
) -> Result<(DbPool, Option<bootstrap::CreatedAdmin>), StartError> {
    let pool = connect(settings)?;
    if settings.database.migrate_on_start {
        let applied = migrate(&pool)?;
        if !applied.is_empty() {
            tracing::info!(?applied, "migrations applied");
        }
    }
    let created_admin = {
        let mut conn = pool.get()?;
        refresh_tokens::delete_expired(&mut conn, tessera_store::now() - chrono_days(1))?;
        bootstrap::ensure_demo_admin(
            &mut conn,
            &settings.bootstrap,
            settings
                .admin_password
                .as_ref()
                .map(tessera_domain::Secret::expose),
            settings.auth.bcrypt_cost,
        )?
    };
    Ok((pool, created_admin))
}

/// Starts the job workers with every job kind's handler registered.
fn start_workers(settings: &Settings, state: &AppState) -> tessera_worker::Workers {
    tessera_worker::Workers::start(
        state.db.clone(),
        tessera_worker::WorkerConfig {
            workers: settings.reports.workers,
            lease_secs: settings.reports.lease_secs,
            poll_interval_ms: settings.reports.poll_interval_ms,
            max_running_per_org: settings.reports.max_running_per_org,
            max_attempts: settings.reports.max_attempts,
            job_timeout_secs: settings.reports.job_timeout_secs,
        },
        state.jobs.clone(),
        tessera_worker::Handlers::default()
            .register(
                tessera_domain::JobKind::Profile,
                tessera_worker::ProfileHandler {
                    pool: state.db.clone(),
                    upload_dir: settings.datasets.upload_dir.clone(),
                    reports_dir: settings.reports.dir.clone(),
                    memory_limit_mb: settings.reports.memory_limit_mb,
                    max_rows_profiled: settings.reports.max_rows_profiled,
                },
            )
            .register(
                tessera_domain::JobKind::ExtractRefresh,
                tessera_worker::ExtractRefreshHandler {
                    pool: state.db.clone(),
                    extracts: state.extracts.clone(),
                },
            ),
    )
}

/// Binds `bind` and starts the HTTP server over `state`: the port bound and the server.
fn serve(settings: &Settings, bind: &str, state: AppState) -> Result<(u16, Server), StartError> {
    let listener = TcpListener::bind(bind).map_err(|source| StartError::Bind {
        addr: bind.to_owned(),
        source,
    })?;
    let port = listener
        .local_addr()
        .map_err(|source| StartError::Bind {
            addr: bind.to_owned(),
            source,
        })?
        .port();
    let mut server = HttpServer::new(move || tessera_api::app(state.clone()));
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    let server = server
        .listen(listener)
        .map_err(|source| StartError::Bind {
            addr: bind.to_owned(),
            source,
        })?
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        .run();
    Ok((port, server))
}
