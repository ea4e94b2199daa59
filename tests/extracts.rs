//! Columnar extracts over HTTP: charts answered from a fresh extract give the database's answer
//! value for value on SQLite, PostgreSQL and MySQL; incremental and full refreshes; a failed
//! refresh leaves the old copy answering; staleness, `live` and `no-cache`; files go with their
//! source; organisation isolation, roles and the disk quota.

use std::time::Duration;

use serde_json::{json, Value};
use tessera_e2e::{assert_problem, spawn_app, spawn_app_in, spawn_app_with, TestApp, Tokens};

/// GET `path` as `tokens`, its JSON body.
async fn get_json(app: &TestApp, path: &str, tokens: &Tokens) -> Value {
    app.get(path, Some(&tokens.access))
        .await
        .json()
        .await
        .unwrap()
}

/// Creates an extract and answers it (201).
async fn create(app: &TestApp, tokens: &Tokens, body: Value) -> Value {
    let r = app.post("/extracts", body, Some(&tokens.access)).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// Waits until the extract's latest job has ended; answers the extract.
async fn settled(app: &TestApp, tokens: &Tokens, id: &str) -> Value {
    for _ in 0..600 {
        let x: Value = get_json(app, &format!("/extracts/{id}"), tokens).await;
        let status = x["job"]["status"].as_str().unwrap_or("none");
        if status == "succeeded" || status == "failed" {
            return x;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the refresh of extract {id} never ended");
}

/// Waits for a refresh that must succeed; answers the extract.
async fn refreshed(app: &TestApp, tokens: &Tokens, id: &str) -> Value {
    let x = settled(app, tokens, id).await;
    assert_eq!(x["job"]["status"], "succeeded", "{x}");
    assert_eq!(x["refreshes"][0]["status"], "succeeded", "{x}");
    x
}

/// Asks for a refresh now (202) and waits for it to end; answers the extract.
async fn refresh(app: &TestApp, tokens: &Tokens, id: &str) -> Value {
    let r = app
        .post(
            &format!("/extracts/{id}/refresh"),
            json!({}),
            Some(&tokens.access),
        )
        .await;
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["extract_id"], id);
    assert!(v["job"]["id"].is_string(), "{v}");
    settled(app, tokens, id).await
}

async fn chart(app: &TestApp, tokens: &Tokens, body: Value) -> Value {
    let r = app.post("/charts/query", body, Some(&tokens.access)).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// `a` and `b` hold the same values: numbers within a relative 1e-9 (sums in another order),
/// everything else exactly.
fn same(a: &Value, b: &Value, at: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            let tolerance = 1e-9 * x.abs().max(y.abs()).max(1.0);
            if (x - y).abs() <= tolerance && a.is_i64() == b.is_i64() {
                Ok(())
            } else {
                Err(format!("{at}: {a} != {b}"))
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{at}: {} rows != {} rows", x.len(), y.len()));
            }
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                same(p, q, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Object(x), Value::Object(y)) => {
            let (kx, ky): (Vec<_>, Vec<_>) = (x.keys().collect(), y.keys().collect());
            if kx != ky {
                return Err(format!("{at}: keys {kx:?} != {ky:?}"));
            }
            for (k, v) in x {
                same(v, &y[k], &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{at}: {a} != {b}")),
    }
}

/// Every kind of chart query the engine answers over the demo transactions.
fn queries(source: &str, median: bool) -> Vec<Value> {
    // windows end at tomorrow's midnight, not at "now": the database's and the extract's answers
    // are asked a moment apart, and a relative period would move between them
    let end = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    let days = |n: i64| {
        json!({"from": (end - chrono::Duration::days(n)).format("%Y-%m-%d").to_string(),
            "to": end.format("%Y-%m-%d").to_string()})
    };
    let q = |v: Value| {
        let mut v = v;
        v["source_id"] = json!(source);
        v["table"] = json!("transactions");
        v
    };
    let mut all = vec![
        // the daily line over a year, with the previous year
        q(
            json!({"measures": [{"agg": "sum", "column": "amount", "as": "revenue"}],
            "time": {"column": "created_at", "granularity": "day", "range": days(365)},
            "compare": "previous_period"}),
        ),
        // the 30-day bar by category
        q(
            json!({"measures": [{"agg": "sum", "column": "amount", "as": "revenue"}, {"agg": "count", "as": "orders"}],
            "dimensions": ["category"], "time": {"column": "created_at", "range": days(30)}}),
        ),
        // a two-dimension breakdown, sorted and limited
        q(
            json!({"measures": [{"agg": "count", "as": "orders"}, {"agg": "avg", "column": "amount"}],
            "dimensions": ["category", "segment"], "sort": [{"by": "orders", "desc": true}], "limit": 7}),
        ),
        q(
            json!({"measures": [{"agg": "count_distinct", "column": "user_id", "as": "buyers"},
                {"agg": "min", "column": "amount"}, {"agg": "max", "column": "amount"}],
            "time": {"column": "created_at", "granularity": "week", "range": days(90)}, "compare": "previous_period"}),
        ),
        q(json!({"measures": [{"agg": "sum", "column": "amount"}],
            "time": {"column": "created_at", "granularity": "month", "range": {"from": "2025-01-01", "to": "2027-01-01"}}})),
        q(
            json!({"measures": [{"agg": "count"}], "dimensions": ["segment"],
            "time": {"column": "created_at", "granularity": "quarter", "range": days(365)}}),
        ),
        q(json!({"measures": [{"agg": "count"}],
            "time": {"column": "created_at", "granularity": "year", "range": days(200)}})),
        q(json!({"measures": [{"agg": "sum", "column": "amount"}],
            "time": {"column": "created_at", "granularity": "hour", "range": days(7)}})),
        q(
            json!({"measures": [{"agg": "min", "column": "created_at", "as": "first"}, {"agg": "max", "column": "created_at", "as": "last"}],
            "dimensions": ["category"], "sort": [{"by": "category"}]}),
        ),
        q(
            json!({"measures": [{"agg": "count"}, {"agg": "sum", "column": "user_id"}], "dimensions": ["user_id"],
            "sort": [{"by": "user_id"}], "limit": 5}),
        ),
        q(
            json!({"measures": [{"agg": "count"}], "dimensions": ["category"], "filters": [
            {"column": "category", "op": "in", "value": ["books", "toys", "home"]},
            {"column": "amount", "op": "between", "value": [10, 80]},
            {"column": "segment", "op": "ne", "value": "vip"}]}),
        ),
        q(
            json!({"measures": [{"agg": "sum", "column": "amount"}], "dimensions": ["segment"], "filters": [
            {"column": "category", "op": "not_in", "value": ["books"]},
            {"column": "amount", "op": "gt", "value": 20}, {"column": "amount", "op": "lte", "value": 500.5},
            {"column": "user_id", "op": "gte", "value": 3}, {"column": "user_id", "op": "lt", "value": 200},
            {"column": "category", "op": "contains", "value": "O"},
            {"column": "segment", "op": "is_null", "value": false},
            {"column": "created_at", "op": "gte", "value": "2026-06-01"}]}),
        ),
        q(
            json!({"measures": [{"agg": "count"}], "filters": [{"column": "category", "op": "eq", "value": "nothing"}]}),
        ),
        q(
            json!({"measures": [{"agg": "sum", "column": "amount", "as": "s"}], "filters": [{"column": "category", "op": "eq", "value": "nothing"}],
            "dimensions": ["category"]}),
        ),
    ];
    if median {
        all.push(q(json!({"measures": [{"agg": "median", "column": "amount"}], "dimensions": ["category"]})));
    }
    all
}

/// Runs every query live and from the extract: the answers are the same.
/// On MySQL (whose collations ignore case), a query comparing text asks the database.
async fn assert_parity(
    app: &TestApp,
    tokens: &Tokens,
    source: &str,
    extract: &str,
    engine: tessera_testkit::Engine,
) {
    let median = engine == tessera_testkit::Engine::Postgres;
    for q in queries(source, median) {
        let mut live = q.clone();
        live["live"] = json!(true);
        let from_db = chart(app, tokens, live).await;
        let from_extract = chart(app, tokens, q.clone()).await;
        assert_eq!(from_db["metadata"]["source"], "database", "{q}");
        let text_compared = q["filters"].as_array().is_some_and(|fs| {
            fs.iter().any(|f| {
                ["category", "segment"].contains(&f["column"].as_str().unwrap_or(""))
                    && !["contains", "is_null"].contains(&f["op"].as_str().unwrap_or(""))
            })
        });
        if engine == tessera_testkit::Engine::Mysql && text_compared {
            assert_eq!(from_extract["metadata"]["source"], "database", "{q}");
            continue;
        }
        assert_eq!(from_extract["metadata"]["source"], "extract", "{q}");
        assert_eq!(from_extract["metadata"]["extract_id"], extract);
        assert!(from_extract["metadata"]["refreshed_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')));
        for key in ["data", "comparison"] {
            if let Err(e) = same(&from_db[key], &from_extract[key], key) {
                panic!(
                    "{e}\nquery: {q}\ndatabase: {}\nextract: {}",
                    from_db[key], from_extract[key]
                );
            }
        }
        for key in [
            "columns",
            "row_count",
            "range",
            "table",
            "granularity",
            "period",
        ] {
            assert_eq!(
                from_db["metadata"][key], from_extract["metadata"][key],
                "{key} of {q}"
            );
        }
    }
}

/// The demo transactions copied into a fresh PostgreSQL or MySQL database; the source's id.
async fn demo_copy(
    app: &TestApp,
    tokens: &Tokens,
    engine: tessera_testkit::Engine,
) -> Option<(String, tessera_testkit::TestDatabase)> {
    let db = tessera_testkit::TestDatabase::create(engine)?;
    let demo = app.source_id(tokens, "demo").await;
    let rows: Value = app
        .post(
            "/queries/run",
            json!({"source_id": demo, "limit": 10000,
                "sql": "SELECT id, user_id, amount, category, segment, created_at FROM transactions ORDER BY id"}),
            Some(&tokens.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let rows = rows["rows"].as_array().unwrap();
    assert!(rows.len() >= 1000, "the demo holds its rows");
    let (kind, amount) = match engine {
        tessera_testkit::Engine::Postgres => ("postgres", "NUMERIC(12,2)"),
        _ => ("mysql", "DECIMAL(12,2)"),
    };
    let mut sql = format!(
        "CREATE TABLE transactions (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, amount {amount} NOT NULL, \
         category VARCHAR(40) NOT NULL, segment VARCHAR(40) NOT NULL, created_at TIMESTAMP NOT NULL);"
    );
    for chunk in rows.chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|r| {
                format!(
                    "({}, {}, {}, '{}', '{}', '{}')",
                    r[0],
                    r[1],
                    r[2],
                    r[3].as_str().unwrap(),
                    r[4].as_str().unwrap(),
                    r[5].as_str().unwrap()
                )
            })
            .collect();
        sql.push_str(&format!(
            "INSERT INTO transactions VALUES {};",
            values.join(", ")
        ));
    }
    db.execute(&sql);
    let r = app
        .post(
            "/data-sources",
            json!({"name": format!("{kind} copy"), "kind": kind, "url": db.url}),
            Some(&tokens.access),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    Some((v["id"].as_str().unwrap().to_owned(), db))
}

async fn parity_on(engine: tessera_testkit::Engine) {
    parity_with(engine, &[]).await;
}

/// `settings` are the server's extra settings.
async fn parity_with(engine: tessera_testkit::Engine, settings: &[(&str, &str)]) {
    let app = spawn_app_with(settings).await;
    let admin = app.admin().await;
    let (source, _db) = match engine {
        tessera_testkit::Engine::Sqlite => (app.source_id(&admin, "demo").await, None),
        other => match demo_copy(&app, &admin, other).await {
            Some((s, db)) => (s, Some(db)),
            None => return,
        },
    };
    let x = create(
        &app,
        &admin,
        json!({"name": "transactions", "source_id": source, "table": "transactions"}),
    )
    .await;
    let id = x["id"].as_str().unwrap();
    let x = refreshed(&app, &admin, id).await;
    assert_eq!(x["copy"]["version"], 1);
    assert!(x["copy"]["rows"].as_i64().unwrap() >= 1000, "{x}");
    assert!(x["copy"]["bytes"].as_i64().unwrap() > 0);
    assert_eq!(x["fresh"], true);
    assert_eq!(x["refreshes"][0]["mode"], "full");
    assert_parity(&app, &admin, &source, id, engine).await;
}

#[tokio::test]
async fn charts_from_an_extract_answer_as_the_sqlite_database_does() {
    parity_on(tessera_testkit::Engine::Sqlite).await;
}

#[tokio::test]
async fn charts_from_an_extract_read_from_its_files_answer_as_the_database_does() {
    // no copy held in memory: every query scans the Parquet files
    parity_with(
        tessera_testkit::Engine::Sqlite,
        &[("TESSERA_EXTRACTS__MEMORY_BYTES", "0")],
    )
    .await;
}

#[tokio::test]
async fn charts_from_an_extract_answer_as_the_postgresql_database_does() {
    parity_on(tessera_testkit::Engine::Postgres).await;
}

#[tokio::test]
async fn charts_from_an_extract_answer_as_the_mysql_database_does() {
    parity_on(tessera_testkit::Engine::Mysql).await;
}

const EVENTS: &str = "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, amount REAL NOT NULL, at TIMESTAMP NOT NULL);";

fn events(from: usize, to: usize) -> String {
    let values: Vec<String> = (from..to)
        .map(|i| {
            format!(
                "({i}, '{}', {}.5, '2026-0{}-1{} 10:00:00')",
                ["a", "b", "c"][i % 3],
                i % 50,
                1 + i % 9,
                i % 10
            )
        })
        .collect();
    format!("INSERT INTO events VALUES {};", values.join(", "))
}

/// A SQLite source `events` with rows 1 to `end - 1` and an extract of its table (`extra` adds
/// to `{"source_id", "table"}`), refreshed; the source's id and the extract.
async fn events_extract(
    app: &TestApp,
    admin: &Tokens,
    end: usize,
    extra: Value,
) -> (String, Value) {
    let source = app
        .sqlite_source(admin, "events", &format!("{EVENTS}{}", events(1, end)))
        .await;
    let mut body = json!({"source_id": source, "table": "events"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let x = create(app, admin, body).await;
    let x = refreshed(app, admin, x["id"].as_str().unwrap()).await;
    (source, x)
}

async fn total(app: &TestApp, tokens: &Tokens, source: &str, live: bool) -> Value {
    chart(
        app,
        tokens,
        json!({"source_id": source, "table": "events", "live": live,
            "measures": [{"agg": "count", "as": "n"}, {"agg": "sum", "column": "amount", "as": "total"}]}),
    )
    .await
}

#[tokio::test]
async fn an_incremental_refresh_reads_exactly_the_new_rows() {
    let app = spawn_app_with(&[("TESSERA_EXTRACTS__PAGE_ROWS", "100")]).await;
    let admin = app.admin().await;
    let (source, x) = events_extract(
        &app,
        &admin,
        501,
        json!({"name": "events", "incremental_column": "id"}),
    )
    .await;
    let id = x["id"].as_str().unwrap();
    assert_eq!(x["copy"]["rows"], 500);
    assert_eq!(x["copy"]["high_water"], 500);

    let file = app.org_sources_dir(&admin).await.join("events.db");
    tessera_testkit::sqlite_file(&file, &events(501, 538));
    let x = refresh(&app, &admin, id).await;
    assert_eq!(x["refreshes"][0]["status"], "succeeded", "{x}");
    assert_eq!(x["refreshes"][0]["mode"], "incremental");
    assert_eq!(x["refreshes"][0]["rows_read"], 37);
    assert_eq!(x["copy"]["rows"], 537);
    assert_eq!(x["copy"]["high_water"], 537);
    assert_eq!(x["copy"]["version"], 2);
    let from_extract = total(&app, &admin, &source, false).await;
    assert_eq!(from_extract["metadata"]["source"], "extract");
    same(
        &total(&app, &admin, &source, true).await["data"],
        &from_extract["data"],
        "data",
    )
    .unwrap();

    // nothing new: the copy is the same rows, now known to be current
    let x = refresh(&app, &admin, id).await;
    assert_eq!(x["refreshes"][0]["rows_read"], 0);
    assert_eq!(x["copy"]["rows"], 537);
}

#[tokio::test]
async fn a_full_refresh_picks_up_changed_rows_and_a_failed_one_leaves_the_old_copy() {
    let app = spawn_app_with(&[("TESSERA_EXTRACTS__PAGE_ROWS", "50")]).await;
    let admin = app.admin().await;
    let (source, x) = events_extract(&app, &admin, 301, json!({"name": "events"})).await;
    let id = x["id"].as_str().unwrap();
    let before = total(&app, &admin, &source, false).await;

    let file = app.org_sources_dir(&admin).await.join("events.db");
    tessera_testkit::sqlite_file(
        &file,
        "UPDATE events SET amount = amount + 1000 WHERE id = 7;",
    );
    let x = refresh(&app, &admin, id).await;
    assert_eq!(x["refreshes"][0]["mode"], "full");
    let after = total(&app, &admin, &source, false).await;
    assert_eq!(after["metadata"]["source"], "extract");
    let (b, a) = (
        before["data"][0]["total"].as_f64().unwrap(),
        after["data"][0]["total"].as_f64().unwrap(),
    );
    assert!((a - b - 1000.0).abs() < 1e-6, "{b} -> {a}");

    // a text in a number column, after six pages were written: the refresh fails mid-way
    tessera_testkit::sqlite_file(
        &file,
        "INSERT INTO events VALUES (1000, 'a', 'not a number', '2026-02-01 00:00:00');",
    );
    let x = refresh(&app, &admin, id).await;
    assert_eq!(x["job"]["status"], "failed", "{x}");
    assert_eq!(x["refreshes"][0]["status"], "failed");
    assert!(
        x["refreshes"][0]["error"]
            .as_str()
            .unwrap()
            .contains("'not a number'"),
        "{x}"
    );
    assert_eq!(x["copy"]["version"], 2, "the previous copy still serves");
    let still = total(&app, &admin, &source, false).await;
    assert_eq!(still["metadata"]["source"], "extract");
    assert_eq!(still["data"], after["data"]);
    // no staging directory is left behind
    let org_dir = app.dir().path().join("extracts");
    let dirs: Vec<String> = walk(&org_dir)
        .into_iter()
        .filter(|p| p.contains("staging"))
        .collect();
    assert!(dirs.is_empty(), "{dirs:?}");
}

/// Every path under `dir`.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            out.push(e.path().display().to_string());
            out.extend(walk(&e.path()));
        }
    }
    out
}

#[tokio::test]
async fn a_stale_extract_is_not_used_and_live_or_no_cache_ask_the_database() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (source, x) = events_extract(
        &app,
        &admin,
        101,
        json!({"name": "events", "max_staleness_secs": 600}),
    )
    .await;
    let id = x["id"].as_str().unwrap();
    let body = json!({"source_id": source, "table": "events", "measures": [{"agg": "count"}], "dimensions": ["kind"]});
    assert_eq!(
        chart(&app, &admin, body.clone()).await["metadata"]["source"],
        "extract"
    );
    let r = reqwest::Client::new()
        .post(app.url("/charts/query"))
        .bearer_auth(&admin.access)
        .header("Cache-Control", "no-cache")
        .json(&body)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["metadata"]["source"], "database");
    let mut live = body.clone();
    live["live"] = json!(true);
    assert_eq!(
        chart(&app, &admin, live).await["metadata"]["source"],
        "database"
    );

    // eleven minutes later the copy is older than its maximum staleness
    app.clock.advance(chrono::Duration::minutes(11));
    let mut fresh_query = body.clone();
    fresh_query["limit"] = json!(999);
    let v = chart(&app, &admin, fresh_query).await;
    assert_eq!(v["metadata"]["source"], "database");
    let x: Value = get_json(&app, &format!("/extracts/{id}"), &admin).await;
    assert_eq!(x["fresh"], false);
}

#[tokio::test]
async fn an_extract_answers_while_its_database_is_unreachable() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (source, _) = events_extract(&app, &admin, 101, json!({"name": "events"})).await;
    let file = app.org_sources_dir(&admin).await.join("events.db");
    std::fs::rename(&file, file.with_extension("away")).unwrap();

    // the copy answers without the source being opened: its recorded columns are the schema
    let v = total(&app, &admin, &source, false).await;
    assert_eq!(v["metadata"]["source"], "extract", "{v}");
    assert_eq!(v["data"][0]["n"], 100);
    // the database itself is gone
    let r = app
        .post(
            "/charts/query",
            json!({"source_id": source, "table": "events", "live": true, "measures": [{"agg": "count"}]}),
            Some(&admin.access),
        )
        .await;
    assert_problem(r, 503).await;
    // a column the copy does not hold is the database's to answer: unavailable too, not a 500
    let r = app
        .post(
            "/charts/query",
            json!({"source_id": source, "table": "events", "measures": [{"agg": "sum", "column": "nope"}]}),
            Some(&admin.access),
        )
        .await;
    assert_problem(r, 503).await;
}

/// How soon a change through one process reaches another (it polls `cache_events` every
/// 100 ms; a loaded two-core machine needs the room, see tests/attacks.rs).
const PROPAGATION: Duration = Duration::from_secs(5);

/// Asks `body` of `app` until `done` holds of the answer, for at most [`PROPAGATION`].
async fn until(app: &TestApp, tokens: &Tokens, body: &Value, done: impl Fn(&Value) -> bool) {
    let started = std::time::Instant::now();
    loop {
        let v = chart(app, tokens, body.clone()).await;
        if done(&v) {
            return;
        }
        assert!(
            started.elapsed() < PROPAGATION,
            "the other process still answers {v}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn another_process_follows_a_refresh_a_change_and_a_deletion_at_once() {
    let a = spawn_app().await;
    let b = spawn_app_in(a.dir(), &[], |_| {}).await;
    let admin = a.admin().await;
    let (source, x) = events_extract(&a, &admin, 101, json!({"name": "events"})).await;
    let id = x["id"].as_str().unwrap();
    let body =
        json!({"source_id": source, "table": "events", "measures": [{"agg": "count", "as": "n"}]});
    let first = chart(&b, &admin, body.clone()).await;
    assert_eq!(first["metadata"]["source"], "extract", "{first}");
    assert_eq!(first["data"][0]["n"], 100);
    // cached once no change notice (the refresh's own) arrives while it is answered
    until(&b, &admin, &body, |v| v["metadata"]["cached"] == true).await;

    // a refresh through one process: the other's cached answer goes, its next one reads the
    // new copy
    tessera_testkit::sqlite_file(
        &a.org_sources_dir(&admin).await.join("events.db"),
        &events(101, 111),
    );
    let x = refresh(&a, &admin, id).await;
    assert_eq!(x["copy"]["rows"], 110, "{x}");
    until(&b, &admin, &body, |v| {
        v["metadata"]["source"] == "extract" && v["data"][0]["n"] == 110
    })
    .await;

    // a shorter maximum staleness: the other process stops reading a copy now too old
    let r = a
        .client
        .put(a.url(&format!("/extracts/{id}")))
        .bearer_auth(&admin.access)
        .json(&json!({"name": "events", "source_id": source, "table": "events", "max_staleness_secs": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let mut later = body.clone();
    later["limit"] = json!(999);
    b.clock.advance(chrono::Duration::minutes(2));
    until(&b, &admin, &later, |v| {
        v["metadata"]["source"] == "database"
    })
    .await;

    // deleted through one process: the other's cached answer from it goes too
    b.clock.advance(chrono::Duration::minutes(-2));
    let mut last = body.clone();
    last["limit"] = json!(998);
    assert_eq!(
        chart(&b, &admin, last.clone()).await["metadata"]["source"],
        "extract"
    );
    let r = a.delete(&format!("/extracts/{id}"), &admin.access).await;
    assert_eq!(r.status(), 204);
    until(&b, &admin, &last, |v| v["metadata"]["source"] == "database").await;
}

#[tokio::test]
async fn an_extract_filtered_at_the_source_answers_only_charts_with_that_filter() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (source, x) = events_extract(
        &app,
        &admin,
        101,
        json!({"name": "a only", "columns": ["kind", "amount"],
            "filters": [{"column": "kind", "op": "eq", "value": "a"}]}),
    )
    .await;
    assert_eq!(x["copy"]["rows"], 33);
    let with = json!({"source_id": source, "table": "events", "measures": [{"agg": "sum", "column": "amount"}],
        "filters": [{"column": "kind", "op": "eq", "value": "a"}]});
    let without = json!({"source_id": source, "table": "events", "measures": [{"agg": "sum", "column": "amount"}]});
    let needs_at = json!({"source_id": source, "table": "events", "measures": [{"agg": "count"}],
        "filters": [{"column": "kind", "op": "eq", "value": "a"}], "time": {"column": "at", "granularity": "month"}});
    assert_eq!(
        chart(&app, &admin, with).await["metadata"]["source"],
        "extract"
    );
    assert_eq!(
        chart(&app, &admin, without).await["metadata"]["source"],
        "database"
    );
    assert_eq!(
        chart(&app, &admin, needs_at).await["metadata"]["source"],
        "database"
    );
}

#[tokio::test]
async fn deleting_a_source_or_an_extract_deletes_its_files() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let source = app
        .sqlite_source(&admin, "events", &format!("{EVENTS}{}", events(1, 101)))
        .await;
    let mut ids = Vec::new();
    for name in ["one", "two"] {
        let x = create(
            &app,
            &admin,
            json!({"name": name, "source_id": source, "table": "events"}),
        )
        .await;
        let id = x["id"].as_str().unwrap().to_owned();
        refreshed(&app, &admin, &id).await;
        ids.push(id);
    }
    let root = app.dir().path().join("extracts");
    let files = |id: &str| walk(&root).into_iter().filter(|p| p.contains(id)).count();
    assert!(files(&ids[0]) > 0 && files(&ids[1]) > 0);

    let r = app
        .delete(&format!("/extracts/{}", ids[0]), &admin.access)
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(files(&ids[0]), 0);
    assert_problem(
        app.get(&format!("/extracts/{}", ids[0]), Some(&admin.access))
            .await,
        404,
    )
    .await;

    let r = app
        .delete(&format!("/data-sources/{source}"), &admin.access)
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(files(&ids[1]), 0, "the source's extracts went with it");
    assert_problem(
        app.get(&format!("/extracts/{}", ids[1]), Some(&admin.access))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn another_organisation_reaches_no_extract_and_viewers_none_at_all() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (source, x) = events_extract(&app, &admin, 51, json!({"name": "events"})).await;
    let id = x["id"].as_str().unwrap();

    let (_, stranger) = app.register_and_login("stranger", Some("Elsewhere")).await;
    let path = format!("/extracts/{id}");
    assert_problem(app.get(&path, Some(&stranger.access)).await, 404).await;
    let body = json!({"name": "mine now", "source_id": source, "table": "events"});
    assert_problem(app.put(&path, body.clone(), &stranger.access).await, 404).await;
    assert_problem(app.delete(&path, &stranger.access).await, 404).await;
    assert_problem(
        app.post(
            &format!("{path}/refresh"),
            json!({}),
            Some(&stranger.access),
        )
        .await,
        404,
    )
    .await;
    // a stranger's extract of this organisation's source names a source it cannot see
    assert_problem(
        app.post("/extracts", body, Some(&stranger.access)).await,
        404,
    )
    .await;
    let list: Value = get_json(&app, "/extracts", &stranger).await;
    assert_eq!(list["total"], 0);
    let s: Value = get_json(&app, "/extracts/suggestions", &stranger).await;
    assert_eq!(s["items"], json!([]));

    let (_, viewer) = app.member(&admin, "viewer").await;
    assert_problem(app.get("/extracts", Some(&viewer.access)).await, 403).await;
    assert_problem(app.get(&path, Some(&viewer.access)).await, 403).await;
    assert_problem(
        app.post(&format!("{path}/refresh"), json!({}), Some(&viewer.access))
            .await,
        403,
    )
    .await;
    assert_problem(app.delete(&path, &viewer.access).await, 403).await;
    let list: Value = get_json(&app, "/extracts", &admin).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["copy"]["version"], 1);
}

#[tokio::test]
async fn bad_definitions_are_refused_naming_their_fields_and_save_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let source = app
        .sqlite_source(&admin, "events", &format!("{EVENTS}{}", events(1, 11)))
        .await;
    let bad = [
        json!({"name": "x", "source_id": source, "table": "nope"}),
        json!({"name": "x", "source_id": source, "table": "events", "columns": ["kind", "secret"]}),
        json!({"name": "x", "source_id": source, "table": "events", "incremental_column": "kind"}),
        json!({"name": "x", "source_id": source, "table": "events", "filters": [{"column": "x\"; DROP TABLE events; --", "op": "eq", "value": 1}]}),
        json!({"name": "x", "source_id": source, "table": "events", "schedule": {"cron": "* * * * * *"}}),
        json!({"name": "x", "source_id": source, "table": "events", "max_staleness_secs": 1}),
        json!({"name": "", "source_id": source, "table": "events"}),
        json!({"name": "x", "source_id": source}),
    ];
    for body in bad {
        let p = assert_problem(
            app.post("/extracts", body.clone(), Some(&admin.access))
                .await,
            422,
        )
        .await;
        assert!(
            p["errors"].as_array().is_some_and(|e| !e.is_empty()),
            "{body}: {p}"
        );
    }
    assert_problem(
        app.post(
            "/extracts",
            json!({"name": "x", "source_id": "not-an-id", "table": "events"}),
            Some(&admin.access),
        )
        .await,
        404,
    )
    .await;
    let list: Value = get_json(&app, "/extracts", &admin).await;
    assert_eq!(list["total"], 0);
    create(
        &app,
        &admin,
        json!({"name": "x", "source_id": source, "table": "events"}),
    )
    .await;
    assert_problem(
        app.post(
            "/extracts",
            json!({"name": "x", "source_id": source, "table": "events"}),
            Some(&admin.access),
        )
        .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn the_disk_quota_refuses_creation_and_refreshes_past_it() {
    let app = spawn_app_with(&[("TESSERA_EXTRACTS__MAX_BYTES_PER_ORG", "6000")]).await;
    let admin = app.admin().await;
    let small = app
        .sqlite_source(&admin, "small", &format!("{EVENTS}{}", events(1, 4)))
        .await;
    let x = create(
        &app,
        &admin,
        json!({"name": "small", "source_id": small, "table": "events"}),
    )
    .await;
    let small_id = x["id"].as_str().unwrap();
    let x = refreshed(&app, &admin, small_id).await;
    assert!(x["copy"]["bytes"].as_i64().unwrap() < 6000, "{x}");

    // the demo's transactions take more than what is left: the refresh fails, nothing serves
    let demo = app.source_id(&admin, "demo").await;
    let x = create(
        &app,
        &admin,
        json!({"name": "big", "source_id": demo, "table": "transactions"}),
    )
    .await;
    let big = x["id"].as_str().unwrap();
    let x = settled(&app, &admin, big).await;
    assert_eq!(x["refreshes"][0]["status"], "failed", "{x}");
    assert!(
        x["refreshes"][0]["error"]
            .as_str()
            .unwrap()
            .contains("max_bytes_per_org"),
        "{x}"
    );
    assert_eq!(x["copy"]["version"], 0);
    assert!(walk(&app.dir().path().join("extracts"))
        .iter()
        .all(|p| !p.contains(big) || !p.ends_with(".parquet")));

    // the same organisation, on a server whose quota it already fills
    let dir = app.dir();
    let tight = spawn_app_in(
        dir,
        &[("TESSERA_EXTRACTS__MAX_BYTES_PER_ORG", "100")],
        |_| {},
    )
    .await;
    let admin = tight.admin().await;
    assert_problem(
        tight
            .post(
                "/extracts",
                json!({"name": "more", "source_id": small, "table": "events"}),
                Some(&admin.access),
            )
            .await,
        409,
    )
    .await;
    assert_problem(
        tight
            .post(
                &format!("/extracts/{small_id}/refresh"),
                json!({}),
                Some(&admin.access),
            )
            .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn a_schedule_queues_refreshes_and_slow_tables_are_suggested() {
    let app = spawn_app_with(&[
        ("TESSERA_EXTRACTS__SCHEDULER", "true"),
        ("TESSERA_EXTRACTS__POLL_INTERVAL_SECS", "1"),
    ])
    .await;
    let admin = app.admin().await;
    let source = app
        .sqlite_source(&admin, "events", &format!("{EVENTS}{}", events(1, 51)))
        .await;
    // charts on the table before any extract: the database answers, and is timed
    for i in 0..3 {
        let body = json!({"source_id": source, "table": "events", "measures": [{"agg": "count"}], "limit": 10 + i});
        assert_eq!(
            chart(&app, &admin, body).await["metadata"]["source"],
            "database"
        );
    }
    let s: Value = get_json(&app, "/extracts/suggestions", &admin).await;
    assert_eq!(s["window_hours"], 24);
    let item = s["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["source_id"] == source)
        .unwrap_or_else(|| panic!("{s}"));
    assert_eq!(item["table"], "events");
    assert_eq!(item["database_queries"], 3);
    assert!(item["saving_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(item["extract_ids"], json!([]));

    let x = create(
        &app,
        &admin,
        json!({"name": "hourly", "source_id": source, "table": "events", "schedule": {"cron": "0 * * * *", "timezone": "Europe/Berlin"}}),
    )
    .await;
    let id = x["id"].as_str().unwrap();
    let first = refreshed(&app, &admin, id).await;
    assert!(first["next_refresh_at"].as_str().unwrap().ends_with('Z'));
    // an hour later the schedule has queued the next refresh by itself
    app.clock.advance(chrono::Duration::minutes(61));
    let mut version = 1;
    for _ in 0..200 {
        let x = settled(&app, &admin, id).await;
        version = x["copy"]["version"].as_i64().unwrap();
        if version >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(version, 2);
    let s: Value = get_json(&app, "/extracts/suggestions", &admin).await;
    let item = s["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["source_id"] == source)
        .unwrap();
    assert_eq!(item["extract_ids"], json!([id]));
}

#[tokio::test]
async fn a_datamart_extract_answers_charts_on_the_datamart() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let source = app
        .sqlite_source(&admin, "events", &format!("{EVENTS}{}", events(1, 201)))
        .await;
    let r = app
        .post(
            "/datamarts",
            json!({"name": "big_events", "source_id": source,
                "sql": "SELECT kind, amount, at FROM events WHERE amount >= 10"}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let dm: Value = r.json().await.unwrap();
    let dm = dm["id"].as_str().unwrap();
    let x = create(
        &app,
        &admin,
        json!({"name": "big events", "source_id": source, "datamart_id": dm}),
    )
    .await;
    assert_eq!(x["datamart_id"], dm);
    assert_eq!(x["table"], Value::Null);
    let id = x["id"].as_str().unwrap();
    let x = refreshed(&app, &admin, id).await;
    let kinds: Vec<&str> = x["copy"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["kind", "amount", "at"]);
    for target in [
        json!({"datamart_id": dm}),
        json!({"source_id": source, "table": "big_events"}),
    ] {
        let mut q = json!({"measures": [{"agg": "sum", "column": "amount"}, {"agg": "count"}],
            "dimensions": ["kind"]});
        for (k, v) in target.as_object().unwrap() {
            q[k] = v.clone();
        }
        let from_extract = chart(&app, &admin, q.clone()).await;
        assert_eq!(from_extract["metadata"]["source"], "extract", "{q}");
        q["live"] = json!(true);
        let from_db = chart(&app, &admin, q.clone()).await;
        assert_eq!(from_db["metadata"]["source"], "database");
        same(&from_db["data"], &from_extract["data"], "data").unwrap();
    }
}
