//! Commerce analytics as pure code (no IO): fraud scoring of transactions as they arrive and the
//! overview's sales series. The store loads what they need; the API and the worker call in.

pub mod fraud;
pub mod overview;
