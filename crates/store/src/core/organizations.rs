//! The `organizations` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::{OrgId, OrgName, Organization};

use crate::schema::organizations;
use crate::{DbConn, StoreError};

/// A row of `organizations`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    /// Id (UUID text).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
    /// Last change (UTC).
    pub updated_at: NaiveDateTime,
}

impl OrganizationRow {
    /// Converts to the domain entity.
    pub fn into_domain(self) -> Result<Organization, StoreError> {
        Ok(Organization {
            id: self
                .id
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("organization id '{}'", self.id)))?,
            name: self.name,
            created_at: self.created_at,
        })
    }
}

/// An organisation to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = organizations)]
struct NewOrganization<'a> {
    id: String,
    name: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Creates an organisation.
pub fn insert(conn: &mut DbConn, name: &OrgName) -> Result<Organization, StoreError> {
    let now = crate::now();
    let id = OrgId::new();
    diesel::insert_into(organizations::table)
        .values(&NewOrganization {
            id: id.to_string(),
            name: name.as_str(),
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    find(conn, id)
}

/// The caller's own organisation.
pub fn find(conn: &mut DbConn, org: OrgId) -> Result<Organization, StoreError> {
    organizations::table
        .find(org.to_string())
        .select(OrganizationRow::as_select())
        .first(conn)?
        .into_domain()
}

/// Counts organisations (used by first-start bootstrap).
pub fn count(conn: &mut DbConn) -> Result<u64, StoreError> {
    let n: i64 = organizations::table.count().get_result(conn)?;
    Ok(n.max(0) as u64)
}

/// An organisation by exact name (used by start-up bootstrap, not by requests).
pub fn find_by_name(conn: &mut DbConn, name: &str) -> Result<Option<Organization>, StoreError> {
    organizations::table
        .filter(organizations::name.eq(name))
        .order(organizations::created_at.asc())
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?
        .map(OrganizationRow::into_domain)
        .transpose()
}

/// The first organisation created (used by start-up bootstrap, not by requests).
pub fn oldest(conn: &mut DbConn) -> Result<Option<Organization>, StoreError> {
    organizations::table
        .order(organizations::created_at.asc())
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?
        .map(OrganizationRow::into_domain)
        .transpose()
}

/// Every organisation, oldest first (maintenance commands that visit them all).
pub fn all(conn: &mut DbConn) -> Result<Vec<Organization>, StoreError> {
    organizations::table
        .order((organizations::created_at.asc(), organizations::id.asc()))
        .select(OrganizationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(OrganizationRow::into_domain)
        .collect()
}
