//! The alerts area's tables: the system alerts feed, alert rules, their history (events) and
//! their scheduled runs (claimed once across processes).

pub mod events;
pub mod rules;
pub mod runs;
pub mod system_alerts;
