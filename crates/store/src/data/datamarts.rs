//! The `datamarts` table: saved virtual tables (a read-only query over a source).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::{DataSourceId, Datamart, DatamartId, OrgId, Page, PageRequest, UserId};

use crate::schema::datamarts;
use crate::{DbConn, StoreError};

/// A row of `datamarts`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = datamarts)]
pub struct DatamartRow {
    /// Id (UUID text).
    pub id: String,
    /// Organisation (UUID text).
    pub org_id: String,
    /// Source (UUID text).
    pub source_id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The query.
    pub sql_text: String,
    /// Creator.
    pub created_by: Option<String>,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

impl DatamartRow {
    fn into_domain(self) -> Result<Datamart, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("datamart {}: {what}", self.id));
        Ok(Datamart {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            source_id: self.source_id.parse().map_err(|_| corrupt("source_id"))?,
            name: self.name,
            description: self.description,
            sql: self.sql_text,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = datamarts)]
struct Insert<'a> {
    id: String,
    org_id: String,
    source_id: String,
    name: &'a str,
    description: Option<&'a str>,
    sql_text: &'a str,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Changes to a datamart; `None` keeps a field.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = datamarts)]
pub struct DatamartChanges {
    /// New name.
    pub name: Option<String>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// New query.
    pub sql_text: Option<String>,
    /// Set by [`update`].
    pub updated_at: Option<NaiveDateTime>,
}

/// Saves a datamart over a source of the same organisation (the caller checked the source).
pub fn insert(
    conn: &mut DbConn,
    org: OrgId,
    source: DataSourceId,
    name: &str,
    description: Option<&str>,
    sql: &str,
    created_by: Option<UserId>,
) -> Result<Datamart, StoreError> {
    let now = crate::now();
    let id = DatamartId::new();
    diesel::insert_into(datamarts::table)
        .values(&Insert {
            id: id.to_string(),
            org_id: org.to_string(),
            source_id: source.to_string(),
            name,
            description,
            sql_text: sql,
            created_by: created_by.map(|u| u.to_string()),
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    find(conn, org, id)
}

/// One datamart of the caller's organisation.
pub fn find(conn: &mut DbConn, org: OrgId, id: DatamartId) -> Result<Datamart, StoreError> {
    datamarts::table
        .filter(datamarts::id.eq(id.to_string()))
        .filter(datamarts::org_id.eq(org.to_string()))
        .select(DatamartRow::as_select())
        .first(conn)?
        .into_domain()
}

/// The caller's organisation's datamarts, by name.
pub fn list(
    conn: &mut DbConn,
    org: OrgId,
    page: PageRequest,
) -> Result<Page<Datamart>, StoreError> {
    let scoped = || datamarts::table.filter(datamarts::org_id.eq(org.to_string()));
    let total: i64 = scoped().count().get_result(conn)?;
    let rows: Vec<DatamartRow> = scoped()
        .select(DatamartRow::as_select())
        .order((datamarts::name.asc(), datamarts::id.asc()))
        .limit(i64::from(page.limit()))
        .offset(page.sql_offset())
        .load(conn)?;
    Ok(page.page_of(
        rows.into_iter()
            .map(DatamartRow::into_domain)
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// Changes a datamart.
pub fn update(
    conn: &mut DbConn,
    org: OrgId,
    id: DatamartId,
    mut changes: DatamartChanges,
) -> Result<Datamart, StoreError> {
    changes.updated_at = Some(crate::now());
    let n = diesel::update(
        datamarts::table
            .filter(datamarts::id.eq(id.to_string()))
            .filter(datamarts::org_id.eq(org.to_string())),
    )
    .set(&changes)
    .execute(conn)?;
    crate::affected(n)?;
    find(conn, org, id)
}

/// Deletes a datamart.
pub fn delete(conn: &mut DbConn, org: OrgId, id: DatamartId) -> Result<(), StoreError> {
    let n = diesel::delete(
        datamarts::table
            .filter(datamarts::id.eq(id.to_string()))
            .filter(datamarts::org_id.eq(org.to_string())),
    )
    .execute(conn)?;
    crate::affected(n)
}

/// A datamart of the caller's organisation by name.
pub fn find_by_name(
    conn: &mut DbConn,
    org: OrgId,
    name: &str,
) -> Result<Option<Datamart>, StoreError> {
    datamarts::table
        .filter(datamarts::name.eq(name))
        .filter(datamarts::org_id.eq(org.to_string()))
        .select(DatamartRow::as_select())
        .first(conn)
        .optional()?
        .map(DatamartRow::into_domain)
        .transpose()
}
