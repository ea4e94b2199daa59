//! The core area's handlers: extract, convert the wire types, call a use case, map the answer.

pub mod auth;
pub mod users;
