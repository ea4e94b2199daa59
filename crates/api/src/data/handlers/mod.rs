//! The data area's handlers: extract, convert the wire types, call a use case, map the answer.

pub mod charts;
pub mod datamarts;
pub mod datasets;
pub mod queries;
pub mod reports;
pub mod sources;
