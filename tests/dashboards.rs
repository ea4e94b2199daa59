//! Dashboards and folders (issue 15) over HTTP: CRUD, versions (a stale one is a 409 and changes
//! nothing), moves, folder nesting and deletion rules, search and folder filters, roles,
//! organisation isolation, and every chart of a dashboard answered at once with a failing chart
//! as a problem beside the others.

use serde_json::{json, Value};
use tessera_e2e::{assert_problem, spawn_app, TestApp};

async fn ok_json(r: reqwest::Response) -> Value {
    let status = r.status();
    let body = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn created(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let r = app.post(path, body, Some(token)).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
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

fn board(title: &str, source: &str) -> Value {
    json!({
        "title": title,
        "description": "Daily sales and where they come from",
        "theme": "dark",
        "charts": [
            {"id": "revenue", "title": "Revenue by day", "chart_type": "line",
             "query": {"source_id": source, "table": "transactions",
                       "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}],
                       "time": {"column": "created_at", "granularity": "day", "period": "30d"}},
             "options": {"color": "#336699"}, "position": {"x": 0, "y": 0, "w": 16, "h": 6}},
            {"title": "Revenue", "chart_type": "number", "metric": {"metric": "revenue", "period": "30d"},
             "position": {"x": 16, "y": 0, "w": 8, "h": 3}},
            {"title": "By category", "chart_type": "bar",
             "query": {"source_id": source, "table": "transactions",
                       "measures": [{"agg": "count", "as": "n"}], "dimensions": ["category"]},
             "position": {"x": 16, "y": 3, "w": 8, "h": 3}}
        ]
    })
}

#[tokio::test]
async fn dashboards_are_created_read_listed_versioned_moved_and_deleted() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let demo = app.source_id(&admin, "demo").await;
    let d = created(&app, "/dashboards", &admin.access, board("Sales", &demo)).await;
    let id = d["id"].as_i64().unwrap();
    assert_eq!(
        (d["version"].as_i64(), d["theme"].as_str()),
        (Some(1), Some("dark"))
    );
    assert_eq!(d["charts"][0]["id"], "revenue");
    assert_eq!(d["charts"][1]["id"], "c2", "a chart without an id gets one");
    assert_eq!(d["charts"][0]["options"]["color"], "#336699");
    assert_eq!(d["layout"]["columns"], 24);
    assert!(d["created_at"].as_str().unwrap().ends_with('Z'));

    // replace with the version read
    let mut next = board("Sales (weekly)", &demo);
    next["version"] = json!(1);
    let v2 = ok_json(
        app.put(&format!("/dashboards/{id}"), next.clone(), &admin.access)
            .await,
    )
    .await;
    assert_eq!(
        (v2["version"].as_i64(), v2["title"].as_str()),
        (Some(2), Some("Sales (weekly)"))
    );
    // a second editor still holding version 1 is refused and changes nothing
    next["title"] = json!("Overwritten");
    let p = assert_problem(
        app.put(&format!("/dashboards/{id}"), next.clone(), &admin.access)
            .await,
        409,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("version is now 2"),
        "{p}"
    );
    next.as_object_mut().unwrap().remove("version");
    let p = assert_problem(
        app.put(&format!("/dashboards/{id}"), next, &admin.access)
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["version"]);
    let now = ok_json(
        app.get(&format!("/dashboards/{id}"), Some(&admin.access))
            .await,
    )
    .await;
    assert_eq!(
        (now["title"].as_str(), now["version"].as_i64()),
        (Some("Sales (weekly)"), Some(2))
    );

    // folders: move into one, filter by it, search
    let f = created(&app, "/folders", &admin.access, json!({"name": "Finance"})).await;
    let fid = f["id"].as_i64().unwrap();
    let moved = ok_json(
        app.put(
            &format!("/dashboards/{id}/move"),
            json!({"folder_id": fid}),
            &admin.access,
        )
        .await,
    )
    .await;
    assert_eq!(
        (moved["folder_id"].as_i64(), moved["version"].as_i64()),
        (Some(fid), Some(3))
    );
    created(
        &app,
        "/dashboards",
        &admin.access,
        json!({"title": "Ops 100%_done"}),
    )
    .await;
    let page = ok_json(
        app.get(&format!("/dashboards?folder_id={fid}"), Some(&admin.access))
            .await,
    )
    .await;
    assert_eq!(
        (page["total"].as_u64(), page["items"][0]["id"].as_i64()),
        (Some(1), Some(id))
    );
    let page = ok_json(
        app.get("/dashboards?folder_id=none", Some(&admin.access))
            .await,
    )
    .await;
    assert_eq!(page["items"][0]["title"], "Ops 100%_done");
    let page = ok_json(
        app.get("/dashboards?search=WEEKLY", Some(&admin.access))
            .await,
    )
    .await;
    assert_eq!(page["total"], 1);
    let page = ok_json(
        app.get(
            "/dashboards?search=where%20they%20come",
            Some(&admin.access),
        )
        .await,
    )
    .await;
    assert_eq!(page["total"], 1, "the description is searched");
    let page = ok_json(
        app.get("/dashboards?search=100%25_", Some(&admin.access))
            .await,
    )
    .await;
    assert_eq!(page["total"], 1, "wildcards are taken literally");
    let page = ok_json(
        app.get("/dashboards?search=1%25", Some(&admin.access))
            .await,
    )
    .await;
    assert_eq!(page["total"], 0);
    assert_problem(
        app.put(
            &format!("/dashboards/{id}/move"),
            json!({"folder_id": 999999}),
            &admin.access,
        )
        .await,
        422,
    )
    .await;

    // roles and isolation
    let (_, viewer) = app.member(&admin, "viewer").await;
    ok_json(
        app.get(&format!("/dashboards/{id}"), Some(&viewer.access))
            .await,
    )
    .await;
    assert_problem(
        app.post("/dashboards", json!({"title": "x"}), Some(&viewer.access))
            .await,
        403,
    )
    .await;
    assert_problem(
        app.put(
            &format!("/dashboards/{id}/move"),
            json!({"folder_id": null}),
            &viewer.access,
        )
        .await,
        403,
    )
    .await;
    assert_problem(
        app.delete(&format!("/dashboards/{id}"), &viewer.access)
            .await,
        403,
    )
    .await;
    assert_problem(
        app.post("/folders", json!({"name": "x"}), Some(&viewer.access))
            .await,
        403,
    )
    .await;
    let (_, stranger) = app.register_and_login("stranger", Some("Elsewhere")).await;
    assert_eq!(
        ok_json(app.get("/dashboards", Some(&stranger.access)).await).await["total"],
        0
    );
    assert_eq!(
        ok_json(app.get("/folders", Some(&stranger.access)).await).await["total"],
        0
    );
    for r in [
        app.get(&format!("/dashboards/{id}"), Some(&stranger.access))
            .await,
        app.get(&format!("/dashboards/{id}/data"), Some(&stranger.access))
            .await,
        app.put(
            &format!("/dashboards/{id}/move"),
            json!({"folder_id": null}),
            &stranger.access,
        )
        .await,
        app.delete(&format!("/dashboards/{id}"), &stranger.access)
            .await,
        app.put(
            &format!("/folders/{fid}"),
            json!({"name": "mine"}),
            &stranger.access,
        )
        .await,
        app.delete(&format!("/folders/{fid}"), &stranger.access)
            .await,
    ] {
        assert_problem(r, 404).await;
    }
    // a stranger cannot file their dashboard into someone else's folder
    let p = assert_problem(
        app.post(
            "/dashboards",
            json!({"title": "x", "folder_id": fid}),
            Some(&stranger.access),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["folder_id"]);

    let r = app
        .delete(&format!("/dashboards/{id}"), &admin.access)
        .await;
    assert_eq!(r.status(), 204);
    assert_problem(
        app.get(&format!("/dashboards/{id}"), Some(&admin.access))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn bad_dashboards_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let demo = app.source_id(&admin, "demo").await;
    let with_chart = |c: Value| json!({"title": "Bad", "charts": [c]});
    let pos = json!({"x": 0, "y": 0, "w": 6, "h": 4});
    let cases = vec![
        (json!({"title": ""}), "title"),
        (json!({"title": "t", "theme": "neon"}), "theme"),
        (json!({"title": "t", "layout": [1, 2]}), "layout"),
        (
            with_chart(
                json!({"title": "c", "chart_type": "gauge", "metric": {"metric": "revenue"}, "position": pos}),
            ),
            "charts[0].chart_type",
        ),
        (
            with_chart(json!({"title": "c", "chart_type": "bar", "position": pos})),
            "charts[0].query",
        ),
        (
            with_chart(
                json!({"title": "c", "chart_type": "bar", "metric": {"metric": "nope"}, "position": pos}),
            ),
            "charts[0].metric.metric",
        ),
        (
            with_chart(
                json!({"title": "c", "chart_type": "bar", "metric": {"metric": "revenue", "period": "2w"}, "position": pos}),
            ),
            "charts[0].metric.period",
        ),
        (
            with_chart(
                json!({"title": "c", "chart_type": "bar", "metric": {"metric": "revenue"}, "position": {"x": 20, "y": 0, "w": 6, "h": 4}}),
            ),
            "charts[0].position",
        ),
        (
            with_chart(
                json!({"id": "a b", "title": "c", "chart_type": "bar", "metric": {"metric": "revenue"}, "position": pos}),
            ),
            "charts[0].id",
        ),
        (
            with_chart(
                json!({"title": "c", "chart_type": "bar", "query": {"source_id": demo, "table": "transactions", "measures": [{"agg": "bogus", "column": "amount"}]}, "position": pos}),
            ),
            "charts[0].query",
        ),
        (
            with_chart(
                json!({"title": "c", "chart_type": "bar", "metric": {"metric": "revenue"}, "options": "red", "position": pos}),
            ),
            "charts[0].options",
        ),
    ];
    for (body, field) in cases {
        let p = assert_problem(
            app.post("/dashboards", body.clone(), Some(&admin.access))
                .await,
            422,
        )
        .await;
        assert!(
            fields(&p)
                .iter()
                .any(|f| f == field || f.starts_with(&format!("{field}."))),
            "{field} not named for {body}: {p}"
        );
    }
    let twice = json!({"title": "t", "charts": [
        {"id": "a", "title": "c", "chart_type": "bar", "metric": {"metric": "revenue"}, "position": pos},
        {"id": "a", "title": "d", "chart_type": "bar", "metric": {"metric": "revenue"}, "position": pos}]});
    let p = assert_problem(
        app.post("/dashboards", twice, Some(&admin.access)).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["charts[1].id"]);
    assert_eq!(
        ok_json(app.get("/dashboards", Some(&admin.access)).await).await["total"],
        0
    );
}

#[tokio::test]
async fn folders_nest_never_in_a_circle_and_keep_what_they_hold_unless_asked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let top = created(&app, "/folders", &admin.access, json!({"name": "Company"})).await;
    let top_id = top["id"].as_i64().unwrap();
    assert!(top["parent_id"].is_null());
    let mid = created(
        &app,
        "/folders",
        &admin.access,
        json!({"name": "Sales", "parent_id": top_id}),
    )
    .await;
    let mid_id = mid["id"].as_i64().unwrap();
    let low = created(
        &app,
        "/folders",
        &admin.access,
        json!({"name": "EMEA", "parent_id": mid_id}),
    )
    .await;
    let low_id = low["id"].as_i64().unwrap();
    // no circle: the top cannot move under its own grandchild, nor a folder into itself
    let p = assert_problem(
        app.put(
            &format!("/folders/{top_id}"),
            json!({"name": "Company", "parent_id": low_id}),
            &admin.access,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["parent_id"]);
    assert_problem(
        app.put(
            &format!("/folders/{mid_id}"),
            json!({"name": "Sales", "parent_id": mid_id}),
            &admin.access,
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        app.post(
            "/folders",
            json!({"name": "x", "parent_id": 424242}),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    // rename and move up
    let renamed = ok_json(
        app.put(
            &format!("/folders/{low_id}"),
            json!({"name": "Europe", "parent_id": top_id}),
            &admin.access,
        )
        .await,
    )
    .await;
    assert_eq!(
        (renamed["name"].as_str(), renamed["parent_id"].as_i64()),
        (Some("Europe"), Some(top_id))
    );
    // nesting is bounded
    let mut parent = low_id;
    let mut refused = false;
    for i in 0..12 {
        let r = app
            .post(
                "/folders",
                json!({"name": format!("level {i}"), "parent_id": parent}),
                Some(&admin.access),
            )
            .await;
        if r.status() == 422 {
            refused = true;
            break;
        }
        parent = ok_json(r).await["id"].as_i64().unwrap();
    }
    assert!(refused, "folders nest at most 10 deep");

    // a folder holding a dashboard and a folder is kept unless the delete cascades
    let d = created(
        &app,
        "/dashboards",
        &admin.access,
        json!({"title": "Pipeline", "folder_id": mid_id}),
    )
    .await;
    let inner = created(
        &app,
        "/folders",
        &admin.access,
        json!({"name": "Inner", "parent_id": mid_id}),
    )
    .await;
    let p = assert_problem(
        app.delete(&format!("/folders/{mid_id}"), &admin.access)
            .await,
        409,
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("cascade=move_to_parent"),
        "{p}"
    );
    assert_problem(
        app.delete(
            &format!("/folders/{mid_id}?cascade=everything"),
            &admin.access,
        )
        .await,
        422,
    )
    .await;
    let r = app
        .delete(
            &format!("/folders/{mid_id}?cascade=move_to_parent"),
            &admin.access,
        )
        .await;
    assert_eq!(r.status(), 204);
    let d = ok_json(
        app.get(&format!("/dashboards/{}", d["id"]), Some(&admin.access))
            .await,
    )
    .await;
    assert_eq!(
        d["folder_id"].as_i64(),
        Some(top_id),
        "moved into the parent"
    );
    let folders = ok_json(app.get("/folders", Some(&admin.access)).await).await;
    let inner_now = folders["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == inner["id"])
        .unwrap();
    assert_eq!(inner_now["parent_id"].as_i64(), Some(top_id));
    // an empty folder goes without asking
    let empty = created(&app, "/folders", &admin.access, json!({"name": "Empty"})).await;
    assert_eq!(
        app.delete(&format!("/folders/{}", empty["id"]), &admin.access)
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn dashboard_data_answers_every_chart_and_a_failing_one_as_a_problem_beside_them() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let demo = app.source_id(&admin, "demo").await;
    let mut body = board("Sales", &demo);
    body["charts"].as_array_mut().unwrap().push(json!(
        {"id": "broken", "title": "Broken", "chart_type": "table",
         "query": {"source_id": demo, "table": "transactions", "measures": [{"agg": "sum", "column": "no_such_column"}]},
         "position": {"x": 0, "y": 6, "w": 24, "h": 4}}));
    let d = created(&app, "/dashboards", &admin.access, body).await;
    let id = d["id"].as_i64().unwrap();
    let data = ok_json(
        app.get(&format!("/dashboards/{id}/data"), Some(&admin.access))
            .await,
    )
    .await;
    assert_eq!(data["id"], id);
    let charts = data["charts"].as_array().unwrap();
    assert_eq!(charts.len(), 4);
    let ids: Vec<&str> = charts.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["revenue", "c2", "c3", "broken"],
        "in the dashboard's order"
    );
    let revenue = &charts[0];
    assert_eq!(revenue["title"], "Revenue by day");
    assert!(revenue["data"].as_array().unwrap().len() >= 28, "{revenue}");
    assert!(
        revenue["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["revenue"].is_number() || r["revenue"].is_null()),
        "{revenue}"
    );
    assert!(
        revenue["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["revenue"].as_f64().is_some_and(|v| v > 0.0)),
        "{revenue}"
    );
    assert_eq!(revenue["metadata"]["source"], "database");
    assert!(revenue["metadata"]["columns"].is_array());
    let kpi = &charts[1];
    assert!(kpi["data"][0]["value"].as_f64().unwrap() > 0.0, "{kpi}");
    let bars = &charts[2];
    assert!(!bars["data"].as_array().unwrap().is_empty());
    let broken = &charts[3];
    assert!(broken.get("data").is_none());
    assert_eq!(broken["problem"]["status"], 422, "{broken}");
    assert!(broken["problem"]["type"]
        .as_str()
        .unwrap()
        .starts_with("urn:tessera:problem:"));
    // a viewer reads the data too
    let (_, viewer) = app.member(&admin, "viewer").await;
    let r = app
        .get(&format!("/dashboards/{id}/data"), Some(&viewer.access))
        .await;
    assert_eq!(r.status(), 200);
}
