//! Background job workers: plain threads (CPU work stays off the async runtime) that claim jobs
//! from the app database through leases, renew the lease while a job runs, and record the
//! outcome. A job whose worker died (crash, restart) is claimed again once its lease runs out.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tessera_domain::{Job, JobKind, JobStatus};
use tessera_store::jobs;

use crate::state::AppState;

/// The error of a job that ran past `reports.job_timeout_secs`.
pub const TIMED_OUT: &str = "the job ran past its time limit (reports.job_timeout_secs); profile a sample or use quick mode";

/// Wakes idle workers of this process when a job is queued (others find it by polling).
#[derive(Debug, Default)]
pub struct JobSignal {
    queued: Mutex<u64>,
    wake: Condvar,
}

impl JobSignal {
    /// Tells the workers there is work.
    pub fn notify(&self) {
        if let Ok(mut n) = self.queued.lock() {
            *n = n.wrapping_add(1);
        }
        self.wake.notify_all();
    }

    /// Waits for a notification or the timeout.
    fn wait(&self, timeout: Duration) {
        if let Ok(guard) = self.queued.lock() {
            let seen = *guard;
            let _ = self.wake.wait_timeout_while(guard, timeout, |n| *n == seen);
        }
    }
}

/// What a running job can see: its progress slot and whether the process is stopping.
pub struct JobContext {
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
    /// Starts `state.reports.workers` worker threads.
    pub fn start(state: &AppState) -> Self {
        let stopping = Arc::new(AtomicBool::new(false));
        let signal = state.jobs.clone();
        let threads = (0..state.reports.workers)
            .filter_map(|n| {
                let owner = format!(
                    "{}-{}-{}",
                    std::process::id(),
                    n,
                    &uuid::Uuid::new_v4().simple().to_string()[..8]
                );
                let (state, stopping) = (state.clone(), stopping.clone());
                std::thread::Builder::new()
                    .name(format!("tessera-job-{n}"))
                    .spawn(move || worker_loop(&state, &owner, &stopping))
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

fn lease(state: &AppState) -> chrono::Duration {
    chrono::Duration::seconds(i64::try_from(state.reports.lease_secs).unwrap_or(60))
}

fn worker_loop(state: &AppState, owner: &str, stopping: &Arc<AtomicBool>) {
    let poll = Duration::from_millis(state.reports.poll_interval_ms.max(10));
    while !stopping.load(Ordering::SeqCst) {
        let claimed = state.db.get().map_err(|e| e.to_string()).and_then(|mut c| {
            jobs::claim(
                &mut c,
                owner,
                lease(state),
                state.reports.max_running_per_org,
                &JobKind::ALL,
            )
            .map_err(|e| e.to_string())
        });
        match claimed {
            Ok(Some(job)) => run(state, owner, job, stopping),
            Ok(None) => state.jobs.wait(poll),
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim jobs");
                std::thread::sleep(poll);
            }
        }
    }
}

fn run(state: &AppState, owner: &str, job: Job, stopping: &Arc<AtomicBool>) {
    let span = tracing::info_span!("job", id = %job.id, kind = %job.kind, attempt = job.attempts);
    let _enter = span.enter();
    if job.attempts > state.reports.max_attempts {
        let msg = format!(
            "gave up after {} attempts (the worker stopped each time)",
            job.attempts - 1
        );
        if let Ok(mut c) = state.db.get() {
            let _ = jobs::fail(&mut c, job.id, &msg);
        }
        return;
    }
    let ctx = Arc::new(JobContext {
        progress: AtomicU8::new(0),
        stopping: stopping.clone(),
        deadline: std::time::Instant::now()
            + Duration::from_secs(state.reports.job_timeout_secs.max(1)),
    });
    let done = Arc::new(AtomicBool::new(false));
    let beat = heartbeat(state, owner, &job, &ctx, &done);
    let started = std::time::Instant::now();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job.kind {
        JobKind::Profile => crate::services::reports::run_profile_job(state, owner, &job, &ctx),
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
            if let Ok(mut c) = state.db.get() {
                let _ = jobs::finish(&mut c, job.id, owner, JobStatus::Failed, Some(&msg));
            }
        }
    }
}

/// Renews the lease and writes progress every third of the lease (and on progress) until done.
fn heartbeat(
    state: &AppState,
    owner: &str,
    job: &Job,
    ctx: &Arc<JobContext>,
    done: &Arc<AtomicBool>,
) -> Option<JoinHandle<()>> {
    let (state, owner, id, ctx, done) = (
        state.clone(),
        owner.to_owned(),
        job.id,
        ctx.clone(),
        done.clone(),
    );
    let every = Duration::from_millis((state.reports.lease_secs * 1000 / 3).clamp(50, 20_000));
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
                    if let Ok(mut c) = state.db.get() {
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
                    let kept = state.db.get().ok().and_then(|mut c| {
                        jobs::heartbeat(&mut c, id, &owner, i32::from(now), lease(&state)).ok()
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
