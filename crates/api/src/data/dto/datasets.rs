//! Datasets and EDA reports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::common::{page_dto, utc};
use tessera_domain::Page;

/// The multipart form of `POST /datasets/upload` (documentation of the wire format).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: CSV (delimiter and header sniffed), Excel (.xlsx/.xls/.ods), JSON (array of
    /// objects), NDJSON or Parquet. The format is read from the content; a name's extension
    /// must agree with it.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Display name (default: the file name without extension).
    pub name: Option<String>,
    /// What the data is.
    pub description: Option<String>,
    /// `true` makes it visible (read-only) to every organisation.
    pub is_public: Option<bool>,
    /// The workbook sheet to read (default: the first).
    pub sheet: Option<String>,
}

/// A column of a dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetColumnOut {
    /// Name.
    pub name: String,
    /// Storage type (polars dtype: i64, f64, bool, str, date, datetime[ms] ...).
    pub dtype: String,
    /// integer, float, boolean, date, datetime, categorical or text.
    pub kind: String,
    /// Missing values.
    pub nulls: u64,
}

/// A dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetOut {
    /// Id.
    pub id: String,
    /// Owning organisation; left out when the dataset is another organisation's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Uploader; left out when the dataset is another organisation's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Visible to every organisation (read-only).
    pub is_public: bool,
    /// Uploaded format: csv, excel, json, ndjson or parquet.
    pub format: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// Bytes of the stored Parquet file.
    pub file_size: i64,
    /// Rows.
    pub row_count: i64,
    /// Columns.
    pub column_count: i32,
    /// Columns with types.
    pub columns: Vec<DatasetColumnOut>,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<tessera_domain::Dataset> for DatasetOut {
    fn from(d: tessera_domain::Dataset) -> Self {
        Self {
            id: d.id.to_string(),
            organization_id: Some(d.org_id.to_string()),
            owner_id: d.owner_id.map(|u| u.to_string()),
            name: d.name,
            description: d.description,
            is_public: d.is_public,
            format: d.format,
            file_name: d.file_name,
            file_size: d.size_bytes,
            row_count: d.row_count,
            column_count: d.column_count,
            columns: d
                .schema
                .into_iter()
                .map(|c| DatasetColumnOut {
                    name: c.name,
                    dtype: c.dtype,
                    kind: c.kind,
                    nulls: c.nulls,
                })
                .collect(),
            created_at: utc(d.created_at),
            updated_at: utc(d.updated_at),
        }
    }
}

impl DatasetOut {
    /// What a member of `viewer` sees: another organisation's ids are left out.
    pub fn seen_by(mut self, viewer: tessera_domain::OrgId) -> Self {
        if self.organization_id.as_deref() != Some(viewer.to_string().as_str()) {
            self.organization_id = None;
            self.owner_id = None;
        }
        self
    }
}

page_dto!(
    DatasetPage,
    DatasetOut,
    tessera_domain::Dataset,
    "A page of datasets.",
    "This page's datasets.",
    "Datasets matching in all."
);

/// `GET /datasets` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DatasetListQuery {
    /// Page number, from 1 (default 1).
    pub page: Option<i64>,
    /// Page size, 1 to 200 (default 20).
    pub limit: Option<i64>,
    /// Only datasets whose name contains this (case-insensitive).
    pub search: Option<String>,
}

/// `PUT /datasets/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDatasetRequest {
    /// New name.
    pub name: Option<String>,
    /// New description (empty clears it).
    pub description: Option<String>,
    /// Visible to every organisation.
    pub is_public: Option<bool>,
}

impl From<UpdateDatasetRequest> for crate::data::service::datasets::DatasetEdit {
    fn from(r: UpdateDatasetRequest) -> Self {
        Self {
            name: r.name,
            description: r.description,
            is_public: r.is_public,
        }
    }
}

/// `GET /datasets/{id}/preview` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// Page number, from 1 (default 1).
    pub page: Option<i64>,
    /// Rows per page (default 50, at most `datasets.preview_max_rows`).
    pub limit: Option<i64>,
}

/// A page of a dataset's rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOut {
    /// The dataset.
    pub dataset_id: String,
    /// Columns with types, in order.
    pub columns: Vec<DatasetColumnOut>,
    /// Rows as objects keyed by column name.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Page number.
    pub page: u64,
    /// Page size.
    pub limit: u32,
    /// Rows in the dataset.
    pub total: i64,
}

/// `POST /reports/analyze`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    /// The dataset to profile.
    pub dataset_id: String,
    /// The report's title.
    pub report_title: String,
    /// What the report is about.
    pub report_description: Option<String>,
    /// A column to analyse the others against (classification or regression target).
    pub target_column: Option<String>,
    /// `quick` skips correlations and per-value detail; `all` (default) does everything.
    #[schema(value_type = Option<String>, example = "all")]
    pub analysis_mode: Option<tessera_analytics::AnalysisMode>,
    /// Profile a seeded random sample of this many rows.
    pub sample_size: Option<i64>,
    /// Most plots in the HTML report (default 50).
    pub max_plots: Option<i64>,
    /// List it in `/reports/public`.
    pub is_public: Option<bool>,
}

impl From<AnalyzeRequest> for crate::data::service::reports::ReportOrder {
    fn from(r: AnalyzeRequest) -> Self {
        Self {
            dataset_id: r.dataset_id,
            report_title: r.report_title,
            report_description: r.report_description,
            target_column: r.target_column,
            analysis_mode: r.analysis_mode,
            sample_size: r.sample_size,
            max_plots: r.max_plots,
            is_public: r.is_public,
        }
    }
}

pub use crate::common::jobs::JobOut;

/// An EDA report with its job's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    /// Id.
    pub id: String,
    /// The profiled dataset; null once its owner deleted it (the results stay).
    pub dataset_id: Option<String>,
    /// Owning organisation; left out when the report is another organisation's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Listed publicly.
    pub is_public: bool,
    /// queued, running, succeeded or failed.
    pub status: String,
    /// Percent done.
    pub progress: i32,
    /// Why it failed.
    pub error: Option<String>,
    /// The analysis options.
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
    /// The job computing it.
    pub job: Option<JobOut>,
    /// Seconds from the last claim to the finish.
    pub duration_seconds: Option<f64>,
    /// Bytes of its HTML and JSON.
    pub size_bytes: i64,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<crate::data::service::reports::ReportView> for ReportOut {
    fn from(v: crate::data::service::reports::ReportView) -> Self {
        let r = v.report;
        let job = v.job.map(JobOut::from);
        let duration_seconds = job.as_ref().and_then(|j| {
            let (s, f) = (j.started_at?, j.finished_at?);
            Some((f - s).num_milliseconds() as f64 / 1000.0)
        });
        Self {
            id: r.id.to_string(),
            dataset_id: r.dataset_id.map(|d| d.to_string()),
            organization_id: Some(r.org_id.to_string()),
            title: r.title,
            description: r.description,
            is_public: r.is_public,
            status: job
                .as_ref()
                .map_or_else(|| "succeeded".into(), |j| j.status.clone()),
            progress: job.as_ref().map_or(100, |j| j.progress),
            error: job.as_ref().and_then(|j| j.error.clone()),
            options: serde_json::from_str(&r.options_json).unwrap_or(serde_json::Value::Null),
            job,
            duration_seconds,
            size_bytes: r.size_bytes,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

impl ReportOut {
    /// What a member of `viewer` (none: a share link's reader) sees: another organisation's id
    /// is left out.
    pub fn seen_by(mut self, viewer: Option<tessera_domain::OrgId>) -> Self {
        if self.organization_id != viewer.map(|o| o.to_string()) {
            self.organization_id = None;
        }
        self
    }
}

page_dto!(
    ReportPage,
    ReportOut,
    crate::data::service::reports::ReportView,
    "A page of reports.",
    "This page's reports.",
    "Reports in all."
);

/// `POST /reports/{id}/share`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    /// When the link stops working (RFC 3339).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Or: hours from now until the link stops working.
    pub expires_in_hours: Option<i64>,
}

impl From<ShareRequest> for crate::data::service::reports::ShareOrder {
    fn from(r: ShareRequest) -> Self {
        Self {
            expires_at: r.expires_at,
            expires_in_hours: r.expires_in_hours,
        }
    }
}

/// A share link (the token only in the answer that created it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareOut {
    /// Id (to revoke it).
    pub id: String,
    /// The report.
    pub report_id: String,
    /// The secret (256 random bits); shown once.
    pub token: Option<String>,
    /// `/api/v1/reports/shared/{token}`; shown once.
    pub url: Option<String>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
}

impl ShareOut {
    /// The answer for a share, with its token when just created.
    pub fn new(s: tessera_domain::ReportShare, token: Option<String>) -> Self {
        Self {
            id: s.id.to_string(),
            report_id: s.report_id.to_string(),
            url: token
                .as_ref()
                .map(|t| format!("/api/v1/reports/shared/{t}")),
            token,
            expires_at: s.expires_at.map(utc),
            revoked_at: s.revoked_at.map(utc),
            created_at: utc(s.created_at),
        }
    }
}

/// `GET /reports/shared/{token}` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SharedQuery {
    /// `html` for the report page, `json` for the report and its results; by default a browser
    /// (Accept: text/html) gets the page and other clients the JSON.
    pub format: Option<String>,
}

/// A shared report and its results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedReportOut {
    /// The report.
    pub report: ReportOut,
    /// The profile (as `GET /reports/{id}/results`).
    #[schema(value_type = tessera_analytics::Profile)]
    pub results: serde_json::Value,
}

/// Reports per status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportsByStatus {
    /// Waiting.
    pub queued: i64,
    /// Computing.
    pub running: i64,
    /// Done.
    pub succeeded: i64,
    /// Failed.
    pub failed: i64,
}

/// `GET /reports/dashboard/stats`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportStatsOut {
    /// The organisation's datasets.
    pub datasets: i64,
    /// The organisation's reports.
    pub reports: i64,
    /// Reports per job status.
    pub reports_by_status: ReportsByStatus,
    /// Bytes used: Parquet files plus report files.
    pub storage_bytes: i64,
    /// Bytes of datasets.
    pub dataset_bytes: i64,
    /// Bytes of reports.
    pub report_bytes: i64,
    /// Newest datasets.
    pub recent_datasets: Vec<DatasetOut>,
    /// Newest reports.
    pub recent_reports: Vec<ReportOut>,
}

impl From<crate::data::service::reports::ReportStats> for ReportStatsOut {
    fn from(s: crate::data::service::reports::ReportStats) -> Self {
        let count = |st: tessera_domain::JobStatus| {
            s.by_status
                .iter()
                .find(|(k, _)| *k == st)
                .map_or(0, |(_, n)| *n)
        };
        use tessera_domain::JobStatus as J;
        Self {
            datasets: s.datasets.0,
            reports: s.reports.0,
            reports_by_status: ReportsByStatus {
                queued: count(J::Queued),
                running: count(J::Running),
                succeeded: count(J::Succeeded),
                failed: count(J::Failed),
            },
            storage_bytes: s.datasets.1 + s.reports.1,
            dataset_bytes: s.datasets.1,
            report_bytes: s.reports.1,
            recent_datasets: s
                .recent_datasets
                .into_iter()
                .map(DatasetOut::from)
                .collect(),
            recent_reports: s.recent_reports.into_iter().map(ReportOut::from).collect(),
        }
    }
}

impl DatasetPage {
    /// Every item as a member of `viewer` sees it.
    pub fn seen_by(mut self, viewer: tessera_domain::OrgId) -> Self {
        self.items = self.items.into_iter().map(|d| d.seen_by(viewer)).collect();
        self
    }
}

impl ReportPage {
    /// Every item as a member of `viewer` sees it.
    pub fn seen_by(mut self, viewer: tessera_domain::OrgId) -> Self {
        self.items = self
            .items
            .into_iter()
            .map(|r| r.seen_by(Some(viewer)))
            .collect();
        self
    }
}
