//! A dashboard's charts: checked on save (ids, titles, types, exactly one of a chart query or a
//! named metric, options, grid positions), and run for `GET /dashboards/{id}/data` through the
//! chart engine, several at once but never more than `CONCURRENT_CHARTS`, each failure a problem
//! beside the other charts' answers.

use std::collections::HashSet;

use futures_util::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use tessera_charts::{Breakdown, CacheUse, ChartAnswer, ChartRequest, MetricAsk};
use tessera_domain::dashboards::{check_name, ChartType, GridPosition, MAX_CHARTS};
use tessera_domain::error::Validator;
use tessera_domain::{DomainError, Viewer};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A chart's place on the grid, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// Column.
    pub x: i64,
    /// Row.
    pub y: i64,
    /// Width.
    pub w: i64,
    /// Height.
    pub h: i64,
}

/// A named metric as a chart's source, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSpec {
    /// The metric.
    pub metric: String,
    /// Its period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Its granularity (line and area).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granularity: Option<String>,
    /// Only this category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// A dashboard chart as stored (the JSON array of a dashboard's `charts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSpec {
    /// Its id within the dashboard.
    #[serde(default)]
    pub id: Option<String>,
    /// Title.
    pub title: String,
    /// bar, line, area, pie, table or number.
    pub chart_type: String,
    /// A chart query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<Json>,
    /// Or a named metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<MetricSpec>,
    /// Drawing options.
    #[serde(default)]
    pub options: Json,
    /// Grid place.
    pub position: Place,
}

/// One chart's answer, or why it failed.
pub struct ChartOutcome {
    /// The chart.
    pub chart: ChartSpec,
    /// Its answer.
    pub answer: ApiResult<ChartAnswer>,
}

/// Charts of one dashboard answered at once.
pub const CONCURRENT_CHARTS: usize = 4;
/// Largest `options` (or layout) document, in bytes of JSON.
pub const MAX_OPTIONS_BYTES: usize = 16 * 1024;

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Checks the charts as written; answers them normalised (ids given, options an object).
pub fn check(state: &AppState, charts: Vec<ChartSpec>) -> ApiResult<Vec<ChartSpec>> {
    let mut v = Validator::new();
    if charts.len() > MAX_CHARTS {
        v.check::<()>(Err(DomainError::field(
            "charts",
            format!("at most {MAX_CHARTS} charts"),
        )));
    }
    let now = state.now();
    let catalog = &state.charts.runtime().catalog;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(charts.len());
    for (i, mut c) in charts.into_iter().enumerate() {
        let field = |f: &str| format!("charts[{i}].{f}");
        let id = c.id.clone().unwrap_or_else(|| format!("c{}", i + 1));
        if !valid_id(&id) {
            v.check::<()>(Err(DomainError::field(
                field("id"),
                "must be 1 to 64 letters, digits, '-' or '_'",
            )));
        } else if !seen.insert(id.clone()) {
            v.check::<()>(Err(DomainError::field(
                field("id"),
                format!("'{id}' is used by another chart of this dashboard"),
            )));
        }
        c.id = Some(id);
        if let Some(t) = v.check(check_name(&field("title"), &c.title)) {
            c.title = t;
        }
        v.check(c.chart_type.parse::<ChartType>().map_err(|_| {
            DomainError::field(
                field("chart_type"),
                "must be bar, line, area, pie, table or number",
            )
        }));
        match (&c.query, &c.metric) {
            (Some(q), None) => {
                let parsed = serde_json::from_value::<ChartRequest>(q.clone())
                    .map_err(|e| {
                        DomainError::field(field("query"), format!("is not a chart query: {e}"))
                    })
                    .and_then(|r| {
                        r.parse(now)
                            .map(|_| ())
                            .map_err(|DomainError::Validation(errors)| {
                                DomainError::Validation(
                                    errors
                                        .into_iter()
                                        .map(|mut f| {
                                            f.field = field(&format!("query.{}", f.field));
                                            f
                                        })
                                        .collect(),
                                )
                            })
                    });
                v.check(parsed);
            }
            (None, Some(m)) => {
                if catalog.any(&m.metric).is_none() {
                    v.check::<()>(Err(DomainError::field(
                        field("metric.metric"),
                        format!("no metric named '{}'", m.metric),
                    )));
                }
                if let Some(p) = &m.period {
                    v.check(
                        p.parse::<tessera_domain::chart::Period>()
                            .map_err(|e| DomainError::field(field("metric.period"), e.to_string())),
                    );
                }
                if let Some(g) = &m.granularity {
                    v.check(
                        g.parse::<tessera_domain::chart::Granularity>()
                            .map_err(|e| {
                                DomainError::field(field("metric.granularity"), e.to_string())
                            }),
                    );
                }
            }
            _ => {
                v.check::<()>(Err(DomainError::field(
                    field("query"),
                    "give exactly one of query (a chart query) and metric (a named metric)",
                )));
            }
        }
        if c.options.is_null() {
            c.options = json!({});
        }
        if !c.options.is_object() || c.options.to_string().len() > MAX_OPTIONS_BYTES {
            v.check::<()>(Err(DomainError::field(
                field("options"),
                format!("must be an object of at most {MAX_OPTIONS_BYTES} bytes"),
            )));
        }
        let p = c.position;
        v.check(
            GridPosition {
                x: p.x,
                y: p.y,
                w: p.w,
                h: p.h,
            }
            .check(&field("position")),
        );
        out.push(c);
    }
    v.finish()?;
    Ok(out)
}

fn ask(m: &MetricSpec) -> MetricAsk {
    MetricAsk {
        metric: Some(m.metric.clone()),
        period: m.period.clone(),
        category: m.category.clone(),
        granularity: m.granularity.clone(),
        source_id: None,
    }
}

/// Runs one chart for `viewer`.
pub async fn run(
    state: &AppState,
    viewer: &Viewer,
    chart: &ChartSpec,
    cache: CacheUse,
) -> ApiResult<ChartAnswer> {
    let kind: ChartType = chart.chart_type.parse()?;
    let engine = &state.charts;
    Ok(match (&chart.query, &chart.metric) {
        (Some(q), _) => {
            let req: ChartRequest = serde_json::from_value(q.clone())
                .map_err(|e| ApiError::field("query", format!("is not a chart query: {e}")))?;
            engine.query(viewer, &req, None, cache).await?
        }
        (None, Some(m)) => {
            let ask = ask(m);
            match kind {
                ChartType::Line | ChartType::Area => engine.line(viewer, &ask, cache).await?,
                ChartType::Pie => {
                    engine
                        .breakdown(viewer, &ask, Breakdown::Pie, cache)
                        .await?
                }
                ChartType::Bar | ChartType::Table => {
                    engine
                        .breakdown(viewer, &ask, Breakdown::Bar, cache)
                        .await?
                }
                ChartType::Number => {
                    let mut a = engine.line(viewer, &ask, cache).await?;
                    // a KPI tile: the period's total of the line
                    let total: f64 = a
                        .rows
                        .iter()
                        .filter_map(|r| r.get("value").and_then(Json::as_f64))
                        .sum();
                    let mut row = serde_json::Map::new();
                    row.insert("value".into(), json!(total));
                    a.rows = vec![row];
                    a.metadata.row_count = 1;
                    a
                }
            }
        }
        (None, None) => return Err(ApiError::field("query", "the chart has no query or metric")),
    })
}

/// Runs every chart, at most [`CONCURRENT_CHARTS`] at once, in order.
pub async fn run_all(
    state: &AppState,
    viewer: &Viewer,
    charts: Vec<ChartSpec>,
    cache: CacheUse,
) -> Vec<ChartOutcome> {
    stream::iter(charts.into_iter().map(|chart| async move {
        let answer = run(state, viewer, &chart, cache).await;
        ChartOutcome { chart, answer }
    }))
    .buffered(CONCURRENT_CHARTS)
    .collect()
    .await
}
