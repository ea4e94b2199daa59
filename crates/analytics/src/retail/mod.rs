//! Retail analytics as pure code (no IO): the demand forecast of stock-transfer orders
//! (`forecast`), the rounding of order analytics (`orders`) and inventory levels, shares and
//! turnover (`stock`). The
//! store loads the daily series; the API calls in.

pub mod forecast;
pub mod orders;
pub mod stock;
