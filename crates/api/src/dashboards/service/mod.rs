//! The dashboards area's use cases: dashboards (CRUD, move, versions, running their charts),
//! folders, and themes and templates (built-in and the organisation's own).

pub mod ai;
pub mod assets;
pub mod boards;
pub mod builtins;
pub mod charts;
pub mod folders;
pub mod generate;
pub mod heuristic;
pub mod insights;
pub mod view;
