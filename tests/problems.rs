//! Every kind of bad input gets its 4xx status and an RFC 9457 problem body; none gets a 5xx.

use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;
use tessera_e2e::{assert_problem, spawn_app, spawn_app_with, SECRET};

#[tokio::test]
async fn unknown_route_is_404() {
    let app = spawn_app().await;
    assert_problem(app.get("/no-such-route", None).await, 404).await;
    assert_problem(
        app.client
            .get(format!("{}/nowhere", app.base))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[tokio::test]
async fn wrong_method_is_405() {
    let app = spawn_app().await;
    for (method, path) in [
        (reqwest::Method::DELETE, "/auth/login/json"),
        (reqwest::Method::GET, "/auth/register"),
        (reqwest::Method::PATCH, "/users/me"),
    ] {
        let r = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .unwrap();
        assert_problem(r, 405).await;
    }
}

#[tokio::test]
async fn a_very_long_name_registers_without_an_organisation_name() {
    let app = spawn_app().await;
    let body = json!({"email": "long@example.org", "password": "long-enough-1", "full_name": "n".repeat(200)});
    assert_eq!(app.post("/auth/register", body, None).await.status(), 201);
}

#[tokio::test]
async fn control_characters_in_names_are_422() {
    let app = spawn_app().await;
    let body =
        json!({"email": "nul@example.org", "password": "long-enough-1", "full_name": "a\u{0}b"});
    assert_problem(app.post("/auth/register", body, None).await, 422).await;
    let body = json!({"email": "nul2@example.org", "password": "long-enough-1", "full_name": "A", "organization_name": "x\u{0}"});
    assert_problem(app.post("/auth/register", body, None).await, 422).await;
}

#[tokio::test]
async fn a_refused_cors_preflight_is_a_problem() {
    let app =
        tessera_e2e::spawn_app_with(&[("TESSERA_HTTP__CORS_ORIGINS", "https://app.example")]).await;
    let r = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/users/me"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert!((400..500).contains(&status), "{status}");
    assert_problem(r, status).await;
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/auth/login/json"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400).await;
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_422() {
    let app = spawn_app().await;
    assert_problem(
        app.post(
            "/auth/login/json",
            json!({"email": 5, "password": []}),
            None,
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        app.post("/auth/register", json!({"password": "long-enough-1"}), None)
            .await,
        422,
    )
    .await;
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/auth/login/json"))
        .header("content-type", "text/plain")
        .body("email=a")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415).await;
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = spawn_app().await;
    let big = format!("{{\"email\":\"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let r = app
        .client
        .post(app.url("/auth/register"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_problem(r, 413).await;
}

#[tokio::test]
async fn short_password_and_malformed_email_are_422_with_field_errors() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/auth/register",
            json!({"email": "not-an-email", "password": "x", "full_name": "S"}),
            None,
        )
        .await;
    let p = assert_problem(r, 422).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"email") && fields.contains(&"password"),
        "{p}"
    );
}

#[tokio::test]
async fn missing_token_is_401() {
    let app = spawn_app().await;
    let r = app.get("/users/me", None).await;
    assert_eq!(
        r.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    assert_problem(r, 401).await;
    let r = app
        .client
        .get(app.url("/users/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_problem(r, 401).await;
}

#[tokio::test]
async fn forged_and_garbage_tokens_are_401() {
    let app = spawn_app().await;
    let (_, tokens) = app.register_and_login("forge", None).await;
    let mut forged = tokens.access.clone();
    let tail = if forged.ends_with("AAAA") {
        "BBBB"
    } else {
        "AAAA"
    };
    forged.replace_range(forged.len() - 4.., tail);
    assert_problem(app.get("/users/me", Some(&forged)).await, 401).await;
    assert_problem(app.get("/users/me", Some("not.a.jwt")).await, 401).await;
    let other_key = jsonwebtoken::encode(
        &Header::default(),
        &json!({"sub": uuid::Uuid::new_v4().to_string(), "org": uuid::Uuid::new_v4().to_string(), "role": "admin", "iss": "tessera", "iat": 0, "exp": 4_000_000_000u64, "jti": "x"}),
        &EncodingKey::from_secret(b"someone-elses-secret-123456"),
    )
    .unwrap();
    assert_problem(app.get("/users/me", Some(&other_key)).await, 401).await;
}

#[tokio::test]
async fn expired_token_is_401() {
    let app = spawn_app().await;
    let (_, tokens) = app.register_and_login("exp", None).await;
    let me: serde_json::Value = app
        .get("/users/me", Some(&tokens.access))
        .await
        .json()
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expired = jsonwebtoken::encode(
        &Header::default(),
        &json!({"sub": me["id"], "org": me["organization_id"], "role": "admin", "iss": "tessera", "iat": now - 3600, "exp": now - 600, "jti": "x"}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let p = assert_problem(app.get("/users/me", Some(&expired)).await, 401).await;
    assert!(p["detail"].as_str().unwrap().contains("expired"), "{p}");
}

#[tokio::test]
async fn forbidden_role_is_403() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, viewer) = app.member(&admin, "viewer").await;
    let r = app.post("/users", json!({"email": "x@example.org", "password": "xxxx-xxxx-1", "full_name": "X", "role": "admin"}), Some(&viewer.access)).await;
    assert_problem(r, 403).await;
}

#[tokio::test]
async fn bad_ids_and_paging_are_4xx() {
    let app = spawn_app().await;
    let (_, tokens) = app.register_and_login("ids", None).await;
    assert_problem(app.get("/users/not-an-id", Some(&tokens.access)).await, 404).await;
    assert_problem(
        app.get("/users?page=-1&limit=10", Some(&tokens.access))
            .await,
        422,
    )
    .await;
    assert_problem(app.get("/users?page=abc", Some(&tokens.access)).await, 422).await;
    assert_problem(
        app.get("/users?limit=100000", Some(&tokens.access)).await,
        422,
    )
    .await;
}

#[tokio::test]
async fn invalid_create_user_input_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let before: serde_json::Value = app
        .get("/users", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    let r = app.post("/users", json!({"email": "ok@example.org", "password": "long-enough-1", "full_name": "X", "role": "emperor"}), Some(&admin.access)).await;
    assert_problem(r, 422).await;
    let after: serde_json::Value = app
        .get("/users", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before["total"], after["total"]);
}

#[tokio::test]
async fn auth_routes_are_rate_limited_with_a_problem() {
    let app = spawn_app_with(&[
        ("TESSERA_HTTP__RATE_LIMIT__ENABLED", "true"),
        ("TESSERA_HTTP__RATE_LIMIT__AUTH_BURST", "3"),
        ("TESSERA_HTTP__RATE_LIMIT__AUTH_PER_MINUTE", "1"),
    ])
    .await;
    let mut limited = None;
    for _ in 0..6 {
        let r = app
            .post(
                "/auth/login/json",
                json!({"email": "a@example.org", "password": "whatever-1"}),
                None,
            )
            .await;
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("the sixth attempt within a second is limited");
    assert_problem(r, 429).await;
    // other routes are not affected by the auth bucket
    assert_eq!(app.get("/health", None).await.status(), 200);
}
