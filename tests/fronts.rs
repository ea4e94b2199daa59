//! Compatibility fronts (issue 12 point 6): the TechMart app's paths on their own listener,
//! anonymous when configured and 401 without, a built app served from `static_dir` with its
//! index.html for client routes and nothing outside it, counted in /metrics; the chart-api
//! front; and the production guard against anonymous public fronts.

use serde_json::Value;
use tessera_e2e::{assert_problem, spawn_app_adjusted, TestApp};
use tessera_server::settings::FrontSettings;

use crate::commerce::{check_contract_paths, Cx};

fn front(
    kind: &str,
    anonymous_role: Option<&str>,
    static_dir: Option<&std::path::Path>,
) -> FrontSettings {
    FrontSettings {
        kind: serde_json::from_value(Value::String(kind.into())).unwrap(),
        bind: "127.0.0.1:0".into(),
        organization: "Demo".into(),
        static_dir: static_dir.map(std::path::Path::to_path_buf),
        anonymous_role: anonymous_role.map(str::to_owned),
        anonymous_public: false,
    }
}

/// The paths the TechMart app calls (contract §3).
const CONTRACT_PATHS: [&str; 11] = [
    "/dashboard/overview",
    "/transactions/recent",
    "/customers",
    "/customers/1",
    "/alerts/system-status",
    "/analytics/customer/behavior",
    "/analytics/product/performance",
    "/analytics/geographic",
    "/analytics/key-metrics",
    "/inventory/categories",
    "/inventory/products",
];

async fn with_fronts(fronts: Vec<FrontSettings>) -> TestApp {
    spawn_app_adjusted(&[("TESSERA_BOOTSTRAP__DEMO_CUSTOMERS", "60")], move |s| {
        s.fronts = fronts;
    })
    .await
}

async fn get(app: &TestApp, url: &str) -> reqwest::Response {
    app.client.get(url).send().await.unwrap()
}

#[tokio::test]
async fn the_techmart_front_answers_every_contract_path_anonymously_and_serves_the_app() {
    let build = tempfile::tempdir().unwrap();
    let root = build.path().join("build");
    std::fs::create_dir_all(root.join("static/js")).unwrap();
    std::fs::write(
        root.join("index.html"),
        "<!doctype html><title>TechMart</title>",
    )
    .unwrap();
    std::fs::write(root.join("static/js/main.1234.js"), "console.log(1)").unwrap();
    std::fs::write(build.path().join("outside.txt"), "secret").unwrap();
    let app = with_fronts(vec![front("techmart", Some("viewer"), Some(&root))]).await;
    let base = app.fronts[0].clone();

    // every call the app makes, without any credentials
    let cx = Cx {
        client: &app.client,
        c: format!("{base}/api/v1"),
        token: None,
    };
    check_contract_paths(&cx, 60).await;
    // the original's trailing-slash route too
    let r = get(
        &app,
        &format!("{base}/api/v1/customers/?page=1&page_size=10"),
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    // a viewer cannot write through the front
    let r = app
        .client
        .post(format!("{base}/api/v1/transactions"))
        .json(&serde_json::json!({"customer_id": 1, "product_id": 1, "quantity": 1, "payment_method": "paypal"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 403).await;

    // the front's own OpenAPI document lists the contract's paths
    let spec: Value = get(&app, &format!("{base}/api/v1/openapi.json"))
        .await
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/dashboard/overview",
        "/api/v1/customers",
        "/api/v1/alerts/system-status",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} missing from the front's document: {:?}",
            spec["paths"]
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
        );
    }

    // the built app, with index.html for client-side routes
    let js = get(&app, &format!("{base}/static/js/main.1234.js")).await;
    assert_eq!(js.status().as_u16(), 200);
    assert!(js.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    for route in [
        "/",
        "/analytics",
        "/customers",
        "/inventory",
        "/settings",
        "/no/such/page",
    ] {
        let r = get(&app, &format!("{base}{route}")).await;
        assert_eq!(r.status().as_u16(), 200, "{route}");
        assert!(r.text().await.unwrap().contains("TechMart"), "{route}");
    }
    // never a file outside static_dir
    for attack in [
        "/../outside.txt",
        "/static/../../outside.txt",
        "/%2e%2e/outside.txt",
        "/..%2foutside.txt",
    ] {
        let r = get(&app, &format!("{base}{attack}")).await;
        let text = r.text().await.unwrap();
        assert!(
            !text.contains("secret"),
            "{attack} leaked a file outside static_dir"
        );
    }
    // unknown API paths stay problems, not the app
    let r = get(&app, &format!("{base}/api/v1/nothing-here")).await;
    assert_problem(r, 404).await;

    // counted in /metrics by front and route
    let metrics = get(&app, &format!("{}/metrics", app.base))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("tessera_front_requests_total")
                && l.contains("front=\"techmart@127.0.0.1:")
                && l.contains("route=\"/api/v1/dashboard/overview\"")),
        "no front counter in /metrics"
    );
}

#[tokio::test]
async fn a_front_without_an_anonymous_role_needs_a_token_of_its_organisation() {
    let app = with_fronts(vec![front("techmart", None, None)]).await;
    let base = app.fronts[0].clone();
    for path in CONTRACT_PATHS {
        let r = get(&app, &format!("{base}/api/v1{path}")).await;
        assert_problem(r, 401).await;
    }
    let admin = app.admin().await;
    let r = app
        .client
        .get(format!("{base}/api/v1/dashboard/overview"))
        .bearer_auth(&admin.access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // a member of another organisation is refused
    let (_, stranger) = app
        .register_and_login("front-stranger", Some("Another Shop"))
        .await;
    let r = app
        .client
        .get(format!("{base}/api/v1/customers"))
        .bearer_auth(&stranger.access)
        .send()
        .await
        .unwrap();
    assert_problem(r, 403).await;
    // without static_dir, a page route is a problem, not a file
    assert_problem(get(&app, &format!("{base}/analytics")).await, 404).await;
}

#[tokio::test]
async fn the_chart_api_front_serves_the_chart_seed_paths() {
    let app = with_fronts(vec![front("chart-api", Some("viewer"), None)]).await;
    let base = app.fronts[0].clone();
    let health = get(&app, &format!("{base}/health")).await;
    assert_eq!(health.status().as_u16(), 200);
    let r = get(&app, &format!("{base}/api/charts/metrics")).await;
    assert_eq!(r.status().as_u16(), 200, "{:?}", r.text().await);
    let r = get(
        &app,
        &format!("{base}/api/charts/bar?metric=revenue&period=30d"),
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    // the commerce paths are not on this front
    assert_problem(get(&app, &format!("{base}/api/v1/customers")).await, 404).await;
}

#[test]
fn production_refuses_an_anonymous_front_on_a_public_address() {
    let mut f = front("techmart", Some("viewer"), None);
    f.bind = "0.0.0.0:8001".into();
    let env = std::collections::HashMap::from([
        ("TESSERA_PROFILE".to_owned(), "production".to_owned()),
        ("SECRET_KEY".to_owned(), "x".repeat(40)),
    ]);
    let mut settings = tessera_server::Settings::load_from(None, env.clone()).unwrap();
    settings.fronts = vec![f.clone()];
    let err = settings.validate().unwrap_err().to_string();
    assert!(err.contains("anonymous_public"), "{err}");
    f.anonymous_public = true;
    settings.fronts = vec![f.clone()];
    assert!(settings.validate().is_ok());
    // loopback needs no opt-in; an unknown role is refused
    f.anonymous_public = false;
    f.bind = "127.0.0.1:8001".into();
    settings.fronts = vec![f.clone()];
    assert!(settings.validate().is_ok());
    f.anonymous_role = Some("superuser".into());
    settings.fronts = vec![f];
    assert!(settings.validate().is_err());
}

/// The calls the Brickhouse app makes (contract §3–4), with the app's own query strings.
const BRICKHOUSE_CALLS: [&str; 19] = [
    "/api/users/1",
    "/api/users/26",
    "/api/stores?page=1&limit=50",
    "/api/stores/regions/options",
    "/api/products/categories/list",
    "/api/orders?page=1&limit=10",
    "/api/orders/status/summary",
    "/api/products/bulk?ids=3,1,7",
    "/api/products/3",
    "/api/products?page=1&limit=50",
    "/api/inventory/warehouse?limit=100",
    "/api/stores/options?",
    "/api/inventory/kpi?region=all&category=Energy+Drink",
    "/api/inventory/alerts/low-stock",
    "/api/inventory/trends?days=30",
    "/api/inventory/categories",
    "/api/orders/analytics/regional-performance",
    "/api/orders/analytics/status-distribution?days=30",
    "/api/orders/analytics/demand-forecast?days_back=90&days_forward=30",
];

#[tokio::test]
async fn the_brickhouse_front_answers_the_apps_calls_anonymously_and_places_orders() {
    let build = tempfile::tempdir().unwrap();
    std::fs::write(
        build.path().join("index.html"),
        "<!doctype html><title>Brickhouse</title>",
    )
    .unwrap();
    let app = spawn_app_adjusted(&[("TESSERA_BOOTSTRAP__DEMO_STORES", "25")], {
        let dir = build.path().to_path_buf();
        move |s| {
            s.fronts = vec![
                front("brickhouse", Some("editor"), Some(&dir)),
                front("brickhouse", None, None),
            ]
        }
    })
    .await;
    let (open, closed) = (app.fronts[0].clone(), app.fronts[1].clone());
    for call in BRICKHOUSE_CALLS {
        let r = get(&app, &format!("{open}{call}")).await;
        assert_eq!(r.status().as_u16(), 200, "{call}");
        let v: Value = r.json().await.unwrap();
        assert!(
            v.is_object() || !v.as_array().unwrap().is_empty(),
            "{call}: empty"
        );
        assert_problem(get(&app, &format!("{closed}{call}")).await, 401).await;
    }
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(30)).format("%Y-%m-%d");
    let to = today.format("%Y-%m-%d");
    for call in [
        format!("/api/orders?page=1&limit=10&date_from={from}&date_to={to}"),
        format!("/api/orders/status/summary?date_from={from}&date_to={to}"),
        format!("/api/orders/analytics/fulfillment-timeline?date_from={from}&date_to={to}"),
    ] {
        let r = get(&app, &format!("{open}{call}")).await;
        assert_eq!(r.status().as_u16(), 200, "{call}");
    }
    // the app's Submit Order, Edit and Cancel, exactly as it sends them
    let r = app
        .client
        .post(format!("{open}/api/orders"))
        .json(&serde_json::json!({"from_store_id": 1, "to_store_id": 2, "product_id": 3, "quantity_cases": 1,
            "requested_by": 1, "approved_by": 26, "notes": "Order placed via dashboard for X - Delivery to Y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let placed: Value = r.json().await.unwrap();
    let id = placed["data"]["order_id"].as_i64().unwrap();
    let list: Value = get(&app, &format!("{open}/api/orders?page=1&limit=10"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["data"][0]["order_id"], id,
        "the new order is listed first"
    );
    let r = app
        .client
        .put(format!("{open}/api/orders/{id}"))
        .json(&serde_json::json!({"quantity_cases": 2, "notes": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = app
        .client
        .put(format!("{open}/api/orders/{id}/cancel"))
        .json(&serde_json::json!({"reason": "Order cancelled by user"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // another organisation's token is refused on every call, however open the front is
    let (_, stranger) = app.register_and_login("stranger", Some("Elsewhere")).await;
    for call in BRICKHOUSE_CALLS {
        let r = app
            .client
            .get(format!("{open}{call}"))
            .bearer_auth(&stranger.access)
            .send()
            .await
            .unwrap();
        assert_problem(r, 403).await;
    }
    // an anonymous editor is no regional manager: approval is refused
    assert_problem(
        app.client
            .patch(format!("{open}/api/orders/1/approve"))
            .json(&serde_json::json!({"approved_by": 26}))
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    // the directory's write paths are native only: the anonymous editor opens no store,
    // changes no product and relinks no staff member through the front
    for (method, path) in [
        (reqwest::Method::POST, "/api/stores"),
        (reqwest::Method::PATCH, "/api/products/1"),
        (reqwest::Method::POST, "/api/staff"),
        (reqwest::Method::PATCH, "/api/users/26"),
    ] {
        let r = app
            .client
            .request(method, format!("{open}{path}"))
            .json(&serde_json::json!({"store_name": "Mine", "brand": "X", "account_id": null}))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        assert!(status == 404 || status == 405, "{path}: {status}");
    }
    let stores: Value = get(&app, &format!("{open}/api/stores"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        stores.as_array().unwrap().len(),
        26,
        "the warehouse and 25 stores"
    );
    // health, the bundle at /, index.html for other GETs, problems for unknown API paths
    assert_eq!(
        get(&app, &format!("{open}/api/health"))
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        get(&app, &format!("{open}/health")).await.status().as_u16(),
        200
    );
    let page = get(&app, &format!("{open}/some/typo"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Brickhouse"));
    assert_problem(get(&app, &format!("{open}/api/nothing")).await, 404).await;
}
