//! The data area's tables: data sources, datamarts, datasets, reports (with their shares),
//! jobs, and columnar extracts with their refreshes.

pub mod data_sources;
pub mod datamarts;
pub mod datasets;
pub mod extracts;
pub mod jobs;
pub mod reports;
