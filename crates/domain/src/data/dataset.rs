//! Uploaded datasets, EDA reports, the background jobs computing them and report share links.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::{DatasetId, DomainError, JobId, OrgId, ReportId, ShareId, UserId};

/// One column of a dataset's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetColumn {
    /// Column name.
    pub name: String,
    /// Storage type (polars dtype, e.g. `i64`, `f64`, `str`, `date`).
    pub dtype: String,
    /// Inferred kind: integer, float, boolean, date, datetime, categorical or text.
    pub kind: String,
    /// Missing values.
    pub nulls: u64,
}

/// An uploaded file, stored as Parquet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dataset {
    /// Id.
    pub id: DatasetId,
    /// Owning organisation.
    pub org_id: OrgId,
    /// Who uploaded it.
    pub owner_id: Option<UserId>,
    /// Display name.
    pub name: String,
    /// What it holds.
    pub description: Option<String>,
    /// Visible to every organisation (read-only) when true.
    pub is_public: bool,
    /// The uploaded format (csv, excel, json, ndjson, parquet).
    pub format: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// The Parquet file, relative to the upload directory.
    pub storage_path: String,
    /// Size of the stored Parquet file in bytes.
    pub size_bytes: i64,
    /// Rows.
    pub row_count: i64,
    /// Columns.
    pub column_count: i32,
    /// Columns with types.
    pub schema: Vec<DatasetColumn>,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
    /// Last change (UTC).
    pub updated_at: NaiveDateTime,
}

impl Dataset {
    /// Where its Parquet file is, given the upload directory (a path, no IO).
    pub fn file_in(&self, upload_dir: &std::path::Path) -> std::path::PathBuf {
        upload_dir.join(&self.storage_path)
    }
}

/// A dataset name: 1 to 200 characters, not blank.
pub fn dataset_name(raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(DomainError::field(
            "name",
            "give a name of 1 to 200 printable characters",
        ));
    }
    Ok(name.to_owned())
}

/// A background job's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// A worker holds its lease.
    Running,
    /// Done.
    Succeeded,
    /// Gave up; see the error.
    Failed,
}

impl JobStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    /// Every status.
    pub const ALL: [JobStatus; 4] = [Self::Queued, Self::Running, Self::Succeeded, Self::Failed];
}

impl std::str::FromStr for JobStatus {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| DomainError::field("status", format!("unknown job status '{s}'")))
    }
}

/// What a background job does; every kind has one handler, and a worker claims only the kinds
/// it has handlers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Profiles a dataset into an EDA report; the subject is the report's id.
    Profile,
    /// Refreshes a columnar extract; the subject is the extract's id.
    ExtractRefresh,
}

impl JobKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Profile => "profile",
            Self::ExtractRefresh => "extract_refresh",
        }
    }

    /// Every kind.
    pub const ALL: [JobKind; 2] = [Self::Profile, Self::ExtractRefresh];
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for JobKind {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| DomainError::field("kind", format!("unknown job kind '{s}'")))
    }
}

/// A unit of background work, claimed by a worker through a lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    /// Id.
    pub id: JobId,
    /// Owning organisation.
    pub org_id: OrgId,
    /// What to do.
    pub kind: JobKind,
    /// What it works on (a report id for `profile`).
    pub subject_id: String,
    /// State.
    pub status: JobStatus,
    /// Percent done.
    pub progress: i32,
    /// Why it failed.
    pub error: Option<String>,
    /// Times a worker claimed it.
    pub attempts: i32,
    /// The worker holding the lease.
    pub lease_owner: Option<String>,
    /// When the lease runs out.
    pub lease_expires_at: Option<NaiveDateTime>,
    /// Queued at (UTC).
    pub created_at: NaiveDateTime,
    /// First claimed at.
    pub started_at: Option<NaiveDateTime>,
    /// Finished at.
    pub finished_at: Option<NaiveDateTime>,
}

/// An EDA report of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Id.
    pub id: ReportId,
    /// Owning organisation.
    pub org_id: OrgId,
    /// The profiled dataset; `None` once its owner deleted it (the report keeps its results).
    pub dataset_id: Option<DatasetId>,
    /// Who asked for it.
    pub owner_id: Option<UserId>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Listed in `/reports/public` when true.
    pub is_public: bool,
    /// The analysis options as JSON.
    pub options_json: String,
    /// The HTML file, relative to the reports directory, once done.
    pub html_path: Option<String>,
    /// The JSON results, relative to the reports directory, once done.
    pub results_path: Option<String>,
    /// Bytes on disk (HTML + JSON).
    pub size_bytes: i64,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
    /// Last change (UTC).
    pub updated_at: NaiveDateTime,
}

impl Report {
    /// The report's files (its HTML and JSON, once written) under the reports directory `dir`.
    pub fn files_in(&self, dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        [&self.html_path, &self.results_path]
            .into_iter()
            .flatten()
            .map(|rel| dir.join(rel))
            .collect()
    }
}

/// A secret link to a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportShare {
    /// Id.
    pub id: ShareId,
    /// The shared report.
    pub report_id: ReportId,
    /// Owning organisation.
    pub org_id: OrgId,
    /// Who shared it.
    pub created_by: Option<UserId>,
    /// When the link stops working.
    pub expires_at: Option<NaiveDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<NaiveDateTime>,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
}
