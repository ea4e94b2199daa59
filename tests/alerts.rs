//! Alert rules (issue 14) over HTTP: CRUD with its filters, roles and organisation isolation,
//! every bad input refused naming its field with nothing saved, `test` changing nothing, and the
//! real scheduler firing and resolving a rule through a signed webhook and through email to an
//! SMTP server on a loopback port, with the history and the status to show for it.

use std::time::Duration;

use serde_json::{json, Value};
use tessera_e2e::{assert_problem, spawn_app, spawn_app_with, TestApp, Tokens};
use tessera_testkit::net::{HttpReceiver, Reply, SmtpServer};

fn rule(name: &str) -> Value {
    json!({
        "name": name,
        "target": {"metric": "revenue", "period": "1d"},
        "condition": {"op": "above", "value": 1000},
        "schedule": {"cron": "0 */5 * * * *", "timezone": "Europe/Berlin"},
        "channels": [{"type": "webhook", "url": "https://hooks.example.com/x", "secret": "s3cret", "template": null}],
        "cooldown_seconds": 3600,
        "enabled": true
    })
}

async fn created(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.post("/alerts", body, Some(token)).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn json_of(r: reqwest::Response) -> Value {
    let status = r.status();
    let body = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn time_z(v: &Value, what: &str) {
    let s = v.as_str().unwrap_or_else(|| panic!("{what}: {v}"));
    assert!(
        s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        "{what}: {s}"
    );
}

async fn total(app: &TestApp, token: &str) -> u64 {
    json_of(app.get("/alerts", Some(token)).await).await["total"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn rules_are_created_read_listed_replaced_and_deleted_by_editors_of_their_organisation() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = created(&app, &admin.access, rule("Revenue above plan")).await;
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["name"], "Revenue above plan");
    assert_eq!(a["target"], json!({"metric": "revenue", "period": "1d"}));
    assert_eq!(a["condition"], json!({"op": "above", "value": 1000.0}));
    assert_eq!(
        a["schedule"],
        json!({"cron": "0 */5 * * * *", "timezone": "Europe/Berlin"})
    );
    assert_eq!(a["channels"][0]["type"], "webhook");
    assert_eq!(a["channels"][0]["has_secret"], true);
    assert!(
        a["channels"][0].get("secret").is_none(),
        "secrets are never answered: {a}"
    );
    assert_eq!(
        (a["state"].as_str(), a["enabled"].as_bool()),
        (Some("ok"), Some(true))
    );
    assert_eq!(a["cooldown_seconds"], 3600);
    time_z(&a["next_run_at"], "next_run_at");
    time_z(&a["created_at"], "created_at");
    // the next run is the next 5-minute mark
    let next = chrono::DateTime::parse_from_rfc3339(a["next_run_at"].as_str().unwrap()).unwrap();
    assert_eq!(chrono::Timelike::minute(&next) % 5, 0);

    let got = json_of(app.get(&format!("/alerts/{id}"), Some(&admin.access)).await).await;
    assert_eq!(got["id"], id);

    // a second rule, disabled; filters by enabled and state
    let mut off = rule("Quiet");
    off["enabled"] = json!(false);
    let off = created(&app, &admin.access, off).await;
    assert!(off["next_run_at"].is_null());
    let page = json_of(app.get("/alerts?enabled=false", Some(&admin.access)).await).await;
    assert_eq!(
        (page["total"].as_u64(), page["items"][0]["name"].as_str()),
        (Some(1), Some("Quiet"))
    );
    let page = json_of(
        app.get("/alerts?state=ok&limit=1&page=2", Some(&admin.access))
            .await,
    )
    .await;
    assert_eq!(
        (
            page["total"].as_u64(),
            page["items"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    assert_eq!(
        json_of(app.get("/alerts?state=firing", Some(&admin.access)).await).await["total"],
        0
    );
    assert_problem(
        app.get("/alerts?state=burning", Some(&admin.access)).await,
        422,
    )
    .await;

    // replace: a webhook sent without its secret keeps it
    let mut changed = rule("Revenue above the new plan");
    changed["channels"][0]
        .as_object_mut()
        .unwrap()
        .remove("secret");
    changed["condition"] = json!({"op": "outside", "low": 10, "high": 20.5});
    let put = json_of(
        app.put(&format!("/alerts/{id}"), changed, &admin.access)
            .await,
    )
    .await;
    assert_eq!(put["name"], "Revenue above the new plan");
    assert_eq!(
        put["condition"],
        json!({"op": "outside", "low": 10.0, "high": 20.5})
    );
    assert_eq!(put["channels"][0]["has_secret"], true);

    // viewers read but never write
    let (_, viewer) = app.member(&admin, "viewer").await;
    assert_eq!(
        json_of(app.get("/alerts", Some(&viewer.access)).await).await["total"],
        2
    );
    assert_problem(
        app.post("/alerts", rule("x"), Some(&viewer.access)).await,
        403,
    )
    .await;
    assert_problem(
        app.put(&format!("/alerts/{id}"), rule("x"), &viewer.access)
            .await,
        403,
    )
    .await;
    assert_problem(
        app.delete(&format!("/alerts/{id}"), &viewer.access).await,
        403,
    )
    .await;
    let (_, editor) = app.member(&admin, "editor").await;
    created(&app, &editor.access, rule("An editor's")).await;

    // another organisation sees none of it
    let (_, stranger) = app.register_and_login("stranger", Some("Elsewhere")).await;
    assert_eq!(total(&app, &stranger.access).await, 0);
    for r in [
        app.get(&format!("/alerts/{id}"), Some(&stranger.access))
            .await,
        app.put(&format!("/alerts/{id}"), rule("mine"), &stranger.access)
            .await,
        app.delete(&format!("/alerts/{id}"), &stranger.access).await,
        app.post(
            &format!("/alerts/{id}/test"),
            json!({}),
            Some(&stranger.access),
        )
        .await,
        app.get(&format!("/alerts/{id}/events"), Some(&stranger.access))
            .await,
    ] {
        assert_problem(r, 404).await;
    }
    assert_problem(app.get("/alerts/abc", Some(&admin.access)).await, 404).await;

    let r = app.delete(&format!("/alerts/{id}"), &admin.access).await;
    assert_eq!(r.status(), 204);
    assert_problem(
        app.get(&format!("/alerts/{id}"), Some(&admin.access)).await,
        404,
    )
    .await;
    assert_eq!(total(&app, &admin.access).await, 2);
}

#[tokio::test]
async fn bad_rules_are_refused_naming_the_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let demo = app.source_id(&admin, "demo").await;
    let with = |path: &[&str], v: Value| {
        let mut r = rule("bad");
        let mut at = &mut r;
        for p in &path[..path.len() - 1] {
            at = match p.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*p],
            };
        }
        at[path[path.len() - 1]] = v;
        r
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            with(&["schedule", "cron"], json!("61 * * * *")),
            "schedule.cron",
        ),
        (
            with(&["schedule", "cron"], json!("* * * * * *")),
            "schedule.cron",
        ),
        (
            with(&["schedule", "timezone"], json!("Mars/Olympus")),
            "schedule.timezone",
        ),
        (
            with(
                &["target"],
                json!({"metric": "no_such_metric", "period": "1d"}),
            ),
            "target.metric",
        ),
        (
            with(
                &["target"],
                json!({"metric": "revenue", "period": "fortnight"}),
            ),
            "target.period",
        ),
        (
            with(
                &["target"],
                json!({"sql": {"source_id": uuid::Uuid::new_v4().to_string(), "sql": "SELECT 1"}}),
            ),
            "target.sql.source_id",
        ),
        (
            with(
                &["target"],
                json!({"sql": {"source_id": demo, "sql": "SELECT no_such_column FROM transactions"}}),
            ),
            "target.sql.sql",
        ),
        (
            with(
                &["target"],
                json!({"sql": {"source_id": demo, "sql": "SELECT 'abc'"}}),
            ),
            "target.sql.sql",
        ),
        (
            with(
                &["target"],
                json!({"chart_query": {"source_id": demo, "table": "transactions", "measures": [{"agg": "sum", "column": "no_such_column"}]}}),
            ),
            "target.chart_query",
        ),
        (
            with(
                &["channels", "0", "url"],
                json!("ftp://hooks.example.com/x"),
            ),
            "channels[0].url",
        ),
        (
            with(&["channels", "0", "url"], json!("http://127.0.0.1:9/x")),
            "channels[0].url",
        ),
        (
            with(
                &["channels", "0", "url"],
                json!("http://169.254.169.254/latest"),
            ),
            "channels[0].url",
        ),
        (
            with(&["condition", "value"], json!("a thousand")),
            "condition.value",
        ),
        (
            with(
                &["condition"],
                json!({"op": "inside", "low": 30, "high": 20}),
            ),
            "condition.low",
        ),
        (
            with(&["condition"], json!({"op": "between", "value": 1})),
            "condition.op",
        ),
        (
            with(
                &["channels"],
                json!([{"type": "email", "to": ["ops@example.com"]}]),
            ),
            "channels[0].type",
        ),
        (with(&["cooldown_seconds"], json!(-5)), "cooldown_seconds"),
        (with(&["name"], json!("")), "name"),
    ];
    for (body, field) in cases {
        let p = assert_problem(
            app.post("/alerts", body.clone(), Some(&admin.access)).await,
            422,
        )
        .await;
        let got = fields(&p);
        assert!(
            got.iter()
                .any(|f| f == field || f.starts_with(&format!("{field}."))),
            "{field} not named for {body}: {p}"
        );
    }
    // the email refusal says why
    let p = assert_problem(
        app.post(
            "/alerts",
            with(
                &["channels"],
                json!([{"type": "email", "to": ["ops@example.com"]}]),
            ),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    assert!(p.to_string().contains("MAIL_SERVER"), "{p}");
    assert_eq!(total(&app, &admin.access).await, 0, "nothing was saved");
    // a replace that fails changes nothing
    let a = created(&app, &admin.access, rule("kept")).await;
    let id = a["id"].as_i64().unwrap();
    assert_problem(
        app.put(
            &format!("/alerts/{id}"),
            with(&["schedule", "cron"], json!("nope")),
            &admin.access,
        )
        .await,
        422,
    )
    .await;
    let after = json_of(app.get(&format!("/alerts/{id}"), Some(&admin.access)).await).await;
    assert_eq!(after["schedule"]["cron"], "0 */5 * * * *");
    assert_eq!(after["updated_at"], a["updated_at"]);
}

#[tokio::test]
async fn an_organisation_has_at_most_its_rule_quota() {
    let app = spawn_app_with(&[("TESSERA_ALERTS__MAX_RULES_PER_ORG", "2")]).await;
    let admin = app.admin().await;
    created(&app, &admin.access, rule("one")).await;
    created(&app, &admin.access, rule("two")).await;
    let p = assert_problem(
        app.post("/alerts", rule("three"), Some(&admin.access))
            .await,
        409,
    )
    .await;
    assert!(p.to_string().contains("max_rules_per_org"), "{p}");
    assert_eq!(total(&app, &admin.access).await, 2);
    // another organisation has its own quota
    let (_, other) = app.register_and_login("other", Some("Other")).await;
    let r = app
        .post("/alerts", rule("theirs"), Some(&other.access))
        .await;
    // its metric source is missing (no demo data there): refused as a field, not the quota
    assert_ne!(r.status(), 409);
}

/// A SQLite source with a one-row table `level(v)` whose value the test sets.
async fn level_source(app: &TestApp, admin: &Tokens, v: f64) -> (String, std::path::PathBuf) {
    let id = app
        .sqlite_source(
            admin,
            "levels",
            &format!("CREATE TABLE level (v REAL); INSERT INTO level VALUES ({v});"),
        )
        .await;
    let file = app.org_sources_dir(admin).await.join("levels.db");
    (id, file)
}

fn set_level(file: &std::path::Path, v: f64) {
    tessera_testkit::sqlite_file(file, &format!("UPDATE level SET v = {v};"));
}

#[tokio::test]
async fn test_evaluates_now_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (source, _) = level_source(&app, &admin, 42.0).await;
    let body = json!({
        "name": "Level high",
        "target": {"sql": {"source_id": source, "sql": "SELECT v FROM level"}},
        "condition": {"op": "above", "value": 40},
        "schedule": {"cron": "*/5 * * * *"},
        "channels": [{"type": "webhook", "url": "https://hooks.example.com/x", "template": {"text": "{{rule}} is {{state}} at {{value}}"}}]
    });
    let a = created(&app, &admin.access, body).await;
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["schedule"]["timezone"], "UTC");
    let t = json_of(
        app.post(
            &format!("/alerts/{id}/test"),
            json!({}),
            Some(&admin.access),
        )
        .await,
    )
    .await;
    assert_eq!(t["value"], 42.0);
    assert_eq!(t["breached"], true);
    assert_eq!(
        (t["state"].as_str(), t["would_be_state"].as_str()),
        (Some("ok"), Some("firing"))
    );
    assert_eq!(t["would_notify"], "firing");
    assert_eq!(
        t["channels"][0]["body"],
        json!({"text": "Level high is firing at 42"})
    );
    assert_eq!(t["channels"][0]["signed"], false);
    let after = json_of(app.get(&format!("/alerts/{id}"), Some(&admin.access)).await).await;
    assert_eq!(
        (after["state"].as_str(), after["last_value"].is_null()),
        (Some("ok"), true)
    );
    let events = json_of(
        app.get(&format!("/alerts/{id}/events"), Some(&admin.access))
            .await,
    )
    .await;
    assert_eq!(events["total"], 0);
    // a viewer may test too: nothing changes
    let (_, viewer) = app.member(&admin, "viewer").await;
    let r = app
        .post(
            &format!("/alerts/{id}/test"),
            json!({}),
            Some(&viewer.access),
        )
        .await;
    assert_eq!(r.status(), 200);
}

async fn wait_until(what: &str, mut f: impl AsyncFnMut() -> bool) {
    for _ in 0..150 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn the_scheduler_fires_and_resolves_through_a_signed_webhook_with_history_and_status() {
    let receiver = HttpReceiver::start(Reply::Status(200));
    let app = spawn_app_with(&[
        ("TESSERA_ALERTS__SCHEDULER", "true"),
        ("TESSERA_ALERTS__ALLOW_PRIVATE_WEBHOOKS", "true"),
        ("TESSERA_ALERTS__WEBHOOK_BACKOFF_MS", "50"),
    ])
    .await;
    let admin = app.admin().await;
    let (source, file) = level_source(&app, &admin, 50.0).await;
    let body = json!({
        "name": "Level high",
        "target": {"sql": {"source_id": source, "sql": "SELECT v FROM level"}},
        "condition": {"op": "above", "value": 40},
        "schedule": {"cron": "* * * * *", "timezone": "UTC"},
        "channels": [{"type": "webhook", "url": format!("{}/hook", receiver.url), "secret": "s3cret"}],
        "cooldown_seconds": 0
    });
    let a = created(&app, &admin.access, body).await;
    let id = a["id"].as_i64().unwrap();

    // a minute passes: the run is due, evaluated and delivered
    app.clock.advance(chrono::Duration::seconds(61));
    let got = tokio::task::spawn_blocking({
        let r = receiver.clone();
        move || r.wait_for(1, Duration::from_secs(15))
    })
    .await
    .unwrap();
    assert_eq!(got.len(), 1, "the firing notification arrived");
    let sig = got[0].header("x-tessera-signature").unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!(tessera_alerting::webhook::verify(
        "s3cret",
        sig,
        &got[0].body,
        now,
        300
    ));
    let note: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(
        (note["event"].as_str(), note["value"].as_f64()),
        (Some("alert.firing"), Some(50.0))
    );
    assert_eq!(note["rule"]["id"], id);

    wait_until("the rule to show firing", async || {
        json_of(app.get(&format!("/alerts/{id}"), Some(&admin.access)).await).await["state"]
            == "firing"
    })
    .await;
    let status = json_of(app.get("/alerts/status", Some(&admin.access)).await).await;
    assert_eq!(status["scheduler_running"], true);
    assert_eq!(status["rules"]["firing"], 1);
    time_z(&status["next_evaluation_at"], "next_evaluation_at");
    time_z(&status["last_evaluation_at"], "last_evaluation_at");
    assert_eq!(status["failed_deliveries_24h"], 0);

    // the value falls: resolved, notified (no cooldown)
    set_level(&file, 10.0);
    app.clock.advance(chrono::Duration::seconds(60));
    let got = tokio::task::spawn_blocking({
        let r = receiver.clone();
        move || r.wait_for(2, Duration::from_secs(15))
    })
    .await
    .unwrap();
    assert_eq!(got.len(), 2, "the resolved notification arrived");
    let note: Value = serde_json::from_slice(&got[1].body).unwrap();
    assert_eq!(note["event"], "alert.resolved");

    // the source breaks: the error is recorded and shown, the scheduler goes on
    tessera_testkit::sqlite_file(&file, "DROP TABLE level;");
    app.clock.advance(chrono::Duration::seconds(60));
    wait_until("the rule to show the error", async || {
        json_of(app.get(&format!("/alerts/{id}"), Some(&admin.access)).await).await["state"]
            == "error"
    })
    .await;
    let events = json_of(
        app.get(&format!("/alerts/{id}/events"), Some(&admin.access))
            .await,
    )
    .await;
    let items = events["items"].as_array().unwrap();
    assert_eq!(events["total"], 3, "{events}");
    assert_eq!(
        (
            items[0]["state_from"].as_str(),
            items[0]["state_to"].as_str()
        ),
        (Some("ok"), Some("error"))
    );
    assert!(
        items[0]["error"].as_str().unwrap().contains("level"),
        "{}",
        items[0]
    );
    assert_eq!(
        (items[1]["state_to"].as_str(), items[1]["notice"].as_str()),
        (Some("ok"), Some("resolved"))
    );
    let firing = &items[2];
    assert_eq!(
        (firing["state_from"].as_str(), firing["state_to"].as_str()),
        (Some("ok"), Some("firing"))
    );
    assert_eq!(firing["value"], 50.0);
    assert_eq!(firing["threshold"], json!({"op": "above", "value": 40.0}));
    assert_eq!(firing["deliveries"][0]["status"], "delivered");
    assert_eq!(firing["deliveries"][0]["http_status"], 200);
    time_z(&firing["evaluated_at"], "evaluated_at");
    time_z(&firing["scheduled_at"], "scheduled_at");
    let status = json_of(app.get("/alerts/status", Some(&admin.access)).await).await;
    assert_eq!(status["rules"]["error"], 1);
}

#[tokio::test]
async fn email_arrives_at_a_real_smtp_server_with_both_parts_and_the_value() {
    let smtp = SmtpServer::start();
    let port = smtp.port.to_string();
    let app = spawn_app_with(&[
        ("TESSERA_ALERTS__SCHEDULER", "true"),
        ("MAIL_SERVER", "127.0.0.1"),
        ("MAIL_PORT", &port),
        ("MAIL_USE_TLS", "false"),
        ("MAIL_DEFAULT_SENDER", "alerts@tessera.example"),
    ])
    .await;
    let admin = app.admin().await;
    let (source, _) = level_source(&app, &admin, 1234.5).await;
    let body = json!({
        "name": "Revenue above plan",
        "target": {"sql": {"source_id": source, "sql": "SELECT v FROM level"}},
        "condition": {"op": "above", "value": 1000},
        "schedule": {"cron": "* * * * *"},
        "channels": [{"type": "email", "to": ["ops@example.com", "cfo@example.com"]}]
    });
    created(&app, &admin.access, body).await;
    app.clock.advance(chrono::Duration::seconds(61));
    let mails = tokio::task::spawn_blocking(move || smtp.wait_for(1, Duration::from_secs(15)))
        .await
        .unwrap();
    assert_eq!(mails.len(), 1, "the message arrived");
    let m = &mails[0];
    assert_eq!(m.from, "alerts@tessera.example");
    assert_eq!(m.to, ["ops@example.com", "cfo@example.com"]);
    let data = m.data.replace("=\r\n", "").replace("=\n", "");
    assert!(
        data.contains("Subject: [Tessera] FIRING: Revenue above plan (value 1234.5)"),
        "{data}"
    );
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(data.contains("Content-Type: text/plain"), "{data}");
    assert!(data.contains("Content-Type: text/html"), "{data}");
    assert!(data.contains("Value: 1234.5"), "{data}");
    assert!(data.contains("Threshold: above 1000"), "{data}");
}
