//! Tessera's background jobs: the worker runtime (claims through leases, heartbeats, time
//! limits, the wake-up signal) and the handlers of each job kind, registered when the server
//! starts: EDA profiling and extract refreshes (with the thread that queues scheduled ones). A sibling of the HTTP crate: neither depends on the other;
//! both meet in the store (`jobs` table, `JobSignal`).

pub mod extract;
pub mod profile;
pub mod runtime;

pub use extract::{ExtractRefreshHandler, ExtractSchedule};
pub use profile::ProfileHandler;
pub use runtime::{
    Handlers, JobContext, JobFailure, JobHandler, WorkerConfig, Workers, WorkersHandle, TIMED_OUT,
};
