//! Datasets over HTTP: every format uploads and previews, visibility follows organisations,
//! and bad files get clear problems while leaving no row and no file behind.

use std::io::{Read, Write};

use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera_e2e::{
    all_formats, assert_problem, spawn_app, spawn_app_with, xlsx_bytes, TestApp, SAMPLE_CSV as CSV,
};

/// Files under the uploads directory (temporary files included).
fn stored_files(app: &TestApp) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out);
            } else {
                out.push(e.path().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.dir().path().join("uploads"), &mut out);
    out
}

#[tokio::test]
async fn every_format_uploads_with_types_and_previews() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (name, bytes) in all_formats() {
        let d = app.dataset(&admin.access, name, bytes).await;
        assert!(d["row_count"].as_i64().unwrap() >= 2, "{name}: {d}");
        assert!(d["file_size"].as_i64().unwrap() > 0);
        let id = d["id"].as_str().unwrap();
        let p: Value = app
            .get(
                &format!("/datasets/{id}/preview?limit=2"),
                Some(&admin.access),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(p["rows"].as_array().unwrap().len(), 2, "{name}: {p}");
    }
    let page: Value = app
        .get("/datasets", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 5);

    let csv = app
        .dataset(&admin.access, "typed.csv", CSV.as_bytes().to_vec())
        .await;
    let kinds: Vec<(&str, &str)> = csv["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("city", "categorical"),
            ("amount", "float"),
            ("ok", "boolean"),
            ("day", "date")
        ]
    );
    assert_eq!(csv["format"], "csv");
    let xlsx: Value = app.dataset(&admin.access, "book.xlsx", xlsx_bytes()).await;
    assert_eq!(xlsx["columns"][1]["kind"], "integer", "{xlsx}");
    let id = csv["id"].as_str().unwrap();
    let p: Value = app
        .get(
            &format!("/datasets/{id}/preview?page=2&limit=2"),
            Some(&admin.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        p["rows"],
        json!([{"city": "Oslo", "amount": 1.25, "ok": true, "day": "2024-03-01"}])
    );
    assert_eq!(p["total"], 3);
}

#[tokio::test]
async fn list_search_update_visibility_and_delete() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, other) = app.register_and_login("other", Some("Other Org")).await;
    let d = app
        .dataset(
            &admin.access,
            "Quarterly Sales.csv",
            CSV.as_bytes().to_vec(),
        )
        .await;
    let id = d["id"].as_str().unwrap().to_owned();
    assert_eq!(d["name"], "Quarterly Sales");
    let found: Value = app
        .get("/datasets?search=sales", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1);
    let none: Value = app
        .get("/datasets?search=100%25", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["total"], 0);

    // private: invisible to another organisation
    assert_problem(
        app.get(&format!("/datasets/{id}"), Some(&other.access))
            .await,
        404,
    )
    .await;
    let theirs: Value = app
        .get("/datasets", Some(&other.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0);

    let r = app
        .put(
            &format!("/datasets/{id}"),
            json!({"name": "Sales", "is_public": true, "description": "Q1"}),
            &admin.access,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(
        (updated["name"].as_str(), updated["is_public"].as_bool()),
        (Some("Sales"), Some(true))
    );

    // public: readable by others, not changeable
    assert_eq!(
        app.get(&format!("/datasets/{id}"), Some(&other.access))
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        app.put(
            &format!("/datasets/{id}"),
            json!({"name": "Mine"}),
            &other.access,
        )
        .await,
        403,
    )
    .await;
    assert_problem(
        app.delete(&format!("/datasets/{id}"), &other.access).await,
        403,
    )
    .await;
    assert_problem(
        app.put(
            &format!("/datasets/{id}"),
            json!({"name": "  "}),
            &admin.access,
        )
        .await,
        422,
    )
    .await;

    // viewers read but do not upload
    let (_, viewer) = app.member(&admin, "viewer").await;
    assert_problem(
        app.upload(&viewer.access, "v.csv", CSV.as_bytes().to_vec(), &[])
            .await,
        403,
    )
    .await;

    assert_eq!(
        app.delete(&format!("/datasets/{id}"), &admin.access)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.get(&format!("/datasets/{id}"), Some(&admin.access))
            .await,
        404,
    )
    .await;
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));
}

#[tokio::test]
async fn bad_files_get_problems_and_leave_nothing_behind() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    zip.extend_from_slice(b"secret.txt some compressed bytes");
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("empty.csv", vec![], 422, "empty"),
        ("header.csv", b"a,b,c\n".to_vec(), 422, "header"),
        ("ragged.csv", b"a,b\n1,2\n3,4,5\n".to_vec(), 422, "ragged"),
        (
            "latin1.csv",
            b"name,city\nJos\xe9,K\xf6ln\n".to_vec(),
            422,
            "UTF-8",
        ),
        ("archive.csv", zip, 415, "ZIP"),
        ("image.csv", b"\x89PNG\r\n\x1a\n....".to_vec(), 415, "PNG"),
        ("data.json", b"[]".to_vec(), 422, "empty"),
        (
            "nested.json",
            br#"[{"a": {"b": 1}}]"#.to_vec(),
            422,
            "nested",
        ),
    ];
    for (name, bytes, status, needle) in cases {
        let body = assert_problem(app.upload(&admin.access, name, bytes, &[]).await, status).await;
        assert!(body.to_string().contains(needle), "{name}: {body}");
    }
    assert_problem(
        app.upload(
            &admin.access,
            "ok.csv",
            CSV.as_bytes().to_vec(),
            &[("is_public", "maybe")],
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        app.upload(&admin.access, "s.xlsx", xlsx_bytes(), &[("sheet", "Nope")])
            .await,
        422,
    )
    .await;
    // no file field, and a body that is not multipart
    let form = reqwest::multipart::Form::new().text("name", "x");
    let r = app
        .client
        .post(app.url("/datasets/upload"))
        .bearer_auth(&admin.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_problem(r, 422).await;
    let r = app
        .client
        .post(app.url("/datasets/upload"))
        .bearer_auth(&admin.access)
        .json(&json!({"file": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 415).await;

    let page: Value = app
        .get("/datasets", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 0, "no dataset rows");
    assert!(
        stored_files(&app).is_empty(),
        "no files: {:?}",
        stored_files(&app)
    );
}

#[tokio::test]
async fn size_limit_applies_to_the_stream_and_to_a_false_claim() {
    let app = spawn_app_with(&[("MAX_FILE_SIZE", "1000")]).await;
    let admin = app.admin().await;
    let big = format!("a,b\n{}", "1,2\n".repeat(400));
    assert_problem(
        app.upload(&admin.access, "big.csv", big.into_bytes(), &[])
            .await,
        413,
    )
    .await;

    // a 10 GB Content-Length over a small body is refused before anything is read
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "POST /api/v1/datasets/upload HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary=X\r\nContent-Length: 10737418240\r\nConnection: close\r\n\r\n--X\r\n",
        admin.access
    )
    .unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));
}

/// Orders over three months, one amount missing.
const ORDERS: &str = "day,region,amount\n2026-01-05,north,10\n2026-01-20,south,20\n2026-02-02,north,30\n2026-02-03,east,\n2026-02-28,south,50\n2026-03-01,north,60\n";

#[tokio::test]
async fn a_dataset_answers_chart_queries_like_a_table() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, other) = app.register_and_login("other", Some("Other Org")).await;
    let d = app
        .dataset(&admin.access, "orders.csv", ORDERS.as_bytes().to_vec())
        .await;
    let id = d["id"].as_str().unwrap().to_owned();
    let chart = |token: String, body: Value| {
        let app = &app;
        async move { app.post("/charts/query", body, Some(&token)).await }
    };

    let by_region = json!({
        "dataset_id": id,
        "measures": [{"agg": "sum", "column": "amount", "as": "total"}, {"agg": "count"}],
        "dimensions": ["region"],
        "sort": [{"by": "total", "desc": true}, {"by": "region"}],
    });
    let r = chart(admin.access.clone(), by_region.clone()).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["success"], true);
    assert_eq!(
        v["data"],
        json!([
            {"region": "north", "total": 100.0, "count": 3},
            {"region": "south", "total": 70.0, "count": 2},
            {"region": "east", "total": null, "count": 1},
        ])
    );
    let m = &v["metadata"];
    assert_eq!(
        (
            m["source"].as_str(),
            m["dataset_id"].as_str(),
            m["table"].as_str()
        ),
        (Some("dataset"), Some(id.as_str()), Some("orders"))
    );
    assert_eq!(m["cached"], false);
    assert_eq!(m["columns"][1]["role"], "measure");
    let again: Value = chart(admin.access.clone(), by_region.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["metadata"]["cached"].as_bool(), &again["data"]),
        (Some(true), &v["data"])
    );

    // monthly buckets over a range, with the empty month filled and the previous period compared
    let monthly = json!({
        "dataset_id": id,
        "measures": [{"agg": "count", "as": "orders"}],
        "time": {"column": "day", "granularity": "month",
                 "range": {"from": "2026-01-01", "to": "2026-05-01"}},
    });
    let v: Value = chart(admin.access.clone(), monthly)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["data"],
        json!([
            {"day": "2026-01-01", "orders": 2},
            {"day": "2026-02-01", "orders": 3},
            {"day": "2026-03-01", "orders": 1},
            {"day": "2026-04-01", "orders": 0},
        ]),
        "{v}"
    );
    let compared: Value = chart(
        admin.access.clone(),
        json!({
            "dataset_id": id,
            "measures": [{"agg": "count", "as": "orders"}],
            "filters": [{"column": "region", "op": "in", "value": ["north", "south", "east"]}],
            "time": {"column": "day", "range": {"from": "2026-02-01", "to": "2026-03-01"}},
            "compare": "previous_period",
        }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(compared["data"], json!([{"orders": 3}]), "{compared}");
    assert_eq!(
        compared["comparison"]["totals"]["orders"],
        json!({"current": 3.0, "previous": 2.0, "change": 1.0, "change_pct": 50.0}),
        "{compared}"
    );

    // mistakes are problems naming the cause
    for (body, status, needle) in [
        (
            json!({"dataset_id": id, "measures": [{"agg": "count"}], "dimensions": ["city"]}),
            422,
            "unknown column 'city'",
        ),
        (
            json!({"dataset_id": id, "measures": [{"agg": "avg", "column": "region"}]}),
            422,
            "needs a numeric column",
        ),
        (
            json!({"dataset_id": id, "measures": [{"agg": "count"}],
                   "filters": [{"column": "amount", "op": "gt", "value": "lots"}]}),
            422,
            "'amount' needs a number",
        ),
        (
            json!({"dataset_id": id, "source_id": id, "measures": [{"agg": "count"}]}),
            422,
            "exactly one of",
        ),
        (
            json!({"dataset_id": "00000000-0000-0000-0000-000000000000", "measures": [{"agg": "count"}]}),
            404,
            "",
        ),
    ] {
        let p = assert_problem(chart(admin.access.clone(), body.clone()).await, status).await;
        assert!(p.to_string().contains(needle), "{body} -> {p}");
    }

    // another organisation: private is invisible, public is chartable, private again is invisible
    // even though its answer was cached
    assert_problem(chart(other.access.clone(), by_region.clone()).await, 404).await;
    let publish = |public: bool| {
        let (app, id, token) = (&app, id.clone(), admin.access.clone());
        async move {
            let r = app
                .put(
                    &format!("/datasets/{id}"),
                    json!({"is_public": public}),
                    &token,
                )
                .await;
            assert_eq!(r.status(), StatusCode::OK);
        }
    };
    publish(true).await;
    let theirs = chart(other.access.clone(), by_region.clone()).await;
    assert_eq!(theirs.status(), StatusCode::OK);
    publish(false).await;
    assert_problem(chart(other.access.clone(), by_region.clone()).await, 404).await;

    // a deleted dataset no longer answers, cached or not
    assert_eq!(
        app.delete(&format!("/datasets/{id}"), &admin.access)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(chart(admin.access.clone(), by_region).await, 404).await;
}
