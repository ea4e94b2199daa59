//! The wire form of a background job, shared by the areas that queue them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::common::utc;

/// A background job (a report's profile, an extract's refresh).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobOut {
    /// Id.
    pub id: String,
    /// queued, running, succeeded or failed.
    pub status: String,
    /// Percent done.
    pub progress: i32,
    /// Why it failed.
    pub error: Option<String>,
    /// Times a worker claimed it (more than one after a restart).
    pub attempts: i32,
    /// Queued at (UTC).
    pub created_at: DateTime<Utc>,
    /// Last claimed at.
    pub started_at: Option<DateTime<Utc>>,
    /// Finished at.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<tessera_domain::Job> for JobOut {
    fn from(j: tessera_domain::Job) -> Self {
        Self {
            id: j.id.to_string(),
            status: j.status.as_str().to_owned(),
            progress: j.progress,
            error: j.error,
            attempts: j.attempts,
            created_at: utc(j.created_at),
            started_at: j.started_at.map(utc),
            finished_at: j.finished_at.map(utc),
        }
    }
}
