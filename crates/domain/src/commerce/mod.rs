//! The commerce area: customers, suppliers, products and their transactions, each scored for
//! fraud as it arrives. Ids are integers (what the TechMart app keys its lists by), unique per
//! list and stable; every record belongs to one organisation.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::error::Validator;
use crate::{DomainError, OrgId};

named_enum!(
    /// Where a transaction stands. Only `completed` counts toward a customer's total spent.
    TransactionStatus, "status" {
        /// Recorded, not yet settled.
        Pending = "pending",
        /// Settled: counts toward the customer's total.
        Completed = "completed",
        /// Payment failed.
        Failed = "failed",
        /// Marked suspicious (imported data).
        Suspicious = "suspicious",
        /// Scored at or above the suspicious threshold: waits for review.
        Flagged = "flagged",
        /// Paid back.
        Refunded = "refunded",
    }
);

named_enum!(
    /// How a transaction is paid.
    PaymentMethod, "payment_method" {
        /// A credit card.
        CreditCard = "credit_card",
        /// Apple Pay.
        ApplePay = "apple_pay",
        /// Google Pay.
        GooglePay = "google_pay",
        /// PayPal.
        Paypal = "paypal",
        /// A bank transfer.
        BankTransfer = "bank_transfer",
    }
);

named_enum!(
    /// The window of the commerce overview (`time_range`), anchored at the latest transaction.
    OverviewWindow, "time_range" {
        /// The last 24 hours, hourly.
        Day = "24h",
        /// The last 7 days, hourly.
        Week = "7d",
        /// The last 30 days, daily.
        Month = "30d",
        /// The last 90 days, daily.
        Quarter = "90d",
    }
);

impl OverviewWindow {
    /// The window's length in hours.
    pub fn hours(self) -> i64 {
        match self {
            Self::Day => 24,
            Self::Week => 7 * 24,
            Self::Month => 30 * 24,
            Self::Quarter => 90 * 24,
        }
    }

    /// Whether its series has one point per day (30d, 90d) rather than per hour.
    pub fn daily(self) -> bool {
        self.hours() > 7 * 24
    }
}

impl TransactionStatus {
    /// Whether a transaction in this status counts toward the customer's total spent.
    pub fn counts_toward_total(self) -> bool {
        self == Self::Completed
    }

    /// Whether a reviewer may move a transaction from this status to `to`: only a flagged one,
    /// and only to `completed` or `refunded`.
    pub fn can_review_to(self, to: Self) -> bool {
        self == Self::Flagged && matches!(to, Self::Completed | Self::Refunded)
    }
}

/// Money as stored and shown: rounded to cents.
pub fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// Most items in one transaction.
pub const MAX_QUANTITY: i64 = 1000;
/// Highest unit price of one transaction.
pub const MAX_PRICE: f64 = 1_000_000.0;

/// A customer of an organisation's shop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// The id the app sees.
    pub id: i64,
    /// The owning organisation.
    pub org_id: OrgId,
    /// Unique within the organisation.
    pub email: String,
    /// When they registered (UTC).
    pub registration_date: NaiveDateTime,
    /// Their region (geographic analytics).
    pub region: String,
    /// The sum of their completed transactions, to cents.
    pub total_spent: f64,
    /// 0..1, moved by every scored transaction and decaying with time.
    pub risk_score: f64,
}

/// A supplier of products.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supplier {
    /// The id the app sees.
    pub id: i64,
    /// The owning organisation.
    pub org_id: OrgId,
    /// Its name.
    pub name: String,
    /// 0..1.
    pub reliability_score: f64,
    /// Its country.
    pub country: String,
}

/// A product on sale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// The id the app sees.
    pub id: i64,
    /// The owning organisation.
    pub org_id: OrgId,
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: String,
    /// The unit price, above zero.
    pub price: f64,
    /// Units in stock, never negative.
    pub stock_quantity: i64,
    /// Who supplies it.
    pub supplier_id: Option<i64>,
}

/// A recorded transaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transaction {
    /// The id the app sees.
    pub id: i64,
    /// The owning organisation.
    pub org_id: OrgId,
    /// The buyer.
    pub customer_id: i64,
    /// What was bought.
    pub product_id: i64,
    /// How many.
    pub quantity: i64,
    /// The unit price, in cents.
    pub price_cents: i64,
    /// Price × quantity, in cents.
    pub amount_cents: i64,
    /// How it was paid.
    pub payment_method: PaymentMethod,
    /// Where it stands.
    pub status: TransactionStatus,
    /// When it happened (UTC).
    pub timestamp: NaiveDateTime,
    /// The risk its fraud check gave it, 0..1 (absent on rows that were never scored).
    pub risk_score: Option<f64>,
    /// The stored fraud check result (JSON), as the POST answered it.
    pub fraud_check_json: Option<String>,
    /// When a reviewer settled it (flagged → completed or refunded).
    pub reviewed_at: Option<NaiveDateTime>,
}

impl Transaction {
    /// Price × quantity in dollars.
    pub fn amount(&self) -> f64 {
        self.amount_cents as f64 / 100.0
    }

    /// The unit price in dollars.
    pub fn price(&self) -> f64 {
        self.price_cents as f64 / 100.0
    }
}

/// A customer's running figures, moved by every transaction in id order and recomputed from the
/// rows by `tessera admin recalculate-totals`; the same arithmetic both ways, so the two agree
/// exactly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    /// The sum of completed amounts, in cents (exact).
    pub total_spent_cents: i64,
    /// Amounts seen (every status): the Welford count.
    pub amount_count: i64,
    /// Their mean, in dollars.
    pub amount_mean: f64,
    /// Their sum of squared deviations from the mean.
    pub amount_m2: f64,
    /// Bit `i` set: the customer paid with `PaymentMethod::ALL[i]`.
    pub payment_methods: i64,
    /// Bit `h` set: the customer bought in UTC hour `h`.
    pub purchase_hours: i64,
    /// 0..1, moved toward every transaction's score and decaying with time.
    pub risk_score: f64,
    /// When the risk score last moved.
    pub risk_updated_at: Option<NaiveDateTime>,
}

impl PaymentMethod {
    /// The method's bit in [`Ledger::payment_methods`].
    pub fn bit(self) -> i64 {
        let i = Self::ALL.iter().position(|m| *m == self).unwrap_or(0);
        1 << i
    }
}

/// Money in cents from dollars, rounded to the cent.
pub fn to_cents(dollars: f64) -> i64 {
    (dollars * 100.0).round() as i64
}

/// A transaction as posted, checked: a known customer and product are the store's to check.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionDraft {
    /// The buyer.
    pub customer_id: i64,
    /// What is bought.
    pub product_id: i64,
    /// How many, 1..=1000.
    pub quantity: i64,
    /// The unit price, 0 < price ≤ 1,000,000 (the product's price when not given).
    pub price: Option<f64>,
    /// How it is paid.
    pub payment_method: PaymentMethod,
    /// When it happened (now when not given).
    pub timestamp: Option<NaiveDateTime>,
}

impl TransactionDraft {
    /// Checks a posted transaction; every invalid field is reported at once.
    pub fn parse(
        customer_id: i64,
        product_id: i64,
        quantity: i64,
        price: Option<f64>,
        payment_method: &str,
        timestamp: Option<NaiveDateTime>,
    ) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            v.check::<()>(Err(DomainError::field(
                "quantity",
                format!("must be between 1 and {MAX_QUANTITY}"),
            )));
        }
        if price.is_some_and(|p| !(p.is_finite() && p <= MAX_PRICE && to_cents(p) >= 1)) {
            v.check::<()>(Err(DomainError::field(
                "price",
                "must be at least 0.01 and at most 1,000,000",
            )));
        }
        let payment_method = v.check(payment_method.parse::<PaymentMethod>());
        v.finish()?;
        Ok(Self {
            customer_id,
            product_id,
            quantity,
            price,
            payment_method: payment_method.unwrap_or(PaymentMethod::CreditCard),
            timestamp,
        })
    }

    /// price × quantity at `unit_price`, to cents.
    pub fn amount(&self, unit_price: f64) -> f64 {
        cents(unit_price * self.quantity as f64)
    }

    /// The unit price in cents: the posted one, else the product's.
    pub fn price_cents(&self, product_price_cents: i64) -> i64 {
        self.price.map_or(product_price_cents, to_cents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: DomainError) -> Vec<String> {
        let DomainError::Validation(errors) = e;
        errors.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn statuses_and_methods_keep_their_wire_names() {
        for s in TransactionStatus::ALL {
            assert_eq!(s.as_str().parse::<TransactionStatus>().ok(), Some(*s));
        }
        assert_eq!(PaymentMethod::ApplePay.as_str(), "apple_pay");
        let e = "cash".parse::<PaymentMethod>().unwrap_err();
        assert_eq!(fields(e), ["payment_method"]);
    }

    #[test]
    fn only_completed_counts_and_only_flagged_is_reviewed() {
        use TransactionStatus::*;
        assert!(Completed.counts_toward_total());
        assert!(!Flagged.counts_toward_total() && !Pending.counts_toward_total());
        assert!(Flagged.can_review_to(Completed) && Flagged.can_review_to(Refunded));
        assert!(!Flagged.can_review_to(Failed));
        assert!(!Completed.can_review_to(Refunded));
    }

    #[test]
    fn a_draft_reports_every_invalid_field() {
        let e = TransactionDraft::parse(1, 2, 0, Some(0.0), "cash", None).unwrap_err();
        assert_eq!(fields(e), ["quantity", "price", "payment_method"]);
        let e =
            TransactionDraft::parse(1, 2, 1001, Some(1_000_000.01), "paypal", None).unwrap_err();
        assert_eq!(fields(e), ["quantity", "price"]);
        assert!(TransactionDraft::parse(1, 2, 1, Some(f64::NAN), "paypal", None).is_err());
        let ok = TransactionDraft::parse(1, 2, 1000, Some(1_000_000.0), "paypal", None).unwrap();
        assert_eq!(ok.payment_method, PaymentMethod::Paypal);
        assert_eq!(ok.amount(19.99), 19_990.0);
        assert_eq!(
            TransactionDraft::parse(1, 2, 3, None, "credit_card", None)
                .unwrap()
                .amount(0.1),
            0.3
        );
    }
}
