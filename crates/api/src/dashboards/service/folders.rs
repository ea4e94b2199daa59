//! Dashboard folders of the caller's organisation: nested, never in a circle, deleted only when
//! empty unless what they hold moves to their parent.

use tessera_domain::dashboards::{check_name, Folder, MAX_FOLDERS_PER_ORG, MAX_FOLDER_DEPTH};
use tessera_store::dashboards::folders::{self, FolderRefusal};

use crate::auth::Caller;
use crate::common::not_found;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

fn refused(r: FolderRefusal) -> ApiError {
    match r {
        FolderRefusal::UnknownParent(id) => {
            ApiError::field("parent_id", format!("no folder with id {id} in your organisation"))
        }
        FolderRefusal::Circle => {
            ApiError::field("parent_id", "a folder cannot be inside itself or one of its own folders")
        }
        FolderRefusal::TooDeep => ApiError::field(
            "parent_id",
            format!("folders nest at most {MAX_FOLDER_DEPTH} deep"),
        ),
        FolderRefusal::TooMany { max } => ApiError::Conflict(format!(
            "the organisation has {max} folders, the most allowed; delete one first"
        )),
        FolderRefusal::NotEmpty {
            folders,
            dashboards,
        } => ApiError::Conflict(format!(
            "the folder holds {folders} folders and {dashboards} dashboards; delete with ?cascade=move_to_parent to move them into its parent first"
        )),
    }
}

/// Every folder of the organisation.
pub async fn list(state: &AppState, caller: &Caller) -> ApiResult<Vec<Folder>> {
    let org = caller.org_id;
    state.db(move |conn| Ok(folders::list(conn, org)?)).await
}

/// Creates a folder (editors and admins).
pub async fn create(
    state: &AppState,
    caller: &Caller,
    name: &str,
    parent: Option<i64>,
) -> ApiResult<Folder> {
    caller.require_editor("folders")?;
    let name = check_name("name", name)?;
    let (org, at) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            folders::create(conn, org, &name, parent, at, MAX_FOLDERS_PER_ORG)?.map_err(refused)
        })
        .await
}

/// Renames and moves folder `id` (editors and admins).
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: i64,
    name: &str,
    parent: Option<i64>,
) -> ApiResult<Folder> {
    caller.require_editor("folders")?;
    let name = check_name("name", name)?;
    let (org, at) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            folders::update(conn, org, id, &name, parent, at)
                .map_err(not_found("folder", id))?
                .map_err(refused)
        })
        .await
}

/// Deletes folder `id` (editors and admins); `cascade` = `move_to_parent` moves what it holds.
pub async fn delete(
    state: &AppState,
    caller: &Caller,
    id: i64,
    cascade: Option<&str>,
) -> ApiResult<()> {
    caller.require_editor("folders")?;
    let move_up = match cascade.map(str::trim).filter(|c| !c.is_empty()) {
        None => false,
        Some("move_to_parent") => true,
        Some(_) => return Err(ApiError::field("cascade", "must be move_to_parent")),
    };
    let (org, at) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            folders::delete(conn, org, id, move_up, at)
                .map_err(not_found("folder", id))?
                .map_err(refused)
        })
        .await
}
