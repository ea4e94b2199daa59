//! Dedicated thread pools for blocking work that must not share actix's blocking pool with the
//! app database: users' databases and file ingestion each get a fixed number of threads with a
//! known stack size, so no request of one kind can starve the others (or health and login).

use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc, Mutex};

use crate::error::{ChartError, ChartResult};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of named threads running closures in arrival order.
pub struct ThreadPool {
    name: String,
    sender: Mutex<mpsc::Sender<Job>>,
    threads: usize,
}

impl std::fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadPool")
            .field("name", &self.name)
            .field("threads", &self.threads)
            .finish()
    }
}

impl ThreadPool {
    /// Starts `threads` threads named `name-N`, each with a stack of `stack_bytes`.
    pub fn new(name: &str, threads: usize, stack_bytes: usize) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads.max(1) {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .stack_size(stack_bytes)
                .spawn(move || loop {
                    let job = {
                        let Ok(rx) = receiver.lock() else { return };
                        match rx.recv() {
                            Ok(job) => job,
                            // the pool is gone
                            Err(_) => return,
                        }
                    };
                    job();
                })?;
        }
        Ok(Self {
            name: name.to_owned(),
            sender: Mutex::new(sender),
            threads: threads.max(1),
        })
    }

    /// How many threads run jobs.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f` on one of the pool's threads and waits for it without blocking the caller's
    /// async runtime. A panic in `f` is a 500 (logged), never a crashed worker.
    pub async fn run<T, F>(&self, f: F) -> ChartResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(std::panic::catch_unwind(AssertUnwindSafe(f)));
        });
        self.sender
            .lock()
            .map_err(|_| ChartError::Internal(format!("{} pool lock poisoned", self.name)))?
            .send(job)
            .map_err(|_| ChartError::Internal(format!("{} pool stopped", self.name)))?;
        match rx.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(ChartError::Internal(format!(
                "a task on the {} pool panicked",
                self.name
            ))),
            Err(_) => Err(ChartError::Internal(format!(
                "{} pool dropped a task",
                self.name
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_on_named_threads_and_survives_panics() {
        let pool = ThreadPool::new("t", 2, 256 * 1024).unwrap_or_else(|e| panic!("{e}"));
        let name = pool
            .run(|| std::thread::current().name().map(str::to_owned))
            .await
            .unwrap_or_default();
        assert!(name.is_some_and(|n| n.starts_with("t-")));
        let panicked = pool.run(|| -> u8 { panic!("boom") }).await;
        assert!(matches!(panicked, Err(ChartError::Internal(_))));
        assert_eq!(pool.run(|| 2 + 2).await.ok(), Some(4));
    }
}
