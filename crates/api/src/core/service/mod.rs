//! The core area's use cases: domain types in, domain types out; they never see a wire type.

pub mod auth;
pub mod users;
