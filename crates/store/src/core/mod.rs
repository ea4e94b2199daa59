//! The core area's tables: organisations, users, refresh tokens.

pub mod organizations;
pub mod refresh_tokens;
pub mod users;
