//! Tessera's alerting crate, with no extra services (no Celery, no beat, no Redis): alert rules
//! (`spec`: a target, a condition, a cron schedule in a time zone, channels, a cooldown),
//! evaluated through the chart engine (`evaluate`) on a scheduler that claims each run once in
//! the app database across processes (`scheduler`), notifications by email and signed webhooks
//! (`notify`, `deliver`, `webhook`), and the system alerts feed every area raises into
//! (`feed`). [`Alerting`] is the entry point.
//!
//! **Architecture invariant:** no actix-web and no utoipa.

pub mod deliver;
pub mod error;
pub mod evaluate;
pub mod feed;
pub mod notify;
pub mod scheduler;
pub mod service;
pub mod settings;
pub mod spec;
pub mod state;
pub mod webhook;

pub use error::{AlertError, AlertResult};
pub use service::{AlertStatus, Alerting, RuleView, TestOutcome};
pub use settings::{AlertSettings, MailSettings};
pub use spec::RuleSpec;
