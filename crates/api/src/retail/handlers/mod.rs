//! HTTP handlers of the retail area: thin adapters from wire shapes to use cases.

pub mod directory;
pub mod edits;
pub mod inventory;
pub mod orders;
