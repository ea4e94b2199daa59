//! Recalculation of customers' ledgers (total spent, running amount statistics, habits, risk)
//! from their stored transactions, in batches and idempotently: `tessera admin
//! recalculate-totals`. It replays each customer's transactions in id order with the same
//! function the write path applies, so a consistent ledger is left exactly as it is.

use tessera_analytics::commerce::fraud::FraudRules;
use tessera_analytics::commerce::ledger::{self, Entry};
use tessera_domain::OrgId;
use tessera_store::commerce::{customers, transactions};
use tessera_store::{DbConn, StoreError};

/// What a recalculation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recalculated {
    /// Customers looked at.
    pub customers: u64,
    /// Customers whose ledger was wrong and was rewritten.
    pub changed: u64,
}

/// Recalculates every customer of the organisation, reading `batch` customers at a time.
pub fn recalculate(
    conn: &mut DbConn,
    org: OrgId,
    rules: &FraudRules,
    batch: i64,
) -> Result<Recalculated, StoreError> {
    let mut done = Recalculated::default();
    let mut after = 0;
    loop {
        let page = customers::batch_after(conn, org, after, batch.max(1))?;
        let Some(last) = page.last().map(|(c, _)| c.id) else {
            // the hourly sales are derived from the same rows: rebuilt, they cannot drift
            tessera_store::commerce::rollup::rebuild(conn, org)?;
            return Ok(done);
        };
        let mut changed = 0;
        for (customer, _) in &page {
            // one database transaction per customer, its row locked first: on MySQL a
            // transaction's reads see the snapshot of its first read, so a lock taken later in
            // a longer transaction would read a stale ledger
            let rewritten = tessera_store::atomically(conn, |conn| {
                let stored = customers::lock_ledger(conn, org, customer.id)?;
                let entries: Vec<Entry> = transactions::of_customer(conn, org, customer.id)?
                    .iter()
                    .map(|t| Entry {
                        amount_cents: t.amount_cents,
                        payment_method: t.payment_method,
                        at: t.timestamp,
                        status: t.status,
                        risk_score: t.risk_score,
                    })
                    .collect();
                let replayed = ledger::replay(rules, &entries);
                if replayed == stored {
                    return Ok(false);
                }
                customers::set_ledger(conn, org, customer.id, &replayed)?;
                Ok(true)
            })?;
            changed += u64::from(rewritten);
        }
        done.customers += page.len() as u64;
        done.changed += changed;
        after = last;
    }
}
