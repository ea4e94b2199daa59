//! The data area: users' data sources and datamarts, uploaded datasets with their reports and
//! jobs, chart queries, and columnar extracts of sources' tables.

pub mod chart;
pub mod dataset;
pub mod extract;
pub mod source;
