//! `dashboard_assets`: an organisation's themes, chart templates and layout templates, each a
//! named JSON definition of its kind.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::dashboards::{Asset, AssetDraft, AssetKind};
use tessera_domain::OrgId;

use crate::schema::dashboard_assets as a;
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a)]
struct AssetRow {
    id: i64,
    org_id: String,
    kind: String,
    name: String,
    description: String,
    definition: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl AssetRow {
    fn into_domain(self) -> Result<Asset, StoreError> {
        let corrupt =
            |what: &str| StoreError::Corrupt(format!("dashboard asset {}: {what}", self.id));
        Ok(Asset {
            id: self.id,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            kind: self.kind.parse().map_err(|_| corrupt("kind"))?,
            name: self.name,
            description: self.description,
            definition_json: self.definition,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Most assets of one kind an organisation may keep.
pub const MAX_PER_KIND: i64 = 500;

/// The organisation's assets of `kind`, by id.
pub fn list(conn: &mut DbConn, org: OrgId, kind: AssetKind) -> Result<Vec<Asset>, StoreError> {
    a::table
        .filter(a::org_id.eq(org.to_string()))
        .filter(a::kind.eq(kind.as_str()))
        .select(AssetRow::as_select())
        .order(a::id.asc())
        .limit(MAX_PER_KIND)
        .load(conn)?
        .into_iter()
        .map(AssetRow::into_domain)
        .collect()
}

/// Asset `id` of `kind` of the organisation.
pub fn find(conn: &mut DbConn, org: OrgId, kind: AssetKind, id: i64) -> Result<Asset, StoreError> {
    a::table
        .filter(a::org_id.eq(org.to_string()))
        .filter(a::kind.eq(kind.as_str()))
        .filter(a::id.eq(id))
        .select(AssetRow::as_select())
        .first(conn)?
        .into_domain()
}

/// Saves a new asset; `None` when the organisation has [`MAX_PER_KIND`] of that kind already.
pub fn create(
    conn: &mut DbConn,
    org: OrgId,
    kind: AssetKind,
    draft: &AssetDraft,
    at: NaiveDateTime,
) -> Result<Option<Asset>, StoreError> {
    crate::atomically(conn, |conn| {
        let n: i64 = a::table
            .filter(a::org_id.eq(org.to_string()))
            .filter(a::kind.eq(kind.as_str()))
            .count()
            .get_result(conn)?;
        if n >= MAX_PER_KIND {
            return Ok(None);
        }
        diesel::insert_into(a::table)
            .values((
                a::org_id.eq(org.to_string()),
                a::kind.eq(kind.as_str()),
                a::name.eq(&draft.name),
                a::description.eq(&draft.description),
                a::definition.eq(&draft.definition_json),
                a::created_at.eq(at),
                a::updated_at.eq(at),
            ))
            .execute(conn)?;
        let id = crate::db::last_insert_id(conn)?;
        Ok(Some(find(conn, org, kind, id)?))
    })
}

/// Replaces asset `id`'s name, description and definition.
pub fn update(
    conn: &mut DbConn,
    org: OrgId,
    kind: AssetKind,
    id: i64,
    draft: &AssetDraft,
    at: NaiveDateTime,
) -> Result<Asset, StoreError> {
    let n = diesel::update(
        a::table
            .filter(a::org_id.eq(org.to_string()))
            .filter(a::kind.eq(kind.as_str()))
            .filter(a::id.eq(id)),
    )
    .set((
        a::name.eq(&draft.name),
        a::description.eq(&draft.description),
        a::definition.eq(&draft.definition_json),
        a::updated_at.eq(at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    find(conn, org, kind, id)
}

/// Deletes asset `id`; whether it existed.
pub fn delete(conn: &mut DbConn, org: OrgId, kind: AssetKind, id: i64) -> Result<bool, StoreError> {
    Ok(diesel::delete(
        a::table
            .filter(a::org_id.eq(org.to_string()))
            .filter(a::kind.eq(kind.as_str()))
            .filter(a::id.eq(id)),
    )
    .execute(conn)?
        > 0)
}
