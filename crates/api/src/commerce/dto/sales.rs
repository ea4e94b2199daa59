//! Wire shapes of the overview and of transactions: exactly the TechMart contract's fields
//! (every number a JSON number, every time RFC 3339 with `Z`, money to cents), plus a few more.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_analytics::commerce::fraud::FraudCheck;
use tessera_analytics::commerce::overview::SalesPoint;
use tessera_domain::commerce::{Product, Transaction};
use utoipa::{IntoParams, ToSchema};

use crate::commerce::service::dashboard::Overview;
use crate::common::utc;

/// `?time_range=` of the overview.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// `24h` (default), `7d`, `30d` or `90d`, ending at the latest transaction.
    pub time_range: Option<String>,
}

/// One point of the sales series.
#[derive(Debug, Serialize, ToSchema)]
pub struct SalesPointOut {
    /// The hour (the day at 00:00 for 30d and 90d).
    pub hour: DateTime<Utc>,
    /// Σ amount, dollars.
    pub total_sales: f64,
    /// Transactions.
    pub num_transactions: u64,
}

impl From<SalesPoint> for SalesPointOut {
    fn from(p: SalesPoint) -> Self {
        Self {
            hour: utc(p.hour),
            total_sales: p.total_sales,
            num_transactions: p.num_transactions,
        }
    }
}

/// Sales of the window.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewSales {
    /// Σ amount in the window (every status).
    pub total: f64,
    /// Σ amount of all time.
    pub total_lifetime: f64,
    /// The zero-filled series: hourly for 24h (25 points) and 7d (169), daily for 30d (31)
    /// and 90d (91); empty without transactions.
    pub hourly_breakdown: Vec<SalesPointOut>,
}

/// Customer head counts (not windowed).
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewCustomers {
    /// Registered customers.
    pub total_customers: i64,
    /// Mean total spent.
    pub average_spent: f64,
    /// Customers at or above the high-risk threshold (0.7).
    pub high_risk_customers: i64,
}

/// Transactions of the window.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewTransactions {
    /// How many.
    pub transaction_count: i64,
    /// Σ amount.
    pub total_amount: f64,
    /// Σ amount (again, as the original sent it).
    pub total_sales: f64,
    /// Mean amount.
    pub average_amount: f64,
}

/// A product low on stock.
#[derive(Debug, Serialize, ToSchema)]
pub struct LowStockOut {
    /// Product id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Units left.
    pub stock_quantity: i64,
    /// Category.
    pub category: String,
}

impl From<&Product> for LowStockOut {
    fn from(p: &Product) -> Self {
        Self {
            id: p.id,
            name: p.name.clone(),
            stock_quantity: p.stock_quantity,
            category: p.category.clone(),
        }
    }
}

/// A transaction in an alert list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuspiciousOut {
    /// Transaction id.
    pub id: i64,
    /// Price × quantity.
    pub amount: f64,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// The buyer.
    pub customer_id: i64,
    /// Its status.
    pub status: String,
}

impl From<&Transaction> for SuspiciousOut {
    fn from(t: &Transaction) -> Self {
        Self {
            id: t.id,
            amount: t.amount(),
            timestamp: utc(t.timestamp),
            customer_id: t.customer_id,
            status: t.status.as_str().to_owned(),
        }
    }
}

/// What the overview's alert panel shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewAlerts {
    /// Products at or below the low-stock threshold (10), at most 100.
    pub low_stock_products: Vec<LowStockOut>,
    /// Window transactions at three times the mean amount of all transactions.
    pub suspicious_transactions: Vec<SuspiciousOut>,
}

/// `GET /dashboard/overview`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewOut {
    /// Sales.
    pub sales: OverviewSales,
    /// Customers.
    pub customers: OverviewCustomers,
    /// Transactions.
    pub transactions: OverviewTransactions,
    /// Alerts.
    pub alerts: OverviewAlerts,
}

impl From<Overview> for OverviewOut {
    fn from(o: Overview) -> Self {
        let average = if o.transaction_count > 0 {
            tessera_domain::commerce::cents(o.total / o.transaction_count as f64)
        } else {
            0.0
        };
        Self {
            sales: OverviewSales {
                total: o.total,
                total_lifetime: o.total_lifetime,
                hourly_breakdown: o.series.into_iter().map(Into::into).collect(),
            },
            customers: OverviewCustomers {
                total_customers: o.customers.total,
                average_spent: tessera_domain::commerce::cents(o.customers.average_spent),
                high_risk_customers: o.customers.high_risk,
            },
            transactions: OverviewTransactions {
                transaction_count: o.transaction_count,
                total_amount: o.total,
                total_sales: o.total,
                average_amount: average,
            },
            alerts: OverviewAlerts {
                low_stock_products: o.low_stock.iter().map(Into::into).collect(),
                suspicious_transactions: o.suspicious.iter().map(Into::into).collect(),
            },
        }
    }
}

/// `details.velocity_check`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VelocityCheckOut {
    /// The window, ending at the transaction's own time.
    pub window_minutes: i64,
    /// The customer's earlier transactions in it.
    pub transaction_count: u64,
    /// From this many earlier ones, the next is fast.
    pub threshold: u64,
}

/// `details.amount_check`: always complete.
#[derive(Debug, Serialize, ToSchema)]
pub struct AmountCheckOut {
    /// Standard deviations above the baseline's mean.
    pub z_score: f64,
    /// The baseline's mean amount.
    pub customer_mean: f64,
    /// The baseline's standard deviation.
    pub customer_std_dev: f64,
    /// Unusual strictly above this.
    pub threshold: f64,
    /// `customer` (their own amounts) or `global` (every customer's, when theirs are too few).
    pub baseline: String,
    /// The customer's earlier transactions.
    pub history: u64,
}

/// Every rule's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct FraudDetailsOut {
    /// Velocity.
    pub velocity_check: VelocityCheckOut,
    /// Amount anomaly.
    pub amount_check: AmountCheckOut,
    /// The payment method is new for the customer.
    pub new_payment_method: bool,
    /// The hour of day is new for the customer.
    pub unusual_hour: bool,
}

/// The fraud check of a transaction, stored with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FraudCheckOut {
    /// The risk score reaches the suspicious threshold (the transaction is flagged).
    pub is_suspicious: bool,
    /// What the rules found.
    pub reasons: Vec<String>,
    /// 0..1 from the weighted signals.
    pub risk_score: f64,
    /// Every rule's figures.
    pub details: FraudDetailsOut,
}

impl From<FraudCheck> for FraudCheckOut {
    fn from(c: FraudCheck) -> Self {
        let (v, a) = (c.details.velocity_check, c.details.amount_check);
        Self {
            is_suspicious: c.is_suspicious,
            reasons: c.reasons,
            risk_score: c.risk_score,
            details: FraudDetailsOut {
                velocity_check: VelocityCheckOut {
                    window_minutes: v.window_minutes,
                    transaction_count: v.transaction_count,
                    threshold: v.threshold,
                },
                amount_check: AmountCheckOut {
                    z_score: a.z_score,
                    customer_mean: a.customer_mean,
                    customer_std_dev: a.customer_std_dev,
                    threshold: a.threshold,
                    baseline: a.baseline,
                    history: a.history,
                },
                new_payment_method: c.details.new_payment_method,
                unusual_hour: c.details.unusual_hour,
            },
        }
    }
}

fn check_out(t: &Transaction) -> Option<FraudCheckOut> {
    crate::commerce::service::transactions::check_of(t).map(Into::into)
}

/// `?limit=` of the recent transactions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecentQuery {
    /// 1..=50, default 10.
    pub limit: Option<i64>,
}

/// A recent transaction.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecentTransactionOut {
    /// Transaction id.
    pub id: i64,
    /// The buyer's email.
    pub customer_email: String,
    /// The buyer.
    pub customer_id: i64,
    /// Price × quantity.
    pub amount: f64,
    /// Units bought.
    pub items: i64,
    /// How it was paid.
    pub payment_method: String,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// Its status.
    pub status: String,
    /// Its fraud check (absent only on rows that were never scored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fraud_check_result: Option<FraudCheckOut>,
}

impl From<(Transaction, String)> for RecentTransactionOut {
    fn from((t, email): (Transaction, String)) -> Self {
        Self {
            id: t.id,
            customer_email: email,
            customer_id: t.customer_id,
            amount: t.amount(),
            items: t.quantity,
            payment_method: t.payment_method.as_str().to_owned(),
            timestamp: utc(t.timestamp),
            status: t.status.as_str().to_owned(),
            fraud_check_result: check_out(&t),
        }
    }
}

/// `?hours=` of the suspicious transactions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuspiciousQuery {
    /// 1..=168, default 24, ending at the latest transaction.
    pub hours: Option<i64>,
}

/// A transaction.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionOut {
    /// Id.
    pub id: i64,
    /// The buyer.
    pub customer_id: i64,
    /// What was bought.
    pub product_id: i64,
    /// Units.
    pub quantity: i64,
    /// Unit price.
    pub price: f64,
    /// How it was paid.
    pub payment_method: String,
    /// pending, completed, failed, suspicious, flagged or refunded.
    pub status: String,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// Price × quantity.
    pub total_amount: f64,
    /// When a reviewer settled it.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Its stored fraud check.
    pub fraud_check_result: Option<FraudCheckOut>,
}

impl From<Transaction> for TransactionOut {
    fn from(t: Transaction) -> Self {
        Self {
            fraud_check_result: check_out(&t),
            id: t.id,
            customer_id: t.customer_id,
            product_id: t.product_id,
            quantity: t.quantity,
            price: t.price(),
            payment_method: t.payment_method.as_str().to_owned(),
            status: t.status.as_str().to_owned(),
            timestamp: utc(t.timestamp),
            total_amount: t.amount(),
            reviewed_at: t.reviewed_at.map(utc),
        }
    }
}

/// `POST /transactions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionIn {
    /// The buyer (a customer of the organisation).
    pub customer_id: i64,
    /// What is bought (a product of the organisation with enough stock).
    pub product_id: i64,
    /// 1..=1000.
    pub quantity: i64,
    /// Unit price, 0.01..=1,000,000 (default: the product's price).
    pub price: Option<f64>,
    /// credit_card, apple_pay, google_pay, paypal or bank_transfer.
    pub payment_method: String,
    /// When it happened (default now; at most ten years back and five minutes ahead).
    pub timestamp: Option<DateTime<Utc>>,
}

impl From<TransactionIn> for crate::commerce::service::transactions::NewTransaction {
    fn from(r: TransactionIn) -> Self {
        Self {
            customer_id: r.customer_id,
            product_id: r.product_id,
            quantity: r.quantity,
            price: r.price,
            payment_method: r.payment_method,
            timestamp: r.timestamp,
        }
    }
}

/// `PATCH /transactions/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    /// `completed` or `refunded`.
    pub status: String,
}
