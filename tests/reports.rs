//! EDA reports over HTTP: queued jobs, hand-checked statistics, every format, bad requests,
//! share links, dashboard numbers, and a job that survives its worker being killed.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera_e2e::{assert_problem, spawn_app, spawn_app_in, TestApp, Tokens};

/// x = 1..5 and a missing value, y = [2,4,5,4,5,0]; values checked with pandas.
const KNOWN: &str = "x,y,colour,flag\n1,2,red,true\n2,4,blue,false\n3,5,red,true\n4,4,,true\n5,5,red,true\n,0,blue,false\n";

async fn analyze(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.post("/reports/analyze", body, Some(token)).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let v: Value = r.json().await.unwrap();
    assert!(
        matches!(
            v["status"].as_str(),
            Some("queued" | "running" | "succeeded")
        ),
        "{v}"
    );
    v
}

fn close(a: &Value, b: f64) -> bool {
    (a.as_f64().unwrap() - b).abs() < 1e-9 * b.abs().max(1.0)
}

#[tokio::test]
async fn profile_of_a_known_dataset_matches_hand_computed_values() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let d = app
        .dataset(&admin.access, "known.csv", KNOWN.as_bytes().to_vec())
        .await;
    let id = d["id"].as_str().unwrap();
    let queued = analyze(&app, &admin.access, json!({"dataset_id": id, "report_title": "Known", "analysis_mode": "all", "target_column": "flag"})).await;
    let rid = queued["id"].as_str().unwrap();
    let done = app.wait_report(&admin.access, rid).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["progress"], 100);
    assert!(done["job"]["finished_at"].is_string());

    let p: Value = app
        .get(&format!("/reports/{rid}/results"), Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["overview"]["rows"], 6);
    assert_eq!(p["overview"]["missing_cells"], 2);
    let x = &p["columns"][0]["numeric"];
    assert!(close(&x["mean"], 3.0));
    assert!(
        close(&x["std"], 1.581_138_830_084_189_8),
        "pandas std, ddof=1: {x}"
    );
    assert!(
        close(&x["quantiles"]["p25"], 2.0)
            && close(&x["quantiles"]["p50"], 3.0)
            && close(&x["quantiles"]["p75"], 4.0)
    );
    let y = &p["columns"][1]["numeric"];
    assert!(close(&y["std"], 1.966_384_160_500_350_3), "{y}");
    assert!(close(&y["quantiles"]["p25"], 2.5) && close(&y["quantiles"]["p75"], 4.75));
    // pandas df.corr() and df.corr('spearman') over the pairwise complete rows
    assert!(close(
        &p["correlations"]["pearson"]["values"][0][1],
        0.774_596_669_241_483_4
    ));
    assert!(close(
        &p["correlations"]["spearman"]["values"][0][1],
        0.737_864_787_372_621_8
    ));
    assert_eq!(p["target"]["column"], "flag");
    assert_eq!(p["target"]["task"], "classification");

    let r = app
        .get(&format!("/reports/{rid}/download"), Some(&admin.access))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<svg") && !html.contains("<script"),
        "inline SVG, no scripts"
    );

    let mine: Value = app
        .get("/reports", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 1);
    let stats: Value = app
        .get("/reports/dashboard/stats", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            stats["datasets"].as_i64(),
            stats["reports_by_status"]["succeeded"].as_i64()
        ),
        (Some(1), Some(1)),
        "{stats}"
    );
    assert!(stats["storage_bytes"].as_i64().unwrap() > html.len() as i64);
    assert_eq!(stats["recent_reports"][0]["id"], rid);
}

#[tokio::test]
async fn every_format_profiles_end_to_end() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (name, bytes) in tessera_e2e::all_formats() {
        let d = app.dataset(&admin.access, name, bytes).await;
        let q = analyze(
            &app,
            &admin.access,
            json!({"dataset_id": d["id"], "report_title": name, "analysis_mode": "quick"}),
        )
        .await;
        let done = app
            .wait_report(&admin.access, q["id"].as_str().unwrap())
            .await;
        assert_eq!(done["status"], "succeeded", "{name}: {done}");
        let p: Value = app
            .get(
                &format!("/reports/{}/results", q["id"].as_str().unwrap()),
                Some(&admin.access),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(p["overview"]["rows"], d["row_count"], "{name}");
        assert!(p["correlations"].is_null(), "quick mode skips correlations");
    }
}

#[tokio::test]
async fn bad_analysis_requests_are_refused_and_queue_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let d = app
        .dataset(&admin.access, "known.csv", KNOWN.as_bytes().to_vec())
        .await;
    let id = d["id"].as_str().unwrap();
    for (body, field) in [
        (
            json!({"dataset_id": id, "report_title": "T", "target_column": "nope"}),
            "target_column",
        ),
        (
            json!({"dataset_id": id, "report_title": "T", "sample_size": 0}),
            "sample_size",
        ),
        (
            json!({"dataset_id": id, "report_title": "T", "sample_size": -5}),
            "sample_size",
        ),
        (
            json!({"dataset_id": "not-an-id", "report_title": "T"}),
            "dataset_id",
        ),
        (
            json!({"dataset_id": id, "report_title": ""}),
            "report_title",
        ),
        (
            json!({"dataset_id": id, "report_title": "T", "max_plots": -1}),
            "max_plots",
        ),
    ] {
        let p = assert_problem(
            app.post("/reports/analyze", body, Some(&admin.access))
                .await,
            422,
        )
        .await;
        assert!(
            p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{p}"
        );
    }
    assert_problem(
        app.post(
            "/reports/analyze",
            json!({"dataset_id": id, "report_title": "T", "analysis_mode": "deep"}),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    let mine: Value = app
        .get("/reports", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 0);
    // a sample is seeded and the results say so
    let q = analyze(
        &app,
        &admin.access,
        json!({"dataset_id": id, "report_title": "S", "sample_size": 3}),
    )
    .await;
    let rid = q["id"].as_str().unwrap();
    app.wait_report(&admin.access, rid).await;
    let p: Value = app
        .get(&format!("/reports/{rid}/results"), Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            p["sample"]["method"].as_str(),
            p["overview"]["rows"].as_i64()
        ),
        (Some("random"), Some(3))
    );
}

#[tokio::test]
async fn share_links_open_without_login_until_revoked_or_expired() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    // a public report needs a public dataset
    let r = app
        .upload(
            &admin.access,
            "known.csv",
            KNOWN.as_bytes().to_vec(),
            &[("is_public", "true")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let d: Value = r.json().await.unwrap();
    let q = analyze(
        &app,
        &admin.access,
        json!({"dataset_id": d["id"], "report_title": "Shared", "is_public": true}),
    )
    .await;
    let rid = q["id"].as_str().unwrap();
    app.wait_report(&admin.access, rid).await;

    let r = app
        .post(
            &format!("/reports/{rid}/share"),
            json!({}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let share: Value = r.json().await.unwrap();
    let token = share["token"].as_str().unwrap();
    assert!(token.len() >= 43, "at least 256 bits, base64: {token}");
    let open: Value = app
        .get(&format!("/reports/shared/{token}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(open["report"]["id"], rid);
    assert_eq!(open["results"]["overview"]["rows"], 6);
    let page = app
        .client
        .get(app.url(&format!("/reports/shared/{token}")))
        .header("accept", "text/html,*/*")
        .send()
        .await
        .unwrap();
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let listed: Value = app
        .get(&format!("/reports/{rid}/shares"), Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert!(listed[0]["token"].is_null(), "tokens are shown once");

    let sid = share["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/reports/{rid}/shares/{sid}"), &admin.access)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.get(&format!("/reports/shared/{token}"), None).await,
        404,
    )
    .await;
    assert_problem(app.get("/reports/shared/made-up-token", None).await, 404).await;

    let expiring: Value = app
        .post(
            &format!("/reports/{rid}/share"),
            json!({"expires_at": (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339()}),
            Some(&admin.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let t2 = expiring["token"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/reports/shared/{t2}"), None)
            .await
            .status(),
        StatusCode::OK
    );
    app.clock.advance(chrono::Duration::seconds(3));
    assert_problem(app.get(&format!("/reports/shared/{t2}"), None).await, 404).await;
    assert_problem(
        app.post(
            &format!("/reports/{rid}/share"),
            json!({"expires_in_hours": 0}),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;

    // public reports are listed for everyone; private ones of others are not reachable
    let (_, other) = app.register_and_login("other", Some("Other")).await;
    let public: Value = app
        .get("/reports/public", Some(&other.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["total"], 1);
    assert_problem(
        app.post(
            &format!("/reports/{rid}/share"),
            json!({}),
            Some(&other.access),
        )
        .await,
        404,
    )
    .await;
}

/// A CSV big enough that profiling it takes a while in a debug build.
fn big_csv(rows: usize) -> Vec<u8> {
    let mut s = String::from("id,a,b,c,label,when\n");
    for i in 0..rows {
        s.push_str(&format!(
            "{i},{},{},{},k{},2024-01-{:02}\n",
            i % 97,
            (i * 7919) % 1000,
            (i as f64).sqrt(),
            i % 13,
            1 + i % 28
        ));
    }
    s.into_bytes()
}

async fn report_state(app: &TestApp, token: &Tokens, rid: &str) -> Value {
    app.get(&format!("/reports/{rid}"), Some(&token.access))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_job_survives_its_worker_being_killed() {
    let settings = [("TESSERA_REPORTS__LEASE_SECS", "1")];
    let first = spawn_app_in(
        std::sync::Arc::new(tempfile::tempdir().unwrap()),
        &settings,
        |_| {},
    )
    .await;
    let admin = first.admin().await;
    let d = first
        .dataset(&admin.access, "big.csv", big_csv(300_000))
        .await;
    let q = analyze(
        &first,
        &admin.access,
        json!({"dataset_id": d["id"], "report_title": "Big"}),
    )
    .await;
    let rid = q["id"].as_str().unwrap().to_owned();
    // wait until a worker holds the job, then kill the process's workers and server
    let mut running = false;
    for _ in 0..400 {
        let v = report_state(&first, &admin, &rid).await;
        if v["status"] == "running" {
            running = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(running, "the job never started");
    first.handle.stop().await;
    let dir = first.dir();
    drop(first);

    // the dead worker's lease runs out; a new start claims the job again and finishes it
    let second = spawn_app_in(dir, &settings, |_| {}).await;
    let admin = second.admin().await;
    let stuck = report_state(&second, &admin, &rid).await;
    assert_eq!(stuck["status"], "running", "killed mid-job: {stuck}");
    // the dataset cannot go while its report is being computed
    assert_problem(
        second
            .delete(
                &format!("/datasets/{}", d["id"].as_str().unwrap()),
                &admin.access,
            )
            .await,
        409,
    )
    .await;
    let done = second.wait_report(&admin.access, &rid).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(
        done["job"]["attempts"], 2,
        "claimed again after the restart: {done}"
    );
    let p: Value = second
        .get(&format!("/reports/{rid}/results"), Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["overview"]["rows"], 300_000);
}
