//! The commerce area's tables: suppliers and products (`catalog`), customers with their running
//! ledgers (`customers`), transactions and their write path (`transactions`), and the grouped
//! reads behind the dashboards (`insights`). Money is integer cents.

pub mod catalog;
pub mod customers;
pub mod insights;
pub mod rollup;
pub mod transactions;
