//! Connectors to users' databases: connection specs and encrypted credentials, one bounded pool
//! per source, read-only execution with timeouts and row limits, schema introspection,
//! dialect-aware SQL generation for charts, and rows -> polars DataFrame.
//!
//! **Architecture invariant:** every value from a client reaches a database as a bound
//! parameter, and every identifier is checked against the introspected schema and quoted.

pub mod charts;
pub mod crypto;
pub mod demo;
pub mod dialect;
pub mod error;
pub mod execute;
pub mod frame;

pub mod introspect;
pub mod pool;
pub mod spec;
pub mod validate;
pub mod value;

pub use crypto::CredentialCipher;
pub use error::SourceError;
pub use spec::{ConnectionSpec, SpecFields, SpecPolicy};
pub use value::{Param, Value};
