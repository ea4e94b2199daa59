//! SQL lab: run one read-only statement with paging, or only validate it.

use tessera_domain::SourceKind;
use tessera_sources::execute::Rows;
use tessera_sources::validate::read_only_query;

use crate::auth::Caller;
use crate::data::service::sources;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What a statement check found.
#[derive(Debug, Clone)]
pub struct SqlVerdict {
    /// Always true (invalid statements answer a 422 problem with `line` and `column`).
    pub valid: bool,
    /// The dialect it was parsed in.
    pub dialect: String,
    /// Tables and views it reads.
    pub tables: Vec<String>,
}

/// A SQL lab statement to check without running it.
#[derive(Debug, Clone)]
pub struct SqlCheck {
    /// The source whose dialect applies.
    pub source_id: Option<String>,
    /// The dialect when no source is given: postgres, mysql or sqlite.
    pub kind: Option<String>,
    /// The statement.
    pub sql: String,
}

/// A SQL lab statement to run, with its page.
#[derive(Debug, Clone)]
pub struct SqlRun {
    /// The source to query.
    pub source_id: String,
    /// One read-only statement in the source's dialect.
    pub sql: String,
    /// Rows per page (default 1000, at most `sources.max_rows`).
    pub limit: Option<i64>,
    /// Page number from 1 (default 1).
    pub page: Option<i64>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// A page of rows and where it sits.
pub struct QueryPage {
    /// The rows (at most `limit`).
    pub rows: Rows,
    /// Page number.
    pub page: u32,
    /// Page size.
    pub limit: u32,
    /// Whether another page follows.
    pub has_more: bool,
}

/// Validates and runs the statement read-only, one page at a time.
pub async fn run(state: &AppState, caller: &Caller, req: &SqlRun) -> ApiResult<QueryPage> {
    let max = state.sources.max_rows;
    let limit = req.limit.unwrap_or(1000);
    if !(1..=i64::from(max)).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("must be between 1 and {max}"),
        ));
    }
    let page = req.page.unwrap_or(1);
    if !(1..=1_000_000).contains(&page) {
        return Err(ApiError::field("page", "must be between 1 and 1000000"));
    }
    let (limit, page) = (limit as u32, page as u32);
    let source = sources::open(state, caller, sources::source_id(&req.source_id)?).await?;
    let query = read_only_query(source.source.kind, &req.sql)?;
    let query = with_datamarts(state, caller, &source, query).await?;
    let sql = query.paged(u64::from(limit) + 1, u64::from(page - 1) * u64::from(limit));
    let limits = state.sources.run_limits;
    let mut rows = sources::on_source(state, caller, &source, move |pool, name| {
        tessera_sources::execute::run_read_only(pool, name, &sql, &[], limits)
    })
    .await?;
    if state.sources.sql_debug {
        tracing::info!(source = %source.source.name, sql = %req.sql, ms = rows.elapsed.as_secs_f64() * 1000.0, "sql lab");
    }
    let has_more = rows.rows.len() > limit as usize || rows.truncated.is_some();
    rows.rows.truncate(limit as usize);
    Ok(QueryPage {
        rows,
        page,
        limit,
        has_more,
    })
}

/// Defines the datamarts of this source that the statement names (and that are not real tables)
/// as common table expressions, so a datamart is usable wherever a table name is.
async fn with_datamarts(
    state: &AppState,
    caller: &Caller,
    source: &sources::OpenSource,
    query: tessera_sources::validate::ReadQuery,
) -> ApiResult<tessera_sources::validate::ReadQuery> {
    let wanted: Vec<String> = query
        .tables
        .iter()
        .filter(|t| !t.contains('.'))
        .map(|t| t.trim_matches(|c| c == '"' || c == '`').to_owned())
        .collect();
    if wanted.is_empty() {
        return Ok(query);
    }
    let (org, source_id) = (caller.org_id, source.source.id);
    let found = state
        .db(move |conn| {
            let mut out = Vec::new();
            for name in &wanted {
                if let Some(dm) = tessera_store::datamarts::find_by_name(conn, org, name)? {
                    if dm.source_id == source_id {
                        out.push((dm.name, dm.sql));
                    }
                }
            }
            Ok(out)
        })
        .await?;
    if found.is_empty() {
        return Ok(query);
    }
    let (_, schema) = sources::schema(state, caller, source_id).await?;
    let ctes: Vec<(String, String)> = found
        .into_iter()
        .filter(|(name, _)| schema.table(name).is_none())
        .collect();
    Ok(query.with_ctes(source.source.kind, &ctes)?)
}

/// The CSV of a page, in chunks of 1000 rows for a streamed answer.
pub fn to_csv_chunks(p: &QueryPage) -> ApiResult<Vec<Vec<u8>>> {
    let err = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    let mut header = csv::Writer::from_writer(Vec::new());
    header.write_record(&p.rows.columns).map_err(err)?;
    let mut chunks = vec![header
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))?];
    for rows in p.rows.rows.chunks(1000) {
        let mut w = csv::Writer::from_writer(Vec::with_capacity(64 * 1024));
        for row in rows {
            w.write_record(row.iter().map(tessera_sources::Value::to_text))
                .map_err(err)?;
        }
        chunks.push(
            w.into_inner()
                .map_err(|e| ApiError::Internal(format!("csv: {e}")))?,
        );
    }
    Ok(chunks)
}

/// Parses the statement in the source's (or the given) dialect; only one read statement passes.
pub async fn validate(state: &AppState, caller: &Caller, req: &SqlCheck) -> ApiResult<SqlVerdict> {
    let kind: SourceKind = match (&req.source_id, &req.kind) {
        (Some(id), _) => sources::get(state, caller, id).await?.kind,
        (None, Some(kind)) => kind.parse()?,
        (None, None) => return Err(ApiError::field("source_id", "give source_id or kind")),
    };
    let q = read_only_query(kind, &req.sql)?;
    Ok(SqlVerdict {
        valid: true,
        dialect: kind.as_str().to_owned(),
        tables: q.tables,
    })
}
