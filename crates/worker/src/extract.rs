//! Extract refreshes: the handler of `JobKind::ExtractRefresh` jobs (the refresh itself is
//! `tessera_charts::extracts::refresh`), and the thread that queues scheduled refreshes when
//! they fall due and sweeps away the files of extracts deleted elsewhere.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tessera_charts::extracts::refresh::{RefreshRun, Refreshed};
use tessera_charts::Extracts;
use tessera_domain::{Job, JobStatus};
use tessera_store::{jobs, DbPool};

use crate::runtime::{JobContext, JobFailure, JobHandler};

/// Runs `JobKind::ExtractRefresh` jobs; the subject is the extract's id.
pub struct ExtractRefreshHandler {
    /// The app database.
    pub pool: DbPool,
    /// The extracts.
    pub extracts: Arc<Extracts>,
}

impl JobHandler for ExtractRefreshHandler {
    fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobFailure> {
        let id = job
            .subject_id
            .parse()
            .map_err(|_| JobFailure::Failed("the job names no extract".into()))?;
        let timeout = Duration::from_secs(self.extracts.settings().refresh_timeout_secs.max(1));
        let deadline = ctx.deadline.min(Instant::now() + timeout);
        let progress = |p: u8| ctx.set_progress(p);
        let stopping = || ctx.is_stopping();
        let run = RefreshRun {
            owner: &ctx.owner,
            job: Some(job.id),
            deadline,
            progress: &progress,
            stopping: &stopping,
        };
        match self.extracts.refresh_now(id, &run) {
            Ok(Refreshed::Done { .. } | Refreshed::Gone | Refreshed::Busy) => {}
            Err(_) if ctx.is_stopping() => return Err(JobFailure::Abandoned),
            Err(e) => return Err(JobFailure::Failed(e.to_string())),
        }
        let mut conn = self
            .pool
            .get()
            .map_err(|e| JobFailure::Failed(format!("database: {e}")))?;
        match jobs::finish(&mut conn, job.id, &ctx.owner, JobStatus::Succeeded, None) {
            Ok(true) => Ok(()),
            Ok(false) => Err(JobFailure::Abandoned),
            Err(e) => Err(JobFailure::Failed(format!("recording the job: {e}"))),
        }
    }
}

/// Sweeps run once every this many ticks.
const SWEEP_EVERY: u64 = 120;

/// The thread queueing scheduled refreshes; stops when dropped.
pub struct ExtractSchedule {
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ExtractSchedule {
    /// Looks for due refreshes every `extracts.poll_interval_secs`.
    pub fn start(extracts: Arc<Extracts>) -> Self {
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = stopping.clone();
        let every = Duration::from_secs(extracts.settings().poll_interval_secs.max(1));
        let thread = std::thread::Builder::new()
            .name("tessera-extract-schedule".into())
            .spawn(move || {
                let mut ticks: u64 = 0;
                while !stop.load(Ordering::SeqCst) {
                    if let Err(e) = extracts.tick_now() {
                        tracing::warn!(error = %e, "queueing scheduled extract refreshes failed");
                    }
                    if ticks.is_multiple_of(SWEEP_EVERY) {
                        match extracts.sweep() {
                            Ok(0) => {}
                            Ok(n) => {
                                tracing::info!(removed = n, "removed the files of deleted extracts")
                            }
                            Err(e) => tracing::warn!(error = %e, "sweeping extract files failed"),
                        }
                    }
                    ticks += 1;
                    let until = Instant::now() + every;
                    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            })
            .map_err(|e| tracing::error!(error = %e, "cannot start the extract schedule"))
            .ok();
        Self { stopping, thread }
    }
}

impl Drop for ExtractSchedule {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
