//! Dashboards and folders (issue 15) over HTTP: CRUD, versions (a stale one is a 409 and changes
//! nothing), moves, folder nesting and deletion rules, search and folder filters, roles,
//! organisation isolation, and every chart of a dashboard answered at once with a failing chart
//! as a problem beside the others.

use serde_json::{json, Value};
use tessera_e2e::{assert_problem, spawn_app, spawn_app_with, TestApp};
use tessera_testkit::net::{HttpReceiver, Reply};

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

#[tokio::test]
async fn themes_and_templates_are_built_in_for_everyone_and_owned_by_organisations() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let demo = app.source_id(&admin, "demo").await;
    let themes = ok_json(app.get("/custom-themes", Some(&admin.access)).await).await;
    let builtin: Vec<&str> = themes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["builtin"] == true)
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(builtin, ["light", "dark", "ocean", "high-contrast"]);
    // built-ins are read-only, for admins too
    let dark = ok_json(app.get("/custom-themes/dark", Some(&admin.access)).await).await;
    assert!(dark["definition"]["palette"].as_array().unwrap().len() >= 6);
    let theme = json!({"name": "Brand", "definition": {"palette": ["#112233", "#abc"], "fonts": {"family": "Inter, sans-serif", "size": 13}, "background": "#ffffff", "text": "#111111"}});
    assert_problem(
        app.put("/custom-themes/dark", theme.clone(), &admin.access)
            .await,
        403,
    )
    .await;
    assert_problem(app.delete("/custom-themes/light", &admin.access).await, 403).await;
    // an organisation's own
    let mine = created(&app, "/custom-themes", &admin.access, theme.clone()).await;
    let id = mine["id"].as_str().unwrap().to_owned();
    assert_eq!(mine["builtin"], false);
    let mut renamed = theme.clone();
    renamed["name"] = json!("Brand 2");
    let up = ok_json(
        app.put(&format!("/custom-themes/{id}"), renamed, &admin.access)
            .await,
    )
    .await;
    assert_eq!(up["name"], "Brand 2");
    let mut bad = theme.clone();
    bad["definition"]["palette"] = json!(["#112233", "blue"]);
    let p = assert_problem(
        app.post("/custom-themes", bad, Some(&admin.access)).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["definition.palette[1]"]);
    // a dashboard may use it; another organisation may not, and does not see it
    created(
        &app,
        "/dashboards",
        &admin.access,
        json!({"title": "Branded", "theme": id}),
    )
    .await;
    let (_, stranger) = app.register_and_login("stranger", Some("Elsewhere")).await;
    assert_problem(
        app.get(&format!("/custom-themes/{id}"), Some(&stranger.access))
            .await,
        404,
    )
    .await;
    let theirs = ok_json(app.get("/custom-themes", Some(&stranger.access)).await).await;
    assert_eq!(theirs["total"], 4, "the built-ins only");
    let p = assert_problem(
        app.post(
            "/dashboards",
            json!({"title": "x", "theme": id}),
            Some(&stranger.access),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["theme"]);
    assert_problem(
        app.delete(&format!("/custom-themes/{id}"), &stranger.access)
            .await,
        404,
    )
    .await;
    let (_, viewer) = app.member(&admin, "viewer").await;
    assert_problem(
        app.post("/custom-themes", theme, Some(&viewer.access))
            .await,
        403,
    )
    .await;
    assert_eq!(
        app.delete(&format!("/custom-themes/{id}"), &admin.access)
            .await
            .status(),
        204
    );

    // layout templates
    let layouts = ok_json(app.get("/layout-templates", Some(&admin.access)).await).await;
    assert!(layouts["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["id"] == "two-by-two"));
    let p = assert_problem(
        app.post(
            "/layout-templates",
            json!({"name": "Bad", "definition": {"slots": [{"x": 20, "y": 0, "w": 8, "h": 2}]}}),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["definition.slots[0]"]);
    created(&app, "/layout-templates", &admin.access, json!({"name": "Halves", "definition": {"columns": 24, "slots": [{"x": 0, "y": 0, "w": 12, "h": 6}, {"x": 12, "y": 0, "w": 12, "h": 6}]}})).await;

    // chart templates: a built-in one instantiated over the demo source, ready for a dashboard
    let chart = ok_json(
        app.post("/chart-templates/top-n/instantiate", json!({"values": {"source_id": demo, "table": "transactions", "dimension": "category", "measure": "amount"}}), Some(&admin.access)).await,
    )
    .await;
    assert_eq!(
        (chart["chart_type"].as_str(), chart["title"].as_str()),
        (Some("bar"), Some("Top category by amount"))
    );
    assert_eq!(chart["query"]["dimensions"], json!(["category"]));
    let d = created(
        &app,
        "/dashboards",
        &admin.access,
        json!({"title": "From a template", "charts": [chart]}),
    )
    .await;
    let data = ok_json(
        app.get(
            &format!("/dashboards/{}/data", d["id"]),
            Some(&admin.access),
        )
        .await,
    )
    .await;
    assert!(
        data["charts"][0]["data"].as_array().unwrap().len() > 1,
        "{data}"
    );
    let p = assert_problem(
        app.post("/chart-templates/top-n/instantiate", json!({"values": {"source_id": demo, "table": "transactions", "dimension": "category"}}), Some(&admin.access)).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["values.measure"]);
    let p = assert_problem(
        app.post("/chart-templates/top-n/instantiate", json!({"values": {"source_id": demo, "table": "transactions", "dimension": "category", "measure": "no_such_column"}}), Some(&admin.access)).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["values"], "{p}");
    // an own template must declare every placeholder it uses
    let p = assert_problem(
        app.post("/chart-templates", json!({"name": "T", "definition": {"placeholders": ["table"], "chart": {"title": "{{table}} {{other}}", "chart_type": "number", "query": {"source_id": "{{source_id}}", "table": "{{table}}", "measures": [{"agg": "count"}]}, "position": {"x": 0, "y": 0, "w": 6, "h": 3}}}}), Some(&admin.access)).await,
        422,
    )
    .await;
    assert!(fields(&p).iter().all(|f| f == "definition.chart"), "{p}");
    let own = created(&app, "/chart-templates", &admin.access, json!({"name": "Row count", "definition": {"placeholders": ["source_id", "table"], "chart": {"title": "Rows of {{table}}", "chart_type": "number", "query": {"source_id": "{{source_id}}", "table": "{{table}}", "measures": [{"agg": "count", "as": "rows"}]}, "position": {"x": 0, "y": 0, "w": 6, "h": 3}}}})).await;
    let chart = ok_json(
        app.post(
            &format!(
                "/chart-templates/{}/instantiate",
                own["id"].as_str().unwrap()
            ),
            json!({"values": {"source_id": demo, "table": "orders"}}),
            Some(&admin.access),
        )
        .await,
    )
    .await;
    assert_eq!(chart["title"], "Rows of orders");
}

#[tokio::test]
async fn insights_read_trends_anomalies_performers_and_changes_from_queries_charts_and_columns() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    // 60 days rising by 10 a day with a weekday-free wobble, and one planted spike
    let mut rows = Vec::new();
    for i in 0..60 {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(i);
        let v = if i == 40 {
            5000.0
        } else {
            100.0 + 10.0 * i as f64 + [3.0, -2.0, 1.0, -1.0, 2.0][i as usize % 5]
        };
        for (cat, share) in [("electronics", 0.6), ("books", 0.3), ("garden", 0.1)] {
            rows.push(format!("('{day} 12:00:00', '{cat}', {})", v * share));
        }
    }
    let source = app
        .sqlite_source(&admin, "sales", &format!("CREATE TABLE sales (at TIMESTAMP, category TEXT, amount REAL); INSERT INTO sales VALUES {};", rows.join(",")))
        .await;
    let daily = json!({"source_id": source, "table": "sales",
        "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}],
        "time": {"column": "at", "granularity": "day", "range": {"from": "2026-01-01", "to": "2026-03-02"}}});
    let got = ok_json(
        app.post("/insights", json!({"query": daily}), Some(&admin.access))
            .await,
    )
    .await;
    let list = got["insights"].as_array().unwrap();
    let of = |kind: &str| {
        list.iter()
            .filter(|i| i["type"] == kind)
            .cloned()
            .collect::<Vec<_>>()
    };
    let trend = &of("trend")[0];
    assert_eq!(trend["data"]["direction"], "up", "{got}");
    assert!(
        trend["message"]
            .as_str()
            .unwrap()
            .starts_with("Revenue is rising"),
        "{trend}"
    );
    let anomalies = of("anomaly");
    assert_eq!(anomalies.len(), 1, "{got}");
    assert_eq!(anomalies[0]["data"]["at"], "2026-02-10");
    assert!(["warning", "critical"].contains(&anomalies[0]["severity"].as_str().unwrap()));
    assert_eq!(of("summary").len(), 1);
    let change = &of("period_change")[0];
    assert!(
        change["message"].as_str().unwrap().contains("grew"),
        "{change}"
    );

    // by category over February against January: the top performer and what drove the change
    let by_cat = json!({"source_id": source, "table": "sales",
        "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}], "dimensions": ["category"],
        "time": {"column": "at", "range": {"from": "2026-01-31", "to": "2026-03-02"}}});
    let got = ok_json(
        app.post(
            "/insights",
            json!({"query": by_cat.clone()}),
            Some(&admin.access),
        )
        .await,
    )
    .await;
    let top = got["insights"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "top_performers")
        .unwrap()
        .clone();
    assert!(
        top["message"]
            .as_str()
            .unwrap()
            .starts_with("electronics leads category with 60% of revenue"),
        "{top}"
    );
    let change = got["insights"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "period_change")
        .unwrap()
        .clone();
    assert!(
        change["message"]
            .as_str()
            .unwrap()
            .contains("electronics drove 60% of it"),
        "{change}"
    );

    // a dashboard's chart
    let d = created(&app, "/dashboards", &admin.access, json!({"title": "Sales", "charts": [
        {"id": "cats", "title": "By category", "chart_type": "bar", "query": by_cat, "position": {"x": 0, "y": 0, "w": 12, "h": 6}}]})).await;
    let got = ok_json(
        app.post(
            "/insights",
            json!({"dashboard_id": d["id"], "chart_id": "cats"}),
            Some(&admin.access),
        )
        .await,
    )
    .await;
    assert!(got["insights"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["type"] == "top_performers"));
    assert_problem(
        app.post(
            "/insights",
            json!({"dashboard_id": d["id"], "chart_id": "nope"}),
            Some(&admin.access),
        )
        .await,
        404,
    )
    .await;
    let (_, stranger) = app.register_and_login("stranger", Some("Elsewhere")).await;
    assert_problem(
        app.post(
            "/insights",
            json!({"dashboard_id": d["id"], "chart_id": "cats"}),
            Some(&stranger.access),
        )
        .await,
        404,
    )
    .await;

    // a dataset's column
    let mut csv = String::from("id,amount,label\n");
    for i in 0..200 {
        csv.push_str(&format!(
            "{i},{},x\n",
            if i == 123 {
                9000.0
            } else {
                50.0 + (i % 10) as f64
            }
        ));
    }
    let ds = app
        .dataset(&admin.access, "amounts.csv", csv.into_bytes())
        .await;
    let ds_id = ds["id"].as_str().unwrap();
    let got = ok_json(
        app.post(
            "/insights",
            json!({"dataset_id": ds_id, "column": "amount"}),
            Some(&admin.access),
        )
        .await,
    )
    .await;
    let anomaly = got["insights"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "anomaly")
        .unwrap()
        .clone();
    assert_eq!(anomaly["data"]["value"], 9000.0, "{got}");
    let p = assert_problem(
        app.post(
            "/insights",
            json!({"dataset_id": ds_id, "column": "label"}),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["column"]);
    assert_problem(
        app.post(
            "/insights",
            json!({"dataset_id": ds_id, "column": "nope"}),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        app.post(
            "/insights",
            json!({"dataset_id": ds_id, "column": "amount"}),
            Some(&stranger.access),
        )
        .await,
        404,
    )
    .await;
    let p = assert_problem(
        app.post(
            "/insights",
            json!({"query": {}, "dataset_id": ds_id}),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["body"]);
}

fn png_size(p: &[u8]) -> (u32, u32) {
    assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    (
        u32::from_be_bytes([p[16], p[17], p[18], p[19]]),
        u32::from_be_bytes([p[20], p[21], p[22], p[23]]),
    )
}

#[tokio::test]
async fn charts_render_as_svg_png_and_csv_and_a_dashboard_as_a_page() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let demo = app.source_id(&admin, "demo").await;
    let query = json!({"source_id": demo, "table": "transactions", "measures": [{"agg": "sum", "column": "amount", "as": "revenue"}], "dimensions": ["category"]});
    let post = |path: &str, body: Value| {
        app.client
            .post(app.url(path))
            .bearer_auth(&admin.access)
            .json(&body)
            .send()
    };

    let r = post("/charts/query?format=svg", query.clone())
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let svg = r.text().await.unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<rect") && svg.ends_with("</svg>"));
    let r = post(
        "/charts/query?format=png&width=320&height=200",
        query.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(png_size(&r.bytes().await.unwrap()), (320, 200));
    let r = post("/charts/query?format=csv", query.clone())
        .await
        .unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("category,revenue\r\n"), "{csv}");
    assert!(csv.lines().count() > 2);
    // JSON stays the default, and bad formats and sizes are named
    let r = post("/charts/query", query.clone()).await.unwrap();
    assert_eq!(ok_json(r).await["success"], true);
    assert_problem(
        post("/charts/query?format=gif", query.clone())
            .await
            .unwrap(),
        422,
    )
    .await;
    let p = assert_problem(
        post("/charts/query?format=png&width=99999", query.clone())
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(fields(&p), ["width"]);
    // named metrics too
    let r = app
        .get(
            "/charts/pie?metric=revenue_by_segment&format=png&width=240&height=240",
            Some(&admin.access),
        )
        .await;
    assert_eq!(png_size(&r.bytes().await.unwrap()), (240, 240));
    let r = app
        .get(
            "/charts/line?metric=revenue&format=svg",
            Some(&admin.access),
        )
        .await;
    assert!(r.text().await.unwrap().contains("<polyline"));

    // a dashboard's chart in its theme, and the dashboard as a page
    let d = created(&app, "/dashboards", &admin.access, json!({"title": "Sales <wall>", "theme": "dark", "charts": [
        {"id": "cats", "title": "By category", "chart_type": "pie", "query": query, "position": {"x": 0, "y": 0, "w": 12, "h": 8}},
        {"id": "line", "title": "Revenue", "chart_type": "area", "metric": {"metric": "revenue", "period": "30d"}, "position": {"x": 12, "y": 0, "w": 12, "h": 8}},
        {"id": "bad", "title": "Broken", "chart_type": "table", "query": {"source_id": demo, "table": "nope", "measures": [{"agg": "count"}]}, "position": {"x": 0, "y": 8, "w": 24, "h": 4}}]})).await;
    let id = d["id"].as_i64().unwrap();
    let r = app
        .get(
            &format!("/dashboards/{id}/charts/cats?format=png&width=400&height=300"),
            Some(&admin.access),
        )
        .await;
    assert_eq!(png_size(&r.bytes().await.unwrap()), (400, 300));
    let svg = app
        .get(
            &format!("/dashboards/{id}/charts/cats?format=svg"),
            Some(&admin.access),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        svg.contains("fill=\"#1E1E1E\""),
        "the dark theme's background"
    );
    let json = ok_json(
        app.get(
            &format!("/dashboards/{id}/charts/line"),
            Some(&admin.access),
        )
        .await,
    )
    .await;
    assert!(json["data"].as_array().unwrap().len() > 20);
    assert_problem(
        app.get(
            &format!("/dashboards/{id}/charts/bad?format=png"),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        app.get(&format!("/dashboards/{id}/charts/zzz"), Some(&admin.access))
            .await,
        404,
    )
    .await;
    let r = app
        .get(&format!("/dashboards/{id}/view"), Some(&admin.access))
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("<h1>Sales &lt;wall&gt;</h1>"));
    assert!(!html.contains("<script"), "no JavaScript");
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "two charts drawn, the broken one explained"
    );
    assert!(html.contains("id=\"chart-bad\""));
    let (_, stranger) = app.register_and_login("stranger", Some("Elsewhere")).await;
    assert_problem(
        app.get(&format!("/dashboards/{id}/view"), Some(&stranger.access))
            .await,
        404,
    )
    .await;

    // the page renders in headless Chromium
    let Some(browser) = crate::report_browser::chromium() else {
        tessera_testkit::skip("chromium", "not installed; .ci/run installs it");
        return;
    };
    let dir = crate::report_browser::artifacts();
    let (page, shot) = (
        dir.join("dashboard-view.html"),
        dir.join("dashboard-view.png"),
    );
    std::fs::write(&page, &html).unwrap();
    crate::report_browser::screenshot(&browser, &page, &shot, "1280,800");
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(png_size(&png), (1280, 800));
    assert!(png.len() > 10_000, "a real screenshot");
}

/// Every chart of a generated dashboard answers (no problem) and the dashboard has the kinds a
/// person expects.
async fn assert_generated_dashboard_works(app: &TestApp, token: &str, d: &Value) {
    let id = d["id"].as_i64().expect("the id at the top level");
    let charts = d["charts"].as_array().unwrap();
    assert!(charts.len() >= 4, "{d}");
    let kinds: Vec<&str> = charts
        .iter()
        .map(|c| c["chart_type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"number"), "KPI tiles: {kinds:?}");
    assert!(
        kinds.iter().any(|k| ["line", "area"].contains(k)),
        "a time series: {kinds:?}"
    );
    assert!(
        kinds.iter().any(|k| ["bar", "pie", "table"].contains(k)),
        "a breakdown: {kinds:?}"
    );
    for c in charts {
        let t = c["title"].as_str().unwrap();
        assert!(
            !t.contains('_') && t.chars().next().unwrap().is_uppercase(),
            "a title a person would write: {t}"
        );
    }
    let data = ok_json(
        app.get(&format!("/dashboards/{id}/data"), Some(token))
            .await,
    )
    .await;
    for c in data["charts"].as_array().unwrap() {
        assert!(c.get("problem").is_none(), "every chart evaluates: {c}");
        assert!(c["data"].is_array());
    }
}

#[tokio::test]
async fn a_dashboard_is_generated_for_the_demo_source_by_the_heuristic() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let demo = app.source_id(&admin, "demo").await;
    let r = app
        .post(
            "/dashboards/generate",
            json!({"source_id": demo, "goal": "revenue by category"}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["generator"]["name"], "heuristic");
    assert!(
        d["generator"]["reason"]
            .as_str()
            .unwrap()
            .contains("no language model"),
        "{d}"
    );
    assert_eq!(d["version"], 1);
    let charts = d["charts"].as_array().unwrap();
    assert!(
        charts.iter().any(|c| c["title"] == "Amount by category"),
        "{d}"
    );
    // ids and keys are never summed
    for c in charts {
        let q = &c["query"];
        let col = q["measures"][0]["column"].as_str().unwrap_or("");
        assert!(!col.ends_with("id"), "{c}");
    }
    assert_generated_dashboard_works(&app, &admin.access, &d).await;
    // bad input
    assert_problem(
        app.post(
            "/dashboards/generate",
            json!({"source_id": "nope"}),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    let p = assert_problem(
        app.post(
            "/dashboards/generate",
            json!({"source_id": demo, "tables": ["ghosts"]}),
            Some(&admin.access),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["tables[0]"]);
    let (_, viewer) = app.member(&admin, "viewer").await;
    assert_problem(
        app.post(
            "/dashboards/generate",
            json!({"source_id": demo}),
            Some(&viewer.access),
        )
        .await,
        403,
    )
    .await;
    let (_, stranger) = app.register_and_login("stranger", Some("Elsewhere")).await;
    assert_problem(
        app.post(
            "/dashboards/generate",
            json!({"source_id": demo}),
            Some(&stranger.access),
        )
        .await,
        422,
    )
    .await;
}

#[tokio::test]
async fn a_dashboard_is_generated_for_a_postgresql_schema_with_foreign_keys() {
    let Some(db) = tessera_testkit::TestDatabase::create(tessera_testkit::Engine::Postgres) else {
        return;
    };
    let mut sql = String::from(
        "CREATE TABLE customers (id SERIAL PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL, signed_up_at TIMESTAMP NOT NULL);
         CREATE TABLE orders (id SERIAL PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), status TEXT NOT NULL,
             amount NUMERIC(12,2) NOT NULL, ordered_at TIMESTAMP NOT NULL);",
    );
    for i in 0..60 {
        sql.push_str(&format!(
            "INSERT INTO customers (name, region, signed_up_at) VALUES ('customer {i}', '{}', TIMESTAMP '2026-01-01' + INTERVAL '{i} days');",
            ["north", "south", "east", "west"][i % 4]
        ));
    }
    for i in 0..600 {
        sql.push_str(&format!(
            "INSERT INTO orders (customer_id, status, amount, ordered_at) VALUES ({}, '{}', {}.{:02}, TIMESTAMP '2026-02-01' + INTERVAL '{} hours');",
            1 + i % 60,
            ["paid", "shipped", "refunded"][i % 3],
            10 + (i * 7) % 90,
            i % 100,
            i * 5
        ));
    }
    db.execute(&sql);
    let app = spawn_app().await;
    let admin = app.admin().await;
    let src = ok_json(
        app.post(
            "/data-sources",
            json!({"name": "shop", "kind": "postgres", "url": db.url}),
            Some(&admin.access),
        )
        .await,
    )
    .await;
    let r = app
        .post(
            "/dashboards/generate",
            json!({"source_id": src["id"]}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let d: Value = r.json().await.unwrap();
    // the table that references another comes first
    assert_eq!(d["charts"][0]["query"]["table"], "orders", "{d}");
    let charts = d["charts"].as_array().unwrap();
    assert!(charts.iter().any(|c| c["title"] == "Total amount"), "{d}");
    assert!(
        charts
            .iter()
            .any(|c| c["query"]["dimensions"] == json!(["status"])),
        "{d}"
    );
    assert!(
        charts
            .iter()
            .all(|c| c["query"]["measures"][0]["column"] != "customer_id"),
        "a key is never a measure"
    );
    assert_generated_dashboard_works(&app, &admin.access, &d).await;
}

#[tokio::test]
async fn a_language_model_proposes_and_nonsense_falls_back_to_the_heuristic() {
    let anthropic = HttpReceiver::start(Reply::Status(500));
    let proposal = json!({"charts": [
        {"title": "Revenue by category", "chart_type": "bar", "table": "transactions", "agg": "sum", "measure": "amount", "dimension": "category"},
        {"title": "Revenue over time", "chart_type": "line", "table": "transactions", "agg": "sum", "measure": "amount", "time": "created_at", "granularity": "week"},
        {"title": "Orders", "chart_type": "number", "table": "orders", "agg": "count"},
        {"title": "Order value", "chart_type": "number", "table": "orders", "agg": "avg", "measure": "total_amount"}]});
    let text = format!("Here is the dashboard:\n```json\n{proposal}\n```");
    anthropic.script(&[
        Reply::Json(200, json!({"content": [{"type": "text", "text": text}]}).to_string()),
        Reply::Json(200, json!({"content": [{"type": "text", "text": json!({"charts": [{"title": "Ghosts", "chart_type": "bar", "table": "transactions", "agg": "sum", "measure": "ectoplasm"}]}).to_string()}]}).to_string()),
    ]);
    let app = spawn_app_with(&[
        ("ANTHROPIC_API_KEY", "test-key"),
        ("TESSERA_AI__BASE_URL", &anthropic.url),
    ])
    .await;
    let admin = app.admin().await;
    let demo = app.source_id(&admin, "demo").await;
    let d = created(
        &app,
        "/dashboards/generate",
        &admin.access,
        json!({"source_id": demo, "goal": "sales"}),
    )
    .await;
    assert_eq!(d["generator"]["name"], "anthropic", "{d}");
    assert!(d["generator"]["reason"].is_null());
    let titles: Vec<&str> = d["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Orders",
            "Order value",
            "Revenue by category",
            "Revenue over time"
        ]
    );
    assert_generated_dashboard_works(&app, &admin.access, &d).await;
    let req = &anthropic.requests()[0];
    assert_eq!(req.path, "/v1/messages");
    assert_eq!(req.header("x-api-key"), Some("test-key"));
    assert_eq!(req.header("anthropic-version"), Some("2023-06-01"));
    let sent: Value = serde_json::from_slice(&req.body).unwrap();
    let prompt = sent["messages"][0]["content"].as_str().unwrap();
    assert!(
        prompt.contains("\"transactions\"") && prompt.contains("sales"),
        "the schema summary and the goal are sent"
    );
    // a proposal naming a column that does not exist is not used
    let d = created(
        &app,
        "/dashboards/generate",
        &admin.access,
        json!({"source_id": demo}),
    )
    .await;
    assert_eq!(d["generator"]["name"], "heuristic");
    assert!(
        d["generator"]["reason"]
            .as_str()
            .unwrap()
            .contains("ectoplasm"),
        "{d}"
    );
    // a provider that fails is not used either
    let d = created(
        &app,
        "/dashboards/generate",
        &admin.access,
        json!({"source_id": demo}),
    )
    .await;
    assert!(
        d["generator"]["reason"].as_str().unwrap().contains("500"),
        "{d}"
    );
    assert_generated_dashboard_works(&app, &admin.access, &d).await;

    // an OpenAI-compatible provider answering nonsense
    let openai = HttpReceiver::start(Reply::Json(200, json!({"choices": [{"message": {"role": "assistant", "content": "I would chart the phases of the moon."}}]}).to_string()));
    let app = spawn_app_with(&[
        ("OPENAI_API_KEY", "sk-test"),
        ("TESSERA_AI__PROVIDER", "openai"),
        ("TESSERA_AI__BASE_URL", &openai.url),
    ])
    .await;
    let admin = app.admin().await;
    let demo = app.source_id(&admin, "demo").await;
    let d = created(
        &app,
        "/dashboards/generate",
        &admin.access,
        json!({"source_id": demo}),
    )
    .await;
    assert_eq!(d["generator"]["name"], "heuristic");
    let reason = d["generator"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("openai") && reason.contains("no JSON"),
        "{reason}"
    );
    let req = &openai.requests()[0];
    assert_eq!(req.path, "/v1/chat/completions");
    assert_eq!(req.header("authorization"), Some("Bearer sk-test"));
    assert_generated_dashboard_works(&app, &admin.access, &d).await;
}

#[tokio::test]
async fn a_stranger_cannot_fill_the_database_with_folders() {
    let app = spawn_app().await;
    let (_, stranger) = app.register_and_login("hoarder", Some("Hoard")).await;
    let max = tessera_domain::dashboards::MAX_FOLDERS_PER_ORG;
    for n in 0..max {
        let r = app
            .post(
                "/folders",
                json!({"name": format!("f{n}")}),
                Some(&stranger.access),
            )
            .await;
        assert_eq!(r.status(), 201, "folder {n}");
    }
    let p = assert_problem(
        app.post(
            "/folders",
            json!({"name": "one too many"}),
            Some(&stranger.access),
        )
        .await,
        409,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("1000 folders"),
        "{p}"
    );
    assert_eq!(
        ok_json(app.get("/folders", Some(&stranger.access)).await).await["total"],
        max
    );
    // another organisation's count is its own
    let admin = app.admin().await;
    created(&app, "/folders", &admin.access, json!({"name": "Finance"})).await;
}
