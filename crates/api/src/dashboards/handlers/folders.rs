//! `/folders`: the organisation's dashboard folders.

use actix_web::{delete, get, post, put, web, HttpResponse};

use crate::auth::Caller;
use crate::common::path_id;
use crate::dashboards::dto::{FolderDeleteQuery, FolderIn, FolderOut, FoldersOut};
use crate::dashboards::service::folders;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// Every folder of the organisation, by name (`parent_id` gives the tree).
#[utoipa::path(
    tag = "dashboards",
    operation_id = "list_folders",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The folders", body = FoldersOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<FoldersOut>> {
    let items: Vec<FolderOut> = folders::list(&state, &caller)
        .await?
        .into_iter()
        .map(FolderOut::from)
        .collect();
    Ok(web::Json(FoldersOut {
        total: items.len(),
        items,
    }))
}

/// Creates a folder, inside `parent_id` if given (editors and admins).
#[utoipa::path(
    tag = "dashboards",
    operation_id = "create_folder",
    security(("bearer" = [])),
    request_body = FolderIn,
    responses(
        (status = 201, description = "The folder", body = FolderOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot create folders", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation keeps as many folders as it may (1,000)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad name, an unknown parent, or nesting too deep", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<FolderIn>,
) -> ApiResult<HttpResponse> {
    let f = folders::create(&state, &caller, &body.name, body.parent_id).await?;
    Ok(HttpResponse::Created().json(FolderOut::from(f)))
}

/// Renames a folder and moves it into `parent_id` (never into itself or one of its own
/// folders; editors and admins).
#[utoipa::path(
    tag = "dashboards",
    operation_id = "update_folder",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Folder id")),
    request_body = FolderIn,
    responses(
        (status = 200, description = "The folder", body = FolderOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot change folders", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such folder", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad name, an unknown parent, a circle, or nesting too deep", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<FolderIn>,
) -> ApiResult<web::Json<FolderOut>> {
    let id = path_id("folder", &id)?;
    Ok(web::Json(
        folders::update(&state, &caller, id, &body.name, body.parent_id)
            .await?
            .into(),
    ))
}

/// Deletes a folder (editors and admins); one that holds folders or dashboards is a 409 unless
/// `?cascade=move_to_parent`, which moves them into its parent (or to the top) first.
#[utoipa::path(
    tag = "dashboards",
    operation_id = "delete_folder",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Folder id"), FolderDeleteQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot delete folders", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such folder", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The folder is not empty", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown cascade", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: web::Query<FolderDeleteQuery>,
) -> ApiResult<HttpResponse> {
    let id = path_id("folder", &id)?;
    folders::delete(&state, &caller, id, q.cascade.as_deref()).await?;
    Ok(HttpResponse::NoContent().finish())
}
