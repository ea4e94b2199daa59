//! Tessera's chart engine, below the HTTP layer so that alerts, insights and dashboards can run
//! charts without depending on `api`. Today it holds the named-metric catalogue; query parsing,
//! target resolution, the answer cache and the typed answer follow (issue 11).
//!
//! **Architecture invariant:** no actix-web and no utoipa (`.ci/run` checks).

pub mod catalog;

pub use catalog::{Catalog, MetricDef};
