//! Data sources: registration (credentials sealed), connection tests, tables and schema, and
//! opening a source's pool for queries and charts.

use std::sync::Arc;

use tessera_domain::{DataSource, DataSourceId, Page, PageRequest, SourceKind, SourceName};
use tessera_sources::introspect::Schema;
use tessera_sources::pool::SourcePool;
use tessera_sources::{ConnectionSpec, SpecFields};
use tessera_store::data_sources::{self, Connection, StoredSource};
use tessera_store::StoreError;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What a connection test found.
#[derive(Debug, Clone)]
pub struct ConnectionReport {
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

/// A connection to test: a saved source, or an unsaved URL or fields.
#[derive(Debug, Clone)]
pub struct ConnectionTest {
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

/// Changes to a source; fields left out stay.
#[derive(Debug, Clone)]
pub struct SourceChanges {
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

/// A source to register: a URL or connection fields.
#[derive(Debug, Clone)]
pub struct NewSource {
    /// Unique name in the organisation.
    pub name: String,
    /// `postgres`, `mysql` or `sqlite`.
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

pub use tessera_charts::OpenSource;

/// A source as clients see it: a SQLite file is named within the sources directory, never by the
/// server's absolute path (sources registered before paths were stored that way included).
fn shown(state: &AppState, mut source: DataSource) -> DataSource {
    if source.kind == SourceKind::Sqlite {
        if let Some(db) = source.database.as_deref() {
            let root = &state.sources.policy.sqlite_dir;
            let roots = [
                root.join(source.org_id.to_string()),
                root.clone(),
                root.canonicalize().unwrap_or_default(),
            ];
            let path = std::path::Path::new(db);
            let relative = roots
                .iter()
                .filter(|r| !r.as_os_str().is_empty())
                .find_map(|r| path.strip_prefix(r).ok())
                .map(|p| p.display().to_string());
            source.database = match relative {
                Some(r) => Some(r),
                None if path.is_absolute() => {
                    path.file_name().map(|f| f.to_string_lossy().into_owned())
                }
                None => Some(db.to_owned()),
            };
        }
    }
    source
}

fn parse_id(id: &str) -> ApiResult<DataSourceId> {
    crate::common::path_id("data source", id)
}

fn not_found(id: impl std::fmt::Display) -> impl Fn(ApiError) -> ApiError {
    move |e| match e {
        ApiError::NotFound(_) => ApiError::NotFound(format!("no data source with id '{id}'")),
        other => other,
    }
}

fn conflict(name: String) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::Conflict(_) => {
            ApiError::Conflict(format!("a data source named '{name}' already exists"))
        }
        other => other.into(),
    }
}

fn sealed(state: &AppState, spec: &ConnectionSpec) -> ApiResult<Connection> {
    Ok(Connection {
        kind: spec.kind,
        host: spec.host.clone(),
        port: spec.port,
        database: spec.database.clone(),
        username: spec.username.clone(),
        sealed_url: state.sources.cipher.encrypt(&spec.url)?,
    })
}

fn fields(
    host: &Option<String>,
    port: Option<u16>,
    database: &Option<String>,
    username: &Option<String>,
    password: &Option<String>,
) -> SpecFields {
    SpecFields {
        host: host.clone(),
        port,
        database: database.clone(),
        username: username.clone(),
        password: password.clone(),
    }
}

/// Registers a source (editors and admins).
pub async fn create(state: &AppState, caller: &Caller, req: NewSource) -> ApiResult<DataSource> {
    caller.require_editor("data sources")?;
    let name = SourceName::parse(&req.name)?;
    let kind: SourceKind = req.kind.parse()?;
    let f = fields(
        &req.host,
        req.port,
        &req.database,
        &req.username,
        &req.password,
    );
    let spec = ConnectionSpec::parse(
        kind,
        req.url.as_deref(),
        &f,
        &state.sources.policy_for(caller.org_id),
    )?;
    let connection = sealed(state, &spec)?;
    let (org, user) = (caller.org_id, caller.user_id);
    let stored = state
        .db(move |conn| {
            data_sources::insert(conn, org, name.as_str(), &connection, Some(user))
                .map_err(conflict(req.name.trim().to_owned()))
        })
        .await?;
    state.sources.metric_sources.invalidate_all();
    tracing::info!(source = %stored.source.name, kind = %kind, url = %spec.redacted(), "data source registered");
    Ok(shown(state, stored.source))
}

/// The caller's organisation's sources.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    page: Option<i64>,
    limit: Option<i64>,
) -> ApiResult<Page<DataSource>> {
    let page = PageRequest::new(page, limit)?;
    let org = caller.org_id;
    let page = state
        .db(move |conn| Ok(data_sources::list(conn, org, page)?))
        .await?;
    Ok(page.map(|s| shown(state, s)))
}

async fn stored(state: &AppState, caller: &Caller, id: DataSourceId) -> ApiResult<StoredSource> {
    Ok(state.charts.stored_source(&caller.viewer(), id).await?)
}

/// One source of the caller's organisation.
pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ApiResult<DataSource> {
    Ok(shown(
        state,
        stored(state, caller, parse_id(id)?).await?.source,
    ))
}

/// Renames a source and/or changes its connection; forgets its pool, schema and cached charts.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    req: SourceChanges,
) -> ApiResult<DataSource> {
    caller.require_editor("data sources")?;
    let id = parse_id(id)?;
    let current = stored(state, caller, id).await?;
    let name = req.name.as_deref().map(SourceName::parse).transpose()?;
    let f = fields(
        &req.host,
        req.port,
        &req.database,
        &req.username,
        &req.password,
    );
    let touches_connection = req.url.is_some()
        || [&f.host, &f.database, &f.username, &f.password]
            .iter()
            .any(|v| v.is_some())
        || f.port.is_some();
    let connection = if touches_connection {
        let spec = match req.url.as_deref() {
            Some(url) => ConnectionSpec::parse(
                current.source.kind,
                Some(url),
                &f,
                &state.sources.policy_for(caller.org_id),
            )?,
            None => state
                .charts
                .spec_of(&current)?
                .with_fields(&f, &state.sources.policy_for(caller.org_id))?,
        };
        Some(sealed(state, &spec)?)
    } else {
        None
    };
    let org = caller.org_id;
    let label = name
        .as_ref()
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default();
    let updated = state
        .db(move |conn| {
            data_sources::update(
                conn,
                org,
                id,
                name.as_ref().map(SourceName::as_str),
                connection.as_ref(),
            )
            .map_err(conflict(label.clone()))
        })
        .await?;
    crate::cache_sync::changed(state, crate::cache_sync::Scope::Source(id)).await;
    Ok(shown(state, updated.source))
}

/// Deletes a source and its datamarts; forgets its pool, schema and cached charts.
pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    caller.require_editor("data sources")?;
    let id = parse_id(id)?;
    let org = caller.org_id;
    let extracts = state
        .db(move |conn| Ok(data_sources::delete(conn, org, id)?))
        .await
        .map_err(not_found(id))?;
    state.extracts.forget(org, &extracts);
    crate::cache_sync::changed(state, crate::cache_sync::Scope::SourceDeleted(id)).await;
    Ok(())
}

/// Opens a source of the caller's organisation for reading (see [`tessera_charts::access`]).
pub async fn open(state: &AppState, caller: &Caller, id: DataSourceId) -> ApiResult<OpenSource> {
    Ok(state.charts.open(&caller.viewer(), id).await?)
}

/// Runs `f` with a source's pool on the source threads (see [`tessera_charts::executor`]).
pub async fn on_source<T, F>(
    state: &AppState,
    caller: &Caller,
    source: &OpenSource,
    f: F,
) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&tessera_sources::pool::SourcePool, &str) -> Result<T, tessera_sources::SourceError>
        + Send
        + 'static,
{
    Ok(state.charts.on_source(&caller.viewer(), source, f).await?)
}

/// Tests a saved source, or a connection before it is saved (`sources.tests_per_minute` per
/// organisation). The answer says when the account holds more power than charts need.
pub async fn test(
    state: &AppState,
    caller: &Caller,
    req: ConnectionTest,
) -> ApiResult<ConnectionReport> {
    state.sources.executor.allow_test(caller.org_id)?;
    let timeout = state.sources.limits.statement_timeout;
    let probe = match req.source_id.as_deref() {
        Some(id) => {
            let source = open(state, caller, parse_id(id)?).await?;
            on_source(state, caller, &source, move |pool, name| {
                tessera_sources::execute::probe(pool, name, timeout)
            })
            .await?
        }
        None => {
            caller.require_editor("data sources")?;
            let kind: SourceKind = req
                .kind
                .as_deref()
                .ok_or_else(|| {
                    ApiError::field(
                        "kind",
                        "give source_id, or kind with url or connection fields",
                    )
                })?
                .parse()?;
            let f = fields(
                &req.host,
                req.port,
                &req.database,
                &req.username,
                &req.password,
            );
            let spec = ConnectionSpec::parse(
                kind,
                req.url.as_deref(),
                &f,
                &state.sources.policy_for(caller.org_id),
            )?;
            let limits = state.sources.limits.clone();
            state
                .sources
                .executor
                .run(caller.org_id, None, move || {
                    let pool = SourcePool::connect(&spec, "unsaved source", &limits)?;
                    tessera_sources::execute::probe(&pool, "unsaved source", timeout)
                })
                .await??
        }
    };
    let mut warnings = Vec::new();
    if probe.superuser {
        warnings.push(
            "the account is a superuser: give Tessera an account that can only read the tables it charts".to_owned(),
        );
    }
    if probe.file_access {
        warnings.push(
            "the account can read or write the database server's files (FILE, pg_read_server_files): give Tessera an account without it".to_owned(),
        );
    }
    Ok(ConnectionReport {
        ok: true,
        server_version: probe.server_version,
        latency_ms: probe.latency_ms,
        superuser: probe.superuser,
        file_access: probe.file_access,
        warnings,
    })
}

/// The schema of a source of the caller's organisation, cached for `sources.schema_cache_secs`.
pub async fn schema(
    state: &AppState,
    caller: &Caller,
    id: DataSourceId,
) -> ApiResult<(OpenSource, Arc<Schema>)> {
    Ok(state.charts.schema(&caller.viewer(), id).await?)
}

/// Parses a source id from a path.
pub fn source_id(id: &str) -> ApiResult<DataSourceId> {
    parse_id(id)
}
