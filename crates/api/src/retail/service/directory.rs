//! The retail directory: stores, products and staff as the app reads them (lists, options,
//! look-ups by id and in bulk), and how editors open stores and add products and admins keep
//! the staff directory.

use tessera_domain::retail::{ProductDraft, RetailProduct, Staff, StaffDraft, Store, StoreDraft};
use tessera_domain::{DomainError, OrgId, UserId};
use tessera_store::core::users;
use tessera_store::retail::products::{self, ProductFilter};
use tessera_store::retail::staff::{self, NewStaff, StaffFilter};
use tessera_store::retail::stores::{self, StoreFilter};
use tessera_store::{DbConn, StoreError};

use super::orders::given;
use super::stock_alert;
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

/// Opens a store with an empty inventory row of every product (editors and admins); `draft`
/// makes its fields.
pub async fn create_store(
    state: &AppState,
    caller: &Caller,
    draft: impl FnOnce(Option<&Store>) -> Result<StoreDraft, DomainError>,
) -> ApiResult<Store> {
    caller.require_editor("stores")?;
    let draft = draft(None)?;
    let (org, at) = (caller.org_id, state.now());
    let store = state
        .db(move |conn| Ok(stores::create(conn, org, &draft, at)?))
        .await?;
    // its empty rows are low stock
    stock_alert::mark(state, org);
    Ok(store)
}

/// Changes store `number` (editors and admins); `draft` makes its fields from the current ones.
pub async fn update_store(
    state: &AppState,
    caller: &Caller,
    number: i64,
    draft: impl FnOnce(Option<&Store>) -> Result<StoreDraft, DomainError>,
) -> ApiResult<Store> {
    caller.require_editor("stores")?;
    let draft = draft(Some(&store(state, caller, number).await?))?;
    let org = caller.org_id;
    state
        .db(move |conn| {
            stores::update(conn, org, number, &draft).map_err(not_found("store", number))
        })
        .await
}

/// Adds a product with an empty inventory row at every store (editors and admins).
pub async fn create_product(
    state: &AppState,
    caller: &Caller,
    draft: impl FnOnce(Option<&RetailProduct>) -> Result<ProductDraft, DomainError>,
) -> ApiResult<RetailProduct> {
    caller.require_editor("products")?;
    let draft = draft(None)?;
    let (org, at) = (caller.org_id, state.now());
    let product = state
        .db(move |conn| Ok(products::create(conn, org, &draft, at)?))
        .await?;
    stock_alert::mark(state, org);
    Ok(product)
}

/// Changes product `number` (editors and admins).
pub async fn update_product(
    state: &AppState,
    caller: &Caller,
    number: i64,
    draft: impl FnOnce(Option<&RetailProduct>) -> Result<ProductDraft, DomainError>,
) -> ApiResult<RetailProduct> {
    caller.require_editor("products")?;
    let draft = draft(Some(&product(state, caller, number).await?))?;
    let org = caller.org_id;
    state
        .db(move |conn| {
            products::update(conn, org, number, &draft).map_err(not_found("product", number))
        })
        .await
}

/// Refuses an account that is not a member of the organisation.
fn member(conn: &mut DbConn, org: OrgId, account: UserId) -> ApiResult<()> {
    match users::find(conn, org, account) {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound) => Err(ApiError::field(
            "account_id",
            "must be a member of your organisation",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Refuses linking `account` when it already acts as another staff member than `number`.
fn account_free(
    conn: &mut DbConn,
    org: OrgId,
    account: UserId,
    number: Option<i64>,
) -> ApiResult<()> {
    match staff::of_user(conn, org, account)? {
        Some(s) if Some(s.number) != number => Err(ApiError::Conflict(format!(
            "user {account} already acts as staff member {}",
            s.number
        ))),
        _ => Ok(()),
    }
}

/// Adds a staff member, optionally acting as the member `account` (admins only: a regional
/// manager's account approves orders).
pub async fn create_staff(
    state: &AppState,
    caller: &Caller,
    draft: impl FnOnce(Option<&Staff>) -> Result<StaffDraft, DomainError>,
    account: Option<UserId>,
) -> ApiResult<Staff> {
    caller.require_admin("the staff directory")?;
    let draft = draft(None)?;
    let (org, at) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            if let Some(u) = account {
                member(conn, org, u)?;
                account_free(conn, org, u, None)?;
            }
            let new = NewStaff {
                draft,
                user_id: account,
            };
            let mut added = staff::insert_many(conn, org, &[new], at)?;
            added
                .pop()
                .ok_or(ApiError::Internal("the staff member was not added".into()))
        })
        .await
}

/// Changes staff member `number` and, when `account` is given, the account acting as them
/// (`Some(None)` unlinks); admins only.
pub async fn update_staff(
    state: &AppState,
    caller: &Caller,
    number: i64,
    draft: impl FnOnce(Option<&Staff>) -> Result<StaffDraft, DomainError>,
    account: Option<Option<UserId>>,
) -> ApiResult<Staff> {
    caller.require_admin("the staff directory")?;
    let draft = draft(Some(&staff_member(state, caller, number).await?))?;
    let org = caller.org_id;
    state
        .db(move |conn| {
            if let Some(Some(u)) = account {
                member(conn, org, u)?;
                account_free(conn, org, u, Some(number))?;
            }
            staff::update(conn, org, number, &draft, account)
                .map_err(not_found("staff member", number))
        })
        .await
}
