//! Data sources, their schemas, and the SQL lab.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::common::{page_dto, utc};
use tessera_domain::Page;

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

impl From<CreateSourceRequest> for crate::data::service::sources::NewSource {
    fn from(r: CreateSourceRequest) -> Self {
        Self {
            name: r.name,
            kind: r.kind,
            url: r.url,
            host: r.host,
            port: r.port,
            database: r.database,
            username: r.username,
            password: r.password,
        }
    }
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

impl From<UpdateSourceRequest> for crate::data::service::sources::SourceChanges {
    fn from(r: UpdateSourceRequest) -> Self {
        Self {
            name: r.name,
            url: r.url,
            host: r.host,
            port: r.port,
            database: r.database,
            username: r.username,
            password: r.password,
        }
    }
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

impl From<TestSourceRequest> for crate::data::service::sources::ConnectionTest {
    fn from(r: TestSourceRequest) -> Self {
        Self {
            source_id: r.source_id,
            kind: r.kind,
            url: r.url,
            host: r.host,
            port: r.port,
            database: r.database,
            username: r.username,
            password: r.password,
        }
    }
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

impl From<crate::data::service::sources::ConnectionReport> for TestResultOut {
    fn from(r: crate::data::service::sources::ConnectionReport) -> Self {
        Self {
            ok: r.ok,
            server_version: r.server_version,
            latency_ms: r.latency_ms,
            superuser: r.superuser,
            file_access: r.file_access,
            warnings: r.warnings,
        }
    }
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

impl From<RunQueryRequest> for crate::data::service::queries::SqlRun {
    fn from(r: RunQueryRequest) -> Self {
        Self {
            source_id: r.source_id,
            sql: r.sql,
            limit: r.limit,
            page: r.page,
            format: r.format,
        }
    }
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

impl From<ValidateQueryRequest> for crate::data::service::queries::SqlCheck {
    fn from(r: ValidateQueryRequest) -> Self {
        Self {
            source_id: r.source_id,
            kind: r.kind,
            sql: r.sql,
        }
    }
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

impl From<crate::data::service::queries::SqlVerdict> for ValidateOut {
    fn from(r: crate::data::service::queries::SqlVerdict) -> Self {
        Self {
            valid: r.valid,
            dialect: r.dialect,
            tables: r.tables,
        }
    }
}

/// The JSON answer of a page: column types come from the rows' DataFrame.
pub fn query_result(
    p: crate::data::service::queries::QueryPage,
) -> crate::error::ApiResult<QueryResultOut> {
    let (truncated, cells_truncated) = (p.rows.truncated, p.rows.cells_truncated);
    let frame = tessera_sources::frame::to_dataframe(&p.rows)?;
    let columns = frame
        .dtypes()
        .iter()
        .zip(&p.rows.columns)
        .map(|(t, name)| ResultColumn {
            name: name.clone(),
            data_type: tessera_sources::frame::type_name(t).to_owned(),
        })
        .collect();
    Ok(QueryResultOut {
        columns,
        row_count: p.rows.rows.len(),
        elapsed_ms: p.rows.elapsed.as_secs_f64() * 1000.0,
        rows: p.rows.rows,
        page: p.page,
        limit: p.limit,
        has_more: p.has_more,
        truncated: truncated.is_some(),
        truncated_reason: truncated.map(|t| t.as_str().to_owned()),
        cells_truncated,
    })
}
