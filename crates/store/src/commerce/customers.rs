//! Customers of each organisation's shop, with their running ledgers (total spent, amount
//! statistics, habits, risk).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use tessera_domain::commerce::{Customer, Ledger};
use tessera_domain::{OrgId, Page, PageRequest};

use crate::data::datasets::like_pattern;
use crate::lower;
use crate::schema::commerce_customers as c;
use crate::{DbConn, StoreError};

/// A customer to insert.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    /// Unique within the organisation.
    pub email: String,
    /// When they registered (UTC).
    pub registration_date: NaiveDateTime,
    /// Their region.
    pub region: String,
}

#[derive(Insertable)]
#[diesel(table_name = c)]
struct CustomerInsert<'a> {
    org_id: String,
    email: &'a str,
    registration_date: NaiveDateTime,
    region: &'a str,
}

/// A row of `commerce_customers`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = c)]
pub(crate) struct CustomerRow {
    id: i64,
    org_id: String,
    email: String,
    registration_date: NaiveDateTime,
    region: String,
    total_spent_cents: i64,
    amount_count: i64,
    amount_mean: f64,
    amount_m2: f64,
    payment_methods: i64,
    purchase_hours: i64,
    risk_score: f64,
    risk_updated_at: Option<NaiveDateTime>,
}

impl CustomerRow {
    pub(crate) fn ledger(&self) -> Ledger {
        Ledger {
            total_spent_cents: self.total_spent_cents,
            amount_count: self.amount_count,
            amount_mean: self.amount_mean,
            amount_m2: self.amount_m2,
            payment_methods: self.payment_methods,
            purchase_hours: self.purchase_hours,
            risk_score: self.risk_score,
            risk_updated_at: self.risk_updated_at,
        }
    }

    pub(crate) fn into_domain(self) -> Result<Customer, StoreError> {
        Ok(Customer {
            id: self.id,
            org_id: crate::parse_org(&self.org_id, "customer")?,
            email: self.email,
            registration_date: self.registration_date,
            region: self.region,
            total_spent: self.total_spent_cents as f64 / 100.0,
            risk_score: self.risk_score,
        })
    }
}

/// Inserts the organisation's customers in batches; their ids in insertion order. An email
/// already registered in the organisation is a conflict.
pub fn insert_many(
    conn: &mut DbConn,
    org: OrgId,
    rows: &[NewCustomer],
) -> Result<Vec<i64>, StoreError> {
    let before = c::table
        .filter(c::org_id.eq(org.to_string()))
        .select(diesel::dsl::max(c::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0);
    for chunk in rows.chunks(500) {
        let values: Vec<CustomerInsert<'_>> = chunk
            .iter()
            .map(|r| CustomerInsert {
                org_id: org.to_string(),
                email: &r.email,
                registration_date: r.registration_date,
                region: &r.region,
            })
            .collect();
        crate::db::insert_batch!(conn, c::table, &values)?;
    }
    Ok(c::table
        .filter(c::org_id.eq(org.to_string()))
        .filter(c::id.gt(before))
        .order(c::id.asc())
        .select(c::id)
        .load(conn)?)
}

/// The organisation's customer `id`.
pub fn find(conn: &mut DbConn, org: OrgId, id: i64) -> Result<Customer, StoreError> {
    c::table
        .filter(c::org_id.eq(org.to_string()))
        .filter(c::id.eq(id))
        .select(CustomerRow::as_select())
        .first(conn)?
        .into_domain()
}

/// The ledger of the organisation's customer `id`.
pub fn ledger(conn: &mut DbConn, org: OrgId, id: i64) -> Result<Ledger, StoreError> {
    Ok(c::table
        .filter(c::org_id.eq(org.to_string()))
        .filter(c::id.eq(id))
        .select(CustomerRow::as_select())
        .first(conn)?
        .ledger())
}

/// Locks the organisation's customer `id` for the rest of the database transaction (bumping
/// its revision, as the write path does first) and reads their ledger as it is now.
pub fn lock_ledger(conn: &mut DbConn, org: OrgId, id: i64) -> Result<Ledger, StoreError> {
    let n = diesel::update(
        c::table
            .filter(c::org_id.eq(org.to_string()))
            .filter(c::id.eq(id)),
    )
    .set(c::revision.eq(c::revision + 1))
    .execute(conn)?;
    crate::affected(n)?;
    ledger(conn, org, id)
}

/// The organisation's customers by id, optionally those whose email contains `search`
/// (case-insensitive); a page past the end is empty.
pub fn list(
    conn: &mut DbConn,
    org: OrgId,
    search: Option<&str>,
    page: PageRequest,
) -> Result<Page<Customer>, StoreError> {
    let scoped = || {
        let mut q = c::table.filter(c::org_id.eq(org.to_string())).into_boxed();
        if let Some(term) = search.filter(|s| !s.trim().is_empty()) {
            q = q.filter(lower(c::email).like(like_pattern(term.trim())).escape('\\'));
        }
        q
    };
    let total: i64 = scoped().count().get_result(conn)?;
    let rows: Vec<CustomerRow> = scoped()
        .select(CustomerRow::as_select())
        .order(c::id.asc())
        .limit(i64::from(page.limit()))
        .offset(page.sql_offset())
        .load(conn)?;
    Ok(page.page_of(
        rows.into_iter()
            .map(CustomerRow::into_domain)
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// The organisation's customers with id above `after`, by id, at most `limit`, with their
/// ledgers (batches of a recalculation).
pub fn batch_after(
    conn: &mut DbConn,
    org: OrgId,
    after: i64,
    limit: i64,
) -> Result<Vec<(Customer, Ledger)>, StoreError> {
    c::table
        .filter(c::org_id.eq(org.to_string()))
        .filter(c::id.gt(after))
        .order(c::id.asc())
        .limit(limit)
        .select(CustomerRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| {
            let ledger = row.ledger();
            Ok((row.into_domain()?, ledger))
        })
        .collect()
}

/// Every customer's amount statistics of the organisation summed in the database: the number
/// of amounts, their sum (dollars) and Σ (m2 + count × mean²), from which the merged variance
/// follows, without loading a row per customer.
pub fn amount_totals(conn: &mut DbConn, org: OrgId) -> Result<(i64, f64, f64), StoreError> {
    use diesel::sql_types::Double;
    let count = crate::db::sum_bigint(conn, "amount_count");
    Ok(c::table
        .filter(c::org_id.eq(org.to_string()))
        .select((
            diesel::dsl::sql::<BigInt>(&count),
            diesel::dsl::sql::<Double>("COALESCE(SUM(amount_count * amount_mean), 0)"),
            diesel::dsl::sql::<Double>(
                "COALESCE(SUM(amount_m2 + amount_count * amount_mean * amount_mean), 0)",
            ),
        ))
        .first(conn)?)
}

/// Writes the ledger of the organisation's customer `id`.
pub fn set_ledger(
    conn: &mut DbConn,
    org: OrgId,
    id: i64,
    ledger: &Ledger,
) -> Result<(), StoreError> {
    let n = diesel::update(
        c::table
            .filter(c::org_id.eq(org.to_string()))
            .filter(c::id.eq(id)),
    )
    .set((
        c::total_spent_cents.eq(ledger.total_spent_cents),
        c::amount_count.eq(ledger.amount_count),
        c::amount_mean.eq(ledger.amount_mean),
        c::amount_m2.eq(ledger.amount_m2),
        c::payment_methods.eq(ledger.payment_methods),
        c::purchase_hours.eq(ledger.purchase_hours),
        c::risk_score.eq(ledger.risk_score),
        c::risk_updated_at.eq(ledger.risk_updated_at),
        c::revision.eq(c::revision + 1),
    ))
    .execute(conn)?;
    crate::affected(n)
}

/// Head counts of the organisation's customers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerCounts {
    /// Customers registered.
    pub total: i64,
    /// Their mean total spent, in dollars (0 without customers).
    pub average_spent: f64,
    /// Customers whose risk score is at least the threshold asked for.
    pub high_risk: i64,
}

/// Counts the organisation's customers, their mean total spent and those at `risk_at_least`.
pub fn counts(
    conn: &mut DbConn,
    org: OrgId,
    risk_at_least: f64,
) -> Result<CustomerCounts, StoreError> {
    let sum = crate::db::sum_bigint(conn, "total_spent_cents");
    let (total, spent): (i64, i64) = c::table
        .filter(c::org_id.eq(org.to_string()))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::BigInt>(&sum),
        ))
        .first(conn)?;
    let high_risk: i64 = c::table
        .filter(c::org_id.eq(org.to_string()))
        .filter(c::risk_score.ge(risk_at_least))
        .count()
        .get_result(conn)?;
    Ok(CustomerCounts {
        total,
        average_spent: if total > 0 {
            spent as f64 / 100.0 / total as f64
        } else {
            0.0
        },
        high_risk,
    })
}

/// Every customer of the organisation as (id, registration date, region).
pub fn registrations(
    conn: &mut DbConn,
    org: OrgId,
) -> Result<Vec<(i64, NaiveDateTime, String)>, StoreError> {
    Ok(c::table
        .filter(c::org_id.eq(org.to_string()))
        .order(c::id.asc())
        .select((c::id, c::registration_date, c::region))
        .load(conn)?)
}
