//! The chart engine over HTTP: aggregation in the source, buckets, filters, comparison, cache,
//! datamarts, refusals of injected names and a source that is down.

use serde_json::{json, Value};
use tessera_e2e::{assert_problem, spawn_app, spawn_app_with, TestApp, Tokens};

const DATA: &str = "CREATE TABLE transactions (id INTEGER PRIMARY KEY, user_id INTEGER, amount REAL NOT NULL, category TEXT, created_at TIMESTAMP NOT NULL);
    CREATE INDEX transactions_created_at ON transactions (created_at);
    INSERT INTO transactions (user_id, amount, category, created_at) VALUES
      (1, 10.0, 'books', '2026-01-01 09:00:00'), (1, 20.0, 'books', '2026-01-01 17:00:00'),
      (2, 5.0, 'games', '2026-01-02 08:00:00'), (3, 100.0, 'games', '2026-01-04 12:00:00'),
      (2, 7.5, 'music', '2026-01-04 23:00:00'), (4, 1.0, NULL, '2026-01-05 00:00:00'),
      (5, 50.0, 'books', '2025-12-28 10:00:00'), (5, 25.0, 'games', '2025-12-30 10:00:00');";

async fn setup(app: &TestApp) -> (Tokens, String) {
    let admin = app.admin().await;
    tessera_testkit::sqlite_file(&app.org_sources_dir(&admin).await.join("shop.db"), DATA);
    let r: Value = app
        .post(
            "/data-sources",
            json!({"name": "shop", "kind": "sqlite", "url": "sqlite://shop.db"}),
            Some(&admin.access),
        )
        .await
        .json()
        .await
        .unwrap();
    (admin, r["id"].as_str().unwrap().to_owned())
}

fn bar(source: &str) -> Value {
    json!({
        "source_id": source, "table": "transactions",
        "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}, {"agg": "count", "as": "orders"}],
        "dimensions": ["category"],
        "time": {"column": "created_at", "range": {"from": "2026-01-01", "to": "2026-01-06"}},
        "filters": [{"column": "category", "op": "is_null", "value": false}]
    })
}

async fn chart(app: &TestApp, tokens: &Tokens, body: Value) -> Value {
    let r = app.post("/charts/query", body, Some(&tokens.access)).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn bar_chart_aggregates_in_the_source() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    let v = chart(&app, &admin, bar(&source)).await;
    assert_eq!(v["success"], true);
    assert_eq!(
        v["data"],
        json!([
            {"category": "games", "revenue": 105.0, "orders": 2},
            {"category": "books", "revenue": 30.0, "orders": 2},
            {"category": "music", "revenue": 7.5, "orders": 1}
        ])
    );
    let cols: Vec<(&str, &str)> = v["metadata"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        cols,
        vec![
            ("category", "text"),
            ("revenue", "float"),
            ("orders", "integer")
        ]
    );
    assert!(v["metadata"]["generated_at"].is_string());
    assert_eq!(v["metadata"]["cached"], false);
}

#[tokio::test]
async fn line_chart_fills_empty_days_and_compares_with_the_previous_period() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    let v = chart(
        &app,
        &admin,
        json!({
            "source_id": source, "table": "transactions",
            "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}],
            "time": {"column": "created_at", "granularity": "day", "range": {"from": "2026-01-01", "to": "2026-01-06"}},
            "compare": "previous_period"
        }),
    )
    .await;
    let days: Vec<(&str, f64)> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["created_at"].as_str().unwrap(),
                r["revenue"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        vec![
            ("2026-01-01", 30.0),
            ("2026-01-02", 5.0),
            ("2026-01-03", 0.0),
            ("2026-01-04", 107.5),
            ("2026-01-05", 1.0)
        ]
    );
    let c = &v["comparison"];
    assert_eq!(c["range"]["from"], "2025-12-27T00:00:00");
    assert_eq!(c["data"].as_array().unwrap().len(), 5);
    assert_eq!(c["totals"]["revenue"]["current"], 143.5);
    assert_eq!(c["totals"]["revenue"]["previous"], 75.0);
    let pct = c["totals"]["revenue"]["change_pct"].as_f64().unwrap();
    assert!((pct - 91.333).abs() < 0.01, "{pct}");
}

#[tokio::test]
async fn filters_narrow_the_rows() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    let total = |filters: Value| json!({"source_id": source, "table": "transactions", "measures": [{"agg": "sum", "column": "amount", "as": "total"}], "filters": filters});
    for (filters, expected) in [
        (
            json!([{"column": "category", "op": "in", "value": ["books", "music"]}]),
            87.5,
        ),
        (
            json!([{"column": "category", "op": "not_in", "value": ["books"]}]),
            137.5,
        ),
        (
            json!([{"column": "amount", "op": "between", "value": [5, 20]}]),
            42.5,
        ),
        (
            json!([{"column": "category", "op": "contains", "value": "OOK"}]),
            80.0,
        ),
        (
            json!([{"column": "created_at", "op": "gte", "value": "2026-01-04"}]),
            108.5,
        ),
        (
            json!([{"column": "category", "op": "ne", "value": "games"}, {"column": "amount", "op": "lt", "value": 15}]),
            17.5,
        ),
        (
            json!([{"column": "category", "op": "eq", "value": "' OR 1=1 --"}]),
            0.0,
        ),
    ] {
        let v = chart(&app, &admin, total(filters.clone())).await;
        let got = v["data"][0]["total"].as_f64().unwrap_or(0.0);
        assert_eq!(got, expected, "{filters}");
    }
}

#[tokio::test]
async fn identical_queries_are_cached_until_the_source_changes() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    assert_eq!(
        chart(&app, &admin, bar(&source)).await["metadata"]["cached"],
        false
    );
    let second = chart(&app, &admin, bar(&source)).await;
    assert_eq!(second["metadata"]["cached"], true);
    assert_eq!(second["data"].as_array().unwrap().len(), 3);
    app.put(
        &format!("/data-sources/{source}"),
        json!({"name": "shop-renamed"}),
        &admin.access,
    )
    .await;
    assert_eq!(
        chart(&app, &admin, bar(&source)).await["metadata"]["cached"],
        false
    );
}

#[tokio::test]
async fn injected_names_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    let evil = "amount\"; DROP TABLE transactions; --";
    let cases = [
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "sum", "column": evil}]}),
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "count"}], "dimensions": [evil]}),
        json!({"source_id": source, "table": "transactions; DROP TABLE transactions", "measures": [{"agg": "count"}]}),
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "count"}], "filters": [{"column": evil, "op": "eq", "value": 1}]}),
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "count"}], "sort": [{"by": evil}]}),
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "sum(amount)); DROP TABLE x; --", "column": "amount"}]}),
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "count"}], "time": {"column": "created_at", "granularity": "day'; --", "period": "7d"}}),
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "count"}], "filters": [{"column": "amount", "op": "gt", "value": "1 OR 1=1"}]}),
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "count"}], "filters": [{"column": "amount", "op": "like", "value": 1}]}),
    ];
    for body in cases {
        assert_problem(
            app.post("/charts/query", body.clone(), Some(&admin.access))
                .await,
            422,
        )
        .await;
    }
    let still = chart(&app, &admin, json!({"source_id": source, "table": "transactions", "measures": [{"agg": "count", "as": "n"}]})).await;
    assert_eq!(still["data"][0]["n"], 8);
}

#[tokio::test]
async fn unknown_names_answer_422_naming_the_allowed_values() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    let base = |time: Value| json!({"source_id": source, "table": "transactions", "measures": [{"agg": "count"}], "time": time});
    let p = assert_problem(
        app.post(
            "/charts/query",
            base(json!({"column": "created_at", "granularity": "fortnight"})),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("quarter"), "{p}");
    let p = assert_problem(
        app.post(
            "/charts/query",
            base(json!({"column": "created_at", "period": "2w"})),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("ytd"), "{p}");
    let p = assert_problem(
        app.post(
            "/charts/query",
            base(json!({"column": "nope", "period": "7d"})),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("created_at"),
        "lists the columns: {p}"
    );
    let median = json!({"source_id": source, "table": "transactions", "measures": [{"agg": "median", "column": "amount"}]});
    assert_problem(
        app.post("/charts/query", median, Some(&admin.access)).await,
        422,
    )
    .await;
}

#[tokio::test]
async fn relative_periods_end_now() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    let now = chrono::Utc::now().naive_utc();
    let recent = format!(
        "INSERT INTO transactions (user_id, amount, category, created_at) VALUES (9, 3.0, 'books', '{}'), (9, 4.0, 'books', '{}');",
        (now - chrono::Duration::hours(1)).format("%Y-%m-%d %H:%M:%S"),
        (now - chrono::Duration::days(2)).format("%Y-%m-%d %H:%M:%S")
    );
    tessera_testkit::sqlite_file(&app.org_sources_dir(&admin).await.join("shop.db"), &recent);
    let v = chart(
        &app,
        &admin,
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}],
               "time": {"column": "created_at", "granularity": "day", "period": "7d"}}),
    )
    .await;
    assert_eq!(
        v["data"].as_array().unwrap().len(),
        7,
        "seven days, zero-filled"
    );
    let sum: f64 = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["revenue"].as_f64().unwrap())
        .sum();
    assert_eq!(sum, 7.0);
    assert_eq!(v["metadata"]["period"], "7d");
}

#[tokio::test]
async fn datamarts_act_as_tables() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    let r = app
        .post("/datamarts", json!({"name": "big_sales", "source_id": source, "sql": "SELECT category, amount, created_at FROM transactions WHERE amount >= 10"}), Some(&admin.access))
        .await;
    assert_eq!(r.status(), 201);
    let dm: Value = r.json().await.unwrap();
    let id = dm["id"].as_str().unwrap();
    let v = chart(&app, &admin, json!({"datamart_id": id, "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}], "dimensions": ["category"], "sort": [{"by": "category"}]})).await;
    assert_eq!(
        v["data"],
        json!([{"category": "books", "revenue": 80.0}, {"category": "games", "revenue": 125.0}])
    );
    let line = chart(
        &app,
        &admin,
        json!({"datamart_id": id, "measures": [{"agg": "count", "as": "n"}], "time": {"column": "created_at", "granularity": "month", "range": {"from": "2025-12-01", "to": "2026-02-01"}}}),
    )
    .await;
    assert_eq!(
        line["data"],
        json!([{"created_at": "2025-12-01", "n": 2}, {"created_at": "2026-01-01", "n": 3}])
    );

    let bad = app
        .post(
            "/datamarts",
            json!({"name": "evil", "source_id": source, "sql": "DELETE FROM transactions"}),
            Some(&admin.access),
        )
        .await;
    assert_problem(bad, 422).await;
    let (_, other) = app.register_and_login("other", None).await;
    assert_problem(
        app.get(&format!("/datamarts/{id}"), Some(&other.access))
            .await,
        404,
    )
    .await;
    assert_problem(
        app.post(
            "/charts/query",
            json!({"datamart_id": id, "measures": [{"agg": "count"}]}),
            Some(&other.access),
        )
        .await,
        404,
    )
    .await;
    assert_eq!(
        app.delete(&format!("/datamarts/{id}"), &admin.access)
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn a_source_that_is_down_is_a_503_naming_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r: Value = app
        .post("/data-sources", json!({"name": "warehouse-down", "kind": "postgres", "url": "postgres://u:p@127.0.0.1:1/db"}), Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"source_id": r["id"], "table": "t", "measures": [{"agg": "count"}]});
    let p = assert_problem(
        app.post("/charts/query", body, Some(&admin.access)).await,
        503,
    )
    .await;
    assert_eq!(p["source"], "warehouse-down");
    assert!(p["detail"].as_str().unwrap().contains("warehouse-down"));
}

#[tokio::test]
async fn a_datamart_is_usable_by_name_as_a_table() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    app.post("/datamarts", json!({"name": "books_only", "source_id": source, "sql": "SELECT amount, created_at FROM transactions WHERE category = 'books'"}), Some(&admin.access)).await;
    let v = chart(&app, &admin, json!({"source_id": source, "table": "books_only", "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}]})).await;
    assert_eq!(v["data"], json!([{"revenue": 80.0}]));
}

#[tokio::test]
async fn sql_lab_reads_a_datamart_by_name() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    app.post("/datamarts", json!({"name": "games_sales", "source_id": source, "sql": "SELECT amount FROM transactions WHERE category = 'games'"}), Some(&admin.access)).await;
    let r: Value = app
        .run_sql(
            &admin.access,
            &source,
            "SELECT SUM(amount) AS total FROM games_sales",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["rows"], json!([[130.0]]), "{r}");
}

#[tokio::test]
async fn cache_control_no_cache_gets_a_fresh_answer_and_a_zero_ttl_switches_the_cache_off() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    let first = chart(&app, &admin, bar(&source)).await;
    assert_eq!(first["metadata"]["cached"], false);
    // the data changes behind the cache's back
    tessera_testkit::sqlite_file(
        &app.org_sources_dir(&admin).await.join("shop.db"),
        "INSERT INTO transactions (user_id, amount, category, created_at) VALUES (9, 1000.0, 'books', '2026-01-03 10:00:00');",
    );
    let books = |v: &Value| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["category"] == "books")
            .unwrap()["revenue"]
            .as_f64()
            .unwrap()
    };
    let stale = chart(&app, &admin, bar(&source)).await;
    assert_eq!(stale["metadata"]["cached"], true);
    assert_eq!(books(&stale), 30.0);
    let r = app
        .client
        .post(app.url("/charts/query"))
        .bearer_auth(&admin.access)
        .header("cache-control", "no-cache")
        .json(&bar(&source))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let fresh: Value = r.json().await.unwrap();
    assert_eq!(fresh["metadata"]["cached"], false);
    assert_eq!(books(&fresh), 1030.0);
    // the fresh answer replaced the cached one
    let after = chart(&app, &admin, bar(&source)).await;
    assert_eq!(after["metadata"]["cached"], true);
    assert_eq!(books(&after), 1030.0);

    let uncached = spawn_app_with(&[("TESSERA_CHARTS__CACHE_TTL_SECS", "0")]).await;
    let (admin, source) = setup(&uncached).await;
    for _ in 0..2 {
        let v = chart(&uncached, &admin, bar(&source)).await;
        assert_eq!(v["metadata"]["cached"], false);
    }
    let metric = uncached
        .get("/charts/bar?metric=revenue&period=30d", Some(&admin.access))
        .await;
    assert_eq!(metric.status(), 200);
    let again: Value = uncached
        .get("/charts/bar?metric=revenue&period=30d", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["metadata"]["cached"], false);
}

/// Replaces the value of every `"key":` in compact JSON text by `"*"` (ids, clocks, timings).
fn mask(raw: &str, keys: &[&str]) -> String {
    let mut out = raw.to_owned();
    for key in keys {
        let needle = format!("\"{key}\":");
        let mut from = 0;
        while let Some(at) = out[from..].find(&needle) {
            let start = from + at + needle.len();
            let rest = &out[start..];
            let len = match rest.strip_prefix('"') {
                Some(string) => string.find('"').map_or(rest.len(), |i| i + 2),
                None => rest.find([',', '}']).unwrap_or(rest.len()),
            };
            out.replace_range(start..start + len, "\"*\"");
            from = start;
        }
    }
    out
}

/// Chart answers over fixed rows are pinned byte for byte (volatile fields masked), so moving
/// the engine between crates cannot change what clients receive. After a deliberate change of
/// the envelope, regenerate with `TESSERA_UPDATE_SNAPSHOTS=1`.
#[tokio::test]
async fn chart_answers_match_their_snapshot() {
    let app = spawn_app().await;
    let (admin, source) = setup(&app).await;
    let dm: Value = app
        .post(
            "/datamarts",
            json!({"name": "big_sales", "source_id": source, "sql": "SELECT category, amount, created_at FROM transactions WHERE amount >= 10"}),
            Some(&admin.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let csv = "category,amount,created_at\nbooks,10,2026-01-01 09:00:00\nbooks,20,2026-01-01 17:00:00\ngames,5,2026-01-02 08:00:00\ngames,100,2026-01-04 12:00:00\nmusic,7.5,2026-01-04 23:00:00\n";
    let dataset = app
        .public_dataset(&admin.access, "sales.csv", csv.as_bytes().to_vec())
        .await;
    let range = json!({"from": "2026-01-01", "to": "2026-01-06"});
    let queries = [
        bar(&source),
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}],
               "time": {"column": "created_at", "granularity": "day", "range": range}, "compare": "previous_period"}),
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "avg", "column": "amount"}, {"agg": "max", "column": "amount"}],
               "time": {"column": "created_at", "granularity": "hour", "range": {"from": "2026-01-04", "to": "2026-01-05"}}}),
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "count_distinct", "column": "user_id", "as": "buyers"}],
               "dimensions": ["category"], "sort": [{"by": "buyers", "desc": true}], "limit": 2,
               "filters": [{"column": "amount", "op": "gte", "value": 5}]}),
        json!({"source_id": source, "table": "transactions", "measures": [{"agg": "sum", "column": "amount"}],
               "filters": [{"column": "category", "op": "in", "value": ["books", "music"]}]}),
        json!({"datamart_id": dm["id"], "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}], "dimensions": ["category"], "sort": [{"by": "category"}]}),
        json!({"dataset_id": dataset, "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}, {"agg": "count", "as": "n"}],
               "dimensions": ["category"], "time": {"column": "created_at", "granularity": "day", "range": range}}),
    ];
    let volatile = [
        "generated_at",
        "duration_ms",
        "query_ms",
        "source_id",
        "dataset_id",
        "datamart_id",
    ];
    let mut snapshot = String::new();
    for q in queries {
        let r = app
            .post("/charts/query", q.clone(), Some(&admin.access))
            .await;
        assert_eq!(r.status(), 200, "{q}");
        snapshot.push_str(&mask(&r.text().await.unwrap(), &volatile));
        snapshot.push('\n');
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/chart_answers.jsonl");
    if std::env::var_os("TESSERA_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &snapshot).unwrap();
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_default();
    for (i, (got, want)) in snapshot.lines().zip(pinned.lines()).enumerate() {
        assert_eq!(got, want, "chart answer {i} changed");
    }
    assert_eq!(
        snapshot.lines().count(),
        pinned.lines().count(),
        "{} is incomplete",
        path.display()
    );
}

#[test]
fn masking_replaces_strings_and_numbers_only_at_their_keys() {
    assert_eq!(
        mask(r#"{"a":"x,y","b":1.5,"c":{"a":2},"d":"a"}"#, &["a", "b"]),
        r#"{"a":"*","b":"*","c":{"a":"*"},"d":"a"}"#
    );
}
