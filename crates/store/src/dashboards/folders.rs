//! `dashboard_folders`: an organisation's folders, nested through `parent_id` (never in a
//! circle, at most `MAX_FOLDER_DEPTH` deep), and deleting one with what it holds moved up.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::dashboards::{Folder, MAX_FOLDER_DEPTH};
use tessera_domain::OrgId;

use crate::schema::{dashboard_folders as f, dashboards as d};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = f)]
struct FolderRow {
    id: i64,
    org_id: String,
    name: String,
    parent_id: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl FolderRow {
    fn into_domain(self) -> Result<Folder, StoreError> {
        Ok(Folder {
            id: self.id,
            org_id: self
                .org_id
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("folder {}: org_id", self.id)))?,
            name: self.name,
            parent_id: self.parent_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Why a folder change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderRefusal {
    /// The parent is not a folder of the organisation.
    UnknownParent(i64),
    /// The parent is the folder itself or inside it.
    Circle,
    /// The folder would sit deeper than allowed.
    TooDeep,
    /// The organisation keeps as many folders as it may.
    TooMany {
        /// How many it may keep.
        max: i64,
    },
    /// It holds folders or dashboards (delete with `cascade`).
    NotEmpty {
        /// Folders directly inside.
        folders: i64,
        /// Dashboards directly inside.
        dashboards: i64,
    },
}

/// The organisation's folders, by name.
pub fn list(conn: &mut DbConn, org: OrgId) -> Result<Vec<Folder>, StoreError> {
    f::table
        .filter(f::org_id.eq(org.to_string()))
        .select(FolderRow::as_select())
        .order((f::name.asc(), f::id.asc()))
        .limit(10_000)
        .load(conn)?
        .into_iter()
        .map(FolderRow::into_domain)
        .collect()
}

/// Folder `id` of the organisation.
pub fn find(conn: &mut DbConn, org: OrgId, id: i64) -> Result<Folder, StoreError> {
    f::table
        .filter(f::org_id.eq(org.to_string()))
        .filter(f::id.eq(id))
        .select(FolderRow::as_select())
        .first(conn)?
        .into_domain()
}

/// The ancestors of `parent` (itself first), or a refusal when it is unknown.
fn ancestry(
    conn: &mut DbConn,
    org: OrgId,
    parent: i64,
) -> Result<Result<Vec<i64>, FolderRefusal>, StoreError> {
    let mut chain = Vec::new();
    let mut at = Some(parent);
    while let Some(id) = at {
        let row: Option<Option<i64>> = f::table
            .filter(f::org_id.eq(org.to_string()))
            .filter(f::id.eq(id))
            .select(f::parent_id)
            .first(conn)
            .optional()?;
        let Some(up) = row else {
            return Ok(Err(FolderRefusal::UnknownParent(parent)));
        };
        chain.push(id);
        if chain.len() > MAX_FOLDER_DEPTH + 1 {
            return Ok(Err(FolderRefusal::TooDeep));
        }
        at = up;
    }
    Ok(Ok(chain))
}

/// Checks that `folder` (none: a new one) may sit in `parent`.
fn check_parent(
    conn: &mut DbConn,
    org: OrgId,
    folder: Option<i64>,
    parent: Option<i64>,
) -> Result<Result<(), FolderRefusal>, StoreError> {
    let Some(parent) = parent else {
        return Ok(Ok(()));
    };
    let chain = match ancestry(conn, org, parent)? {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    if folder.is_some_and(|id| chain.contains(&id)) {
        return Ok(Err(FolderRefusal::Circle));
    }
    if chain.len() >= MAX_FOLDER_DEPTH {
        return Ok(Err(FolderRefusal::TooDeep));
    }
    Ok(Ok(()))
}

/// Creates a folder in `parent`, unless the organisation keeps `max` already.
pub fn create(
    conn: &mut DbConn,
    org: OrgId,
    name: &str,
    parent: Option<i64>,
    at: NaiveDateTime,
    max: i64,
) -> Result<Result<Folder, FolderRefusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        let kept: i64 = f::table
            .filter(f::org_id.eq(org.to_string()))
            .count()
            .get_result(conn)?;
        if kept >= max {
            return Ok(Err(FolderRefusal::TooMany { max }));
        }
        if let Err(r) = check_parent(conn, org, None, parent)? {
            return Ok(Err(r));
        }
        diesel::insert_into(f::table)
            .values((
                f::org_id.eq(org.to_string()),
                f::name.eq(name),
                f::parent_id.eq(parent),
                f::created_at.eq(at),
                f::updated_at.eq(at),
            ))
            .execute(conn)?;
        let id = crate::db::last_insert_id(conn)?;
        Ok(Ok(find(conn, org, id)?))
    })
}

/// Renames folder `id` and moves it into `parent`.
pub fn update(
    conn: &mut DbConn,
    org: OrgId,
    id: i64,
    name: &str,
    parent: Option<i64>,
    at: NaiveDateTime,
) -> Result<Result<Folder, FolderRefusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        find(conn, org, id)?;
        if let Err(r) = check_parent(conn, org, Some(id), parent)? {
            return Ok(Err(r));
        }
        diesel::update(
            f::table
                .filter(f::org_id.eq(org.to_string()))
                .filter(f::id.eq(id)),
        )
        .set((
            f::name.eq(name),
            f::parent_id.eq(parent),
            f::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(Ok(find(conn, org, id)?))
    })
}

/// Deletes folder `id`; one that holds folders or dashboards is refused unless
/// `move_to_parent`, which first moves them into the folder's parent (or to the top).
pub fn delete(
    conn: &mut DbConn,
    org: OrgId,
    id: i64,
    move_to_parent: bool,
    at: NaiveDateTime,
) -> Result<Result<(), FolderRefusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        let folder = find(conn, org, id)?;
        let folders: i64 = f::table
            .filter(f::org_id.eq(org.to_string()))
            .filter(f::parent_id.eq(id))
            .count()
            .get_result(conn)?;
        let dashboards: i64 = d::table
            .filter(d::org_id.eq(org.to_string()))
            .filter(d::folder_id.eq(id))
            .count()
            .get_result(conn)?;
        if folders + dashboards > 0 {
            if !move_to_parent {
                return Ok(Err(FolderRefusal::NotEmpty {
                    folders,
                    dashboards,
                }));
            }
            diesel::update(
                f::table
                    .filter(f::org_id.eq(org.to_string()))
                    .filter(f::parent_id.eq(id)),
            )
            .set((f::parent_id.eq(folder.parent_id), f::updated_at.eq(at)))
            .execute(conn)?;
            diesel::update(
                d::table
                    .filter(d::org_id.eq(org.to_string()))
                    .filter(d::folder_id.eq(id)),
            )
            .set(d::folder_id.eq(folder.parent_id))
            .execute(conn)?;
        }
        diesel::delete(
            f::table
                .filter(f::org_id.eq(org.to_string()))
                .filter(f::id.eq(id)),
        )
        .execute(conn)?;
        Ok(Ok(()))
    })
}

/// Whether folder `id` is one of the organisation's.
pub fn exists(conn: &mut DbConn, org: OrgId, id: i64) -> Result<bool, StoreError> {
    let n: i64 = f::table
        .filter(f::org_id.eq(org.to_string()))
        .filter(f::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
