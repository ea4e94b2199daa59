//! The data area's wire types (documented by utoipa): sources and SQL lab, charts and datamarts,
//! datasets and reports; every type is re-exported here.

mod charts;
mod datasets;
mod sources;

pub use charts::*;
pub use datasets::*;
pub use sources::*;
