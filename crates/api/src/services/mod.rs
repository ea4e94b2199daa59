//! Use cases behind the handlers: parse into domain types, call the store, shape the result.

pub mod auth;
pub mod datamarts;
pub mod datasets;
pub mod queries;
pub mod reports;

pub mod sources;

pub mod users;
