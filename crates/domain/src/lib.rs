//! Tessera's domain: entities, ids, value objects and validation. No IO.
//!
//! Inputs become these types at the edge (`Email::parse`, `Password::parse`, `Role::from_str`,
//! `PageRequest::new`), so past the edge an invalid value cannot exist.

#[macro_use]
mod named;

pub mod alerts;
pub mod clock;
pub mod commerce;
pub mod core;
pub mod dashboards;
pub mod data;
pub mod error;

pub mod ids;
pub mod paging;
pub mod retail;
pub mod schedule;
pub mod secret;

// the areas' modules keep their short paths (`tessera_domain::chart`, `tessera_domain::user`)
pub use self::core::{organization, role, user, viewer};
pub use data::{chart, dataset, extract, source};

pub use clock::{Clock, OffsetClock, SystemClock};
pub use dataset::{Dataset, DatasetColumn, Job, JobKind, JobStatus, Report, ReportShare};
pub use error::{DomainError, FieldError};
pub use ids::{
    DataSourceId, DatamartId, DatasetId, ExtractId, JobId, OrgId, RefreshId, ReportId, ShareId,
    UserId,
};
pub use organization::{OrgName, Organization};
pub use paging::{Page, PageRequest};
pub use role::Role;
pub use secret::Secret;

pub use source::{DataSource, Datamart, SourceKind, SourceName};
pub use user::{Email, FullName, Password, User};
pub use viewer::Viewer;
