//! Handlers of the dashboards area: dashboards and folders.

pub mod boards;
pub mod folders;
