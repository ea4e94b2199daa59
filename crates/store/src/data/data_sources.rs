//! The `data_sources` table: users' databases, with the connection URL sealed (encrypted by
//! the caller) and only non-secret parts in clear.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::{DataSource, DataSourceId, OrgId, Page, PageRequest, SourceKind, UserId};

use crate::schema::data_sources;
use crate::{DbConn, StoreError};

/// A row of `data_sources`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = data_sources)]
pub struct DataSourceRow {
    /// Id (UUID text).
    pub id: String,
    /// Organisation (UUID text).
    pub org_id: String,
    /// Name.
    pub name: String,
    /// Engine name.
    pub kind: String,
    /// Host.
    pub host: Option<String>,
    /// Port.
    pub port: Option<i32>,
    /// Database or file.
    pub database_name: Option<String>,
    /// User name.
    pub username: Option<String>,
    /// The sealed URL.
    pub sealed_url: String,
    /// Creator (UUID text).
    pub created_by: Option<String>,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// A source with its sealed URL (for the code that connects).
#[derive(Debug, Clone)]
pub struct StoredSource {
    /// The public part.
    pub source: DataSource,
    /// The URL, encrypted.
    pub sealed_url: String,
}

impl DataSourceRow {
    fn into_stored(self) -> Result<StoredSource, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("data source {}: {what}", self.id));
        Ok(StoredSource {
            source: DataSource {
                id: self.id.parse().map_err(|_| corrupt("id"))?,
                org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
                kind: self
                    .kind
                    .parse::<SourceKind>()
                    .map_err(|_| corrupt("kind"))?,
                port: self.port.and_then(|p| u16::try_from(p).ok()),
                name: self.name,
                host: self.host,
                database: self.database_name,
                username: self.username,
                created_at: self.created_at,
                updated_at: self.updated_at,
            },
            sealed_url: self.sealed_url,
        })
    }
}

/// The connection part of a source: what changes together when its URL changes.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Engine.
    pub kind: SourceKind,
    /// Host.
    pub host: Option<String>,
    /// Port.
    pub port: Option<u16>,
    /// Database or file.
    pub database: Option<String>,
    /// User name.
    pub username: Option<String>,
    /// The sealed URL.
    pub sealed_url: String,
}

#[derive(Insertable)]
#[diesel(table_name = data_sources)]
struct Insert<'a> {
    id: String,
    org_id: String,
    name: &'a str,
    kind: &'a str,
    host: Option<&'a str>,
    port: Option<i32>,
    database_name: Option<&'a str>,
    username: Option<&'a str>,
    sealed_url: &'a str,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(AsChangeset)]
#[diesel(table_name = data_sources)]
struct Changes {
    name: Option<String>,
    kind: Option<String>,
    host: Option<Option<String>>,
    port: Option<Option<i32>>,
    database_name: Option<Option<String>>,
    username: Option<Option<String>>,
    sealed_url: Option<String>,
    updated_at: NaiveDateTime,
}

/// Registers a source; a taken name is [`StoreError::Conflict`].
pub fn insert(
    conn: &mut DbConn,
    org: OrgId,
    name: &str,
    c: &Connection,
    created_by: Option<UserId>,
) -> Result<StoredSource, StoreError> {
    let now = crate::now();
    let id = DataSourceId::new();
    diesel::insert_into(data_sources::table)
        .values(&Insert {
            id: id.to_string(),
            org_id: org.to_string(),
            name,
            kind: c.kind.as_str(),
            host: c.host.as_deref(),
            port: c.port.map(i32::from),
            database_name: c.database.as_deref(),
            username: c.username.as_deref(),
            sealed_url: &c.sealed_url,
            created_by: created_by.map(|u| u.to_string()),
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    find(conn, org, id)
}

/// One source of the caller's organisation.
pub fn find(conn: &mut DbConn, org: OrgId, id: DataSourceId) -> Result<StoredSource, StoreError> {
    data_sources::table
        .filter(data_sources::id.eq(id.to_string()))
        .filter(data_sources::org_id.eq(org.to_string()))
        .select(DataSourceRow::as_select())
        .first(conn)?
        .into_stored()
}

/// A source of the caller's organisation by name.
pub fn find_by_name(
    conn: &mut DbConn,
    org: OrgId,
    name: &str,
) -> Result<Option<StoredSource>, StoreError> {
    data_sources::table
        .filter(data_sources::name.eq(name))
        .filter(data_sources::org_id.eq(org.to_string()))
        .select(DataSourceRow::as_select())
        .first(conn)
        .optional()?
        .map(DataSourceRow::into_stored)
        .transpose()
}

/// The caller's organisation's sources, by name.
pub fn list(
    conn: &mut DbConn,
    org: OrgId,
    page: PageRequest,
) -> Result<Page<DataSource>, StoreError> {
    let scoped = || data_sources::table.filter(data_sources::org_id.eq(org.to_string()));
    let total: i64 = scoped().count().get_result(conn)?;
    let rows: Vec<DataSourceRow> = scoped()
        .select(DataSourceRow::as_select())
        .order((data_sources::name.asc(), data_sources::id.asc()))
        .limit(i64::from(page.limit()))
        .offset(page.sql_offset())
        .load(conn)?;
    Ok(page.page_of(
        rows.into_iter()
            .map(|r| r.into_stored().map(|s| s.source))
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// Renames a source and/or replaces its connection.
pub fn update(
    conn: &mut DbConn,
    org: OrgId,
    id: DataSourceId,
    name: Option<&str>,
    connection: Option<&Connection>,
) -> Result<StoredSource, StoreError> {
    let changes = Changes {
        name: name.map(str::to_owned),
        kind: connection.map(|c| c.kind.as_str().to_owned()),
        host: connection.map(|c| c.host.clone()),
        port: connection.map(|c| c.port.map(i32::from)),
        database_name: connection.map(|c| c.database.clone()),
        username: connection.map(|c| c.username.clone()),
        sealed_url: connection.map(|c| c.sealed_url.clone()),
        updated_at: crate::now(),
    };
    let n = diesel::update(
        data_sources::table
            .filter(data_sources::id.eq(id.to_string()))
            .filter(data_sources::org_id.eq(org.to_string())),
    )
    .set(&changes)
    .execute(conn)?;
    crate::affected(n)?;
    find(conn, org, id)
}

/// Deletes a source with its datamarts and extracts; the extracts' ids, whose files are the
/// caller's to remove.
pub fn delete(
    conn: &mut DbConn,
    org: OrgId,
    id: DataSourceId,
) -> Result<Vec<tessera_domain::ExtractId>, StoreError> {
    crate::atomically(conn, |conn| {
        let extracts = crate::extracts::delete_of_source(conn, org, id)?;
        diesel::delete(
            crate::schema::datamarts::table
                .filter(crate::schema::datamarts::source_id.eq(id.to_string()))
                .filter(crate::schema::datamarts::org_id.eq(org.to_string())),
        )
        .execute(conn)?;
        let n = diesel::delete(
            data_sources::table
                .filter(data_sources::id.eq(id.to_string()))
                .filter(data_sources::org_id.eq(org.to_string())),
        )
        .execute(conn)?;
        crate::affected(n)?;
        Ok(extracts)
    })
}
