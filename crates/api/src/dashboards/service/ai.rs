//! A language model's proposal for a generated dashboard: the schema summary (tables, columns
//! and their roles, distinct counts; never any row) sent to Anthropic's messages API or an
//! OpenAI-compatible chat completions API, and the answer used only if every chart it proposes
//! names tables and columns that exist, in roles that fit. Anything else (no answer, an error
//! status, text that is not the JSON asked for, an unknown name) leaves the choice to the
//! heuristic, with the reason.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value as Json};

use crate::dashboards::service::heuristic::{column_roles, Profile, Proposal, MAX_GENERATED};
use crate::state::AppState;

/// What the model did.
pub enum Proposed {
    /// No provider is configured.
    NotConfigured,
    /// Its proposal, checked.
    Used {
        /// `anthropic` or `openai`.
        kind: String,
        /// The charts.
        proposals: Vec<Proposal>,
    },
    /// It could not be used.
    Failed {
        /// `anthropic` or `openai`.
        kind: String,
        /// Why.
        why: String,
    },
}

/// A chart as the model writes it.
#[derive(Debug, Deserialize)]
struct Asked {
    title: String,
    chart_type: String,
    table: String,
    #[serde(default)]
    agg: Option<String>,
    #[serde(default)]
    measure: Option<String>,
    #[serde(default)]
    dimension: Option<String>,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    granularity: Option<String>,
    #[serde(default)]
    top: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Answer {
    charts: Vec<Asked>,
}

fn prompt(profiles: &[Profile], goal: Option<&str>) -> String {
    format!(
        "You design analytics dashboards. Propose up to {MAX_GENERATED} charts for the tables below \
(roles: time = time axis, measure = numeric value, dimension = low-cardinality category, key = identifier, \
other = not for charts). Goal: {}.\n\nTables (JSON): {}\n\nAnswer with JSON only, no prose: \
{{\"charts\": [{{\"title\": string, \"chart_type\": \"bar\"|\"line\"|\"area\"|\"pie\"|\"table\"|\"number\", \
\"table\": string, \"agg\": \"count\"|\"sum\"|\"avg\"|\"min\"|\"max\"|\"count_distinct\", \"measure\": string|null, \
\"dimension\": string|null, \"time\": string|null, \"granularity\": \"day\"|\"week\"|\"month\"|\"quarter\"|\"year\"|null, \
\"top\": integer|null}}]}}. Use only the tables and columns listed.",
        goal.map(str::trim).filter(|g| !g.is_empty()).unwrap_or("an overview"),
        serde_json::to_string(profiles).unwrap_or_default()
    )
}

/// The JSON object in a model's text (fenced or not).
fn json_in(text: &str) -> Option<&str> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    (end > start).then(|| &text[start..=end])
}

/// Checks the model's charts against the profiled tables.
fn check(answer: Answer, profiles: &[Profile]) -> Result<Vec<Proposal>, String> {
    if answer.charts.is_empty() {
        return Err("it proposed no charts".into());
    }
    let roles = column_roles(profiles);
    let tables: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    let mut out = Vec::new();
    for (i, c) in answer.charts.into_iter().take(MAX_GENERATED).enumerate() {
        let n = i + 1;
        let table = tables.iter().find(|t| **t == c.table).ok_or_else(|| {
            format!(
                "chart {n} names table '{}', which is not among {}",
                c.table,
                tables.join(", ")
            )
        })?;
        let role = |col: &str| roles.get(&(table.to_string(), col.to_owned())).copied();
        let chart_type: &'static str = match c.chart_type.as_str() {
            "bar" => "bar",
            "line" => "line",
            "area" => "area",
            "pie" => "pie",
            "table" => "table",
            "number" => "number",
            other => return Err(format!("chart {n} has chart type '{other}'")),
        };
        let agg = c.agg.clone().unwrap_or_else(|| "count".into());
        if !["count", "sum", "avg", "min", "max", "count_distinct"].contains(&agg.as_str()) {
            return Err(format!("chart {n} aggregates with '{agg}'"));
        }
        if let Some(m) = &c.measure {
            match role(m) {
                None => {
                    return Err(format!(
                        "chart {n} names column '{m}', which table '{table}' does not have"
                    ))
                }
                Some("measure") => {}
                Some(_) if agg == "count_distinct" || agg == "count" => {}
                Some(r) => return Err(format!("chart {n} sums '{m}', a {r} column")),
            }
        } else if agg != "count" {
            return Err(format!("chart {n} uses {agg} without a measure"));
        }
        if let Some(d) = &c.dimension {
            if role(d).is_none() {
                return Err(format!(
                    "chart {n} groups by '{d}', which table '{table}' does not have"
                ));
            }
        }
        if let Some(t) = &c.time {
            if role(t) != Some("time") {
                return Err(format!("chart {n} puts '{t}' on the time axis, which is not a time column of '{table}'"));
            }
        }
        let granularity = match c.granularity.as_deref() {
            None => None,
            Some(g @ ("day" | "week" | "month" | "quarter" | "year")) => Some(g.to_owned()),
            Some(g) => return Err(format!("chart {n} has granularity '{g}'")),
        };
        let title: String = c.title.trim().chars().take(200).collect();
        if title.is_empty() || title.chars().any(char::is_control) {
            return Err(format!("chart {n} has no usable title"));
        }
        out.push(Proposal {
            title,
            chart_type,
            table: table.to_string(),
            agg,
            measure: c.measure,
            dimension: c.dimension,
            time: c.time.clone(),
            granularity: granularity.or_else(|| c.time.as_ref().map(|_| "month".to_owned())),
            top: c.top.map(|t| t.clamp(1, 50)),
        });
    }
    Ok(out)
}

/// Asks the configured model for a proposal.
pub async fn propose(state: &AppState, profiles: &[Profile], goal: Option<&str>) -> Proposed {
    let Some(p) = state.ai.provider() else {
        return Proposed::NotConfigured;
    };
    let kind = p.kind.clone();
    let failed = |why: String| Proposed::Failed {
        kind: kind.clone(),
        why,
    };
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(state.ai.timeout_secs))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => return failed(format!("cannot build the HTTP client: {e}")),
    };
    let text = prompt(profiles, goal);
    let request = if p.kind == "anthropic" {
        client
            .post(format!("{}/v1/messages", p.base_url))
            .header("x-api-key", &p.key)
            .header("anthropic-version", "2023-06-01")
            .json(&json!({"model": p.model, "max_tokens": 2048, "messages": [{"role": "user", "content": text}]}))
    } else {
        client
            .post(format!("{}/v1/chat/completions", p.base_url))
            .bearer_auth(&p.key)
            .json(&json!({"model": p.model, "messages": [
                {"role": "system", "content": "You answer with JSON only."},
                {"role": "user", "content": text}]}))
    };
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return failed("no answer in time".into()),
        Err(e) => return failed(format!("the request failed: {e}")),
    };
    let status = response.status();
    if !status.is_success() {
        return failed(format!("the provider answered {status}"));
    }
    let body: Json = match response.json().await {
        Ok(b) => b,
        Err(e) => return failed(format!("its answer is not JSON: {e}")),
    };
    let content = if p.kind == "anthropic" {
        body["content"]
            .as_array()
            .and_then(|parts| parts.iter().find_map(|x| x["text"].as_str()))
    } else {
        body.pointer("/choices/0/message/content")
            .and_then(Json::as_str)
    };
    let Some(content) = content else {
        return failed("its answer holds no text".into());
    };
    let parsed = json_in(content)
        .ok_or_else(|| "its text holds no JSON object".to_owned())
        .and_then(|j| {
            serde_json::from_str::<Answer>(j)
                .map_err(|e| format!("its JSON is not the proposal asked for: {e}"))
        });
    match parsed.and_then(|a| check(a, profiles)) {
        Ok(proposals) => Proposed::Used { kind, proposals },
        Err(why) => failed(why),
    }
}
