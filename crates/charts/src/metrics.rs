//! Named metrics as charts: bar, pie, line (ratios included) and realtime answers of the
//! catalogue's metrics. Each metric becomes a chart query on the organisation's metrics source;
//! a metric whose source is down answers sample data only where it says so.

use std::sync::Arc;

use serde_json::{json, Value as Json};
use tessera_domain::chart::{
    Aggregation, ColumnType, Granularity, Measure, OutputColumn, Period, TimeRange,
};
use tessera_domain::{DataSourceId, Viewer};
use tessera_sources::charts::Segments;

use crate::answer::{wire_time, ChartAnswer, ChartMetadata, MetricView, Origin, Row};
use crate::cache::{CacheUse, RealtimeKey};
use crate::catalog::MetricDef;
use crate::engine::{parse_id, ChartEngine};
use crate::error::{ChartError, ChartResult};
use crate::request::{
    ChartRequest, FilterRequest, MeasureRequest, RangeRequest, TimeRequest, DEFAULT_LIMIT,
};

/// What a named-metric chart asks for (the query string of `/charts/bar` and its siblings).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MetricAsk {
    /// The metric's name.
    pub metric: Option<String>,
    /// 7d, 30d, 90d, 1y, today, mtd or ytd (default 30d).
    pub period: Option<String>,
    /// Only rows of this category (the metric's category column).
    pub category: Option<String>,
    /// hour, day, week, month, quarter or year (line charts; default day).
    pub granularity: Option<String>,
    /// Read from this source instead of the organisation's `analytics` (or `demo`) source.
    pub source_id: Option<String>,
}

/// A bar chart or a pie chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    /// Rows `{label, value, <dimension>}`, largest first.
    Bar,
    /// Slices with `percentage`, and the `total` in the metadata.
    Pie,
}

impl Breakdown {
    fn as_str(self) -> &'static str {
        match self {
            Self::Bar => "bar",
            Self::Pie => "pie",
        }
    }
}

fn bad_request(e: impl std::fmt::Display) -> ChartError {
    ChartError::BadRequest(e.to_string())
}

impl MetricAsk {
    fn period(&self) -> ChartResult<Period> {
        self.period
            .as_deref()
            .unwrap_or("30d")
            .parse::<Period>()
            .map_err(bad_request)
    }

    fn view(&self, m: &MetricDef, chart: &str) -> MetricView {
        MetricView {
            chart: chart.to_owned(),
            unit: m.unit.clone(),
            category: self.category.clone(),
        }
    }
}

fn time(column: &str, granularity: Option<Granularity>, period: Option<Period>) -> TimeRequest {
    TimeRequest {
        column: column.to_owned(),
        granularity: granularity.map(|g| g.as_str().into()),
        period: period.map(|p| p.as_str().into()),
        range: None,
    }
}

/// The chart request standing for metric `m` over `source_id`, grouped by `dimension` if any.
fn request(
    m: &MetricDef,
    source_id: String,
    ask: &MetricAsk,
    time: TimeRequest,
    dimension: Option<&str>,
) -> ChartRequest {
    ChartRequest {
        source_id: Some(source_id),
        datamart_id: None,
        dataset_id: None,
        table: m.table.clone(),
        measures: vec![MeasureRequest {
            agg: m.agg.clone().unwrap_or_else(|| "count".into()),
            column: m.column.clone(),
            alias: Some("value".into()),
        }],
        dimensions: dimension.map(|d| vec![d.to_owned()]).unwrap_or_default(),
        time: Some(time),
        filters: match (&ask.category, &m.category_column) {
            (Some(c), Some(col)) if !c.is_empty() => vec![FilterRequest {
                column: col.clone(),
                op: "eq".into(),
                value: Json::from(c.clone()),
            }],
            _ => vec![],
        },
        sort: vec![],
        limit: Some(DEFAULT_LIMIT),
        compare: None,
        live: None,
    }
}

impl ChartEngine {
    fn metric(&self, ask: &MetricAsk, chart: &str) -> ChartResult<&MetricDef> {
        let catalog = &self.runtime().catalog;
        let name = ask.metric.as_deref().ok_or_else(|| {
            ChartError::BadRequest(format!(
                "give ?metric=; allowed: {}",
                catalog.names(chart).join(", ")
            ))
        })?;
        catalog.get(name, chart).map_err(ChartError::BadRequest)
    }

    /// The source a metric reads: `?source_id=`, the metric's configured source, or `analytics`,
    /// else `demo`.
    async fn metric_source(
        &self,
        viewer: &Viewer,
        m: &MetricDef,
        ask: &MetricAsk,
    ) -> ChartResult<String> {
        if let Some(id) = &ask.source_id {
            return Ok(id.clone());
        }
        let names: Vec<String> = match &m.source {
            Some(s) => vec![s.clone()],
            None => vec!["analytics".into(), "demo".into()],
        };
        let org = viewer.org;
        let cache_key = format!("{org}|{}", names.join(","));
        if let Some(id) = self.runtime().metric_sources.get(&cache_key) {
            return Ok(id.to_string());
        }
        let wanted = names.clone();
        let found = self
            .db(move |conn| {
                for n in &wanted {
                    if let Some(s) = tessera_store::data_sources::find_by_name(conn, org, n)? {
                        return Ok(Some(s.source.id));
                    }
                }
                Ok(None)
            })
            .await?;
        if let Some(id) = found {
            self.runtime().metric_sources.insert(cache_key, id);
        }
        found.map(|id: DataSourceId| id.to_string()).ok_or_else(|| {
            ChartError::NotFound(format!(
                "no data source named {} in your organisation; register one or pass source_id",
                names.join(" or ")
            ))
        })
    }

    /// Runs a metric's chart query; a down source answers sample data when the metric allows it.
    async fn run_metric(
        &self,
        viewer: &Viewer,
        m: &MetricDef,
        ask: &MetricAsk,
        time: TimeRequest,
        dimension: Option<&str>,
        cache: CacheUse,
    ) -> ChartResult<ChartAnswer> {
        let result = match self.metric_source(viewer, m, ask).await {
            Ok(source) => match (&m.segment_by, &m.column, dimension) {
                // a segment chart groups by the derived tier, not by a column
                (Some(entity), Some(spend), Some(_)) => {
                    let (premium, regular) = self.runtime().segment_thresholds;
                    let segments = Segments {
                        entity: entity.clone(),
                        spend: spend.clone(),
                        tiers: vec![("Premium".into(), premium), ("Regular".into(), regular)],
                        rest: "Basic".into(),
                        sum_spend: m.agg.as_deref() == Some("sum"),
                    };
                    let req = request(m, source, ask, time, None);
                    self.query_segments(viewer, &req, Some(&m.name), cache, &segments)
                        .await
                }
                _ => {
                    let req = request(m, source, ask, time, dimension);
                    self.query(viewer, &req, Some(&m.name), cache).await
                }
            },
            Err(e) => Err(e),
        };
        match result {
            Err(e) if e.is_missing_source() && m.fallback.as_deref() == Some("sample") => {
                Ok(self.sample(m, ask, dimension))
            }
            other => other,
        }
    }

    /// The column a bar or pie metric groups by: its dimension, or the first of its
    /// `dimension_from` columns the table has (a field error naming them and the setting when
    /// none is).
    async fn dimension_of(
        &self,
        viewer: &Viewer,
        m: &MetricDef,
        ask: &MetricAsk,
    ) -> ChartResult<String> {
        if m.dimension_from.is_empty() {
            return Ok(m.dimension.clone().unwrap_or_default());
        }
        let source = self.metric_source(viewer, m, ask).await?;
        let (_, schema) = self
            .schema(viewer, parse_id("data source", &source)?)
            .await?;
        let table_name = m.table.clone().unwrap_or_default();
        let table = schema.table(&table_name).ok_or_else(|| {
            ChartError::field(
                "metric",
                format!(
                    "metric '{}' reads table '{table_name}', which the source does not have",
                    m.name
                ),
            )
        })?;
        m.dimension_from
            .iter()
            .find(|c| table.column(c).is_some())
            .cloned()
            .ok_or_else(|| {
                ChartError::field(
                    "metric",
                    format!(
                        "metric '{}' groups by the first of the columns {} that table '{table_name}' has, and it has none; add one of them to the table, or set the metric's dimension_from ([[charts.metrics]] in the configuration)",
                        m.name,
                        m.dimension_from.join(", ")
                    ),
                )
            })
    }

    /// A named metric by its dimension: bar rows `{label, value, <dimension>}`, largest first;
    /// pie slices add `percentage` and the metadata the `total`.
    pub async fn breakdown(
        &self,
        viewer: &Viewer,
        ask: &MetricAsk,
        chart: Breakdown,
        cache: CacheUse,
    ) -> ChartResult<ChartAnswer> {
        let m = self.metric(ask, chart.as_str())?;
        let period = ask.period()?;
        let dim = self.dimension_of(viewer, m, ask).await?;
        let time = time(&m.time_column, None, Some(period));
        let mut answer = self
            .run_metric(viewer, m, ask, time, Some(&dim), cache)
            .await?;
        let total: f64 = answer
            .rows
            .iter()
            .filter_map(|r| r.get("value").and_then(Json::as_f64))
            .sum();
        for row in &mut answer.rows {
            let label = row.get(&dim).cloned().unwrap_or(Json::Null);
            row.insert("label".into(), label);
            if chart == Breakdown::Pie {
                let v = row.get("value").and_then(Json::as_f64).unwrap_or(0.0);
                let pct = if total > 0.0 {
                    (v / total * 10_000.0).round() / 100.0
                } else {
                    0.0
                };
                row.insert("percentage".into(), json!(pct));
            }
        }
        answer.metadata.metric = Some(m.name.clone());
        answer.metadata.period = Some(period.as_str().into());
        answer.metadata.view = Some(ask.view(m, chart.as_str()));
        if chart == Breakdown::Pie {
            answer.metadata.total = Some(total);
        }
        Ok(answer)
    }

    /// A named metric over time: `{date, value}` per bucket, empty buckets as zeros; a ratio
    /// metric divides two metrics bucket by bucket.
    pub async fn line(
        &self,
        viewer: &Viewer,
        ask: &MetricAsk,
        cache: CacheUse,
    ) -> ChartResult<ChartAnswer> {
        let m = self.metric(ask, "line")?;
        let period = ask.period()?;
        let g: Granularity = ask
            .granularity
            .as_deref()
            .unwrap_or("day")
            .parse()
            .map_err(bad_request)?;
        let over = |def: &MetricDef| time(&def.time_column, Some(g), Some(period));
        let catalog = &self.runtime().catalog;
        let (mut answer, time_key) = match (&m.numerator, &m.denominator) {
            (Some(n), Some(d)) => {
                let (Some(num_def), Some(den_def)) = (catalog.any(n), catalog.any(d)) else {
                    return Err(ChartError::Internal(format!(
                        "ratio metric {} refers to unknown metrics",
                        m.name
                    )));
                };
                let num = self
                    .run_metric(viewer, num_def, ask, over(num_def), None, cache)
                    .await?;
                let den = self
                    .run_metric(viewer, den_def, ask, over(den_def), None, cache)
                    .await?;
                let answer = ratio(m, num, &den, &num_def.time_column, &den_def.time_column);
                (answer, num_def.time_column.clone())
            }
            _ => (
                self.run_metric(viewer, m, ask, over(m), None, cache)
                    .await?,
                m.time_column.clone(),
            ),
        };
        for row in &mut answer.rows {
            if let Some(t) = row.remove(&time_key) {
                row.insert("date".into(), t);
            }
        }
        answer.metadata.metric = Some(m.name.clone());
        answer.metadata.period = Some(period.as_str().into());
        answer.metadata.view = Some(ask.view(m, "line"));
        answer.metadata.granularity = Some(g.as_str().into());
        Ok(answer)
    }

    /// A named metric's total over `ask.period` (default 1d for alert rules) and, when
    /// `compare`, over the period before it: `(current, previous)`, an empty period counting 0.
    /// A ratio metric divides the totals of its two metrics. Never sample data: a metric whose
    /// source is down fails (alert rules must not judge invented numbers).
    pub async fn metric_total(
        &self,
        viewer: &Viewer,
        ask: &MetricAsk,
        compare: bool,
        cache: CacheUse,
    ) -> ChartResult<(f64, Option<f64>)> {
        let catalog = self.runtime().catalog.clone();
        let name = ask.metric.as_deref().unwrap_or_default();
        let m = catalog
            .any(name)
            .ok_or_else(|| ChartError::field("metric", format!("no metric named '{name}'")))?;
        let period = ask.period()?;
        let total = |def: &MetricDef| {
            let mut req = request(
                def,
                String::new(),
                ask,
                time(&def.time_column, None, Some(period)),
                None,
            );
            if compare {
                req.compare = Some("previous_period".into());
            }
            req
        };
        let run = |def: MetricDef| {
            let mut req = total(&def);
            async move {
                req.source_id = Some(self.metric_source(viewer, &def, ask).await?);
                let answer = self.query(viewer, &req, Some(&def.name), cache).await?;
                let current = answer.first_number("value").unwrap_or(0.0);
                let previous = answer.comparison.as_ref().map(|c| {
                    c.totals
                        .get("value")
                        .and_then(|t| t.previous)
                        .unwrap_or(0.0)
                });
                ChartResult::Ok((current, previous))
            }
        };
        match (&m.numerator, &m.denominator) {
            (Some(n), Some(d)) => {
                let (Some(num), Some(den)) = (catalog.any(n), catalog.any(d)) else {
                    return Err(ChartError::Internal(format!(
                        "ratio metric {} refers to unknown metrics",
                        m.name
                    )));
                };
                let (a, a_prev) = run(num.clone()).await?;
                let (b, b_prev) = run(den.clone()).await?;
                let ratio = |x: f64, y: f64| if y == 0.0 { 0.0 } else { x / y };
                Ok((ratio(a, b), a_prev.zip(b_prev).map(|(x, y)| ratio(x, y))))
            }
            _ => run(m.clone()).await,
        }
    }

    /// A realtime metric's value over its last `window_minutes`, cached for
    /// `charts.realtime_ttl_secs`.
    pub async fn realtime(
        &self,
        viewer: &Viewer,
        name: &str,
        ask: &MetricAsk,
    ) -> ChartResult<ChartAnswer> {
        let runtime = self.runtime().clone();
        let m = runtime
            .catalog
            .get(name, "realtime")
            .map_err(ChartError::BadRequest)?;
        // keyed by the resolved source, so that changing the source drops the entry
        let source = self.metric_source(viewer, m, ask).await?;
        // a source id that does not parse names nothing: no cache, and the query answers 404
        let key = source
            .parse()
            .ok()
            .map(|source| RealtimeKey {
                org: viewer.org,
                source,
                metric: m.name.clone(),
                category: ask.category.clone().unwrap_or_default(),
            })
            .filter(|_| !runtime.realtime_ttl.is_zero());
        if let Some(hit) = key.as_ref().and_then(|k| runtime.realtime.get(k)) {
            let mut answer = (*hit).clone();
            answer.metadata.cached = true;
            return Ok(answer);
        }
        let window = i64::from(m.window_minutes.unwrap_or(5));
        let to = self.now() + chrono::Duration::seconds(1);
        let from = to - chrono::Duration::minutes(window);
        let time = TimeRequest {
            column: m.time_column.clone(),
            granularity: None,
            period: None,
            range: Some(RangeRequest {
                from: wire_time(from),
                to: wire_time(to),
            }),
        };
        let mut answer = self
            .run_metric(viewer, m, ask, time, None, CacheUse::Bypass)
            .await?;
        let value = answer
            .rows
            .first()
            .and_then(|r| r.get("value").cloned())
            .unwrap_or(json!(0));
        answer.rows = vec![row(
            json!({"metric": m.name, "value": value, "window_minutes": window, "from": wire_time(from), "to": wire_time(to)}),
        )];
        answer.metadata.metric = Some(m.name.clone());
        answer.metadata.period = Some(format!("{window}m"));
        answer.metadata.view = Some(MetricView {
            chart: "realtime".into(),
            unit: m.unit.clone(),
            category: ask.category.clone(),
        });
        if let Some(key) = key {
            runtime.realtime.insert(key, Arc::new(answer.clone()));
        }
        Ok(answer)
    }

    /// Sample data for a metric whose source is down (only where `fallback = "sample"`), seeded
    /// by the metric's name so it is stable, and marked `metadata.source = "sample"`.
    fn sample(&self, m: &MetricDef, ask: &MetricAsk, dimension: Option<&str>) -> ChartAnswer {
        use rand::{Rng, SeedableRng};
        let seed = m
            .name
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let period = ask
            .period
            .as_deref()
            .and_then(|x| x.parse::<Period>().ok())
            .unwrap_or(Period::Days30);
        let range = period.range(self.now());
        let measure = Measure {
            agg: m
                .agg
                .as_deref()
                .and_then(|a| a.parse().ok())
                .unwrap_or(Aggregation::Count),
            column: m.column.clone(),
            alias: "value".into(),
        };
        let value = OutputColumn::measure(&measure, ColumnType::Float.as_str());
        let (rows, columns, granularity): (Vec<Row>, _, _) = match dimension {
            Some(dim) => (
                ["A", "B", "C", "D", "E"]
                    .iter()
                    .map(|l| {
                        let v = (rng.gen_range(10.0..1000.0_f64) * 100.0).round() / 100.0;
                        row(json!({dim: format!("sample {l}"), "value": v}))
                    })
                    .collect(),
                vec![
                    OutputColumn::dimension(dim, ColumnType::Text.as_str()),
                    value,
                ],
                None,
            ),
            None => {
                let g = ask
                    .granularity
                    .as_deref()
                    .and_then(|x| x.parse::<Granularity>().ok())
                    .unwrap_or(Granularity::Day);
                let rows = tessera_sources::charts::bucket_keys(range, g, 10_000)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|k| row(json!({m.time_column.clone(): k, "value": (rng.gen_range(50.0..150.0_f64) * 100.0).round() / 100.0})))
                    .collect();
                (
                    rows,
                    vec![OutputColumn::time(&m.time_column, g), value],
                    Some(g),
                )
            }
        };
        sample_answer(m, period, range, granularity, rows, columns)
    }
}

fn sample_answer(
    m: &MetricDef,
    period: Period,
    range: TimeRange,
    granularity: Option<Granularity>,
    rows: Vec<Row>,
    columns: Vec<OutputColumn>,
) -> ChartAnswer {
    ChartAnswer {
        metadata: ChartMetadata {
            metric: Some(m.name.clone()),
            table: m.table.clone().unwrap_or_default(),
            period: Some(period.as_str().into()),
            granularity: granularity.map(|g| g.as_str().into()),
            range: Some(range),
            row_count: rows.len(),
            generated_at: chrono::Utc::now(),
            cached: false,
            query_ms: 0.0,
            duration_ms: 0.0,
            origin: Origin::Sample {
                note: "the metric's source is unavailable; this is sample data".into(),
            },
            view: None,
            total: None,
        },
        rows,
        columns,
        comparison: None,
    }
}

/// A JSON object literal as a row.
fn row(v: Json) -> Row {
    match v {
        Json::Object(o) => o,
        _ => Row::new(),
    }
}

/// The numerator's rows divided by the denominator's of the same bucket (scaled, to cents).
fn ratio(
    m: &MetricDef,
    mut num: ChartAnswer,
    den: &ChartAnswer,
    num_time: &str,
    den_time: &str,
) -> ChartAnswer {
    let den_by_date: std::collections::HashMap<String, f64> = den
        .rows
        .iter()
        .map(|r| {
            (
                r.get(den_time).map(Json::to_string).unwrap_or_default(),
                r.get("value").and_then(Json::as_f64).unwrap_or(0.0),
            )
        })
        .collect();
    num.rows = num
        .rows
        .iter()
        .map(|r| {
            let key = r.get(num_time).cloned().unwrap_or(Json::Null);
            let n = r.get("value").and_then(Json::as_f64).unwrap_or(0.0);
            let d = den_by_date.get(&key.to_string()).copied().unwrap_or(0.0);
            let v = if d > 0.0 {
                (n / d * m.scale * 100.0).round() / 100.0
            } else {
                0.0
            };
            row(json!({num_time: key, "value": v}))
        })
        .collect();
    num.metadata.cached = num.metadata.cached && den.metadata.cached;
    num
}
