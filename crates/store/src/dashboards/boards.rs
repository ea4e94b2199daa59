//! `dashboards`: an organisation's dashboards, listed by search and folder, and changed only by a
//! caller that names the version it read (a stale one is refused, so two editors never overwrite
//! each other silently).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::dashboards::{Dashboard, DashboardDraft};
use tessera_domain::{OrgId, Page, PageRequest, UserId};

use crate::dashboards::folders;
use crate::schema::dashboards as d;
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = d)]
struct BoardRow {
    id: i64,
    org_id: String,
    folder_id: Option<i64>,
    title: String,
    description: String,
    theme: Option<String>,
    layout: String,
    charts: String,
    version: i64,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl BoardRow {
    fn into_domain(self) -> Result<Dashboard, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("dashboard {}: {what}", self.id));
        Ok(Dashboard {
            id: self.id,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            created_by: match &self.created_by {
                Some(u) => Some(u.parse::<UserId>().map_err(|_| corrupt("created_by"))?),
                None => None,
            },
            folder_id: self.folder_id,
            title: self.title,
            description: self.description,
            theme: self.theme,
            layout_json: self.layout,
            charts_json: self.charts,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Which dashboards a list answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FolderFilter {
    /// Any folder.
    #[default]
    Any,
    /// Only at the top (no folder).
    Top,
    /// Only in this folder.
    In(i64),
}

/// A list's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardFilter {
    /// Words in the title or description (case-insensitive).
    pub search: Option<String>,
    /// Folder.
    pub folder: FolderFilter,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// `%text%` for LIKE, with `%`, `_` and `\` taken literally.
fn contains_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

macro_rules! scoped {
    ($org:expr, $filter:expr) => {{
        let f: &BoardFilter = $filter;
        let mut q = d::table.filter(d::org_id.eq($org.to_string())).into_boxed();
        match f.folder {
            FolderFilter::Any => {}
            FolderFilter::Top => q = q.filter(d::folder_id.is_null()),
            FolderFilter::In(id) => q = q.filter(d::folder_id.eq(id)),
        }
        if let Some(s) = f.search.as_deref().filter(|s| !s.trim().is_empty()) {
            let p = contains_pattern(s.trim());
            q = q.filter(
                lower(d::title)
                    .like(p.clone())
                    .escape('\\')
                    .or(lower(d::description).like(p).escape('\\')),
            );
        }
        q
    }};
}

/// One page of the organisation's dashboards matching `filter`, most recently changed first.
pub fn page(
    conn: &mut DbConn,
    org: OrgId,
    filter: &BoardFilter,
    page: PageRequest,
) -> Result<Page<Dashboard>, StoreError> {
    let total: i64 = scoped!(org, filter).count().get_result(conn)?;
    let rows = scoped!(org, filter)
        .select(BoardRow::as_select())
        .order((d::updated_at.desc(), d::id.desc()))
        .offset(page.sql_offset())
        .limit(i64::from(page.limit()))
        .load(conn)?
        .into_iter()
        .map(BoardRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page_of(rows, total))
}

/// Dashboard `id` of the organisation.
pub fn find(conn: &mut DbConn, org: OrgId, id: i64) -> Result<Dashboard, StoreError> {
    d::table
        .filter(d::org_id.eq(org.to_string()))
        .filter(d::id.eq(id))
        .select(BoardRow::as_select())
        .first(conn)?
        .into_domain()
}

/// Why a dashboard write was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardRefusal {
    /// The folder is not one of the organisation's.
    UnknownFolder(i64),
    /// The version named is not the current one.
    Stale {
        /// The current version.
        current: i64,
    },
    /// The organisation keeps as many dashboards as it may.
    TooMany {
        /// How many it may keep.
        max: i64,
    },
}

fn check_folder(
    conn: &mut DbConn,
    org: OrgId,
    folder: Option<i64>,
) -> Result<Result<(), BoardRefusal>, StoreError> {
    match folder {
        Some(id) if !folders::exists(conn, org, id)? => Ok(Err(BoardRefusal::UnknownFolder(id))),
        _ => Ok(Ok(())),
    }
}

/// Saves a new dashboard (version 1), unless the organisation keeps `max` already.
pub fn create(
    conn: &mut DbConn,
    org: OrgId,
    draft: &DashboardDraft,
    by: Option<UserId>,
    at: NaiveDateTime,
    max: i64,
) -> Result<Result<Dashboard, BoardRefusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        let kept: i64 = d::table
            .filter(d::org_id.eq(org.to_string()))
            .count()
            .get_result(conn)?;
        if kept >= max {
            return Ok(Err(BoardRefusal::TooMany { max }));
        }
        if let Err(r) = check_folder(conn, org, draft.folder_id)? {
            return Ok(Err(r));
        }
        diesel::insert_into(d::table)
            .values((
                d::org_id.eq(org.to_string()),
                d::folder_id.eq(draft.folder_id),
                d::title.eq(&draft.title),
                d::description.eq(&draft.description),
                d::theme.eq(draft.theme.as_deref()),
                d::layout.eq(&draft.layout_json),
                d::charts.eq(&draft.charts_json),
                d::version.eq(1),
                d::created_by.eq(by.map(|u| u.to_string())),
                d::created_at.eq(at),
                d::updated_at.eq(at),
            ))
            .execute(conn)?;
        let id = crate::db::last_insert_id(conn)?;
        Ok(Ok(find(conn, org, id)?))
    })
}

/// Replaces dashboard `id`'s content if `version` is current; the version goes up by one.
pub fn update(
    conn: &mut DbConn,
    org: OrgId,
    id: i64,
    version: i64,
    draft: &DashboardDraft,
    at: NaiveDateTime,
) -> Result<Result<Dashboard, BoardRefusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        let current = find(conn, org, id)?;
        if let Err(r) = check_folder(conn, org, draft.folder_id)? {
            return Ok(Err(r));
        }
        let changed = diesel::update(
            d::table
                .filter(d::org_id.eq(org.to_string()))
                .filter(d::id.eq(id))
                .filter(d::version.eq(version)),
        )
        .set((
            d::folder_id.eq(draft.folder_id),
            d::title.eq(&draft.title),
            d::description.eq(&draft.description),
            d::theme.eq(draft.theme.as_deref()),
            d::layout.eq(&draft.layout_json),
            d::charts.eq(&draft.charts_json),
            d::version.eq(version + 1),
            d::updated_at.eq(at),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Ok(Err(BoardRefusal::Stale {
                current: current.version,
            }));
        }
        Ok(Ok(find(conn, org, id)?))
    })
}

/// Moves dashboard `id` into `folder` (none: to the top); the version goes up by one.
pub fn move_to(
    conn: &mut DbConn,
    org: OrgId,
    id: i64,
    folder: Option<i64>,
    at: NaiveDateTime,
) -> Result<Result<Dashboard, BoardRefusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        find(conn, org, id)?;
        if let Err(r) = check_folder(conn, org, folder)? {
            return Ok(Err(r));
        }
        diesel::update(
            d::table
                .filter(d::org_id.eq(org.to_string()))
                .filter(d::id.eq(id)),
        )
        .set((
            d::folder_id.eq(folder),
            d::version.eq(d::version + 1),
            d::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(Ok(find(conn, org, id)?))
    })
}

/// Deletes dashboard `id`; whether it existed.
pub fn delete(conn: &mut DbConn, org: OrgId, id: i64) -> Result<bool, StoreError> {
    Ok(diesel::delete(
        d::table
            .filter(d::org_id.eq(org.to_string()))
            .filter(d::id.eq(id)),
    )
    .execute(conn)?
        > 0)
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("Sales"), "%sales%");
        assert_eq!(contains_pattern("100%_x\\"), "%100\\%\\_x\\\\%");
    }
}
