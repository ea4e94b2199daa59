//! The alerting crate's failures; the HTTP layer maps each to a problem document in one place.

use tessera_charts::ChartError;
use tessera_domain::DomainError;
use tessera_store::StoreError;

/// Every failure of the alerting crate.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// The rule is invalid (field errors).
    #[error(transparent)]
    Invalid(#[from] DomainError),
    /// No such rule in the caller's organisation.
    #[error("not found: {0}")]
    NotFound(String),
    /// Only editors and admins change rules.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The organisation has as many rules as allowed (`alerts.max_rules_per_org`).
    #[error("limit: {0}")]
    Limit(String),
    /// The chart engine failed (a source down, busy).
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// The app database failed.
    #[error(transparent)]
    Store(StoreError),
    /// An unexpected failure.
    #[error("internal: {0}")]
    Internal(String),
}

/// Result of the alerting crate.
pub type AlertResult<T> = Result<T, AlertError>;

impl From<StoreError> for AlertError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound("no such alert rule".into()),
            other => Self::Store(other),
        }
    }
}
