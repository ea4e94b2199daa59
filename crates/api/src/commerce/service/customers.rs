//! Customers: the paged list with email search, one customer with their latest completed
//! transactions.

use tessera_domain::commerce::{Customer, Transaction, TransactionStatus};
use tessera_domain::{Page, PageRequest};
use tessera_store::commerce::customers as store;
use tessera_store::commerce::transactions::{self, TransactionFilter};

use crate::auth::Caller;
use crate::common::not_found;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Largest customer page.
pub const MAX_PAGE_SIZE: i64 = 100;
/// Default customer page.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
/// Longest search term.
const MAX_SEARCH: usize = 200;

/// A customer with their latest completed transactions.
#[derive(Debug, Clone)]
pub struct CustomerDetail {
    /// The customer.
    pub customer: Customer,
    /// Their five latest completed transactions, newest first.
    pub recent: Vec<Transaction>,
}

/// A page of the organisation's customers by id; `page_size` (or `limit`) 1..=100, default 50;
/// a page past the end is empty.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    page: Option<i64>,
    page_size: Option<i64>,
    search: Option<String>,
) -> ApiResult<Page<Customer>> {
    let size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(ApiError::field(
            "page_size",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    if page.is_some_and(|p| !(1..=1_000_000).contains(&p)) {
        return Err(ApiError::field("page", "must be between 1 and 1000000"));
    }
    if search
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SEARCH)
    {
        return Err(ApiError::field(
            "search",
            format!("must be at most {MAX_SEARCH} characters"),
        ));
    }
    let request = PageRequest::new(page, Some(size))?;
    let org = caller.org_id;
    state
        .db(move |conn| Ok(store::list(conn, org, search.as_deref(), request)?))
        .await
}

/// The organisation's customer `id` with their five latest completed transactions.
pub async fn get(state: &AppState, caller: &Caller, id: i64) -> ApiResult<CustomerDetail> {
    let org = caller.org_id;
    state
        .db(move |conn| {
            let customer = store::find(conn, org, id).map_err(not_found("customer", id))?;
            let filter = TransactionFilter {
                customer_id: Some(id),
                status: Some(TransactionStatus::Completed),
                ..TransactionFilter::default()
            };
            let recent = transactions::list(conn, org, &filter, 5)?;
            Ok(CustomerDetail { customer, recent })
        })
        .await
}
