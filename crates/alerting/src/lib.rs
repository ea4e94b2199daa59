//! Tessera's alerting crate: when rules run (`schedule`: a cron expression of 5 or 6 fields in
//! a time zone, validated on save), what a webhook may call and how its body is signed
//! (`webhook`), and, as the alerting issue lands, their evaluation through
//! the chart engine, notifications and the system alerts feed.

pub mod schedule;
pub mod webhook;
