//! The retail directory: stores, products and staff as the app reads them (lists, options,
//! look-ups by id and in bulk).

use tessera_domain::retail::{RetailProduct, Staff, Store};
use tessera_store::retail::products::{self, ProductFilter};
use tessera_store::retail::staff::{self, StaffFilter};
use tessera_store::retail::stores::{self, StoreFilter};

use super::orders::given;
use crate::auth::Caller;
use crate::common::not_found;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most stores one list answers.
pub const MAX_STORES: i64 = 1000;
/// Most products one list answers.
pub const MAX_PRODUCTS: i64 = 500;
/// Most ids one bulk look-up takes.
pub const MAX_BULK: usize = 100;

/// The organisation's stores by region and name, optionally filtered (`all` means none).
pub async fn stores(
    state: &AppState,
    caller: &Caller,
    region: Option<&str>,
    store_type: Option<&str>,
    search: Option<&str>,
) -> ApiResult<Vec<Store>> {
    let filter = StoreFilter {
        region: given(region),
        store_type: given(store_type),
        search: given(search),
    };
    let org = caller.org_id;
    state
        .db(move |conn| Ok(stores::list(conn, org, &filter, MAX_STORES)?))
        .await
}

/// Store `number`.
pub async fn store(state: &AppState, caller: &Caller, number: i64) -> ApiResult<Store> {
    let org = caller.org_id;
    state
        .db(move |conn| stores::find(conn, org, number).map_err(not_found("store", number)))
        .await
}

/// Stores per region, by region.
pub async fn regions(state: &AppState, caller: &Caller) -> ApiResult<Vec<(String, i64)>> {
    let org = caller.org_id;
    state.db(move |conn| Ok(stores::regions(conn, org)?)).await
}

/// Products by name (at most `limit`, 1..=500, default 100), optionally filtered.
pub async fn products(
    state: &AppState,
    caller: &Caller,
    filter: (Option<&str>, Option<&str>, Option<&str>),
    limit: Option<i64>,
) -> ApiResult<Vec<RetailProduct>> {
    let limit = limit.unwrap_or(100);
    if !(1..=MAX_PRODUCTS).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("must be between 1 and {MAX_PRODUCTS}"),
        ));
    }
    let filter = ProductFilter {
        category: given(filter.0),
        brand: given(filter.1),
        search: given(filter.2),
    };
    let org = caller.org_id;
    state
        .db(move |conn| Ok(products::list(conn, org, &filter, 0, limit)?))
        .await
}

/// The products among `ids` (comma-separated integers, at most 100), by name.
pub async fn bulk(state: &AppState, caller: &Caller, ids: &str) -> ApiResult<Vec<RetailProduct>> {
    // at most one past the limit is parsed: a long list is refused before it costs anything
    let numbers = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(MAX_BULK + 1)
        .map(|s| {
            s.parse::<i64>()
                .map_err(|_| ApiError::BadRequest(format!("ids: '{s}' is not an integer")))
        })
        .collect::<ApiResult<Vec<i64>>>()?;
    if numbers.len() > MAX_BULK {
        return Err(ApiError::BadRequest(format!(
            "ids: at most {MAX_BULK} at once"
        )));
    }
    let org = caller.org_id;
    state
        .db(move |conn| Ok(products::bulk(conn, org, &numbers)?))
        .await
}

/// Product `number`.
pub async fn product(state: &AppState, caller: &Caller, number: i64) -> ApiResult<RetailProduct> {
    let org = caller.org_id;
    state
        .db(move |conn| products::find(conn, org, number).map_err(not_found("product", number)))
        .await
}

/// The distinct categories (`brands: false`) or brands, sorted.
pub async fn names(state: &AppState, caller: &Caller, brands: bool) -> ApiResult<Vec<String>> {
    let org = caller.org_id;
    state
        .db(move |conn| {
            Ok(if brands {
                products::brands(conn, org)?
            } else {
                products::categories(conn, org)?
            })
        })
        .await
}

/// Staff member `number`.
pub async fn staff_member(state: &AppState, caller: &Caller, number: i64) -> ApiResult<Staff> {
    let org = caller.org_id;
    state
        .db(move |conn| staff::find(conn, org, number).map_err(not_found("staff member", number)))
        .await
}

/// The staff directory by number (at most `limit`, 1..=500, default 100), optionally filtered.
pub async fn staff_list(
    state: &AppState,
    caller: &Caller,
    role: Option<&str>,
    region: Option<&str>,
    store: Option<i64>,
    limit: Option<i64>,
) -> ApiResult<Vec<Staff>> {
    let limit = limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let role = match given(role) {
        Some(r) => Some(
            r.parse::<tessera_domain::retail::StaffRole>()?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let filter = StaffFilter {
        role,
        region: given(region),
        store,
    };
    let org = caller.org_id;
    state
        .db(move |conn| Ok(staff::list(conn, org, &filter, 0, limit)?))
        .await
}
