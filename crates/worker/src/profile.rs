//! The EDA profiling job: profiles a report's dataset (its stored Parquet), writes the HTML
//! page and the JSON results next to each other, and records them with the job's success in
//! one transaction, only while this worker still holds the job's lease.

use std::path::PathBuf;

use tessera_analytics::profile::profile_parquet;
use tessera_analytics::report::ReportMeta;
use tessera_analytics::{ProfileOptions, ReportOptions};
use tessera_domain::{Job, JobStatus, Report, ReportId};
use tessera_store::{datasets, jobs, reports, DbPool};

use crate::runtime::{JobContext, JobFailure, JobHandler};

/// Runs `JobKind::Profile` jobs.
pub struct ProfileHandler {
    /// The app database.
    pub pool: DbPool,
    /// Where datasets' Parquet files are (`datasets.upload_dir`).
    pub upload_dir: PathBuf,
    /// Where reports are written (`reports.dir`), a directory per organisation.
    pub reports_dir: PathBuf,
    /// The memory a profile may take (`reports.memory_limit_mb`); larger data is sampled.
    pub memory_limit_mb: u64,
    /// Most rows profiled (`reports.max_rows_profiled`); more are sampled.
    pub max_rows_profiled: u64,
}

impl JobHandler for ProfileHandler {
    fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobFailure> {
        let failed = |m: String| JobFailure::Failed(m);
        let owner = ctx.owner.as_str();
        let mut conn = self
            .pool
            .get()
            .map_err(|e| failed(format!("database: {e}")))?;
        let rid: ReportId = job
            .subject_id
            .parse()
            .map_err(|_| failed("the job names no report".into()))?;
        let report = reports::find_for_worker(&mut conn, rid)
            .map_err(|e| failed(format!("the report is gone: {e}")))?;
        let dataset = report
            .dataset_id
            .ok_or_else(|| failed("the dataset was deleted by its owner".into()))
            .and_then(|id| {
                datasets::find_visible(&mut conn, report.org_id, id)
                    .map_err(|e| failed(format!("the dataset is gone: {e}")))
            })?;
        drop(conn);
        let options: ReportOptions = serde_json::from_str(&report.options_json)
            .map_err(|e| failed(format!("stored options: {e}")))?;
        let opts = ProfileOptions {
            mode: options.analysis_mode,
            target_column: options.target_column.clone(),
            sample_size: options
                .sample_size
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            max_plots: usize::try_from(options.max_plots)
                .unwrap_or(tessera_analytics::DEFAULT_MAX_PLOTS),
            max_rows: Some(usize::try_from(self.max_rows_profiled).unwrap_or(usize::MAX)),
            deadline: Some(ctx.deadline),
            ..ProfileOptions::default()
        };
        let path = dataset.file_in(&self.upload_dir);
        let limit = self.memory_limit_mb.saturating_mul(1024 * 1024);
        let profile = profile_parquet(&path, &opts, limit, &|p| ctx.set_progress(p.min(90)))
            .map_err(|e| {
                if e.is_client_error() {
                    failed(e.to_string())
                } else {
                    // file and polars errors name server paths: logged, not shown
                    tracing::error!(report = %report.id, error = %e, "profiling failed");
                    failed("profiling failed unexpectedly; the server log has the cause".into())
                }
            })?;
        ctx.set_progress(92);
        let meta = ReportMeta {
            title: report.title.clone(),
            description: report.description.clone(),
            dataset: dataset.name.clone(),
            generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        };
        let html = tessera_analytics::render_html(&profile, &meta);
        let json = serde_json::to_vec(&profile)
            .map_err(|e| failed(format!("serialising results: {e}")))?;
        if ctx.is_stopping() {
            return Err(JobFailure::Abandoned);
        }
        let (html_rel, json_rel) = self.write_files(&report, owner, html.as_bytes(), &json)?;
        let size = (html.len() + json.len()) as i64;
        let mut conn = self
            .pool
            .get()
            .map_err(|e| failed(format!("database: {e}")))?;
        let recorded = tessera_store::atomically(&mut conn, |conn| {
            if !jobs::finish(conn, job.id, owner, JobStatus::Succeeded, None)? {
                return Ok(false);
            }
            reports::set_output(conn, report.id, &html_rel, &json_rel, size)?;
            Ok(true)
        })
        .map_err(|e| failed(format!("recording the report: {e}")))?;
        if !recorded {
            // another worker took the job over; its files replace ours
            return Err(JobFailure::Abandoned);
        }
        Ok(())
    }
}

impl ProfileHandler {
    /// Writes the report's HTML page and JSON results under the organisation's directory, each
    /// through a temporary file renamed into place; answers their paths relative to `reports_dir`.
    fn write_files(
        &self,
        report: &Report,
        owner: &str,
        html: &[u8],
        json: &[u8],
    ) -> Result<(String, String), JobFailure> {
        let dir = self.reports_dir.join(report.org_id.to_string());
        let storage_error = |what: &str, e: std::io::Error| {
            tracing::error!(report = %report.id, error = %e, "{what}");
            JobFailure::Failed(
                "the report could not be stored; the server log has the cause".into(),
            )
        };
        std::fs::create_dir_all(&dir)
            .map_err(|e| storage_error("creating the reports directory", e))?;
        let (html_rel, json_rel) = (
            format!("{}/{}.html", report.org_id, report.id),
            format!("{}/{}.json", report.org_id, report.id),
        );
        let write = |rel: &str, bytes: &[u8]| -> Result<(), JobFailure> {
            let target = self.reports_dir.join(rel);
            let tmp = target.with_extension(format!("{}.partial", owner));
            std::fs::write(&tmp, bytes)
                .and_then(|_| std::fs::rename(&tmp, &target))
                .map_err(|e| {
                    let _ = std::fs::remove_file(&tmp);
                    storage_error("writing a report file", e)
                })
        };
        write(&html_rel, html)?;
        write(&json_rel, json)?;
        Ok((html_rel, json_rel))
    }
}
