//! Request and response bodies of the HTTP API (the wire contract, documented by utoipa).

use chrono::{DateTime, NaiveDateTime, Utc};

/// A stored UTC time as it goes on the wire: `DateTime<Utc>` serialises as RFC 3339 with a `Z`
/// offset (`2026-12-03T09:40:27.123Z`), and utoipa documents it as `date-time`.
fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
use serde::{Deserialize, Serialize};
use tessera_domain::{Organization, Page, User};
use utoipa::{IntoParams, ToSchema};

/// `POST /auth/register`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// Login email.
    #[schema(example = "ann@example.org")]
    pub email: String,
    /// At least 8 characters.
    #[schema(example = "correct-horse-9", min_length = 8)]
    pub password: String,
    /// Display name.
    #[schema(example = "Ann Lee")]
    pub full_name: String,
    /// Name of the new organisation; defaults to one named after the user.
    pub organization_name: Option<String>,
}

/// `POST /auth/login/json`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /auth/login`: the OAuth2 password grant form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginForm {
    /// The login email.
    pub username: String,
    /// The password.
    pub password: String,
    /// `password` when given.
    pub grant_type: Option<String>,
    /// Ignored; accepted for OAuth2 clients.
    pub scope: Option<String>,
}

/// A token pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque token for `POST /auth/refresh`; single use.
    pub refresh_token: String,
    /// Always `bearer`.
    #[schema(example = "bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    pub refresh_token: String,
}

/// A user as the API shows it (never with a password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    pub id: String,
    /// Organisation id.
    pub organization_id: String,
    /// Login email.
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// Role in the organisation.
    #[schema(example = "editor")]
    pub role: String,
    /// Whether the user may log in.
    pub is_active: bool,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        Self {
            id: u.id.to_string(),
            organization_id: u.org_id.to_string(),
            email: u.email,
            full_name: u.full_name,
            role: u.role.as_str().to_owned(),
            is_active: u.is_active,
            created_at: utc(u.created_at),
            updated_at: utc(u.updated_at),
        }
    }
}

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationOut {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
}

impl From<Organization> for OrganizationOut {
    fn from(o: Organization) -> Self {
        Self {
            id: o.id.to_string(),
            name: o.name,
            created_at: utc(o.created_at),
        }
    }
}

/// The answer to a registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterResponse {
    /// The new user, admin of the new organisation.
    pub user: UserOut,
    /// The new organisation.
    pub organization: OrganizationOut,
}

/// The current session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    /// Who is logged in.
    pub user: UserOut,
    /// Their organisation.
    pub organization: OrganizationOut,
    /// When the access token was issued (seconds since the epoch).
    pub issued_at: i64,
    /// When the access token expires (seconds since the epoch).
    pub expires_at: i64,
}

/// `PUT /users/me`: fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMeRequest {
    /// New display name.
    pub full_name: Option<String>,
    /// New password (at least 8 characters); needs `current_password`.
    pub password: Option<String>,
    /// The current password, required to set a new one.
    pub current_password: Option<String>,
}

/// `PUT /users/{id}`: an admin changes a member; fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// New display name.
    pub full_name: Option<String>,
    /// New role.
    #[schema(example = "viewer")]
    pub role: Option<String>,
    /// `false` deactivates the member: they cannot log in, and their tokens stop working.
    pub is_active: Option<bool>,
}

/// `POST /users`: an admin adds a member to their organisation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserRequest {
    /// Login email.
    pub email: String,
    /// Initial password (at least 8 characters).
    pub password: String,
    /// Display name.
    pub full_name: String,
    /// One of admin, editor, viewer, store_manager, regional_manager.
    #[schema(example = "viewer")]
    pub role: String,
}

/// Defines a page DTO `{items, total, page, limit}` of `$out` built from a domain `Page<$dom>`.
macro_rules! page_dto {
    ($name:ident, $out:ty, $dom:ty, $doc:literal, $items:literal, $total:literal) => {
        #[doc = $doc]
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            #[doc = $items]
            pub items: Vec<$out>,
            #[doc = $total]
            pub total: u64,
            /// Page number, from 1.
            pub page: u32,
            /// Page size.
            pub limit: u32,
        }

        impl From<Page<$dom>> for $name {
            fn from(p: Page<$dom>) -> Self {
                let p = p.map(<$out>::from);
                Self {
                    items: p.items,
                    total: p.total,
                    page: p.page,
                    limit: p.limit,
                }
            }
        }
    };
}

page_dto!(
    UserPage,
    UserOut,
    User,
    "A page of users.",
    "This page's users.",
    "Users matching in all."
);

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1 (default 1).
    pub page: Option<i64>,
    /// Page size, 1 to 200 (default 20).
    pub limit: Option<i64>,
}

/// `GET /users` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Only users of this role.
    pub role: Option<String>,
    /// Page number, from 1 (default 1).
    pub page: Option<i64>,
    /// Page size, 1 to 200 (default 20).
    pub limit: Option<i64>,
}

/// The health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthOut {
    /// `ok` or `degraded`.
    pub status: String,
    /// Server version.
    pub version: String,
    /// The app database check.
    pub database: DatabaseHealth,
}

/// The app database part of the health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatabaseHealth {
    /// `ok` or `unavailable`.
    pub status: String,
    /// `sqlite`, `postgres` or `mysql`.
    pub backend: String,
    /// Round-trip time of `SELECT 1`, in milliseconds.
    pub latency_ms: f64,
    /// Why the check failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `POST /data-sources`: a URL, or separate connection fields.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateSourceRequest {
    /// Unique name in the organisation.
    #[schema(example = "warehouse")]
    pub name: String,
    /// `postgres`, `mysql` or `sqlite`.
    #[schema(example = "postgres")]
    pub kind: String,
    /// Connection URL (`postgres://user:pass@host:5432/db`, `mysql://...`, `sqlite://file.db` under the sources directory).
    pub url: Option<String>,
    /// Host, instead of a URL.
    pub host: Option<String>,
    /// Port, instead of a URL.
    pub port: Option<u16>,
    /// Database name (SQLite: the file), instead of a URL.
    pub database: Option<String>,
    /// User name, instead of a URL.
    pub username: Option<String>,
    /// Password, instead of a URL. Stored encrypted, never returned.
    pub password: Option<String>,
}

/// `PUT /data-sources/{id}`: fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateSourceRequest {
    /// New name.
    pub name: Option<String>,
    /// A new connection URL.
    pub url: Option<String>,
    /// New host.
    pub host: Option<String>,
    /// New port.
    pub port: Option<u16>,
    /// New database (SQLite: file).
    pub database: Option<String>,
    /// New user name.
    pub username: Option<String>,
    /// New password.
    pub password: Option<String>,
}

/// `POST /data-sources/test`: a saved source by id, or an unsaved connection.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TestSourceRequest {
    /// A saved source to test.
    pub source_id: Option<String>,
    /// Engine of an unsaved connection.
    pub kind: Option<String>,
    /// URL of an unsaved connection.
    pub url: Option<String>,
    /// Host of an unsaved connection.
    pub host: Option<String>,
    /// Port of an unsaved connection.
    pub port: Option<u16>,
    /// Database of an unsaved connection.
    pub database: Option<String>,
    /// User of an unsaved connection.
    pub username: Option<String>,
    /// Password of an unsaved connection.
    pub password: Option<String>,
}

/// A data source as the API shows it: never a password or a URL.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `postgres`, `mysql` or `sqlite`.
    pub kind: String,
    /// Host (network sources).
    pub host: Option<String>,
    /// Port (network sources).
    pub port: Option<u16>,
    /// Database name or SQLite file.
    pub database: Option<String>,
    /// User name (network sources).
    pub username: Option<String>,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<tessera_domain::DataSource> for SourceOut {
    fn from(s: tessera_domain::DataSource) -> Self {
        Self {
            id: s.id.to_string(),
            name: s.name,
            kind: s.kind.as_str().to_owned(),
            host: s.host,
            port: s.port,
            database: s.database,
            username: s.username,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
        }
    }
}

page_dto!(
    SourcePage,
    SourceOut,
    tessera_domain::DataSource,
    "A page of data sources.",
    "This page's sources.",
    "Sources in all."
);

/// The result of a connection test.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResultOut {
    /// Always true (a failure is a problem answer).
    pub ok: bool,
    /// The server's version string.
    pub server_version: String,
    /// Round trip of the version query, in milliseconds.
    pub latency_ms: f64,
    /// The account is a superuser (PostgreSQL) or holds SUPER (MySQL).
    pub superuser: bool,
    /// The account can read or write the database server's files (MySQL `FILE`, PostgreSQL
    /// `pg_read_server_files` and friends).
    pub file_access: bool,
    /// What to change about the account, when it holds more than reading needs.
    pub warnings: Vec<String>,
}

/// A table or view.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableOut {
    /// Schema (PostgreSQL) or database (MySQL); absent for SQLite.
    pub schema: Option<String>,
    /// Name.
    pub name: String,
    /// `table` or `view`.
    pub kind: String,
    /// Approximate rows.
    pub row_estimate: Option<i64>,
}

/// `GET /data-sources/{id}/tables`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TablesOut {
    /// Tables and views.
    pub items: Vec<TableOut>,
    /// How many.
    pub total: usize,
}

/// A column.
#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnOut {
    /// Name.
    pub name: String,
    /// Type as the engine names it.
    pub data_type: String,
    /// Broad type: integer, float, text, boolean, date, timestamp, other.
    pub family: String,
    /// NULL allowed.
    pub nullable: bool,
    /// Part of the primary key.
    pub primary_key: bool,
}

/// A foreign key.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForeignKeyOut {
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub references_table: String,
    /// Referenced columns.
    pub references_columns: Vec<String>,
}

/// A table with its columns and keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableSchemaOut {
    /// Schema (PostgreSQL) or database (MySQL); absent for SQLite.
    pub schema: Option<String>,
    /// Name.
    pub name: String,
    /// `table` or `view`.
    pub kind: String,
    /// Approximate rows.
    pub row_estimate: Option<i64>,
    /// Columns in order.
    pub columns: Vec<ColumnOut>,
    /// Primary key columns.
    pub primary_key: Vec<String>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKeyOut>,
}

/// `GET /data-sources/{id}/schema`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchemaOut {
    /// Tables and views.
    pub tables: Vec<TableSchemaOut>,
}

impl From<&tessera_sources::introspect::Schema> for SchemaOut {
    fn from(s: &tessera_sources::introspect::Schema) -> Self {
        Self {
            tables: s
                .tables
                .iter()
                .map(|t| TableSchemaOut {
                    schema: t.schema.clone(),
                    name: t.name.clone(),
                    kind: t.kind.clone(),
                    row_estimate: t.row_estimate,
                    columns: t
                        .columns
                        .iter()
                        .map(|c| ColumnOut {
                            name: c.name.clone(),
                            data_type: c.data_type.clone(),
                            family: serde_json::to_value(c.family)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default(),
                            nullable: c.nullable,
                            primary_key: c.primary_key,
                        })
                        .collect(),
                    primary_key: t.primary_key.clone(),
                    foreign_keys: t
                        .foreign_keys
                        .iter()
                        .map(|f| ForeignKeyOut {
                            columns: f.columns.clone(),
                            references_table: f.references_table.clone(),
                            references_columns: f.references_columns.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// `POST /queries/run`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RunQueryRequest {
    /// The source to query.
    pub source_id: String,
    /// One read-only statement in the source's dialect.
    #[schema(
        example = "SELECT category, SUM(amount) AS revenue FROM transactions GROUP BY category"
    )]
    pub sql: String,
    /// Rows per page (default 1000, at most `sources.max_rows`).
    pub limit: Option<i64>,
    /// Page number from 1 (default 1).
    pub page: Option<i64>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// `POST /queries/validate`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ValidateQueryRequest {
    /// The source whose dialect applies.
    pub source_id: Option<String>,
    /// The dialect when no source is given: postgres, mysql or sqlite.
    pub kind: Option<String>,
    /// The statement.
    pub sql: String,
}

/// `?format=` on `POST /queries/run`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// A result column.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultColumn {
    /// Name.
    pub name: String,
    /// integer, float, boolean, text, date, timestamp or null.
    #[serde(rename = "type")]
    pub data_type: String,
}

/// A page of a query's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueryResultOut {
    /// Columns with their types (empty when no row came back).
    pub columns: Vec<ResultColumn>,
    /// Rows, each an array in column order.
    #[schema(value_type = Vec<Vec<Object>>)]
    pub rows: Vec<Vec<tessera_sources::Value>>,
    /// Rows on this page.
    pub row_count: usize,
    /// Page number.
    pub page: u32,
    /// Page size.
    pub limit: u32,
    /// Whether another page follows (or the page was cut short: see `truncated`).
    pub has_more: bool,
    /// The page stopped before its last row because its cells reached
    /// `sources.max_answer_bytes`.
    pub truncated: bool,
    /// Why the page was cut short: `byte_budget`.
    pub truncated_reason: Option<String>,
    /// Cells cut to `sources.max_cell_bytes`.
    pub cells_truncated: u64,
    /// Time in the database, in milliseconds.
    pub elapsed_ms: f64,
}

/// The answer for a statement that passes validation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidateOut {
    /// Always true (invalid statements answer a 422 problem with `line` and `column`).
    pub valid: bool,
    /// The dialect it was parsed in.
    pub dialect: String,
    /// Tables and views it reads.
    pub tables: Vec<String>,
}

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
}

/// A chart answer: `data` holds one object per row keyed by dimension and measure names.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChartEnvelope {
    /// Always true (failures are problem answers).
    pub success: bool,
    /// Rows.
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<serde_json::Value>,
    /// metric, period, generated_at, cached, columns (with types), range, row_count, ...
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// With `compare=previous_period`: the previous period's range, data and totals with changes.
    #[schema(value_type = Object)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<serde_json::Value>,
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

impl From<&crate::catalog::MetricDef> for MetricInfo {
    fn from(m: &crate::catalog::MetricDef) -> Self {
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

impl From<&crate::catalog::Catalog> for MetricCatalogOut {
    fn from(c: &crate::catalog::Catalog) -> Self {
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

// ---------------------------------------------------------------------------------------------
// Datasets and reports

/// The multipart form of `POST /datasets/upload` (documentation of the wire format).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: CSV (delimiter and header sniffed), Excel (.xlsx/.xls/.ods), JSON (array of
    /// objects), NDJSON or Parquet. The format is read from the content; a name's extension
    /// must agree with it.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Display name (default: the file name without extension).
    pub name: Option<String>,
    /// What the data is.
    pub description: Option<String>,
    /// `true` makes it visible (read-only) to every organisation.
    pub is_public: Option<bool>,
    /// The workbook sheet to read (default: the first).
    pub sheet: Option<String>,
}

/// A column of a dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetColumnOut {
    /// Name.
    pub name: String,
    /// Storage type (polars dtype: i64, f64, bool, str, date, datetime[ms] ...).
    pub dtype: String,
    /// integer, float, boolean, date, datetime, categorical or text.
    pub kind: String,
    /// Missing values.
    pub nulls: u64,
}

/// A dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetOut {
    /// Id.
    pub id: String,
    /// Owning organisation; left out when the dataset is another organisation's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Uploader; left out when the dataset is another organisation's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Visible to every organisation (read-only).
    pub is_public: bool,
    /// Uploaded format: csv, excel, json, ndjson or parquet.
    pub format: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// Bytes of the stored Parquet file.
    pub file_size: i64,
    /// Rows.
    pub row_count: i64,
    /// Columns.
    pub column_count: i32,
    /// Columns with types.
    pub columns: Vec<DatasetColumnOut>,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<tessera_domain::Dataset> for DatasetOut {
    fn from(d: tessera_domain::Dataset) -> Self {
        Self {
            id: d.id.to_string(),
            organization_id: Some(d.org_id.to_string()),
            owner_id: d.owner_id.map(|u| u.to_string()),
            name: d.name,
            description: d.description,
            is_public: d.is_public,
            format: d.format,
            file_name: d.file_name,
            file_size: d.size_bytes,
            row_count: d.row_count,
            column_count: d.column_count,
            columns: d
                .schema
                .into_iter()
                .map(|c| DatasetColumnOut {
                    name: c.name,
                    dtype: c.dtype,
                    kind: c.kind,
                    nulls: c.nulls,
                })
                .collect(),
            created_at: utc(d.created_at),
            updated_at: utc(d.updated_at),
        }
    }
}

impl DatasetOut {
    /// What a member of `viewer` sees: another organisation's ids are left out.
    pub fn seen_by(mut self, viewer: tessera_domain::OrgId) -> Self {
        if self.organization_id.as_deref() != Some(viewer.to_string().as_str()) {
            self.organization_id = None;
            self.owner_id = None;
        }
        self
    }
}

page_dto!(
    DatasetPage,
    DatasetOut,
    tessera_domain::Dataset,
    "A page of datasets.",
    "This page's datasets.",
    "Datasets matching in all."
);

/// `GET /datasets` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DatasetListQuery {
    /// Page number, from 1 (default 1).
    pub page: Option<i64>,
    /// Page size, 1 to 200 (default 20).
    pub limit: Option<i64>,
    /// Only datasets whose name contains this (case-insensitive).
    pub search: Option<String>,
}

/// `PUT /datasets/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDatasetRequest {
    /// New name.
    pub name: Option<String>,
    /// New description (empty clears it).
    pub description: Option<String>,
    /// Visible to every organisation.
    pub is_public: Option<bool>,
}

/// `GET /datasets/{id}/preview` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// Page number, from 1 (default 1).
    pub page: Option<i64>,
    /// Rows per page (default 50, at most `datasets.preview_max_rows`).
    pub limit: Option<i64>,
}

/// A page of a dataset's rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOut {
    /// The dataset.
    pub dataset_id: String,
    /// Columns with types, in order.
    pub columns: Vec<DatasetColumnOut>,
    /// Rows as objects keyed by column name.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Page number.
    pub page: u64,
    /// Page size.
    pub limit: u32,
    /// Rows in the dataset.
    pub total: i64,
}

/// `POST /reports/analyze`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    /// The dataset to profile.
    pub dataset_id: String,
    /// The report's title.
    pub report_title: String,
    /// What the report is about.
    pub report_description: Option<String>,
    /// A column to analyse the others against (classification or regression target).
    pub target_column: Option<String>,
    /// `quick` skips correlations and per-value detail; `all` (default) does everything.
    #[schema(value_type = Option<String>, example = "all")]
    pub analysis_mode: Option<tessera_analytics::AnalysisMode>,
    /// Profile a seeded random sample of this many rows.
    pub sample_size: Option<i64>,
    /// Most plots in the HTML report (default 50).
    pub max_plots: Option<i64>,
    /// List it in `/reports/public`.
    pub is_public: Option<bool>,
}

/// A report's background job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobOut {
    /// Id.
    pub id: String,
    /// queued, running, succeeded or failed.
    pub status: String,
    /// Percent done.
    pub progress: i32,
    /// Why it failed.
    pub error: Option<String>,
    /// Times a worker claimed it (more than one after a restart).
    pub attempts: i32,
    /// Queued at (UTC).
    pub created_at: DateTime<Utc>,
    /// Last claimed at.
    pub started_at: Option<DateTime<Utc>>,
    /// Finished at.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<tessera_domain::Job> for JobOut {
    fn from(j: tessera_domain::Job) -> Self {
        Self {
            id: j.id.to_string(),
            status: j.status.as_str().to_owned(),
            progress: j.progress,
            error: j.error,
            attempts: j.attempts,
            created_at: utc(j.created_at),
            started_at: j.started_at.map(utc),
            finished_at: j.finished_at.map(utc),
        }
    }
}

/// An EDA report with its job's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    /// Id.
    pub id: String,
    /// The profiled dataset; null once its owner deleted it (the results stay).
    pub dataset_id: Option<String>,
    /// Owning organisation; left out when the report is another organisation's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Listed publicly.
    pub is_public: bool,
    /// queued, running, succeeded or failed.
    pub status: String,
    /// Percent done.
    pub progress: i32,
    /// Why it failed.
    pub error: Option<String>,
    /// The analysis options.
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
    /// The job computing it.
    pub job: Option<JobOut>,
    /// Seconds from the last claim to the finish.
    pub duration_seconds: Option<f64>,
    /// Bytes of its HTML and JSON.
    pub size_bytes: i64,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<crate::services::reports::ReportView> for ReportOut {
    fn from(v: crate::services::reports::ReportView) -> Self {
        let r = v.report;
        let job = v.job.map(JobOut::from);
        let duration_seconds = job.as_ref().and_then(|j| {
            let (s, f) = (j.started_at?, j.finished_at?);
            Some((f - s).num_milliseconds() as f64 / 1000.0)
        });
        Self {
            id: r.id.to_string(),
            dataset_id: r.dataset_id.map(|d| d.to_string()),
            organization_id: Some(r.org_id.to_string()),
            title: r.title,
            description: r.description,
            is_public: r.is_public,
            status: job
                .as_ref()
                .map_or_else(|| "succeeded".into(), |j| j.status.clone()),
            progress: job.as_ref().map_or(100, |j| j.progress),
            error: job.as_ref().and_then(|j| j.error.clone()),
            options: serde_json::from_str(&r.options_json).unwrap_or(serde_json::Value::Null),
            job,
            duration_seconds,
            size_bytes: r.size_bytes,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

impl ReportOut {
    /// What a member of `viewer` (none: a share link's reader) sees: another organisation's id
    /// is left out.
    pub fn seen_by(mut self, viewer: Option<tessera_domain::OrgId>) -> Self {
        if self.organization_id != viewer.map(|o| o.to_string()) {
            self.organization_id = None;
        }
        self
    }
}

page_dto!(
    ReportPage,
    ReportOut,
    crate::services::reports::ReportView,
    "A page of reports.",
    "This page's reports.",
    "Reports in all."
);

/// `POST /reports/{id}/share`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    /// When the link stops working (RFC 3339).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Or: hours from now until the link stops working.
    pub expires_in_hours: Option<i64>,
}

/// A share link (the token only in the answer that created it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareOut {
    /// Id (to revoke it).
    pub id: String,
    /// The report.
    pub report_id: String,
    /// The secret (256 random bits); shown once.
    pub token: Option<String>,
    /// `/api/v1/reports/shared/{token}`; shown once.
    pub url: Option<String>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
}

impl ShareOut {
    /// The answer for a share, with its token when just created.
    pub fn new(s: tessera_domain::ReportShare, token: Option<String>) -> Self {
        Self {
            id: s.id.to_string(),
            report_id: s.report_id.to_string(),
            url: token
                .as_ref()
                .map(|t| format!("/api/v1/reports/shared/{t}")),
            token,
            expires_at: s.expires_at.map(utc),
            revoked_at: s.revoked_at.map(utc),
            created_at: utc(s.created_at),
        }
    }
}

/// `GET /reports/shared/{token}` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SharedQuery {
    /// `html` for the report page, `json` for the report and its results; by default a browser
    /// (Accept: text/html) gets the page and other clients the JSON.
    pub format: Option<String>,
}

/// A shared report and its results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedReportOut {
    /// The report.
    pub report: ReportOut,
    /// The profile (as `GET /reports/{id}/results`).
    #[schema(value_type = tessera_analytics::Profile)]
    pub results: serde_json::Value,
}

/// Reports per status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportsByStatus {
    /// Waiting.
    pub queued: i64,
    /// Computing.
    pub running: i64,
    /// Done.
    pub succeeded: i64,
    /// Failed.
    pub failed: i64,
}

/// `GET /reports/dashboard/stats`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportStatsOut {
    /// The organisation's datasets.
    pub datasets: i64,
    /// The organisation's reports.
    pub reports: i64,
    /// Reports per job status.
    pub reports_by_status: ReportsByStatus,
    /// Bytes used: Parquet files plus report files.
    pub storage_bytes: i64,
    /// Bytes of datasets.
    pub dataset_bytes: i64,
    /// Bytes of reports.
    pub report_bytes: i64,
    /// Newest datasets.
    pub recent_datasets: Vec<DatasetOut>,
    /// Newest reports.
    pub recent_reports: Vec<ReportOut>,
}

impl From<crate::services::reports::ReportStats> for ReportStatsOut {
    fn from(s: crate::services::reports::ReportStats) -> Self {
        let count = |st: tessera_domain::JobStatus| {
            s.by_status
                .iter()
                .find(|(k, _)| *k == st)
                .map_or(0, |(_, n)| *n)
        };
        use tessera_domain::JobStatus as J;
        Self {
            datasets: s.datasets.0,
            reports: s.reports.0,
            reports_by_status: ReportsByStatus {
                queued: count(J::Queued),
                running: count(J::Running),
                succeeded: count(J::Succeeded),
                failed: count(J::Failed),
            },
            storage_bytes: s.datasets.1 + s.reports.1,
            dataset_bytes: s.datasets.1,
            report_bytes: s.reports.1,
            recent_datasets: s
                .recent_datasets
                .into_iter()
                .map(DatasetOut::from)
                .collect(),
            recent_reports: s.recent_reports.into_iter().map(ReportOut::from).collect(),
        }
    }
}

impl DatasetPage {
    /// Every item as a member of `viewer` sees it.
    pub fn seen_by(mut self, viewer: tessera_domain::OrgId) -> Self {
        self.items = self.items.into_iter().map(|d| d.seen_by(viewer)).collect();
        self
    }
}

impl ReportPage {
    /// Every item as a member of `viewer` sees it.
    pub fn seen_by(mut self, viewer: tessera_domain::OrgId) -> Self {
        self.items = self
            .items
            .into_iter()
            .map(|r| r.seen_by(Some(viewer)))
            .collect();
        self
    }
}
