//! The alerts area's tables: the system alerts feed.

pub mod system_alerts;
