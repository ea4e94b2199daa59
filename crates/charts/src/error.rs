//! The chart engine's failures. The HTTP layer maps each to a problem document in one place
//! (`api/src/error.rs`); nothing here knows about status codes.

use tessera_analytics::AnalyticsError;
use tessera_domain::DomainError;
use tessera_sources::SourceError;
use tessera_store::StoreError;

/// Every failure of the chart engine.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The request is invalid: unknown names, bad values (field errors).
    #[error(transparent)]
    Invalid(#[from] DomainError),
    /// The request is malformed in a way no field names (unknown metric or period).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// No such source, datamart or dataset visible to the viewer.
    #[error("not found: {0}")]
    NotFound(String),
    /// The app database failed.
    #[error(transparent)]
    Store(StoreError),
    /// A user's database refused or failed the work.
    #[error(transparent)]
    Source(SourceError),
    /// polars failed over a dataset.
    #[error(transparent)]
    Analytics(#[from] AnalyticsError),
    /// A user's database cannot be reached.
    #[error("source {source_name} unavailable: {detail}")]
    SourceUnavailable {
        /// The source's name.
        source_name: String,
        /// Why.
        detail: String,
    },
    /// The viewer's role does not allow the change.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The organisation is at a limit (how many extracts, how many bytes).
    #[error("limit: {0}")]
    Limit(String),
    /// The organisation already uses its whole share of the source threads.
    #[error("busy: {0}")]
    Busy(String),
    /// A source or the engine's threads are at their limit; retry shortly.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// An unexpected failure (a panicked task, a stopped pool).
    #[error("internal: {0}")]
    Internal(String),
}

/// Result of the chart engine.
pub type ChartResult<T> = Result<T, ChartError>;

impl ChartError {
    /// Invalid input about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(DomainError::field(field, message))
    }

    /// The answer cannot be computed because its source is down or missing (a named metric
    /// with `fallback = "sample"` answers sample data instead).
    pub fn is_missing_source(&self) -> bool {
        matches!(self, Self::SourceUnavailable { .. } | Self::NotFound(_))
    }
}

impl From<StoreError> for ChartError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound("no such resource".into()),
            other => Self::Store(other),
        }
    }
}

impl From<SourceError> for ChartError {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Unavailable {
                source_name,
                reason,
            } => Self::SourceUnavailable {
                source_name,
                detail: reason,
            },
            other => Self::Source(other),
        }
    }
}
