//! Where work on users' databases runs: a thread pool of its own (never actix's blocking pool,
//! which serves the app database, health and login), entered through three gates: a few
//! concurrent jobs per organisation, a source's connection limit (kept by source id, so a pool
//! replaced after a change never doubles it), and the pool's size. A job keeps its permits
//! until it has finished on its thread, even when the client has gone, so an organisation that
//! points sources at silent hosts holds at most its own share of the threads. Connection tests
//! are rate-limited per organisation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tessera_domain::{DataSourceId, OrgId};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{ChartError, ChartResult};
use crate::settings::SourcesSettings;
use crate::threads::ThreadPool;

/// Stack of the source threads: drivers and SQL parsing, nothing deep.
const STACK_BYTES: usize = 4 * 1024 * 1024;

/// Runs blocking work on users' databases, fairly between organisations.
pub struct SourceExecutor {
    threads: ThreadPool,
    global: Arc<Semaphore>,
    per_org: usize,
    per_source: usize,
    wait: Duration,
    orgs: moka::sync::Cache<OrgId, Arc<Semaphore>>,
    sources: moka::sync::Cache<DataSourceId, Arc<Semaphore>>,
    tests: Mutex<HashMap<OrgId, Bucket>>,
    tests_per_minute: u32,
}

/// A token bucket: `tests_per_minute` tokens, refilled continuously.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl SourceExecutor {
    /// Starts the pool described by `[sources]`.
    pub fn new(settings: &SourcesSettings) -> Result<Self, String> {
        let threads = settings.worker_threads.max(1);
        Ok(Self {
            threads: ThreadPool::new("tessera-source", threads, STACK_BYTES)
                .map_err(|e| format!("cannot start the data source threads: {e}"))?,
            global: Arc::new(Semaphore::new(threads)),
            per_org: settings.max_concurrent_per_org.max(1),
            per_source: settings.max_connections.max(1) as usize,
            wait: Duration::from_secs(settings.queue_timeout_secs.max(1)),
            orgs: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(3600))
                .build(),
            sources: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(3600))
                .build(),
            tests: Mutex::new(HashMap::new()),
            tests_per_minute: settings.tests_per_minute.max(1),
        })
    }

    /// Runs `f` (connecting, introspecting, querying) for `org`, on `source` when known. Waits
    /// up to `sources.queue_timeout_secs` for a turn: an organisation already using all of its
    /// share is told 429, a source at its connection limit or a full pool 503.
    pub async fn run<T, F>(&self, org: OrgId, source: Option<DataSourceId>, f: F) -> ChartResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let per_org = self.per_org;
        let org_gate = self
            .orgs
            .get_with(org, || Arc::new(Semaphore::new(per_org)));
        let org_permit = acquire(org_gate, self.wait).await.ok_or_else(|| {
            ChartError::Busy(format!(
                "your organisation already has {per_org} queries running on its data sources; retry when one has finished"
            ))
        })?;
        let source_permit = match source {
            Some(id) => {
                let per_source = self.per_source;
                let gate = self
                    .sources
                    .get_with(id, || Arc::new(Semaphore::new(per_source)));
                Some(acquire(gate, self.wait).await.ok_or_else(|| {
                    ChartError::Unavailable(format!(
                        "this data source already has {per_source} statements running; retry shortly"
                    ))
                })?)
            }
            None => None,
        };
        let thread_permit = acquire(self.global.clone(), self.wait)
            .await
            .ok_or_else(|| {
                ChartError::Unavailable(
                    "every data source thread of the server is busy; retry shortly".into(),
                )
            })?;
        // the permits travel with the job: released when it ends, not when the request does
        let permits = (org_permit, source_permit, thread_permit);
        self.threads
            .run(move || {
                let _held = permits;
                f()
            })
            .await
    }

    /// Takes one connection test from the organisation's allowance (`sources.tests_per_minute`).
    pub fn allow_test(&self, org: OrgId) -> ChartResult<()> {
        let rate = f64::from(self.tests_per_minute);
        let now = Instant::now();
        let mut tests = self
            .tests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // forget buckets that are full again, so the map stays small
        if tests.len() > 10_000 {
            tests.retain(|_, b| {
                now.duration_since(b.at).as_secs_f64() * rate / 60.0 + b.tokens < rate
            });
        }
        let bucket = tests.entry(org).or_insert(Bucket {
            tokens: rate,
            at: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate / 60.0).min(rate);
        bucket.at = now;
        if bucket.tokens < 1.0 {
            return Err(ChartError::Busy(format!(
                "at most {} connection tests a minute per organisation; retry in a few seconds",
                self.tests_per_minute
            )));
        }
        bucket.tokens -= 1.0;
        Ok(())
    }

    /// Threads in the pool.
    pub fn threads(&self) -> usize {
        self.threads.threads()
    }
}

async fn acquire(gate: Arc<Semaphore>, wait: Duration) -> Option<OwnedSemaphorePermit> {
    tokio::time::timeout(wait, gate.acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn executor(per_org: usize, threads: usize) -> SourceExecutor {
        SourceExecutor::new(&SourcesSettings {
            worker_threads: threads,
            max_concurrent_per_org: per_org,
            queue_timeout_secs: 1,
            tests_per_minute: 3,
            ..SourcesSettings::default()
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn one_organisation_cannot_take_every_thread() {
        let ex = Arc::new(executor(2, 4));
        let (busy, other) = (OrgId::new(), OrgId::new());
        let release = Arc::new(std::sync::Barrier::new(3));
        let mut held = Vec::new();
        for _ in 0..2 {
            let (ex, release) = (ex.clone(), release.clone());
            held.push(tokio::spawn(async move {
                ex.run(busy, None, move || {
                    release.wait();
                })
                .await
            }));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        // the busy organisation's third job is refused, another organisation's runs at once
        let third = ex.run(busy, None, || ()).await;
        assert!(matches!(third, Err(ChartError::Busy(_))), "{third:?}");
        assert_eq!(ex.run(other, None, || 7).await.ok(), Some(7));
        release.wait();
        for h in held {
            assert!(h.await.is_ok());
        }
        assert!(ex.run(busy, None, || ()).await.is_ok());
    }

    #[test]
    fn connection_tests_are_rate_limited_per_organisation() {
        let ex = executor(2, 2);
        let (a, b) = (OrgId::new(), OrgId::new());
        for _ in 0..3 {
            assert!(ex.allow_test(a).is_ok());
        }
        assert!(matches!(ex.allow_test(a), Err(ChartError::Busy(_))));
        assert!(ex.allow_test(b).is_ok());
    }
}
