//! The retail directory's write paths over HTTP (opening stores, adding products, keeping the
//! staff directory and the account acting as each member, with the roles each needs and
//! refusals that change nothing) and the retail low-stock alert in the system alerts feed.

use std::time::Duration;

use serde_json::{json, Value};
use tessera_e2e::{assert_problem, spawn_app, TestApp};

use crate::retail::{json_ok, me, patch};

fn store_body(code: &str, kind: &str) -> Value {
    json!({"store_name": format!("{code} Store"), "store_code": code, "address": "1 Main St",
           "city": "Chicago", "state": "IL", "zip_code": "60601", "region": "Midwest",
           "store_type": kind})
}

fn product_body(name: &str) -> Value {
    json!({"product_name": name, "brand": "Fizz", "category": "Cola", "package_size": "6x2L",
           "unit_price": 12.5})
}

/// The inventory rows the token's organisation has, as `(store, product, quantity)`.
async fn rows(app: &TestApp, token: &str) -> Vec<(i64, i64, i64)> {
    let v = json_ok(
        app.get("/retail/inventory?limit=500", Some(token)).await,
        "inventory",
    )
    .await;
    let mut out: Vec<_> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["store_id"].as_i64().unwrap(),
                r["product_id"].as_i64().unwrap(),
                r["quantity_cases"].as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn fields(p: &Value) -> Vec<&str> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn stores_products_and_staff_are_created_and_changed_by_the_roles_that_may() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = admin.access.as_str();
    let (_, editor) = app.member(&admin, "editor").await;
    let e = editor.access.as_str();
    let (_, manager) = app.member(&admin, "editor").await;
    let (_, viewer) = app.member(&admin, "viewer").await;
    let (_, stranger) = app
        .register_and_login("retail-stranger", Some("Elsewhere"))
        .await;
    let manager_id = me(&app, &manager).await["id"].as_str().unwrap().to_owned();
    let stranger_id = me(&app, &stranger).await["id"].as_str().unwrap().to_owned();

    // a product before any store has no inventory row yet
    let r = app
        .post("/retail/products", product_body("Cherry Cola 2L"), Some(e))
        .await;
    assert_eq!(r.status().as_u16(), 201);
    let p = json_ok(r, "product").await;
    assert_eq!(
        (p["product_id"].as_i64(), p["unit_price"].as_f64()),
        (Some(1), Some(12.5))
    );
    assert!(rows(&app, e).await.is_empty());

    // viewers write nothing; a store with missing fields is refused naming them
    assert_problem(
        app.post(
            "/retail/stores",
            store_body("WH", "Warehouse"),
            Some(&viewer.access),
        )
        .await,
        403,
    )
    .await;
    let p = assert_problem(
        app.post("/retail/stores", json!({"store_name": "WH"}), Some(e))
            .await,
        422,
    )
    .await;
    assert_eq!(
        fields(&p),
        [
            "store_code",
            "address",
            "city",
            "state",
            "zip_code",
            "region",
            "store_type"
        ]
    );
    let v = json_ok(app.get("/retail/stores", Some(e)).await, "stores").await;
    assert!(v.as_array().unwrap().is_empty(), "{v}");

    // a store opens with an empty row of every product; a product then stocks every store
    let r = app
        .post("/retail/stores", store_body("WH", "Warehouse"), Some(e))
        .await;
    assert_eq!(r.status().as_u16(), 201);
    let wh = json_ok(r, "warehouse").await;
    assert_eq!(
        (wh["store_id"].as_i64(), wh["store_type"].as_str()),
        (Some(1), Some("Warehouse"))
    );
    assert_eq!(rows(&app, e).await, [(1, 1, 0)]);
    let r = app
        .post("/retail/stores", store_body("CHI", "Urban"), Some(e))
        .await;
    assert_eq!(r.status().as_u16(), 201);
    let r = app
        .post("/retail/products", product_body("Green Tea"), Some(e))
        .await;
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(
        rows(&app, e).await,
        [(1, 1, 0), (1, 2, 0), (2, 1, 0), (2, 2, 0)]
    );
    // a code in use is a conflict and adds nothing
    assert_problem(
        app.post("/retail/stores", store_body("WH", "Urban"), Some(e))
            .await,
        409,
    )
    .await;
    assert_eq!(rows(&app, e).await.len(), 4);

    // a PATCH changes what it sends and keeps the rest; an invalid field changes nothing
    let v = json_ok(
        patch(
            &app,
            "/retail/stores/2",
            Some(json!({"city": "Denver", "state": "co"})),
            e,
        )
        .await,
        "patch store",
    )
    .await;
    assert_eq!(
        (
            v["city"].as_str(),
            v["state"].as_str(),
            v["store_name"].as_str()
        ),
        (Some("Denver"), Some("CO"), Some("CHI Store"))
    );
    let p = assert_problem(
        patch(
            &app,
            "/retail/stores/2",
            Some(json!({"state": "Colorado", "city": "Boulder"})),
            e,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["state"]);
    let v = json_ok(app.get("/retail/stores/2", Some(e)).await, "store").await;
    assert_eq!(v["city"], "Denver");
    assert_problem(
        patch(
            &app,
            "/retail/stores/2",
            Some(json!({"store_code": "WH"})),
            e,
        )
        .await,
        409,
    )
    .await;
    let v = json_ok(
        patch(
            &app,
            "/retail/products/2",
            Some(json!({"unit_price": 9.99})),
            e,
        )
        .await,
        "patch product",
    )
    .await;
    assert_eq!(
        (v["unit_price"].as_f64(), v["product_name"].as_str()),
        (Some(9.99), Some("Green Tea"))
    );
    assert_problem(
        patch(
            &app,
            "/retail/products/2",
            Some(json!({"unit_price": 0})),
            e,
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        patch(&app, "/retail/products/99", Some(json!({"brand": "X"})), e).await,
        404,
    )
    .await;
    assert_problem(
        patch(
            &app,
            "/retail/products/2",
            Some(json!({"brand": "X"})),
            &viewer.access,
        )
        .await,
        403,
    )
    .await;
    // another organisation reaches none of it
    assert_problem(
        patch(
            &app,
            "/retail/stores/1",
            Some(json!({"city": "Nowhere"})),
            &stranger.access,
        )
        .await,
        404,
    )
    .await;
    assert_problem(
        patch(
            &app,
            "/retail/products/1",
            Some(json!({"brand": "X"})),
            &stranger.access,
        )
        .await,
        404,
    )
    .await;

    // the staff directory is the admins': it links the account that acts as a member
    let rm = json!({"username": "rm", "first_name": "Rita", "last_name": "Mar", "email": "rm@example.com",
                    "role": "regional_manager", "store_id": 1, "region": "Midwest", "account_id": manager_id});
    assert_problem(app.post("/retail/staff", rm.clone(), Some(e)).await, 403).await;
    let r = app.post("/retail/staff", rm.clone(), Some(a)).await;
    assert_eq!(r.status().as_u16(), 201);
    let s = json_ok(r, "staff").await;
    assert_eq!(
        (s["user_id"].as_i64(), s["account_id"].as_str()),
        (Some(1), Some(manager_id.as_str()))
    );
    let mut twin = rm.clone();
    twin["username"] = json!("rm2");
    let p = assert_problem(app.post("/retail/staff", twin.clone(), Some(a)).await, 409).await;
    assert!(
        p["detail"].as_str().unwrap().contains("staff member 1"),
        "{p}"
    );
    twin["account_id"] = json!(stranger_id);
    let p = assert_problem(app.post("/retail/staff", twin.clone(), Some(a)).await, 422).await;
    assert_eq!(fields(&p), ["account_id"]);
    twin["account_id"] = Value::Null;
    twin["username"] = json!("rm");
    assert_problem(app.post("/retail/staff", twin.clone(), Some(a)).await, 409).await;
    twin["username"] = json!("sm");
    twin["store_id"] = json!(42);
    assert_problem(app.post("/retail/staff", twin, Some(a)).await, 409).await;
    let v = json_ok(app.get("/retail/staff", Some(a)).await, "staff").await;
    assert_eq!(v.as_array().unwrap().len(), 1, "refusals added nobody: {v}");

    // the linked account approves; unlinked, it no longer may
    json_ok(
        patch(
            &app,
            "/retail/inventory/1/stock",
            Some(json!({"quantity_cases": 100})),
            e,
        )
        .await,
        "stock",
    )
    .await;
    for _ in 0..2 {
        let r = app
            .post(
                "/retail/orders",
                json!({"from_store_id": 1, "to_store_id": 2, "product_id": 1, "quantity_cases": 5}),
                Some(e),
            )
            .await;
        assert_eq!(r.status().as_u16(), 201);
    }
    assert_problem(patch(&app, "/retail/orders/1/approve", None, e).await, 403).await;
    let v = json_ok(
        patch(&app, "/retail/orders/1/approve", None, &manager.access).await,
        "approve",
    )
    .await;
    assert_eq!(v["order_status"], "approved");
    let v = json_ok(
        patch(
            &app,
            "/retail/staff/1",
            Some(json!({"account_id": null, "first_name": "Rita B."})),
            a,
        )
        .await,
        "unlink",
    )
    .await;
    assert_eq!(
        (
            v["account_id"].clone(),
            v["first_name"].as_str(),
            v["region"].as_str()
        ),
        (Value::Null, Some("Rita B."), Some("Midwest"))
    );
    assert_problem(
        patch(&app, "/retail/orders/2/approve", None, &manager.access).await,
        403,
    )
    .await;
    // a PATCH that only renames keeps the link as it is
    json_ok(
        patch(
            &app,
            "/retail/staff/1",
            Some(json!({"account_id": manager_id})),
            a,
        )
        .await,
        "relink",
    )
    .await;
    let v = json_ok(
        patch(&app, "/retail/staff/1", Some(json!({"region": null})), a).await,
        "clear region",
    )
    .await;
    assert_eq!(
        (v["account_id"].as_str(), v["region"].clone()),
        (Some(manager_id.as_str()), Value::Null)
    );
    assert_problem(
        patch(&app, "/retail/staff/1", Some(json!({"role": "janitor"})), a).await,
        422,
    )
    .await;
    assert_problem(
        patch(
            &app,
            "/retail/staff/1",
            Some(json!({"role": "store_manager"})),
            &stranger.access,
        )
        .await,
        404,
    )
    .await;
}

/// Polls the feed until `pred` holds for the retail low-stock alerts it answers.
async fn feed_until(
    app: &TestApp,
    token: &str,
    query: &str,
    pred: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let path = format!("/alerts/feed?type=retail_low_stock{query}");
    for _ in 0..100 {
        let v = json_ok(app.get(&path, Some(token)).await, "feed").await;
        let alerts = v["items"].as_array().unwrap().clone();
        if pred(&alerts) {
            return alerts;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the feed never reached the expected state ({path})");
}

#[tokio::test]
async fn low_stock_raises_a_retail_alert_in_the_feed_and_recovery_resolves_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = admin.access.as_str();
    let (_, stranger) = app
        .register_and_login("retail-alert-stranger", Some("Elsewhere"))
        .await;
    assert!(
        json_ok(app.get("/alerts/feed", Some(a)).await, "feed").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // a new store's empty rows are low stock: one open alert, an error since one has nothing
    for body in [store_body("WH", "Warehouse"), product_body("Cola")] {
        let path = if body.get("store_code").is_some() {
            "/retail/stores"
        } else {
            "/retail/products"
        };
        assert_eq!(app.post(path, body, Some(a)).await.status().as_u16(), 201);
    }
    let open = feed_until(&app, a, "", |al| al.len() == 1).await;
    let alert = &open[0];
    assert_eq!(
        (alert["type"].as_str(), alert["severity"].as_str()),
        (Some("retail_low_stock"), Some("error"))
    );
    assert_eq!(
        alert["message"],
        "1 store inventory row is at or under 50 cases available"
    );
    assert!(alert["resolved_at"].is_null());
    let item = &alert["metadata"]["items"][0];
    assert_eq!(
        (
            item["inventory_id"].as_i64(),
            item["store_id"].as_i64(),
            item["available_cases"].as_i64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(item["product_name"], "Cola");
    // raised again, it stays one alert; the TechMart feed never shows it
    json_ok(
        patch(
            &app,
            "/retail/inventory/1/stock",
            Some(json!({"quantity_cases": 20})),
            a,
        )
        .await,
        "stock",
    )
    .await;
    let open = feed_until(&app, a, "", |al| {
        al.len() == 1 && al[0]["severity"] == "warning"
    })
    .await;
    assert_eq!(open[0]["id"], alert["id"]);
    let status = json_ok(
        app.get("/commerce/alerts/system-status", Some(a)).await,
        "system status",
    )
    .await;
    assert!(
        status["active_alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["type"] != "retail_low_stock"),
        "{status}"
    );
    // another organisation's feed is its own
    assert!(json_ok(
        app.get("/alerts/feed", Some(&stranger.access)).await,
        "stranger feed"
    )
    .await["items"]
        .as_array()
        .unwrap()
        .is_empty());

    // stock recovers: the alert resolves and stays in the history
    json_ok(
        patch(
            &app,
            "/retail/inventory/1/stock",
            Some(json!({"quantity_cases": 500})),
            a,
        )
        .await,
        "restock",
    )
    .await;
    feed_until(&app, a, "", |al| al.is_empty()).await;
    let history = feed_until(&app, a, "&state=all", |al| al.len() == 1).await;
    assert!(history[0]["resolved_at"].is_string(), "{:?}", history[0]);

    // an approval that reserves down to the threshold raises it again
    assert_eq!(
        app.post("/retail/stores", store_body("CHI", "Urban"), Some(a))
            .await
            .status()
            .as_u16(),
        201
    );
    json_ok(
        patch(
            &app,
            "/retail/inventory/2/stock",
            Some(json!({"quantity_cases": 500})),
            a,
        )
        .await,
        "stock 2",
    )
    .await;
    feed_until(&app, a, "", |al| al.is_empty()).await;
    let r = app
        .post(
            "/retail/orders",
            json!({"from_store_id": 1, "to_store_id": 2, "product_id": 1, "quantity_cases": 460}),
            Some(a),
        )
        .await;
    assert_eq!(r.status().as_u16(), 201);
    json_ok(
        patch(&app, "/retail/orders/1/approve", None, a).await,
        "approve",
    )
    .await;
    let open = feed_until(&app, a, "", |al| al.len() == 1).await;
    assert_eq!(open[0]["metadata"]["items"][0]["available_cases"], 40);

    // resolved by hand: editors and admins of the organisation only; a second time it stays
    let id = open[0]["id"].as_i64().unwrap();
    let path = format!("/alerts/feed/{id}/resolve");
    let (_, viewer) = app.member(&admin, "viewer").await;
    assert_problem(app.post(&path, json!({}), Some(&viewer.access)).await, 403).await;
    assert_problem(
        app.post(&path, json!({}), Some(&stranger.access)).await,
        404,
    )
    .await;
    let done = json_ok(app.post(&path, json!({}), Some(a)).await, "resolve").await;
    assert!(done["resolved_at"].is_string(), "{done}");
    let again = json_ok(app.post(&path, json!({}), Some(a)).await, "resolve again").await;
    assert_eq!(again["resolved_at"], done["resolved_at"]);
    let resolved = json_ok(
        app.get(
            "/alerts/feed?state=resolved&severity=warning&limit=1",
            Some(a),
        )
        .await,
        "resolved page",
    )
    .await;
    assert_eq!(
        (
            resolved["total"].as_i64(),
            resolved["limit"].as_i64(),
            resolved["items"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1), Some(1)),
        "{resolved}"
    );

    // a malformed filter is a clear refusal
    for bad in [
        "type=volcano",
        "limit=0",
        "severity=loud",
        "state=sleeping",
        "page=0",
    ] {
        assert_problem(app.get(&format!("/alerts/feed?{bad}"), Some(a)).await, 422).await;
    }
}
