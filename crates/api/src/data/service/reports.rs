//! EDA reports: requests are checked and queued as jobs at once; a worker profiles the dataset
//! (crate analytics), writes the JSON results and the self-contained HTML under the reports
//! directory and marks the job done. Also share links, listings and the dashboard numbers.

use std::path::PathBuf;

use tessera_analytics::ReportOptions;
use tessera_domain::{
    Dataset, FieldError, Job, JobKind, JobStatus, Page, PageRequest, Report, ReportId, ReportShare,
};
use tessera_store::{datasets, jobs, reports, StoreError};

use crate::auth::{hash_secret_token, new_secret_token, Caller};
use crate::data::service::datasets as dataset_service;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A share link to create, with its expiry.
#[derive(Debug, Clone)]
pub struct ShareOrder {
    /// When the link stops working (RFC 3339).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Or: hours from now until the link stops working.
    pub expires_in_hours: Option<i64>,
}

/// An EDA report to compute over a dataset.
#[derive(Debug, Clone)]
pub struct ReportOrder {
    /// The dataset to profile.
    pub dataset_id: String,
    /// The report's title.
    pub report_title: String,
    /// What the report is about.
    pub report_description: Option<String>,
    /// A column to analyse the others against (classification or regression target).
    pub target_column: Option<String>,
    /// `quick` skips correlations and per-value detail; `all` (default) does everything.
    pub analysis_mode: Option<tessera_analytics::AnalysisMode>,
    /// Profile a seeded random sample of this many rows.
    pub sample_size: Option<i64>,
    /// Most plots in the HTML report (default 50).
    pub max_plots: Option<i64>,
    /// List it in `/reports/public`.
    pub is_public: Option<bool>,
}

/// Most plots a report may ask for.
const MAX_PLOTS: i64 = 500;

/// A report with its job.
pub struct ReportView {
    /// The report.
    pub report: Report,
    /// Its newest job.
    pub job: Option<Job>,
}

fn parse_id(id: &str) -> ApiResult<ReportId> {
    crate::common::path_id("report", id)
}

fn not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::NotFound("no such report".into()),
        other => other.into(),
    }
}

/// Checks the request against the dataset's schema and queues the profiling job (editors and
/// admins; a report can be public only when its dataset is).
pub async fn analyze(state: &AppState, caller: &Caller, req: ReportOrder) -> ApiResult<ReportView> {
    caller.require_editor("reports")?;
    let dataset = checked(state, caller, &req).await?;
    let report = report_of(caller, &dataset, req)?;
    let job = enqueue(state, report.clone()).await?;
    state.jobs.notify();
    Ok(ReportView {
        report,
        job: Some(job),
    })
}

/// The order's dataset, once every field of the order is valid (all field errors at once).
async fn checked(state: &AppState, caller: &Caller, req: &ReportOrder) -> ApiResult<Dataset> {
    let mut errors = Vec::new();
    let title = req.report_title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        errors.push(FieldError::new(
            "report_title",
            "give a title of 1 to 200 characters",
        ));
    }
    if req.sample_size.is_some_and(|n| n <= 0) {
        errors.push(FieldError::new(
            "sample_size",
            "must be a positive number of rows",
        ));
    }
    if req.max_plots.is_some_and(|n| !(0..=MAX_PLOTS).contains(&n)) {
        errors.push(FieldError::new(
            "max_plots",
            format!("must be between 0 and {MAX_PLOTS}"),
        ));
    }
    let dataset = match dataset_service::get(state, caller, &req.dataset_id).await {
        Ok(d) => Some(d),
        Err(ApiError::NotFound(_)) => {
            errors.push(FieldError::new("dataset_id", "no such dataset"));
            None
        }
        Err(e) => return Err(e),
    };
    if let (Some(d), Some(t)) = (&dataset, &req.target_column) {
        if !d.schema.iter().any(|c| &c.name == t) {
            errors.push(FieldError::new(
                "target_column",
                format!("'{t}' is not a column of dataset '{}'", d.name),
            ));
        }
    }
    if let Some(d) = dataset.as_ref().filter(|d| !d.is_public) {
        if req.is_public == Some(true) {
            errors.push(FieldError::new(
                "is_public",
                format!(
                    "dataset '{}' is private, so a report of it cannot be public; share it with a link instead",
                    d.name
                ),
            ));
        }
    }
    // no dataset means its error is among `errors`
    match dataset {
        Some(d) if errors.is_empty() => Ok(d),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// The report a checked order asks for, with its analysis options.
fn report_of(caller: &Caller, dataset: &Dataset, req: ReportOrder) -> ApiResult<Report> {
    let options = ReportOptions {
        analysis_mode: req.analysis_mode.unwrap_or_default(),
        target_column: req.target_column,
        sample_size: req.sample_size.map(|n| n as u64),
        max_plots: req
            .max_plots
            .map_or(tessera_analytics::DEFAULT_MAX_PLOTS as u64, |n| n as u64),
    };
    let now = tessera_store::now();
    Ok(Report {
        id: ReportId::new(),
        org_id: caller.org_id,
        dataset_id: Some(dataset.id),
        owner_id: Some(caller.user_id),
        title: req.report_title.trim().to_owned(),
        description: req
            .report_description
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty()),
        is_public: req.is_public.unwrap_or(false),
        options_json: serde_json::to_string(&options)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
        html_path: None,
        results_path: None,
        size_bytes: 0,
        created_at: now,
        updated_at: now,
    })
}

/// Saves the report and queues its job in one transaction, unless the organisation already has
/// `reports.max_queued_per_org` queued or running (429).
async fn enqueue(state: &AppState, report: Report) -> ApiResult<Job> {
    let max_queued = state.reports.max_queued_per_org.max(1);
    state
        .db(move |conn| {
            Ok(tessera_store::atomically(conn, |conn| {
                if jobs::active_count(conn, report.org_id, JobKind::Profile)? >= max_queued {
                    return Ok(None);
                }
                reports::insert(conn, &report)?;
                jobs::enqueue(conn, report.org_id, JobKind::Profile, &report.id.to_string())
                    .map(Some)
            })?)
        })
        .await?
        .ok_or_else(|| {
            ApiError::TooManyRequests(format!(
                "your organisation already has {max_queued} reports queued or computing; queue more when they finish"
            ))
        })
}

async fn view(state: &AppState, report: Report) -> ApiResult<ReportView> {
    let subject = report.id.to_string();
    let job = state
        .db(move |conn| Ok(jobs::latest_for(conn, &subject)?))
        .await?;
    Ok(ReportView { report, job })
}

/// One of the organisation's reports, or a public one.
pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ApiResult<ReportView> {
    let (org, id) = (caller.org_id, parse_id(id)?);
    let report = state
        .db(move |conn| match reports::find(conn, org, id) {
            Err(StoreError::NotFound) => reports::find_public(conn, id).map_err(not_found),
            other => other.map_err(not_found),
        })
        .await?;
    view(state, report).await
}

async fn views(state: &AppState, page: Page<Report>) -> ApiResult<Page<ReportView>> {
    let ids: Vec<String> = page.items.iter().map(|r| r.id.to_string()).collect();
    let found = state
        .db(move |conn| Ok(jobs::latest_for_each(conn, &ids)?))
        .await?;
    Ok(page.map(|report| ReportView {
        job: found.get(&report.id.to_string()).cloned(),
        report,
    }))
}

/// The organisation's reports, newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    page: Option<i64>,
    limit: Option<i64>,
) -> ApiResult<Page<ReportView>> {
    let page = PageRequest::new(page, limit)?;
    let org = caller.org_id;
    let found = state
        .db(move |conn| Ok(reports::list(conn, Some(org), page)?))
        .await?;
    views(state, found).await
}

/// Every organisation's public reports, newest first.
pub async fn list_public(
    state: &AppState,
    page: Option<i64>,
    limit: Option<i64>,
) -> ApiResult<Page<ReportView>> {
    let page = PageRequest::new(page, limit)?;
    let found = state
        .db(move |conn| Ok(reports::list(conn, None, page)?))
        .await?;
    views(state, found).await
}

fn finished(v: &ReportView) -> ApiResult<()> {
    match v.job.as_ref().map(|j| j.status) {
        Some(JobStatus::Succeeded) | None if v.report.html_path.is_some() => Ok(()),
        Some(JobStatus::Failed) => Err(ApiError::Conflict(format!(
            "the report failed: {}",
            v.job
                .as_ref()
                .and_then(|j| j.error.clone())
                .unwrap_or_default()
        ))),
        _ => Err(ApiError::Conflict(
            "the report is not ready yet; poll GET /reports/{id} until its status is succeeded"
                .into(),
        )),
    }
}

/// The path of one of a finished report's files.
fn output(state: &AppState, v: &ReportView, html: bool) -> ApiResult<PathBuf> {
    finished(v)?;
    let rel = if html {
        v.report.html_path.as_deref()
    } else {
        v.report.results_path.as_deref()
    };
    let rel = rel.ok_or_else(|| ApiError::Conflict("the report has no output yet".into()))?;
    Ok(state.reports.dir.join(rel))
}

/// The JSON results of a finished report.
pub async fn results(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Vec<u8>> {
    let v = get(state, caller, id).await?;
    read_output(state, &v, false).await
}

/// The HTML of a finished report, with its title.
pub async fn download(state: &AppState, caller: &Caller, id: &str) -> ApiResult<(Report, Vec<u8>)> {
    let v = get(state, caller, id).await?;
    let bytes = read_output(state, &v, true).await?;
    Ok((v.report, bytes))
}

async fn read_output(state: &AppState, v: &ReportView, html: bool) -> ApiResult<Vec<u8>> {
    let path = output(state, v, html)?;
    state
        .blocking(move || {
            std::fs::read(&path)
                .map_err(|e| ApiError::Internal(format!("reading {}: {e}", path.display())))
        })
        .await?
}

/// Deletes a report, its jobs, shares and files (not while it is computing).
pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    caller.require_editor("reports")?;
    let (org, rid) = (caller.org_id, parse_id(id)?);
    let report = state
        .db(move |conn| {
            tessera_store::atomically(conn, |conn| {
                let report = reports::find(conn, org, rid)?;
                if jobs::any_active(conn, &[rid.to_string()])? {
                    return Ok(None);
                }
                jobs::delete_for(conn, &rid.to_string())?;
                reports::delete(conn, org, rid)?;
                Ok(Some(report))
            })
            .map_err(not_found)
        })
        .await?
        .ok_or_else(|| {
            ApiError::Conflict(
                "the report is being computed; delete it when the job has finished".into(),
            )
        })?;
    remove_files(state, &report);
    Ok(())
}

/// Removes a report's files (best effort: the rows are gone already).
pub fn remove_files(state: &AppState, r: &Report) {
    for path in r.files_in(&state.reports.dir) {
        let _ = std::fs::remove_file(path);
    }
}

/// Creates a share link; the token is shown once.
pub async fn share(
    state: &AppState,
    caller: &Caller,
    id: &str,
    req: ShareOrder,
) -> ApiResult<(ReportShare, String)> {
    caller.require_editor("report shares")?;
    let now = state.now();
    let expires_at = match (req.expires_at, req.expires_in_hours) {
        (Some(_), Some(_)) => {
            return Err(ApiError::field(
                "expires_at",
                "give expires_at or expires_in_hours, not both",
            ))
        }
        (Some(at), None) if at.naive_utc() <= now => {
            return Err(ApiError::field("expires_at", "must be in the future"))
        }
        (Some(at), None) => Some(at.naive_utc()),
        (None, Some(h)) if !(1..=24 * 366).contains(&h) => {
            return Err(ApiError::field(
                "expires_in_hours",
                "must be between 1 and 8784 (a year)",
            ))
        }
        (None, Some(h)) => Some(now + chrono::Duration::hours(h)),
        (None, None) => None,
    };
    let (org, rid, user) = (caller.org_id, parse_id(id)?, caller.user_id);
    let token = new_secret_token();
    let hash = hash_secret_token(&token);
    let share = state
        .db(move |conn| {
            tessera_store::atomically(conn, |conn| {
                reports::find(conn, org, rid)?;
                reports::insert_share(conn, org, rid, &hash, Some(user), expires_at)
            })
            .map_err(not_found)
        })
        .await?;
    Ok((share, token))
}

/// A report's share links (tokens are never shown again).
pub async fn shares(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Vec<ReportShare>> {
    let (org, rid) = (caller.org_id, parse_id(id)?);
    state
        .db(move |conn| {
            reports::find(conn, org, rid).map_err(not_found)?;
            Ok(reports::shares(conn, org, rid)?)
        })
        .await
}

/// Revokes a share link.
pub async fn revoke(state: &AppState, caller: &Caller, id: &str, share: &str) -> ApiResult<()> {
    caller.require_editor("report shares")?;
    let (org, rid) = (caller.org_id, parse_id(id)?);
    let sid = crate::common::path_id("share", share)?;
    state
        .db(move |conn| {
            reports::revoke_share(conn, org, rid, sid).map_err(|e| match e {
                StoreError::NotFound => ApiError::NotFound("no such live share link".into()),
                other => other.into(),
            })
        })
        .await
}

/// The report behind a live share token (no login); expired, revoked or unknown tokens are 404.
pub async fn shared(state: &AppState, token: &str) -> ApiResult<ReportView> {
    let hash = hash_secret_token(token);
    let now = state.now();
    let report = state
        .db(move |conn| {
            reports::find_shared(conn, &hash, now).map_err(|e| match e {
                StoreError::NotFound => {
                    ApiError::NotFound("this link is unknown, expired or revoked".into())
                }
                other => other.into(),
            })
        })
        .await?;
    view(state, report).await
}

/// Reads a shared report's output.
pub async fn shared_output(state: &AppState, v: &ReportView, html: bool) -> ApiResult<Vec<u8>> {
    read_output(state, v, html).await
}

/// The organisation's report statistics (served at `GET /reports/dashboard/stats`).
pub struct ReportStats {
    /// Datasets and their Parquet bytes.
    pub datasets: (i64, i64),
    /// Reports and their bytes on disk.
    pub reports: (i64, i64),
    /// Report jobs per status.
    pub by_status: Vec<(JobStatus, i64)>,
    /// Newest datasets.
    pub recent_datasets: Vec<Dataset>,
    /// Newest reports with their jobs.
    pub recent_reports: Vec<ReportView>,
}

/// Datasets, reports by status, storage used and recent activity.
pub async fn report_stats(state: &AppState, caller: &Caller) -> ApiResult<ReportStats> {
    let org = caller.org_id;
    let (ds, rs, by_status, recent_datasets, recent) = state
        .db(move |conn| {
            Ok((
                datasets::usage(conn, org)?,
                reports::usage(conn, org)?,
                jobs::count_by_status(conn, org, JobKind::Profile)?,
                datasets::recent(conn, org, 5)?,
                reports::recent(conn, org, 5)?,
            ))
        })
        .await?;
    let recent_reports = views(
        state,
        Page {
            items: recent,
            total: 0,
            page: 1,
            limit: 5,
        },
    )
    .await?
    .items;
    Ok(ReportStats {
        datasets: ds,
        reports: rs,
        by_status,
        recent_datasets,
        recent_reports,
    })
}
