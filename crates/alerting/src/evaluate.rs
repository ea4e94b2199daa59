//! Reading a rule's value through the chart engine, so that anything that can be charted can be
//! alerted on: a named metric's total over its period, a chart query's first measure of its
//! last row (the only row when it has no dimensions or time buckets), or a SQL lab statement
//! answering one number. Behind the [`Evaluate`] trait so the scheduler can be driven by a
//! fake in tests.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::Value as Json;
use tessera_charts::{CacheUse, ChartAnswer, ChartEngine, ChartError, MetricAsk};
use tessera_domain::alerts::rule::{Against, Condition};
use tessera_domain::alerts::AlertRule;
use tessera_domain::chart::OutputRole;
use tessera_domain::{Role, Viewer};
use tessera_sources::Value;

use crate::spec::{Definition, Target};

/// What an evaluation read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The value now.
    pub value: f64,
    /// The previous period's value, when the condition compares with it.
    pub previous_period: Option<f64>,
}

/// Reads rules' values.
pub trait Evaluate: Send + Sync {
    /// Reads `rule`'s value (with `definition`, already checked) now.
    fn read<'a>(
        &'a self,
        rule: &'a AlertRule,
        definition: &'a Definition,
    ) -> BoxFuture<'a, Result<Reading, ChartError>>;
}

/// Reads values through the chart engine, as a member of the rule's organisation (answers are
/// not taken from the answer cache: an alert judges the data as it is now).
pub struct ChartEvaluator {
    engine: Arc<ChartEngine>,
}

impl ChartEvaluator {
    /// Over `engine`.
    pub fn new(engine: Arc<ChartEngine>) -> Self {
        Self { engine }
    }
}

/// The member a rule reads as: its author, or a stand-in of its organisation when the author
/// is gone (organisation scoping is what matters; reading needs no more than a viewer).
pub fn viewer_of(rule: &AlertRule) -> Viewer {
    Viewer {
        org: rule.org_id,
        user: rule.created_by.unwrap_or_default(),
        role: Role::Viewer,
    }
}

fn compares_previous_period(c: &Condition) -> bool {
    matches!(
        c,
        Condition::ChangePct {
            against: Against::PreviousPeriod,
            ..
        }
    )
}

/// A chart answer's number: the first measure of the last row; with the previous period's
/// total (or last row) when asked.
pub fn chart_value(answer: &ChartAnswer, previous: bool) -> Result<Reading, ChartError> {
    let measure = answer
        .columns
        .iter()
        .find(|c| c.role == OutputRole::Measure)
        .map(|c| c.name.clone())
        .ok_or_else(|| ChartError::BadRequest("the chart query has no measure".into()))?;
    let grouped = answer.columns.iter().any(|c| c.role != OutputRole::Measure);
    let last = answer
        .rows
        .last()
        .ok_or_else(|| ChartError::BadRequest("the chart query answered no rows".into()))?;
    let value = number(last.get(&measure)).ok_or_else(|| {
        ChartError::BadRequest(format!("the last row's {measure} is not a number"))
    })?;
    let previous_period = match (&answer.comparison, previous) {
        (Some(c), true) if grouped => c.data.last().and_then(|r| number(r.get(&measure))),
        (Some(c), true) => c.totals.get(&measure).and_then(|t| t.previous),
        _ => None,
    };
    Ok(Reading {
        value,
        previous_period,
    })
}

fn number(v: Option<&Json>) -> Option<f64> {
    match v? {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        Json::Null => None,
        _ => None,
    }
}

/// A SQL answer's number: one row, its first column, numeric.
pub fn sql_value(columns: &[String], rows: &[Vec<Value>]) -> Result<f64, ChartError> {
    let bad = |why: String| ChartError::BadRequest(why);
    if rows.len() != 1 {
        return Err(bad(format!(
            "the statement must answer exactly one row with one number; it answered {}",
            if rows.len() > 1 {
                "more than one row".to_owned()
            } else {
                "no rows".to_owned()
            }
        )));
    }
    let cell = rows[0]
        .first()
        .ok_or_else(|| bad("the statement answered no column".into()))?;
    let name = columns
        .first()
        .map(String::as_str)
        .unwrap_or("the first column");
    match cell {
        Value::Null => Err(bad(format!("{name} is NULL, not a number"))),
        other => other
            .as_f64()
            .or_else(|| other.to_text().trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad(format!("{name} is not a number: '{}'", other.to_text()))),
    }
}

impl Evaluate for ChartEvaluator {
    fn read<'a>(
        &'a self,
        rule: &'a AlertRule,
        definition: &'a Definition,
    ) -> BoxFuture<'a, Result<Reading, ChartError>> {
        Box::pin(read_target(&self.engine, viewer_of(rule), definition))
    }
}

/// Reads a definition's target as `viewer`.
pub async fn read_target(
    engine: &ChartEngine,
    viewer: Viewer,
    definition: &Definition,
) -> Result<Reading, ChartError> {
    let previous = compares_previous_period(&definition.condition);
    match &definition.target {
        Target::Metric { metric, period } => {
            let ask = MetricAsk {
                metric: Some(metric.clone()),
                period: Some(period.as_str().to_owned()),
                ..MetricAsk::default()
            };
            let (value, before) = engine
                .metric_total(&viewer, &ask, previous, CacheUse::Bypass)
                .await?;
            Ok(Reading {
                value,
                previous_period: before,
            })
        }
        Target::ChartQuery(q) => {
            let mut q = (**q).clone();
            if previous {
                q.compare = Some("previous_period".into());
            }
            let answer = engine.query(&viewer, &q, None, CacheUse::Bypass).await?;
            chart_value(&answer, previous)
        }
        Target::Sql { source_id, sql } => {
            let source = engine.open(&viewer, *source_id).await?;
            let query = tessera_sources::validate::read_only_query(source.source.kind, sql)?;
            // two rows are enough to tell one from many
            let paged = query.paged(2, 0);
            let limits = engine.runtime().run_limits;
            let rows = engine
                .on_source(&viewer, &source, move |pool, name| {
                    tessera_sources::execute::run_read_only(pool, name, &paged, &[], limits)
                })
                .await?;
            Ok(Reading {
                value: sql_value(&rows.columns, &rows.rows)?,
                previous_period: None,
            })
        }
    }
}
