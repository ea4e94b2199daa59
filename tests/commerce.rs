//! The commerce area (issue 12) over HTTP: every native path answers the TechMart contract's
//! fields with their JSON types over the demo shop, the write path scores, refuses and reviews,
//! organisations are isolated, and concurrent posts lose no update on any engine.

use serde_json::{json, Value};
use tessera_e2e::{assert_problem, spawn_app_with, TestApp};

fn num(v: &Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what} is not a JSON number: {v}"))
}

fn int(v: &Value, what: &str) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("{what} is not a JSON integer: {v}"))
}

fn time(v: &Value, what: &str) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"));
    assert!(
        chrono::DateTime::parse_from_rfc3339(s).is_ok() && s.ends_with('Z'),
        "{what} is not RFC 3339 with Z: {s}"
    );
}

async fn shop(customers: &str) -> TestApp {
    spawn_app_with(&[("TESSERA_BOOTSTRAP__DEMO_CUSTOMERS", customers)]).await
}

async fn json_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let r = app.get(path, Some(token)).await;
    assert_eq!(r.status().as_u16(), 200, "GET {path}");
    r.json().await.unwrap()
}

fn check_fraud_result(f: &Value) {
    assert!(f["is_suspicious"].is_boolean());
    assert!(f["reasons"].is_array());
    let risk = num(&f["risk_score"], "risk_score");
    assert!((0.0..=1.0).contains(&risk));
    let v = &f["details"]["velocity_check"];
    for k in ["window_minutes", "transaction_count", "threshold"] {
        num(&v[k], k);
    }
    num(&f["details"]["amount_check"]["z_score"], "z_score");
    num(
        &f["details"]["amount_check"]["customer_mean"],
        "customer_mean",
    );
}

/// How the contract checks reach the API: a client, the prefix the contract's paths hang under
/// (`.../api/v1/commerce` natively, `.../api/v1` on a front), and a token if any.
pub struct Cx<'a> {
    /// The HTTP client.
    pub client: &'a reqwest::Client,
    /// The prefix.
    pub c: String,
    /// The bearer token.
    pub token: Option<&'a str>,
}

/// GET `url` as `cx`.
pub async fn raw(cx: &Cx<'_>, url: &str) -> reqwest::Response {
    let mut rq = cx.client.get(url);
    if let Some(t) = cx.token {
        rq = rq.bearer_auth(t);
    }
    rq.send().await.unwrap()
}

/// GET `url` as `cx`, expecting 200 and JSON.
pub async fn jget(cx: &Cx<'_>, url: &str) -> Value {
    let r = raw(cx, url).await;
    assert_eq!(r.status().as_u16(), 200, "GET {url}");
    r.json().await.unwrap()
}

/// Every contract path the TechMart app calls, over a demo shop of `customers` customers:
/// 200 with every R field of its JSON type, 4xx on out-of-range parameters; answers a
/// customer id, the newest transaction id and a product id.
pub async fn check_contract_paths(cx: &Cx<'_>, customers: u64) -> (i64, i64, Value) {
    let c = cx.c.clone();

    for range in ["24h", "7d", "30d", "90d"] {
        let o = jget(cx, &format!("{c}/dashboard/overview?time_range={range}")).await;
        num(&o["sales"]["total"], "sales.total");
        num(&o["sales"]["total_lifetime"], "total_lifetime");
        let series = o["sales"]["hourly_breakdown"].as_array().unwrap();
        let expected = match range {
            "24h" => 25,
            "7d" => 169,
            "30d" => 31,
            _ => 91,
        };
        assert_eq!(series.len(), expected, "{range}");
        for p in series {
            time(&p["hour"], "hour");
            num(&p["total_sales"], "total_sales");
            num(&p["num_transactions"], "num_transactions");
        }
        num(&o["customers"]["total_customers"], "total_customers");
        num(
            &o["customers"]["high_risk_customers"],
            "high_risk_customers",
        );
        num(&o["transactions"]["transaction_count"], "transaction_count");
        for p in o["alerts"]["low_stock_products"].as_array().unwrap() {
            int(&p["id"], "id");
            int(&p["stock_quantity"], "stock_quantity");
            assert!(p["name"].is_string() && p["category"].is_string());
        }
        for s in o["alerts"]["suspicious_transactions"].as_array().unwrap() {
            int(&s["id"], "id");
            num(&s["amount"], "amount");
            time(&s["timestamp"], "timestamp");
            assert!(s["status"].is_string());
        }
    }
    let o = jget(cx, &format!("{c}/dashboard/overview")).await;
    assert_eq!(o["customers"]["total_customers"], customers);
    assert!(!o["alerts"]["low_stock_products"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_problem(
        raw(cx, &format!("{c}/dashboard/overview?time_range=1y")).await,
        422,
    )
    .await;

    let recent = jget(cx, &format!("{c}/transactions/recent")).await;
    let recent = recent.as_array().unwrap();
    assert_eq!(recent.len(), 10);
    for r in recent {
        int(&r["id"], "id");
        assert!(r["customer_email"].is_string() && r["payment_method"].is_string());
        num(&r["amount"], "amount");
        num(&r["items"], "items");
        time(&r["timestamp"], "timestamp");
        assert!(r["status"].is_string());
        check_fraud_result(&r["fraud_check_result"]);
    }

    let page = jget(cx, &format!("{c}/customers?page=1&page_size=10")).await;
    assert_eq!(page["total"], customers);
    assert_eq!(page["pages"], customers.div_ceil(10));
    assert_eq!(page["has_more"], true);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    for i in items {
        int(&i["id"], "id");
        assert!(i["email"].is_string());
        time(&i["registration_date"], "registration_date");
        num(&i["total_spent"], "total_spent");
        assert!((0.0..=1.0).contains(&num(&i["risk_score"], "risk_score")));
    }
    // the search box does not reset the page: a page past the end is 200 with no items
    let past = jget(cx, &format!("{c}/customers?page=40&page_size=10&search=a")).await;
    assert_eq!(past["items"], json!([]));
    let found = jget(cx, &format!("{c}/customers?search=ALEX")).await;
    assert!(found["total"].as_u64().unwrap() > 0);
    assert!(found["items"][0]["email"]
        .as_str()
        .unwrap()
        .contains("alex"));
    assert_problem(raw(cx, &format!("{c}/customers?page_size=101")).await, 422).await;
    assert_problem(raw(cx, &format!("{c}/customers?page=0")).await, 422).await;

    let id = items[0]["id"].as_i64().unwrap();
    let one = jget(cx, &format!("{c}/customers/{id}")).await;
    assert!(one["email"].is_string());
    num(&one["total_spent"], "total_spent");
    num(&one["risk_score"], "risk_score");
    for r in one["recent_transactions"].as_array().unwrap() {
        int(&r["id"], "id");
        num(&r["amount"], "amount");
        time(&r["timestamp"], "timestamp");
        assert_eq!(r["status"], "completed");
    }
    assert_problem(raw(cx, &format!("{c}/customers/999999")).await, 404).await;

    let status = jget(cx, &format!("{c}/alerts/system-status")).await;
    let alerts = status["active_alerts"].as_array().unwrap();
    assert!(!alerts.is_empty());
    for a in alerts {
        int(&a["id"], "id");
        time(&a["created_at"], "created_at");
        assert!(a["message"].is_string());
        match a["type"].as_str().unwrap() {
            "low_stock" => assert!(a["alert_metadata"]["products"].is_array()),
            "suspicious_transaction" => assert!(a["alert_metadata"]["transactions"].is_array()),
            other => panic!("unexpected alert type {other}"),
        }
    }
    // polling again updates the same alerts, it never adds rows
    let again = jget(cx, &format!("{c}/alerts/system-status")).await;
    let ids = |v: &Value| -> Vec<i64> {
        v["active_alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(&again), ids(&status));

    for path in ["/analytics/customer/behavior", "/customers/behavior"] {
        let b = jget(cx, &format!("{c}{path}")).await;
        num(
            &b["purchase_frequency"]["average_purchases"],
            "average_purchases",
        );
        for k in ["single_purchase", "2-5_purchases", "6+_purchases"] {
            num(&b["purchase_frequency"]["frequency_distribution"][k], k);
        }
        for k in ["high_value", "medium_value", "low_value"] {
            num(&b["customer_segments"][k], k);
        }
        let rate = num(&b["retention_metrics"]["retention_rate"], "retention_rate");
        assert!((0.0..=100.0).contains(&rate));
        num(
            &b["retention_metrics"]["retained_customers"],
            "retained_customers",
        );
    }

    let perf = jget(cx, &format!("{c}/analytics/product/performance")).await;
    let top = perf["top_products"].as_array().unwrap();
    assert!(!top.is_empty() && top.len() <= 10);
    for p in top {
        int(&p["id"], "id");
        for k in ["units_sold", "revenue", "stock_quantity"] {
            num(&p[k], k);
        }
    }
    for (_, cat) in perf["category_performance"].as_object().unwrap() {
        for k in ["total_revenue", "units_sold", "avg_turnover"] {
            num(&cat[k], k);
        }
    }
    assert_problem(
        raw(
            cx,
            &format!("{c}/analytics/product/performance?category=Nope"),
        )
        .await,
        422,
    )
    .await;

    let geo = jget(cx, &format!("{c}/analytics/geographic")).await;
    assert!(!geo["regional_sales"].as_array().unwrap().is_empty());
    for r in geo["regional_sales"].as_array().unwrap() {
        assert!(r["region"].is_string());
        num(&r["total_sales"], "total_sales");
        num(&r["num_customers"], "num_customers");
    }
    for (_, prefs) in geo["regional_preferences"].as_object().unwrap() {
        for p in prefs.as_array().unwrap() {
            assert!(p["product_name"].is_string() && p["category"].is_string());
            num(&p["units_sold"], "units_sold");
        }
    }

    let cards = jget(cx, &format!("{c}/analytics/key-metrics")).await;
    for card in cards.as_array().unwrap() {
        assert!(card["label"].is_string());
        num(&card["value"], "value");
        num(&card["change"], "change");
        assert!(["currency", "number", "percent"].contains(&card["format"].as_str().unwrap()));
    }

    let categories = jget(cx, &format!("{c}/inventory/categories")).await;
    let first = categories[0].as_str().unwrap().to_owned();
    let products = jget(cx, &format!("{c}/inventory/products")).await;
    assert_eq!(products.as_array().unwrap().len(), 100);
    let supplier = products[0]["supplier_id"].as_i64().unwrap();
    let filtered = jget(
        cx,
        &format!(
            "{c}/inventory/products?category={}&supplier_id={supplier}",
            first.replace('&', "%26").replace(' ', "%20")
        ),
    )
    .await;
    for p in filtered.as_array().unwrap() {
        assert_eq!(p["category"], first.as_str());
        assert!(num(&p["price"], "price") > 0.0);
        assert!(int(&p["stock_quantity"], "stock_quantity") >= 0);
    }
    assert_problem(
        raw(cx, &format!("{c}/inventory/products?category=Nope")).await,
        404,
    )
    .await;
    let rid = recent[0]["id"].as_i64().unwrap();
    (id, rid, products[0].clone())
}

#[tokio::test]
async fn every_native_commerce_path_answers_the_contract_fields_over_the_demo_shop() {
    let app = shop("150").await;
    let admin = app.admin().await;
    let t = admin.access.as_str();
    let c = "/commerce";
    let cx = Cx {
        client: &app.client,
        c: app.url(c),
        token: Some(t),
    };
    let (id, rid, product) = check_contract_paths(&cx, 150).await;

    // the overview's totals equal the plain sums over the window ending at the latest transaction
    let url = format!("sqlite://{}", app.app_database().display());
    let pool =
        tessera_store::DbPool::connect(&url, &tessera_store::PoolOptions::default()).unwrap();
    let mut conn = pool.get().unwrap();
    let org = tessera_store::organizations::find_by_name(&mut conn, "Demo")
        .unwrap()
        .unwrap()
        .id;
    use tessera_store::commerce::transactions as txs;
    let latest = txs::latest(&mut conn, org).unwrap().unwrap();
    let (all, lifetime) = txs::totals(&mut conn, org, None).unwrap();
    assert!(all > 0);
    for (range, hours) in [("24h", 24), ("7d", 168), ("30d", 720), ("90d", 2160)] {
        let start = latest - chrono::Duration::hours(hours);
        let (count, cents) = txs::totals(&mut conn, org, Some(start)).unwrap();
        let o = json_ok(
            &app,
            &format!("{c}/dashboard/overview?time_range={range}"),
            t,
        )
        .await;
        assert_eq!(o["transactions"]["transaction_count"], count, "{range}");
        assert_eq!(o["sales"]["total"], cents as f64 / 100.0, "{range}");
        assert_eq!(
            o["sales"]["total_lifetime"],
            lifetime as f64 / 100.0,
            "{range}"
        );
        let series: f64 = o["sales"]["hourly_breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["num_transactions"].as_f64().unwrap())
            .sum();
        assert!(
            series >= count as f64 - 1e-9,
            "{range}: the series covers the window"
        );
    }

    let seg = json_ok(&app, &format!("{c}/customers/segments"), t).await;
    assert_eq!(seg["total_customers"], 150);
    let buyers = seg["customers_with_purchases"].as_u64().unwrap();
    assert!(buyers > 0);
    let segments = seg["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 6);
    let segmented: u64 = segments
        .iter()
        .map(|s| s["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(segmented, buyers, "every buyer is in exactly one segment");
    assert!(segments.iter().any(|s| s["segment"] == "champions"));
    let cohorts = seg["cohorts"].as_array().unwrap();
    assert!(!cohorts.is_empty() && cohorts.len() <= 12);
    for co in cohorts {
        assert_eq!(co["retention"][0], 100.0);
        assert!(co["cohort"].as_str().unwrap().len() == 7);
    }

    // without a token: 401 everywhere
    assert_problem(app.get(&format!("{c}/dashboard/overview"), None).await, 401).await;

    // a stranger's organisation sees none of it
    let (_, stranger) = app.register_and_login("stranger", Some("Elsewhere")).await;
    let s = stranger.access.as_str();
    let theirs = json_ok(&app, &format!("{c}/customers"), s).await;
    assert_eq!(theirs["total"], 0);
    assert_problem(app.get(&format!("{c}/customers/{id}"), Some(s)).await, 404).await;
    assert_problem(
        app.get(&format!("{c}/transactions/{rid}"), Some(s)).await,
        404,
    )
    .await;
    assert_eq!(
        json_ok(&app, &format!("{c}/transactions/recent"), s).await,
        json!([])
    );
    assert_eq!(
        json_ok(&app, &format!("{c}/inventory/products"), s).await,
        json!([])
    );
    let r = app
        .post(
            &format!("{c}/transactions"),
            json!({"customer_id": id, "product_id": product["id"], "quantity": 1, "payment_method": "paypal"}),
            Some(s),
        )
        .await;
    assert_problem(r, 404).await;
    let r = patch(
        &app,
        &format!("{c}/transactions/{rid}"),
        json!({"status": "refunded"}),
        s,
    )
    .await;
    assert_problem(r, 404).await;
    // every reading of the stranger's organisation is empty, none shows the demo shop
    let o = json_ok(&app, &format!("{c}/dashboard/overview?time_range=90d"), s).await;
    assert_eq!(o["customers"]["total_customers"], 0);
    assert_eq!(o["sales"]["total_lifetime"], 0.0);
    assert_eq!(o["alerts"]["low_stock_products"], json!([]));
    let status = json_ok(&app, &format!("{c}/alerts/system-status"), s).await;
    assert_eq!(status["active_alerts"], json!([]));
    assert_eq!(status["status"], "healthy");
    for path in ["/analytics/customer/behavior", "/customers/behavior"] {
        let b = json_ok(&app, &format!("{c}{path}"), s).await;
        assert_eq!(b["retention_metrics"]["total_customers"], 0, "{path}");
    }
    let perf = json_ok(&app, &format!("{c}/analytics/product/performance"), s).await;
    assert_eq!(perf["top_products"], json!([]));
    let geo = json_ok(&app, &format!("{c}/analytics/geographic"), s).await;
    assert_eq!(geo["regional_sales"], json!([]));
    let cards = json_ok(&app, &format!("{c}/analytics/key-metrics"), s).await;
    assert!(cards.as_array().unwrap().iter().all(|k| k["value"] == 0.0));
    assert_eq!(
        json_ok(&app, &format!("{c}/inventory/categories"), s).await,
        json!([])
    );
    assert_eq!(
        json_ok(&app, &format!("{c}/transactions/suspicious"), s).await,
        json!([])
    );
    let seg = json_ok(&app, &format!("{c}/customers/segments"), s).await;
    assert_eq!(seg["customers_with_purchases"], 0);
}

async fn patch(app: &TestApp, path: &str, body: Value, token: &str) -> reqwest::Response {
    app.client
        .patch(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_post_is_scored_refused_cleanly_and_a_flagged_one_is_reviewed() {
    let app = shop("20").await;
    let admin = app.admin().await;
    let t = admin.access.as_str();
    let customer = json_ok(&app, "/commerce/customers?page_size=1", t).await["items"][0].clone();
    let cid = customer["id"].as_i64().unwrap();
    let products = json_ok(&app, "/commerce/inventory/products?limit=1000", t).await;
    let product = products
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["stock_quantity"].as_i64().unwrap() >= 50)
        .unwrap()
        .clone();
    let pid = product["id"].as_i64().unwrap();
    let stock = product["stock_quantity"].as_i64().unwrap();
    let post = |body: Value| {
        let app = &app;
        async move { app.post("/commerce/transactions", body, Some(t)).await }
    };

    // refusals write nothing
    for (body, status) in [
        (
            json!({"customer_id": cid, "product_id": pid, "quantity": 0, "payment_method": "paypal"}),
            422,
        ),
        (
            json!({"customer_id": cid, "product_id": pid, "quantity": 1, "price": 0, "payment_method": "paypal"}),
            422,
        ),
        (
            json!({"customer_id": cid, "product_id": pid, "quantity": 1, "payment_method": "cash"}),
            422,
        ),
        // a timestamp far in the past (or ahead) is refused before anything is read
        (
            json!({"customer_id": cid, "product_id": pid, "quantity": 1, "payment_method": "paypal", "timestamp": "1900-01-01T00:00:00Z"}),
            422,
        ),
        (
            json!({"customer_id": cid, "product_id": pid, "quantity": 1, "payment_method": "paypal", "timestamp": "2999-01-01T00:00:00Z"}),
            422,
        ),
        (
            json!({"customer_id": 999_999, "product_id": pid, "quantity": 1, "payment_method": "paypal"}),
            404,
        ),
        (
            json!({"customer_id": cid, "product_id": 999_999, "quantity": 1, "payment_method": "paypal"}),
            404,
        ),
        (
            json!({"customer_id": cid, "product_id": pid, "quantity": 1000, "payment_method": "paypal"}),
            409,
        ),
    ] {
        assert_problem(post(body.clone()).await, status).await;
    }
    let after = json_ok(&app, "/commerce/inventory/products?limit=1000", t).await;
    let same = after
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == pid)
        .unwrap();
    assert_eq!(same["stock_quantity"], stock, "a refused post took stock");

    // a viewer may read but not post
    let (_, viewer) = app.member(&admin, "viewer").await;
    let r = app
        .post(
            "/commerce/transactions",
            json!({"customer_id": cid, "product_id": pid, "quantity": 1, "payment_method": "paypal"}),
            Some(&viewer.access),
        )
        .await;
    assert_problem(r, 403).await;

    // six quick purchases: the sixth within the hour is flagged for velocity
    let before = json_ok(&app, &format!("/commerce/customers/{cid}"), t).await["total_spent"]
        .as_f64()
        .unwrap();
    let mut last = Value::Null;
    for _ in 0..6 {
        let r = post(json!({"customer_id": cid, "product_id": pid, "quantity": 1, "price": 10.0, "payment_method": "paypal"})).await;
        assert_eq!(r.status().as_u16(), 201);
        last = r.json().await.unwrap();
        check_fraud_result(&last["fraud_check_result"]);
    }
    assert_eq!(last["status"], "flagged", "{last}");
    assert!(last["fraud_check_result"]["reasons"]
        .as_array()
        .unwrap()
        .contains(&json!("High transaction velocity")));
    let id = last["id"].as_i64().unwrap();
    let stored = json_ok(&app, &format!("/commerce/transactions/{id}"), t).await;
    assert_eq!(stored["fraud_check_result"], last["fraud_check_result"]);
    let recent = json_ok(&app, "/commerce/transactions/recent", t).await;
    assert_eq!(recent[0]["fraud_check_result"], last["fraud_check_result"]);
    let status = json_ok(&app, "/commerce/alerts/system-status", t).await;
    let suspicious = status["active_alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "suspicious_transaction")
        .expect("a flagged transaction raises the alert")
        .clone();
    assert!(suspicious["alert_metadata"]["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == id));

    // the flagged one does not count until reviewed; the first five (completed) do
    let mid = json_ok(&app, &format!("/commerce/customers/{cid}"), t).await["total_spent"]
        .as_f64()
        .unwrap();
    let completed = 10.0
        * recent
            .as_array()
            .unwrap()
            .iter()
            .take(6)
            .filter(|r| r["status"] == "completed")
            .count() as f64;
    assert!(
        (mid - before - completed).abs() < 1e-9,
        "{mid} {before} {completed}"
    );
    assert_problem(
        patch(
            &app,
            &format!("/commerce/transactions/{id}"),
            json!({"status": "completed"}),
            &viewer.access,
        )
        .await,
        403,
    )
    .await;
    assert_problem(
        patch(
            &app,
            &format!("/commerce/transactions/{id}"),
            json!({"status": "pending"}),
            t,
        )
        .await,
        422,
    )
    .await;
    let r = patch(
        &app,
        &format!("/commerce/transactions/{id}"),
        json!({"status": "completed"}),
        t,
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    let settled: Value = r.json().await.unwrap();
    assert_eq!(settled["status"], "completed");
    time(&settled["reviewed_at"], "reviewed_at");
    let end = json_ok(&app, &format!("/commerce/customers/{cid}"), t).await["total_spent"]
        .as_f64()
        .unwrap();
    assert!((end - mid - 10.0).abs() < 1e-9);
    // reviewed once only
    assert_problem(
        patch(
            &app,
            &format!("/commerce/transactions/{id}"),
            json!({"status": "refunded"}),
            t,
        )
        .await,
        409,
    )
    .await;
}

/// 32 clients post 2,000 transactions for five customers; afterwards recalculation from the
/// rows finds every ledger already exact, and stock moved by exactly what was sold.
#[tokio::test]
async fn concurrent_posts_lose_no_update_on_every_engine() {
    for engine in [
        tessera_testkit::Engine::Sqlite,
        tessera_testkit::Engine::Postgres,
        tessera_testkit::Engine::Mysql,
    ] {
        let Some(db) = tessera_testkit::TestDatabase::create(engine) else {
            continue;
        };
        let url = match engine {
            tessera_testkit::Engine::Sqlite => {
                format!("sqlite://{}", db.sqlite_path().unwrap().display())
            }
            _ => db.url.clone(),
        };
        let app = spawn_app_with(&[
            ("DATABASE_URL", url.as_str()),
            ("TESSERA_BOOTSTRAP__DEMO_CUSTOMERS", "5"),
        ])
        .await;
        let admin = app.admin().await;
        let t = admin.access.clone();
        let customers: Vec<i64> = json_ok(&app, "/commerce/customers", &t).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert_eq!(customers.len(), 5);
        let products: Vec<(i64, i64)> =
            json_ok(&app, "/commerce/inventory/products?limit=1000", &t)
                .await
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["id"].as_i64().unwrap(),
                        p["stock_quantity"].as_i64().unwrap(),
                    )
                })
                .filter(|p| p.1 >= 100)
                .collect();
        let stock_before: i64 = products.iter().map(|p| p.1).sum();
        let app = std::sync::Arc::new(app);
        let products = std::sync::Arc::new(products);
        let customers = std::sync::Arc::new(customers);
        let mut clients = Vec::new();
        for client in 0..32usize {
            let (app, t, products, customers) =
                (app.clone(), t.clone(), products.clone(), customers.clone());
            clients.push(tokio::spawn(async move {
                let mut sold = 0;
                for i in 0..(2000 / 32 + usize::from(client < 2000 % 32)) {
                    let n = client * 1000 + i;
                    let body = json!({
                        "customer_id": customers[n % 5],
                        "product_id": products[n % products.len()].0,
                        "quantity": 1 + (n % 3) as i64,
                        "price": 5.0 + (n % 17) as f64 * 3.25,
                        "payment_method": if n % 7 == 0 { "bank_transfer" } else { "credit_card" },
                    });
                    let r = app.post("/commerce/transactions", body, Some(&t)).await;
                    assert_eq!(r.status().as_u16(), 201, "{:?}", r.text().await);
                    sold += 1 + (n % 3) as i64;
                }
                sold
            }));
        }
        let mut sold = 0;
        for c in clients {
            sold += c.await.unwrap();
        }
        // 32 first posts arriving together computed the global amount baseline once (they
        // once ran 32 full aggregates side by side: the slowest tail of the post benchmark)
        let metrics = app.metrics().await;
        assert!(
            metrics.contains("tessera_commerce_baseline_computations_total 1\n"),
            "{engine:?}: {}",
            metrics
                .lines()
                .find(|l| l.starts_with("tessera_commerce_baseline"))
                .unwrap_or("no baseline counter")
        );
        let after: i64 = json_ok(&app, "/commerce/inventory/products?limit=1000", &t)
            .await
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| products.iter().any(|(id, _)| p["id"] == *id))
            .map(|p| p["stock_quantity"].as_i64().unwrap())
            .sum();
        assert_eq!(
            stock_before - after,
            sold,
            "{engine:?}: stock moved by what was sold"
        );
        let pool =
            tessera_store::DbPool::connect(&url, &tessera_store::PoolOptions::default()).unwrap();
        let mut conn = pool.get().unwrap();
        let org = tessera_store::organizations::find_by_name(&mut conn, "Demo")
            .unwrap()
            .unwrap()
            .id;
        let rules = tessera_api::CommerceSettings::default().fraud;
        let first = tessera_api::commerce::service::ledgers::recalculate(&mut conn, org, &rules, 2)
            .unwrap();
        assert_eq!(first.customers, 5);
        assert_eq!(first.changed, 0, "{engine:?}: a ledger lost an update");
        // the hourly sales the posts kept equal the plain sums (the overview reads them)
        let (count, cents) =
            tessera_store::commerce::transactions::totals(&mut conn, org, None).unwrap();
        let hours =
            tessera_store::commerce::rollup::hours(&mut conn, org, i64::MIN, i64::MAX).unwrap();
        let kept = hours.iter().fold((0, 0), |(n, c), h| (n + h.2, c + h.1));
        assert_eq!(
            kept,
            (count, cents),
            "{engine:?}: the hourly sales lost a post"
        );
        let o = json_ok(&app, "/commerce/dashboard/overview?time_range=90d", &t).await;
        assert_eq!(
            o["sales"]["total_lifetime"],
            cents as f64 / 100.0,
            "{engine:?}"
        );
        // the cohort months are read with each engine's own date function
        let seg = json_ok(&app, "/commerce/customers/segments", &t).await;
        assert_eq!(seg["customers_with_purchases"], 5, "{engine:?}");
        let cohorts = seg["cohorts"].as_array().unwrap();
        assert!(!cohorts.is_empty(), "{engine:?}");
        let now = chrono::Utc::now().format("%Y-%m").to_string();
        assert!(cohorts
            .iter()
            .all(|c| c["cohort"].as_str().unwrap() <= now.as_str()));
    }
}

#[tokio::test]
async fn recalculate_totals_restores_corrupted_ledgers_and_a_second_run_changes_nothing() {
    use tessera_store::commerce::customers;
    let app = shop("30").await;
    let admin = app.admin().await;
    let t = admin.access.as_str();
    let before = json_ok(&app, "/commerce/customers?page_size=100", t).await;
    let url = format!("sqlite://{}", app.app_database().display());
    let pool =
        tessera_store::DbPool::connect(&url, &tessera_store::PoolOptions::default()).unwrap();
    let mut conn = pool.get().unwrap();
    let org = tessera_store::organizations::find_by_name(&mut conn, "Demo")
        .unwrap()
        .unwrap()
        .id;
    let ids: Vec<i64> = before["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    for (n, id) in ids.iter().take(3).enumerate() {
        let mut l = customers::ledger(&mut conn, org, *id).unwrap();
        match n {
            0 => l.total_spent_cents += 12_345,
            1 => l.amount_mean += 1.0,
            _ => l.risk_score = 0.99,
        }
        customers::set_ledger(&mut conn, org, *id, &l).unwrap();
    }
    let env = std::collections::HashMap::from([("DATABASE_URL".to_owned(), url.clone())]);
    let settings = tessera_server::Settings::load_from(None, env).unwrap();
    let first = tessera_server::bootstrap::recalculate_totals(&mut conn, &settings, 7).unwrap();
    let demo = first.iter().find(|(name, _)| name == "Demo").unwrap().1;
    assert_eq!(demo.customers, 30);
    assert_eq!(demo.changed, 3);
    let after = json_ok(&app, "/commerce/customers?page_size=100", t).await;
    assert_eq!(
        after, before,
        "recalculation restores what the write path had"
    );
    let second = tessera_server::bootstrap::recalculate_totals(&mut conn, &settings, 7).unwrap();
    assert!(second.iter().all(|(_, d)| d.changed == 0), "{second:?}");
}
