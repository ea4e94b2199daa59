//! `POST /insights`: what to read insights from (a chart query, a dashboard's chart, or a
//! dataset's column) turned into the analytics crate's subject, through the chart engine; the
//! statistics themselves live in `tessera_analytics::insights`.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use tessera_analytics::insights::{self, Insight, Point, Subject};
use tessera_charts::{CacheUse, ChartAnswer, ChartRequest};
use tessera_domain::chart::OutputRole;

use crate::auth::Caller;
use crate::dashboards::service::{boards, charts};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Values of a dataset's column read at most.
pub const MAX_COLUMN_VALUES: u32 = 1_000_000;

/// What insights are asked of.
#[derive(Debug, Clone)]
pub enum InsightTarget {
    /// A chart query as `POST /charts/query` takes it.
    Query(Json),
    /// A dashboard's chart.
    Chart {
        /// The dashboard.
        dashboard_id: i64,
        /// The chart's id.
        chart_id: String,
    },
    /// A dataset's numeric column.
    Column {
        /// The dataset.
        dataset_id: String,
        /// The column.
        column: String,
    },
}

fn name(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => "(none)".into(),
        other => other.to_string(),
    }
}

/// Sums `measure` by the value of `key` over `rows`, in first-seen order.
fn sum_by(rows: &[tessera_charts::answer::Row], key: &str, measure: &str) -> Vec<(String, f64)> {
    let mut order = Vec::new();
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for r in rows {
        let k = name(r.get(key).unwrap_or(&Json::Null));
        let v = r.get(measure).and_then(Json::as_f64).unwrap_or(0.0);
        if !sums.contains_key(&k) {
            order.push(k.clone());
        }
        *sums.entry(k).or_default() += v;
    }
    order
        .into_iter()
        .map(|k| {
            let v = sums.get(&k).copied().unwrap_or(0.0);
            (k, v)
        })
        .collect()
}

/// The subject of a chart answer: its first measure over its time column (summed across
/// dimensions), by its first dimension, and against the previous period when it was compared.
pub fn subject_of(answer: &ChartAnswer) -> ApiResult<Subject> {
    let col = |role: OutputRole| {
        answer
            .columns
            .iter()
            .find(|c| c.role == role)
            .map(|c| c.name.clone())
    };
    let measure = col(OutputRole::Measure).ok_or_else(|| {
        ApiError::field("query", "the chart has no measure to read insights from")
    })?;
    let mut s = Subject {
        measure: measure.replace('_', " "),
        ..Subject::default()
    };
    if let Some(time) = col(OutputRole::Time) {
        let mut series = sum_by(&answer.rows, &time, &measure);
        series.sort_by(|a, b| a.0.cmp(&b.0));
        s.daily = answer.metadata.granularity.as_deref() == Some("day");
        s.series = series
            .into_iter()
            .map(|(label, value)| Point {
                date: label
                    .get(..10)
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
                label,
                value,
            })
            .collect();
    }
    if let Some(dim) = col(OutputRole::Dimension) {
        s.breakdown = sum_by(&answer.rows, &dim, &measure);
        if let Some(c) = &answer.comparison {
            s.previous_breakdown = sum_by(&c.data, &dim, &measure);
        }
        s.dimension = Some(dim);
    }
    if let Some(t) = answer
        .comparison
        .as_ref()
        .and_then(|c| c.totals.get(&measure))
    {
        if let (Some(c), Some(p)) = (t.current, t.previous) {
            s.totals = Some((c, p));
        }
    }
    Ok(s)
}

/// Runs a chart query for insights, compared with the previous period when it has a time
/// window to compare.
async fn from_query(state: &AppState, caller: &Caller, query: Json) -> ApiResult<Subject> {
    let mut req: ChartRequest = serde_json::from_value(query)
        .map_err(|e| ApiError::field("query", format!("is not a chart query: {e}")))?;
    let windowed = req
        .time
        .as_ref()
        .is_some_and(|t| t.period.is_some() || t.range.is_some());
    if windowed && req.compare.is_none() {
        req.compare = Some("previous_period".into());
    }
    let answer = state
        .charts
        .query(&caller.viewer(), &req, None, CacheUse::Normal)
        .await?;
    subject_of(&answer)
}

/// Insights about `target`.
pub async fn insights(
    state: &AppState,
    caller: &Caller,
    target: InsightTarget,
) -> ApiResult<Vec<Insight>> {
    let subject = match target {
        InsightTarget::Query(q) => from_query(state, caller, q).await?,
        InsightTarget::Chart {
            dashboard_id,
            chart_id,
        } => {
            let board = boards::get(state, caller, dashboard_id).await?;
            let all: Vec<charts::ChartSpec> = serde_json::from_str(&board.charts_json)
                .map_err(|e| ApiError::Internal(format!("dashboard {dashboard_id}: {e}")))?;
            let chart = all
                .into_iter()
                .find(|c| c.id.as_deref() == Some(chart_id.as_str()))
                .ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "dashboard {dashboard_id} has no chart '{chart_id}'"
                    ))
                })?;
            match chart.query {
                Some(q) => from_query(state, caller, q).await?,
                None => {
                    let answer =
                        charts::run(state, &caller.viewer(), &chart, CacheUse::Normal).await?;
                    subject_of(&answer)?
                }
            }
        }
        InsightTarget::Column { dataset_id, column } => {
            let (_, path) = state
                .charts
                .dataset_file(&caller.viewer(), &dataset_id)
                .await?;
            let col = column.clone();
            let values = state
                .blocking(move || insights::column_values(&path, &col, MAX_COLUMN_VALUES))
                .await?
                .map_err(|e| match e {
                    tessera_analytics::AnalyticsError::InvalidRequest(m) => {
                        ApiError::field("column", m)
                    }
                    other => other.into(),
                })?;
            Subject {
                measure: column,
                values,
                ..Subject::default()
            }
        }
    };
    // the statistics are CPU work (a column may hold a million values): off the async workers
    state.blocking(move || insights::insights(&subject)).await
}
