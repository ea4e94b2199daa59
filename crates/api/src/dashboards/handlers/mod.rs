//! Handlers of the dashboards area: dashboards, folders, themes and templates.

pub mod boards;
pub mod folders;
pub mod insights;
pub mod templates;
pub mod themes;
