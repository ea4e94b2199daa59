//! The data area: users' data sources and datamarts, uploaded datasets with their reports and
//! jobs, and chart queries.

pub mod chart;
pub mod dataset;
pub mod source;
