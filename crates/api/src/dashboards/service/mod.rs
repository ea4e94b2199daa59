//! The dashboards area's use cases: dashboards (CRUD, move, versions, running their charts) and
//! folders.

pub mod boards;
pub mod charts;
pub mod folders;
