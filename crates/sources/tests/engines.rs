//! The same data on SQLite, PostgreSQL and MySQL: introspection, read-only execution and chart
//! queries give the same answers on all three.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::json;
use tessera_domain::chart::ColumnType;
use tessera_domain::chart::{
    parse_datetime, Aggregation, ChartQuery, Filter, FilterOp, Granularity, Measure, Scalar,
    TimeRange, TimeSpec,
};
use tessera_domain::{DataSourceId, SourceKind};
use tessera_sources::charts::{compile, fill_empty_buckets, shape};
use tessera_sources::execute::{probe, run_read_only, RunLimits, Truncation};
use tessera_sources::introspect::schema;
use tessera_sources::pool::{PoolLimits, SourcePool, SourcePools};
use tessera_sources::validate::read_only_query;
use tessera_sources::{ConnectionSpec, SourceError, SpecFields, SpecPolicy};
use tessera_testkit::{on_every_engine, Engine, TestDatabase};

const TIMEOUT: Duration = Duration::from_secs(10);

fn setup(db: &TestDatabase) -> (SourceKind, SourcePool) {
    let (kind, amount, ts) = match db.engine {
        Engine::Sqlite => (SourceKind::Sqlite, "REAL", "TIMESTAMP"),
        Engine::Postgres => (SourceKind::Postgres, "NUMERIC(10,2)", "TIMESTAMP"),
        Engine::Mysql => (SourceKind::Mysql, "DECIMAL(10,2)", "DATETIME"),
    };
    db.execute(&format!(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, segment VARCHAR(20));
         CREATE TABLE transactions (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id),
             amount {amount} NOT NULL, category VARCHAR(20), created_at {ts} NOT NULL);
         INSERT INTO customers VALUES (1, 'Ann', 'retail'), (2, 'Bob', 'wholesale');
         INSERT INTO transactions VALUES
           (1, 1, 10.50, 'books', '2026-01-01 09:00:00'),
           (2, 1, 20.00, 'books', '2026-01-01 17:30:00'),
           (3, 2, 5.25, 'games', '2026-01-02 08:00:00'),
           (4, 2, 100.00, 'games', '2026-01-04 12:00:00'),
           (5, 1, 7.75, 'books', '2026-01-04 23:59:59'),
           (6, 2, 1.00, NULL, '2026-01-05 00:00:00');"
    ));
    let policy = SpecPolicy {
        sqlite_dir: db
            .dir()
            .map(|d| d.to_path_buf())
            .unwrap_or_else(std::env::temp_dir),
        app_database: None,
        allowed_hosts: vec![],
        max_connect_timeout_secs: 5,
    };
    let spec = ConnectionSpec::parse(kind, Some(&db.url), &SpecFields::default(), &policy).unwrap();
    let pools = SourcePools::new();
    let pool = pools
        .get(DataSourceId::new(), "test", &spec, &PoolLimits::default())
        .unwrap();
    let pool = std::sync::Arc::try_unwrap(pool)
        .ok()
        .unwrap_or_else(|| SourcePool::connect(&spec, "test", &PoolLimits::default()).unwrap());
    (kind, pool)
}

fn count(pool: &SourcePool) -> i64 {
    let rows = run_read_only(
        pool,
        "test",
        "SELECT COUNT(*) AS n FROM transactions",
        &[],
        TIMEOUT,
    )
    .unwrap();
    rows.rows[0][0].as_f64().unwrap() as i64
}

on_every_engine!(probe_reports_a_version, |db| {
    let (_, pool) = setup(db);
    let p = probe(&pool, "test", TIMEOUT).unwrap();
    assert!(!p.server_version.is_empty());
});

on_every_engine!(schema_has_columns_keys_and_foreign_keys, |db| {
    let (_, pool) = setup(db);
    let s = schema(&pool, "test", TIMEOUT).unwrap();
    let t = s.table("transactions").unwrap();
    assert_eq!(t.primary_key, vec!["id"]);
    assert_eq!(t.column("amount").unwrap().family, ColumnType::Float);
    assert_eq!(
        t.column("created_at").unwrap().family,
        ColumnType::Timestamp
    );
    assert!(!t.column("amount").unwrap().nullable);
    assert!(t.column("category").unwrap().nullable);
    assert_eq!(t.foreign_keys.len(), 1);
    assert_eq!(t.foreign_keys[0].columns, vec!["customer_id"]);
    assert_eq!(t.foreign_keys[0].references_table, "customers");
    assert_eq!(t.foreign_keys[0].references_columns, vec!["id"]);
    assert!(s.table("customers").is_some());
});

fn revenue_by_category() -> ChartQuery {
    ChartQuery {
        table: "transactions".into(),
        measures: vec![
            Measure {
                agg: Aggregation::Sum,
                column: Some("amount".into()),
                alias: "revenue".into(),
            },
            Measure {
                agg: Aggregation::Count,
                column: None,
                alias: "orders".into(),
            },
            Measure {
                agg: Aggregation::CountDistinct,
                column: Some("customer_id".into()),
                alias: "buyers".into(),
            },
            Measure {
                agg: Aggregation::Max,
                column: Some("amount".into()),
                alias: "largest".into(),
            },
        ],
        dimensions: vec!["category".into()],
        time: None,
        filters: vec![Filter {
            column: "category".into(),
            op: FilterOp::IsNull,
            values: vec![Scalar::Bool(false)],
        }],
        sort: vec![],
        limit: 100,
        compare_previous: false,
    }
}

on_every_engine!(the_same_chart_query_gives_the_same_numbers, |db| {
    let (kind, pool) = setup(db);
    let s = schema(&pool, "test", TIMEOUT).unwrap();
    let q = revenue_by_category();
    let c = compile(kind, s.table("transactions").unwrap(), &q, None, true).unwrap();
    let rows = run_read_only(&pool, "test", &c.sql, &c.params, TIMEOUT).unwrap();
    let data = shape(&c, &rows);
    assert_eq!(
        serde_json::to_value(&data).unwrap(),
        json!([
            {"category": "games", "revenue": 105.25, "orders": 2, "buyers": 1, "largest": 100.0},
            {"category": "books", "revenue": 38.25, "orders": 3, "buyers": 1, "largest": 20.0}
        ])
    );
});

on_every_engine!(daily_line_fills_empty_days_with_zeros, |db| {
    let (kind, pool) = setup(db);
    let s = schema(&pool, "test", TIMEOUT).unwrap();
    let range = TimeRange::new(
        parse_datetime("2026-01-01").unwrap(),
        parse_datetime("2026-01-06").unwrap(),
    )
    .unwrap();
    let q = ChartQuery {
        table: "transactions".into(),
        measures: vec![Measure {
            agg: Aggregation::Sum,
            column: Some("amount".into()),
            alias: "revenue".into(),
        }],
        dimensions: vec![],
        time: Some(TimeSpec {
            column: "created_at".into(),
            granularity: Some(Granularity::Day),
            period: None,
            range: Some(range),
        }),
        filters: vec![Filter {
            column: "amount".into(),
            op: FilterOp::Lt,
            values: vec![Scalar::Int(50)],
        }],
        sort: vec![],
        limit: 100,
        compare_previous: false,
    };
    let c = compile(
        kind,
        s.table("transactions").unwrap(),
        &q,
        Some(range),
        true,
    )
    .unwrap();
    let rows = run_read_only(&pool, "test", &c.sql, &c.params, TIMEOUT).unwrap();
    let mut data = shape(&c, &rows);
    fill_empty_buckets(&c.columns, &q, range, &mut data);
    assert_eq!(
        serde_json::to_value(&data).unwrap(),
        json!([
            {"created_at": "2026-01-01", "revenue": 30.5},
            {"created_at": "2026-01-02", "revenue": 5.25},
            {"created_at": "2026-01-03", "revenue": 0.0},
            {"created_at": "2026-01-04", "revenue": 7.75},
            {"created_at": "2026-01-05", "revenue": 1.0}
        ])
    );
});

on_every_engine!(weekly_and_monthly_buckets_agree, |db| {
    let (kind, pool) = setup(db);
    let s = schema(&pool, "test", TIMEOUT).unwrap();
    for (g, first) in [
        (Granularity::Week, "2025-12-29"),
        (Granularity::Month, "2026-01-01"),
        (Granularity::Quarter, "2026-01-01"),
        (Granularity::Year, "2026-01-01"),
    ] {
        let q = ChartQuery {
            table: "transactions".into(),
            measures: vec![Measure {
                agg: Aggregation::Count,
                column: None,
                alias: "n".into(),
            }],
            dimensions: vec![],
            time: Some(TimeSpec {
                column: "created_at".into(),
                granularity: Some(g),
                period: None,
                range: None,
            }),
            filters: vec![],
            sort: vec![],
            limit: 100,
            compare_previous: false,
        };
        let c = compile(kind, s.table("transactions").unwrap(), &q, None, true).unwrap();
        let data = shape(
            &c,
            &run_read_only(&pool, "test", &c.sql, &c.params, TIMEOUT).unwrap(),
        );
        assert_eq!(data[0]["created_at"], first, "{g}");
    }
    let q = ChartQuery {
        table: "transactions".into(),
        measures: vec![Measure {
            agg: Aggregation::Count,
            column: None,
            alias: "n".into(),
        }],
        dimensions: vec![],
        time: Some(TimeSpec {
            column: "created_at".into(),
            granularity: Some(Granularity::Hour),
            period: None,
            range: None,
        }),
        filters: vec![Filter {
            column: "category".into(),
            op: FilterOp::Contains,
            values: vec![Scalar::Text("OOK".into())],
        }],
        sort: vec![],
        limit: 100,
        compare_previous: false,
    };
    let c = compile(kind, s.table("transactions").unwrap(), &q, None, true).unwrap();
    let data = shape(
        &c,
        &run_read_only(&pool, "test", &c.sql, &c.params, TIMEOUT).unwrap(),
    );
    assert_eq!(data.len(), 3, "{data:?}");
    assert_eq!(data[0]["created_at"], "2026-01-01T09:00:00");
});

on_every_engine!(
    writes_are_refused_by_the_database_and_change_nothing,
    |db| {
        let (kind, pool) = setup(db);
        let before = count(&pool);
        for sql in [
            "DELETE FROM transactions",
            "UPDATE transactions SET amount = 0",
            "DROP TABLE transactions",
            "INSERT INTO customers VALUES (9, 'Eve', 'x')",
        ] {
            // bypass the parser gate: the database itself must refuse
            let r = run_read_only(&pool, "test", sql, &[], TIMEOUT);
            assert!(r.is_err(), "{kind}: {sql} was allowed");
            assert!(read_only_query(kind, sql).is_err());
        }
        assert_eq!(count(&pool), before);
        let rows = run_read_only(
            &pool,
            "test",
            "SELECT COUNT(*) AS n FROM customers",
            &[],
            TIMEOUT,
        )
        .unwrap();
        assert_eq!(rows.rows[0][0].as_f64(), Some(2.0));
    }
);

on_every_engine!(sql_lab_pages_through_results, |db| {
    let (kind, pool) = setup(db);
    let q = read_only_query(kind, "SELECT id, amount FROM transactions ORDER BY id").unwrap();
    let page = run_read_only(&pool, "test", &q.paged(3, 2), &[], TIMEOUT).unwrap();
    assert_eq!(page.columns, vec!["id", "amount"]);
    let ids: Vec<f64> = page.rows.iter().map(|r| r[0].as_f64().unwrap()).collect();
    assert_eq!(ids, vec![3.0, 4.0, 5.0]);
});

#[test]
fn postgres_statements_time_out() {
    let Some(db) = TestDatabase::create(Engine::Postgres) else {
        return;
    };
    let (_, pool) = setup(&db);
    let r = run_read_only(
        &pool,
        "test",
        "SELECT pg_sleep(3)",
        &[],
        Duration::from_millis(200),
    );
    assert!(matches!(r, Err(SourceError::Timeout(200))), "{r:?}");
}

#[test]
fn mariadb_statements_time_out() {
    let Some(db) = TestDatabase::create(Engine::Mysql) else {
        return;
    };
    let (_, pool) = setup(&db);
    let sql = "SELECT COUNT(*) FROM transactions a, transactions b, transactions c, transactions d, transactions e, transactions f, transactions g, transactions h, transactions i WHERE SLEEP(0.01) = 0";
    let r = run_read_only(&pool, "test", sql, &[], Duration::from_millis(300));
    assert!(matches!(r, Err(SourceError::Timeout(300))), "{r:?}");
}

#[test]
fn a_runaway_sqlite_statement_is_interrupted_and_its_connection_reused() {
    let Some(db) = TestDatabase::create(Engine::Sqlite) else {
        return;
    };
    let (_, pool) = setup(&db);
    // never ends on its own
    let sql =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c";
    let SourcePool::Sqlite(inner) = &pool else {
        panic!("a SQLite pool")
    };
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let r = run_read_only(&pool, "test", sql, &[], Duration::from_millis(200));
        assert!(matches!(r, Err(SourceError::Timeout(200))), "{r:?}");
        // the statement itself stopped: its thread answered, not a watchdog
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        // and its connection is idle in the pool again, not busy in the background
        let state = inner.state();
        assert_eq!(state.connections, state.idle_connections, "{state:?}");
    }
    assert_eq!(count(&pool), 6, "the pool still answers");
}

on_every_engine!(
    answers_stop_at_the_byte_budget_and_cells_at_their_limit,
    |db| {
        let (kind, pool) = setup(db);
        let big = match kind {
        SourceKind::Postgres => "SELECT repeat('x', 100000) AS big FROM generate_series(1, 100)",
        SourceKind::Mysql => "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT REPEAT('x', 100000) AS big FROM n",
        SourceKind::Sqlite => "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT printf('%.*c', 100000, 'x') AS big FROM n",
    };
        let limits = RunLimits {
            timeout: TIMEOUT,
            max_bytes: 1_000_000,
            max_cell_bytes: 1_000_000,
        };
        let r = run_read_only(&pool, "test", big, &[], limits).unwrap();
        assert_eq!(r.truncated, Some(Truncation::ByteBudget), "{kind}");
        assert_eq!(
            r.rows.len(),
            10,
            "{kind}: stops at the first row past the budget"
        );
        let limits = RunLimits {
            timeout: TIMEOUT,
            max_bytes: 100_000_000,
            max_cell_bytes: 1000,
        };
        let r = run_read_only(&pool, "test", big, &[], limits).unwrap();
        assert_eq!(r.truncated, None);
        assert_eq!(r.rows.len(), 100);
        assert_eq!(r.cells_truncated, 100, "{kind}");
        assert_eq!(r.rows[0][0].to_text().len(), 1000);
        // the pool is fine afterwards
        assert_eq!(count(&pool), 6);
    }
);

on_every_engine!(sessions_are_reset_after_every_statement, |db| {
    let (kind, pool) = setup(db);
    let (take, check) = match kind {
        SourceKind::Postgres => (
            "SELECT pg_advisory_lock(4242) AS locked",
            "SELECT pg_try_advisory_lock(4242) AS free",
        ),
        SourceKind::Mysql => (
            "SELECT GET_LOCK('tessera-test', 0) AS locked",
            "SELECT IS_FREE_LOCK('tessera-test') AS free",
        ),
        SourceKind::Sqlite => return,
    };
    // bypassing the SQL lab gate on purpose: even a lock taken must not outlive its statement
    run_read_only(&pool, "test", take, &[], TIMEOUT).unwrap();
    let fresh = SourcePool::connect(
        &ConnectionSpec::parse(
            kind,
            Some(&db.url),
            &SpecFields::default(),
            &SpecPolicy {
                sqlite_dir: std::env::temp_dir(),
                app_database: None,
                allowed_hosts: vec![],
                max_connect_timeout_secs: 5,
            },
        )
        .unwrap(),
        "other",
        &PoolLimits::default(),
    )
    .unwrap();
    let r = run_read_only(&fresh, "other", check, &[], TIMEOUT).unwrap();
    let free = &r.rows[0][0];
    assert!(
        matches!(
            free,
            tessera_sources::Value::Bool(true) | tessera_sources::Value::Int(1)
        ),
        "{kind}: the lock is still held: {free:?}"
    );
    // the session that took it is still usable
    assert_eq!(count(&pool), 6);
});

on_every_engine!(probes_report_privileged_accounts, |db| {
    let (kind, pool) = setup(db);
    let p = probe(&pool, "test", TIMEOUT).unwrap();
    match kind {
        // the test servers' accounts are postgres and root
        SourceKind::Postgres => assert!(p.superuser, "{p:?}"),
        SourceKind::Mysql => assert!(p.file_access, "{p:?}"),
        SourceKind::Sqlite => assert!(!p.superuser && !p.file_access),
    }
});

on_every_engine!(segments_tier_entities_by_their_total, |db| {
    use tessera_sources::charts::{compile_segments, Segments};
    let (kind, pool) = setup(db);
    let s = schema(&pool, "test", TIMEOUT).unwrap();
    let table = s.table("transactions").unwrap();
    let mut q = revenue_by_category();
    q.filters.clear();
    q.measures.truncate(1);
    q.measures[0].alias = "value".into();
    // customer 1 spends 38.25, customer 2 106.25
    for (sum_spend, expected) in [
        (
            false,
            json!([{"segment": "Premium", "value": 1}, {"segment": "Regular", "value": 1}]),
        ),
        (
            true,
            json!([{"segment": "Premium", "value": 106.25}, {"segment": "Regular", "value": 38.25}]),
        ),
    ] {
        let seg = Segments {
            entity: "customer_id".into(),
            spend: "amount".into(),
            tiers: vec![("Premium".into(), 100.0), ("Regular".into(), 20.0)],
            rest: "Basic".into(),
            sum_spend,
        };
        let c = compile_segments(kind, table, &q, &seg, None).unwrap();
        let rows = run_read_only(&pool, "test", &c.sql, &c.params, TIMEOUT).unwrap();
        let mut data = serde_json::to_value(shape(&c, &rows)).unwrap();
        data.as_array_mut()
            .unwrap()
            .sort_by_key(|r| r["segment"].as_str().unwrap_or_default().to_owned());
        assert_eq!(data, expected, "{kind}: {}", c.sql);
    }
    // the window narrows the rows summed
    let range = TimeRange::new(
        parse_datetime("2026-01-04").unwrap(),
        parse_datetime("2026-01-06").unwrap(),
    )
    .unwrap();
    q.time = Some(TimeSpec {
        column: "created_at".into(),
        granularity: None,
        period: None,
        range: Some(range),
    });
    let seg = Segments {
        entity: "customer_id".into(),
        spend: "amount".into(),
        tiers: vec![("Premium".into(), 100.0)],
        rest: "Basic".into(),
        sum_spend: false,
    };
    let c = compile_segments(kind, table, &q, &seg, Some(range)).unwrap();
    let rows = run_read_only(&pool, "test", &c.sql, &c.params, TIMEOUT).unwrap();
    let data = serde_json::to_value(shape(&c, &rows)).unwrap();
    // in the window: customer 2 has 101, customer 1 has 7.75
    assert_eq!(data.as_array().unwrap().len(), 2, "{kind}: {data}");
});
