//! Tessera's analytics on polars, usable without the server: reading uploaded files into typed
//! frames ([`ingest`]), exploratory profiling ([`profile`]), chart queries over stored datasets
//! ([`aggregate`]) and over extracts' part files ([`extract`]), rendering profiles as self-contained HTML with inline SVG ([`report`]) and
//! commerce rules such as fraud scoring ([`commerce`]).
//!
//! **Architecture invariant:** no database, no HTTP; the only IO is reading and writing files it
//! is given.

pub mod aggregate;
pub mod commerce;
pub mod error;
pub mod extract;
pub mod ingest;
pub mod insights;
pub mod profile;
pub mod render;
pub mod report;
pub mod retail;
mod svg;
pub mod values;

pub use error::AnalyticsError;
pub use ingest::{read_file, FileFormat, IngestOptions};
pub use profile::{
    profile, AnalysisMode, Profile, ProfileOptions, ReportOptions, DEFAULT_MAX_PLOTS,
};
pub use report::render_html;

/// Re-export of the polars version this crate is built against.
pub use polars;
