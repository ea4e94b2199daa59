//! Generated dashboards: from a source's schema and a sample of its data, a dashboard a person
//! would build: KPI tiles, time series, breakdowns and top-N tables over the tables that look
//! like facts (time columns, numeric measures that are not ids or keys, referencing other tables
//! through foreign keys), grouped by low-cardinality dimensions, with titles a person would
//! write. The heuristic needs nothing external; a configured language model may propose instead,
//! and its proposal is used only when every table and column it names exists (see `ai.rs`).
//! Every chart is run once before the dashboard is saved; one that fails is left out and noted.

use serde_json::json;
use tessera_charts::{CacheUse, ChartRequest};
use tessera_domain::chart::ColumnType;
use tessera_domain::dashboards::{check_name, Dashboard};
use tessera_sources::introspect::{Schema, TableInfo};

use crate::auth::Caller;
use crate::dashboards::service::ai;
use crate::dashboards::service::boards::{self, DashboardInput};
use crate::dashboards::service::charts::{self, ChartSpec, Place};
use crate::dashboards::service::heuristic::{
    heuristic, title_case, words, Field, Profile, Proposal,
};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Tables a generated dashboard looks at.
pub const MAX_TABLES: usize = 3;
/// A dimension has at most this many distinct values.
pub const MAX_DIMENSION_VALUES: i64 = 50;

/// What to generate a dashboard for.
#[derive(Debug, Clone)]
pub struct GenerateInput {
    /// The source.
    pub source_id: String,
    /// Only these tables (default: the ones that look like facts).
    pub tables: Option<Vec<String>>,
    /// What the dashboard is for, in words.
    pub goal: Option<String>,
}

/// A generated dashboard, saved, with how it was made.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The saved dashboard.
    pub dashboard: Dashboard,
    /// `heuristic`, `anthropic` or `openai`.
    pub generator: String,
    /// Why the heuristic was used (no provider, or what went wrong with it).
    pub reason: Option<String>,
    /// Charts proposed but left out, with why.
    pub notes: Vec<String>,
}

fn is_key(name: &str, t: &TableInfo) -> bool {
    let n = name.to_ascii_lowercase();
    t.primary_key.iter().any(|k| k == name)
        || t.foreign_keys
            .iter()
            .any(|f| f.columns.iter().any(|c| c == name))
        || n == "id"
        || n.ends_with("_id")
        || n.ends_with("id") && n.len() <= 6
        || n.ends_with("_key")
        || n.ends_with("_code")
        || [
            "zip",
            "zipcode",
            "postal_code",
            "phone",
            "year",
            "month",
            "day",
        ]
        .contains(&n.as_str())
}

fn is_time_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with("_at")
        || n.ends_with("_date")
        || n == "date"
        || n == "timestamp"
        || n.ends_with("_time")
}

/// Profiles the tables to generate for: their columns' roles, with distinct counts of the
/// candidate dimensions read from the data (one aggregate query per table).
async fn profile(
    state: &AppState,
    caller: &Caller,
    source_id: &str,
    schema: &Schema,
    wanted: Option<&[String]>,
) -> ApiResult<Vec<Profile>> {
    let mut tables: Vec<&TableInfo> = match wanted {
        Some(names) => {
            let mut out = Vec::new();
            for (i, n) in names.iter().enumerate() {
                out.push(schema.table(n).ok_or_else(|| {
                    ApiError::field(
                        &format!("tables[{i}]"),
                        format!("the source has no table '{n}'"),
                    )
                })?);
            }
            out
        }
        None => schema.tables.iter().collect(),
    };
    // facts first: what references others, has time and numbers
    let score = |t: &TableInfo| {
        let numeric = t
            .columns
            .iter()
            .filter(|c| c.family.is_numeric() && !is_key(&c.name, t))
            .count();
        let time = t
            .columns
            .iter()
            .any(|c| c.family.is_temporal() || is_time_name(&c.name));
        (t.foreign_keys.len() * 3 + numeric * 2 + usize::from(time) * 4) as i64
            + t.row_estimate.unwrap_or(0).clamp(0, 1_000_000) / 100_000
    };
    if wanted.is_none() {
        tables.sort_by_key(|t| std::cmp::Reverse(score(t)));
        tables.retain(|t| score(t) > 0);
    }
    tables.truncate(MAX_TABLES);
    let mut out = Vec::new();
    for t in tables {
        let mut fields: Vec<Field> = t
            .columns
            .iter()
            .map(|c| Field {
                name: c.name.clone(),
                role: if c.family.is_temporal()
                    || (is_time_name(&c.name)
                        && matches!(c.family, ColumnType::Text | ColumnType::Other))
                {
                    "time"
                } else if is_key(&c.name, t) {
                    "key"
                } else if c.family.is_numeric() {
                    "measure"
                } else if matches!(c.family, ColumnType::Text | ColumnType::Boolean) {
                    "dimension"
                } else {
                    "other"
                },
                distinct: None,
            })
            .collect();
        // count rows and the distinct values of candidate dimensions in one query
        let candidates: Vec<String> = fields
            .iter()
            .filter(|f| f.role == "dimension")
            .take(8)
            .map(|f| f.name.clone())
            .collect();
        let mut measures = vec![json!({"agg": "count", "as": "__rows"})];
        for (i, c) in candidates.iter().enumerate() {
            measures.push(json!({"agg": "count_distinct", "column": c, "as": format!("__d{i}")}));
        }
        let req: ChartRequest = serde_json::from_value(json!({
            "source_id": source_id, "table": t.name, "measures": measures, "limit": 1
        }))
        .map_err(|e| ApiError::Internal(format!("profile query: {e}")))?;
        let answer = state
            .charts
            .query(&caller.viewer(), &req, None, CacheUse::Normal)
            .await?;
        let row = answer.rows.first().cloned().unwrap_or_default();
        let rows = row
            .get("__rows")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0);
        for (i, c) in candidates.iter().enumerate() {
            let d = row
                .get(&format!("__d{i}"))
                .and_then(serde_json::Value::as_i64);
            if let Some(f) = fields.iter_mut().find(|f| &f.name == c) {
                f.distinct = d;
                let low =
                    d.is_some_and(|d| (2..=MAX_DIMENSION_VALUES).contains(&d) && d < rows.max(3));
                if !low {
                    f.role = "other";
                }
            }
        }
        fields
            .iter_mut()
            .filter(|f| f.role == "dimension" && f.distinct.is_none())
            .for_each(|f| f.role = "other");
        out.push(Profile {
            name: t.name.clone(),
            rows,
            references: t
                .foreign_keys
                .iter()
                .map(|f| f.references_table.clone())
                .collect(),
            fields,
        });
    }
    Ok(out)
}

/// Lays the proposals out: KPI tiles four to a row, other charts two to a row.
fn lay_out(source_id: &str, proposals: &[Proposal]) -> Vec<ChartSpec> {
    let (mut kpi_x, mut y, mut half) = (0, 0, 0);
    let kpis: Vec<&Proposal> = proposals
        .iter()
        .filter(|p| p.chart_type == "number")
        .collect();
    let others: Vec<&Proposal> = proposals
        .iter()
        .filter(|p| p.chart_type != "number")
        .collect();
    let mut out = Vec::new();
    let mut n = 0;
    let mut spec = |p: &Proposal, place: Place| {
        n += 1;
        let mut measure = json!({"agg": p.agg, "as": p.measure.as_deref().map(|m| format!("{}_{m}", p.agg)).unwrap_or_else(|| "rows".into())});
        if let Some(m) = &p.measure {
            measure["column"] = json!(m);
        }
        let mut q =
            json!({"source_id": source_id, "table": p.table, "measures": [measure.clone()]});
        if let Some(d) = &p.dimension {
            q["dimensions"] = json!([d]);
        }
        if let Some(t) = &p.time {
            q["time"] = json!({"column": t, "granularity": p.granularity.clone().unwrap_or_else(|| "month".into())});
        }
        if let Some(top) = p.top {
            q["sort"] = json!([{"by": measure["as"], "desc": true}]);
            q["limit"] = json!(top);
        } else if p.dimension.is_some() {
            q["sort"] = json!([{"by": measure["as"], "desc": true}]);
            q["limit"] = json!(MAX_DIMENSION_VALUES);
        }
        ChartSpec {
            id: Some(format!("g{n}")),
            title: p.title.chars().take(200).collect(),
            chart_type: p.chart_type.to_owned(),
            query: Some(q),
            metric: None,
            options: json!({}),
            position: place,
        }
    };
    for p in kpis {
        if kpi_x >= 24 {
            kpi_x = 0;
            y += 3;
        }
        out.push(spec(
            p,
            Place {
                x: kpi_x,
                y,
                w: 6,
                h: 3,
            },
        ));
        kpi_x += 6;
    }
    if kpi_x > 0 {
        y += 3;
    }
    for p in others {
        out.push(spec(
            p,
            Place {
                x: half * 12,
                y,
                w: 12,
                h: 7,
            },
        ));
        half += 1;
        if half == 2 {
            half = 0;
            y += 7;
        }
    }
    out
}

/// Generates, checks, runs and saves a dashboard.
pub async fn generate(
    state: &AppState,
    caller: &Caller,
    input: GenerateInput,
) -> ApiResult<Generated> {
    caller.require_editor("dashboards")?;
    if let Some(g) = &input.goal {
        if g.chars().count() > 1000 {
            return Err(ApiError::field("goal", "must be at most 1000 characters"));
        }
    }
    if input
        .tables
        .as_ref()
        .is_some_and(|t| t.is_empty() || t.len() > MAX_TABLES)
    {
        return Err(ApiError::field(
            "tables",
            format!("must name 1 to {MAX_TABLES} tables"),
        ));
    }
    let id = input
        .source_id
        .parse()
        .map_err(|_| ApiError::field("source_id", "no data source with this id"))?;
    let (source, schema) =
        state
            .charts
            .schema(&caller.viewer(), id)
            .await
            .map_err(|e| match e {
                tessera_charts::ChartError::NotFound(m) => ApiError::field("source_id", m),
                other => other.into(),
            })?;
    let profiles = profile(
        state,
        caller,
        &input.source_id,
        &schema,
        input.tables.as_deref(),
    )
    .await?;
    if profiles.iter().all(|p| {
        p.of("measure").is_empty() && p.of("time").is_empty() && p.of("dimension").is_empty()
    }) {
        return Err(ApiError::field(
            "source_id",
            "its tables have no time columns, measures or dimensions to chart",
        ));
    }
    let (proposals, generator, reason) =
        match ai::propose(state, &profiles, input.goal.as_deref()).await {
            ai::Proposed::Used { kind, proposals } => (proposals, kind, None),
            ai::Proposed::NotConfigured => (
                heuristic(&profiles, input.goal.as_deref()),
                "heuristic".to_owned(),
                Some(
                    "no language model is configured ([ai] or ANTHROPIC_API_KEY / OPENAI_API_KEY)"
                        .to_owned(),
                ),
            ),
            ai::Proposed::Failed { kind, why } => (
                heuristic(&profiles, input.goal.as_deref()),
                "heuristic".to_owned(),
                Some(format!("the {kind} proposal was not used: {why}")),
            ),
        };
    let specs = charts::check(state, lay_out(&input.source_id, &proposals))?;
    // run every chart once: only charts that answer are kept
    let mut notes = Vec::new();
    let mut kept = Vec::new();
    for o in charts::run_all(state, &caller.viewer(), specs, CacheUse::Normal).await {
        match o.answer {
            Ok(_) => kept.push(o.chart),
            Err(e) => notes.push(format!(
                "left out '{}': {}",
                o.chart.title,
                e.problem().detail.unwrap_or_default()
            )),
        }
    }
    let focus: Vec<String> = profiles.iter().map(|p| words(&p.name)).collect();
    let title = check_name(
        "title",
        &format!("{} overview", title_case(&words(&source.source.name))),
    )?;
    let description = match &input.goal {
        Some(g) if !g.trim().is_empty() => {
            format!("Generated for: {}. Tables: {}.", g.trim(), focus.join(", "))
        }
        _ => format!("Generated from the tables {}.", focus.join(", ")),
    };
    let dashboard = boards::create(
        state,
        caller,
        DashboardInput {
            title,
            description: Some(description.chars().take(5000).collect()),
            folder_id: None,
            theme: None,
            layout: None,
            charts: kept,
            version: None,
        },
    )
    .await?;
    Ok(Generated {
        dashboard,
        generator,
        reason,
        notes,
    })
}
