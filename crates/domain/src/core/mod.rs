//! The core area: organisations, their members and roles, and who work runs for (`Viewer`).

pub mod organization;
pub mod role;
pub mod user;
pub mod viewer;
