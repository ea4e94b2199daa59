//! The commerce area's wire shapes: the overview and transactions (`sales`), customers,
//! analytics, the catalogue and the alerts feed (`shop`).

mod sales;
mod shop;

pub use sales::*;
pub use shop::*;
