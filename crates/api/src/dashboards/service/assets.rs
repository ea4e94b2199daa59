//! Themes, chart templates and layout templates: each organisation's own (create, replace,
//! delete by editors and admins) beside the built-in ones everyone reads and nobody changes;
//! a definition is checked by its kind; a chart template is instantiated with values for its
//! placeholders into a chart that is checked and run once before it is answered.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde_json::Value as Json;
use tessera_charts::CacheUse;
use tessera_domain::dashboards::{
    check_description, check_name, Asset, AssetDraft, AssetKind, GridPosition,
};
use tessera_domain::error::Validator;
use tessera_domain::DomainError;
use tessera_store::dashboards::assets;

use crate::auth::Caller;
use crate::dashboards::service::builtins;
use crate::dashboards::service::charts::{self, ChartSpec};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A theme or template as answered.
#[derive(Debug, Clone)]
pub struct AssetView {
    /// Its id: a built-in one's name, or the number of the organisation's own.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Definition.
    pub definition: Json,
    /// Whether it is built in (read-only).
    pub builtin: bool,
    /// Created (own ones).
    pub created_at: Option<NaiveDateTime>,
    /// Last changed (own ones).
    pub updated_at: Option<NaiveDateTime>,
}

/// A theme or template as sent.
#[derive(Debug, Clone)]
pub struct AssetInput {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Definition.
    pub definition: Json,
}

fn noun(kind: AssetKind) -> &'static str {
    match kind {
        AssetKind::Theme => "theme",
        AssetKind::ChartTemplate => "chart template",
        AssetKind::LayoutTemplate => "layout template",
    }
}

impl From<Asset> for AssetView {
    fn from(a: Asset) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.name,
            description: a.description,
            definition: serde_json::from_str(&a.definition_json).unwrap_or(Json::Null),
            builtin: false,
            created_at: Some(a.created_at),
            updated_at: Some(a.updated_at),
        }
    }
}

impl From<builtins::Builtin> for AssetView {
    fn from(b: builtins::Builtin) -> Self {
        Self {
            id: b.id.to_owned(),
            name: b.name.to_owned(),
            description: b.description.to_owned(),
            definition: b.definition,
            builtin: true,
            created_at: None,
            updated_at: None,
        }
    }
}

fn colour(field: &str, v: Option<&Json>, v_: &mut Validator) {
    let ok = v.and_then(Json::as_str).is_some_and(|c| {
        let hex = c.strip_prefix('#').unwrap_or("");
        (hex.len() == 3 || hex.len() == 6) && hex.chars().all(|h| h.is_ascii_hexdigit())
    });
    if !ok {
        v_.check::<()>(Err(DomainError::field(
            field,
            "must be a colour like #1F2933",
        )));
    }
}

fn check_theme(def: &Json, v: &mut Validator) {
    match def.get("palette").and_then(Json::as_array) {
        Some(p) if (1..=20).contains(&p.len()) => {
            for (i, c) in p.iter().enumerate() {
                colour(&format!("definition.palette[{i}]"), Some(c), v);
            }
        }
        _ => {
            v.check::<()>(Err(DomainError::field(
                "definition.palette",
                "must list 1 to 20 colours",
            )));
        }
    }
    colour("definition.background", def.get("background"), v);
    colour("definition.text", def.get("text"), v);
    if def.get("muted_text").is_some() {
        colour("definition.muted_text", def.get("muted_text"), v);
    }
    let family = def.pointer("/fonts/family").and_then(Json::as_str);
    let family_ok = family.is_some_and(|f| {
        (1..=120).contains(&f.len())
            && f.chars()
                .all(|c| c.is_ascii_alphanumeric() || " ,-'_".contains(c))
    });
    if !family_ok {
        v.check::<()>(Err(DomainError::field(
            "definition.fonts.family",
            "must be a font list such as 'Inter, Helvetica, sans-serif' (letters, digits, spaces, commas)",
        )));
    }
    if let Some(size) = def.pointer("/fonts/size") {
        if !size.as_f64().is_some_and(|s| (6.0..=48.0).contains(&s)) {
            v.check::<()>(Err(DomainError::field(
                "definition.fonts.size",
                "must be a number from 6 to 48",
            )));
        }
    }
}

fn check_layout(def: &Json, v: &mut Validator) {
    if def.get("columns").is_some_and(|c| c.as_i64() != Some(24)) {
        v.check::<()>(Err(DomainError::field("definition.columns", "must be 24")));
    }
    match def.get("slots").and_then(Json::as_array) {
        Some(slots) if (1..=50).contains(&slots.len()) => {
            for (i, s) in slots.iter().enumerate() {
                let n = |k: &str| s.get(k).and_then(Json::as_i64).unwrap_or(-1);
                v.check(
                    GridPosition {
                        x: n("x"),
                        y: n("y"),
                        w: n("w"),
                        h: n("h"),
                    }
                    .check(&format!("definition.slots[{i}]")),
                );
            }
        }
        _ => {
            v.check::<()>(Err(DomainError::field(
                "definition.slots",
                "must list 1 to 50 grid slots {x, y, w, h}",
            )));
        }
    }
}

/// The placeholders a chart template's text names (`{{name}}`).
fn named_placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else { break };
        let name = after[..j].trim().to_owned();
        if !out.contains(&name) {
            out.push(name);
        }
        rest = &after[j + 2..];
    }
    out
}

fn check_chart_template(def: &Json, v: &mut Validator) {
    let declared: Vec<String> = def
        .get("placeholders")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if declared.is_empty() || declared.len() > 20 {
        v.check::<()>(Err(DomainError::field(
            "definition.placeholders",
            "must list 1 to 20 placeholder names",
        )));
    }
    match def.get("chart") {
        Some(chart) if chart.is_object() => {
            for name in named_placeholders(&chart.to_string()) {
                if !declared.contains(&name) {
                    v.check::<()>(Err(DomainError::field(
                        "definition.chart",
                        format!("uses {{{{{name}}}}}, which definition.placeholders does not list"),
                    )));
                }
            }
            if serde_json::from_value::<ChartSpec>(chart.clone()).is_err() {
                v.check::<()>(Err(DomainError::field(
                    "definition.chart",
                    "must be a dashboard chart: {title, chart_type, query or metric, position}",
                )));
            }
        }
        _ => {
            v.check::<()>(Err(DomainError::field(
                "definition.chart",
                "must be a dashboard chart with {{placeholders}}",
            )));
        }
    }
}

fn check(kind: AssetKind, input: AssetInput) -> ApiResult<AssetDraft> {
    let mut v = Validator::new();
    let name = v.check(check_name("name", &input.name));
    let description = v.check(check_description(
        "description",
        input.description.as_deref().unwrap_or_default(),
    ));
    let def = &input.definition;
    if !def.is_object() || def.to_string().len() > charts::MAX_OPTIONS_BYTES {
        v.check::<()>(Err(DomainError::field(
            "definition",
            format!(
                "must be an object of at most {} bytes",
                charts::MAX_OPTIONS_BYTES
            ),
        )));
    } else {
        match kind {
            AssetKind::Theme => check_theme(def, &mut v),
            AssetKind::LayoutTemplate => check_layout(def, &mut v),
            AssetKind::ChartTemplate => check_chart_template(def, &mut v),
        }
    }
    v.finish()?;
    Ok(AssetDraft {
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        definition_json: def.to_string(),
    })
}

/// An own asset's id from the path; a built-in's name is answered by the caller first.
fn own_id(kind: AssetKind, id: &str) -> ApiResult<i64> {
    id.parse()
        .map_err(|_| ApiError::NotFound(format!("no {} with id '{id}'", noun(kind))))
}

fn read_only(kind: AssetKind, id: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "'{id}' is a built-in {}: everyone can use it and nobody can change it; create your own",
        noun(kind)
    ))
}

/// The built-ins of `kind`, then the organisation's own.
pub async fn list(state: &AppState, caller: &Caller, kind: AssetKind) -> ApiResult<Vec<AssetView>> {
    let org = caller.org_id;
    let own = state
        .db(move |conn| Ok(assets::list(conn, org, kind)?))
        .await?;
    Ok(builtins::of(kind)
        .into_iter()
        .map(AssetView::from)
        .chain(own.into_iter().map(AssetView::from))
        .collect())
}

/// One theme or template.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    kind: AssetKind,
    id: &str,
) -> ApiResult<AssetView> {
    if let Some(b) = builtins::find(kind, id) {
        return Ok(b.into());
    }
    let (org, n) = (caller.org_id, own_id(kind, id)?);
    let what = noun(kind);
    state
        .db(move |conn| {
            assets::find(conn, org, kind, n)
                .map(AssetView::from)
                .map_err(|e| match e {
                    tessera_store::StoreError::NotFound => {
                        ApiError::NotFound(format!("no {what} with id '{n}'"))
                    }
                    other => other.into(),
                })
        })
        .await
}

/// Creates one (editors and admins).
pub async fn create(
    state: &AppState,
    caller: &Caller,
    kind: AssetKind,
    input: AssetInput,
) -> ApiResult<AssetView> {
    caller.require_editor("themes and templates")?;
    let draft = check(kind, input)?;
    let (org, at) = (caller.org_id, state.now());
    let saved = state
        .db(move |conn| Ok(assets::create(conn, org, kind, &draft, at)?))
        .await?;
    saved.map(AssetView::from).ok_or_else(|| {
        ApiError::Conflict(format!(
            "the organisation has {} {}s, the most allowed; delete one first",
            assets::MAX_PER_KIND,
            noun(kind)
        ))
    })
}

/// Replaces one of the organisation's own (editors and admins); built-ins are read-only.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    kind: AssetKind,
    id: &str,
    input: AssetInput,
) -> ApiResult<AssetView> {
    caller.require_editor("themes and templates")?;
    if builtins::find(kind, id).is_some() {
        return Err(read_only(kind, id));
    }
    let n = own_id(kind, id)?;
    let draft = check(kind, input)?;
    let (org, at, what) = (caller.org_id, state.now(), noun(kind));
    state
        .db(move |conn| {
            assets::update(conn, org, kind, n, &draft, at)
                .map(AssetView::from)
                .map_err(|e| match e {
                    tessera_store::StoreError::NotFound => {
                        ApiError::NotFound(format!("no {what} with id '{n}'"))
                    }
                    other => other.into(),
                })
        })
        .await
}

/// Deletes one of the organisation's own (editors and admins); built-ins are read-only.
pub async fn delete(state: &AppState, caller: &Caller, kind: AssetKind, id: &str) -> ApiResult<()> {
    caller.require_editor("themes and templates")?;
    if builtins::find(kind, id).is_some() {
        return Err(read_only(kind, id));
    }
    let (org, n) = (caller.org_id, own_id(kind, id)?);
    if state
        .db(move |conn| Ok(assets::delete(conn, org, kind, n)?))
        .await?
    {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "no {} with id '{n}'",
            noun(kind)
        )))
    }
}

/// Fills `{{name}}`s in every string of `v` from `values`.
fn fill(v: &Json, values: &BTreeMap<String, String>) -> Json {
    match v {
        Json::String(s) => {
            let mut out = s.clone();
            for (k, val) in values {
                out = out.replace(&format!("{{{{{k}}}}}"), val);
            }
            Json::String(out)
        }
        Json::Array(a) => Json::Array(a.iter().map(|x| fill(x, values)).collect()),
        Json::Object(o) => Json::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), fill(x, values)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Instantiates chart template `id` with `values` for its placeholders: the chart, checked and
/// run once (an unknown source, table or column is refused naming the placeholder's field).
pub async fn instantiate(
    state: &AppState,
    caller: &Caller,
    id: &str,
    values: BTreeMap<String, String>,
) -> ApiResult<ChartSpec> {
    let template = get(state, caller, AssetKind::ChartTemplate, id).await?;
    let declared: Vec<String> = template.definition["placeholders"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut v = Validator::new();
    for name in &declared {
        let given = values.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
        match given {
            None => {
                v.check::<()>(Err(DomainError::field(
                    format!("values.{name}"),
                    "is required by the template",
                )));
            }
            Some(s) if s.len() > 200 || s.contains("{{") => {
                v.check::<()>(Err(DomainError::field(
                    format!("values.{name}"),
                    "must be at most 200 characters without {{ }}",
                )));
            }
            Some(_) => {}
        }
    }
    for name in values.keys().filter(|k| !declared.contains(k)) {
        v.check::<()>(Err(DomainError::field(
            format!("values.{name}"),
            format!(
                "is not a placeholder of this template ({})",
                declared.join(", ")
            ),
        )));
    }
    v.finish()?;
    let filled = fill(&template.definition["chart"], &values);
    let chart: ChartSpec = serde_json::from_value(filled)
        .map_err(|e| ApiError::field("definition.chart", e.to_string()))?;
    let mut checked = charts::check(state, vec![chart])?;
    let chart = checked
        .pop()
        .ok_or_else(|| ApiError::Internal("no chart".into()))?;
    // run it once: names that do not exist are the caller's values' mistake
    match charts::run(state, &caller.viewer(), &chart, CacheUse::Bypass).await {
        Ok(_) => Ok(chart),
        Err(ApiError::Validation(errors)) => Err(ApiError::Validation(
            errors
                .into_iter()
                .map(|mut f| {
                    f.message = format!("the chart's {}: {}", f.field, f.message);
                    f.field = "values".into();
                    f
                })
                .collect(),
        )),
        Err(ApiError::NotFound(m)) => Err(ApiError::field("values.source_id", m)),
        Err(e) => Err(e),
    }
}
