//! The data area's tables: data sources, datamarts, datasets, reports (with their shares) and
//! jobs.

pub mod data_sources;
pub mod datamarts;
pub mod datasets;
pub mod jobs;
pub mod reports;
