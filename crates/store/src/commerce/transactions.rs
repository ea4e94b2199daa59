//! Transactions and their write path: a post locks the customer's row, reads what the fraud
//! rules need, takes the stock, inserts the scored row and moves the customer's ledger, all in
//! one database transaction; a review settles a flagged transaction the same way.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use tessera_domain::commerce::{
    Customer, Ledger, Product, Transaction, TransactionDraft, TransactionStatus,
};
use tessera_domain::OrgId;

use super::catalog::ProductRow;
use super::customers::{self, CustomerRow};
use crate::schema::{commerce_customers as c, commerce_products as p, commerce_transactions as t};
use crate::{DbConn, StoreError};

/// A row of `commerce_transactions`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = t)]
pub(crate) struct TransactionRow {
    id: i64,
    org_id: String,
    customer_id: i64,
    product_id: i64,
    quantity: i64,
    price_cents: i64,
    amount_cents: i64,
    payment_method: String,
    status: String,
    occurred_at: NaiveDateTime,
    risk_score: Option<f64>,
    fraud_check: Option<String>,
    reviewed_at: Option<NaiveDateTime>,
}

impl TransactionRow {
    /// The row `id` just inserted from `n`, as the database holds it (no read back).
    fn inserted(id: i64, org: OrgId, n: &NewTransaction) -> Self {
        Self {
            id,
            org_id: org.to_string(),
            customer_id: n.customer_id,
            product_id: n.product_id,
            quantity: n.quantity,
            price_cents: n.price_cents,
            amount_cents: n.price_cents * n.quantity,
            payment_method: n.payment_method.as_str().to_owned(),
            status: n.status.as_str().to_owned(),
            occurred_at: n.at,
            risk_score: n.risk_score,
            fraud_check: n.fraud_check_json.clone(),
            reviewed_at: None,
        }
    }

    pub(crate) fn into_domain(self) -> Result<Transaction, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("transaction {}: {what}", self.id));
        Ok(Transaction {
            id: self.id,
            org_id: crate::parse_org(&self.org_id, "transaction")?,
            customer_id: self.customer_id,
            product_id: self.product_id,
            quantity: self.quantity,
            price_cents: self.price_cents,
            amount_cents: self.amount_cents,
            payment_method: self
                .payment_method
                .parse()
                .map_err(|_| corrupt("payment_method"))?,
            status: self.status.parse().map_err(|_| corrupt("status"))?,
            timestamp: self.occurred_at,
            risk_score: self.risk_score,
            fraud_check_json: self.fraud_check,
            reviewed_at: self.reviewed_at,
        })
    }
}

/// A transaction to insert as it is (demo data, imports): no scoring, no stock, no ledger.
#[derive(Debug, Clone)]
pub struct NewTransaction {
    /// The buyer.
    pub customer_id: i64,
    /// What is bought.
    pub product_id: i64,
    /// How many.
    pub quantity: i64,
    /// The unit price in cents.
    pub price_cents: i64,
    /// How it was paid.
    pub payment_method: tessera_domain::commerce::PaymentMethod,
    /// Where it stands.
    pub status: TransactionStatus,
    /// When it happened (UTC).
    pub at: NaiveDateTime,
    /// Its fraud score.
    pub risk_score: Option<f64>,
    /// Its fraud check (JSON).
    pub fraud_check_json: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = t)]
struct TransactionInsert<'a> {
    org_id: String,
    customer_id: i64,
    product_id: i64,
    quantity: i64,
    price_cents: i64,
    amount_cents: i64,
    payment_method: &'a str,
    status: &'a str,
    occurred_at: NaiveDateTime,
    occurred_hour: i64,
    risk_score: Option<f64>,
    fraud_check: Option<&'a str>,
}

impl<'a> TransactionInsert<'a> {
    fn of(org: OrgId, n: &'a NewTransaction) -> Self {
        Self {
            org_id: org.to_string(),
            customer_id: n.customer_id,
            product_id: n.product_id,
            quantity: n.quantity,
            price_cents: n.price_cents,
            amount_cents: n.price_cents * n.quantity,
            payment_method: n.payment_method.as_str(),
            status: n.status.as_str(),
            occurred_at: n.at,
            occurred_hour: hour_of(n.at),
            risk_score: n.risk_score,
            fraud_check: n.fraud_check_json.as_deref(),
        }
    }
}

/// Hours since the Unix epoch of `at`: the hourly bucket every engine groups by alike.
pub fn hour_of(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp().div_euclid(3600)
}

/// Inserts rows as they are (demo data), in batches; the customers' ledgers are the caller's.
pub fn insert_many(
    conn: &mut DbConn,
    org: OrgId,
    rows: &[NewTransaction],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        let values: Vec<TransactionInsert<'_>> = chunk
            .iter()
            .map(|n| TransactionInsert::of(org, n))
            .collect();
        crate::db::insert_batch!(conn, t::table, &values)?;
    }
    Ok(())
}

/// What the scorer sees, read under the customer's row lock.
#[derive(Debug)]
pub struct PostContext<'a> {
    /// The buyer.
    pub customer: &'a Customer,
    /// The buyer's ledger before this transaction.
    pub ledger: &'a Ledger,
    /// What is bought.
    pub product: &'a Product,
    /// The buyer's transactions in the velocity window ending at `at`.
    pub in_window: u64,
    /// The unit price in cents.
    pub price_cents: i64,
    /// Price × quantity in cents.
    pub amount_cents: i64,
    /// When it happens.
    pub at: NaiveDateTime,
}

/// The scorer's verdict on a post.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// `completed`, or `flagged` at or above the suspicious threshold.
    pub status: TransactionStatus,
    /// The transaction's risk, 0..1.
    pub risk_score: f64,
    /// The fraud check to store (JSON).
    pub fraud_check_json: String,
    /// The buyer's ledger after this transaction.
    pub ledger: Ledger,
}

/// Why a post or review was refused (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No such customer in the organisation.
    #[error("customer {0} does not exist")]
    UnknownCustomer(i64),
    /// No such product in the organisation.
    #[error("product {0} does not exist")]
    UnknownProduct(i64),
    /// Fewer units in stock than asked for.
    #[error("product {product_id} has {available} in stock, {requested} asked for")]
    OutOfStock {
        /// The product.
        product_id: i64,
        /// Units in stock.
        available: i64,
        /// Units asked for.
        requested: i64,
    },
    /// No such transaction in the organisation.
    #[error("transaction {0} does not exist")]
    UnknownTransaction(i64),
    /// The transaction is not waiting for review.
    #[error("transaction {id} is {status}; only a flagged transaction is reviewed")]
    NotReviewable {
        /// The transaction.
        id: i64,
        /// Its status.
        status: TransactionStatus,
    },
}

/// Records a transaction: locks the customer's row (the first statement, so every engine reads
/// the latest committed ledger after it), reads the product and the velocity window, asks
/// `score` for the verdict, takes the stock, inserts the row and writes the new ledger, in one
/// database transaction. A refusal writes nothing.
pub fn post(
    conn: &mut DbConn,
    org: OrgId,
    draft: &TransactionDraft,
    at: NaiveDateTime,
    velocity_window: Duration,
    mut score: impl FnMut(&PostContext<'_>) -> Verdict,
) -> Result<Result<Transaction, Refusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        let Some(row) = lock_customer(conn, org, draft.customer_id)? else {
            return Ok(Err(Refusal::UnknownCustomer(draft.customer_id)));
        };
        let ledger = row.ledger();
        let customer = row.into_domain()?;
        // the product and the customer's transactions in the velocity window in one statement,
        // read after the lock (so concurrent posts of this customer are counted)
        let in_window = t::table
            .filter(t::customer_id.eq(customer.id))
            .filter(t::occurred_at.ge(at - velocity_window))
            .filter(t::occurred_at.le(at))
            .count()
            .single_value();
        let (product, in_window) = match p::table
            .filter(p::org_id.eq(org.to_string()))
            .filter(p::id.eq(draft.product_id))
            .select((ProductRow::as_select(), in_window))
            .first::<(ProductRow, Option<i64>)>(conn)
            .optional()?
        {
            Some((row, n)) => (row.into_domain()?, n.unwrap_or(0)),
            None => return Ok(Err(Refusal::UnknownProduct(draft.product_id))),
        };
        let price_cents = draft.price_cents(to_cents_of(&product));
        let context = PostContext {
            customer: &customer,
            ledger: &ledger,
            product: &product,
            in_window: in_window.max(0) as u64,
            price_cents,
            amount_cents: price_cents * draft.quantity,
            at,
        };
        let verdict = score(&context);
        let row = NewTransaction {
            customer_id: customer.id,
            product_id: product.id,
            quantity: draft.quantity,
            price_cents,
            payment_method: draft.payment_method,
            status: verdict.status,
            at,
            risk_score: Some(verdict.risk_score),
            fraud_check_json: Some(verdict.fraud_check_json.clone()),
        };
        // the stock is taken after scoring, so a popular product's row stays locked only for
        // the insert and the commit; before the insert, whose foreign key check would otherwise
        // share-lock the row first and let two posts deadlock on MySQL
        let taken = diesel::update(
            p::table
                .filter(p::id.eq(product.id))
                .filter(p::stock_quantity.ge(draft.quantity)),
        )
        .set(p::stock_quantity.eq(p::stock_quantity - draft.quantity))
        .execute(conn)?;
        if taken == 0 {
            return Ok(Err(Refusal::OutOfStock {
                product_id: product.id,
                available: product.stock_quantity,
                requested: draft.quantity,
            }));
        }
        let id = insert_returning_id(conn, org, &row)?;
        let inserted = TransactionRow::inserted(id, org, &row);
        customers::set_ledger(conn, org, customer.id, &verdict.ledger)?;
        super::rollup::add(
            conn,
            org,
            customer.id,
            hour_of(at),
            row.price_cents * row.quantity,
        )?;
        Ok(Ok(inserted.into_domain()?))
    })
}

/// Locks the customer's row and reads it: one `SELECT … FOR UPDATE` on PostgreSQL; elsewhere an
/// update of its revision first (SQLite then holds the write lock from the start instead of
/// upgrading a read lock later; MySQL's locking read would do as well) and a select.
/// `None`: no such customer in `org`.
fn lock_customer(
    conn: &mut DbConn,
    org: OrgId,
    id: i64,
) -> Result<Option<CustomerRow>, StoreError> {
    let mine = c::table
        .filter(c::org_id.eq(org.to_string()))
        .filter(c::id.eq(id));
    if let DbConn::Postgres(pg) = conn {
        return Ok(mine
            .select(CustomerRow::as_select())
            .for_update()
            .first(pg)
            .optional()?);
    }
    if diesel::update(mine)
        .set(c::revision.eq(c::revision + 1))
        .execute(conn)?
        == 0
    {
        return Ok(None);
    }
    Ok(Some(
        c::table
            .filter(c::id.eq(id))
            .select(CustomerRow::as_select())
            .first(conn)?,
    ))
}

/// Inserts a scored transaction and answers its id: `RETURNING` on PostgreSQL; elsewhere the
/// newest id of the customer at that time, which is this row while the customer is locked
/// (found through the customer's index, never by walking the primary key).
fn insert_returning_id(
    conn: &mut DbConn,
    org: OrgId,
    row: &NewTransaction,
) -> Result<i64, StoreError> {
    let values = TransactionInsert::of(org, row);
    if let DbConn::Postgres(pg) = conn {
        return Ok(diesel::insert_into(t::table)
            .values(values)
            .returning(t::id)
            .get_result(pg)?);
    }
    diesel::insert_into(t::table).values(values).execute(conn)?;
    let id: Option<i64> = t::table
        .filter(t::customer_id.eq(row.customer_id))
        .filter(t::occurred_at.eq(row.at))
        .select(diesel::dsl::max(t::id))
        .first(conn)?;
    id.ok_or(StoreError::NotFound)
}

fn to_cents_of(product: &Product) -> i64 {
    tessera_domain::commerce::to_cents(product.price)
}

/// Settles a flagged transaction as `to` (`completed` or `refunded`): a completed one joins the
/// customer's total, a refunded one returns its units to stock; in one database transaction.
pub fn review(
    conn: &mut DbConn,
    org: OrgId,
    id: i64,
    to: TransactionStatus,
    at: NaiveDateTime,
) -> Result<Result<Transaction, Refusal>, StoreError> {
    crate::atomically_unless(conn, |conn| {
        let target_ok = TransactionStatus::Flagged.can_review_to(to);
        let moved = if !target_ok {
            0
        } else {
            diesel::update(
                t::table
                    .filter(t::org_id.eq(org.to_string()))
                    .filter(t::id.eq(id))
                    .filter(t::status.eq(TransactionStatus::Flagged.as_str())),
            )
            .set((t::status.eq(to.as_str()), t::reviewed_at.eq(Some(at))))
            .execute(conn)?
        };
        let current = match find_row(conn, org, id)? {
            Some(row) => row.into_domain()?,
            None => return Ok(Err(Refusal::UnknownTransaction(id))),
        };
        if moved == 0 {
            return Ok(Err(Refusal::NotReviewable {
                id,
                status: current.status,
            }));
        }
        if to.counts_toward_total() {
            diesel::update(c::table.filter(c::id.eq(current.customer_id)))
                .set((
                    c::total_spent_cents.eq(c::total_spent_cents + current.amount_cents),
                    c::revision.eq(c::revision + 1),
                ))
                .execute(conn)?;
        }
        if to == TransactionStatus::Refunded {
            diesel::update(p::table.filter(p::id.eq(current.product_id)))
                .set(p::stock_quantity.eq(p::stock_quantity + current.quantity))
                .execute(conn)?;
        }
        Ok(Ok(current))
    })
}

fn find_row(conn: &mut DbConn, org: OrgId, id: i64) -> Result<Option<TransactionRow>, StoreError> {
    Ok(t::table
        .filter(t::org_id.eq(org.to_string()))
        .filter(t::id.eq(id))
        .select(TransactionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The organisation's transaction `id`.
pub fn find(conn: &mut DbConn, org: OrgId, id: i64) -> Result<Transaction, StoreError> {
    find_row(conn, org, id)?
        .ok_or(StoreError::NotFound)?
        .into_domain()
}

/// The organisation's newest `limit` transactions with their customers' emails, newest first.
pub fn recent(
    conn: &mut DbConn,
    org: OrgId,
    limit: i64,
) -> Result<Vec<(Transaction, String)>, StoreError> {
    t::table
        .inner_join(c::table)
        .filter(t::org_id.eq(org.to_string()))
        .order((t::occurred_at.desc(), t::id.desc()))
        .limit(limit)
        .select((TransactionRow::as_select(), c::email))
        .load::<(TransactionRow, String)>(conn)?
        .into_iter()
        .map(|(row, email)| Ok((row.into_domain()?, email)))
        .collect()
}

/// Filters of a transaction list.
#[derive(Debug, Clone, Default)]
pub struct TransactionFilter {
    /// Only this customer's.
    pub customer_id: Option<i64>,
    /// Only in this status.
    pub status: Option<TransactionStatus>,
    /// Only at or after this time.
    pub since: Option<NaiveDateTime>,
    /// Only with at least this amount, in cents.
    pub min_amount_cents: Option<i64>,
}

/// The organisation's transactions matching `filter`, newest first, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    org: OrgId,
    filter: &TransactionFilter,
    limit: i64,
) -> Result<Vec<Transaction>, StoreError> {
    let mut q = t::table.filter(t::org_id.eq(org.to_string())).into_boxed();
    if let Some(id) = filter.customer_id {
        q = q.filter(t::customer_id.eq(id));
    }
    if let Some(s) = filter.status {
        q = q.filter(t::status.eq(s.as_str()));
    }
    if let Some(since) = filter.since {
        q = q.filter(t::occurred_at.ge(since));
    }
    if let Some(min) = filter.min_amount_cents {
        q = q.filter(t::amount_cents.ge(min));
    }
    q.order((t::occurred_at.desc(), t::id.desc()))
        .limit(limit)
        .select(TransactionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(TransactionRow::into_domain)
        .collect()
}

/// How many of the organisation's transactions are in `status`, counted up to `cap` (an
/// alert says "1000 or more" rather than scan every row on each post).
pub fn count_in_status(
    conn: &mut DbConn,
    org: OrgId,
    status: TransactionStatus,
    cap: i64,
) -> Result<i64, StoreError> {
    let ids: Vec<i64> = t::table
        .filter(t::org_id.eq(org.to_string()))
        .filter(t::status.eq(status.as_str()))
        .select(t::id)
        .limit(cap)
        .load(conn)?;
    Ok(ids.len() as i64)
}

/// The organisation's transactions with at least `min_cents`, at or after `since`, newest
/// first, at most `limit`. Ordered by time alone, so the engine walks the time index from the
/// newest entry and stops after `limit` matches (a tie-break column would make it collect and
/// sort every match first).
pub fn at_least(
    conn: &mut DbConn,
    org: OrgId,
    min_cents: i64,
    since: Option<NaiveDateTime>,
    limit: usize,
) -> Result<Vec<Transaction>, StoreError> {
    let mut q = t::table
        .filter(t::org_id.eq(org.to_string()))
        .filter(t::amount_cents.ge(min_cents))
        .into_boxed();
    if let Some(since) = since {
        q = q.filter(t::occurred_at.ge(since));
    }
    q.order(t::occurred_at.desc())
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select(TransactionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(TransactionRow::into_domain)
        .collect()
}

/// The customer's transactions in id order (the order their ledger moved in).
pub fn of_customer(
    conn: &mut DbConn,
    org: OrgId,
    customer_id: i64,
) -> Result<Vec<Transaction>, StoreError> {
    t::table
        .filter(t::org_id.eq(org.to_string()))
        .filter(t::customer_id.eq(customer_id))
        .order(t::id.asc())
        .select(TransactionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(TransactionRow::into_domain)
        .collect()
}

/// The time of the organisation's latest transaction, if any.
pub fn latest(conn: &mut DbConn, org: OrgId) -> Result<Option<NaiveDateTime>, StoreError> {
    Ok(t::table
        .filter(t::org_id.eq(org.to_string()))
        .select(diesel::dsl::max(t::occurred_at))
        .first(conn)?)
}

/// Count and sum (cents) of the organisation's transactions at or after `since` (all when
/// `None`), of every status.
pub fn totals(
    conn: &mut DbConn,
    org: OrgId,
    since: Option<NaiveDateTime>,
) -> Result<(i64, i64), StoreError> {
    let sum = crate::db::sum_bigint(conn, "amount_cents");
    let mut q = t::table.filter(t::org_id.eq(org.to_string())).into_boxed();
    if let Some(since) = since {
        q = q.filter(t::occurred_at.ge(since));
    }
    Ok(q.select((
        diesel::dsl::count_star(),
        diesel::dsl::sql::<diesel::sql_types::BigInt>(&sum),
    ))
    .first(conn)?)
}

/// Deletes every commerce row of the organisation (demo data regeneration).
pub fn clear_all(conn: &mut DbConn, org: OrgId) -> Result<(), StoreError> {
    use crate::schema::commerce_suppliers as s;
    crate::atomically(conn, |conn| {
        diesel::delete(t::table.filter(t::org_id.eq(org.to_string()))).execute(conn)?;
        diesel::delete(
            crate::schema::commerce_sales_hourly::table
                .filter(crate::schema::commerce_sales_hourly::org_id.eq(org.to_string())),
        )
        .execute(conn)?;
        diesel::delete(c::table.filter(c::org_id.eq(org.to_string()))).execute(conn)?;
        diesel::delete(p::table.filter(p::org_id.eq(org.to_string()))).execute(conn)?;
        diesel::delete(s::table.filter(s::org_id.eq(org.to_string()))).execute(conn)?;
        Ok(())
    })
}
