//! The retail area's use cases: stock-transfer orders and their state machine (`orders`), the
//! directory of stores, products and staff (`directory`) and the demo chain (`demo`). SQL
//! is in `tessera_store::retail`, the forecast in `tessera_analytics::retail`.

pub mod analytics;
pub mod demo;
pub mod directory;
pub mod inventory;
pub mod orders;

use tessera_store::StoreError;

use crate::error::ApiError;

/// A missing row of the organisation is a 404 naming `what`.
pub(crate) fn not_found(what: &'static str, id: i64) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound => ApiError::NotFound(format!("no {what} with id {id}")),
        other => other.into(),
    }
}
