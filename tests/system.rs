//! Health, metrics, the OpenAPI document, Swagger UI and cross-cutting headers.

use serde_json::Value;
use tessera_e2e::{spawn_app, spawn_app_with};

#[tokio::test]
async fn health_reports_the_database() {
    let app = spawn_app().await;
    let r = app.get("/health", None).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["database"]["status"], "ok");
    assert_eq!(v["database"]["backend"], "sqlite");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.get("/health", None).await;
    app.get("/users/me", None).await;
    let text = app.metrics().await;
    assert!(
        text.contains("# TYPE tessera_http_requests_total counter"),
        "{text}"
    );
    assert!(
        text.contains(
            r#"tessera_http_requests_total{method="GET",route="/api/v1/health",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/users/me",status="401""#),
        "{text}"
    );
    assert!(
        text.contains("tessera_http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(text.contains("tessera_db_pool_connections"), "{text}");
}

#[tokio::test]
async fn served_spec_is_openapi_3_1_and_matches_the_committed_file() {
    let app = spawn_app().await;
    let served: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(served["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../openapi/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        served, committed,
        "openapi/openapi.json is stale: run `make openapi`"
    );
    let mut ids = std::collections::HashSet::new();
    for ops in served["paths"].as_object().unwrap().values() {
        for op in ops
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_object)
        {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                assert!(ids.insert(id.to_owned()), "operationId {id} is not unique");
            }
        }
    }
    for (path, ops) in served["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            let has_error = responses
                .keys()
                .any(|c| c.starts_with('4') || c.starts_with('5'));
            assert!(has_error, "{method} {path} documents no error response");
        }
    }
}

#[tokio::test]
async fn swagger_ui_is_served_without_internet_assets() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "{html}"
    );
    let init = app
        .client
        .get(format!("{}/docs/swagger-initializer.js", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/v1/openapi.json"), "{init}");
}

#[tokio::test]
async fn answers_carry_request_ids_and_security_headers() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert_eq!(h.get("x-request-id").unwrap(), "trace-me-42");
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
    assert!(h.get("content-security-policy").is_some());
    let r = app.get("/health", None).await;
    assert_eq!(
        r.headers().get("x-request-id").unwrap().len(),
        36,
        "a generated UUID"
    );
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = spawn_app_with(&[("TESSERA_HTTP__CORS_ORIGINS", "https://app.example")]).await;
    let ok = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/users/me"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.headers().get("access-control-allow-origin").unwrap(),
        "https://app.example"
    );
    let other = app
        .client
        .get(app.url("/health"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn unusual_methods_share_one_metric_label() {
    let app = spawn_app().await;
    let m = reqwest::Method::from_bytes(b"BREW").unwrap();
    app.client
        .request(m, app.url("/health"))
        .send()
        .await
        .unwrap();
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains(r#"method="OTHER""#), "{text}");
    assert!(!text.contains("BREW"), "{text}");
}
