//! `/inventory/*`: the paged list, stock set by hand, and the Insights tab's KPI cards,
//! low-stock alerts, trends, categories and the warehouse's stock.

use actix_web::{get, patch, web};

use crate::auth::Caller;
use crate::common::path_id;
use crate::error::{ApiResult, Problem};
use crate::retail::dto::{
    CategoryOut, InventoryListQuery, InventoryOut, InventoryPageOut, InventoryQuery, KpiOut,
    StockIn, TrendOut, TrendQuery, WarehouseOut, WarehouseQuery,
};
use crate::retail::service::inventory;
use crate::state::AppState;

/// Inventory rows by store and product name, one page, filtered by region, category, store or
/// low stock.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(InventoryListQuery),
    responses(
        (status = 200, description = "One page", body = InventoryPageOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "page below 1 or limit outside 1..500", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn inventory_page(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<InventoryListQuery>,
) -> ApiResult<web::Json<InventoryPageOut>> {
    let mut filter = inventory::filter(q.region.as_deref(), q.category.as_deref());
    filter.store = q.store_id;
    let (rows, total, page, limit) = inventory::list(
        &state,
        &caller,
        filter,
        q.low_stock.unwrap_or(false),
        q.page,
        q.limit,
    )
    .await?;
    Ok(web::Json(InventoryPageOut::of(rows, total, page, limit)))
}

/// The KPI cards: inventory value, products stocked, a real annual turnover (value shipped over
/// the window against the average value held; the original answered the constant 7.5) and
/// rows low on stock.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(InventoryQuery),
    responses(
        (status = 200, description = "The cards", body = KpiOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/kpi")]
pub async fn kpi(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<InventoryQuery>,
) -> ApiResult<web::Json<KpiOut>> {
    let filter = inventory::filter(q.region.as_deref(), q.category.as_deref());
    Ok(web::Json(
        inventory::kpi(&state, &caller, filter).await?.into(),
    ))
}

/// Rows with at most `retail.low_stock_threshold` cases available, most urgent first (a bare
/// array; the app shows its length).
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(InventoryQuery),
    responses(
        (status = 200, description = "Low rows", body = [InventoryOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit outside 1..100", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/alerts/low-stock")]
pub async fn low_stock(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<InventoryQuery>,
) -> ApiResult<web::Json<Vec<InventoryOut>>> {
    let filter = inventory::filter(q.region.as_deref(), q.category.as_deref());
    let rows = inventory::low_stock(&state, &caller, filter, q.limit).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

/// One point a day of the window: the stock held at the end of the day, from the inventory
/// history (never empty; the original grouped rows by their last update and could answer
/// nothing, which sends the app into a request loop).
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(TrendQuery),
    responses(
        (status = 200, description = "Oldest first", body = [TrendOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "days outside 1..365", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/trends")]
pub async fn trends(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<TrendQuery>,
) -> ApiResult<web::Json<Vec<TrendOut>>> {
    let filter = inventory::filter(q.region.as_deref(), q.category.as_deref());
    let points = inventory::trends(&state, &caller, filter, q.days).await?;
    Ok(web::Json(points.into_iter().map(Into::into).collect()))
}

/// Inventory value per product category with its share, highest first.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(InventoryQuery),
    responses(
        (status = 200, description = "Categories", body = [CategoryOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/categories")]
pub async fn category_values(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<InventoryQuery>,
) -> ApiResult<web::Json<Vec<CategoryOut>>> {
    let rows = inventory::categories(&state, &caller, q.region.as_deref()).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|(category, value, percentage)| CategoryOut {
                category,
                value,
                percentage,
            })
            .collect(),
    ))
}

/// Every product by name with the stock its warehouses hold (the original summed every store's
/// despite the name; orders ship from the warehouse, so this is what they can be approved for).
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(WarehouseQuery),
    responses(
        (status = 200, description = "Products", body = [WarehouseOut]),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit outside 1..500", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/warehouse")]
pub async fn warehouse(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<WarehouseQuery>,
) -> ApiResult<web::Json<Vec<WarehouseOut>>> {
    let rows = inventory::warehouse(
        &state,
        &caller,
        q.category.as_deref(),
        q.search.as_deref(),
        q.limit,
    )
    .await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

/// One inventory row.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Inventory row id")),
    responses(
        (status = 200, description = "The row", body = InventoryOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such row", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn inventory_row(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<InventoryOut>> {
    let v = inventory::get(&state, &caller, path_id("inventory row", &id)?).await?;
    Ok(web::Json(v.into()))
}

/// Sets a row's cases on hand (editors and admins), recorded in the history; never below what
/// approved orders reserve there.
#[utoipa::path(
    tag = "retail",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Inventory row id")),
    request_body = StockIn,
    responses(
        (status = 200, description = "Set", body = InventoryOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot change stock", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such row", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Below the cases reserved there", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "quantity_cases outside 0..100,000,000", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{id}/stock")]
pub async fn set_stock(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<StockIn>,
) -> ApiResult<web::Json<InventoryOut>> {
    let number = path_id("inventory row", &id)?;
    let v = inventory::set_stock(&state, &caller, number, body.quantity_cases).await?;
    Ok(web::Json(v.into()))
}
