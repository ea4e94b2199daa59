//! The `alerts` table: the system alerts feed of each organisation. A condition (low stock,
//! suspicious transactions, ...) is one open row per kind: raising it again updates that row,
//! and resolving it closes the row; a poll never adds rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::alerts::{AlertKind, Severity, SystemAlert};
use tessera_domain::OrgId;

use crate::schema::alerts;
use crate::{DbConn, StoreError};

/// A row of `alerts`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = alerts)]
struct AlertRow {
    id: i64,
    org_id: String,
    alert_type: String,
    message: String,
    severity: String,
    metadata: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    resolved_at: Option<NaiveDateTime>,
}

impl AlertRow {
    fn into_domain(self) -> Result<SystemAlert, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("alert {}: {what}", self.id));
        Ok(SystemAlert {
            id: self.id,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            kind: self.alert_type.parse().map_err(|_| corrupt("alert_type"))?,
            severity: self.severity.parse().map_err(|_| corrupt("severity"))?,
            message: self.message,
            metadata_json: self.metadata,
            created_at: self.created_at,
            updated_at: self.updated_at,
            resolved_at: self.resolved_at,
        })
    }
}

/// The open alert of `kind` in the organisation, if any.
fn open_of(conn: &mut DbConn, org: OrgId, kind: AlertKind) -> Result<Option<AlertRow>, StoreError> {
    Ok(alerts::table
        .filter(alerts::org_id.eq(org.to_string()))
        .filter(alerts::alert_type.eq(kind.as_str()))
        .filter(alerts::resolved_at.is_null())
        .order(alerts::id.desc())
        .select(AlertRow::as_select())
        .first(conn)
        .optional()?)
}

/// Raises the condition `kind` at `at`: its open alert takes the new message, severity and
/// metadata, or a new alert opens when none is.
pub fn raise(
    conn: &mut DbConn,
    org: OrgId,
    kind: AlertKind,
    severity: Severity,
    message: &str,
    metadata_json: &str,
    at: NaiveDateTime,
) -> Result<SystemAlert, StoreError> {
    crate::atomically(conn, |conn| {
        match open_of(conn, org, kind)? {
            Some(row) => {
                diesel::update(alerts::table.filter(alerts::id.eq(row.id)))
                    .set((
                        alerts::message.eq(message),
                        alerts::severity.eq(severity.as_str()),
                        alerts::metadata.eq(metadata_json),
                        alerts::updated_at.eq(at),
                    ))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(alerts::table)
                    .values((
                        alerts::org_id.eq(org.to_string()),
                        alerts::alert_type.eq(kind.as_str()),
                        alerts::message.eq(message),
                        alerts::severity.eq(severity.as_str()),
                        alerts::metadata.eq(metadata_json),
                        alerts::created_at.eq(at),
                        alerts::updated_at.eq(at),
                    ))
                    .execute(conn)?;
            }
        }
        open_of(conn, org, kind)?
            .ok_or(StoreError::NotFound)?
            .into_domain()
    })
}

/// Resolves the open alert of `kind` at `at`; how many were open (0 or 1).
pub fn resolve(
    conn: &mut DbConn,
    org: OrgId,
    kind: AlertKind,
    at: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        alerts::table
            .filter(alerts::org_id.eq(org.to_string()))
            .filter(alerts::alert_type.eq(kind.as_str()))
            .filter(alerts::resolved_at.is_null()),
    )
    .set((alerts::resolved_at.eq(Some(at)), alerts::updated_at.eq(at)))
    .execute(conn)?)
}

/// The organisation's open alerts, newest first.
pub fn open(conn: &mut DbConn, org: OrgId) -> Result<Vec<SystemAlert>, StoreError> {
    alerts::table
        .filter(alerts::org_id.eq(org.to_string()))
        .filter(alerts::resolved_at.is_null())
        .order((alerts::created_at.desc(), alerts::id.desc()))
        .select(AlertRow::as_select())
        .load(conn)?
        .into_iter()
        .map(AlertRow::into_domain)
        .collect()
}
