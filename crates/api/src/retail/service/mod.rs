//! The retail area's use cases: stock-transfer orders and their state machine (`orders`), the
//! directory of stores, products and staff (`directory`) and the demo chain (`demo`) and the low-stock alert (`stock_alert`). SQL
//! is in `tessera_store::retail`, the forecast in `tessera_analytics::retail`.

pub mod analytics;
pub mod demo;
pub mod directory;
pub mod inventory;
pub mod orders;
pub mod stock_alert;
