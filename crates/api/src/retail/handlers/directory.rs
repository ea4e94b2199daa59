//! `/stores/*`, `/products/*` and `/staff/*`: the directory the app reads on every load and in
//! the Place Order dialog. Literal segments are registered before ids.

use actix_web::{get, web};

use crate::auth::Caller;
use crate::common::path_id;
use crate::error::{ApiResult, Problem};
use crate::retail::dto::{
    region_options, BulkQuery, OptionOut, ProductOut, ProductQuery, RegionOptionOut,
    RegionSummaryOut, StaffOut, StaffQuery, StoreOptionOut, StoreOut, StoreQuery,
};
use crate::retail::service::directory;
use crate::state::AppState;

/// Every store (a bare array, by region and name), optionally filtered.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(StoreQuery),
    responses(
        (status = 200, description = "Stores", body = [StoreOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn stores(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<StoreQuery>,
) -> ApiResult<web::Json<Vec<StoreOut>>> {
    let s = directory::stores(
        &state,
        &caller,
        q.region.as_deref(),
        q.store_type.as_deref(),
        q.search.as_deref(),
    )
    .await?;
    Ok(web::Json(s.into_iter().map(Into::into).collect()))
}

/// The Region dropdown: `{"value": "all", "label": "All Regions (N stores)"}` first, then one
/// option per region by name with its store count.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Options", body = [RegionOptionOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/regions/options")]
pub async fn region_options_list(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<Vec<RegionOptionOut>>> {
    Ok(web::Json(region_options(
        directory::regions(&state, &caller).await?,
    )))
}

/// Stores per region.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Regions by name", body = [RegionSummaryOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/regions/summary")]
pub async fn regions_summary(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<Vec<RegionSummaryOut>>> {
    let r = directory::regions(&state, &caller).await?;
    Ok(web::Json(
        r.into_iter()
            .map(|(region, store_count)| RegionSummaryOut {
                region,
                store_count,
            })
            .collect(),
    ))
}

/// Every store as the Place Order dialog lists it (camelCase: `storeId`, `storeName`,
/// `region`, `storeCode`), the warehouse included.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(StoreQuery),
    responses(
        (status = 200, description = "Options", body = [StoreOptionOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/options")]
pub async fn store_options(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<StoreQuery>,
) -> ApiResult<web::Json<Vec<StoreOptionOut>>> {
    let s = directory::stores(&state, &caller, q.region.as_deref(), None, None).await?;
    Ok(web::Json(s.into_iter().map(Into::into).collect()))
}

/// One store.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Store id")),
    responses(
        (status = 200, description = "The store", body = StoreOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such store", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn store(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<StoreOut>> {
    Ok(web::Json(
        directory::store(&state, &caller, path_id("store", &id)?)
            .await?
            .into(),
    ))
}

/// Products by name (a bare array), optionally filtered.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(ProductQuery),
    responses(
        (status = 200, description = "Products", body = [ProductOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit outside 1..500", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn products(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ProductQuery>,
) -> ApiResult<web::Json<Vec<ProductOut>>> {
    let filter = (
        q.category.as_deref(),
        q.brand.as_deref(),
        q.search.as_deref(),
    );
    let p = directory::products(&state, &caller, filter, q.limit).await?;
    Ok(web::Json(p.into_iter().map(Into::into).collect()))
}

/// The products among `ids` (at most 100), by name; unknown ids are left out.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(BulkQuery),
    responses(
        (status = 200, description = "Products", body = [ProductOut]),
        (status = 400, description = "A non-integer id, or more than 100", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/bulk")]
pub async fn bulk(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<BulkQuery>,
) -> ApiResult<web::Json<Vec<ProductOut>>> {
    let p = directory::bulk(&state, &caller, &q.ids).await?;
    Ok(web::Json(p.into_iter().map(Into::into).collect()))
}

/// The Category dropdown: the distinct categories, sorted, as `{value, label}`.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Options", body = [OptionOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/categories/list")]
pub async fn categories(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<Vec<OptionOut>>> {
    let c = directory::names(&state, &caller, false).await?;
    Ok(web::Json(c.into_iter().map(Into::into).collect()))
}

/// The distinct brands, sorted, as `{value, label}`.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Options", body = [OptionOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/brands/list")]
pub async fn brands(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<Vec<OptionOut>>> {
    let b = directory::names(&state, &caller, true).await?;
    Ok(web::Json(b.into_iter().map(Into::into).collect()))
}

/// One product.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, description = "The product", body = ProductOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn product(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<ProductOut>> {
    Ok(web::Json(
        directory::product(&state, &caller, path_id("product", &id)?)
            .await?
            .into(),
    ))
}

/// The staff directory by id (the contract's `/users`), optionally filtered.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(StaffQuery),
    responses(
        (status = 200, description = "Staff", body = [StaffOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit outside 1..500, or an unknown role", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn staff_list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<StaffQuery>,
) -> ApiResult<web::Json<Vec<StaffOut>>> {
    let s = directory::staff_list(
        &state,
        &caller,
        q.role.as_deref(),
        q.region.as_deref(),
        q.store_id,
        q.limit,
    )
    .await?;
    Ok(web::Json(s.into_iter().map(Into::into).collect()))
}

/// One staff member (the contract's `/users/{id}`: 1 is the app's current user, 26 its
/// default approver).
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Staff member id")),
    responses(
        (status = 200, description = "The staff member", body = StaffOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff member", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn staff_member(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<StaffOut>> {
    Ok(web::Json(
        directory::staff_member(&state, &caller, path_id("staff member", &id)?)
            .await?
            .into(),
    ))
}
