//! Keeps this process's caches true when another process serving the same database changes what
//! they hold. A change is applied here at once and recorded in `cache_events`; every process
//! polls the events after the last one it has seen (every `charts.sync_interval_ms`) and forgets
//! what they name: chart answers and the pool of a source, answers over a dataset, a member's
//! role and active flag. Ids committed out of order are waited for a few seconds before a gap
//! is taken for a rolled-back insert.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tessera_store::cache_events;
pub use tessera_store::cache_events::Scope;

use crate::state::AppState;

/// Forgets in this process what `scope` names.
pub fn apply(state: &AppState, scope: Scope) {
    match scope {
        Scope::Source(id) => state.sources.invalidate(id, false),
        Scope::SourceDeleted(id) => state.sources.invalidate(id, true),
        Scope::Dataset(id) => state.sources.invalidate_dataset(id),
        Scope::Member(id) => state.members.invalidate(&id),
    }
}

/// Forgets here at once, and tells the other processes.
pub async fn changed(state: &AppState, scope: Scope) {
    apply(state, scope);
    if let Err(e) = state
        .db(move |conn| Ok(cache_events::publish(conn, scope)?))
        .await
    {
        tracing::warn!(error = %e, ?scope, "cannot record a cache event; other processes forget it when their caches expire");
    }
}

/// The polling thread.
pub struct CacheSync {
    stop: Arc<AtomicBool>,
}

impl CacheSync {
    /// Starts polling from the newest event there is now.
    pub fn start(state: &AppState) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let interval = Duration::from_millis(state.sources.sync_interval_ms.max(10));
        let (state, flag) = (state.clone(), stop.clone());
        let started = std::thread::Builder::new()
            .name("tessera-cache-sync".into())
            .spawn(move || poll(&state, interval, &flag));
        if let Err(e) = started {
            tracing::error!(error = %e, "cannot start the cache sync thread");
        }
        Self { stop }
    }

    /// A handle that stops the thread.
    pub fn stopper(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }
}

impl Drop for CacheSync {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// How long a gap in the ids is waited for (an insert committed later than a newer one).
const GAP_WAIT: Duration = Duration::from_secs(5);

fn poll(state: &AppState, interval: Duration, stop: &AtomicBool) {
    let mut confirmed = None;
    let mut seen = BTreeSet::new();
    let mut gap_since: Option<Instant> = None;
    let mut pruned = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(interval);
        let Ok(mut conn) = state.db.get() else {
            continue;
        };
        let after = match confirmed {
            Some(c) => c,
            None => match cache_events::latest_id(&mut conn) {
                Ok(id) => {
                    confirmed = Some(id);
                    continue;
                }
                Err(_) => continue,
            },
        };
        let Ok(events) = cache_events::since(&mut conn, after, 1000) else {
            continue;
        };
        let mut next = after;
        for (id, scope, _) in events {
            if seen.insert(id) {
                if let Some(scope) = Scope::parse(&scope) {
                    apply(state, scope);
                }
            }
        }
        // advance over the ids seen without a gap; a gap that lasts is a rolled-back insert
        while seen.remove(&(next + 1)) {
            next += 1;
        }
        if let Some(&first) = seen.iter().next() {
            let since = *gap_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= GAP_WAIT {
                next = first - 1;
                gap_since = None;
            }
        } else {
            gap_since = None;
        }
        confirmed = Some(next);
        if pruned.elapsed() >= Duration::from_secs(60) {
            pruned = Instant::now();
            let _ = cache_events::prune(&mut conn, chrono::Duration::hours(1));
        }
    }
}
