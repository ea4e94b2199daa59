//! Fraud scoring of one commerce transaction as it arrives, as pure code: the caller loads the
//! customer's history (in the same database transaction that will insert the row) and this
//! module says what the rules find, how risky the transaction is and where the customer's risk
//! score moves. Every threshold, window and weight comes from [`FraudRules`]
//! (`[commerce.fraud]`).
//!
//! Deliberate differences from the service Tessera replaces (contract §6.1): the velocity window
//! ends at the transaction's own time, not at the server clock; the amount rule compares the
//! amount (price × quantity) with earlier amounts, not with unit prices; a customer with too
//! little history is compared with every customer's amounts instead of getting no figures at all;
//! and the customer's risk score is computed (it moves toward each new score and decays with
//! time) instead of being imported once and never updated.

use chrono::{DateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// The rules' settings (`[commerce.fraud]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FraudRules {
    /// The velocity window, ending at the transaction's time.
    pub velocity_window_minutes: i64,
    /// Earlier transactions in the window from which a new one is fast: 5 flags the 6th.
    pub velocity_max: u64,
    /// Earlier amounts a customer needs before their own history is the baseline.
    pub min_history: u64,
    /// A z-score strictly above this is an unusual amount.
    pub z_threshold: f64,
    /// Weight of a velocity burst in the risk score.
    pub velocity_weight: f64,
    /// Weight of an unusual amount.
    pub amount_weight: f64,
    /// Weight of a payment method the customer never used before.
    pub new_payment_method_weight: f64,
    /// Weight of an hour of day the customer never bought at.
    pub unusual_hour_weight: f64,
    /// A risk score at or above this is suspicious (the transaction is flagged).
    pub suspicious_threshold: f64,
    /// How far a customer's risk moves toward each new transaction's score (0..1).
    pub risk_smoothing: f64,
    /// Days after which a customer's risk has halved when nothing new happens.
    pub risk_half_life_days: f64,
}

impl Default for FraudRules {
    fn default() -> Self {
        Self {
            velocity_window_minutes: 60,
            velocity_max: 5,
            min_history: 3,
            z_threshold: 2.0,
            velocity_weight: 0.5,
            amount_weight: 0.5,
            new_payment_method_weight: 0.2,
            unusual_hour_weight: 0.1,
            suspicious_threshold: 0.5,
            risk_smoothing: 0.3,
            risk_half_life_days: 30.0,
        }
    }
}

impl FraudRules {
    /// Checks the settings: positive window and history, weights and threshold within 0..1,
    /// smoothing within 0..1, a non-negative half-life. The error names the field.
    pub fn check(&self) -> Result<(), String> {
        let unit = |x: f64| (0.0..=1.0).contains(&x);
        if self.velocity_window_minutes < 1 || self.velocity_window_minutes > 7 * 24 * 60 {
            return Err("velocity_window_minutes must be between 1 and 10080".into());
        }
        if self.velocity_max < 1 {
            return Err("velocity_max must be at least 1".into());
        }
        if self.min_history < 2 {
            return Err(
                "min_history must be at least 2 (a standard deviation needs two amounts)".into(),
            );
        }
        if !(self.z_threshold.is_finite() && self.z_threshold > 0.0) {
            return Err("z_threshold must be above 0".into());
        }
        let weights = [
            ("velocity_weight", self.velocity_weight),
            ("amount_weight", self.amount_weight),
            ("new_payment_method_weight", self.new_payment_method_weight),
            ("unusual_hour_weight", self.unusual_hour_weight),
            ("suspicious_threshold", self.suspicious_threshold),
            ("risk_smoothing", self.risk_smoothing),
        ];
        if let Some((name, _)) = weights.iter().find(|(_, w)| !unit(*w)) {
            return Err(format!("{name} must be within 0..1"));
        }
        if !(self.risk_half_life_days.is_finite() && self.risk_half_life_days >= 0.0) {
            return Err("risk_half_life_days must be at least 0".into());
        }
        Ok(())
    }
}

/// Running statistics of amounts (Welford): count, mean and the sum of squared deviations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct AmountStats {
    /// Amounts seen.
    pub count: u64,
    /// Their mean.
    pub mean: f64,
    /// The sum of squared deviations from the mean.
    pub m2: f64,
}

impl AmountStats {
    /// Adds one amount.
    pub fn push(&mut self, amount: f64) {
        self.count += 1;
        let delta = amount - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (amount - self.mean);
    }

    /// The statistics of `amounts`.
    pub fn of(amounts: impl IntoIterator<Item = f64>) -> Self {
        let mut s = Self::default();
        amounts.into_iter().for_each(|a| s.push(a));
        s
    }

    /// The sample standard deviation (n − 1); zero with fewer than two amounts.
    pub fn std_dev(&self) -> f64 {
        if self.count < 2 {
            0.0
        } else {
            (self.m2 / (self.count - 1) as f64).max(0.0).sqrt()
        }
    }

    /// How many standard deviations `amount` lies above the mean (0 when they do not vary).
    pub fn z_score(&self, amount: f64) -> f64 {
        let sd = self.std_dev();
        if sd > 0.0 {
            (amount - self.mean) / sd
        } else {
            0.0
        }
    }
}

/// What the rules need to know of the customer before the transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerHistory {
    /// The customer's earlier amounts.
    pub amounts: AmountStats,
    /// The customer's transactions in the velocity window ending at the new one's time.
    pub in_window: u64,
    /// Payment methods the customer used before.
    pub payment_methods: Vec<String>,
    /// Hours of day (UTC, 0..24) the customer bought at before.
    pub hours: Vec<u32>,
    /// The customer's risk score and when it last changed.
    pub risk: Option<(f64, DateTime<Utc>)>,
}

/// The transaction being scored.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Price × quantity.
    pub amount: f64,
    /// How it is paid.
    pub payment_method: String,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// The velocity rule's figures (`details.velocity_check`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VelocityCheck {
    /// The window, ending at the transaction's time.
    pub window_minutes: i64,
    /// The customer's earlier transactions in it.
    pub transaction_count: u64,
    /// Earlier transactions from which a new one is fast.
    pub threshold: u64,
}

/// The amount rule's figures (`details.amount_check`); always complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmountCheck {
    /// Standard deviations above the baseline's mean, to 2 decimals.
    pub z_score: f64,
    /// The baseline's mean amount (to cents).
    pub customer_mean: f64,
    /// The baseline's standard deviation (to cents).
    pub customer_std_dev: f64,
    /// The z-score above which an amount is unusual.
    pub threshold: f64,
    /// `customer` (their own history) or `global` (every customer's, when theirs is too short).
    pub baseline: String,
    /// The customer's earlier transactions.
    pub history: u64,
}

/// Every rule's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FraudDetails {
    /// Velocity.
    pub velocity_check: VelocityCheck,
    /// Amount anomaly.
    pub amount_check: AmountCheck,
    /// The payment method is new for this customer.
    pub new_payment_method: bool,
    /// The hour of day is new for this customer.
    pub unusual_hour: bool,
}

/// The verdict on one transaction (`fraud_check_result`), stored with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FraudCheck {
    /// The risk score reaches the suspicious threshold.
    pub is_suspicious: bool,
    /// What the rules found, in rule order.
    pub reasons: Vec<String>,
    /// 0..1, from the weighted signals.
    pub risk_score: f64,
    /// Every rule's figures.
    pub details: FraudDetails,
}

fn round_to(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Scores `candidate` for a customer with `history`; `global` holds every customer's amounts,
/// the baseline of a customer with fewer than `min_history` earlier transactions.
pub fn score(
    rules: &FraudRules,
    history: &CustomerHistory,
    global: &AmountStats,
    candidate: &Candidate,
) -> FraudCheck {
    let velocity = history.in_window >= rules.velocity_max;
    // enough history: the customer's own amounts are the baseline, and they have habits to break
    let own = history.amounts.count >= rules.min_history.max(1);
    let baseline = if own { &history.amounts } else { global };
    let z = baseline.z_score(candidate.amount);
    let unusual_amount = baseline.count >= 2 && z > rules.z_threshold;
    let new_method = own
        && !history
            .payment_methods
            .iter()
            .any(|m| m == &candidate.payment_method);
    let hour = candidate.at.hour();
    let unusual_hour = own && !history.hours.contains(&hour);

    let signals = [
        (velocity, rules.velocity_weight, "High transaction velocity"),
        (
            unusual_amount,
            rules.amount_weight,
            "Unusual transaction amount",
        ),
        (
            new_method,
            rules.new_payment_method_weight,
            "New payment method",
        ),
        (
            unusual_hour,
            rules.unusual_hour_weight,
            "Unusual hour of purchase",
        ),
    ];
    let risk: f64 = signals.iter().filter(|s| s.0).map(|s| s.1.max(0.0)).sum();
    let risk = round_to(risk.clamp(0.0, 1.0), 4);
    FraudCheck {
        is_suspicious: risk >= rules.suspicious_threshold,
        reasons: signals
            .iter()
            .filter(|s| s.0)
            .map(|s| s.2.to_owned())
            .collect(),
        risk_score: risk,
        details: FraudDetails {
            velocity_check: VelocityCheck {
                window_minutes: rules.velocity_window_minutes,
                transaction_count: history.in_window,
                threshold: rules.velocity_max,
            },
            amount_check: AmountCheck {
                z_score: round_to(z, 2),
                customer_mean: round_to(baseline.mean, 2),
                customer_std_dev: round_to(baseline.std_dev(), 2),
                threshold: rules.z_threshold,
                baseline: if own { "customer" } else { "global" }.to_owned(),
                history: history.amounts.count,
            },
            new_payment_method: new_method,
            unusual_hour,
        },
    }
}

/// A risk score `days` days later with nothing new: halved every `risk_half_life_days`.
pub fn decayed(rules: &FraudRules, risk: f64, days: f64) -> f64 {
    if rules.risk_half_life_days <= 0.0 || days <= 0.0 {
        return risk;
    }
    risk * 0.5f64.powf(days / rules.risk_half_life_days)
}

/// The customer's risk after a transaction scored `score` at `at`: their previous risk, decayed
/// to `at`, moved `risk_smoothing` of the way toward the new score; always within 0..1.
pub fn next_risk(
    rules: &FraudRules,
    previous: Option<(f64, DateTime<Utc>)>,
    score: f64,
    at: DateTime<Utc>,
) -> f64 {
    let before = previous.map_or(0.0, |(risk, then)| {
        let days = (at - then).num_seconds() as f64 / 86_400.0;
        decayed(rules, risk, days)
    });
    let alpha = rules.risk_smoothing.clamp(0.0, 1.0);
    round_to((before + alpha * (score - before)).clamp(0.0, 1.0), 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 10)
            .and_then(|d| d.and_hms_opt(h, 15, 0))
            .unwrap()
            .and_utc()
    }

    /// A regular customer: 100, 110, 90, 100 by card at 14:00 and 15:00.
    fn regular() -> CustomerHistory {
        CustomerHistory {
            amounts: AmountStats::of([100.0, 110.0, 90.0, 100.0]),
            in_window: 0,
            payment_methods: vec!["credit_card".into()],
            hours: vec![14, 15],
            risk: None,
        }
    }

    fn buy(amount: f64, method: &str, hour: u32) -> Candidate {
        Candidate {
            amount,
            payment_method: method.into(),
            at: at(hour),
        }
    }

    #[test]
    fn welford_matches_the_two_pass_sample_deviation() {
        let s = AmountStats::of([100.0, 110.0, 90.0, 100.0]);
        // mean 100, squared deviations 0 + 100 + 100 + 0 = 200, sample variance 200 / 3
        assert_eq!(s.count, 4);
        assert!((s.mean - 100.0).abs() < 1e-12);
        assert!((s.std_dev() - (200.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(AmountStats::of([5.0]).std_dev(), 0.0);
        assert_eq!(AmountStats::of([5.0, 5.0]).z_score(9.0), 0.0);
    }

    #[test]
    fn an_ordinary_purchase_passes() {
        let check = score(
            &FraudRules::default(),
            &regular(),
            &AmountStats::default(),
            &buy(105.0, "credit_card", 14),
        );
        assert!(!check.is_suspicious);
        assert!(check.reasons.is_empty());
        assert_eq!(check.risk_score, 0.0);
        assert_eq!(check.details.amount_check.baseline, "customer");
        // (105 − 100) / 8.165 = 0.61
        assert_eq!(check.details.amount_check.z_score, 0.61);
        assert_eq!(check.details.amount_check.customer_mean, 100.0);
        assert_eq!(check.details.amount_check.customer_std_dev, 8.16);
    }

    #[test]
    fn the_sixth_purchase_in_an_hour_is_a_velocity_burst_and_the_window_is_configurable() {
        let mut h = regular();
        h.in_window = 5;
        let rules = FraudRules::default();
        let check = score(
            &rules,
            &h,
            &AmountStats::default(),
            &buy(100.0, "credit_card", 14),
        );
        assert_eq!(check.reasons, ["High transaction velocity"]);
        assert_eq!(check.risk_score, 0.5);
        assert!(check.is_suspicious);
        assert_eq!(check.details.velocity_check.transaction_count, 5);
        h.in_window = 4;
        assert!(
            !score(
                &rules,
                &h,
                &AmountStats::default(),
                &buy(100.0, "credit_card", 14)
            )
            .is_suspicious
        );
        let strict = FraudRules {
            velocity_max: 4,
            ..FraudRules::default()
        };
        assert!(
            score(
                &strict,
                &h,
                &AmountStats::default(),
                &buy(100.0, "credit_card", 14)
            )
            .is_suspicious
        );
    }

    #[test]
    fn an_amount_far_above_the_customers_history_is_unusual_strictly_above_the_threshold() {
        let rules = FraudRules::default();
        // z = (500 − 100) / 8.165 = 48.99
        let check = score(
            &rules,
            &regular(),
            &AmountStats::default(),
            &buy(500.0, "credit_card", 14),
        );
        assert_eq!(check.reasons, ["Unusual transaction amount"]);
        assert_eq!(check.details.amount_check.z_score, 48.99);
        assert!(check.is_suspicious);
        // exactly at the threshold is not above it: 90, 100, 110 have mean 100 and sd 10
        let even = CustomerHistory {
            amounts: AmountStats::of([90.0, 100.0, 110.0]),
            ..regular()
        };
        let at_edge = score(
            &rules,
            &even,
            &AmountStats::default(),
            &buy(120.0, "credit_card", 14),
        );
        assert_eq!(at_edge.details.amount_check.z_score, 2.0);
        assert!(!at_edge.is_suspicious);
        assert!(
            score(
                &rules,
                &even,
                &AmountStats::default(),
                &buy(120.5, "credit_card", 14)
            )
            .is_suspicious
        );
        let lenient = FraudRules {
            z_threshold: 60.0,
            ..FraudRules::default()
        };
        assert!(
            !score(
                &lenient,
                &regular(),
                &AmountStats::default(),
                &buy(500.0, "credit_card", 14)
            )
            .is_suspicious
        );
    }

    #[test]
    fn too_little_history_falls_back_to_every_customers_amounts_with_complete_figures() {
        let newcomer = CustomerHistory {
            amounts: AmountStats::of([40.0, 60.0]),
            ..CustomerHistory::default()
        };
        let global = AmountStats::of([10.0, 20.0, 30.0, 40.0, 50.0]);
        let rules = FraudRules::default();
        // global mean 30, sample sd 15.81; z of 45 = 0.95, of 100 = 4.43
        let small = score(&rules, &newcomer, &global, &buy(45.0, "paypal", 3));
        assert_eq!(small.details.amount_check.baseline, "global");
        assert_eq!(small.details.amount_check.z_score, 0.95);
        assert_eq!(small.details.amount_check.customer_mean, 30.0);
        assert_eq!(small.details.amount_check.history, 2);
        // too little history for habits: neither the method nor the hour counts as new
        assert!(small.reasons.is_empty());
        let big = score(&rules, &newcomer, &global, &buy(100.0, "paypal", 3));
        assert_eq!(big.details.amount_check.z_score, 4.43);
        assert_eq!(big.reasons, ["Unusual transaction amount"]);
        // with min_history 2, the customer's own amounts (mean 50, sd 14.14) are the baseline
        let own = FraudRules {
            min_history: 2,
            ..FraudRules::default()
        };
        let check = score(&own, &newcomer, &global, &buy(45.0, "paypal", 3));
        assert_eq!(check.details.amount_check.baseline, "customer");
        assert_eq!(check.details.amount_check.z_score, -0.35);
    }

    #[test]
    fn a_new_payment_method_at_an_hour_never_seen_adds_up_to_suspicion_by_weight() {
        let rules = FraudRules::default();
        let check = score(
            &rules,
            &regular(),
            &AmountStats::default(),
            &buy(100.0, "paypal", 3),
        );
        assert_eq!(
            check.reasons,
            ["New payment method", "Unusual hour of purchase"]
        );
        assert_eq!(check.risk_score, 0.3);
        assert!(!check.is_suspicious);
        assert!(check.details.new_payment_method && check.details.unusual_hour);
        let heavier = FraudRules {
            new_payment_method_weight: 0.4,
            ..FraudRules::default()
        };
        let check = score(
            &heavier,
            &regular(),
            &AmountStats::default(),
            &buy(100.0, "paypal", 3),
        );
        assert_eq!(check.risk_score, 0.5);
        assert!(check.is_suspicious);
        // every signal at once is capped at 1
        let mut h = regular();
        h.in_window = 9;
        assert_eq!(
            score(
                &rules,
                &h,
                &AmountStats::default(),
                &buy(900.0, "paypal", 3)
            )
            .risk_score,
            1.0
        );
    }

    #[test]
    fn a_customers_risk_moves_toward_each_score_and_decays_with_time() {
        let rules = FraudRules::default();
        // 0 → 30 % of the way to 1.0
        let first = next_risk(&rules, None, 1.0, at(10));
        assert_eq!(first, 0.3);
        // a clean purchase 30 days later: 0.3 halves to 0.15, then 30 % of the way to 0 = 0.105
        let later = at(10) + chrono::Duration::days(30);
        assert_eq!(next_risk(&rules, Some((first, at(10))), 0.0, later), 0.105);
        assert_eq!(decayed(&rules, 0.8, 60.0), 0.2);
        let sticky = FraudRules {
            risk_half_life_days: 0.0,
            ..FraudRules::default()
        };
        assert_eq!(next_risk(&sticky, Some((first, at(10))), 0.0, later), 0.21);
        assert!(next_risk(&rules, Some((1.0, at(10))), 1.0, at(11)) <= 1.0);
    }

    #[test]
    fn settings_outside_their_ranges_are_refused_naming_the_field() {
        assert!(FraudRules::default().check().is_ok());
        let bad = |f: fn(&mut FraudRules)| {
            let mut r = FraudRules::default();
            f(&mut r);
            r.check().unwrap_err()
        };
        assert!(bad(|r| r.velocity_window_minutes = 0).contains("velocity_window_minutes"));
        assert!(bad(|r| r.velocity_max = 0).contains("velocity_max"));
        assert!(bad(|r| r.min_history = 1).contains("min_history"));
        assert!(bad(|r| r.z_threshold = f64::NAN).contains("z_threshold"));
        assert!(bad(|r| r.amount_weight = 1.5).contains("amount_weight"));
        assert!(bad(|r| r.suspicious_threshold = -0.1).contains("suspicious_threshold"));
        assert!(bad(|r| r.risk_half_life_days = -1.0).contains("risk_half_life_days"));
    }
}
