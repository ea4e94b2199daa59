//! Chart queries and their envelope, datamarts, and the named-metric catalogue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::common::{page_dto, utc};
use tessera_charts::request::{
    FilterRequest, MeasureRequest, RangeRequest, SortRequest, TimeRequest,
};
use tessera_charts::{ChartAnswer, ChartRequest, MetricAsk};
use tessera_domain::Page;

/// One measure of a chart query.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MeasureIn {
    /// count, count_distinct, sum, avg, min, max or median.
    #[schema(example = "sum")]
    pub agg: String,
    /// The column (optional for count: rows).
    pub column: Option<String>,
    /// The output name (default `{agg}_{column}`).
    #[serde(rename = "as")]
    pub alias: Option<String>,
}

/// An explicit time range; `to` is excluded.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RangeIn {
    /// Start: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`.
    pub from: String,
    /// End (excluded).
    pub to: String,
}

/// The time axis of a chart query.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TimeIn {
    /// A date or timestamp column.
    pub column: String,
    /// hour, day, week, month, quarter or year; omit to filter by time without bucketing.
    pub granularity: Option<String>,
    /// 7d, 30d, 90d, 1y, today, mtd or ytd.
    pub period: Option<String>,
    /// An explicit range instead of a period.
    pub range: Option<RangeIn>,
}

/// A filter of a chart query.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FilterIn {
    /// The column.
    pub column: String,
    /// eq, ne, in, not_in, gt, gte, lt, lte, between, contains or is_null.
    pub op: String,
    /// A value; a list for in/not_in/between; true/false for is_null.
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// A sort key of a chart query.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SortIn {
    /// A dimension, the time column or a measure's name.
    pub by: String,
    /// Descending.
    #[serde(default)]
    pub desc: bool,
}

/// `POST /charts/query`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChartQueryRequest {
    /// The source to aggregate in.
    pub source_id: Option<String>,
    /// Or a datamart (its query becomes the table).
    pub datamart_id: Option<String>,
    /// Or an uploaded dataset (aggregated from its stored Parquet file).
    pub dataset_id: Option<String>,
    /// The table or view (not needed with a datamart or a dataset).
    pub table: Option<String>,
    /// At least one measure.
    pub measures: Vec<MeasureIn>,
    /// Group-by columns.
    #[serde(default)]
    pub dimensions: Vec<String>,
    /// The time axis.
    pub time: Option<TimeIn>,
    /// Filters, all of which hold.
    #[serde(default)]
    pub filters: Vec<FilterIn>,
    /// Sort keys (default: time ascending, else the first measure descending).
    #[serde(default)]
    pub sort: Vec<SortIn>,
    /// Most rows (default 1000, at most 10000).
    pub limit: Option<i64>,
    /// `previous_period` adds the same query over the preceding period of equal length.
    pub compare: Option<String>,
    /// `true` reads the database itself, never a columnar extract of the table (as
    /// `Cache-Control: no-cache` does).
    #[serde(default)]
    pub live: Option<bool>,
}

/// A chart answer: `data` holds one object per row keyed by dimension and measure names.
// Serialised with its keys in sorted order at every level, as the chart endpoints have always
// answered (clients and the snapshot test compare bytes).
#[derive(Debug, ToSchema)]
pub struct ChartEnvelope {
    /// Always true (failures are problem answers).
    pub success: bool,
    /// Rows.
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<tessera_charts::answer::Row>,
    /// metric, period, generated_at, cached, columns (with types), range, row_count, and
    /// `source`: `database` (with source_id, source_name), `extract` (answered from a fresh
    /// columnar extract: extract_id, extract_name, source_id, source_name, refreshed_at),
    /// `dataset` (dataset_id, dataset_name) or `sample`.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// With `compare=previous_period`: the previous period's range, data and totals with changes.
    #[schema(value_type = Object, required = false)]
    pub comparison: Option<serde_json::Value>,
}

impl Serialize for ChartEnvelope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // rows and the metadata are maps with sorted keys already; the envelope's own keys go
        // in sorted order too
        let mut map = s.serialize_map(None)?;
        if let Some(c) = &self.comparison {
            map.serialize_entry("comparison", c)?;
        }
        map.serialize_entry("data", &self.data)?;
        map.serialize_entry("metadata", &self.metadata)?;
        map.serialize_entry("success", &self.success)?;
        map.end()
    }
}

impl From<ChartAnswer> for ChartEnvelope {
    fn from(a: ChartAnswer) -> Self {
        let mut metadata = serde_json::to_value(&a.metadata).unwrap_or_default();
        metadata["columns"] = serde_json::to_value(&a.columns).unwrap_or_default();
        Self {
            success: true,
            data: a.rows,
            metadata,
            comparison: a.comparison.and_then(|c| serde_json::to_value(c).ok()),
        }
    }
}

/// The query string of the named-metric endpoints.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricParams {
    /// The metric's name (see GET /charts/metrics).
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

impl From<&MetricParams> for MetricAsk {
    fn from(p: &MetricParams) -> Self {
        Self {
            metric: p.metric.clone(),
            period: p.period.clone(),
            category: p.category.clone(),
            granularity: p.granularity.clone(),
            source_id: p.source_id.clone(),
        }
    }
}

impl From<&ChartQueryRequest> for ChartRequest {
    fn from(r: &ChartQueryRequest) -> Self {
        Self {
            source_id: r.source_id.clone(),
            datamart_id: r.datamart_id.clone(),
            dataset_id: r.dataset_id.clone(),
            table: r.table.clone(),
            measures: r
                .measures
                .iter()
                .map(|m| MeasureRequest {
                    agg: m.agg.clone(),
                    column: m.column.clone(),
                    alias: m.alias.clone(),
                })
                .collect(),
            dimensions: r.dimensions.clone(),
            time: r.time.as_ref().map(|t| TimeRequest {
                column: t.column.clone(),
                granularity: t.granularity.clone(),
                period: t.period.clone(),
                range: t.range.as_ref().map(|r| RangeRequest {
                    from: r.from.clone(),
                    to: r.to.clone(),
                }),
            }),
            filters: r
                .filters
                .iter()
                .map(|f| FilterRequest {
                    column: f.column.clone(),
                    op: f.op.clone(),
                    value: f.value.clone(),
                })
                .collect(),
            sort: r
                .sort
                .iter()
                .map(|s| SortRequest {
                    by: s.by.clone(),
                    desc: s.desc,
                })
                .collect(),
            limit: r.limit,
            compare: r.compare.clone(),
            live: r.live,
        }
    }
}

/// `POST /datamarts`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateDatamartRequest {
    /// Unique name in the organisation; charts use it as the table name.
    pub name: String,
    /// The source the query runs on.
    pub source_id: String,
    /// One read-only statement in the source's dialect.
    pub sql: String,
    /// What it holds.
    pub description: Option<String>,
}

impl From<CreateDatamartRequest> for crate::data::service::datamarts::NewDatamart {
    fn from(r: CreateDatamartRequest) -> Self {
        Self {
            name: r.name,
            source_id: r.source_id,
            sql: r.sql,
            description: r.description,
        }
    }
}

/// One named metric of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricInfo {
    /// Name used in `?metric=`.
    #[schema(example = "revenue")]
    pub name: String,
    /// What it measures.
    pub description: String,
    /// currency, count, users, percent, ...
    pub unit: Option<String>,
    /// The table it aggregates (none for ratios).
    pub table: Option<String>,
    /// Bar and pie charts group by this (a column, or a derived segment).
    pub dimension: Option<String>,
    /// Or by the first of these columns the table has.
    pub dimension_from: Vec<String>,
    /// `?category=` filters this column.
    pub category_column: Option<String>,
    /// `sample` when the metric answers marked sample data while its source is down.
    pub fallback: Option<String>,
}

impl From<&tessera_charts::catalog::MetricDef> for MetricInfo {
    fn from(m: &tessera_charts::catalog::MetricDef) -> Self {
        Self {
            name: m.name.clone(),
            description: m.description.clone(),
            unit: m.unit.clone(),
            table: m.table.clone(),
            dimension: m.dimension.clone(),
            dimension_from: m.dimension_from.clone(),
            category_column: m.category_column.clone(),
            fallback: m.fallback.clone(),
        }
    }
}

/// The named metrics of each chart type.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsByChart {
    /// `GET /charts/bar`.
    pub bar: Vec<MetricInfo>,
    /// `GET /charts/pie`.
    pub pie: Vec<MetricInfo>,
    /// `GET /charts/line`.
    pub line: Vec<MetricInfo>,
    /// `GET /charts/realtime/{metric}`.
    pub realtime: Vec<MetricInfo>,
}

/// What the catalogue's parameters may be.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogMetadata {
    /// Allowed `period` values.
    pub periods: Vec<String>,
    /// Allowed `granularity` values.
    pub granularities: Vec<String>,
    /// When this answer was made.
    pub generated_at: DateTime<Utc>,
}

/// `GET /charts/metrics`: the catalogue in the chart envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricCatalogOut {
    /// Always true.
    pub success: bool,
    /// The metrics by chart type.
    pub data: MetricsByChart,
    /// Allowed periods and granularities.
    pub metadata: CatalogMetadata,
}

impl From<&tessera_charts::catalog::Catalog> for MetricCatalogOut {
    fn from(c: &tessera_charts::catalog::Catalog) -> Self {
        use tessera_domain::chart::{Granularity, Period};
        let of = |chart: &str| {
            c.of_chart(chart)
                .into_iter()
                .map(MetricInfo::from)
                .collect()
        };
        Self {
            success: true,
            data: MetricsByChart {
                bar: of("bar"),
                pie: of("pie"),
                line: of("line"),
                realtime: of("realtime"),
            },
            metadata: CatalogMetadata {
                periods: Period::ALL.iter().map(|p| p.as_str().to_owned()).collect(),
                granularities: Granularity::ALL
                    .iter()
                    .map(|g| g.as_str().to_owned())
                    .collect(),
                generated_at: chrono::Utc::now(),
            },
        }
    }
}

/// `PUT /datamarts/{id}`: fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateDatamartRequest {
    /// New name.
    pub name: Option<String>,
    /// New query.
    pub sql: Option<String>,
    /// New description.
    pub description: Option<String>,
}

impl From<UpdateDatamartRequest> for crate::data::service::datamarts::DatamartEdit {
    fn from(r: UpdateDatamartRequest) -> Self {
        Self {
            name: r.name,
            sql: r.sql,
            description: r.description,
        }
    }
}

/// A datamart.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatamartOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Source id.
    pub source_id: String,
    /// The query.
    pub sql: String,
    /// Description.
    pub description: Option<String>,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<tessera_domain::Datamart> for DatamartOut {
    fn from(d: tessera_domain::Datamart) -> Self {
        Self {
            id: d.id.to_string(),
            name: d.name,
            source_id: d.source_id.to_string(),
            sql: d.sql,
            description: d.description,
            created_at: utc(d.created_at),
            updated_at: utc(d.updated_at),
        }
    }
}

page_dto!(
    DatamartPage,
    DatamartOut,
    tessera_domain::Datamart,
    "A page of datamarts.",
    "This page's datamarts.",
    "Datamarts in all."
);
