//! Datasets: uploads streamed to a temporary file, read and typed by crate analytics, stored as
//! Parquet under the upload directory; listing, preview, changes and deletion. A failed upload
//! leaves no row and no file behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use actix_multipart::Multipart;
use futures_util::TryStreamExt;
use tessera_analytics::ingest::{self, IngestOptions};
use tessera_analytics::AnalyticsError;
use tessera_domain::dataset::dataset_name;
use tessera_domain::{Dataset, DatasetColumn, DatasetId, Page, PageRequest};
use tessera_store::datasets::{self, DatasetChanges};
use tessera_store::{jobs, reports, StoreError};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Changes to a dataset; fields left out stay.
#[derive(Debug, Clone)]
pub struct DatasetEdit {
    /// New name.
    pub name: Option<String>,
    /// New description (empty clears it).
    pub description: Option<String>,
    /// Visible to every organisation.
    pub is_public: Option<bool>,
}

/// Slack over the file size for the multipart framing and the text fields.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;
/// Longest text field accepted.
const MAX_TEXT_FIELD: usize = 10_000;

/// Maps analytics errors about an upload to problems: unsupported content is 415, unreadable
/// 422 on `file`, an unknown sheet 422 on `sheet`.
pub fn file_error(e: AnalyticsError) -> ApiError {
    match e {
        AnalyticsError::InvalidRequest(m) => ApiError::field("sheet", m),
        other => other.into(),
    }
}

/// Uploads in progress are streamed here, under the upload directory.
pub fn temporary_dir(upload_dir: &Path) -> PathBuf {
    upload_dir.join("tmp")
}

/// Removes temporary upload files not written to for `idle` (left by a process that died
/// mid-upload); files of uploads still streaming, here or in another process, are younger.
/// Returns how many were removed.
pub fn sweep_temporary_files(upload_dir: &Path, idle: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(temporary_dir(upload_dir)) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    entries
        .flatten()
        .filter(|e| {
            e.metadata().is_ok_and(|m| {
                m.is_file()
                    && m.modified()
                        .ok()
                        .and_then(|t| now.duration_since(t).ok())
                        .is_some_and(|age| age >= idle)
            })
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// A broken or missing multipart body: 415 when the request is not multipart at all, else 400.
fn multipart_error(e: actix_multipart::MultipartError) -> ApiError {
    use actix_multipart::MultipartError as M;
    match e {
        M::ContentTypeMissing | M::ContentTypeParse | M::ContentTypeIncompatible => {
            ApiError::UnsupportedMediaType(
                "send the upload as multipart/form-data with a 'file' field".into(),
            )
        }
        other => ApiError::BadRequest(format!("malformed multipart body: {other}")),
    }
}

fn parse_id(id: &str) -> ApiResult<DatasetId> {
    crate::common::path_id("dataset", id)
}

fn not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::NotFound("no such dataset".into()),
        other => other.into(),
    }
}

/// The organisation's directory under `root`, created on demand.
pub fn org_dir(root: &Path, caller: &Caller) -> ApiResult<PathBuf> {
    let dir = root.join(caller.org_id.to_string());
    std::fs::create_dir_all(&dir)
        .map_err(|e| ApiError::Internal(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

/// The fields of an upload form.
#[derive(Default)]
struct Form {
    file: Option<(tempfile::NamedTempFile, String, u64)>,
    name: Option<String>,
    description: Option<String>,
    is_public: Option<String>,
    sheet: Option<String>,
}

async fn text_field(field: &mut actix_multipart::Field, name: &str) -> ApiResult<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
        buf.extend_from_slice(&chunk);
        if buf.len() > MAX_TEXT_FIELD {
            return Err(ApiError::field(
                name,
                format!("at most {MAX_TEXT_FIELD} bytes"),
            ));
        }
    }
    String::from_utf8(buf).map_err(|_| ApiError::field(name, "must be UTF-8 text"))
}

/// Reads the multipart body: the file is streamed to a temporary file in the upload directory
/// and refused as soon as it passes the size limit.
async fn read_form(state: &AppState, mut payload: Multipart, tmp_dir: &Path) -> ApiResult<Form> {
    let limit = state.datasets.max_file_size;
    let mut form = Form::default();
    while let Some(mut field) = payload.try_next().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or("upload")
                    .to_owned();
                let mut tmp = tempfile::Builder::new()
                    .prefix("upload-")
                    .tempfile_in(tmp_dir)
                    .map_err(|e| ApiError::Internal(format!("temporary file: {e}")))?;
                let mut size = 0u64;
                while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
                    size += chunk.len() as u64;
                    if size > limit {
                        return Err(ApiError::PayloadTooLarge(format!(
                            "the file exceeds the {limit} byte limit (MAX_FILE_SIZE)"
                        )));
                    }
                    tmp.write_all(&chunk)
                        .map_err(|e| ApiError::Internal(format!("temporary file: {e}")))?;
                }
                form.file = Some((tmp, file_name, size));
            }
            "name" => form.name = Some(text_field(&mut field, "name").await?),
            "description" => form.description = Some(text_field(&mut field, "description").await?),
            "is_public" => form.is_public = Some(text_field(&mut field, "is_public").await?),
            "sheet" => form.sheet = Some(text_field(&mut field, "sheet").await?),
            _ => {
                // drain unknown fields without keeping them
                while field.try_next().await.map_err(multipart_error)?.is_some() {}
            }
        }
    }
    Ok(form)
}

fn parse_bool(field: &str, raw: Option<&str>) -> ApiResult<bool> {
    match raw.map(|s| s.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v.is_empty() => Ok(false),
        Some(v) => match v.as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(ApiError::field(field, "must be true or false")),
        },
    }
}

/// Stores an uploaded file as a dataset (editors and admins).
pub async fn upload(
    state: &AppState,
    caller: &Caller,
    payload: Multipart,
    declared_length: Option<u64>,
) -> ApiResult<Dataset> {
    caller.require_editor("datasets")?;
    let limit = state.datasets.max_file_size;
    if declared_length.is_some_and(|n| n > limit.saturating_add(MULTIPART_OVERHEAD)) {
        return Err(ApiError::PayloadTooLarge(format!(
            "the upload exceeds the {limit} byte limit (MAX_FILE_SIZE)"
        )));
    }
    let root = state.datasets.upload_dir.clone();
    let tmp_dir = temporary_dir(&root);
    std::fs::create_dir_all(&tmp_dir)
        .map_err(|e| ApiError::Internal(format!("cannot create {}: {e}", tmp_dir.display())))?;
    let form = read_form(state, payload, &tmp_dir).await?;
    let Some((tmp, file_name, _)) = form.file else {
        return Err(ApiError::field(
            "file",
            "attach the file as the multipart field 'file'",
        ));
    };
    let default_name = file_name
        .rsplit_once('.')
        .map_or(file_name.as_str(), |(stem, _)| stem)
        .to_owned();
    let name = dataset_name(
        form.name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&default_name),
    )?;
    let is_public = parse_bool("is_public", form.is_public.as_deref())?;
    let description = form
        .description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    let dir = org_dir(&root, caller)?;
    let id = DatasetId::new();
    let stored = dir.join(format!("{id}.parquet"));
    let opts = IngestOptions {
        file_name: Some(file_name.clone()),
        sheet: form.sheet.filter(|s| !s.trim().is_empty()),
    };
    // measured first (caps, memory), then read within the memory budget on the ingestion
    // threads; the temporary file goes when `tmp` drops
    let (format, columns, rows, size) = ingest_file(state, tmp, opts, stored.clone()).await?;
    let now = tessera_store::now();
    let dataset = Dataset {
        id,
        org_id: caller.org_id,
        owner_id: Some(caller.user_id),
        name,
        description,
        is_public,
        format: format.as_str().to_owned(),
        file_name: file_name.chars().take(255).collect(),
        storage_path: format!("{}/{id}.parquet", caller.org_id),
        size_bytes: i64::try_from(size).unwrap_or(i64::MAX),
        row_count: i64::try_from(rows).unwrap_or(i64::MAX),
        column_count: i32::try_from(columns.len()).unwrap_or(i32::MAX),
        schema: schema_of(columns),
        created_at: now,
        updated_at: now,
    };
    let saved = dataset.clone();
    let inserted = state
        .db(move |conn| Ok(datasets::insert(conn, &saved)?))
        .await;
    if let Err(e) = inserted {
        let _ = std::fs::remove_file(&stored);
        return Err(e);
    }
    Ok(dataset)
}

/// Reads an upload within the ingestion budget (measured first, then read on the ingestion
/// threads) and writes it as Parquet to `target`: its format, columns, rows and bytes on disk. The
/// temporary file goes when `tmp` drops; a half-written Parquet file is removed.
async fn ingest_file(
    state: &AppState,
    tmp: tempfile::NamedTempFile,
    opts: IngestOptions,
    target: PathBuf,
) -> ApiResult<(ingest::FileFormat, Vec<ingest::ColumnInfo>, usize, u64)> {
    let limits = state.datasets.ingest_limits();
    let (path, inspect_opts) = (tmp.path().to_path_buf(), opts.clone());
    let inspection = state
        .ingestion
        .run(move || ingest::inspect(&path, &inspect_opts, &limits))
        .await?
        .map_err(file_error)?;
    let reserved = state.ingestion.reserve(inspection.estimated_bytes).await?;
    state
        .ingestion
        .run(move || -> ApiResult<_> {
            let _reserved = reserved;
            let read = ingest::read_inspected(tmp.path(), &opts, &limits, &inspection)
                .map_err(file_error)?;
            let mut frame = read.frame;
            let columns = ingest::describe_columns(&frame);
            let written = ingest::write_parquet(&mut frame, &target);
            let size = match written {
                Ok(_) => std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0),
                Err(e) => {
                    let _ = std::fs::remove_file(&target);
                    return Err(ApiError::Internal(format!("writing parquet: {e}")));
                }
            };
            drop(tmp);
            Ok((read.format, columns, frame.height(), size))
        })
        .await?
}

/// A dataset's schema as its row stores it, from the columns ingestion described.
fn schema_of(columns: Vec<ingest::ColumnInfo>) -> Vec<DatasetColumn> {
    columns
        .into_iter()
        .map(|c| DatasetColumn {
            name: c.name,
            dtype: c.dtype,
            kind: c.kind.to_owned(),
            nulls: c.nulls,
        })
        .collect()
}

/// Datasets the caller can see: their organisation's and public ones.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    search: Option<String>,
    page: Option<i64>,
    limit: Option<i64>,
) -> ApiResult<Page<Dataset>> {
    let page = PageRequest::new(page, limit)?;
    let org = caller.org_id;
    state
        .db(move |conn| Ok(datasets::list_visible(conn, org, search.as_deref(), page)?))
        .await
}

/// One visible dataset.
pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Dataset> {
    let (org, id) = (caller.org_id, parse_id(id)?);
    state
        .db(move |conn| datasets::find_visible(conn, org, id).map_err(not_found))
        .await
}

/// A dataset the caller's organisation owns (public ones of others are read-only).
async fn get_owned(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Dataset> {
    let d = get(state, caller, id).await?;
    if d.org_id != caller.org_id {
        return Err(ApiError::Forbidden(
            "this public dataset belongs to another organisation; it is read-only".into(),
        ));
    }
    Ok(d)
}

/// The Parquet file of a dataset.
pub fn file_of(state: &AppState, d: &Dataset) -> PathBuf {
    d.file_in(&state.datasets.upload_dir)
}

/// Rows of a dataset, `limit` per page.
pub async fn preview(
    state: &AppState,
    caller: &Caller,
    id: &str,
    page: Option<i64>,
    limit: Option<i64>,
) -> ApiResult<(
    Dataset,
    Vec<serde_json::Map<String, serde_json::Value>>,
    u64,
    u32,
)> {
    let d = get(state, caller, id).await?;
    let max = state.datasets.preview_max_rows;
    let limit = match limit {
        None => 50.min(max),
        Some(l) if l >= 1 && l <= i64::from(max) => l as u32,
        Some(_) => {
            return Err(ApiError::field(
                "limit",
                format!("must be between 1 and {max}"),
            ))
        }
    };
    let page = match page {
        None => 1,
        Some(p) if p >= 1 => p as u64,
        Some(_) => return Err(ApiError::field("page", "must be 1 or more")),
    };
    let path = file_of(state, &d);
    let offset = (page - 1).saturating_mul(u64::from(limit));
    let rows = state
        .blocking(move || {
            ingest::preview(&path, offset, limit)
                .map_err(|e| ApiError::Internal(format!("reading the dataset: {e}")))
        })
        .await??;
    Ok((d, rows, page, limit))
}

/// Renames a dataset, changes its description or visibility.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    req: DatasetEdit,
) -> ApiResult<Dataset> {
    caller.require_editor("datasets")?;
    let current = get_owned(state, caller, id).await?;
    let changes = DatasetChanges {
        name: req.name.as_deref().map(dataset_name).transpose()?,
        description: req
            .description
            .map(|d| Some(d.trim().to_owned()).filter(|d| !d.is_empty())),
        is_public: req.is_public,
        updated_at: None,
    };
    let org = caller.org_id;
    let private = req.is_public == Some(false);
    let updated = state
        .db(move |conn| {
            tessera_store::atomically(conn, |conn| {
                let updated = datasets::update(conn, org, current.id, changes.clone())?;
                if private {
                    // what reports show of it is no longer for everyone
                    reports::unpublish_all_of_dataset(conn, current.id)?;
                }
                Ok(updated)
            })
            .map_err(not_found)
        })
        .await?;
    // a dataset made private must stop answering other organisations' cached chart queries
    crate::cache_sync::changed(state, crate::cache_sync::Scope::Dataset(updated.id)).await;
    Ok(updated)
}

/// Deletes a dataset with the organisation's own reports of it and their files; refuses while
/// one of those is computing. Other organisations' reports of a public dataset are theirs: they
/// keep their results (without the dataset), leave the public listing, and their jobs neither
/// block the delete nor survive it.
pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    caller.require_editor("datasets")?;
    let current = get_owned(state, caller, id).await?;
    let org = caller.org_id;
    let dataset_id = current.id;
    let gone = state
        .db(move |conn| {
            tessera_store::atomically(conn, |conn| {
                let reports = reports::of_dataset(conn, org, dataset_id)?;
                let subjects: Vec<String> = reports.iter().map(|r| r.id.to_string()).collect();
                if jobs::any_active(conn, &subjects)? {
                    return Ok(None);
                }
                for r in &reports {
                    jobs::delete_for(conn, &r.id.to_string())?;
                    reports::delete(conn, org, r.id)?;
                }
                reports::unpublish_all_of_dataset(conn, dataset_id)?;
                datasets::delete(conn, org, dataset_id)?;
                Ok(Some(reports))
            })
            .map_err(not_found)
        })
        .await?;
    let Some(reports) = gone else {
        return Err(ApiError::Conflict(
            "a report of this dataset is being computed; delete it when the job has finished"
                .into(),
        ));
    };
    crate::cache_sync::changed(state, crate::cache_sync::Scope::Dataset(current.id)).await;
    let _ = std::fs::remove_file(file_of(state, &current));
    // the deleted reports' files (best effort: the rows are gone already)
    for path in reports.iter().flat_map(|r| r.files_in(&state.reports.dir)) {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_removes_only_idle_temporary_files() {
        let root = tempfile::tempdir().unwrap();
        let tmp = temporary_dir(root.path());
        std::fs::create_dir_all(&tmp).unwrap();
        let old = tmp.join("old.upload");
        let fresh = tmp.join("fresh.upload");
        let kept = root.path().join("kept.parquet");
        for f in [&old, &fresh, &kept] {
            std::fs::write(f, b"x").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for f in [&old, &kept] {
            std::fs::File::options()
                .write(true)
                .open(f)
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        let idle = std::time::Duration::from_secs(600);
        assert_eq!(sweep_temporary_files(root.path(), idle), 1);
        assert!(!old.exists() && fresh.exists() && kept.exists());
        assert_eq!(sweep_temporary_files(&root.path().join("missing"), idle), 0);
    }
}
