//! The dashboards area's tables: folders (nested), dashboards (versioned), and each
//! organisation's themes and templates.

pub mod assets;
pub mod boards;
pub mod folders;
