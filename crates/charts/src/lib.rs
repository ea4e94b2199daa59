//! Tessera's chart engine, below the HTTP layer so that alerts, insights and dashboards run charts
//! without depending on `api`: a [`ChartRequest`] in, a typed [`ChartAnswer`] out, for a
//! [`Viewer`](tessera_domain::Viewer). It owns request parsing, target resolution (a source's
//! table, a datamart, a dataset), the answer caches with typed keys, previous-period comparison,
//! empty-bucket filling, the named-metric catalogue, and where work on users' databases runs
//! (its own threads, fair between organisations), and columnar extracts that answer charts on
//! a source's table from a Parquet copy kept fresh (`extracts`).
//!
//! **Architecture invariant:** no actix-web and no utoipa (`.ci/run` checks).

pub mod access;
pub mod answer;
pub mod cache;
pub mod catalog;
pub mod engine;
pub mod error;
pub mod executor;
pub mod extracts;
pub mod metrics;
pub mod request;
pub mod runtime;
pub mod settings;
pub mod threads;

pub use answer::{ChartAnswer, ChartMetadata, Origin};
pub use cache::CacheUse;
pub use catalog::{Catalog, MetricDef};
pub use engine::{ChartEngine, OpenSource};
pub use error::{ChartError, ChartResult};
pub use extracts::Extracts;
pub use metrics::{Breakdown, MetricAsk};
pub use request::ChartRequest;
pub use runtime::SourceRuntime;
