//! Regression tests replaying the attacks of the outside audit of `main` (issue 10): each test
//! reproduces an attack that once worked and shows that it no longer does, while the server
//! keeps answering.

use jsonwebtoken::{EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera_e2e::{assert_problem, spawn_app, spawn_app_with, TestApp, Tokens, SECRET};

const CSV: &str = "region,units\nnorth,3\nsouth,5\nnorth,8\n";

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

/// The caller's own user.
async fn me(app: &TestApp, t: &Tokens) -> Value {
    json_of(app.get("/users/me", Some(&t.access)).await).await
}

// ---------------------------------------------------------------------------------------------
// Roles and tokens

#[tokio::test]
async fn a_viewer_cannot_queue_reports_and_a_private_dataset_has_no_public_report() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, viewer) = app.member(&admin, "viewer").await;
    let d = app
        .dataset(&admin.access, "private.csv", CSV.as_bytes().to_vec())
        .await;
    let id = d["id"].as_str().unwrap();
    // the attack: a viewer publishes the top values of a private dataset to every organisation
    let r = app
        .post(
            "/reports/analyze",
            json!({"dataset_id": id, "report_title": "leak", "is_public": true}),
            Some(&viewer.access),
        )
        .await;
    assert_problem(r, 403).await;
    // an editor cannot either: the dataset is private
    let r = app
        .post(
            "/reports/analyze",
            json!({"dataset_id": id, "report_title": "leak", "is_public": true}),
            Some(&admin.access),
        )
        .await;
    let p = assert_problem(r, 422).await;
    assert_eq!(p["errors"][0]["field"], "is_public", "{p}");
    let (_, stranger) = app.register_and_login("stranger", Some("Elsewhere")).await;
    let public = json_of(app.get("/reports/public", Some(&stranger.access)).await).await;
    assert_eq!(public["total"], 0, "{public}");
    // a private report of it is fine
    let r = app
        .post(
            "/reports/analyze",
            json!({"dataset_id": id, "report_title": "mine"}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_removed_deactivated_or_demoted_member_loses_their_rights_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, editor) = app.member(&admin, "editor").await;
    let (_, gone) = app.member(&admin, "editor").await;
    let (viewer_email, viewer) = app.member(&admin, "viewer").await;
    let editor_id = me(&app, &editor).await["id"].as_str().unwrap().to_owned();
    let gone_id = me(&app, &gone).await["id"].as_str().unwrap().to_owned();
    let viewer_id = me(&app, &viewer).await["id"].as_str().unwrap().to_owned();

    // demoted: the editor's token still says editor, the database says viewer
    let r = app
        .put(
            &format!("/users/{editor_id}"),
            json!({"role": "viewer"}),
            &admin.access,
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            "/data-sources",
            json!({"name": "x", "kind": "sqlite", "url": "sqlite://x.db"}),
            Some(&editor.access),
        )
        .await;
    assert_problem(r, 403).await;

    // removed: the next request is a 401, and so is a refresh
    assert_eq!(
        app.delete(&format!("/users/{gone_id}"), &admin.access)
            .await
            .status(),
        204
    );
    assert_problem(app.get("/users/me", Some(&gone.access)).await, 401).await;
    assert_problem(
        app.post(
            "/auth/refresh",
            json!({"refresh_token": gone.refresh}),
            None,
        )
        .await,
        401,
    )
    .await;

    // deactivated: 401 on the next request, no login, no refresh; reactivated: back in
    let r = app
        .put(
            &format!("/users/{viewer_id}"),
            json!({"is_active": false}),
            &admin.access,
        )
        .await;
    assert_eq!(json_of(r).await["is_active"], false);
    let p = assert_problem(app.get("/users/me", Some(&viewer.access)).await, 401).await;
    assert!(p["detail"].as_str().unwrap().contains("deactivated"), "{p}");
    assert_problem(
        app.post(
            "/auth/login/json",
            json!({"email": viewer_email, "password": "member-pass-1"}),
            None,
        )
        .await,
        401,
    )
    .await;
    assert_problem(
        app.post(
            "/auth/refresh",
            json!({"refresh_token": viewer.refresh}),
            None,
        )
        .await,
        401,
    )
    .await;
    app.put(
        &format!("/users/{viewer_id}"),
        json!({"is_active": true}),
        &admin.access,
    )
    .await;
    app.login(&viewer_email, "member-pass-1").await;

    // only admins manage members, and an admin cannot lock themselves out
    let admin_id = me(&app, &admin).await["id"].as_str().unwrap().to_owned();
    assert_problem(
        app.delete(&format!("/users/{admin_id}"), &admin.access)
            .await,
        409,
    )
    .await;
    assert_problem(
        app.put(
            &format!("/users/{admin_id}"),
            json!({"role": "viewer"}),
            &admin.access,
        )
        .await,
        409,
    )
    .await;
    assert_problem(
        app.delete(&format!("/users/{viewer_id}"), &viewer.access)
            .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn a_token_for_a_user_that_does_not_exist_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = me(&app, &admin).await["organization_id"].clone();
    let now = chrono::Utc::now().timestamp();
    // signed with the right secret, naming the right organisation, for nobody
    let ghost = jsonwebtoken::encode(
        &Header::default(),
        &json!({"sub": uuid::Uuid::new_v4().to_string(), "org": org, "role": "admin", "iss": "tessera", "iat": now, "exp": now + 600, "jti": "x"}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_problem(app.get("/users/me", Some(&ghost)).await, 401).await;
    assert_problem(app.get("/data-sources", Some(&ghost)).await, 401).await;
    // a real user's id under another organisation's id
    let id = me(&app, &admin).await["id"].clone();
    let moved = jsonwebtoken::encode(
        &Header::default(),
        &json!({"sub": id, "org": uuid::Uuid::new_v4().to_string(), "role": "admin", "iss": "tessera", "iat": now, "exp": now + 600, "jti": "y"}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_problem(app.get("/users/me", Some(&moved)).await, 401).await;
}

#[tokio::test]
async fn only_admins_list_members_and_their_emails() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, editor) = app.member(&admin, "editor").await;
    let (_, viewer) = app.member(&admin, "viewer").await;
    for t in [&editor, &viewer] {
        assert_problem(app.get("/users", Some(&t.access)).await, 403).await;
        assert_problem(app.get("/users/role/admin", Some(&t.access)).await, 403).await;
        let admin_id = me(&app, &admin).await["id"].as_str().unwrap().to_owned();
        assert_problem(
            app.get(&format!("/users/{admin_id}"), Some(&t.access))
                .await,
            403,
        )
        .await;
        // themselves, yes
        let own = me(&app, t).await["id"].as_str().unwrap().to_owned();
        assert_eq!(
            app.get(&format!("/users/{own}"), Some(&t.access))
                .await
                .status(),
            200
        );
    }
    let all = json_of(app.get("/users", Some(&admin.access)).await).await;
    assert!(all["total"].as_u64().unwrap() >= 3);
}

#[tokio::test]
async fn public_listings_leave_out_other_organisations_ids() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .upload(
            &admin.access,
            "open.csv",
            CSV.as_bytes().to_vec(),
            &[("is_public", "true")],
        )
        .await;
    assert_eq!(r.status(), 201);
    let d = json_of(r).await;
    assert!(
        d["organization_id"].is_string(),
        "the owner sees its own ids"
    );
    let id = d["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/reports/analyze",
            json!({"dataset_id": id, "report_title": "open", "is_public": true}),
            Some(&admin.access),
        )
        .await;
    let rid = json_of(r).await["id"].as_str().unwrap().to_owned();
    app.wait_report(&admin.access, &rid).await;

    let (_, other) = app.register_and_login("other", Some("Other")).await;
    let list = json_of(app.get("/datasets", Some(&other.access)).await).await;
    let seen = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(seen.get("organization_id").is_none(), "{seen}");
    assert!(seen.get("owner_id").is_none(), "{seen}");
    let one = json_of(
        app.get(&format!("/datasets/{id}"), Some(&other.access))
            .await,
    )
    .await;
    assert!(one.get("organization_id").is_none() && one.get("owner_id").is_none());
    let public = json_of(app.get("/reports/public", Some(&other.access)).await).await;
    assert_eq!(public["total"], 1, "{public}");
    assert!(public["items"][0].get("organization_id").is_none());
    let rep = json_of(
        app.get(&format!("/reports/{rid}"), Some(&other.access))
            .await,
    )
    .await;
    assert!(rep.get("organization_id").is_none(), "{rep}");
    let body = serde_json::to_string(&public).unwrap() + &serde_json::to_string(&list).unwrap();
    let admin_me = me(&app, &admin).await;
    for secret in [&admin_me["organization_id"], &admin_me["id"]] {
        assert!(!body.contains(secret.as_str().unwrap()), "{secret} leaked");
    }
}

#[tokio::test]
async fn deleting_a_public_dataset_keeps_other_organisations_reports() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let id = app
        .public_dataset(&admin.access, "shared.csv", CSV.as_bytes().to_vec())
        .await;
    let (_, other) = app.register_and_login("other", Some("Other")).await;
    let r = app
        .post(
            "/reports/analyze",
            json!({"dataset_id": id, "report_title": "theirs", "is_public": true}),
            Some(&other.access),
        )
        .await;
    let theirs = json_of(r).await["id"].as_str().unwrap().to_owned();
    app.wait_report(&other.access, &theirs).await;
    let share = json_of(
        app.post(
            &format!("/reports/{theirs}/share"),
            json!({}),
            Some(&other.access),
        )
        .await,
    )
    .await;
    let token = share["token"].as_str().unwrap().to_owned();

    assert_eq!(
        app.delete(&format!("/datasets/{id}"), &admin.access)
            .await
            .status(),
        204
    );
    // the other organisation keeps its report, its results and its share link
    let rep = json_of(
        app.get(&format!("/reports/{theirs}"), Some(&other.access))
            .await,
    )
    .await;
    assert_eq!(rep["status"], "succeeded", "{rep}");
    assert!(rep["dataset_id"].is_null(), "{rep}");
    assert_eq!(rep["is_public"], false, "no longer listed publicly");
    let results = app
        .get(&format!("/reports/{theirs}/results"), Some(&other.access))
        .await;
    assert_eq!(results.status(), 200);
    let shared = app
        .get(&format!("/reports/shared/{token}?format=json"), None)
        .await;
    assert_eq!(shared.status(), 200);
}

#[tokio::test]
async fn another_organisations_queued_report_does_not_block_the_owners_delete() {
    // no workers: every job stays queued, as a long-running one would stay active
    let app = spawn_app_with(&[("TESSERA_REPORTS__WORKERS", "0")]).await;
    let admin = app.admin().await;
    let id = app
        .public_dataset(&admin.access, "shared.csv", CSV.as_bytes().to_vec())
        .await;
    let (_, other) = app.register_and_login("other", Some("Other")).await;
    let r = app
        .post(
            "/reports/analyze",
            json!({"dataset_id": id, "report_title": "pending"}),
            Some(&other.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(
        app.delete(&format!("/datasets/{id}"), &admin.access)
            .await
            .status(),
        204
    );
    // the owner's own queued report still blocks its own delete
    let d2 = app
        .dataset(&admin.access, "mine.csv", CSV.as_bytes().to_vec())
        .await;
    let id2 = d2["id"].as_str().unwrap();
    app.post(
        "/reports/analyze",
        json!({"dataset_id": id2, "report_title": "own"}),
        Some(&admin.access),
    )
    .await;
    assert_problem(
        app.delete(&format!("/datasets/{id2}"), &admin.access).await,
        409,
    )
    .await;
}

#[tokio::test]
async fn without_a_configured_secret_a_random_one_is_generated_and_kept() {
    let app = spawn_app_with(&[("SECRET_KEY", "")]).await;
    let key_file = app.dir().path().join("secret.key");
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert!(key.len() >= 64 && key != SECRET);
    let admin = app.admin().await;
    // the published test secret no longer forges anything
    let me_ = me(&app, &admin).await;
    let now = chrono::Utc::now().timestamp();
    let forged = jsonwebtoken::encode(
        &Header::default(),
        &json!({"sub": me_["id"], "org": me_["organization_id"], "role": "admin", "iss": "tessera", "iat": now, "exp": now + 600, "jti": "f"}),
        &EncodingKey::from_secret(b"dev-insecure-secret-change-me"),
    )
    .unwrap();
    assert_problem(app.get("/users/me", Some(&forged)).await, 401).await;
    // a restart on the same directory keeps the key: the token still works
    app.handle.stop().await;
    let again = tessera_e2e::spawn_app_in(app.dir(), &[("SECRET_KEY", "")], |_| {}).await;
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key);
    assert_eq!(
        again.get("/users/me", Some(&admin.access)).await.status(),
        200
    );
}

#[test]
fn the_placeholder_secret_is_refused_on_a_public_bind() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = std::collections::HashMap::new();
    env.insert(
        "DATABASE_URL".to_owned(),
        format!("sqlite://{}/t.db", dir.path().display()),
    );
    env.insert(
        "SECRET_KEY".to_owned(),
        "dev-insecure-secret-change-me".to_owned(),
    );
    env.insert("TESSERA_BOOTSTRAP__DEMO".to_owned(), "false".to_owned());
    let settings = tessera_server::Settings::load_from(None, env).unwrap();
    let refused = tessera_server::Application::build(&settings, "0.0.0.0:0");
    let Err(e) = refused else {
        panic!("a public bind with the placeholder secret started")
    };
    assert!(e.to_string().contains("placeholder"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Information leaks

/// Whether a text names an absolute filesystem path.
fn names_a_path(text: &str, dir: &std::path::Path) -> bool {
    let dir = dir.display().to_string();
    text.contains(&dir)
        || [
            "/etc/", "/tmp/", "/root", "/home/", "/var/", "/work/", "/data/",
        ]
        .iter()
        .any(|p| text.contains(p))
}

#[tokio::test]
async fn no_problem_detail_or_listing_names_a_server_path() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let dir = app.dir().path().to_path_buf();
    let org_dir = app.org_sources_dir(&admin).await;
    tessera_testkit::sqlite_file(&org_dir.join("shop.db"), "CREATE TABLE t (a INTEGER);");
    let mut details = Vec::new();
    let app_db = app.app_database().display().to_string();
    for url in [
        "sqlite://../../../../etc/passwd".to_owned(),
        "sqlite:///etc/passwd".to_owned(),
        "sqlite://missing.db".to_owned(),
        format!("sqlite://{app_db}"),
        format!("sqlite://{}", org_dir.join("shop.db").display()).replace("shop.db", "../shop.db"),
    ] {
        for path in ["/data-sources", "/data-sources/test"] {
            let r = app
                .post(
                    path,
                    json!({"name": "p", "kind": "sqlite", "url": url}),
                    Some(&admin.access),
                )
                .await;
            assert!(r.status().is_client_error(), "{url}: {}", r.status());
            details.push(r.text().await.unwrap());
        }
    }
    // a registered file that disappears
    let src = json_of(
        app.post(
            "/data-sources",
            json!({"name": "shop", "kind": "sqlite", "url": "sqlite://shop.db"}),
            Some(&admin.access),
        )
        .await,
    )
    .await;
    assert_eq!(src["database"], "shop.db", "{src}");
    let listed = app.get("/data-sources", Some(&admin.access)).await;
    details.push(listed.text().await.unwrap());
    std::fs::remove_file(org_dir.join("shop.db")).unwrap();
    let id = src["id"].as_str().unwrap();
    for r in [
        app.get(&format!("/data-sources/{id}/tables"), Some(&admin.access))
            .await,
        app.run_sql(&admin.access, id, "SELECT 1").await,
    ] {
        assert!(!r.status().is_success());
        details.push(r.text().await.unwrap());
    }
    for d in &details {
        assert!(!names_a_path(d, &dir), "a server path leaked: {d}");
    }
}

#[tokio::test]
async fn metrics_answer_only_local_clients_or_the_metrics_token() {
    let app = spawn_app().await;
    let url = format!("{}/metrics", app.base);
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 200);
    // through a proxy, the client is not local
    let proxied = app
        .client
        .get(&url)
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_problem(proxied, 401).await;

    let guarded =
        spawn_app_with(&[("TESSERA_HTTP__METRICS_TOKEN", "scrape-token-0123456789")]).await;
    let url = format!("{}/metrics", guarded.base);
    assert_problem(guarded.client.get(&url).send().await.unwrap(), 401).await;
    let wrong = guarded
        .client
        .get(&url)
        .bearer_auth("scrape-token-wrong")
        .send()
        .await
        .unwrap();
    assert_problem(wrong, 401).await;
    let right = guarded
        .client
        .get(&url)
        .bearer_auth("scrape-token-0123456789")
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("# TYPE"));
}

// ---------------------------------------------------------------------------------------------
// One organisation cannot starve the others

#[tokio::test]
async fn a_silent_host_holds_only_its_own_organisations_share() {
    // a host that accepts TCP and never says a word
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let app = std::sync::Arc::new(
        spawn_app_with(&[
            ("TESSERA_SOURCES__CONNECT_TIMEOUT_SECS", "3"),
            ("TESSERA_SOURCES__QUEUE_TIMEOUT_SECS", "1"),
            ("TESSERA_SOURCES__MAX_CONCURRENT_PER_ORG", "4"),
        ])
        .await,
    );
    let (_, attacker) = app.register_and_login("attacker", Some("Attacker")).await;
    // connect_timeout=0 would mean "wait forever" to libpq: it is clamped
    let src = json_of(
        app.post(
            "/data-sources",
            json!({"name": "silent", "kind": "postgres", "url": format!("postgres://u:p@127.0.0.1:{port}/db?connect_timeout=0")}),
            Some(&attacker.access),
        )
        .await,
    )
    .await;
    let id = src["id"].as_str().unwrap().to_owned();
    let mut flood = Vec::new();
    for _ in 0..60 {
        let (app, token, id) = (app.clone(), attacker.access.clone(), id.clone());
        flood.push(tokio::spawn(async move {
            app.post(
                "/queries/run",
                json!({"source_id": id, "sql": "SELECT 1"}),
                Some(&token),
            )
            .await
            .status()
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // everyone else answers at once: health, login, another organisation's source
    let admin = app.admin().await;
    let demo = app.source_id(&admin, "demo").await;
    for _ in 0..3 {
        let started = std::time::Instant::now();
        assert_eq!(app.get("/health", None).await.status(), 200);
        let r = app
            .run_sql(&admin.access, &demo, "SELECT COUNT(*) AS n FROM orders")
            .await;
        assert_eq!(r.status(), 200);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "another organisation waited {:?}",
            started.elapsed()
        );
    }
    let mut statuses = Vec::new();
    for f in flood {
        statuses.push(f.await.unwrap().as_u16());
    }
    // the attacker's own requests: refused (429) or unavailable (503), never hung
    assert!(
        statuses.iter().all(|s| *s == 429 || *s == 503),
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
    drop(silent);
}

#[tokio::test]
async fn connection_tests_are_rate_limited_per_organisation() {
    let app = spawn_app_with(&[("TESSERA_SOURCES__TESTS_PER_MINUTE", "3")]).await;
    let (_, a) = app.register_and_login("a", Some("A")).await;
    let (_, b) = app.register_and_login("b", Some("B")).await;
    let body = json!({"kind": "postgres", "url": "postgres://u:p@127.0.0.1:1/db"});
    for _ in 0..3 {
        let r = app
            .post("/data-sources/test", body.clone(), Some(&a.access))
            .await;
        assert_eq!(r.status(), 503);
    }
    assert_problem(
        app.post("/data-sources/test", body.clone(), Some(&a.access))
            .await,
        429,
    )
    .await;
    // another organisation has its own allowance
    assert_eq!(
        app.post("/data-sources/test", body, Some(&b.access))
            .await
            .status(),
        503
    );
}

#[tokio::test]
async fn a_closed_port_and_a_silent_host_fail_alike() {
    // a silent MySQL host is given up on after the connect plus the statement timeout (the
    // client's read timeout covers its greeting)
    let app = spawn_app_with(&[
        ("TESSERA_SOURCES__CONNECT_TIMEOUT_SECS", "1"),
        ("TESSERA_SOURCES__STATEMENT_TIMEOUT_SECS", "1"),
    ])
    .await;
    let admin = app.admin().await;
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let open = silent.local_addr().unwrap().port();
    let mut details = Vec::new();
    for url in [
        "postgres://u:p@127.0.0.1:1/db".to_owned(),
        format!("postgres://u:p@127.0.0.1:{open}/db"),
        "mysql://u:p@127.0.0.1:1/db".to_owned(),
        format!("mysql://u:p@127.0.0.1:{open}/db"),
        // a real server, wrong credentials
        "postgres://nobody:wrong@127.0.0.1:5432/test".to_owned(),
    ] {
        let kind = url.split(':').next().unwrap();
        let p = assert_problem(
            app.post(
                "/data-sources/test",
                json!({"kind": kind, "url": url}),
                Some(&admin.access),
            )
            .await,
            503,
        )
        .await;
        details.push(p["detail"].as_str().unwrap().to_owned());
    }
    details.dedup();
    assert_eq!(details.len(), 1, "{details:?}");
}

#[tokio::test]
async fn a_runaway_sqlite_statement_ends_at_its_deadline() {
    let app = spawn_app_with(&[("TESSERA_SOURCES__STATEMENT_TIMEOUT_SECS", "1")]).await;
    let admin = app.admin().await;
    let id = app
        .sqlite_source(&admin, "loop", "CREATE TABLE t (a INTEGER);")
        .await;
    let runaway =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c";
    // four runaways, then a rename: the statements stop, the source keeps answering
    let started = std::time::Instant::now();
    let running: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(
                app.client
                    .post(app.url("/queries/run"))
                    .bearer_auth(&admin.access)
                    .json(&json!({"source_id": id, "sql": runaway}))
                    .send(),
            )
        })
        .collect();
    for r in running {
        let r = r.await.unwrap().unwrap();
        let p = assert_problem(r, 422).await;
        assert!(p["detail"].as_str().unwrap().contains("timeout"), "{p}");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    app.put(
        &format!("/data-sources/{id}"),
        json!({"name": "loop-renamed"}),
        &admin.access,
    )
    .await;
    let r = app
        .run_sql(&admin.access, &id, "SELECT COUNT(*) AS n FROM t")
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn an_oversized_answer_is_cut_at_the_byte_budget() {
    let app = spawn_app_with(&[
        ("TESSERA_SOURCES__MAX_ANSWER_BYTES", "1000000"),
        ("TESSERA_SOURCES__MAX_CELL_BYTES", "200000"),
    ])
    .await;
    let admin = app.admin().await;
    let id = app
        .sqlite_source(&admin, "big", "CREATE TABLE t (a INTEGER);")
        .await;
    // SELECT repeat('x', 10000000) FROM generate_series(1, 100), in SQLite
    let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT printf('%.*c', 150000, 'x') AS big FROM n";
    let r = app.run_sql(&admin.access, &id, sql).await;
    assert_eq!(r.status(), 200);
    let v = json_of(r).await;
    assert_eq!(v["truncated"], true, "{}", v["truncated_reason"]);
    assert_eq!(v["truncated_reason"], "byte_budget");
    assert_eq!(v["has_more"], true);
    assert_eq!(v["row_count"], 7);
    // one cell larger than the cell limit is cut
    let sql = "SELECT printf('%.*c', 300000, 'y') AS big";
    let v = json_of(app.run_sql(&admin.access, &id, sql).await).await;
    assert_eq!(v["cells_truncated"], 1);
    assert_eq!(v["rows"][0][0].as_str().unwrap().len(), 200_000);
    // the CSV answer says so in its headers
    let r = app
        .client
        .post(app.url("/queries/run?format=csv"))
        .bearer_auth(&admin.access)
        .json(&json!({"source_id": id, "sql": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT printf('%.*c', 150000, 'x') AS big FROM n"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-truncated"], "byte_budget");
    assert!(r.bytes().await.unwrap().len() < 1_300_000);
}

// ---------------------------------------------------------------------------------------------
// Hostile uploads

#[tokio::test]
async fn hostile_files_are_refused_while_the_server_keeps_answering() {
    let app = spawn_app_with(&[("TESSERA_DATASETS__MAX_ROWS", "1000")]).await;
    let admin = app.admin().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_lines = format!("{}1{}\n", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    let corner = {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "a").unwrap();
        sheet.write_number(1_048_575, 16_383, 1.0).unwrap();
        book.save_to_buffer().unwrap()
    };
    let many_rows = tessera_e2e::parquet_of_rows(5000);
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("deep.json", deep.into_bytes(), 422),
        ("deep.ndjson", deep_lines.into_bytes(), 422),
        ("corner.xlsx", corner, 413),
        ("many.parquet", many_rows, 413),
    ];
    for (name, bytes, status) in cases {
        let r = app.upload(&admin.access, name, bytes, &[]).await;
        let p = assert_problem(r, status).await;
        assert!(
            !p["detail"].as_str().unwrap_or("").is_empty(),
            "{name}: {p}"
        );
        assert_eq!(app.get("/health", None).await.status(), 200, "after {name}");
    }
    let listed = json_of(app.get("/datasets", Some(&admin.access)).await).await;
    assert_eq!(listed["total"], 0, "nothing was stored");
    let uploads = app.dir().path().join("uploads").join("tmp");
    let left = std::fs::read_dir(&uploads).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "temporary files are cleaned up");
}

#[tokio::test]
async fn an_upload_larger_than_the_memory_budget_is_refused() {
    let app = spawn_app_with(&[("TESSERA_DATASETS__INGEST_MEMORY_MB", "16")]).await;
    let admin = app.admin().await;
    let mut csv = String::from("id,text\n");
    while csv.len() < 6 * 1024 * 1024 {
        csv.push_str("12345,some words in a cell of text\n");
    }
    let p = assert_problem(
        app.upload(&admin.access, "big.csv", csv.into_bytes(), &[])
            .await,
        413,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("ingest_memory_mb"),
        "{p}"
    );
    // a small one still fits
    app.dataset(&admin.access, "small.csv", CSV.as_bytes().to_vec())
        .await;
}

// ---------------------------------------------------------------------------------------------
// Report jobs

fn wide_csv(rows: usize) -> Vec<u8> {
    let mut out = String::from("id,a,b,c,d,e,f,g,label\n");
    for i in 0..rows {
        out.push_str(&format!(
            "{i},{},{},{},{},{},{},{},k{}\n",
            i % 97,
            (i * 7) % 1013,
            i as f64 / 3.0,
            (i * 31) % 9973,
            i % 2,
            (i * 13) % 101,
            i % 1000,
            i % 50
        ));
    }
    out.into_bytes()
}

#[tokio::test]
async fn a_small_organisation_is_not_held_up_by_a_large_ones_reports() {
    let app = spawn_app_with(&[("TESSERA_REPORTS__WORKERS", "2")]).await;
    let admin = app.admin().await;
    let (_, small) = app.register_and_login("small", Some("Small")).await;
    let big = app
        .dataset(&admin.access, "big.csv", wide_csv(150_000))
        .await;
    let tiny = app
        .dataset(&small.access, "tiny.csv", CSV.as_bytes().to_vec())
        .await;
    let mut big_reports = Vec::new();
    for i in 0..3 {
        let r = app
            .post(
                "/reports/analyze",
                json!({"dataset_id": big["id"], "report_title": format!("big {i}")}),
                Some(&admin.access),
            )
            .await;
        big_reports.push(json_of(r).await["id"].as_str().unwrap().to_owned());
    }
    let r = app
        .post(
            "/reports/analyze",
            json!({"dataset_id": tiny["id"], "report_title": "tiny"}),
            Some(&small.access),
        )
        .await;
    let tiny_id = json_of(r).await["id"].as_str().unwrap().to_owned();
    let done = app.wait_report(&small.access, &tiny_id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    // the small report finished before any of the large organisation's queue (which, first in
    // first out, would have taken both workers)
    for id in &big_reports {
        let big = json_of(
            app.get(&format!("/reports/{id}"), Some(&admin.access))
                .await,
        )
        .await;
        assert_ne!(big["status"], "succeeded", "{big}");
    }
    for id in &big_reports {
        assert_eq!(
            app.wait_report(&admin.access, id).await["status"],
            "succeeded"
        );
    }
}

#[tokio::test]
async fn an_organisation_cannot_queue_without_bound() {
    let app = spawn_app_with(&[
        ("TESSERA_REPORTS__WORKERS", "0"),
        ("TESSERA_REPORTS__MAX_QUEUED_PER_ORG", "2"),
    ])
    .await;
    let admin = app.admin().await;
    let d = app
        .dataset(&admin.access, "d.csv", CSV.as_bytes().to_vec())
        .await;
    for _ in 0..2 {
        let r = app
            .post(
                "/reports/analyze",
                json!({"dataset_id": d["id"], "report_title": "r"}),
                Some(&admin.access),
            )
            .await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    assert_problem(
        app.post(
            "/reports/analyze",
            json!({"dataset_id": d["id"], "report_title": "r"}),
            Some(&admin.access),
        )
        .await,
        429,
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Several processes on one database

/// Two servers on one app database (a fresh PostgreSQL database when reachable, as in
/// production, and a shared SQLite file), sharing the secret key.
async fn two_processes(
    engine: tessera_testkit::Engine,
) -> Option<(TestApp, TestApp, tessera_testkit::TestDatabase)> {
    let db = tessera_testkit::TestDatabase::create(engine)?;
    let url = match engine {
        tessera_testkit::Engine::Sqlite => format!("sqlite://{}", db.sqlite_path()?.display()),
        _ => db.url.clone(),
    };
    let first = spawn_app_with(&[("DATABASE_URL", url.as_str())]).await;
    let second =
        tessera_e2e::spawn_app_in(first.dir(), &[("DATABASE_URL", url.as_str())], |_| {}).await;
    Some((first, second, db))
}

/// How soon a change through one process is seen by another: they poll every 100 ms
/// (`charts.sync_interval_ms`); the bound leaves room for a loaded two-core machine running the
/// whole suite (1 s failed there once) and is still far below the answer cache's 300 s.
const PROPAGATION: std::time::Duration = std::time::Duration::from_secs(5);

#[tokio::test]
async fn a_source_deleted_through_one_process_is_refused_by_the_other_at_once() {
    for engine in [
        tessera_testkit::Engine::Postgres,
        tessera_testkit::Engine::Sqlite,
    ] {
        let Some((a, b, _db)) = two_processes(engine).await else {
            continue;
        };
        let admin = a.admin().await;
        let id = a
            .sqlite_source(
                &admin,
                "shop",
                "CREATE TABLE t (category TEXT, amount REAL); INSERT INTO t VALUES ('a', 1), ('b', 2);",
            )
            .await;
        let chart = json!({"source_id": id, "table": "t", "measures": [{"agg": "sum", "column": "amount"}], "dimensions": ["category"]});
        for _ in 0..2 {
            assert_eq!(
                b.post("/charts/query", chart.clone(), Some(&admin.access))
                    .await
                    .status(),
                200
            );
        }
        let cached = json_of(
            b.post("/charts/query", chart.clone(), Some(&admin.access))
                .await,
        )
        .await;
        assert_eq!(cached["metadata"]["cached"], true, "{engine:?}");
        assert_eq!(
            a.delete(&format!("/data-sources/{id}"), &admin.access)
                .await
                .status(),
            204
        );
        let started = std::time::Instant::now();
        loop {
            let r = b
                .post("/charts/query", chart.clone(), Some(&admin.access))
                .await;
            if r.status() == 404 {
                break;
            }
            assert!(
                started.elapsed() < PROPAGATION,
                "{engine:?}: the other process still answers {} for a deleted source",
                r.status()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }

        // a member removed through one process loses their token on the other too
        let (_, member) = a.member(&admin, "editor").await;
        assert_eq!(b.get("/users/me", Some(&member.access)).await.status(), 200);
        let member_id = json_of(b.get("/users/me", Some(&member.access)).await).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            a.delete(&format!("/users/{member_id}"), &admin.access)
                .await
                .status(),
            204
        );
        let started = std::time::Instant::now();
        while b.get("/users/me", Some(&member.access)).await.status() != 401 {
            assert!(started.elapsed() < PROPAGATION, "{engine:?}");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        a.handle.stop().await;
        b.handle.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// SQL lab side effects

#[tokio::test]
async fn sql_lab_refuses_functions_with_effects_outside_the_transaction() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    // the validator's own answers
    for (kind, sql, status) in [
        ("postgres", "SELECT FROM WHERE", 422),
        ("postgres", "TABLE items", 200),
        ("sqlite", "SELECT * FROM pragma_table_info('t')", 422),
        ("mysql", "SELECT LOAD_FILE('/etc/passwd')", 422),
        ("postgres", "SELECT pg_terminate_backend(1)", 422),
    ] {
        let r = app
            .post(
                "/queries/validate",
                json!({"kind": kind, "sql": sql}),
                Some(&admin.access),
            )
            .await;
        assert_eq!(r.status().as_u16(), status, "{kind}: {sql}");
    }
    // and on real servers, where they would have worked
    for engine in [
        tessera_testkit::Engine::Postgres,
        tessera_testkit::Engine::Mysql,
    ] {
        let Some(db) = tessera_testkit::TestDatabase::create(engine) else {
            continue;
        };
        let kind = if engine == tessera_testkit::Engine::Postgres {
            "postgres"
        } else {
            "mysql"
        };
        let src = json_of(
            app.post(
                "/data-sources",
                json!({"name": kind, "kind": kind, "url": db.url}),
                Some(&admin.access),
            )
            .await,
        )
        .await;
        let id = src["id"].as_str().unwrap().to_owned();
        let attacks: &[&str] = if kind == "postgres" {
            &[
                "SELECT pg_advisory_lock(77)",
                "SELECT pg_read_file('/etc/hostname')",
                "SELECT * FROM pg_ls_dir('.') AS f",
                "SELECT set_config('statement_timeout', '0', false)",
                "SELECT pg_notify('x', 'y')",
                "SELECT lo_import('/etc/hostname')",
            ]
        } else {
            &[
                "SELECT LOAD_FILE('/etc/hostname')",
                "SELECT GET_LOCK('x', 1)",
                "SELECT SLEEP(5)",
                "SELECT BENCHMARK(1000000000, MD5('x'))",
            ]
        };
        for sql in attacks {
            let r = app.run_sql(&admin.access, &id, sql).await;
            let p = assert_problem(r, 422).await;
            assert!(
                p["detail"].as_str().unwrap().contains("not allowed"),
                "{sql}: {p}"
            );
        }
        // the test answer says the account is privileged (the test servers run as superuser/root)
        let t = json_of(
            app.post(
                "/data-sources/test",
                json!({"source_id": id}),
                Some(&admin.access),
            )
            .await,
        )
        .await;
        assert!(!t["warnings"].as_array().unwrap().is_empty(), "{t}");
    }
}
