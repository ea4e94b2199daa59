//! `spawn_app()`: boots the real server on a random port against a fresh SQLite database,
//! and small helpers that read like the API's own vocabulary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use tessera_server::{Application, Settings};

/// The test secret (tests forge tokens with it).
pub const SECRET: &str = "e2e-test-secret-0123456789abcdef";
/// The demo admin's password in tests.
pub const ADMIN_PASSWORD: &str = "admin-password-1";
/// The demo admin's email.
pub const ADMIN_EMAIL: &str = "admin@example.com";

/// A running server with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client without cookies or redirects.
    pub client: Client,
    /// Stops the server and its job workers.
    pub handle: tessera_server::AppHandle,
    /// The server's clock: `advance` it instead of sleeping.
    pub clock: std::sync::Arc<tessera_domain::OffsetClock>,
    /// `http://127.0.0.1:PORT` of each compatibility front, in configuration order.
    pub fronts: Vec<String>,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

/// Starts a server with test settings (cheap bcrypt, rate limits off).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts a server with extra environment-style settings (`TESSERA_...` keys).
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_app_adjusted(extra, |_| {}).await
}

/// Starts a server with extra settings, then lets the test change the loaded settings.
pub async fn spawn_app_adjusted(
    extra: &[(&str, &str)],
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_app_in(
        std::sync::Arc::new(tempfile::tempdir().unwrap()),
        extra,
        adjust,
    )
    .await
}

/// Starts a server on the database and directories of `dir` (a second start after a stop
/// sees what the first left behind).
pub async fn spawn_app_in(
    dir: std::sync::Arc<tempfile::TempDir>,
    extra: &[(&str, &str)],
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert(
        "DATABASE_URL".into(),
        format!("sqlite://{}/tessera.db", dir.path().display()),
    );
    env.insert("SECRET_KEY".into(), SECRET.into());
    env.insert(
        "TESSERA_AUTH__SECRET_KEY_FILE".into(),
        format!("{}/secret.key", dir.path().display()),
    );
    env.insert("TESSERA_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into());
    env.insert("TESSERA_AUTH__BCRYPT_COST".into(), "4".into());
    env.insert("TESSERA_HTTP__RATE_LIMIT__ENABLED".into(), "false".into());
    env.insert("TESSERA_SERVER__WORKERS".into(), "2".into());
    env.insert("TESSERA_LOG__LEVEL".into(), "warn".into());
    env.insert(
        "TESSERA_SOURCES__SQLITE_DIR".into(),
        format!("{}/sources", dir.path().display()),
    );
    env.insert("TESSERA_BOOTSTRAP__DEMO_ROWS".into(), "2000".into());
    // the demo shop only where a test asks for it (tests/commerce.rs)
    env.insert("TESSERA_BOOTSTRAP__DEMO_CUSTOMERS".into(), "0".into());
    // and the demo retail chain only where a test asks for it (tests/retail.rs)
    env.insert("TESSERA_BOOTSTRAP__DEMO_STORES".into(), "0".into());
    env.insert(
        "UPLOAD_DIR".into(),
        format!("{}/uploads", dir.path().display()),
    );
    env.insert(
        "REPORTS_DIR".into(),
        format!("{}/reports", dir.path().display()),
    );
    env.insert("TESSERA_REPORTS__POLL_INTERVAL_MS".into(), "50".into());
    env.insert(
        "TESSERA_EXTRACTS__DIR".into(),
        format!("{}/extracts", dir.path().display()),
    );
    // the extract schedule only where a test asks for it (tests/extracts.rs)
    env.insert("TESSERA_EXTRACTS__SCHEDULER".into(), "false".into());
    // the alert scheduler only where a test asks for it (tests/alerts.rs)
    env.insert("TESSERA_ALERTS__SCHEDULER".into(), "false".into());
    for (k, v) in extra {
        env.insert((*k).into(), (*v).into());
    }
    let mut settings = Settings::load_from(None, env).unwrap();
    adjust(&mut settings);
    let clock = std::sync::Arc::new(tessera_domain::OffsetClock::default());
    let app = Application::build_with_clock(&settings, "127.0.0.1:0", clock.clone()).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let fronts = app
        .front_ports()
        .into_iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        base,
        client,
        handle,
        clock,
        fronts,
        _dir: dir,
    }
}

impl TestApp {
    /// The directory SQLite sources must live in.
    pub fn sources_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("sources")
    }

    /// The directory an organisation's SQLite sources live in (`sources/<organisation id>`).
    pub async fn org_sources_dir(&self, tokens: &Tokens) -> std::path::PathBuf {
        let me: serde_json::Value = self
            .get("/users/me", Some(&tokens.access))
            .await
            .json()
            .await
            .unwrap();
        self.sources_dir()
            .join(me["organization_id"].as_str().unwrap())
    }

    /// Runs `sql` in the SQL lab on a source.
    pub async fn run_sql(&self, token: &str, source_id: &str, sql: &str) -> Response {
        self.post(
            "/queries/run",
            serde_json::json!({"source_id": source_id, "sql": sql}),
            Some(token),
        )
        .await
    }

    /// The directory holding the database, uploads and reports (to start again on it).
    pub fn dir(&self) -> std::sync::Arc<tempfile::TempDir> {
        self._dir.clone()
    }

    /// Uploads a file as a dataset with extra form fields; answers the response.
    pub async fn upload(
        &self,
        token: &str,
        file_name: &str,
        bytes: Vec<u8>,
        fields: &[(&str, &str)],
    ) -> Response {
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
        for (k, v) in fields {
            form = form.text((*k).to_owned(), (*v).to_owned());
        }
        self.client
            .post(self.url("/datasets/upload"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Uploads a file and answers the created dataset, failing the test otherwise.
    pub async fn dataset(&self, token: &str, file_name: &str, bytes: Vec<u8>) -> Value {
        let r = self.upload(token, file_name, bytes, &[]).await;
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "upload {file_name}: {body}");
        body
    }

    /// Polls a report until its job ends; answers the report.
    pub async fn wait_report(&self, token: &str, id: &str) -> Value {
        for _ in 0..1200 {
            let v: Value = self
                .get(&format!("/reports/{id}"), Some(token))
                .await
                .json()
                .await
                .unwrap();
            if matches!(v["status"].as_str(), Some("succeeded" | "failed")) {
                return v;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("report {id} did not finish within a minute");
    }

    /// The Prometheus text of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        self.client
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The app database file.
    pub fn app_database(&self) -> std::path::PathBuf {
        self._dir.path().join("tessera.db")
    }

    /// DELETE with a bearer token.
    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}

impl TestApp {
    /// Uploads a public dataset; answers its id.
    pub async fn public_dataset(&self, token: &str, file_name: &str, bytes: Vec<u8>) -> String {
        let r = self
            .upload(token, file_name, bytes, &[("is_public", "true")])
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        v["id"].as_str().unwrap().to_owned()
    }

    /// Creates a SQLite file in the caller's organisation's directory with `sql` and registers
    /// it as a source named `name`; answers the source's id.
    pub async fn sqlite_source(&self, tokens: &Tokens, name: &str, sql: &str) -> String {
        let file = format!("{name}.db");
        tessera_testkit::sqlite_file(&self.org_sources_dir(tokens).await.join(&file), sql);
        let r = self
            .post(
                "/data-sources",
                json!({"name": name, "kind": "sqlite", "url": format!("sqlite://{file}")}),
                Some(&tokens.access),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        v["id"].as_str().unwrap().to_owned()
    }

    /// The id of the caller's organisation's source named `name`.
    pub async fn source_id(&self, tokens: &Tokens, name: &str) -> String {
        let v: Value = self
            .get("/data-sources", Some(&tokens.access))
            .await
            .json()
            .await
            .unwrap();
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// A Parquet file of `rows` rows of one integer column.
pub fn parquet_of_rows(rows: usize) -> Vec<u8> {
    use tessera_analytics::polars::prelude::*;
    parquet_of(df!("x" => vec![1i64; rows]).unwrap())
}

/// The bytes of `df` written as Parquet.
fn parquet_of(mut df: tessera_analytics::polars::prelude::DataFrame) -> Vec<u8> {
    let f = tempfile::Builder::new()
        .suffix(".parquet")
        .tempfile()
        .unwrap();
    tessera_analytics::ingest::write_parquet(&mut df, f.path()).unwrap();
    std::fs::read(f.path()).unwrap()
}

/// Tokens of a logged-in user.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    /// `BASE/api/v1{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{}", self.base, path)
    }

    /// GET with an optional bearer token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut rq = self.client.get(self.url(path));
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        rq.send().await.unwrap()
    }

    /// POST JSON with an optional bearer token.
    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Response {
        let mut rq = self.client.post(self.url(path)).json(&body);
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        rq.send().await.unwrap()
    }

    /// PUT JSON with a bearer token.
    pub async fn put(&self, path: &str, body: Value, token: &str) -> Response {
        self.client
            .put(self.url(path))
            .json(&body)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Registers a new user with a new organisation; answers their email.
    pub async fn register(&self, tag: &str, org: Option<&str>) -> String {
        let email = format!(
            "{tag}-{}@example.org",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let mut body = json!({"email": email, "password": "correct-horse-9", "full_name": format!("{tag} user")});
        if let Some(org) = org {
            body["organization_name"] = json!(org);
        }
        let r = self.post("/auth/register", body, None).await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "register: {}",
            r.text().await.unwrap()
        );
        email
    }

    /// Logs in with the JSON endpoint.
    pub async fn login(&self, email: &str, password: &str) -> Tokens {
        let r = self
            .post(
                "/auth/login/json",
                json!({"email": email, "password": password}),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        Tokens {
            access: v["access_token"].as_str().unwrap().into(),
            refresh: v["refresh_token"].as_str().unwrap().into(),
        }
    }

    /// Registers and logs in.
    pub async fn register_and_login(&self, tag: &str, org: Option<&str>) -> (String, Tokens) {
        let email = self.register(tag, org).await;
        let tokens = self.login(&email, "correct-horse-9").await;
        (email, tokens)
    }

    /// The demo admin's tokens.
    pub async fn admin(&self) -> Tokens {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// An admin creates a member of their organisation and the member logs in.
    pub async fn member(&self, admin: &Tokens, role: &str) -> (String, Tokens) {
        let email = format!(
            "{role}-{}@example.org",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let r = self
            .post("/users", json!({"email": email, "password": "member-pass-1", "full_name": "Member", "role": role}), Some(&admin.access))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let tokens = self.login(&email, "member-pass-1").await;
        (email, tokens)
    }
}

/// Asserts an RFC 9457 problem answer with the given status, and answers its body.
pub async fn assert_problem(r: Response, status: u16) -> Value {
    let got = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = r.text().await.unwrap();
    assert_eq!(got, status, "status; body: {body}");
    assert!(
        ctype.starts_with("application/problem+json"),
        "content type {ctype}; body: {body}"
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"].as_u64(), Some(u64::from(status)), "{v}");
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    assert!(v["type"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    v
}

/// A semicolon CSV with a text, a float, a boolean and a date column.
pub const SAMPLE_CSV: &str = "city;amount;ok;day\nOslo;10.5;true;2024-01-31\nRiga;7;false;2024-02-29\nOslo;1.25;true;2024-03-01\n";

/// A small Parquet file.
pub fn parquet_bytes() -> Vec<u8> {
    use tessera_analytics::polars::prelude::*;
    parquet_of(df!("x" => [1i64, 2, 3], "label" => ["a", "b", "c"]).unwrap())
}

/// A small workbook with a sheet named Sales.
pub fn xlsx_bytes() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Sales").unwrap();
    for (c, h) in ["region", "units", "price"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (region, units, price)) in [("north", 3, 9.5), ("south", 5, 4.25), ("north", 8, 1.0)]
        .iter()
        .enumerate()
    {
        let row = r as u32 + 1;
        sheet.write_string(row, 0, *region).unwrap();
        sheet.write_number(row, 1, f64::from(*units)).unwrap();
        sheet.write_number(row, 2, *price).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// Every format of the issue, by file name and bytes.
pub fn all_formats() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("sales.csv", SAMPLE_CSV.as_bytes().to_vec()),
        ("sales.xlsx", xlsx_bytes()),
        (
            "rows.json",
            br#"[{"a": 1, "b": "x"}, {"a": 2, "b": "y"}, {"a": 3, "b": null}]"#.to_vec(),
        ),
        (
            "rows.ndjson",
            b"{\"a\": 1, \"b\": \"x\"}\n{\"a\": 2, \"b\": \"y\"}\n".to_vec(),
        ),
        ("table.parquet", parquet_bytes()),
    ]
}
