//! The seed endpoints over named metrics, answered from the generated demo source.

use serde_json::{json, Value};
use tessera_e2e::{assert_problem, spawn_app, spawn_app_adjusted, TestApp, Tokens};

async fn get(app: &TestApp, tokens: &Tokens, path: &str) -> Value {
    let r = app.get(path, Some(&tokens.access)).await;
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn bar_revenue_by_category_answers_real_numbers_and_is_cached() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let v = get(&app, &admin, "/charts/bar?metric=revenue&period=1y").await;
    assert_eq!(v["success"], true);
    let rows = v["data"].as_array().unwrap();
    assert!(rows.len() >= 5, "{v}");
    for r in rows {
        assert!(r["value"].as_f64().unwrap() > 0.0);
        assert_eq!(r["label"], r["category"]);
    }
    let values: Vec<f64> = rows.iter().map(|r| r["value"].as_f64().unwrap()).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "largest first");
    assert_eq!(v["metadata"]["metric"], "revenue");
    assert_eq!(v["metadata"]["period"], "1y");
    assert_eq!(v["metadata"]["source"], "database");
    assert_eq!(v["metadata"]["cached"], false);
    assert!(v["metadata"]["generated_at"].is_string());
    assert_eq!(
        get(&app, &admin, "/charts/bar?metric=revenue&period=1y").await["metadata"]["cached"],
        true
    );
}

#[tokio::test]
async fn category_narrows_and_injection_is_inert() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let v = get(
        &app,
        &admin,
        "/charts/bar?metric=transactions&period=1y&category=books",
    )
    .await;
    let rows = v["data"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["label"], "books");
    let evil = get(
        &app,
        &admin,
        "/charts/bar?metric=transactions&period=1y&category=%27%20OR%201%3D1%20--",
    )
    .await;
    assert_eq!(evil["data"], json!([]));
    let p = assert_problem(
        app.get(
            "/charts/bar?metric=revenue%3B%20DROP%20TABLE%20transactions&period=1y",
            Some(&admin.access),
        )
        .await,
        400,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("user_activity"),
        "{p}"
    );
    // still there
    assert!(
        !get(&app, &admin, "/charts/bar?metric=transactions&period=1y").await["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn pie_slices_carry_percentages() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for metric in ["user_segments", "revenue_by_segment", "traffic_sources"] {
        let v = get(
            &app,
            &admin,
            &format!("/charts/pie?metric={metric}&period=90d"),
        )
        .await;
        let sum: f64 = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["percentage"].as_f64().unwrap())
            .sum();
        assert!((sum - 100.0).abs() < 0.1, "{metric}: {sum}");
    }
}

#[tokio::test]
async fn line_metrics_have_one_point_per_bucket() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for metric in ["daily_users", "revenue", "orders", "conversion_rate"] {
        let v = get(
            &app,
            &admin,
            &format!("/charts/line?metric={metric}&period=30d&granularity=day"),
        )
        .await;
        let rows = v["data"].as_array().unwrap();
        assert_eq!(rows.len(), 30, "{metric}");
        assert!(
            rows.iter()
                .all(|r| r["date"].is_string() && r["value"].as_f64().unwrap() >= 0.0),
            "{metric}: {v}"
        );
        assert!(
            rows.iter().any(|r| r["value"].as_f64().unwrap() > 0.0),
            "{metric} has data"
        );
        assert_eq!(v["metadata"]["granularity"], "day");
    }
    let weekly = get(
        &app,
        &admin,
        "/charts/line?metric=revenue&period=90d&granularity=week",
    )
    .await;
    assert!((13..=14).contains(&weekly["data"].as_array().unwrap().len()));
}

#[tokio::test]
async fn catalogue_and_realtime() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let c = get(&app, &admin, "/charts/metrics").await;
    let names = |chart: &str| {
        c["data"][chart]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(names("bar").contains(&"user_activity".to_owned()));
    assert!(names("pie").contains(&"traffic_sources".to_owned()));
    assert!(names("line").contains(&"conversion_rate".to_owned()));
    assert_eq!(names("realtime"), vec!["active_users"]);
    let r = get(&app, &admin, "/charts/realtime/active_users").await;
    assert!(r["data"][0]["value"].as_i64().is_some(), "{r}");
    assert_eq!(r["data"][0]["window_minutes"], 5);
    assert_eq!(
        get(&app, &admin, "/charts/realtime/active_users").await["metadata"]["cached"],
        true
    );
    assert_problem(
        app.get("/charts/realtime/nope", Some(&admin.access)).await,
        400,
    )
    .await;
}

#[tokio::test]
async fn unknown_metric_period_or_granularity_is_400_naming_the_allowed_values() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (path, word) in [
        ("/charts/bar?metric=nope", "revenue"),
        ("/charts/pie?metric=revenue", "traffic_sources"),
        ("/charts/line?metric=revenue&period=2w", "ytd"),
        (
            "/charts/line?metric=revenue&granularity=fortnight",
            "quarter",
        ),
        ("/charts/bar", "user_activity"),
    ] {
        let p = assert_problem(app.get(path, Some(&admin.access)).await, 400).await;
        assert!(p["detail"].as_str().unwrap().contains(word), "{path}: {p}");
    }
}

#[tokio::test]
async fn an_organisation_without_a_metrics_source_gets_a_clear_404() {
    let app = spawn_app().await;
    let (_, other) = app.register_and_login("nosource", None).await;
    let p = assert_problem(
        app.get("/charts/bar?metric=revenue", Some(&other.access))
            .await,
        404,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("analytics"), "{p}");
}

#[tokio::test]
async fn sample_data_only_where_configured_and_marked() {
    let app = spawn_app_adjusted(&[], |s| {
        let mut m: tessera_charts::MetricDef = serde_json::from_value(json!({
            "name": "remote_revenue", "charts": ["bar", "line"], "table": "transactions", "agg": "sum",
            "column": "amount", "dimension": "category", "source": "warehouse", "fallback": "sample"
        }))
        .unwrap();
        s.charts.metrics.push(m.clone());
        m.name = "remote_strict".into();
        m.fallback = None;
        s.charts.metrics.push(m);
    })
    .await;
    let admin = app.admin().await;
    app.post(
        "/data-sources",
        json!({"name": "warehouse", "kind": "postgres", "url": "postgres://u:p@127.0.0.1:1/db"}),
        Some(&admin.access),
    )
    .await;
    let v = get(&app, &admin, "/charts/bar?metric=remote_revenue&period=30d").await;
    assert_eq!(v["metadata"]["source"], "sample");
    assert!(!v["data"].as_array().unwrap().is_empty());
    let line = get(&app, &admin, "/charts/line?metric=remote_revenue&period=7d").await;
    assert_eq!(line["data"].as_array().unwrap().len(), 7);
    let p = assert_problem(
        app.get(
            "/charts/bar?metric=remote_strict&period=30d",
            Some(&admin.access),
        )
        .await,
        503,
    )
    .await;
    assert_eq!(p["source"], "warehouse");
}

/// The seed's documented schema: no segment column, no channel column.
const SEED_SCHEMA: &str = "CREATE TABLE transactions (id INTEGER PRIMARY KEY, user_id INTEGER, amount REAL, category TEXT, created_at TIMESTAMP);
    CREATE TABLE user_activities (id INTEGER PRIMARY KEY, user_id INTEGER, activity_type TEXT, created_at TIMESTAMP);";

#[tokio::test]
async fn segment_and_traffic_metrics_work_on_the_seeds_own_schema() {
    let app = spawn_app().await;
    let (_, t) = app.register_and_login("seed", Some("Seed")).await;
    let dir = app.org_sources_dir(&t).await;
    let now = chrono::Utc::now().naive_utc();
    let at = |days: i64| (now - chrono::Duration::days(days)).format("%Y-%m-%d %H:%M:%S");
    // user 1 spends 1200 (Premium), user 2 150 (Regular), users 3 and 4 a little (Basic);
    // user 2's old 5000 lies outside the period and does not count
    let data = format!(
        "{SEED_SCHEMA}
         INSERT INTO transactions (user_id, amount, category, created_at) VALUES
           (1, 700, 'books', '{}'), (1, 500, 'games', '{}'), (2, 150, 'books', '{}'),
           (2, 5000, 'books', '{}'), (3, 20, 'books', '{}'), (4, 5, 'games', '{}');
         INSERT INTO user_activities (user_id, activity_type, created_at) VALUES (1, 'login', '{}');",
        at(1), at(2), at(3), at(400), at(4), at(5), at(1)
    );
    tessera_testkit::sqlite_file(&dir.join("seed.db"), &data);
    let r = app
        .post(
            "/data-sources",
            json!({"name": "analytics", "kind": "sqlite", "url": "sqlite://seed.db"}),
            Some(&t.access),
        )
        .await;
    assert_eq!(r.status(), 201);
    let by = |v: &Value| -> std::collections::HashMap<String, f64> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["label"].as_str().unwrap().to_owned(),
                    r["value"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let users = get(&app, &t, "/charts/pie?metric=user_segments&period=30d").await;
    let got = by(&users);
    assert_eq!(got.get("Premium"), Some(&1.0), "{users}");
    assert_eq!(got.get("Regular"), Some(&1.0), "{users}");
    assert_eq!(got.get("Basic"), Some(&2.0), "{users}");
    assert_eq!(users["data"][0]["segment"], "Basic", "largest first");
    let pct: f64 = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["percentage"].as_f64().unwrap())
        .sum();
    assert!((pct - 100.0).abs() < 0.05, "{pct}");
    let revenue = by(&get(&app, &t, "/charts/pie?metric=revenue_by_segment&period=30d").await);
    assert_eq!(revenue.get("Premium"), Some(&1200.0));
    assert_eq!(revenue.get("Regular"), Some(&150.0));
    assert_eq!(revenue.get("Basic"), Some(&25.0));
    // a category narrows the rows summed per user
    let books = by(&get(
        &app,
        &t,
        "/charts/pie?metric=revenue_by_segment&period=30d&category=books",
    )
    .await);
    assert_eq!(
        books.get("Regular"),
        Some(&850.0),
        "users 1 (700) and 2 (150)"
    );
    assert_eq!(
        books.get("Premium"),
        None,
        "user 1 spent 700 on books: Regular"
    );

    // no channel-like column: a clear 422 naming the columns and the setting
    let p = assert_problem(
        app.get(
            "/charts/pie?metric=traffic_sources&period=30d",
            Some(&t.access),
        )
        .await,
        422,
    )
    .await;
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("channel") && detail.contains("dimension_from"),
        "{detail}"
    );
}

#[tokio::test]
async fn segment_thresholds_are_configurable_and_traffic_uses_the_first_column_present() {
    let app = spawn_app_adjusted(&[], |s| {
        s.charts.segment_premium = 10.0;
        s.charts.segment_regular = 1.0;
    })
    .await;
    let (_, t) = app.register_and_login("seed", Some("Seed")).await;
    let dir = app.org_sources_dir(&t).await;
    let now = chrono::Utc::now().naive_utc().format("%Y-%m-%d %H:%M:%S");
    tessera_testkit::sqlite_file(
        &dir.join("seed.db"),
        &format!(
            "{SEED_SCHEMA}
             ALTER TABLE user_activities ADD COLUMN utm_source TEXT;
             INSERT INTO transactions (user_id, amount, category, created_at) VALUES (1, 20, 'x', '{now}'), (2, 5, 'x', '{now}');
             INSERT INTO user_activities (user_id, activity_type, utm_source, created_at) VALUES
               (1, 'view', 'mail', '{now}'), (2, 'view', 'mail', '{now}'), (3, 'view', 'ads', '{now}');"
        ),
    );
    app.post(
        "/data-sources",
        json!({"name": "analytics", "kind": "sqlite", "url": "sqlite://seed.db"}),
        Some(&t.access),
    )
    .await;
    let users = get(&app, &t, "/charts/pie?metric=user_segments&period=7d").await;
    let labels: Vec<&str> = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"Premium") && labels.contains(&"Regular"),
        "{users}"
    );
    let traffic = get(&app, &t, "/charts/pie?metric=traffic_sources&period=7d").await;
    assert_eq!(traffic["data"][0]["label"], "mail", "{traffic}");
    assert_eq!(traffic["data"][0]["value"], 2);
}

/// `path: type` of every key of an object, sorted (`null`, `bool`, `number`, `string`, `array`,
/// `object`).
fn shape(v: &Value) -> Vec<String> {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let mut keys: Vec<String> = v
        .as_object()
        .map(|o| o.iter().map(|(k, v)| format!("{k}: {}", kind(v))).collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// The named-metric endpoints keep every field (and its JSON type) of their answers and rows:
/// pinned in `tests/snapshots/metric_shapes.json` (fields may be added, never dropped). Regenerate
/// with `TESSERA_UPDATE_SNAPSHOTS=1` after a deliberate change.
#[tokio::test]
async fn metric_answers_keep_their_shape() {
    let app = spawn_app_adjusted(&[], |s| {
        let m: tessera_charts::MetricDef = serde_json::from_value(json!({
            "name": "remote_revenue", "charts": ["bar", "pie", "line"], "table": "transactions", "agg": "sum",
            "column": "amount", "dimension": "category", "source": "warehouse", "fallback": "sample"
        }))
        .unwrap();
        s.charts.metrics.push(m);
    })
    .await;
    let admin = app.admin().await;
    app.post(
        "/data-sources",
        json!({"name": "warehouse", "kind": "postgres", "url": "postgres://u:p@127.0.0.1:1/db"}),
        Some(&admin.access),
    )
    .await;
    let paths = [
        "/charts/bar?metric=revenue&period=1y",
        "/charts/pie?metric=revenue_by_segment&period=1y",
        "/charts/line?metric=revenue&period=30d&granularity=day",
        "/charts/line?metric=conversion_rate&period=30d",
        "/charts/realtime/active_users",
        "/charts/bar?metric=remote_revenue&period=30d",
        "/charts/pie?metric=remote_revenue&period=30d",
        "/charts/line?metric=remote_revenue&period=7d",
    ];
    let mut shapes = serde_json::Map::new();
    for path in paths {
        let v = get(&app, &admin, path).await;
        shapes.insert(
            path.to_owned(),
            json!({"answer": shape(&v), "metadata": shape(&v["metadata"]), "row": shape(&v["data"][0])}),
        );
    }
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/metric_shapes.json");
    if std::env::var_os("TESSERA_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&file, serde_json::to_string_pretty(&shapes).unwrap() + "\n").unwrap();
    }
    let pinned: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap_or_default()).unwrap();
    for (path, want) in pinned.as_object().unwrap() {
        for part in ["answer", "metadata", "row"] {
            let got = &shapes[path][part];
            for key in want[part].as_array().unwrap() {
                assert!(
                    got.as_array().unwrap().contains(key),
                    "{path}: {part} lost {key}; it has {got}"
                );
            }
        }
    }
}
