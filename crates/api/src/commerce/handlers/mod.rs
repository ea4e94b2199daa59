//! `/api/v1/commerce/*` handlers: parse, call the service, shape the answer.

pub mod analytics;
pub mod catalogue;
pub mod customers;
pub mod dashboard;
pub mod transactions;
