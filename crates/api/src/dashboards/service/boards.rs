//! Dashboards of the caller's organisation: list, read, create, replace (naming the version
//! read), move, delete, and answering all their charts at once.

use tessera_charts::CacheUse;
use tessera_domain::dashboards::{
    check_dashboard_text, Dashboard, DashboardDraft, MAX_DASHBOARDS_PER_ORG,
};
use tessera_domain::{Page, PageRequest};
use tessera_store::dashboards::assets;
use tessera_store::dashboards::boards::{self, BoardFilter, BoardRefusal, FolderFilter};

use crate::auth::Caller;
use crate::common::not_found;
use crate::dashboards::service::builtins;
use crate::dashboards::service::charts::{self, ChartOutcome, ChartSpec};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

fn refused(r: BoardRefusal) -> ApiError {
    match r {
        BoardRefusal::UnknownFolder(id) => {
            ApiError::field("folder_id", format!("no folder with id {id} in your organisation"))
        }
        BoardRefusal::Stale { current } => ApiError::Conflict(format!(
            "the dashboard changed since you read it: its version is now {current}; read it again and reapply your change"
        )),
        BoardRefusal::TooMany { max } => ApiError::Conflict(format!(
            "the organisation has {max} dashboards, the most allowed; delete one first"
        )),
    }
}

/// A dashboard as a create or replace sends it.
#[derive(Debug, Clone)]
pub struct DashboardInput {
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Folder.
    pub folder_id: Option<i64>,
    /// Theme.
    pub theme: Option<String>,
    /// Layout.
    pub layout: Option<serde_json::Value>,
    /// Charts.
    pub charts: Vec<ChartSpec>,
    /// The version read (updates).
    pub version: Option<i64>,
}

/// Checks what a create or replace sends; answers the draft.
async fn draft(
    state: &AppState,
    caller: &Caller,
    body: DashboardInput,
) -> ApiResult<DashboardDraft> {
    let (title, description) =
        check_dashboard_text(&body.title, body.description.as_deref().unwrap_or_default())?;
    let charts = charts::check(state, body.charts)?;
    let layout = body
        .layout
        .unwrap_or_else(|| serde_json::json!({"columns": 24, "row_height": 40}));
    if !layout.is_object() || layout.to_string().len() > charts::MAX_OPTIONS_BYTES {
        return Err(ApiError::field(
            "layout",
            format!(
                "must be an object of at most {} bytes",
                charts::MAX_OPTIONS_BYTES
            ),
        ));
    }
    let theme = body
        .theme
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if let Some(t) = &theme {
        check_theme(state, caller, t).await?;
    }
    Ok(DashboardDraft {
        folder_id: body.folder_id,
        title,
        description,
        theme,
        layout_json: layout.to_string(),
        charts_json: serde_json::to_string(&charts)
            .map_err(|e| ApiError::Internal(format!("charts: {e}")))?,
    })
}

/// A theme is a built-in one's name or the id of one of the organisation's custom themes.
async fn check_theme(state: &AppState, caller: &Caller, theme: &str) -> ApiResult<()> {
    let kind = tessera_domain::dashboards::AssetKind::Theme;
    if builtins::find(kind, theme).is_some() {
        return Ok(());
    }
    let unknown = || {
        ApiError::field(
            "theme",
            format!(
                "'{theme}' is neither a built-in theme ({}) nor one of your custom themes' ids",
                builtins::of(kind)
                    .iter()
                    .map(|b| b.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    };
    let id: i64 = theme.parse().map_err(|_| unknown())?;
    let org = caller.org_id;
    let found = state
        .db(move |conn| match assets::find(conn, org, kind, id) {
            Ok(_) => Ok(true),
            Err(tessera_store::StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        })
        .await?;
    if found {
        Ok(())
    } else {
        Err(unknown())
    }
}

/// The list's folder filter as sent: an id, `none` (at the top) or nothing.
fn folder_filter(raw: Option<&str>) -> ApiResult<FolderFilter> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(FolderFilter::Any),
        Some("none" | "null") => Ok(FolderFilter::Top),
        Some(id) => id
            .parse()
            .map(FolderFilter::In)
            .map_err(|_| ApiError::field("folder_id", "must be a folder id or none")),
    }
}

/// One page of the organisation's dashboards.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    search: Option<String>,
    folder: Option<&str>,
    page: (Option<i64>, Option<i64>),
) -> ApiResult<Page<Dashboard>> {
    let page = PageRequest::new(page.0, page.1)?;
    if search.as_deref().is_some_and(|s| s.chars().count() > 200) {
        return Err(ApiError::field("search", "must be at most 200 characters"));
    }
    let filter = BoardFilter {
        search,
        folder: folder_filter(folder)?,
    };
    let org = caller.org_id;
    state
        .db(move |conn| Ok(boards::page(conn, org, &filter, page)?))
        .await
}

/// Dashboard `id`.
pub async fn get(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Dashboard> {
    let org = caller.org_id;
    state
        .db(move |conn| boards::find(conn, org, id).map_err(not_found("dashboard", id)))
        .await
}

/// Creates a dashboard (editors and admins).
pub async fn create(
    state: &AppState,
    caller: &Caller,
    body: DashboardInput,
) -> ApiResult<Dashboard> {
    caller.require_editor("dashboards")?;
    let draft = draft(state, caller, body).await?;
    let (org, by, at) = (caller.org_id, caller.user_id, state.now());
    state
        .db(move |conn| {
            boards::create(conn, org, &draft, Some(by), at, MAX_DASHBOARDS_PER_ORG)?
                .map_err(refused)
        })
        .await
}

/// Replaces dashboard `id` if `body.version` is current (editors and admins).
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: i64,
    body: DashboardInput,
) -> ApiResult<Dashboard> {
    caller.require_editor("dashboards")?;
    let version = body.version.ok_or_else(|| {
        ApiError::field(
            "version",
            "name the version you read (a stale one is refused)",
        )
    })?;
    get(state, caller, id).await?;
    let draft = draft(state, caller, body).await?;
    let (org, at) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            boards::update(conn, org, id, version, &draft, at)
                .map_err(not_found("dashboard", id))?
                .map_err(refused)
        })
        .await
}

/// Moves dashboard `id` into `folder` (editors and admins).
pub async fn move_to(
    state: &AppState,
    caller: &Caller,
    id: i64,
    folder: Option<i64>,
) -> ApiResult<Dashboard> {
    caller.require_editor("dashboards")?;
    let (org, at) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            boards::move_to(conn, org, id, folder, at)
                .map_err(not_found("dashboard", id))?
                .map_err(refused)
        })
        .await
}

/// Deletes dashboard `id` (editors and admins).
pub async fn delete(state: &AppState, caller: &Caller, id: i64) -> ApiResult<()> {
    caller.require_editor("dashboards")?;
    let org = caller.org_id;
    if state
        .db(move |conn| Ok(boards::delete(conn, org, id)?))
        .await?
    {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("no dashboard with id {id}")))
    }
}

/// Answers every chart of dashboard `id`.
pub async fn data(
    state: &AppState,
    caller: &Caller,
    id: i64,
    cache: CacheUse,
) -> ApiResult<Vec<ChartOutcome>> {
    let board = get(state, caller, id).await?;
    let charts: Vec<ChartSpec> = serde_json::from_str(&board.charts_json)
        .map_err(|e| ApiError::Internal(format!("dashboard {id}: charts: {e}")))?;
    Ok(charts::run_all(state, &caller.viewer(), charts, cache).await)
}
