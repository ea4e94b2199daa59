//! Retail analytics as pure code (no IO): the demand forecast of stock-transfer orders. The
//! store loads the daily series; the API calls in.

pub mod forecast;
