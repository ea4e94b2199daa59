//! Where uploads are read: a few threads of their own, with a known (large) stack, sharing a
//! memory budget. Each upload is measured first (`ingest::inspect`: format, caps, the memory
//! reading it takes); one that could never fit is refused (413), the others wait their turn for
//! their share of the budget, so a burst of large uploads queues instead of exhausting memory.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{ApiError, ApiResult};
use crate::settings::DatasetSettings;
use tessera_charts::threads::ThreadPool;

/// The ingestion threads and their memory budget.
pub struct Ingestion {
    threads: ThreadPool,
    budget: Arc<Semaphore>,
    budget_mb: u64,
    wait: Duration,
}

impl Ingestion {
    /// Starts the threads described by `[datasets]`.
    pub fn new(settings: &DatasetSettings) -> Result<Self, String> {
        let budget_mb = settings
            .ingest_memory_mb
            .clamp(16, u64::from(u32::MAX >> 4));
        Ok(Self {
            threads: ThreadPool::new(
                "tessera-ingest",
                settings.ingest_threads.max(1),
                settings.ingest_stack_mb.clamp(2, 256) as usize * 1024 * 1024,
            )
            .map_err(|e| format!("cannot start the ingestion threads: {e}"))?,
            budget: Arc::new(Semaphore::new(budget_mb as usize)),
            budget_mb,
            wait: Duration::from_secs(settings.ingest_queue_timeout_secs.max(1)),
        })
    }

    /// Runs `f` on an ingestion thread.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        Ok(self.threads.run(f).await?)
    }

    /// Reserves `bytes` of the budget: 413 when it can never fit, 503 when the budget stays
    /// taken for longer than the queue timeout.
    pub async fn reserve(&self, bytes: u64) -> ApiResult<OwnedSemaphorePermit> {
        let mb = bytes.div_ceil(1 << 20).max(1);
        if mb > self.budget_mb {
            return Err(ApiError::PayloadTooLarge(format!(
                "reading this file takes about {mb} MiB of memory; the server reads uploads within {} MiB (datasets.ingest_memory_mb)",
                self.budget_mb
            )));
        }
        let permits = u32::try_from(mb).unwrap_or(u32::MAX);
        tokio::time::timeout(self.wait, self.budget.clone().acquire_many_owned(permits))
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| {
                ApiError::Unavailable(
                    "the server is reading other large uploads; retry shortly".into(),
                )
            })
    }
}
