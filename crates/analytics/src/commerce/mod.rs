//! Commerce analytics as pure code (no IO): fraud scoring of transactions as they arrive, the
//! overview's sales series and customer behaviour. The store loads what they need; the API and the worker call in.

pub mod behaviour;
pub mod fraud;
pub mod ledger;
pub mod overview;
pub mod performance;
pub mod segments;
