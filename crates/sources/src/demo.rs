//! The demo data source: a SQLite file with the tables the named metrics read (transactions,
//! user_activities, orders) and about 400 days of generated activity with a growth trend,
//! weekly seasonality and realistic amounts. Seeded, so the same size gives the same data.
//! This is the only code that writes a source, and only its own file.

use std::path::Path;
use std::time::Instant;

use chrono::{Duration, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::SourceError;

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    /// Transactions; user activities are three times as many, orders half as many.
    pub transactions: u64,
    /// Days of history, ending at `end`.
    pub days: i64,
}

impl Default for DemoSize {
    fn default() -> Self {
        Self {
            transactions: 40_000,
            days: 400,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy)]
pub struct DemoSummary {
    /// Rows in transactions.
    pub transactions: u64,
    /// Rows in user_activities.
    pub user_activities: u64,
    /// Rows in orders.
    pub orders: u64,
    /// Seconds spent.
    pub seconds: f64,
}

const CATEGORIES: [(&str, f64, f64); 8] = [
    // name, weight, median amount
    ("electronics", 0.14, 180.0),
    ("clothing", 0.20, 45.0),
    ("books", 0.12, 18.0),
    ("home", 0.13, 60.0),
    ("sports", 0.10, 55.0),
    ("beauty", 0.11, 25.0),
    ("toys", 0.08, 30.0),
    ("grocery", 0.12, 35.0),
];
const SEGMENTS: [(&str, f64); 4] = [
    ("new", 0.35),
    ("returning", 0.45),
    ("vip", 0.12),
    ("wholesale", 0.08),
];
const ACTIVITIES: [(&str, f64); 6] = [
    ("page_view", 0.52),
    ("search", 0.18),
    ("add_to_cart", 0.12),
    ("checkout", 0.06),
    ("login", 0.09),
    ("signup", 0.03),
];
const CHANNELS: [(&str, f64); 6] = [
    ("organic", 0.34),
    ("paid_search", 0.2),
    ("social", 0.16),
    ("email", 0.1),
    ("referral", 0.08),
    ("direct", 0.12),
];
const STATUSES: [(&str, f64); 5] = [
    ("completed", 0.68),
    ("shipped", 0.12),
    ("pending", 0.08),
    ("cancelled", 0.07),
    ("refunded", 0.05),
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [(&'a str, f64, T)]) -> &'a (&'a str, f64, T) {
    let mut x: f64 = rng.gen();
    for item in items {
        x -= item.1;
        if x <= 0.0 {
            return item;
        }
    }
    &items[items.len() - 1]
}

fn pick2<'a>(rng: &mut StdRng, items: &'a [(&'a str, f64)]) -> &'a str {
    let mut x: f64 = rng.gen();
    for (name, w) in items {
        x -= w;
        if x <= 0.0 {
            return name;
        }
    }
    items[items.len() - 1].0
}

/// A moment in the history, denser on recent days (growth) and weekdays (seasonality).
fn moment(rng: &mut StdRng, end: NaiveDateTime, days: i64) -> NaiveDateTime {
    loop {
        let back = rng.gen_range(0.0..days as f64);
        let growth = 1.0 - 0.5 * (back / days as f64); // recent days up to 2x older ones
        let t = end - Duration::seconds((back * 86_400.0) as i64);
        let weekday = chrono::Datelike::weekday(&t).num_days_from_monday();
        let season = if weekday >= 5 { 0.75 } else { 1.0 };
        let hour = chrono::Timelike::hour(&t) as f64;
        let daytime = 0.35 + 0.65 * (-((hour - 14.0) / 5.0).powi(2)).exp();
        if rng.gen::<f64>() < growth * season * daytime {
            return t;
        }
    }
}

fn lognormal(rng: &mut StdRng, median: f64, sigma: f64) -> f64 {
    // Box-Muller
    let (u1, u2): (f64, f64) = (rng.gen::<f64>().max(1e-12), rng.gen());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (median * (sigma * z).exp() * 100.0).round() / 100.0
}

/// Writes the demo database at `path` (replacing it), ending at `end`.
pub fn generate(
    path: &Path,
    size: DemoSize,
    end: NaiveDateTime,
) -> Result<DemoSummary, SourceError> {
    let started = Instant::now();
    let err = |e: &dyn std::fmt::Display| SourceError::Database(format!("demo data: {e}"));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
    }
    let tmp = path.with_extension("db.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut conn =
        diesel::SqliteConnection::establish(&tmp.to_string_lossy()).map_err(|e| err(&e))?;
    conn.batch_execute(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         CREATE TABLE transactions (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, amount REAL NOT NULL,
             category TEXT NOT NULL, segment TEXT NOT NULL, created_at TIMESTAMP NOT NULL);
         CREATE TABLE user_activities (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, activity_type TEXT NOT NULL,
             channel TEXT NOT NULL, created_at TIMESTAMP NOT NULL);
         CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, status TEXT NOT NULL,
             total_amount REAL NOT NULL, created_at TIMESTAMP NOT NULL);",
    )
    .map_err(|e| err(&e))?;
    let mut rng = StdRng::seed_from_u64(0x7e55e7a);
    let users = (size.transactions / 8).max(50);
    let days = size.days.max(1);
    let activities = size.transactions * 3;
    let orders = size.transactions / 2;

    conn.batch_execute("BEGIN").map_err(|e| err(&e))?;
    // rows are appended in time order, as a live system writes them; one generator, drawn from
    // in this order, so the data is the same on every run
    let rows = transaction_rows(&mut rng, size.transactions, users, end, days);
    insert_rows(
        &mut conn,
        "INSERT INTO transactions (user_id, amount, category, segment, created_at) VALUES ",
        rows,
    )?;
    let rows = activity_rows(&mut rng, activities, users, end, days);
    insert_rows(
        &mut conn,
        "INSERT INTO user_activities (user_id, activity_type, channel, created_at) VALUES ",
        rows,
    )?;
    let rows = order_rows(&mut rng, orders, users, end, days);
    insert_rows(
        &mut conn,
        "INSERT INTO orders (user_id, status, total_amount, created_at) VALUES ",
        rows,
    )?;
    conn.batch_execute(
        "COMMIT;
         CREATE INDEX transactions_created_at ON transactions (created_at);
         CREATE INDEX user_activities_created_at ON user_activities (created_at);
         CREATE INDEX orders_created_at ON orders (created_at);
         ANALYZE;",
    )
    .map_err(|e| err(&e))?;
    drop(conn);
    std::fs::rename(&tmp, path).map_err(|e| err(&e))?;
    Ok(DemoSummary {
        transactions: size.transactions,
        user_activities: activities,
        orders,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// How demo rows write their times.
fn fmt(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Appends value tuples with `insert` (`INSERT INTO t (..) VALUES `) in statements of 5,000 rows.
fn insert_rows(
    conn: &mut diesel::SqliteConnection,
    insert: &str,
    rows: impl Iterator<Item = String>,
) -> Result<(), SourceError> {
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let chunk: Vec<String> = rows.by_ref().take(5_000).collect();
        let sql = format!("{insert}{};", chunk.join(","));
        conn.batch_execute(&sql)
            .map_err(|e| SourceError::Database(format!("demo data: {e}")))?;
    }
    Ok(())
}

/// `n` purchases over `days` days before `end`, in time order: amounts log-normal around the
/// category's median, larger for VIP and wholesale customers.
fn transaction_rows(
    rng: &mut StdRng,
    n: u64,
    users: u64,
    end: NaiveDateTime,
    days: i64,
) -> impl Iterator<Item = String> {
    let mut tx: Vec<(NaiveDateTime, u64, &str, &str, f64)> = (0..n)
        .map(|_| {
            let (category, _, median) = *pick(rng, &CATEGORIES);
            let segment = pick2(rng, &SEGMENTS);
            let boost = if segment == "vip" {
                2.2
            } else if segment == "wholesale" {
                4.0
            } else {
                1.0
            };
            let amount = lognormal(rng, median * boost, 0.55).max(0.5);
            (
                moment(rng, end, days),
                rng.gen_range(1..=users),
                category,
                segment,
                amount,
            )
        })
        .collect();
    tx.sort_by_key(|r| r.0);
    tx.into_iter().map(|(t, user, category, segment, amount)| {
        format!("({user},{amount},'{category}','{segment}','{}')", fmt(t))
    })
}

/// `n` user activities (type and channel) in time order.
fn activity_rows(
    rng: &mut StdRng,
    n: u64,
    users: u64,
    end: NaiveDateTime,
    days: i64,
) -> impl Iterator<Item = String> {
    let mut acts: Vec<(NaiveDateTime, u64, &str, &str)> = (0..n)
        .map(|_| {
            let (a, c) = (pick2(rng, &ACTIVITIES), pick2(rng, &CHANNELS));
            (moment(rng, end, days), rng.gen_range(1..=users), a, c)
        })
        .collect();
    acts.sort_by_key(|r| r.0);
    acts.into_iter()
        .map(|(t, user, a, c)| format!("({user},'{a}','{c}','{}')", fmt(t)))
}

/// `n` orders (status and total) in time order.
fn order_rows(
    rng: &mut StdRng,
    n: u64,
    users: u64,
    end: NaiveDateTime,
    days: i64,
) -> impl Iterator<Item = String> {
    let mut ords: Vec<(NaiveDateTime, u64, &str, f64)> = (0..n)
        .map(|_| {
            let status = pick2(rng, &STATUSES);
            let total = lognormal(rng, 70.0, 0.7).max(1.0);
            (
                moment(rng, end, days),
                rng.gen_range(1..=users),
                status,
                total,
            )
        })
        .collect();
    ords.sort_by_key(|r| r.0);
    ords.into_iter()
        .map(|(t, user, status, total)| format!("({user},'{status}',{total},'{}')", fmt(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_the_three_tables_deterministically() {
        let dir = tempfile::tempdir().unwrap();
        let end = chrono::NaiveDate::from_ymd_opt(2026, 6, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let a = dir.path().join("a.db");
        let b = dir.path().join("b.db");
        let s = generate(
            &a,
            DemoSize {
                transactions: 2_000,
                days: 400,
            },
            end,
        )
        .unwrap();
        generate(
            &b,
            DemoSize {
                transactions: 2_000,
                days: 400,
            },
            end,
        )
        .unwrap();
        assert_eq!(
            (s.transactions, s.user_activities, s.orders),
            (2_000, 6_000, 1_000)
        );
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "seeded"
        );
        let mut c = diesel::SqliteConnection::establish(&a.to_string_lossy()).unwrap();
        #[derive(diesel::QueryableByName)]
        struct Span {
            #[diesel(sql_type = diesel::sql_types::Text)]
            lo: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            hi: String,
        }
        let span: Span = diesel::RunQueryDsl::get_result(
            diesel::sql_query(
                "SELECT MIN(created_at) AS lo, MAX(created_at) AS hi FROM transactions",
            ),
            &mut c,
        )
        .unwrap();
        assert!(
            span.lo.as_str() >= "2025-04-27" && span.hi.as_str() <= "2026-06-01 12:00:00",
            "{} {}",
            span.lo,
            span.hi
        );
    }
}
