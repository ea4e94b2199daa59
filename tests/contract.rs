//! Responses match the OpenAPI document the server publishes: every answer of the calls below is
//! checked against its operation's documented schema (types, required fields, nullability), and
//! every `date-time` field must be RFC 3339 with an offset, so browsers never read it as local time.

use reqwest::{Method, Response};
use serde_json::{json, Value};
use tessera_e2e::{spawn_app, TestApp, SAMPLE_CSV};

/// RFC 3339 date-time with a mandatory offset (`Z` or `±HH:MM`).
fn is_rfc3339(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// Follows `$ref` to `#/components/schemas/...`.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &spec["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

/// Collects every way `value` departs from `schema` into `errors`, with its JSON path.
fn check(spec: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if let Some(alternatives) = schema.get("oneOf").or_else(|| schema.get("anyOf")) {
        let fits = alternatives.as_array().unwrap().iter().any(|alt| {
            let mut e = Vec::new();
            check(spec, alt, value, path, &mut e);
            e.is_empty()
        });
        if !fits {
            errors.push(format!("{path}: {value} fits none of the alternatives"));
        }
        return;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            check(spec, part, value, path, errors);
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
        errors.push(format!("{path}: {value} is not of type {types:?}"));
        return;
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time") {
        if let Some(s) = value.as_str() {
            if !is_rfc3339(s) {
                errors.push(format!("{path}: '{s}' is not RFC 3339 with an offset"));
            }
        }
    }
    if let Some(obj) = value.as_object() {
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = required.as_str().unwrap();
            if !obj.contains_key(key) {
                errors.push(format!("{path}: required field '{key}' is missing"));
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (key, sub) in props {
                if let Some(v) = obj.get(key) {
                    check(spec, sub, v, &format!("{path}.{key}"), errors);
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            check(spec, items, v, &format!("{path}[{i}]"), errors);
        }
    }
}

/// Checks that the spec documents at least one `date-time` field under `schema`.
fn has_date_time(spec: &Value, schema: &Value, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    let schema = resolve(spec, schema);
    if schema.get("format").and_then(Value::as_str) == Some("date-time") {
        return true;
    }
    let nested = ["properties", "items", "oneOf", "anyOf", "allOf"];
    nested.iter().any(|k| match schema.get(*k) {
        Some(Value::Object(m)) if *k == "properties" => {
            m.values().any(|s| has_date_time(spec, s, depth + 1))
        }
        Some(Value::Array(a)) => a.iter().any(|s| has_date_time(spec, s, depth + 1)),
        Some(s @ Value::Object(_)) => has_date_time(spec, s, depth + 1),
        _ => false,
    })
}

struct Contract {
    spec: Value,
    checked: Vec<String>,
    with_date_time: usize,
    errors: Vec<String>,
}

impl Contract {
    async fn load(app: &TestApp) -> Self {
        let spec = app
            .get("/openapi.json", None)
            .await
            .json::<Value>()
            .await
            .unwrap();
        Self {
            spec,
            checked: vec![],
            with_date_time: 0,
            errors: vec![],
        }
    }

    /// Checks a response of `method template` against its documented schema; answers the body.
    async fn verify(&mut self, method: Method, template: &str, r: Response) -> Value {
        let status = r.status().as_u16().to_string();
        let body: Value = r.json().await.unwrap();
        let op =
            &self.spec["paths"][format!("/api/v1{template}")][method.as_str().to_ascii_lowercase()];
        assert!(op.is_object(), "{method} {template} is not documented");
        let schema = &op["responses"][&status]["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {template} answered {status}, which is not documented: {body}"
        );
        if has_date_time(&self.spec, schema, 0) {
            self.with_date_time += 1;
        }
        check(
            &self.spec,
            schema,
            &body,
            &format!("{method} {template}"),
            &mut self.errors,
        );
        self.checked.push(format!("{method} {template}"));
        body
    }
}

#[tokio::test]
async fn responses_match_their_documented_schemas_and_timestamps_carry_an_offset() {
    let app = spawn_app().await;
    let mut c = Contract::load(&app).await;

    let email = format!(
        "c-{}@example.org",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let r = app
        .post(
            "/auth/register",
            json!({"email": email, "password": "correct-horse-9", "full_name": "C", "organization_name": "Contract"}),
            None,
        )
        .await;
    c.verify(Method::POST, "/auth/register", r).await;
    let admin = app.admin().await;
    let t = admin.access.as_str();

    let r = app.get("/users/me", Some(t)).await;
    let me = c.verify(Method::GET, "/users/me", r).await;
    let r = app.get("/users", Some(t)).await;
    c.verify(Method::GET, "/users", r).await;
    let r = app
        .get(&format!("/users/{}", me["id"].as_str().unwrap()), Some(t))
        .await;
    c.verify(Method::GET, "/users/{id}", r).await;
    let r = app.get("/auth/session", Some(t)).await;
    c.verify(Method::GET, "/auth/session", r).await;

    let r = app.get("/data-sources", Some(t)).await;
    c.verify(Method::GET, "/data-sources", r).await;
    let demo = app.source_id(&admin, "demo").await;
    let r = app.get(&format!("/data-sources/{demo}"), Some(t)).await;
    c.verify(Method::GET, "/data-sources/{id}", r).await;
    let r = app
        .post(
            "/datamarts",
            json!({"name": "big_orders", "source_id": demo, "sql": "SELECT * FROM orders WHERE amount > 100"}),
            Some(t),
        )
        .await;
    c.verify(Method::POST, "/datamarts", r).await;
    let r = app.get("/datamarts", Some(t)).await;
    c.verify(Method::GET, "/datamarts", r).await;

    let r = app.get("/charts/metrics", Some(t)).await;
    c.verify(Method::GET, "/charts/metrics", r).await;
    let r = app
        .get("/charts/bar?metric=revenue&period=30d", Some(t))
        .await;
    c.verify(Method::GET, "/charts/bar", r).await;

    let r = app
        .upload(t, "sales.csv", SAMPLE_CSV.as_bytes().to_vec(), &[])
        .await;
    let d = c.verify(Method::POST, "/datasets/upload", r).await;
    let did = d["id"].as_str().unwrap().to_owned();
    let r = app.get("/datasets", Some(t)).await;
    c.verify(Method::GET, "/datasets", r).await;
    let r = app
        .post(
            "/reports/analyze",
            json!({"dataset_id": did, "report_title": "Contract"}),
            Some(t),
        )
        .await;
    let rep = c.verify(Method::POST, "/reports/analyze", r).await;
    let rid = rep["id"].as_str().unwrap().to_owned();
    app.wait_report(t, &rid).await;
    let r = app.get(&format!("/reports/{rid}"), Some(t)).await;
    c.verify(Method::GET, "/reports/{id}", r).await;
    let r = app.get("/reports", Some(t)).await;
    c.verify(Method::GET, "/reports", r).await;
    let r = app
        .post(
            &format!("/reports/{rid}/share"),
            json!({"expires_in_hours": 2}),
            Some(t),
        )
        .await;
    c.verify(Method::POST, "/reports/{id}/share", r).await;
    let r = app.get(&format!("/reports/{rid}/shares"), Some(t)).await;
    c.verify(Method::GET, "/reports/{id}/shares", r).await;
    let r = app.get("/reports/dashboard/stats", Some(t)).await;
    c.verify(Method::GET, "/reports/dashboard/stats", r).await;

    assert!(
        c.errors.is_empty(),
        "responses depart from the spec:\n{}",
        c.errors.join("\n")
    );
    assert!(c.with_date_time >= 12, "checked {:?}", c.checked);
}

#[test]
fn the_checker_refuses_local_times_and_wrong_shapes() {
    let spec = json!({"components": {"schemas": {"T": {"type": "object", "required": ["at"], "properties": {"at": {"type": "string", "format": "date-time"}, "n": {"type": ["integer", "null"]}}}}}});
    let schema = json!({"$ref": "#/components/schemas/T"});
    let mut e = vec![];
    check(
        &spec,
        &schema,
        &json!({"at": "2026-01-02T03:04:05Z", "n": null}),
        "ok",
        &mut e,
    );
    assert!(e.is_empty(), "{e:?}");
    for bad in [
        json!({"at": "2026-01-02T03:04:05"}),
        json!({"at": "2026-01-02T03:04:05Z", "n": "1"}),
        json!({"n": 1}),
        json!([]),
    ] {
        let mut e = vec![];
        check(&spec, &schema, &bad, "bad", &mut e);
        assert!(!e.is_empty(), "{bad} passed");
    }
}
