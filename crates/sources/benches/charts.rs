//! Chart queries on 1,000,000 demo transactions in SQLite (about 400 days, index on created_at):
//! the generated SQL executed directly ("raw_sql") against Tessera's whole uncached path
//! ("engine": compile against the schema, execute, shape, fill empty buckets).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use tessera_domain::chart::{Aggregation, ChartQuery, Granularity, Measure, Period, TimeSpec};
use tessera_domain::SourceKind;
use tessera_sources::charts::{compile, fill_empty_buckets, shape};
use tessera_sources::execute::run_read_only;
use tessera_sources::introspect::{schema, TableInfo};
use tessera_sources::pool::{PoolLimits, SourcePool};
use tessera_sources::{ConnectionSpec, SpecFields, SpecPolicy};

const TIMEOUT: Duration = Duration::from_secs(60);

fn demo() -> (SourcePool, TableInfo, chrono::NaiveDateTime) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("bench-demo-1m.db");
    let end = NaiveDate::from_ymd_opt(2026, 6, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    if !path.exists() {
        let size = tessera_sources::demo::DemoSize {
            transactions: 1_000_000,
            days: 400,
        };
        let s = tessera_sources::demo::generate(&path, size, end).unwrap();
        eprintln!(
            "generated {} transactions in {:.1} s",
            s.transactions, s.seconds
        );
    }
    let policy = SpecPolicy {
        sqlite_dir: dir,
        app_database: None,
        allowed_hosts: vec![],
        max_connect_timeout_secs: 5,
    };
    let url = format!("sqlite://{}", path.display());
    let spec = ConnectionSpec::parse(
        SourceKind::Sqlite,
        Some(&url),
        &SpecFields::default(),
        &policy,
    )
    .unwrap();
    let pool = SourcePool::connect(&spec, "demo", &PoolLimits::default()).unwrap();
    let table = schema(&pool, "demo", TIMEOUT)
        .unwrap()
        .table("transactions")
        .cloned()
        .unwrap();
    (pool, table, end)
}

fn revenue(
    dimensions: Vec<String>,
    granularity: Option<Granularity>,
    period: Period,
    now: chrono::NaiveDateTime,
) -> ChartQuery {
    ChartQuery {
        table: "transactions".into(),
        measures: vec![Measure {
            agg: Aggregation::Sum,
            column: Some("amount".into()),
            alias: "value".into(),
        }],
        dimensions,
        time: Some(TimeSpec {
            column: "created_at".into(),
            granularity,
            period: Some(period),
            range: Some(period.range(now)),
        }),
        filters: vec![],
        sort: vec![],
        limit: 1000,
        compare_previous: false,
    }
}

fn bench(c: &mut Criterion) {
    let (pool, table, now) = demo();
    let cases = [
        (
            "bar_revenue_by_category_30d",
            revenue(vec!["category".into()], None, Period::Days30, now),
        ),
        (
            "line_revenue_by_day_1y",
            revenue(vec![], Some(Granularity::Day), Period::Year1, now),
        ),
    ];
    for (name, q) in cases {
        let range = q.time.as_ref().and_then(|t| t.range);
        let compiled = compile(SourceKind::Sqlite, &table, &q, range, true).unwrap();
        let mut g = c.benchmark_group(name);
        g.sample_size(10).measurement_time(Duration::from_secs(8));
        g.bench_function("raw_sql", |b| {
            b.iter(|| {
                run_read_only(&pool, "demo", &compiled.sql, &compiled.params, TIMEOUT).unwrap()
            })
        });
        g.bench_function("engine_uncached", |b| {
            b.iter(|| {
                let c = compile(SourceKind::Sqlite, &table, &q, range, true).unwrap();
                let rows = run_read_only(&pool, "demo", &c.sql, &c.params, TIMEOUT).unwrap();
                let mut data = shape(&c, &rows);
                if let Some(r) = range {
                    fill_empty_buckets(&c.columns, &q, r, &mut data);
                }
                data
            })
        });
        g.finish();
    }
}

criterion_group!(charts, bench);
criterion_main!(charts);
