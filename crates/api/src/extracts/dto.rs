//! Wire shapes of extracts, their refreshes and the suggestions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tessera_charts::extracts::spec::{ExtractSpec, ScheduleSpec};
use tessera_charts::extracts::{ExtractView, Suggestion};
use tessera_charts::request::FilterRequest;
use tessera_domain::extract::{ExtractRefresh, ExtractTarget};
use tessera_domain::Page;
use utoipa::{IntoParams, ToSchema};

use crate::common::jobs::JobOut;
use crate::common::{json_object, page_dto, utc};

/// A filter on the rows kept (the chart filter vocabulary).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExtractFilterIo {
    /// The column.
    pub column: String,
    /// eq, ne, in, not_in, gt, gte, lt, lte, between, contains or is_null.
    pub op: String,
    /// A value; a list for in/not_in/between; true/false for is_null.
    #[schema(value_type = Object)]
    pub value: Json,
}

/// A refresh schedule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExtractScheduleIo {
    /// A cron expression: 5 fields (minutes first) or 6 (seconds first); at most once a minute.
    pub cron: String,
    /// An IANA time zone (default `UTC`).
    #[serde(default)]
    pub timezone: Option<String>,
}

/// An extract as written (create and replace).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExtractIn {
    /// Unique within the organisation, 1 to 200 characters.
    pub name: String,
    /// The source copied from.
    pub source_id: String,
    /// The table (or view) copied; give this or `datamart_id`.
    #[serde(default)]
    pub table: Option<String>,
    /// Or one of the source's datamarts.
    #[serde(default)]
    pub datamart_id: Option<String>,
    /// The columns kept (default: every column of a type extracts keep: numbers, text, dates,
    /// timestamps, and booleans from PostgreSQL).
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Rows kept: all of these hold. A chart is answered from the extract only when it filters
    /// by these same conditions itself.
    #[serde(default)]
    pub filters: Vec<ExtractFilterIo>,
    /// When to refresh (none: only when asked).
    #[serde(default)]
    pub schedule: Option<ExtractScheduleIo>,
    /// A number, date or timestamp column that only grows (an id, a creation time): each
    /// refresh then reads only rows past the largest value read so far. Without one, each
    /// refresh reads everything.
    #[serde(default)]
    pub incremental_column: Option<String>,
    /// Charts are answered from the extract only while its data is at most this old (60 to
    /// 31536000 seconds; default `extracts.default_max_staleness_secs`).
    #[serde(default)]
    pub max_staleness_secs: Option<u64>,
}

impl From<ExtractIn> for ExtractSpec {
    fn from(b: ExtractIn) -> Self {
        Self {
            name: b.name,
            source_id: b.source_id,
            table: b.table,
            datamart_id: b.datamart_id,
            columns: b.columns,
            filters: b
                .filters
                .into_iter()
                .map(|f| FilterRequest {
                    column: f.column,
                    op: f.op,
                    value: f.value,
                })
                .collect(),
            schedule: b.schedule.map(|s| ScheduleSpec {
                cron: s.cron,
                timezone: s.timezone.unwrap_or_else(|| "UTC".into()),
            }),
            incremental_column: b.incremental_column,
            max_staleness_secs: b.max_staleness_secs,
        }
    }
}

/// A column the copy holds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExtractColumnOut {
    /// Its name in the source.
    pub name: String,
    /// `integer`, `float`, `text`, `date`, `timestamp` or `boolean`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
}

/// What the serving copy holds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExtractCopyOut {
    /// The copy's number; 0 before the first refresh.
    pub version: i64,
    /// When its data was read from the source.
    pub refreshed_at: Option<DateTime<Utc>>,
    /// When it stops answering charts (refreshed_at + max_staleness_secs).
    pub stale_at: Option<DateTime<Utc>>,
    /// Rows.
    pub rows: i64,
    /// Bytes on disk.
    pub bytes: i64,
    /// The largest value of the incremental column read so far.
    #[schema(value_type = Object)]
    pub high_water: Option<Json>,
    /// The columns it holds.
    pub columns: Vec<ExtractColumnOut>,
}

/// One refresh.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefreshOut {
    /// Id.
    pub id: String,
    /// The job that ran it.
    pub job_id: Option<String>,
    /// `full` or `incremental`.
    pub mode: String,
    /// `running`, `succeeded` or `failed` (the previous copy kept serving).
    pub status: String,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Rows read from the source.
    pub rows_read: i64,
    /// Rows in the copy it left.
    pub rows: i64,
    /// Bytes of that copy.
    pub bytes: i64,
    /// How long it took.
    pub duration_ms: i64,
    /// The high-water mark after it.
    #[schema(value_type = Object)]
    pub high_water: Option<Json>,
    /// Why it failed.
    pub error: Option<String>,
}

impl From<ExtractRefresh> for RefreshOut {
    fn from(r: ExtractRefresh) -> Self {
        Self {
            id: r.id.to_string(),
            job_id: r.job_id.map(|j| j.to_string()),
            mode: r.mode.as_str().into(),
            status: r.status.as_str().into(),
            started_at: utc(r.started_at),
            finished_at: r.finished_at.map(utc),
            rows_read: r.rows_read,
            rows: r.rows,
            bytes: r.bytes,
            duration_ms: r.duration_ms,
            high_water: r.high_water.as_deref().map(json_object),
            error: r.error,
        }
    }
}

/// An extract.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExtractOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The source copied from.
    pub source_id: String,
    /// The table copied (or null for a datamart).
    pub table: Option<String>,
    /// The datamart copied (or null for a table).
    pub datamart_id: Option<String>,
    /// The columns asked for (null: every column of a kept type).
    pub columns: Option<Vec<String>>,
    /// Rows kept.
    pub filters: Vec<ExtractFilterIo>,
    /// When it refreshes by itself.
    pub schedule: Option<ExtractScheduleIo>,
    /// The incremental column.
    pub incremental_column: Option<String>,
    /// How old its data may be and still answer charts.
    pub max_staleness_secs: u64,
    /// When the schedule next refreshes it.
    pub next_refresh_at: Option<DateTime<Utc>>,
    /// Whether its copy answers charts now (fresh enough).
    pub fresh: bool,
    /// What the serving copy holds.
    pub copy: ExtractCopyOut,
    /// Its latest refresh job (queued or running: a refresh is under way).
    pub job: Option<JobOut>,
    /// Its latest refreshes, newest first (on a single extract only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refreshes: Option<Vec<RefreshOut>>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl From<ExtractView> for ExtractOut {
    fn from(v: ExtractView) -> Self {
        let x = v.extract;
        let d = v.definition;
        let (table, datamart_id) = match &x.target {
            ExtractTarget::Table(t) => (Some(t.clone()), None),
            ExtractTarget::Datamart(id) => (None, Some(id.to_string())),
        };
        let refreshed_at = x.state.refreshed_at;
        Self {
            id: x.id.to_string(),
            name: x.name,
            source_id: x.source_id.to_string(),
            table,
            datamart_id,
            columns: d.stored.columns.clone(),
            filters: d
                .stored
                .filters
                .iter()
                .map(|f| ExtractFilterIo {
                    column: f.column.clone(),
                    op: f.op.clone(),
                    value: f.value.clone(),
                })
                .collect(),
            schedule: d.stored.schedule.as_ref().map(|s| ExtractScheduleIo {
                cron: s.cron.clone(),
                timezone: Some(s.timezone.clone()),
            }),
            incremental_column: d.stored.incremental_column.clone(),
            max_staleness_secs: d.stored.max_staleness_secs,
            next_refresh_at: x.next_refresh_at.map(utc),
            fresh: v.fresh,
            copy: ExtractCopyOut {
                version: x.state.version,
                refreshed_at: refreshed_at.map(utc),
                stale_at: refreshed_at.map(|t| utc(t + d.max_staleness)),
                rows: x.state.rows,
                bytes: x.state.bytes,
                high_water: x.state.high_water.as_deref().map(json_object),
                columns: x
                    .state
                    .columns
                    .into_iter()
                    .map(|c| ExtractColumnOut {
                        name: c.name,
                        kind: c.kind,
                    })
                    .collect(),
            },
            job: v.job.map(JobOut::from),
            refreshes: if v.refreshes.is_empty() {
                None
            } else {
                Some(v.refreshes.into_iter().map(RefreshOut::from).collect())
            },
            created_at: utc(x.created_at),
        }
    }
}

page_dto!(
    ExtractsOut,
    ExtractOut,
    ExtractView,
    "One page of extracts, by name.",
    "The extracts.",
    "Extracts in all."
);

/// Which extracts a list answers.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExtractsQuery {
    /// Only the extracts of this source.
    pub source_id: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Page size, 1 to 200 (default 20).
    pub limit: Option<i64>,
}

/// A refresh queued (or already under way).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefreshQueuedOut {
    /// The extract.
    pub extract_id: String,
    /// The refresh job: its status and progress are also on `GET /extracts/{id}`.
    pub job: JobOut,
}

/// A table whose charts were slow in the last day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionOut {
    /// The source.
    pub source_id: String,
    /// Its name.
    pub source_name: String,
    /// The table (or null for a datamart).
    pub table: Option<String>,
    /// The datamart (or null for a table).
    pub datamart_id: Option<String>,
    /// Uncached chart queries the database answered in the last day.
    pub database_queries: u64,
    /// Their mean time, in milliseconds.
    pub database_ms_mean: f64,
    /// Their time in all.
    pub database_ms_total: f64,
    /// The time an extract would likely take per query: measured when one answered, else the
    /// database's time over 20.
    pub extract_ms_estimate: f64,
    /// The time an extract would likely have saved over the day, in milliseconds.
    pub saving_ms: f64,
    /// Extracts of this table that exist already (stale, filtered or missing a column the
    /// charts need, when the database still answered).
    pub extract_ids: Vec<String>,
}

impl From<Suggestion> for SuggestionOut {
    fn from(s: Suggestion) -> Self {
        let (table, datamart_id) = match s.target {
            ExtractTarget::Table(t) => (Some(t), None),
            ExtractTarget::Datamart(id) => (None, Some(id.to_string())),
        };
        Self {
            source_id: s.source_id.to_string(),
            source_name: s.source_name,
            table,
            datamart_id,
            database_queries: s.database_queries,
            database_ms_mean: s.database_ms_mean,
            database_ms_total: s.database_ms_total,
            extract_ms_estimate: s.extract_ms_estimate,
            saving_ms: s.saving_ms,
            extract_ids: s.extract_ids.iter().map(ToString::to_string).collect(),
        }
    }
}

/// The suggestions, the largest saving first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionsOut {
    /// Hours looked back.
    pub window_hours: i64,
    /// The tables.
    pub items: Vec<SuggestionOut>,
}
