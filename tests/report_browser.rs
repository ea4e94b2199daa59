//! The downloaded HTML report opens in headless Chromium offline without console errors, and a
//! screenshot is kept as a test artifact (`$CARGO_TARGET_DIR/test-artifacts/eda-report.png`).
//! Chromium is Debian's package, installed by `.ci/run`; under CI=true a missing browser fails.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};
use tessera_e2e::spawn_app;

pub(crate) fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

pub(crate) fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let dir = target.join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Opens `page` in headless Chromium at `window` ("W,H") and writes a screenshot to `shot`;
/// fails on a browser error or any console message (the pages have no scripts and load nothing).
pub(crate) fn screenshot(
    browser: &std::path::Path,
    page: &std::path::Path,
    shot: &std::path::Path,
    window: &str,
) {
    let _ = std::fs::remove_file(shot);
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--window-size={window}"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {log}");
    let console: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Failed to load resource")
                || l.contains("Refused to")
        })
        .collect();
    assert!(console.is_empty(), "console errors: {console:#?}");
}

#[tokio::test]
async fn html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        tessera_testkit::skip("chromium", "not installed; .ci/run installs it");
        return;
    };
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut csv = String::from("amount,region,day,ok,score\n");
    for i in 0..500 {
        csv.push_str(&format!(
            "{},{},2024-{:02}-{:02},{},{}\n",
            (i * 37) % 211,
            ["north", "south", "<b>east</b>"][i % 3],
            1 + i % 12,
            1 + i % 28,
            i % 4 == 0,
            (i as f64).ln_1p()
        ));
    }
    let d = app
        .dataset(&admin.access, "browser.csv", csv.into_bytes())
        .await;
    let q: Value = app
        .post(
            "/reports/analyze",
            json!({"dataset_id": d["id"], "report_title": "Browser check", "target_column": "ok"}),
            Some(&admin.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let rid = q["id"].as_str().unwrap();
    assert_eq!(
        app.wait_report(&admin.access, rid).await["status"],
        "succeeded"
    );
    let html = app
        .get(&format!("/reports/{rid}/download"), Some(&admin.access))
        .await
        .text()
        .await
        .unwrap();

    let dir = artifacts();
    let page = dir.join("eda-report.html");
    let shot = dir.join("eda-report.png");
    std::fs::write(&page, &html).unwrap();
    screenshot(&browser, &page, &shot, "1280,2400");
    let png = std::fs::read(&shot).expect("a screenshot was written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot ({} bytes)",
        png.len()
    );
}
