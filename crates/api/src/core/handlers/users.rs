//! `/api/v1/users/*`: the caller's profile and their organisation's members.

use actix_web::{delete, get, post, put, web, HttpResponse};

use crate::auth::Caller;
use crate::common::PageQuery;
use crate::core::dto::{
    CreateUserRequest, ListUsersQuery, UpdateMeRequest, UpdateUserRequest, UserOut, UserPage,
};
use crate::core::service;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// The caller's own user.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = UserOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<UserOut>> {
    Ok(web::Json(service::users::me(&state, &caller).await?.into()))
}

/// Changes the caller's name and/or password.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, description = "Updated", body = UserOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or wrong current password", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<UpdateMeRequest>,
) -> ApiResult<web::Json<UserOut>> {
    Ok(web::Json(
        service::users::update_me(&state, &caller, body.into_inner().into())
            .await?
            .into(),
    ))
}

/// Members of the caller's organisation, newest first (admins only).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(ListUsersQuery),
    responses(
        (status = 200, description = "A page of users", body = UserPage),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid role or paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ListUsersQuery>,
) -> ApiResult<web::Json<UserPage>> {
    let page = service::users::list(&state, &caller, q.role.as_deref(), q.page, q.limit).await?;
    Ok(web::Json(page.into()))
}

/// Members of the caller's organisation with one role (admins only).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("role" = String, Path, description = "admin, editor, viewer, store_manager or regional_manager"), PageQuery),
    responses(
        (status = 200, description = "A page of users", body = UserPage),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown role or invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/role/{role}")]
pub async fn by_role(
    state: web::Data<AppState>,
    caller: Caller,
    role: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<web::Json<UserPage>> {
    let page = service::users::list(&state, &caller, Some(&role), q.page, q.limit).await?;
    Ok(web::Json(page.into()))
}

/// One member of the caller's organisation (admins; others only themselves).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    responses(
        (status = 200, description = "The user", body = UserOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another member, and the caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in the caller's organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<UserOut>> {
    Ok(web::Json(
        service::users::get(&state, &caller, &id).await?.into(),
    ))
}

/// Adds a member to the caller's organisation (admins only).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Email already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    let user = service::users::create(&state, &caller, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(UserOut::from(user)))
}

/// Changes a member's name, role or active flag (admins; not their own role or flag).
/// A deactivated member's next request is a 401 and they cannot log in.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Updated", body = UserOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in the caller's organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An admin changing their own role or flag", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<UpdateUserRequest>,
) -> ApiResult<web::Json<UserOut>> {
    Ok(web::Json(
        service::users::update(&state, &caller, &id, body.into_inner().into())
            .await?
            .into(),
    ))
}

/// Removes a member (admins; not themselves). Their tokens stop working at once.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in the caller's organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An admin removing themselves", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    service::users::delete(&state, &caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
