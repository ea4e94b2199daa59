//! Products the stores stock, with their categories and brands.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::retail::{ProductDraft, RetailProduct, MAX_PRODUCTS};
use tessera_domain::OrgId;

use super::numbers::{self, Kind};
use super::stock_totals;
use crate::data::datasets::like_pattern;
use crate::lower;
use crate::schema::retail_products as p;
use crate::{DbConn, StoreError};

/// A row of `retail_products`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = p)]
pub(crate) struct ProductRow {
    org_id: String,
    pub(crate) number: i64,
    name: String,
    brand: String,
    category: String,
    package_size: String,
    unit_price_cents: i64,
    created_at: NaiveDateTime,
}

impl ProductRow {
    pub(crate) fn into_domain(self) -> Result<RetailProduct, StoreError> {
        Ok(RetailProduct {
            number: self.number,
            org_id: crate::parse_org(&self.org_id, "product")?,
            name: self.name,
            brand: self.brand,
            category: self.category,
            package_size: self.package_size,
            unit_price_cents: self.unit_price_cents,
            created_at: self.created_at,
        })
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = p)]
struct ProductFields<'a> {
    name: &'a str,
    brand: &'a str,
    category: &'a str,
    package_size: &'a str,
    unit_price_cents: i64,
}

impl<'a> ProductFields<'a> {
    fn of(d: &'a ProductDraft) -> Self {
        Self {
            name: &d.name,
            brand: &d.brand,
            category: &d.category,
            package_size: &d.package_size,
            unit_price_cents: d.unit_price_cents,
        }
    }
}

/// Inserts products in order, numbered from the organisation's next product number.
pub fn insert_many(
    conn: &mut DbConn,
    org: OrgId,
    drafts: &[ProductDraft],
    at: NaiveDateTime,
) -> Result<Vec<RetailProduct>, StoreError> {
    crate::atomically(conn, |conn| {
        let first = numbers::allocate(conn, org, Kind::Product, drafts.len() as i64)?;
        for (i, chunk) in drafts.chunks(200).enumerate() {
            let rows: Vec<_> = chunk
                .iter()
                .enumerate()
                .map(|(j, d)| {
                    (
                        p::org_id.eq(org.to_string()),
                        p::number.eq(first + (i * 200 + j) as i64),
                        ProductFields::of(d),
                        p::created_at.eq(at),
                    )
                })
                .collect();
            crate::db::insert_rows!(conn, p::table, &rows)?;
        }
        let numbers: Vec<i64> = (first..first + drafts.len() as i64).collect();
        bulk(conn, org, &numbers)
    })
}

/// Adds a product: the organisation's next product number, and an empty inventory row (0
/// cases) at every store, so its stock can be set and ordered; refused (conflict) past
/// [`MAX_PRODUCTS`].
pub fn create(
    conn: &mut DbConn,
    org: OrgId,
    draft: &ProductDraft,
    at: NaiveDateTime,
) -> Result<RetailProduct, StoreError> {
    crate::atomically(conn, |conn| {
        let count: i64 = p::table
            .filter(p::org_id.eq(org.to_string()))
            .count()
            .get_result(conn)?;
        if count >= MAX_PRODUCTS {
            return Err(StoreError::Conflict(format!(
                "the organisation has {count} products, the most it may have"
            )));
        }
        let first = numbers::allocate(conn, org, Kind::Product, 1)?;
        let row = (
            p::org_id.eq(org.to_string()),
            p::number.eq(first),
            ProductFields::of(draft),
            p::created_at.eq(at),
        );
        diesel::insert_into(p::table).values(row).execute(conn)?;
        let stores: Vec<i64> = crate::schema::retail_stores::table
            .filter(crate::schema::retail_stores::org_id.eq(org.to_string()))
            .select(crate::schema::retail_stores::number)
            .order(crate::schema::retail_stores::number)
            .load(conn)?;
        let items: Vec<_> = stores.into_iter().map(|s| (s, first, 0)).collect();
        super::inventory::stock(conn, org, &items, at)?;
        find(conn, org, first)
    })
}

/// Replaces the fields of product `number`.
pub fn update(
    conn: &mut DbConn,
    org: OrgId,
    number: i64,
    draft: &ProductDraft,
) -> Result<RetailProduct, StoreError> {
    crate::atomically(conn, |conn| {
        let before = row(conn, org, number)?;
        let id: i64 = p::table
            .filter(p::org_id.eq(org.to_string()))
            .filter(p::number.eq(number))
            .select(p::id)
            .first(conn)?;
        // its stock per store, locked so no stock change slips between reading and re-pricing
        let stock = stock_of(conn, id)?;
        let n = diesel::update(
            p::table
                .filter(p::org_id.eq(org.to_string()))
                .filter(p::number.eq(number)),
        )
        .set(ProductFields::of(draft))
        .execute(conn)?;
        crate::affected(n)?;
        if before.category != draft.category || before.unit_price_cents != draft.unit_price_cents {
            for (store_id, cases) in stock.into_iter().filter(|s| s.1 != 0) {
                let (old, new) = (before.unit_price_cents, draft.unit_price_cents);
                stock_totals::add(conn, org, store_id, &before.category, -cases, -cases * old)?;
                stock_totals::add(conn, org, store_id, &draft.category, cases, cases * new)?;
            }
        }
        find(conn, org, number)
    })
}

/// Cases of product `product_id` (internal id) per store, its inventory rows locked.
fn stock_of(conn: &mut DbConn, product_id: i64) -> Result<Vec<(i64, i64)>, StoreError> {
    use crate::schema::retail_inventory as i;
    let rows = i::table
        .filter(i::product_id.eq(product_id))
        .select((i::store_id, i::quantity_cases))
        .order(i::id);
    Ok(match conn {
        DbConn::Postgres(c) => rows.for_update().load(c)?,
        DbConn::Mysql(c) => rows.for_update().load(c)?,
        // a SQLite transaction holds the write lock from its start
        DbConn::Sqlite(_) => rows.load(conn)?,
    })
}

/// Product `number` of the organisation.
pub fn find(conn: &mut DbConn, org: OrgId, number: i64) -> Result<RetailProduct, StoreError> {
    row(conn, org, number)?.into_domain()
}

pub(crate) fn row(conn: &mut DbConn, org: OrgId, number: i64) -> Result<ProductRow, StoreError> {
    Ok(p::table
        .filter(p::org_id.eq(org.to_string()))
        .filter(p::number.eq(number))
        .select(ProductRow::as_select())
        .first(conn)?)
}

/// The organisation's products among `numbers`, ordered by name (absent ones left out).
pub fn bulk(
    conn: &mut DbConn,
    org: OrgId,
    numbers: &[i64],
) -> Result<Vec<RetailProduct>, StoreError> {
    let mut rows: Vec<ProductRow> = Vec::with_capacity(numbers.len());
    for chunk in numbers.chunks(500) {
        rows.extend(
            p::table
                .filter(p::org_id.eq(org.to_string()))
                .filter(p::number.eq_any(chunk))
                .select(ProductRow::as_select())
                .load::<ProductRow>(conn)?,
        );
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.number.cmp(&b.number)));
    rows.into_iter().map(ProductRow::into_domain).collect()
}

/// Filters of the product list.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Only this category.
    pub category: Option<String>,
    /// Only this brand.
    pub brand: Option<String>,
    /// Name or brand containing this (any case).
    pub search: Option<String>,
}

/// The organisation's products matching `filter`, ordered by name, `limit` from `offset`.
pub fn list(
    conn: &mut DbConn,
    org: OrgId,
    filter: &ProductFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<RetailProduct>, StoreError> {
    let mut q = p::table
        .filter(p::org_id.eq(org.to_string()))
        .select(ProductRow::as_select())
        .into_boxed();
    if let Some(c) = &filter.category {
        q = q.filter(p::category.eq(c.clone()));
    }
    if let Some(b) = &filter.brand {
        q = q.filter(p::brand.eq(b.clone()));
    }
    if let Some(text) = &filter.search {
        let pattern = like_pattern(text.trim());
        q = q.filter(
            lower(p::name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(p::brand).like(pattern).escape('\\')),
        );
    }
    q.order((p::name, p::number))
        .offset(offset)
        .limit(limit)
        .load::<ProductRow>(conn)?
        .into_iter()
        .map(ProductRow::into_domain)
        .collect()
}

/// The organisation's distinct categories, sorted.
pub fn categories(conn: &mut DbConn, org: OrgId) -> Result<Vec<String>, StoreError> {
    Ok(p::table
        .filter(p::org_id.eq(org.to_string()))
        .select(p::category)
        .distinct()
        .order(p::category)
        .load(conn)?)
}

/// The organisation's distinct brands, sorted.
pub fn brands(conn: &mut DbConn, org: OrgId) -> Result<Vec<String>, StoreError> {
    Ok(p::table
        .filter(p::org_id.eq(org.to_string()))
        .select(p::brand)
        .distinct()
        .order(p::brand)
        .load(conn)?)
}
