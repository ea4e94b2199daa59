//! The retail staff directory: store and regional managers, optionally linked to the user
//! account acting as them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::retail::{Staff, StaffDraft};
use tessera_domain::{OrgId, UserId};

use super::numbers::{self, Kind};
use crate::schema::{retail_staff as st, retail_stores as s};
use crate::{DbConn, StoreError};

/// A row of `retail_staff`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = st)]
pub(crate) struct StaffRow {
    org_id: String,
    pub(crate) number: i64,
    username: String,
    first_name: String,
    last_name: String,
    email: String,
    avatar_url: Option<String>,
    role: String,
    region: Option<String>,
    user_id: Option<String>,
    created_at: NaiveDateTime,
}

impl StaffRow {
    pub(crate) fn into_domain(self, store: Option<i64>) -> Result<Staff, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("staff {}: {what}", self.number));
        Ok(Staff {
            number: self.number,
            org_id: crate::parse_org(&self.org_id, "staff")?,
            role: self.role.parse().map_err(|_| corrupt("role"))?,
            user_id: match &self.user_id {
                Some(u) => Some(u.parse().map_err(|_| corrupt("user_id"))?),
                None => None,
            },
            username: self.username,
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            avatar_url: self.avatar_url,
            store,
            region: self.region,
            created_at: self.created_at,
        })
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = st, treat_none_as_null = true)]
struct StaffFields<'a> {
    username: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    email: &'a str,
    avatar_url: Option<&'a str>,
    role: &'a str,
    store_id: Option<i64>,
    region: Option<&'a str>,
}

/// A staff member to insert, with the account acting as them.
#[derive(Debug, Clone)]
pub struct NewStaff {
    /// Their fields.
    pub draft: StaffDraft,
    /// The linked user account.
    pub user_id: Option<UserId>,
}

/// The internal id of store `number`, or a refusal naming the field.
fn store_id(conn: &mut DbConn, org: OrgId, number: Option<i64>) -> Result<Option<i64>, StoreError> {
    match number {
        None => Ok(None),
        Some(n) => Ok(Some(
            s::table
                .filter(s::org_id.eq(org.to_string()))
                .filter(s::number.eq(n))
                .select(s::id)
                .first(conn)
                .optional()?
                .ok_or_else(|| StoreError::Conflict(format!("store {n} does not exist")))?,
        )),
    }
}

fn fields<'a>(d: &'a StaffDraft, store_id: Option<i64>) -> StaffFields<'a> {
    StaffFields {
        username: &d.username,
        first_name: &d.first_name,
        last_name: &d.last_name,
        email: &d.email,
        avatar_url: d.avatar_url.as_deref(),
        role: d.role.as_str(),
        store_id,
        region: d.region.as_deref(),
    }
}

/// Inserts staff members in order, numbered from the organisation's next staff number; an
/// unknown store or a username already used is a conflict.
pub fn insert_many(
    conn: &mut DbConn,
    org: OrgId,
    staff: &[NewStaff],
    at: NaiveDateTime,
) -> Result<Vec<Staff>, StoreError> {
    crate::atomically(conn, |conn| {
        let first = numbers::allocate(conn, org, Kind::Staff, staff.len() as i64)?;
        for (i, n) in staff.iter().enumerate() {
            let store = store_id(conn, org, n.draft.store)?;
            let row = (
                st::org_id.eq(org.to_string()),
                st::number.eq(first + i as i64),
                fields(&n.draft, store),
                st::user_id.eq(n.user_id.map(|u| u.to_string())),
                st::created_at.eq(at),
            );
            diesel::insert_into(st::table).values(row).execute(conn)?;
        }
        let numbers: Vec<i64> = (first..first + staff.len() as i64).collect();
        by_numbers(conn, org, &numbers)
    })
}

/// Replaces the fields of staff member `number` and, when `account` is given, the account
/// acting as them (`Some(None)` unlinks), in one transaction; an account outside the
/// organisation is a conflict and changes nothing.
pub fn update(
    conn: &mut DbConn,
    org: OrgId,
    number: i64,
    draft: &StaffDraft,
    account: Option<Option<UserId>>,
) -> Result<Staff, StoreError> {
    crate::atomically(conn, |conn| {
        let store = store_id(conn, org, draft.store)?;
        let n = diesel::update(
            st::table
                .filter(st::org_id.eq(org.to_string()))
                .filter(st::number.eq(number)),
        )
        .set(fields(draft, store))
        .execute(conn)?;
        crate::affected(n)?;
        if let Some(user) = account {
            set_link(conn, org, number, user)?;
        }
        find(conn, org, number)
    })
}

/// Links staff member `number` to the user account `user` (none: unlinks); the account must be
/// a member of the organisation, else a conflict.
pub fn link(
    conn: &mut DbConn,
    org: OrgId,
    number: i64,
    user: Option<UserId>,
) -> Result<Staff, StoreError> {
    crate::atomically(conn, |conn| {
        set_link(conn, org, number, user)?;
        find(conn, org, number)
    })
}

/// [`link`] inside the caller's transaction.
fn set_link(
    conn: &mut DbConn,
    org: OrgId,
    number: i64,
    user: Option<UserId>,
) -> Result<(), StoreError> {
    if let Some(u) = user {
        crate::core::users::find(conn, org, u).map_err(|e| match e {
            StoreError::NotFound => {
                StoreError::Conflict(format!("user {u} is not a member of the organisation"))
            }
            other => other,
        })?;
    }
    let n = diesel::update(
        st::table
            .filter(st::org_id.eq(org.to_string()))
            .filter(st::number.eq(number)),
    )
    .set(st::user_id.eq(user.map(|u| u.to_string())))
    .execute(conn)?;
    crate::affected(n)
}

/// Staff member `number` of the organisation.
pub fn find(conn: &mut DbConn, org: OrgId, number: i64) -> Result<Staff, StoreError> {
    by_numbers(conn, org, &[number])?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// The staff member the user account `user` acts as, if any.
pub fn of_user(conn: &mut DbConn, org: OrgId, user: UserId) -> Result<Option<Staff>, StoreError> {
    let found: Option<(StaffRow, Option<i64>)> = st::table
        .left_join(s::table)
        .filter(st::org_id.eq(org.to_string()))
        .filter(st::user_id.eq(user.to_string()))
        .select((StaffRow::as_select(), s::number.nullable()))
        .first(conn)
        .optional()?;
    found.map(|(r, store)| r.into_domain(store)).transpose()
}

fn by_numbers(conn: &mut DbConn, org: OrgId, numbers: &[i64]) -> Result<Vec<Staff>, StoreError> {
    let rows: Vec<(StaffRow, Option<i64>)> = st::table
        .left_join(s::table)
        .filter(st::org_id.eq(org.to_string()))
        .filter(st::number.eq_any(numbers))
        .order(st::number)
        .select((StaffRow::as_select(), s::number.nullable()))
        .load(conn)?;
    rows.into_iter()
        .map(|(r, store)| r.into_domain(store))
        .collect()
}

/// Filters of the staff directory.
#[derive(Debug, Clone, Default)]
pub struct StaffFilter {
    /// Only this role.
    pub role: Option<String>,
    /// Only this region.
    pub region: Option<String>,
    /// Only staff of this store (its number).
    pub store: Option<i64>,
}

/// The organisation's staff matching `filter`, by number, `limit` from `offset`.
pub fn list(
    conn: &mut DbConn,
    org: OrgId,
    filter: &StaffFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<Staff>, StoreError> {
    let mut q = st::table
        .left_join(s::table)
        .filter(st::org_id.eq(org.to_string()))
        .select((StaffRow::as_select(), s::number.nullable()))
        .into_boxed();
    if let Some(r) = &filter.role {
        q = q.filter(st::role.eq(r.clone()));
    }
    if let Some(r) = &filter.region {
        q = q.filter(st::region.eq(r.clone()));
    }
    if let Some(n) = filter.store {
        q = q.filter(s::number.eq(n));
    }
    let rows: Vec<(StaffRow, Option<i64>)> =
        q.order(st::number).offset(offset).limit(limit).load(conn)?;
    rows.into_iter()
        .map(|(r, store)| r.into_domain(store))
        .collect()
}
