//! Stores of each organisation (the warehouse among them) and their regions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::retail::{Store, StoreDraft, MAX_STORES};
use tessera_domain::OrgId;

use super::numbers::{self, Kind};
use crate::data::datasets::like_pattern;
use crate::lower;
use crate::schema::retail_stores as s;
use crate::{DbConn, StoreError};

/// A row of `retail_stores`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = s)]
pub(crate) struct StoreRow {
    org_id: String,
    pub(crate) number: i64,
    name: String,
    code: String,
    address: String,
    city: String,
    state: String,
    zip_code: String,
    region: String,
    store_type: String,
    created_at: NaiveDateTime,
}

impl StoreRow {
    pub(crate) fn into_domain(self) -> Result<Store, StoreError> {
        Ok(Store {
            number: self.number,
            org_id: crate::parse_org(&self.org_id, "store")?,
            store_type: self
                .store_type
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("store {}: store_type", self.number)))?,
            name: self.name,
            code: self.code,
            address: self.address,
            city: self.city,
            state: self.state,
            zip_code: self.zip_code,
            region: self.region,
            created_at: self.created_at,
        })
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = s)]
struct StoreFields<'a> {
    name: &'a str,
    code: &'a str,
    address: &'a str,
    city: &'a str,
    state: &'a str,
    zip_code: &'a str,
    region: &'a str,
    store_type: &'a str,
}

impl<'a> StoreFields<'a> {
    fn of(d: &'a StoreDraft) -> Self {
        Self {
            name: &d.name,
            code: &d.code,
            address: &d.address,
            city: &d.city,
            state: &d.state,
            zip_code: &d.zip_code,
            region: &d.region,
            store_type: d.store_type.as_str(),
        }
    }
}

/// Inserts stores in order, numbered from the organisation's next store number; a code already
/// used in the organisation is a conflict.
pub fn insert_many(
    conn: &mut DbConn,
    org: OrgId,
    drafts: &[StoreDraft],
    at: NaiveDateTime,
) -> Result<Vec<Store>, StoreError> {
    crate::atomically(conn, |conn| {
        let first = numbers::allocate(conn, org, Kind::Store, drafts.len() as i64)?;
        for chunk in drafts.chunks(200).enumerate() {
            let (i, chunk) = chunk;
            let rows: Vec<_> = chunk
                .iter()
                .enumerate()
                .map(|(j, d)| {
                    (
                        s::org_id.eq(org.to_string()),
                        s::number.eq(first + (i * 200 + j) as i64),
                        StoreFields::of(d),
                        s::created_at.eq(at),
                    )
                })
                .collect();
            crate::db::insert_rows!(conn, s::table, &rows)?;
        }
        let numbers: Vec<i64> = (first..first + drafts.len() as i64).collect();
        by_numbers(conn, org, &numbers)
    })
}

/// Opens a store: the organisation's next store number, and an empty inventory row (0 cases)
/// of every product, so its stock can be set and orders can reach it. A code already used is a
/// conflict, and so is a store past [`MAX_STORES`].
pub fn create(
    conn: &mut DbConn,
    org: OrgId,
    draft: &StoreDraft,
    at: NaiveDateTime,
) -> Result<Store, StoreError> {
    crate::atomically(conn, |conn| {
        let count: i64 = s::table
            .filter(s::org_id.eq(org.to_string()))
            .count()
            .get_result(conn)?;
        if count >= MAX_STORES {
            return Err(StoreError::Conflict(format!(
                "the organisation has {count} stores, the most it may have"
            )));
        }
        let first = numbers::allocate(conn, org, Kind::Store, 1)?;
        let row = (
            s::org_id.eq(org.to_string()),
            s::number.eq(first),
            StoreFields::of(draft),
            s::created_at.eq(at),
        );
        diesel::insert_into(s::table).values(row).execute(conn)?;
        let products: Vec<i64> = crate::schema::retail_products::table
            .filter(crate::schema::retail_products::org_id.eq(org.to_string()))
            .select(crate::schema::retail_products::number)
            .order(crate::schema::retail_products::number)
            .load(conn)?;
        let items: Vec<_> = products.into_iter().map(|p| (first, p, 0)).collect();
        super::inventory::stock(conn, org, &items, at)?;
        find(conn, org, first)
    })
}

/// Replaces the fields of store `number`.
pub fn update(
    conn: &mut DbConn,
    org: OrgId,
    number: i64,
    draft: &StoreDraft,
) -> Result<Store, StoreError> {
    crate::atomically(conn, |conn| {
        let n = diesel::update(
            s::table
                .filter(s::org_id.eq(org.to_string()))
                .filter(s::number.eq(number)),
        )
        .set(StoreFields::of(draft))
        .execute(conn)?;
        crate::affected(n)?;
        find(conn, org, number)
    })
}

/// Store `number` of the organisation.
pub fn find(conn: &mut DbConn, org: OrgId, number: i64) -> Result<Store, StoreError> {
    row(conn, org, number)?.into_domain()
}

pub(crate) fn row(conn: &mut DbConn, org: OrgId, number: i64) -> Result<StoreRow, StoreError> {
    Ok(s::table
        .filter(s::org_id.eq(org.to_string()))
        .filter(s::number.eq(number))
        .select(StoreRow::as_select())
        .first(conn)?)
}

fn by_numbers(conn: &mut DbConn, org: OrgId, numbers: &[i64]) -> Result<Vec<Store>, StoreError> {
    let mut out = Vec::with_capacity(numbers.len());
    for chunk in numbers.chunks(500) {
        let rows: Vec<StoreRow> = s::table
            .filter(s::org_id.eq(org.to_string()))
            .filter(s::number.eq_any(chunk))
            .order(s::number)
            .select(StoreRow::as_select())
            .load(conn)?;
        for r in rows {
            out.push(r.into_domain()?);
        }
    }
    Ok(out)
}

/// Filters of the store list.
#[derive(Debug, Clone, Default)]
pub struct StoreFilter {
    /// Only this region.
    pub region: Option<String>,
    /// Only this type.
    pub store_type: Option<String>,
    /// Name, code or city containing this (any case).
    pub search: Option<String>,
}

/// The organisation's stores matching `filter`, ordered by region and name (at most `limit`).
pub fn list(
    conn: &mut DbConn,
    org: OrgId,
    filter: &StoreFilter,
    limit: i64,
) -> Result<Vec<Store>, StoreError> {
    let mut q = s::table
        .filter(s::org_id.eq(org.to_string()))
        .select(StoreRow::as_select())
        .into_boxed();
    if let Some(r) = &filter.region {
        q = q.filter(s::region.eq(r.clone()));
    }
    if let Some(t) = &filter.store_type {
        q = q.filter(s::store_type.eq(t.clone()));
    }
    if let Some(text) = &filter.search {
        let pattern = like_pattern(text.trim());
        q = q.filter(
            lower(s::name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(s::code).like(pattern.clone()).escape('\\'))
                .or(lower(s::city).like(pattern).escape('\\')),
        );
    }
    q.order((s::region, s::name, s::number))
        .limit(limit)
        .load::<StoreRow>(conn)?
        .into_iter()
        .map(StoreRow::into_domain)
        .collect()
}

/// Stores per region, ordered by region.
pub fn regions(conn: &mut DbConn, org: OrgId) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(s::table
        .filter(s::org_id.eq(org.to_string()))
        .group_by(s::region)
        .select((s::region, diesel::dsl::count_star()))
        .order(s::region)
        .load(conn)?)
}
