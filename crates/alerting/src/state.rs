//! The scheduler's state in this process: whether it runs, when it last ticked, and how many runs
//! of each organisation are in flight (each organisation gets at most `PER_ORG_RUNS`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use chrono::NaiveDateTime;
use tessera_domain::OrgId;

/// Runs of one organisation in flight at once in one process.
pub const PER_ORG_RUNS: usize = 4;

/// The scheduler's state in this process.
#[derive(Default)]
pub struct SchedulerState {
    pub(crate) running: AtomicBool,
    pub(crate) last_tick: Mutex<Option<NaiveDateTime>>,
    pub(crate) in_flight: Mutex<HashMap<OrgId, usize>>,
    pub(crate) last_prune: Mutex<Option<NaiveDateTime>>,
}

impl SchedulerState {
    /// Whether the scheduler runs in this process.
    pub fn running(&self) -> bool {
        self.running.load(Ordering::Relaxed)
    }

    /// When it last ticked.
    pub fn last_tick(&self) -> Option<NaiveDateTime> {
        self.last_tick.lock().ok().and_then(|t| *t)
    }

    /// Slots `org` has free.
    pub(crate) fn free(&self, org: OrgId) -> usize {
        self.in_flight
            .lock()
            .map(|m| PER_ORG_RUNS.saturating_sub(m.get(&org).copied().unwrap_or(0)))
            .unwrap_or(0)
    }

    /// Takes a slot of `org`; false when it has [`PER_ORG_RUNS`] runs in flight.
    pub(crate) fn enter(&self, org: OrgId) -> bool {
        let Ok(mut m) = self.in_flight.lock() else {
            return false;
        };
        let n = m.entry(org).or_default();
        if *n >= PER_ORG_RUNS {
            return false;
        }
        *n += 1;
        true
    }

    pub(crate) fn leave(&self, org: OrgId) {
        if let Ok(mut m) = self.in_flight.lock() {
            if let Some(n) = m.get_mut(&org) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    m.remove(&org);
                }
            }
        }
    }
}
