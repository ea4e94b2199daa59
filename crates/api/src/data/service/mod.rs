//! The data area's use cases: domain types in, domain types out; they never see a wire type.

pub mod datamarts;
pub mod datasets;
pub mod queries;
pub mod reports;
pub mod sources;
