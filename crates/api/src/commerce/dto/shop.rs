//! Wire shapes of customers, analytics, the catalogue and the alerts feed, as the TechMart
//! contract gives them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_analytics::commerce::behaviour::Behaviour;
use tessera_analytics::commerce::performance::{Geography, KeyMetric, ProductPerformance};
use tessera_domain::alerts::SystemAlert;
use tessera_domain::commerce::{Customer, Product, Transaction};
use tessera_domain::Page;
use utoipa::{IntoParams, ToSchema};

use crate::commerce::service::customers::CustomerDetail;
use crate::commerce::service::insights::Segmentation;
use crate::common::utc;

/// Paging and search of the customer list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// Page number, from 1 (default 1); a page past the end answers no items.
    pub page: Option<i64>,
    /// Page size, 1..=100 (default 50).
    pub page_size: Option<i64>,
    /// Same as `page_size`.
    pub limit: Option<i64>,
    /// Only customers whose email contains this (case-insensitive).
    pub search: Option<String>,
}

/// A customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerOut {
    /// Id.
    pub id: i64,
    /// Email.
    pub email: String,
    /// When they registered.
    pub registration_date: DateTime<Utc>,
    /// Σ completed amounts.
    pub total_spent: f64,
    /// 0..1, moved by every scored transaction and decaying with time.
    pub risk_score: f64,
    /// Region.
    pub region: String,
}

impl From<Customer> for CustomerOut {
    fn from(c: Customer) -> Self {
        Self {
            id: c.id,
            email: c.email,
            registration_date: utc(c.registration_date),
            total_spent: c.total_spent,
            risk_score: c.risk_score,
            region: c.region,
        }
    }
}

/// A page of customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    /// This page's customers, by id.
    pub items: Vec<CustomerOut>,
    /// Customers matching.
    pub total: u64,
    /// This page, from 1.
    pub page: u32,
    /// The page size.
    pub page_size: u32,
    /// Pages in all: ceil(total / page_size).
    pub pages: u64,
    /// A later page has customers.
    pub has_more: bool,
}

impl From<Page<Customer>> for CustomerPage {
    fn from(p: Page<Customer>) -> Self {
        let pages = p.total.div_ceil(u64::from(p.limit.max(1)));
        Self {
            has_more: u64::from(p.page) < pages,
            pages,
            total: p.total,
            page: p.page,
            page_size: p.limit,
            items: p.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// A transaction in a customer's details.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerTransactionOut {
    /// Id.
    pub id: i64,
    /// Price × quantity.
    pub amount: f64,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// Its status.
    pub status: String,
}

impl From<Transaction> for CustomerTransactionOut {
    fn from(t: Transaction) -> Self {
        Self {
            id: t.id,
            amount: t.amount(),
            timestamp: utc(t.timestamp),
            status: t.status.as_str().to_owned(),
        }
    }
}

/// A customer with their latest completed transactions.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerDetailOut {
    /// The customer.
    #[serde(flatten)]
    pub customer: CustomerOut,
    /// Their five latest completed transactions, newest first.
    pub recent_transactions: Vec<CustomerTransactionOut>,
}

impl From<CustomerDetail> for CustomerDetailOut {
    fn from(d: CustomerDetail) -> Self {
        Self {
            customer: d.customer.into(),
            recent_transactions: d.recent.into_iter().map(Into::into).collect(),
        }
    }
}

/// `?days=` of an analytics window ending now.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaysQuery {
    /// 1..=365, default 30.
    pub days: Option<i64>,
}

/// Window and category of product performance.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PerformanceQuery {
    /// 1..=365, default 30.
    pub days: Option<i64>,
    /// Only this category (an unknown one is a 422).
    pub category: Option<String>,
}

/// Purchases per customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrequencyDistributionOut {
    /// Customers with one purchase.
    pub single_purchase: u64,
    /// With two to five.
    #[serde(rename = "2-5_purchases")]
    pub two_to_five: u64,
    /// With six or more.
    #[serde(rename = "6+_purchases")]
    pub six_or_more: u64,
}

/// `purchase_frequency`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseFrequencyOut {
    /// Mean purchases per customer.
    pub average_purchases: f64,
    /// Customers by purchase count.
    pub frequency_distribution: FrequencyDistributionOut,
}

/// `customer_segments`: customers by value (above 1000, 500..=1000, below 500).
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentsOut {
    /// High value.
    pub high_value: u64,
    /// Medium value.
    pub medium_value: u64,
    /// Low value.
    pub low_value: u64,
}

/// `retention_metrics`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionOut {
    /// Percent, 0..=100.
    pub retention_rate: f64,
    /// Customers counted.
    pub total_customers: u64,
    /// Customers retained.
    pub retained_customers: u64,
}

/// Customer behaviour.
#[derive(Debug, Serialize, ToSchema)]
pub struct BehaviourOut {
    /// Purchase frequency.
    pub purchase_frequency: PurchaseFrequencyOut,
    /// Value segments.
    pub customer_segments: SegmentsOut,
    /// Retention.
    pub retention_metrics: RetentionOut,
}

impl From<Behaviour> for BehaviourOut {
    fn from(b: Behaviour) -> Self {
        let f = b.purchase_frequency;
        let d = f.frequency_distribution;
        let s = b.customer_segments;
        let r = b.retention_metrics;
        Self {
            purchase_frequency: PurchaseFrequencyOut {
                average_purchases: f.average_purchases,
                frequency_distribution: FrequencyDistributionOut {
                    single_purchase: d.single_purchase,
                    two_to_five: d.two_to_five,
                    six_or_more: d.six_or_more,
                },
            },
            customer_segments: SegmentsOut {
                high_value: s.high_value,
                medium_value: s.medium_value,
                low_value: s.low_value,
            },
            retention_metrics: RetentionOut {
                retention_rate: r.retention_rate,
                total_customers: r.total_customers,
                retained_customers: r.retained_customers,
            },
        }
    }
}

/// A product's sales in the window.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopProductOut {
    /// Product id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Units sold.
    pub units_sold: i64,
    /// Σ price × quantity.
    pub revenue: f64,
    /// Units in stock now.
    pub stock_quantity: i64,
}

/// A category's sales in the window.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryOut {
    /// Σ revenue.
    pub total_revenue: f64,
    /// Σ units.
    pub units_sold: i64,
    /// Units per product with sales.
    pub avg_turnover: f64,
}

/// Product performance.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductPerformanceOut {
    /// The ten best products by revenue.
    pub top_products: Vec<TopProductOut>,
    /// Per category name.
    pub category_performance: BTreeMap<String, CategoryOut>,
}

impl From<ProductPerformance> for ProductPerformanceOut {
    fn from(p: ProductPerformance) -> Self {
        Self {
            top_products: p
                .top_products
                .into_iter()
                .map(|t| TopProductOut {
                    id: t.id,
                    name: t.name,
                    category: t.category,
                    units_sold: t.units_sold,
                    revenue: t.revenue,
                    stock_quantity: t.stock_quantity,
                })
                .collect(),
            category_performance: p
                .category_performance
                .into_iter()
                .map(|(k, c)| {
                    (
                        k,
                        CategoryOut {
                            total_revenue: c.total_revenue,
                            units_sold: c.units_sold,
                            avg_turnover: c.avg_turnover,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// A region's sales.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionOut {
    /// Region.
    pub region: String,
    /// Σ amount.
    pub total_sales: f64,
    /// Customers who bought.
    pub num_customers: i64,
    /// Distinct products bought.
    pub num_products: i64,
}

/// A product popular in a region.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreferenceOut {
    /// Product name.
    pub product_name: String,
    /// Category.
    pub category: String,
    /// Units bought in the region.
    pub units_sold: i64,
}

/// Geographic analytics.
#[derive(Debug, Serialize, ToSchema)]
pub struct GeographyOut {
    /// Per region, by sales.
    pub regional_sales: Vec<RegionOut>,
    /// Each region's five favourite products.
    pub regional_preferences: BTreeMap<String, Vec<PreferenceOut>>,
}

impl From<Geography> for GeographyOut {
    fn from(g: Geography) -> Self {
        Self {
            regional_sales: g
                .regional_sales
                .into_iter()
                .map(|r| RegionOut {
                    region: r.region,
                    total_sales: r.total_sales,
                    num_customers: r.num_customers,
                    num_products: r.num_products,
                })
                .collect(),
            regional_preferences: g
                .regional_preferences
                .into_iter()
                .map(|(k, v)| {
                    let prefs = v
                        .into_iter()
                        .map(|p| PreferenceOut {
                            product_name: p.product_name,
                            category: p.category,
                            units_sold: p.units_sold,
                        })
                        .collect();
                    (k, prefs)
                })
                .collect(),
        }
    }
}

/// A key metric card.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyMetricOut {
    /// What it measures.
    pub label: String,
    /// Its value over the last 30 days.
    pub value: f64,
    /// Percent change against the 30 days before (2 decimals).
    pub change: f64,
    /// `currency`, `number` or `percent`.
    pub format: String,
}

impl From<KeyMetric> for KeyMetricOut {
    fn from(k: KeyMetric) -> Self {
        Self {
            label: k.label,
            value: k.value,
            change: k.change,
            format: k.format.to_owned(),
        }
    }
}

/// Filters of the product list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// Only this category (an unknown one is a 404).
    pub category: Option<String>,
    /// Only this supplier's (an unknown one is a 404).
    pub supplier_id: Option<i64>,
    /// Products skipped, ≥ 0.
    pub skip: Option<i64>,
    /// 1..=1000, default 100.
    pub limit: Option<i64>,
}

/// A product.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Unit price, above 0.
    pub price: f64,
    /// Units in stock, ≥ 0.
    pub stock_quantity: i64,
    /// Supplier id.
    pub supplier_id: Option<i64>,
}

impl From<Product> for ProductOut {
    fn from(p: Product) -> Self {
        Self {
            id: p.id,
            name: p.name,
            category: p.category,
            price: p.price,
            stock_quantity: p.stock_quantity,
            supplier_id: p.supplier_id,
        }
    }
}

/// One RFM segment.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentOut {
    /// champions, loyal, new, at_risk, lost or needs_attention.
    pub segment: String,
    /// Customers in it.
    pub customers: u64,
    /// Their share of customers with a purchase, percent.
    pub share: f64,
    /// Their completed revenue.
    pub revenue: f64,
    /// Mean days since their latest purchase.
    pub avg_recency_days: f64,
    /// Mean completed purchases.
    pub avg_frequency: f64,
    /// Mean completed revenue per customer.
    pub avg_monetary: f64,
}

/// One monthly cohort.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortOut {
    /// The month of the first completed purchase, `YYYY-MM`.
    pub cohort: String,
    /// Customers whose first purchase fell in it.
    pub customers: u64,
    /// Percent of them buying in month 0, 1, 2, ... after it (month 0 is 100).
    pub retention: Vec<f64>,
}

/// `GET /customers/segments`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentationOut {
    /// When it was computed.
    pub as_of: DateTime<Utc>,
    /// Registered customers.
    pub total_customers: i64,
    /// Customers with a completed purchase (the ones segmented).
    pub customers_with_purchases: u64,
    /// Every segment, in report order.
    pub segments: Vec<SegmentOut>,
    /// The latest twelve monthly cohorts, oldest first.
    pub cohorts: Vec<CohortOut>,
}

impl From<Segmentation> for SegmentationOut {
    fn from(s: Segmentation) -> Self {
        Self {
            as_of: utc(s.as_of),
            total_customers: s.registered,
            customers_with_purchases: s.buyers,
            segments: s
                .segments
                .into_iter()
                .map(|g| SegmentOut {
                    segment: g.segment.to_owned(),
                    customers: g.customers,
                    share: g.share,
                    revenue: g.revenue,
                    avg_recency_days: g.avg_recency_days,
                    avg_frequency: g.avg_frequency,
                    avg_monetary: g.avg_monetary,
                })
                .collect(),
            cohorts: s
                .cohorts
                .into_iter()
                .map(|c| CohortOut {
                    cohort: c.cohort,
                    customers: c.customers,
                    retention: c.retention,
                })
                .collect(),
        }
    }
}

/// An open system alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemAlertOut {
    /// Id.
    pub id: i64,
    /// `low_stock`, `suspicious_transaction` or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What is wrong.
    pub message: String,
    /// `info`, `warning` or `error`.
    pub severity: String,
    /// When the condition began.
    pub created_at: DateTime<Utc>,
    /// When it was last confirmed.
    pub updated_at: DateTime<Utc>,
    /// `products` (low_stock) or `transactions` (suspicious_transaction).
    #[schema(value_type = Object)]
    pub alert_metadata: serde_json::Value,
    /// Null while open.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<SystemAlert> for SystemAlertOut {
    fn from(a: SystemAlert) -> Self {
        Self {
            id: a.id,
            kind: a.kind.as_str().to_owned(),
            message: a.message,
            severity: a.severity.as_str().to_owned(),
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
            alert_metadata: crate::common::json_object(&a.metadata_json),
            resolved_at: a.resolved_at.map(utc),
        }
    }
}

/// `GET /alerts/system-status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemStatusOut {
    /// `warning` with open alerts, else `healthy`.
    pub status: String,
    /// When the conditions were checked.
    pub last_checked: DateTime<Utc>,
    /// Open alerts, newest first.
    pub active_alerts: Vec<SystemAlertOut>,
}

impl From<(Vec<SystemAlert>, NaiveDateTime)> for SystemStatusOut {
    fn from((alerts, at): (Vec<SystemAlert>, NaiveDateTime)) -> Self {
        Self {
            status: if alerts.is_empty() {
                "healthy"
            } else {
                "warning"
            }
            .to_owned(),
            last_checked: utc(at),
            active_alerts: alerts.into_iter().map(Into::into).collect(),
        }
    }
}
