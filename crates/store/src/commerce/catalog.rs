//! Suppliers and products of each organisation's shop.

use diesel::prelude::*;
use tessera_domain::commerce::{Product, Supplier};
use tessera_domain::OrgId;

use crate::schema::{commerce_products, commerce_suppliers};
use crate::{DbConn, StoreError};

/// A supplier to insert.
#[derive(Debug, Clone)]
pub struct NewSupplier {
    /// Its name.
    pub name: String,
    /// 0..1.
    pub reliability_score: f64,
    /// Its country.
    pub country: String,
}

/// A product to insert.
#[derive(Debug, Clone)]
pub struct NewProduct {
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: String,
    /// The unit price in cents, above zero.
    pub price_cents: i64,
    /// Units in stock.
    pub stock_quantity: i64,
    /// Who supplies it.
    pub supplier_id: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = commerce_suppliers)]
struct SupplierInsert<'a> {
    org_id: String,
    name: &'a str,
    reliability_score: f64,
    country: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = commerce_products)]
struct ProductInsert<'a> {
    org_id: String,
    name: &'a str,
    category: &'a str,
    price_cents: i64,
    stock_quantity: i64,
    supplier_id: Option<i64>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = commerce_suppliers)]
struct SupplierRow {
    id: i64,
    org_id: String,
    name: String,
    reliability_score: f64,
    country: String,
}

impl SupplierRow {
    fn into_domain(self) -> Result<Supplier, StoreError> {
        Ok(Supplier {
            id: self.id,
            org_id: crate::parse_org(&self.org_id, "supplier")?,
            name: self.name,
            reliability_score: self.reliability_score,
            country: self.country,
        })
    }
}

/// A row of `commerce_products`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = commerce_products)]
pub(crate) struct ProductRow {
    id: i64,
    org_id: String,
    name: String,
    category: String,
    price_cents: i64,
    stock_quantity: i64,
    supplier_id: Option<i64>,
}

impl ProductRow {
    pub(crate) fn into_domain(self) -> Result<Product, StoreError> {
        Ok(Product {
            id: self.id,
            org_id: crate::parse_org(&self.org_id, "product")?,
            name: self.name,
            category: self.category,
            price: self.price_cents as f64 / 100.0,
            stock_quantity: self.stock_quantity,
            supplier_id: self.supplier_id,
        })
    }
}

/// Inserts the organisation's suppliers in batches; their ids in insertion order.
pub fn insert_suppliers(
    conn: &mut DbConn,
    org: OrgId,
    rows: &[NewSupplier],
) -> Result<Vec<i64>, StoreError> {
    let before = max_supplier_id(conn, org)?;
    for chunk in rows.chunks(500) {
        let values: Vec<SupplierInsert<'_>> = chunk
            .iter()
            .map(|r| SupplierInsert {
                org_id: org.to_string(),
                name: &r.name,
                reliability_score: r.reliability_score,
                country: &r.country,
            })
            .collect();
        crate::db::insert_batch!(conn, commerce_suppliers::table, &values)?;
    }
    Ok(commerce_suppliers::table
        .filter(commerce_suppliers::org_id.eq(org.to_string()))
        .filter(commerce_suppliers::id.gt(before))
        .order(commerce_suppliers::id.asc())
        .select(commerce_suppliers::id)
        .load(conn)?)
}

fn max_supplier_id(conn: &mut DbConn, org: OrgId) -> Result<i64, StoreError> {
    Ok(commerce_suppliers::table
        .filter(commerce_suppliers::org_id.eq(org.to_string()))
        .select(diesel::dsl::max(commerce_suppliers::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// Inserts the organisation's products in batches; their ids in insertion order.
pub fn insert_products(
    conn: &mut DbConn,
    org: OrgId,
    rows: &[NewProduct],
) -> Result<Vec<i64>, StoreError> {
    let before = commerce_products::table
        .filter(commerce_products::org_id.eq(org.to_string()))
        .select(diesel::dsl::max(commerce_products::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0);
    for chunk in rows.chunks(500) {
        let values: Vec<ProductInsert<'_>> = chunk
            .iter()
            .map(|r| ProductInsert {
                org_id: org.to_string(),
                name: &r.name,
                category: &r.category,
                price_cents: r.price_cents,
                stock_quantity: r.stock_quantity,
                supplier_id: r.supplier_id,
            })
            .collect();
        crate::db::insert_batch!(conn, commerce_products::table, &values)?;
    }
    Ok(commerce_products::table
        .filter(commerce_products::org_id.eq(org.to_string()))
        .filter(commerce_products::id.gt(before))
        .order(commerce_products::id.asc())
        .select(commerce_products::id)
        .load(conn)?)
}

/// The organisation's suppliers by id.
pub fn suppliers(conn: &mut DbConn, org: OrgId) -> Result<Vec<Supplier>, StoreError> {
    commerce_suppliers::table
        .filter(commerce_suppliers::org_id.eq(org.to_string()))
        .order(commerce_suppliers::id.asc())
        .select(SupplierRow::as_select())
        .load(conn)?
        .into_iter()
        .map(SupplierRow::into_domain)
        .collect()
}

/// Whether the organisation has a supplier `id`.
pub fn supplier_exists(conn: &mut DbConn, org: OrgId, id: i64) -> Result<bool, StoreError> {
    let n: i64 = commerce_suppliers::table
        .filter(commerce_suppliers::org_id.eq(org.to_string()))
        .filter(commerce_suppliers::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The organisation's product `id`.
pub fn product(conn: &mut DbConn, org: OrgId, id: i64) -> Result<Product, StoreError> {
    commerce_products::table
        .filter(commerce_products::org_id.eq(org.to_string()))
        .filter(commerce_products::id.eq(id))
        .select(ProductRow::as_select())
        .first(conn)?
        .into_domain()
}

/// The organisation's products with these ids (unknown ids are skipped).
pub fn products_by_id(
    conn: &mut DbConn,
    org: OrgId,
    ids: &[i64],
) -> Result<Vec<Product>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<ProductRow> = commerce_products::table
            .filter(commerce_products::org_id.eq(org.to_string()))
            .filter(commerce_products::id.eq_any(chunk))
            .select(ProductRow::as_select())
            .load(conn)?;
        for row in rows {
            out.push(row.into_domain()?);
        }
    }
    Ok(out)
}

/// The organisation's product categories, sorted.
pub fn categories(conn: &mut DbConn, org: OrgId) -> Result<Vec<String>, StoreError> {
    Ok(commerce_products::table
        .filter(commerce_products::org_id.eq(org.to_string()))
        .select(commerce_products::category)
        .distinct()
        .order(commerce_products::category.asc())
        .load(conn)?)
}

/// Filters of the product list.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter<'a> {
    /// Only this category.
    pub category: Option<&'a str>,
    /// Only this supplier's.
    pub supplier_id: Option<i64>,
    /// At most this many in stock.
    pub max_stock: Option<i64>,
}

/// The organisation's products matching `filter`, by id, `offset` rows skipped, at most `limit`.
pub fn products(
    conn: &mut DbConn,
    org: OrgId,
    filter: &ProductFilter<'_>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Product>, StoreError> {
    let mut q = commerce_products::table
        .filter(commerce_products::org_id.eq(org.to_string()))
        .into_boxed();
    if let Some(c) = filter.category {
        q = q.filter(commerce_products::category.eq(c.to_owned()));
    }
    if let Some(s) = filter.supplier_id {
        q = q.filter(commerce_products::supplier_id.eq(s));
    }
    if let Some(m) = filter.max_stock {
        q = q.filter(commerce_products::stock_quantity.le(m));
    }
    q.order(commerce_products::id.asc())
        .offset(offset)
        .limit(limit)
        .select(ProductRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ProductRow::into_domain)
        .collect()
}
