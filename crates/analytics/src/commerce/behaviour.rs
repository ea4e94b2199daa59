//! Customer behaviour (contract §7): segments by purchase value, purchase frequency and
//! retention, over per-customer figures the store aggregates in SQL. Two readings with one shape:
//! [`window_behaviour`] (`/analytics/customer/behavior`, §7.1: every status, the customers active
//! in a window) and [`lifetime_behaviour`] (`/customers/behavior`, §7.2: completed transactions,
//! every registered customer).

use serde::{Deserialize, Serialize};

/// One customer's purchases as the store sums them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerPurchases {
    /// Purchases counted.
    pub count: u64,
    /// Their total amount.
    pub total: f64,
    /// Whether the customer bought (a completed purchase) in the last 30 days (§7.2 only).
    pub recent: bool,
}

/// Purchases per customer (`purchase_frequency`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurchaseFrequency {
    /// Mean purchases per customer.
    pub average_purchases: f64,
    /// Customers by purchase count.
    pub frequency_distribution: FrequencyDistribution,
}

/// Customers with one, two to five, and six or more purchases.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrequencyDistribution {
    /// Exactly one.
    pub single_purchase: u64,
    /// Two to five.
    #[serde(rename = "2-5_purchases")]
    pub two_to_five: u64,
    /// Six or more.
    #[serde(rename = "6+_purchases")]
    pub six_or_more: u64,
}

/// Customers by value: above 1,000, 500 to 1,000 (inclusive), below 500.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerSegments {
    /// Above 1,000.
    pub high_value: u64,
    /// 500 to 1,000.
    pub medium_value: u64,
    /// Below 500.
    pub low_value: u64,
}

/// Retention (`retention_metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RetentionMetrics {
    /// retained / total × 100, in 0..100.
    pub retention_rate: f64,
    /// The customers counted.
    pub total_customers: u64,
    /// Those who came back.
    pub retained_customers: u64,
}

/// The behaviour answer, one shape at both paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Behaviour {
    /// Purchases per customer.
    pub purchase_frequency: PurchaseFrequency,
    /// Customers by value.
    pub customer_segments: CustomerSegments,
    /// Retention.
    pub retention_metrics: RetentionMetrics,
}

fn segment(value: f64, s: &mut CustomerSegments) {
    if value > 1000.0 {
        s.high_value += 1;
    } else if value >= 500.0 {
        s.medium_value += 1;
    } else {
        s.low_value += 1;
    }
}

fn distribution(customers: &[CustomerPurchases]) -> FrequencyDistribution {
    let n = |f: &dyn Fn(u64) -> bool| customers.iter().filter(|c| f(c.count)).count() as u64;
    FrequencyDistribution {
        single_purchase: n(&|c| c == 1),
        two_to_five: n(&|c| (2..=5).contains(&c)),
        six_or_more: n(&|c| c >= 6),
    }
}

fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64 * 100.0
    }
}

/// §7.1: the customers with a purchase in the window (any status), segmented by their average
/// purchase value; retained are those with more than one purchase in it. All zeros when nobody
/// bought.
pub fn window_behaviour(active: &[CustomerPurchases]) -> Behaviour {
    let active: Vec<CustomerPurchases> = active.iter().copied().filter(|c| c.count > 0).collect();
    let mut segments = CustomerSegments::default();
    for c in &active {
        segment(c.total / c.count as f64, &mut segments);
    }
    let total = active.len() as u64;
    let retained = active.iter().filter(|c| c.count > 1).count() as u64;
    let purchases: u64 = active.iter().map(|c| c.count).sum();
    Behaviour {
        purchase_frequency: PurchaseFrequency {
            average_purchases: if total == 0 {
                0.0
            } else {
                purchases as f64 / total as f64
            },
            frequency_distribution: distribution(&active),
        },
        customer_segments: segments,
        retention_metrics: RetentionMetrics {
            retention_rate: rate(retained, total),
            total_customers: total,
            retained_customers: retained,
        },
    }
}

/// §7.2: completed purchases of all time, segmented by total spent, over `registered`
/// customers; retained are those with a completed purchase in the last 30 days. Averages to 2
/// decimals, the rate to 1.
pub fn lifetime_behaviour(buyers: &[CustomerPurchases], registered: u64) -> Behaviour {
    let buyers: Vec<CustomerPurchases> = buyers.iter().copied().filter(|c| c.count > 0).collect();
    let mut segments = CustomerSegments::default();
    for c in &buyers {
        segment(c.total, &mut segments);
    }
    let retained = buyers.iter().filter(|c| c.recent).count() as u64;
    let purchases: u64 = buyers.iter().map(|c| c.count).sum();
    let average = if buyers.is_empty() {
        0.0
    } else {
        purchases as f64 / buyers.len() as f64
    };
    Behaviour {
        purchase_frequency: PurchaseFrequency {
            average_purchases: (average * 100.0).round() / 100.0,
            frequency_distribution: distribution(&buyers),
        },
        customer_segments: segments,
        retention_metrics: RetentionMetrics {
            retention_rate: (rate(retained, registered) * 10.0).round() / 10.0,
            total_customers: registered,
            retained_customers: retained,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(count: u64, total: f64, recent: bool) -> CustomerPurchases {
        CustomerPurchases {
            count,
            total,
            recent,
        }
    }

    #[test]
    fn the_window_reading_segments_by_average_value_and_retains_repeat_buyers() {
        let b = window_behaviour(&[
            c(1, 1500.0, false),
            c(2, 1000.0, false),
            c(3, 600.0, false),
            c(7, 700.0, false),
            c(0, 0.0, false),
        ]);
        // averages 1500, 500, 200, 100
        assert_eq!(
            b.customer_segments,
            CustomerSegments {
                high_value: 1,
                medium_value: 1,
                low_value: 2
            }
        );
        assert_eq!(b.purchase_frequency.average_purchases, 13.0 / 4.0);
        let d = b.purchase_frequency.frequency_distribution;
        assert_eq!((d.single_purchase, d.two_to_five, d.six_or_more), (1, 2, 1));
        assert_eq!(b.retention_metrics.total_customers, 4);
        assert_eq!(b.retention_metrics.retained_customers, 3);
        assert_eq!(b.retention_metrics.retention_rate, 75.0);
    }

    #[test]
    fn the_lifetime_reading_segments_by_total_over_every_registered_customer() {
        let b = lifetime_behaviour(
            &[c(1, 1500.0, true), c(3, 1000.0, false), c(6, 200.0, true)],
            7,
        );
        assert_eq!(
            b.customer_segments,
            CustomerSegments {
                high_value: 1,
                medium_value: 1,
                low_value: 1
            }
        );
        assert_eq!(b.purchase_frequency.average_purchases, 3.33);
        assert_eq!(b.purchase_frequency.frequency_distribution.six_or_more, 1);
        assert_eq!(b.retention_metrics.total_customers, 7);
        assert_eq!(b.retention_metrics.retained_customers, 2);
        // 2 / 7 = 28.57 % → 28.6
        assert_eq!(b.retention_metrics.retention_rate, 28.6);
    }

    #[test]
    fn nobody_buying_is_all_zeros_in_the_same_shape() {
        for b in [window_behaviour(&[]), lifetime_behaviour(&[], 0)] {
            let v = serde_json::to_value(&b).unwrap();
            assert_eq!(v["retention_metrics"]["retention_rate"], 0.0);
            assert_eq!(v["purchase_frequency"]["average_purchases"], 0.0);
            assert_eq!(
                v["purchase_frequency"]["frequency_distribution"]["2-5_purchases"],
                0
            );
            assert_eq!(v["customer_segments"]["high_value"], 0);
        }
    }
}
