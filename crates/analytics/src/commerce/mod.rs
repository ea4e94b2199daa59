//! Commerce analytics as pure code (no IO): fraud scoring of transactions as they arrive. The
//! store loads what the rules need; the API and the worker call in.

pub mod fraud;
