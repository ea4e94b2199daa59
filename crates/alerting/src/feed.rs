//! The system alerts feed every area raises into (commerce's low stock and suspicious
//! transactions, retail's low stock): one open alert per condition, updated while it lasts and
//! resolved when it ends, never duplicated. Areas raise and resolve through here.

use chrono::NaiveDateTime;
use tessera_domain::alerts::{AlertKind, Severity, SystemAlert};
use tessera_domain::OrgId;
use tessera_store::alerts::system_alerts;
use tessera_store::{DbConn, StoreError};

pub use tessera_store::alerts::system_alerts::{
    list, open, page, resolve_one, FeedFilter, FeedState,
};

/// Raises the condition `kind` of `org` at `at`: its open alert takes the new message, severity
/// and metadata, or a new one opens. Call it outside a transaction (see the store's `raise`).
pub fn raise(
    conn: &mut DbConn,
    org: OrgId,
    kind: AlertKind,
    severity: Severity,
    message: &str,
    metadata_json: &str,
    at: NaiveDateTime,
) -> Result<SystemAlert, StoreError> {
    system_alerts::raise(conn, org, kind, severity, message, metadata_json, at)
}

/// Resolves the open alert `kind` of `org` at `at`; how many were open (0 or 1).
pub fn resolve(
    conn: &mut DbConn,
    org: OrgId,
    kind: AlertKind,
    at: NaiveDateTime,
) -> Result<usize, StoreError> {
    system_alerts::resolve(conn, org, kind, at)
}
