//! Wire shapes of dashboards, their charts and folders.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tessera_domain::dashboards::{Dashboard, Folder};
use tessera_domain::Page;
use utoipa::{IntoParams, ToSchema};

use crate::common::{page_dto, utc};
use crate::dashboards::service::assets::{AssetInput, AssetView};
use crate::dashboards::service::boards::DashboardInput;
use crate::dashboards::service::charts::{ChartOutcome, ChartSpec, MetricSpec, Place};
use crate::dashboards::service::generate::{GenerateInput, Generated};
use crate::dashboards::service::insights::InsightTarget;
use crate::error::Problem;
use tessera_analytics::insights::Insight;

/// A chart's place on the 24-column grid.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct Position {
    /// Column, from 0.
    pub x: i64,
    /// Row, from 0.
    pub y: i64,
    /// Width in columns (x + w at most 24).
    pub w: i64,
    /// Height in rows (1 to 100).
    pub h: i64,
}

/// A named metric as a chart's source.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MetricRef {
    /// The metric (see `GET /charts/metrics`).
    pub metric: String,
    /// 1d, 7d, 30d, 90d, 1y, today, mtd or ytd (default 30d).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Line and area charts: hour, day, week, month, quarter or year (default day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granularity: Option<String>,
    /// Only this category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// A chart of a dashboard.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DashboardChart {
    /// Its id within the dashboard (letters, digits, `-`, `_`; given one when left out).
    #[serde(default)]
    pub id: Option<String>,
    /// Title.
    pub title: String,
    /// bar, line, area, pie, table or number (a KPI tile).
    pub chart_type: String,
    /// A chart query as `POST /charts/query` takes it (or give `metric`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub query: Option<Json>,
    /// A named metric (or give `query`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<MetricRef>,
    /// Drawing options (colours, stacking, labels), kept as given.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub options: Json,
    /// Where it sits.
    pub position: Position,
}

/// `POST /dashboards`, and `PUT /dashboards/{id}` with the `version` last read.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DashboardIn {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Folder (null: at the top).
    #[serde(default)]
    pub folder_id: Option<i64>,
    /// A built-in theme's name or a custom theme's id.
    #[serde(default)]
    pub theme: Option<String>,
    /// Grid settings (`columns`, `row_height`, ...), kept as given.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub layout: Option<Json>,
    /// The charts (at most 50).
    #[serde(default)]
    pub charts: Vec<DashboardChart>,
    /// Updates: the version last read; a stale one is a 409.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardOut {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Folder (null: at the top).
    pub folder_id: Option<i64>,
    /// Theme.
    pub theme: Option<String>,
    /// Grid settings.
    #[schema(value_type = Object)]
    pub layout: Json,
    /// The charts.
    pub charts: Vec<DashboardChart>,
    /// Name it when updating.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Dashboard> for DashboardOut {
    fn from(d: Dashboard) -> Self {
        Self {
            id: d.id,
            title: d.title,
            description: d.description,
            folder_id: d.folder_id,
            theme: d.theme,
            layout: serde_json::from_str(&d.layout_json).unwrap_or(Json::Null),
            charts: serde_json::from_str(&d.charts_json).unwrap_or_default(),
            version: d.version,
            created_at: utc(d.created_at),
            updated_at: utc(d.updated_at),
        }
    }
}

page_dto!(
    DashboardsOut,
    DashboardOut,
    Dashboard,
    "`GET /dashboards`: one page of dashboards, most recently changed first.",
    "The dashboards of this page.",
    "Dashboards matching the filters."
);

/// Filters and page of the dashboard list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardsQuery {
    /// Words in the title or description (case-insensitive).
    pub search: Option<String>,
    /// Only this folder's dashboards; `none` for those at the top.
    pub folder_id: Option<String>,
    /// Page, from 1 (default 1).
    pub page: Option<i64>,
    /// Page size, 1..=200 (default 20).
    pub limit: Option<i64>,
}

/// `PUT /dashboards/{id}/move`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveIn {
    /// The folder to move to (null: to the top).
    pub folder_id: Option<i64>,
}

/// One chart's answer on `GET /dashboards/{id}/data`: `data` and `metadata`, or `problem`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChartData {
    /// The chart's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its type.
    pub chart_type: String,
    /// Rows (absent when it failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub data: Option<Json>,
    /// What was computed, from where, how fast (absent when it failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Json>,
    /// Why it failed, as a problem document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// `GET /dashboards/{id}/data`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardData {
    /// The dashboard's id.
    pub id: i64,
    /// Every chart, in order.
    pub charts: Vec<ChartData>,
}

/// A folder.
#[derive(Debug, Serialize, ToSchema)]
pub struct FolderOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The folder it is in (null: at the top).
    pub parent_id: Option<i64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Folder> for FolderOut {
    fn from(f: Folder) -> Self {
        Self {
            id: f.id,
            name: f.name,
            parent_id: f.parent_id,
            created_at: utc(f.created_at),
            updated_at: utc(f.updated_at),
        }
    }
}

/// `GET /folders`: every folder of the organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct FoldersOut {
    /// The folders, by name.
    pub items: Vec<FolderOut>,
    /// How many.
    pub total: usize,
}

/// `POST /folders` and `PUT /folders/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FolderIn {
    /// Name.
    pub name: String,
    /// The folder it goes in (null: at the top).
    #[serde(default)]
    pub parent_id: Option<i64>,
}

/// `DELETE /folders/{id}` options.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FolderDeleteQuery {
    /// `move_to_parent`: move what it holds into its parent (or to the top) first.
    pub cascade: Option<String>,
}

impl From<Position> for Place {
    fn from(p: Position) -> Self {
        Place {
            x: p.x,
            y: p.y,
            w: p.w,
            h: p.h,
        }
    }
}

impl From<DashboardChart> for ChartSpec {
    fn from(c: DashboardChart) -> Self {
        ChartSpec {
            id: c.id,
            title: c.title,
            chart_type: c.chart_type,
            query: c.query,
            metric: c.metric.map(|m| MetricSpec {
                metric: m.metric,
                period: m.period,
                granularity: m.granularity,
                category: m.category,
            }),
            options: c.options,
            position: c.position.into(),
        }
    }
}

impl From<DashboardIn> for DashboardInput {
    fn from(d: DashboardIn) -> Self {
        DashboardInput {
            title: d.title,
            description: d.description,
            folder_id: d.folder_id,
            theme: d.theme,
            layout: d.layout,
            charts: d.charts.into_iter().map(ChartSpec::from).collect(),
            version: d.version,
        }
    }
}

impl From<ChartOutcome> for ChartData {
    fn from(o: ChartOutcome) -> Self {
        let (data, metadata, problem) = match o.answer {
            Ok(a) => {
                let mut m = serde_json::to_value(&a.metadata).unwrap_or_default();
                m["columns"] = serde_json::to_value(&a.columns).unwrap_or_default();
                let rows = Json::Array(a.rows.into_iter().map(Json::Object).collect());
                (Some(rows), Some(m), None)
            }
            Err(e) => (None, None, Some(e.problem())),
        };
        Self {
            id: o.chart.id.unwrap_or_default(),
            title: o.chart.title,
            chart_type: o.chart.chart_type,
            data,
            metadata,
            problem,
        }
    }
}

/// A theme, chart template or layout template.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssetOut {
    /// A built-in one's name, or the number of the organisation's own (as text).
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Theme: `{palette, fonts: {family, size}, background, text, muted_text}`; chart template:
    /// `{placeholders, chart}` (a dashboard chart whose strings hold `{{placeholder}}`s); layout
    /// template: `{columns: 24, row_height, slots: [{x, y, w, h}]}`.
    #[schema(value_type = Object)]
    pub definition: Json,
    /// Built in: everyone reads it, nobody changes it.
    pub builtin: bool,
    /// Created (null for built-ins).
    pub created_at: Option<DateTime<Utc>>,
    /// Last changed (null for built-ins).
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<AssetView> for AssetOut {
    fn from(a: AssetView) -> Self {
        Self {
            id: a.id,
            name: a.name,
            description: a.description,
            definition: a.definition,
            builtin: a.builtin,
            created_at: a.created_at.map(utc),
            updated_at: a.updated_at.map(utc),
        }
    }
}

/// Themes or templates: the built-in ones, then the organisation's own.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssetsOut {
    /// Built-ins first.
    pub items: Vec<AssetOut>,
    /// How many.
    pub total: usize,
}

impl From<Vec<AssetView>> for AssetsOut {
    fn from(v: Vec<AssetView>) -> Self {
        Self {
            total: v.len(),
            items: v.into_iter().map(AssetOut::from).collect(),
        }
    }
}

/// A theme or template to create or replace.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssetIn {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// The definition of its kind (see `AssetOut.definition`).
    #[schema(value_type = Object)]
    pub definition: Json,
}

impl From<AssetIn> for AssetInput {
    fn from(a: AssetIn) -> Self {
        Self {
            name: a.name,
            description: a.description,
            definition: a.definition,
        }
    }
}

/// `POST /chart-templates/{id}/instantiate`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InstantiateIn {
    /// A value for every placeholder of the template (`source_id`, `table`, columns, ...).
    pub values: std::collections::BTreeMap<String, String>,
}

impl From<ChartSpec> for DashboardChart {
    fn from(c: ChartSpec) -> Self {
        Self {
            id: c.id,
            title: c.title,
            chart_type: c.chart_type,
            query: c.query,
            metric: c.metric.map(|m| MetricRef {
                metric: m.metric,
                period: m.period,
                granularity: m.granularity,
                category: m.category,
            }),
            options: c.options,
            position: Position {
                x: c.position.x,
                y: c.position.y,
                w: c.position.w,
                h: c.position.h,
            },
        }
    }
}

/// `POST /insights`: one of `{"query"}`, `{"dashboard_id", "chart_id"}` or
/// `{"dataset_id", "column"}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InsightsIn {
    /// A chart query as `POST /charts/query` takes it (its first measure, over its time axis
    /// and by its first dimension; compared with the previous period when it has a window).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub query: Option<Json>,
    /// A dashboard (with `chart_id`).
    #[serde(default)]
    pub dashboard_id: Option<i64>,
    /// One of its charts.
    #[serde(default)]
    pub chart_id: Option<String>,
    /// A dataset (with `column`).
    #[serde(default)]
    pub dataset_id: Option<String>,
    /// One of its numeric columns.
    #[serde(default)]
    pub column: Option<String>,
}

impl TryFrom<InsightsIn> for InsightTarget {
    type Error = crate::error::ApiError;

    fn try_from(i: InsightsIn) -> Result<Self, Self::Error> {
        match (i.query, i.dashboard_id, i.chart_id, i.dataset_id, i.column) {
            (Some(q), None, None, None, None) => Ok(InsightTarget::Query(q)),
            (None, Some(dashboard_id), Some(chart_id), None, None) => Ok(InsightTarget::Chart {
                dashboard_id,
                chart_id,
            }),
            (None, None, None, Some(dataset_id), Some(column)) => {
                Ok(InsightTarget::Column { dataset_id, column })
            }
            _ => Err(crate::error::ApiError::field(
                "body",
                "give exactly one of {\"query\"}, {\"dashboard_id\", \"chart_id\"} or {\"dataset_id\", \"column\"}",
            )),
        }
    }
}

/// One insight.
#[derive(Debug, Serialize, ToSchema)]
pub struct InsightOut {
    /// summary, trend, anomaly, top_performers, bottom_performers or period_change.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    /// info, notice, warning or critical.
    pub severity: String,
    /// A headline.
    pub title: String,
    /// A sentence a person can read.
    pub message: String,
    /// The numbers behind it (slope and p-values, robust z, shares, totals, ...).
    #[schema(value_type = Object)]
    pub data: Json,
}

impl From<Insight> for InsightOut {
    fn from(i: Insight) -> Self {
        Self {
            kind: i.kind.to_owned(),
            severity: serde_json::to_value(i.severity)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            title: i.title,
            message: i.message,
            data: i.data,
        }
    }
}

/// `POST /insights` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct InsightsOut {
    /// The insights, most important kinds first.
    pub insights: Vec<InsightOut>,
}

/// `POST /dashboards/generate`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GenerateIn {
    /// The data source to build it from.
    pub source_id: String,
    /// Only these tables (1 to 3; default: the ones that look like facts).
    #[serde(default)]
    pub tables: Option<Vec<String>>,
    /// What it is for, in words.
    #[serde(default)]
    pub goal: Option<String>,
}

impl From<GenerateIn> for GenerateInput {
    fn from(g: GenerateIn) -> Self {
        Self {
            source_id: g.source_id,
            tables: g.tables,
            goal: g.goal,
        }
    }
}

/// Which generator built a dashboard, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct GeneratorOut {
    /// `heuristic`, `anthropic` or `openai`.
    pub name: String,
    /// Why the heuristic was used (no provider configured, or what was wrong with its answer).
    pub reason: Option<String>,
}

/// A generated dashboard, saved: the dashboard's fields with how it was made.
#[derive(Debug, Serialize, ToSchema)]
pub struct GeneratedOut {
    /// The saved dashboard (`id` at the top level).
    #[serde(flatten)]
    pub dashboard: DashboardOut,
    /// Which generator built it.
    pub generator: GeneratorOut,
    /// Charts proposed but left out because they did not answer.
    pub notes: Vec<String>,
}

impl From<Generated> for GeneratedOut {
    fn from(g: Generated) -> Self {
        Self {
            dashboard: g.dashboard.into(),
            generator: GeneratorOut {
                name: g.generator,
                reason: g.reason,
            },
            notes: g.notes,
        }
    }
}
