//! A customer's running figures ([`Ledger`]) moved by one transaction, and the fraud rules'
//! view of them. The write path applies each new transaction with [`apply`]; recalculation
//! replays every stored transaction in id order with the same function, so the two agree to the
//! last bit.

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use tessera_domain::commerce::{Ledger, PaymentMethod, TransactionStatus};

use super::fraud::{next_risk, AmountStats, CustomerHistory, FraudRules};

/// One transaction as the ledger sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// Price × quantity, in cents.
    pub amount_cents: i64,
    /// How it was paid.
    pub payment_method: PaymentMethod,
    /// When it happened (UTC).
    pub at: NaiveDateTime,
    /// Where it stands now.
    pub status: TransactionStatus,
    /// Its fraud score, when it was scored.
    pub risk_score: Option<f64>,
}

/// The Welford statistics a ledger keeps.
pub fn amount_stats(ledger: &Ledger) -> AmountStats {
    AmountStats {
        count: ledger.amount_count.max(0) as u64,
        mean: ledger.amount_mean,
        m2: ledger.amount_m2,
    }
}

/// What the fraud rules know of a customer with `ledger` and `in_window` transactions in the
/// velocity window.
pub fn history(ledger: &Ledger, in_window: u64) -> CustomerHistory {
    CustomerHistory {
        amounts: amount_stats(ledger),
        in_window,
        payment_methods: PaymentMethod::ALL
            .iter()
            .filter(|m| ledger.payment_methods & m.bit() != 0)
            .map(|m| m.as_str().to_owned())
            .collect(),
        hours: (0..24u32)
            .filter(|h| ledger.purchase_hours & (1 << h) != 0)
            .collect(),
        risk: risk_at(ledger),
    }
}

/// The ledger's risk score and when it last moved.
fn risk_at(ledger: &Ledger) -> Option<(f64, DateTime<Utc>)> {
    ledger
        .risk_updated_at
        .map(|at| (ledger.risk_score, at.and_utc()))
}

/// Moves `ledger` by one transaction: its amount joins the statistics, its method and hour the
/// habits, a completed one the total, and its score (if any) the risk.
pub fn apply(rules: &FraudRules, ledger: &mut Ledger, entry: &Entry) {
    let mut stats = amount_stats(ledger);
    stats.push(entry.amount_cents as f64 / 100.0);
    ledger.amount_count = stats.count as i64;
    ledger.amount_mean = stats.mean;
    ledger.amount_m2 = stats.m2;
    ledger.payment_methods |= entry.payment_method.bit();
    ledger.purchase_hours |= 1 << entry.at.hour();
    if entry.status.counts_toward_total() {
        ledger.total_spent_cents += entry.amount_cents;
    }
    if let Some(score) = entry.risk_score {
        ledger.risk_score = next_risk(rules, risk_at(ledger), score, entry.at.and_utc());
        ledger.risk_updated_at = Some(ledger.risk_updated_at.map_or(entry.at, |t| t.max(entry.at)));
    }
}

/// The ledger of a customer whose transactions, in id order, are `entries`.
pub fn replay<'a>(rules: &FraudRules, entries: impl IntoIterator<Item = &'a Entry>) -> Ledger {
    let mut ledger = Ledger::default();
    entries
        .into_iter()
        .for_each(|e| apply(rules, &mut ledger, e));
    ledger
}

/// Every customer's amounts as one set of statistics (the baseline of customers with too
/// little history), merged from the customers' own (Chan et al.'s parallel Welford step).
pub fn merged<'a>(parts: impl IntoIterator<Item = &'a Ledger>) -> AmountStats {
    parts
        .into_iter()
        .map(amount_stats)
        .fold(AmountStats::default(), |a, b| {
            if b.count == 0 {
                return a;
            }
            if a.count == 0 {
                return b;
            }
            let n = (a.count + b.count) as f64;
            let delta = b.mean - a.mean;
            AmountStats {
                count: a.count + b.count,
                mean: a.mean + delta * b.count as f64 / n,
                m2: a.m2 + b.m2 + delta * delta * (a.count as f64) * (b.count as f64) / n,
            }
        })
}

/// Every customer's amounts as one set of statistics from database sums: `count` amounts,
/// their `sum`, and Σ (m2 + count × mean²) over customers (`squares`).
pub fn from_sums(count: i64, sum: f64, squares: f64) -> AmountStats {
    if count <= 0 {
        return AmountStats::default();
    }
    let n = count as f64;
    let mean = sum / n;
    AmountStats {
        count: count as u64,
        mean,
        m2: (squares - n * mean * mean).max(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 10)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .unwrap()
    }

    fn entry(cents: i64, h: u32, status: TransactionStatus, score: Option<f64>) -> Entry {
        Entry {
            amount_cents: cents,
            payment_method: PaymentMethod::Paypal,
            at: at(h),
            status,
            risk_score: score,
        }
    }

    #[test]
    fn apply_moves_totals_statistics_habits_and_risk() {
        let rules = FraudRules::default();
        let entries = [
            entry(10_000, 9, TransactionStatus::Completed, Some(0.0)),
            entry(20_000, 10, TransactionStatus::Flagged, Some(1.0)),
            entry(30_050, 10, TransactionStatus::Completed, None),
        ];
        let l = replay(&rules, &entries);
        // only completed amounts count toward the total, exactly in cents
        assert_eq!(l.total_spent_cents, 40_050);
        assert_eq!(l.amount_count, 3);
        let direct = AmountStats::of([100.0, 200.0, 300.5]);
        assert!((l.amount_mean - direct.mean).abs() < 1e-12);
        assert!((l.amount_m2 - direct.m2).abs() < 1e-9);
        assert_eq!(l.payment_methods, PaymentMethod::Paypal.bit());
        assert_eq!(l.purchase_hours, (1 << 9) | (1 << 10));
        // 0 then 0.3 of the way from 0 to 1
        assert_eq!(l.risk_score, 0.3);
        assert_eq!(l.risk_updated_at, Some(at(10)));
        let h = history(&l, 2);
        assert_eq!(h.payment_methods, ["paypal"]);
        assert_eq!(h.hours, [9, 10]);
        assert_eq!(h.in_window, 2);
    }

    #[test]
    fn replay_equals_applying_one_by_one() {
        let rules = FraudRules::default();
        let entries: Vec<Entry> = (0..50)
            .map(|i| {
                entry(
                    1_000 + i * 37 % 500,
                    (i % 24) as u32,
                    TransactionStatus::Completed,
                    Some((i % 3) as f64 / 2.0),
                )
            })
            .collect();
        let mut l = Ledger::default();
        entries.iter().for_each(|e| apply(&rules, &mut l, e));
        assert_eq!(l, replay(&rules, &entries));
    }

    #[test]
    fn merged_statistics_equal_the_statistics_of_all_amounts() {
        let rules = FraudRules::default();
        let a = replay(
            &rules,
            &[
                entry(100, 1, TransactionStatus::Completed, None),
                entry(300, 1, TransactionStatus::Completed, None),
            ],
        );
        let b = replay(&rules, &[entry(1_000, 1, TransactionStatus::Failed, None)]);
        let m = merged([&a, &Ledger::default(), &b]);
        let parts = [&a, &b];
        let n: i64 = parts.iter().map(|l| l.amount_count).sum();
        let sum: f64 = parts
            .iter()
            .map(|l| l.amount_count as f64 * l.amount_mean)
            .sum();
        let sq: f64 = parts
            .iter()
            .map(|l| l.amount_m2 + l.amount_count as f64 * l.amount_mean * l.amount_mean)
            .sum();
        let s = from_sums(n, sum, sq);
        assert_eq!(s.count, 3);
        assert!((s.mean - m.mean).abs() < 1e-12 && (s.m2 - m.m2).abs() < 1e-9);
        assert_eq!(from_sums(0, 0.0, 0.0), AmountStats::default());
        let direct = AmountStats::of([1.0, 3.0, 10.0]);
        assert_eq!(m.count, 3);
        assert!((m.mean - direct.mean).abs() < 1e-12);
        assert!((m.m2 - direct.m2).abs() < 1e-9);
    }
}
