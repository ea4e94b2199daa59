//! The job runtime: plain worker threads (CPU work stays off the async runtime) that claim
//! jobs of the kinds they have handlers for from the app database through leases, renew the
//! lease while a job runs, stop it at its time limit, and record failures. A job whose worker
//! died (crash, restart) is claimed again once its lease runs out.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tessera_domain::{Job, JobKind, JobStatus};
use tessera_store::jobs::{self, JobSignal};
use tessera_store::DbPool;

/// The error of a job that ran past its time limit.
pub const TIMED_OUT: &str = "the job ran past its time limit (reports.job_timeout_secs); profile a sample or use quick mode";

/// What a running job can see: its progress slot and whether the process is stopping.
pub struct JobContext {
    /// The worker holding the job's lease (writes that end the job check it).
    pub owner: String,
    /// Percent done, written by the job, sent by the heartbeat.
    pub progress: AtomicU8,
    /// Set when the worker pool stops: the job's result must be dropped, not recorded.
    pub stopping: Arc<AtomicBool>,
    /// The job's wall-clock limit (`reports.job_timeout_secs` from its claim).
    pub deadline: std::time::Instant,
}

impl JobContext {
    /// Records progress (0-100).
    pub fn set_progress(&self, percent: u8) {
        self.progress.fetch_max(percent.min(99), Ordering::Relaxed);
    }

    /// Whether the process is stopping.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

/// Why a job did not succeed.
#[derive(Debug)]
pub enum JobFailure {
    /// The job cannot succeed (bad input, missing dataset): fail it with this message.
    Failed(String),
    /// The process is stopping; leave the job to be claimed again.
    Abandoned,
}

/// The running worker threads of this process.
pub struct Workers {
    stopping: Arc<AtomicBool>,
    signal: Arc<JobSignal>,
    threads: Vec<JoinHandle<()>>,
}

/// How workers claim and run jobs (`[reports]` settings today).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Worker threads in this process.
    pub workers: usize,
    /// A claim's lease; renewed by the heartbeat every third of it.
    pub lease_secs: u64,
    /// How often idle workers look for jobs queued by other processes.
    pub poll_interval_ms: u64,
    /// Most running jobs per organisation across all processes.
    pub max_running_per_org: i64,
    /// Claims of one job before it is failed.
    pub max_attempts: i32,
    /// A job's wall-clock limit.
    pub job_timeout_secs: u64,
}

/// A job kind's work: runs one claimed job.
pub trait JobHandler: Send + Sync {
    /// Does the job; records its own success (so it can check the lease in the same
    /// transaction), while failures are recorded by the worker.
    fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobFailure>;
}

/// The handler of every job kind this process runs, registered when the server starts.
#[derive(Clone, Default)]
pub struct Handlers {
    by_kind: BTreeMap<JobKind, Arc<dyn JobHandler>>,
}

impl Handlers {
    /// Registers `handler` for `kind` (replacing an earlier one).
    pub fn register(mut self, kind: JobKind, handler: impl JobHandler + 'static) -> Self {
        self.by_kind.insert(kind, Arc::new(handler));
        self
    }

    /// The kinds with a handler: the only ones this process claims.
    pub fn kinds(&self) -> Vec<JobKind> {
        self.by_kind.keys().copied().collect()
    }
}

/// What every worker thread shares.
#[derive(Clone)]
struct Shared {
    pool: DbPool,
    config: WorkerConfig,
    signal: Arc<JobSignal>,
    handlers: Handlers,
}

/// Stops a worker pool from elsewhere (tests kill the pool mid-job with it).
#[derive(Clone)]
pub struct WorkersHandle {
    stopping: Arc<AtomicBool>,
    signal: Arc<JobSignal>,
}

impl WorkersHandle {
    /// Asks the workers to stop: idle ones exit, running jobs are abandoned to their leases.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.signal.notify();
    }
}

impl Workers {
    /// Starts `config.workers` worker threads running the jobs `handlers` know, woken by
    /// `signal` when this process queues one.
    pub fn start(
        pool: DbPool,
        config: WorkerConfig,
        signal: Arc<JobSignal>,
        handlers: Handlers,
    ) -> Self {
        let stopping = Arc::new(AtomicBool::new(false));
        let shared = Shared {
            pool,
            config,
            signal: signal.clone(),
            handlers,
        };
        let threads = (0..shared.config.workers)
            .filter_map(|n| {
                let owner = format!(
                    "{}-{}-{}",
                    std::process::id(),
                    n,
                    &uuid::Uuid::new_v4().simple().to_string()[..8]
                );
                let (shared, stopping) = (shared.clone(), stopping.clone());
                std::thread::Builder::new()
                    .name(format!("tessera-job-{n}"))
                    .spawn(move || worker_loop(&shared, &owner, &stopping))
                    .map_err(|e| tracing::error!(error = %e, "cannot start a job worker"))
                    .ok()
            })
            .collect();
        Self {
            stopping,
            signal,
            threads,
        }
    }

    /// A handle that stops this pool.
    pub fn handle(&self) -> WorkersHandle {
        WorkersHandle {
            stopping: self.stopping.clone(),
            signal: self.signal.clone(),
        }
    }

    /// Stops the pool and waits up to `grace` for every worker to end; answers how many were
    /// still running a job then (that job keeps its lease and is picked up by the next start).
    pub fn stop(self, grace: Duration) -> usize {
        self.handle().stop();
        let deadline = std::time::Instant::now() + grace;
        let mut running = self.threads;
        while !running.is_empty() && std::time::Instant::now() < deadline {
            let (done, left): (Vec<_>, Vec<_>) = running.into_iter().partition(|t| t.is_finished());
            for t in done {
                let _ = t.join();
            }
            running = left;
            if !running.is_empty() {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        if !running.is_empty() {
            tracing::warn!(
                workers = running.len(),
                "job workers still running at shutdown; their jobs resume after their lease"
            );
        }
        running.len()
    }
}

fn lease(shared: &Shared) -> chrono::Duration {
    chrono::Duration::seconds(i64::try_from(shared.config.lease_secs).unwrap_or(60))
}

fn worker_loop(shared: &Shared, owner: &str, stopping: &Arc<AtomicBool>) {
    let poll = Duration::from_millis(shared.config.poll_interval_ms.max(10));
    let kinds = shared.handlers.kinds();
    while !stopping.load(Ordering::SeqCst) {
        let claimed = shared
            .pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut c| {
                jobs::claim(
                    &mut c,
                    owner,
                    lease(shared),
                    shared.config.max_running_per_org,
                    &kinds,
                )
                .map_err(|e| e.to_string())
            });
        match claimed {
            Ok(Some(job)) => run(shared, owner, job, stopping),
            Ok(None) => shared.signal.wait(poll),
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim jobs");
                std::thread::sleep(poll);
            }
        }
    }
}

fn run(shared: &Shared, owner: &str, job: Job, stopping: &Arc<AtomicBool>) {
    let span = tracing::info_span!("job", id = %job.id, kind = %job.kind, attempt = job.attempts);
    let _enter = span.enter();
    if job.attempts > shared.config.max_attempts {
        let msg = format!(
            "gave up after {} attempts (the worker stopped each time)",
            job.attempts - 1
        );
        if let Ok(mut c) = shared.pool.get() {
            let _ = jobs::fail(&mut c, job.id, &msg);
        }
        return;
    }
    let ctx = Arc::new(JobContext {
        owner: owner.to_owned(),
        progress: AtomicU8::new(0),
        stopping: stopping.clone(),
        deadline: std::time::Instant::now()
            + Duration::from_secs(shared.config.job_timeout_secs.max(1)),
    });
    let done = Arc::new(AtomicBool::new(false));
    let beat = heartbeat(shared, owner, &job, &ctx, &done);
    let started = std::time::Instant::now();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match shared.handlers.by_kind.get(&job.kind) {
            Some(handler) => handler.run(&job, &ctx),
            // claimed only when registered; a kind is never unregistered while running
            None => Err(JobFailure::Abandoned),
        }
    }))
    .unwrap_or_else(|_| {
        Err(JobFailure::Failed(
            "the job failed unexpectedly (see the server log)".into(),
        ))
    });
    done.store(true, Ordering::SeqCst);
    let _ = beat.map(JoinHandle::join);
    match outcome {
        Ok(()) => tracing::info!(ms = started.elapsed().as_millis() as u64, "job succeeded"),
        Err(JobFailure::Abandoned) => tracing::info!("job abandoned: the worker is stopping"),
        Err(JobFailure::Failed(msg)) => {
            tracing::warn!(error = %msg, "job failed");
            if let Ok(mut c) = shared.pool.get() {
                let _ = jobs::finish(&mut c, job.id, owner, JobStatus::Failed, Some(&msg));
            }
        }
    }
}

/// Renews the lease and writes progress every third of the lease (and on progress) until done.
fn heartbeat(
    shared: &Shared,
    owner: &str,
    job: &Job,
    ctx: &Arc<JobContext>,
    done: &Arc<AtomicBool>,
) -> Option<JoinHandle<()>> {
    let (shared, owner, id, ctx, done) = (
        shared.clone(),
        owner.to_owned(),
        job.id,
        ctx.clone(),
        done.clone(),
    );
    let every = Duration::from_millis((shared.config.lease_secs * 1000 / 3).clamp(50, 20_000));
    std::thread::Builder::new()
        .name("tessera-job-heartbeat".into())
        .spawn(move || {
            let mut sent = 0u8;
            let mut waited = Duration::ZERO;
            let tick = Duration::from_millis(50);
            // a job whose computation does not notice its deadline is failed here, a little
            // later; its worker's result is then refused (the job is no longer running)
            let hard_stop = ctx.deadline + Duration::from_secs(10);
            while !done.load(Ordering::SeqCst) && !ctx.is_stopping() {
                std::thread::sleep(tick);
                waited += tick;
                if std::time::Instant::now() >= hard_stop {
                    if let Ok(mut c) = shared.pool.get() {
                        let _ =
                            jobs::finish(&mut c, id, &owner, JobStatus::Failed, Some(TIMED_OUT));
                    }
                    tracing::warn!(job = %id, "job failed: past its time limit");
                    return;
                }
                let now = ctx.progress.load(Ordering::Relaxed);
                if waited >= every || now >= sent.saturating_add(5) {
                    waited = Duration::ZERO;
                    sent = now;
                    let kept = shared.pool.get().ok().and_then(|mut c| {
                        jobs::heartbeat(&mut c, id, &owner, i32::from(now), lease(&shared)).ok()
                    });
                    if kept == Some(false) {
                        tracing::warn!(job = %id, "lease lost to another worker");
                        return;
                    }
                }
            }
        })
        .map_err(|e| tracing::error!(error = %e, "cannot start a heartbeat"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tessera_domain::OrgName;
    use tessera_store::{migrations, organizations, PoolOptions};

    /// Records the subjects of the jobs it ran, succeeds them, and fails the one named "bad".
    struct Recorder {
        pool: DbPool,
        ran: Arc<Mutex<Vec<String>>>,
    }

    impl JobHandler for Recorder {
        fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobFailure> {
            if let Ok(mut ran) = self.ran.lock() {
                ran.push(job.subject_id.clone());
            }
            if job.subject_id == "bad" {
                return Err(JobFailure::Failed("bad subject".into()));
            }
            let mut c = self
                .pool
                .get()
                .map_err(|e| JobFailure::Failed(e.to_string()))?;
            jobs::finish(&mut c, job.id, &ctx.owner, JobStatus::Succeeded, None)
                .map(|_| ())
                .map_err(|e| JobFailure::Failed(e.to_string()))
        }
    }

    fn pool(dir: &std::path::Path) -> DbPool {
        let url = format!("sqlite://{}/app.db", dir.display());
        let pool = DbPool::connect(&url, &PoolOptions::default()).unwrap();
        migrations::run_pending(&mut pool.get().unwrap()).unwrap();
        pool
    }

    fn wait_for(pool: &DbPool, id: tessera_domain::JobId, status: JobStatus) -> Job {
        for _ in 0..500 {
            let job = jobs::find(&mut pool.get().unwrap(), id).unwrap();
            if job.status == status {
                return job;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("job {id} never reached {status:?}");
    }

    #[test]
    fn registered_handlers_run_their_jobs_and_failures_are_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(dir.path());
        let mut c = pool.get().unwrap();
        let org = organizations::insert(&mut c, &OrgName::parse("Jobs").unwrap()).unwrap();
        let good = jobs::enqueue(&mut c, org.id, JobKind::Profile, "good").unwrap();
        let bad = jobs::enqueue(&mut c, org.id, JobKind::Profile, "bad").unwrap();
        drop(c);
        let ran = Arc::new(Mutex::new(Vec::new()));
        let handlers = Handlers::default().register(
            JobKind::Profile,
            Recorder {
                pool: pool.clone(),
                ran: ran.clone(),
            },
        );
        assert_eq!(handlers.kinds(), [JobKind::Profile]);
        let config = WorkerConfig {
            workers: 1,
            lease_secs: 60,
            poll_interval_ms: 20,
            max_running_per_org: 1,
            max_attempts: 3,
            job_timeout_secs: 60,
        };
        let workers = Workers::start(pool.clone(), config, Arc::default(), handlers);
        wait_for(&pool, good.id, JobStatus::Succeeded);
        let failed = wait_for(&pool, bad.id, JobStatus::Failed);
        assert_eq!(failed.error.as_deref(), Some("bad subject"));
        assert_eq!(
            workers.stop(Duration::from_secs(5)),
            0,
            "every worker ended"
        );
        assert_eq!(*ran.lock().unwrap(), ["good", "bad"]);
    }

    #[test]
    fn workers_without_a_handler_for_a_kind_leave_its_jobs_queued() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(dir.path());
        let mut c = pool.get().unwrap();
        let org = organizations::insert(&mut c, &OrgName::parse("Idle").unwrap()).unwrap();
        let job = jobs::enqueue(&mut c, org.id, JobKind::Profile, "x").unwrap();
        drop(c);
        let config = WorkerConfig {
            workers: 1,
            lease_secs: 60,
            poll_interval_ms: 10,
            max_running_per_org: 1,
            max_attempts: 3,
            job_timeout_secs: 60,
        };
        let workers = Workers::start(pool.clone(), config, Arc::default(), Handlers::default());
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(workers.stop(Duration::from_secs(5)), 0);
        let job = jobs::find(&mut pool.get().unwrap(), job.id).unwrap();
        assert_eq!(job.status, JobStatus::Queued);
        assert_eq!(job.attempts, 0);
    }
}
