//! Demo commerce data: suppliers, about 300 products in realistic categories (a few low on
//! stock), customers across regions, and transactions over the last 90 days ending now with a
//! daily and weekly rhythm, each scored by the real fraud rules in time order, plus three
//! planted fraud patterns near the end (a velocity burst, an amount far above a customer's
//! history, a new payment method at 3 a.m.). Ledgers are replayed in id order, so
//! `recalculate-totals` over the demo changes nothing.

use std::collections::VecDeque;

use chrono::{Duration, NaiveDateTime, Timelike};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tessera_analytics::commerce::fraud::{self, AmountStats, Candidate, FraudRules};
use tessera_analytics::commerce::ledger::{self, Entry};
use tessera_domain::commerce::{Ledger, PaymentMethod, TransactionStatus};
use tessera_domain::OrgId;
use tessera_store::commerce::catalog::{self, NewProduct, NewSupplier};
use tessera_store::commerce::customers::{self, NewCustomer};
use tessera_store::commerce::transactions::{self, NewTransaction};
use tessera_store::{DbConn, StoreError};

/// What was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCounts {
    /// Products.
    pub products: usize,
    /// Customers.
    pub customers: usize,
    /// Transactions.
    pub transactions: usize,
    /// Of them flagged by the fraud rules.
    pub flagged: usize,
}

const CATEGORIES: &[(&str, &[&str], f64, f64)] = &[
    (
        "Electronics",
        &["Smart Speaker", "Streaming Stick", "E-Reader", "Smartwatch"],
        40.0,
        400.0,
    ),
    (
        "Computers",
        &["Laptop", "Monitor", "Keyboard", "Mouse", "Docking Station"],
        25.0,
        2200.0,
    ),
    (
        "Phones",
        &["Smartphone", "Phone Case", "Charger", "Power Bank"],
        15.0,
        1300.0,
    ),
    (
        "Audio",
        &["Headphones", "Earbuds", "Soundbar", "Turntable"],
        30.0,
        600.0,
    ),
    (
        "Home & Kitchen",
        &["Blender", "Coffee Maker", "Air Fryer", "Knife Set"],
        20.0,
        350.0,
    ),
    (
        "Sports",
        &["Yoga Mat", "Running Shoes", "Dumbbells", "Bike Helmet"],
        15.0,
        250.0,
    ),
    (
        "Books",
        &["Cookbook", "Novel", "Travel Guide", "Programming Book"],
        8.0,
        60.0,
    ),
    (
        "Toys",
        &["Puzzle", "Building Set", "Board Game", "RC Car"],
        10.0,
        150.0,
    ),
];
const BRANDS: &[&str] = &[
    "Acme", "Nordlys", "Vertex", "Pulse", "Orbit", "Kestrel", "Lumen", "Tandem",
];
const REGIONS: &[(&str, u32)] = &[
    ("North America", 30),
    ("Europe", 28),
    ("Asia Pacific", 22),
    ("Latin America", 10),
    ("Middle East", 6),
    ("Africa", 4),
];
const COUNTRIES: &[&str] = &[
    "US", "DE", "CN", "JP", "MX", "GB", "IN", "BR", "KR", "FR", "VN", "PL",
];
const NAMES: &[&str] = &[
    "alex", "sam", "maria", "li", "noah", "emma", "omar", "yuki", "lena", "raj", "ana", "tom",
];

fn pick_weighted<'a>(rng: &mut StdRng, items: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut n = rng.gen_range(0..total.max(1));
    for (name, w) in items {
        if n < *w {
            return name;
        }
        n -= w;
    }
    items[0].0
}

/// A generated transaction before scoring.
struct Draft {
    customer: usize,
    product: usize,
    quantity: i64,
    method: PaymentMethod,
    at: NaiveDateTime,
}

/// Replaces the organisation's commerce data with `customers` customers (about seven
/// transactions each over 90 days ending at `now`), scored by `rules`.
pub fn generate(
    conn: &mut DbConn,
    org: OrgId,
    customer_count: usize,
    now: NaiveDateTime,
    rules: &FraudRules,
    seed: u64,
) -> Result<DemoCounts, StoreError> {
    let mut rng = StdRng::seed_from_u64(seed);
    transactions::clear_all(conn, org)?;
    let suppliers: Vec<NewSupplier> = (0..12)
        .map(|i| NewSupplier {
            name: format!("{} Supply Co. {}", BRANDS[i % BRANDS.len()], i + 1),
            reliability_score: (rng.gen_range(0.70..0.99f64) * 100.0).round() / 100.0,
            country: COUNTRIES[i % COUNTRIES.len()].to_owned(),
        })
        .collect();
    let supplier_ids = catalog::insert_suppliers(conn, org, &suppliers)?;
    let mut products = Vec::new();
    let mut prices = Vec::new();
    for (ci, (category, nouns, low, high)) in CATEGORIES.iter().enumerate() {
        for n in 0..38 {
            let noun = nouns[n % nouns.len()];
            let brand = BRANDS[(n + ci) % BRANDS.len()];
            let price = (rng.gen_range(low.ln()..high.ln())).exp();
            let price_cents = ((price * 100.0).round() as i64 / 100) * 100 - 1;
            // a few products run low: every 40th is nearly out, one per category is out
            let stock = match (n, (ci * 38 + n) % 40) {
                (0, _) => 0,
                (_, 7) => rng.gen_range(1..=9),
                _ => rng.gen_range(25..500),
            };
            products.push(NewProduct {
                name: format!("{brand} {noun} {}", 100 + n * 7),
                category: (*category).to_owned(),
                price_cents: price_cents.max(99),
                stock_quantity: stock,
                supplier_id: supplier_ids
                    .get((ci + n) % supplier_ids.len().max(1))
                    .copied(),
            });
            prices.push(price_cents.max(99));
        }
    }
    let product_ids = catalog::insert_products(conn, org, &products)?;
    let new_customers: Vec<NewCustomer> = (0..customer_count)
        .map(|i| NewCustomer {
            email: format!(
                "{}.{}{}@example.com",
                NAMES[i % NAMES.len()],
                BRANDS[i % BRANDS.len()].to_lowercase(),
                i
            ),
            registration_date: now - Duration::days(rng.gen_range(91..800)),
            region: pick_weighted(&mut rng, REGIONS).to_owned(),
        })
        .collect();
    let customer_ids = customers::insert_many(conn, org, &new_customers)?;
    // each customer shops in a price band of their own (a rank in the price order), which keeps
    // their amounts consistent, as real customers' are, so the amount rule flags outliers only
    let mut by_price: Vec<usize> = (0..prices.len()).collect();
    by_price.sort_by_key(|i| prices[*i]);
    let habits: Vec<(PaymentMethod, usize, f64)> = (0..customer_count)
        .map(|_| {
            let method = PaymentMethod::ALL[rng.gen_range(0..PaymentMethod::ALL.len())];
            let band = (rng.gen::<f64>().powf(1.5) * by_price.len() as f64) as usize;
            // a few customers buy a lot, most now and then
            let weight = 1.0 / (1.0 + rng.gen_range(0.0..6.0f64));
            (method, band, weight)
        })
        .collect();
    let drafts = rhythm(&mut rng, &habits, &by_price, now);
    let drafts = with_planted_patterns(drafts, &habits, &prices, now);
    let scored = score_all(rules, &drafts, &prices, &mut rng);
    let rows: Vec<NewTransaction> = drafts
        .iter()
        .zip(&scored)
        .map(|(d, (status, score, json))| NewTransaction {
            customer_id: customer_ids[d.customer],
            product_id: product_ids[d.product],
            quantity: d.quantity,
            price_cents: prices[d.product],
            payment_method: d.method,
            status: *status,
            at: d.at,
            risk_score: Some(*score),
            fraud_check_json: Some(json.clone()),
        })
        .collect();
    transactions::insert_many(conn, org, &rows)?;
    let mut ledgers = vec![Ledger::default(); customer_count];
    for (d, (status, score, _)) in drafts.iter().zip(&scored) {
        ledger::apply(
            rules,
            &mut ledgers[d.customer],
            &Entry {
                amount_cents: prices[d.product] * d.quantity,
                payment_method: d.method,
                at: d.at,
                status: *status,
                risk_score: Some(*score),
            },
        );
    }
    for (id, l) in customer_ids.iter().zip(&ledgers) {
        customers::set_ledger(conn, org, *id, l)?;
    }
    tessera_store::commerce::rollup::rebuild(conn, org)?;
    tessera_store::db::analyze(
        conn,
        &[
            "commerce_suppliers",
            "commerce_products",
            "commerce_customers",
            "commerce_transactions",
            "commerce_sales_hourly",
        ],
    )?;
    Ok(DemoCounts {
        products: product_ids.len(),
        customers: customer_ids.len(),
        transactions: rows.len(),
        flagged: scored
            .iter()
            .filter(|s| s.0 == TransactionStatus::Flagged)
            .count(),
    })
}

/// About seven purchases per customer over 90 days, near the customer's price band: busier at
/// weekends and in the afternoon and evening, quiet at night; sorted by time.
fn rhythm(
    rng: &mut StdRng,
    habits: &[(PaymentMethod, usize, f64)],
    by_price: &[usize],
    now: NaiveDateTime,
) -> Vec<Draft> {
    let mut out = Vec::new();
    let start = now - Duration::days(90);
    for (c, (method, band, weight)) in habits.iter().enumerate() {
        let n = (weight * 20.0).round() as usize + 1;
        for _ in 0..n {
            let day = rng.gen_range(0..90);
            let mut at = start + Duration::days(day);
            let weekend = matches!(at.format("%a").to_string().as_str(), "Sat" | "Sun");
            if !weekend && rng.gen_bool(0.2) {
                continue; // weekdays are a fifth quieter
            }
            let hour = if rng.gen_bool(0.85) {
                rng.gen_range(9..23)
            } else {
                rng.gen_range(0..24)
            };
            at = at
                .date()
                .and_hms_opt(hour, rng.gen_range(0..60), rng.gen_range(0..60))
                .unwrap_or(at);
            if at > now {
                continue;
            }
            let rank = (*band as i64 + rng.gen_range(-6..=6)).clamp(0, by_price.len() as i64 - 1);
            let product = by_price[rank as usize];
            let method = if rng.gen_bool(0.9) {
                *method
            } else {
                PaymentMethod::ALL[rng.gen_range(0..PaymentMethod::ALL.len())]
            };
            out.push(Draft {
                customer: c,
                product,
                quantity: if rng.gen_bool(0.95) { 1 } else { 2 },
                method,
                at,
            });
        }
    }
    out.sort_by_key(|d| d.at);
    out
}

/// Adds the three planted patterns in the last day, each on a different regular customer.
fn with_planted_patterns(
    mut drafts: Vec<Draft>,
    habits: &[(PaymentMethod, usize, f64)],
    prices: &[i64],
    now: NaiveDateTime,
) -> Vec<Draft> {
    if habits.len() < 3 || prices.is_empty() {
        return drafts;
    }
    let base = now - Duration::hours(20);
    // a velocity burst: eight purchases within 40 minutes
    for i in 0..8 {
        drafts.push(Draft {
            customer: 0,
            product: 5,
            quantity: 1,
            method: habits[0].0,
            at: base + Duration::minutes(5 * i),
        });
    }
    // an amount far above the customer's history: twenty of the dearest product
    let dearest = (0..prices.len()).max_by_key(|i| prices[*i]).unwrap_or(0);
    drafts.push(Draft {
        customer: 1,
        product: dearest,
        quantity: 20,
        method: habits[1].0,
        at: base + Duration::hours(3),
    });
    // a payment method never used before, at 3 a.m.
    let unused = PaymentMethod::ALL
        .iter()
        .copied()
        .find(|m| *m != habits[2].0)
        .unwrap_or(PaymentMethod::BankTransfer);
    let three = (now - Duration::days(1))
        .date()
        .and_hms_opt(3, 7, 0)
        .unwrap_or(base);
    drafts.push(Draft {
        customer: 2,
        product: dearest,
        quantity: 3,
        method: unused,
        at: three,
    });
    drafts.sort_by_key(|d| d.at);
    drafts
}

/// Scores every draft in time order as the write path would: status, score, stored check.
fn score_all(
    rules: &FraudRules,
    drafts: &[Draft],
    prices: &[i64],
    rng: &mut StdRng,
) -> Vec<(TransactionStatus, f64, String)> {
    let customers = drafts.iter().map(|d| d.customer).max().map_or(0, |m| m + 1);
    let mut ledgers = vec![Ledger::default(); customers];
    let mut recent: Vec<VecDeque<NaiveDateTime>> = vec![VecDeque::new(); customers];
    let mut global = AmountStats::default();
    let window = Duration::minutes(rules.velocity_window_minutes);
    let mut out = Vec::with_capacity(drafts.len());
    for d in drafts {
        let amount_cents = prices[d.product] * d.quantity;
        let times = &mut recent[d.customer];
        while times.front().is_some_and(|t| *t < d.at - window) {
            times.pop_front();
        }
        let history = ledger::history(&ledgers[d.customer], times.len() as u64);
        let candidate = Candidate {
            amount: amount_cents as f64 / 100.0,
            payment_method: d.method.as_str().to_owned(),
            at: d.at.and_utc(),
        };
        let check = fraud::score(rules, &history, &global, &candidate);
        let status = if check.is_suspicious {
            TransactionStatus::Flagged
        } else if rng.gen_bool(0.02) && d.at.hour() > 0 {
            TransactionStatus::Failed
        } else {
            TransactionStatus::Completed
        };
        ledger::apply(
            rules,
            &mut ledgers[d.customer],
            &Entry {
                amount_cents,
                payment_method: d.method,
                at: d.at,
                status,
                risk_score: Some(check.risk_score),
            },
        );
        global.push(amount_cents as f64 / 100.0);
        times.push_back(d.at);
        out.push((
            status,
            check.risk_score,
            serde_json::to_string(&check).unwrap_or_default(),
        ));
    }
    out
}
