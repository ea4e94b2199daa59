//! `/inventory/*`: categories and products.

use actix_web::{get, web};

use crate::auth::Caller;
use crate::commerce::dto::{ProductOut, ProductQuery};
use crate::commerce::service::inventory;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// The organisation's product categories, sorted.
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Category names", body = [String]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/categories")]
pub async fn categories(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<Vec<String>>> {
    Ok(web::Json(inventory::categories(&state, &caller).await?))
}

/// The organisation's products by id, optionally of one category and one supplier.
#[utoipa::path(
    tag = "commerce",
    security(("bearer" = [])),
    params(ProductQuery),
    responses(
        (status = 200, description = "Products", body = [ProductOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown category or supplier", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "skip below 0 or limit outside 1..1000", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/products")]
pub async fn products(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ProductQuery>,
) -> ApiResult<web::Json<Vec<ProductOut>>> {
    let q = q.into_inner();
    let rows =
        inventory::products(&state, &caller, q.category, q.supplier_id, q.skip, q.limit).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}
