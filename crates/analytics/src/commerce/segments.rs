//! RFM segments and monthly cohort retention of a shop's customers, over completed purchases.
//!
//! RFM: every customer with a completed purchase gets a recency, a frequency and a monetary
//! score from 1 to 5 by quintile among those customers (5 = most recent, most frequent, most
//! spent; equal values share a score), and a segment: `champions` (R, F and M at least 4),
//! `new` (R at least 4, F at most 2), `loyal` (F at least 4, R at least 3), `at_risk` (R at
//! most 2, F at least 3), `lost` (R and F at most 2), else `needs_attention`. Customers without
//! a completed purchase are counted apart.
//!
//! Cohorts: customers by the calendar month of their first completed purchase; retention of a
//! cohort in its month `k` is the share of its customers with a completed purchase in that
//! month (month 0 is 100 %).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDateTime};
use serde::Serialize;

/// One customer's completed purchases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Purchases {
    /// How many.
    pub count: u64,
    /// Their sum, in dollars.
    pub monetary: f64,
    /// The latest.
    pub last_at: NaiveDateTime,
}

/// The segment names, in the order they are reported.
pub const SEGMENTS: [&str; 6] = [
    "champions",
    "loyal",
    "new",
    "at_risk",
    "lost",
    "needs_attention",
];

/// One segment's customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// Its name.
    pub segment: &'static str,
    /// Customers in it.
    pub customers: u64,
    /// Their share of customers with a purchase, percent.
    pub share: f64,
    /// Their completed revenue, dollars.
    pub revenue: f64,
    /// Mean days since their latest purchase.
    pub avg_recency_days: f64,
    /// Mean completed purchases.
    pub avg_frequency: f64,
    /// Mean completed revenue per customer.
    pub avg_monetary: f64,
}

/// Scores 1..=5 by quintile of `values` (higher value, higher score); equal values share the
/// score of their first rank.
fn quintiles(values: &[f64]) -> Vec<u8> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
    let mut scores = vec![1u8; n];
    let mut first_rank = 0;
    for (rank, &i) in order.iter().enumerate() {
        if rank > 0 && values[i] != values[order[rank - 1]] {
            first_rank = rank;
        }
        scores[i] = (1 + first_rank * 5 / n.max(1)).min(5) as u8;
    }
    scores
}

fn segment_of(r: u8, f: u8, m: u8) -> &'static str {
    match (r, f, m) {
        (4.., 4.., 4..) => "champions",
        (4.., ..=2, _) => "new",
        (3.., 4.., _) => "loyal",
        (..=2, 3.., _) => "at_risk",
        (..=2, ..=2, _) => "lost",
        _ => "needs_attention",
    }
}

/// The RFM segments of `buyers` at `now`, every segment present (zeros when empty).
pub fn rfm(buyers: &[Purchases], now: NaiveDateTime) -> Vec<Segment> {
    let recency: Vec<f64> = buyers
        .iter()
        .map(|b| (now - b.last_at).num_seconds().max(0) as f64 / 86_400.0)
        .collect();
    // fewer days since the last purchase is better: score the negated recency
    let r = quintiles(&recency.iter().map(|d| -d).collect::<Vec<_>>());
    let f = quintiles(&buyers.iter().map(|b| b.count as f64).collect::<Vec<_>>());
    let m = quintiles(&buyers.iter().map(|b| b.monetary).collect::<Vec<_>>());
    let mut sums: BTreeMap<&str, (u64, f64, f64, f64)> = BTreeMap::new();
    for i in 0..buyers.len() {
        let e = sums.entry(segment_of(r[i], f[i], m[i])).or_default();
        e.0 += 1;
        e.1 += buyers[i].monetary;
        e.2 += recency[i];
        e.3 += buyers[i].count as f64;
    }
    let total = buyers.len().max(1) as f64;
    let round = |x: f64, p: i32| (x * 10f64.powi(p)).round() / 10f64.powi(p);
    SEGMENTS
        .iter()
        .map(|name| {
            let (n, revenue, days, count) = sums.get(name).copied().unwrap_or_default();
            let per = |x: f64| if n > 0 { x / n as f64 } else { 0.0 };
            Segment {
                segment: name,
                customers: n,
                share: round(n as f64 / total * 100.0, 1),
                revenue: round(revenue, 2),
                avg_recency_days: round(per(days), 1),
                avg_frequency: round(per(count), 2),
                avg_monetary: round(per(revenue), 2),
            }
        })
        .collect()
}

/// One monthly cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    /// The month of the first purchase, `YYYY-MM`.
    pub cohort: String,
    /// Customers whose first purchase fell in it.
    pub customers: u64,
    /// Percent of them buying in month 0, 1, 2, ... after it, up to the latest month.
    pub retention: Vec<f64>,
}

fn month_index(month: &str) -> Option<i32> {
    let (y, m) = month.split_once('-')?;
    Some(y.parse::<i32>().ok()? * 12 + m.parse::<i32>().ok()? - 1)
}

/// The latest `last` cohorts from the months each customer bought in (`(customer, "YYYY-MM")`
/// pairs, any order), up to `now`'s month.
pub fn cohorts(active: &[(i64, String)], now: NaiveDateTime, last: usize) -> Vec<Cohort> {
    let mut months: BTreeMap<i64, BTreeSet<i32>> = BTreeMap::new();
    for (customer, month) in active {
        if let Some(i) = month_index(month) {
            months.entry(*customer).or_default().insert(i);
        }
    }
    let current = now.year() * 12 + now.month0() as i32;
    let mut by_cohort: BTreeMap<i32, Vec<&BTreeSet<i32>>> = BTreeMap::new();
    for set in months.values() {
        if let Some(first) = set.first() {
            by_cohort.entry(*first).or_default().push(set);
        }
    }
    let mut out: Vec<Cohort> = by_cohort
        .into_iter()
        .map(|(first, members)| {
            let n = members.len() as f64;
            let span = (current - first).max(0) as usize + 1;
            let retention = (0..span)
                .map(|k| {
                    let active = members
                        .iter()
                        .filter(|s| s.contains(&(first + k as i32)))
                        .count() as f64;
                    (active / n * 1000.0).round() / 10.0
                })
                .collect();
            Cohort {
                cohort: format!(
                    "{:04}-{:02}",
                    first.div_euclid(12),
                    first.rem_euclid(12) + 1
                ),
                customers: members.len() as u64,
                retention,
            }
        })
        .collect();
    let skip = out.len().saturating_sub(last);
    out.drain(..skip);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 6, d)
            .and_then(|x| x.and_hms_opt(12, 0, 0))
            .unwrap()
    }

    #[test]
    fn quintiles_score_one_to_five_and_ties_share_a_score() {
        let s = quintiles(&[10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0]);
        assert_eq!(s, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        let tied = quintiles(&[5.0, 5.0, 5.0, 1.0]);
        assert_eq!(tied, [2, 2, 2, 1]);
        assert!(quintiles(&[]).is_empty());
    }

    #[test]
    fn recent_frequent_big_spenders_are_champions_and_long_gone_ones_lost() {
        let now = day(30);
        let mut buyers = Vec::new();
        for i in 0..10u32 {
            // customer i bought i+1 times, spent 100 × (i+1), last on day 3i (recent for high i)
            buyers.push(Purchases {
                count: u64::from(i + 1),
                monetary: 100.0 * f64::from(i + 1),
                last_at: day(1 + 3 * i),
            });
        }
        let seg = rfm(&buyers, now);
        let get = |name: &str| seg.iter().find(|s| s.segment == name).unwrap().clone();
        assert_eq!(seg.len(), SEGMENTS.len());
        assert_eq!(get("champions").customers, 4);
        assert_eq!(get("lost").customers, 4);
        assert_eq!(seg.iter().map(|s| s.customers).sum::<u64>(), 10);
        assert_eq!(get("champions").revenue, 700.0 + 800.0 + 900.0 + 1000.0);
        // a recent first-time buyer is new; a frequent buyer gone quiet is at risk
        let mixed = [
            Purchases {
                count: 1,
                monetary: 50.0,
                last_at: day(29),
            },
            Purchases {
                count: 9,
                monetary: 900.0,
                last_at: day(1),
            },
            Purchases {
                count: 5,
                monetary: 500.0,
                last_at: day(20),
            },
            Purchases {
                count: 2,
                monetary: 80.0,
                last_at: day(2),
            },
            Purchases {
                count: 7,
                monetary: 700.0,
                last_at: day(28),
            },
        ];
        let seg = rfm(&mixed, now);
        let get = |name: &str| seg.iter().find(|s| s.segment == name).unwrap().customers;
        assert_eq!(get("new"), 1);
        assert_eq!(get("at_risk"), 1);
        assert!(rfm(&[], now)
            .iter()
            .all(|s| s.customers == 0 && s.share == 0.0));
    }

    #[test]
    fn cohorts_follow_first_purchase_months() {
        let m = |c: i64, s: &str| (c, s.to_owned());
        let active = [
            m(1, "2026-04"),
            m(1, "2026-05"),
            m(2, "2026-04"),
            m(2, "2026-06"),
            m(3, "2026-05"),
            m(3, "2026-06"),
            m(1, "bogus"),
        ];
        let c = cohorts(&active, day(15), 12);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].cohort, "2026-04");
        assert_eq!(c[0].customers, 2);
        assert_eq!(c[0].retention, [100.0, 50.0, 50.0]);
        assert_eq!(c[1].cohort, "2026-05");
        assert_eq!(c[1].retention, [100.0, 100.0]);
        assert_eq!(cohorts(&active, day(15), 1).len(), 1);
    }
}
