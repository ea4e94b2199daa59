//! The directory's write paths: `POST` and `PATCH {id}` of `/stores`, `/products` (editors and
//! admins) and `/staff` (admins). A `PATCH` changes the fields it sends and keeps the others.

use actix_web::{patch, post, web, HttpResponse};

use crate::auth::Caller;
use crate::common::path_id;
use crate::error::{ApiResult, Problem};
use crate::retail::dto::{ProductIn, ProductOut, StaffIn, StaffOut, StoreIn, StoreOut};
use crate::retail::service::directory;
use crate::state::AppState;

/// Opens a store, with an empty inventory row (0 cases) of every product.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    request_body = StoreIn,
    responses(
        (status = 201, description = "Opened", body = StoreOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot open stores", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken, or the organisation has 1,000 stores", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or invalid field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create_store(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<StoreIn>,
) -> ApiResult<HttpResponse> {
    let s = directory::create_store(&state, &caller, |c| body.draft(c)).await?;
    Ok(HttpResponse::Created().json(StoreOut::from(s)))
}

/// Changes a store's fields.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Store id")),
    request_body = StoreIn,
    responses(
        (status = 200, description = "The store", body = StoreOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot change stores", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such store", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{id}")]
pub async fn update_store(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<StoreIn>,
) -> ApiResult<web::Json<StoreOut>> {
    let number = path_id("store", &id)?;
    let s = directory::update_store(&state, &caller, number, |c| body.draft(c)).await?;
    Ok(web::Json(s.into()))
}

/// Adds a product, with an empty inventory row (0 cases) at every store.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    request_body = ProductIn,
    responses(
        (status = 201, description = "Added", body = ProductOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot add products", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has 10,000 products", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or invalid field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create_product(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ProductIn>,
) -> ApiResult<HttpResponse> {
    let p = directory::create_product(&state, &caller, |c| body.draft(c)).await?;
    Ok(HttpResponse::Created().json(ProductOut::from(p)))
}

/// Changes a product's fields.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")),
    request_body = ProductIn,
    responses(
        (status = 200, description = "The product", body = ProductOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot change products", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{id}")]
pub async fn update_product(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<ProductIn>,
) -> ApiResult<web::Json<ProductOut>> {
    let number = path_id("product", &id)?;
    let p = directory::update_product(&state, &caller, number, |c| body.draft(c)).await?;
    Ok(web::Json(p.into()))
}

/// Adds a staff member, optionally acting as a member's account (`account_id`).
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    request_body = StaffIn,
    responses(
        (status = 201, description = "Added", body = StaffOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins keep the staff directory", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The username is taken, the store does not exist, or the account already acts as someone", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or invalid field, or an account outside the organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create_staff(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<StaffIn>,
) -> ApiResult<HttpResponse> {
    let account = body.account()?.flatten();
    let s = directory::create_staff(&state, &caller, |c| body.draft(c), account).await?;
    Ok(HttpResponse::Created().json(StaffOut::from(s)))
}

/// Changes a staff member's fields and, with `account_id`, the account acting as them (`null`
/// unlinks).
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Staff id")),
    request_body = StaffIn,
    responses(
        (status = 200, description = "The staff member", body = StaffOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins keep the staff directory", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The username is taken, the store does not exist, or the account already acts as someone", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{id}")]
pub async fn update_staff(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<StaffIn>,
) -> ApiResult<web::Json<StaffOut>> {
    let number = path_id("staff member", &id)?;
    let account = body.account()?;
    let s = directory::update_staff(&state, &caller, number, |c| body.draft(c), account).await?;
    Ok(web::Json(s.into()))
}
