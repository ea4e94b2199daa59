//! The catalogue: product categories and the filtered product list.

use tessera_domain::commerce::Product;
use tessera_store::commerce::catalog::{self, ProductFilter};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The organisation's product categories, sorted.
pub async fn categories(state: &AppState, caller: &Caller) -> ApiResult<Vec<String>> {
    let org = caller.org_id;
    state
        .db(move |conn| Ok(catalog::categories(conn, org)?))
        .await
}

/// The organisation's products by id, optionally of one category and one supplier; `skip` ≥ 0,
/// `limit` 1..=1000 (default 100). An unknown category or supplier is a 404.
pub async fn products(
    state: &AppState,
    caller: &Caller,
    category: Option<String>,
    supplier_id: Option<i64>,
    skip: Option<i64>,
    limit: Option<i64>,
) -> ApiResult<Vec<Product>> {
    let skip = skip.unwrap_or(0);
    let limit = limit.unwrap_or(100);
    if skip < 0 {
        return Err(ApiError::field("skip", "must be at least 0"));
    }
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 1000"));
    }
    let category = category.filter(|c| !c.is_empty());
    let org = caller.org_id;
    state
        .db(move |conn| {
            if let Some(c) = &category {
                if !catalog::categories(conn, org)?.contains(c) {
                    return Err(ApiError::NotFound(format!("no product category '{c}'")));
                }
            }
            if let Some(s) = supplier_id {
                if !catalog::supplier_exists(conn, org, s)? {
                    return Err(ApiError::NotFound(format!("no supplier with id {s}")));
                }
            }
            let filter = ProductFilter {
                category: category.as_deref(),
                supplier_id,
                max_stock: None,
            };
            Ok(catalog::products(conn, org, &filter, skip, limit)?)
        })
        .await
}
