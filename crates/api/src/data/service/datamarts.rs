//! Datamarts: saved read-only queries over a source, usable by charts as tables.

use tessera_domain::{Datamart, DatamartId, Page, PageRequest, SourceName};
use tessera_sources::validate::read_only_query;
use tessera_store::datamarts::{self, DatamartChanges};
use tessera_store::StoreError;

use crate::auth::Caller;
use crate::data::service::sources;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Changes to a datamart; fields left out stay.
#[derive(Debug, Clone)]
pub struct DatamartEdit {
    /// New name.
    pub name: Option<String>,
    /// New query.
    pub sql: Option<String>,
    /// New description.
    pub description: Option<String>,
}

/// A datamart to save.
#[derive(Debug, Clone)]
pub struct NewDatamart {
    /// Unique name in the organisation; charts use it as the table name.
    pub name: String,
    /// The source the query runs on.
    pub source_id: String,
    /// One read-only statement in the source's dialect.
    pub sql: String,
    /// What it holds.
    pub description: Option<String>,
}

fn parse_id(id: &str) -> ApiResult<DatamartId> {
    crate::common::path_id("datamart", id)
}

fn store_error(name: String) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::Conflict(_) => {
            ApiError::Conflict(format!("a datamart named '{name}' already exists"))
        }
        StoreError::NotFound => ApiError::NotFound("no such datamart".into()),
        other => other.into(),
    }
}

/// Saves a datamart after checking its SQL is one read-only query in the source's dialect.
pub async fn create(state: &AppState, caller: &Caller, req: NewDatamart) -> ApiResult<Datamart> {
    caller.require_editor("datamarts")?;
    let name = SourceName::parse(&req.name)?;
    let source = sources::get(state, caller, &req.source_id).await?;
    read_only_query(source.kind, &req.sql)?;
    let (org, user, label) = (caller.org_id, caller.user_id, name.as_str().to_owned());
    state
        .db(move |conn| {
            datamarts::insert(
                conn,
                org,
                source.id,
                name.as_str(),
                req.description.as_deref(),
                req.sql.trim(),
                Some(user),
            )
            .map_err(store_error(label.clone()))
        })
        .await
}

/// The organisation's datamarts.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    page: Option<i64>,
    limit: Option<i64>,
) -> ApiResult<Page<Datamart>> {
    let page = PageRequest::new(page, limit)?;
    let org = caller.org_id;
    state
        .db(move |conn| Ok(datamarts::list(conn, org, page)?))
        .await
}

/// One datamart.
pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Datamart> {
    let (org, id) = (caller.org_id, parse_id(id)?);
    state
        .db(move |conn| datamarts::find(conn, org, id).map_err(store_error(String::new())))
        .await
}

/// Renames a datamart or changes its query or description; cached charts of its source are dropped.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    req: DatamartEdit,
) -> ApiResult<Datamart> {
    caller.require_editor("datamarts")?;
    let current = get(state, caller, id).await?;
    let name = req.name.as_deref().map(SourceName::parse).transpose()?;
    if let Some(sql) = &req.sql {
        let source = sources::get(state, caller, &current.source_id.to_string()).await?;
        read_only_query(source.kind, sql)?;
    }
    let changes = DatamartChanges {
        name: name.as_ref().map(|n| n.as_str().to_owned()),
        description: req.description.map(Some),
        sql_text: req.sql.map(|s| s.trim().to_owned()),
        updated_at: None,
    };
    let (org, label) = (caller.org_id, changes.name.clone().unwrap_or_default());
    let updated = state
        .db(move |conn| {
            datamarts::update(conn, org, current.id, changes.clone())
                .map_err(store_error(label.clone()))
        })
        .await?;
    crate::cache_sync::changed(state, crate::cache_sync::Scope::Source(updated.source_id)).await;
    Ok(updated)
}

/// Deletes a datamart.
pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    caller.require_editor("datamarts")?;
    let current = get(state, caller, id).await?;
    let (org, id) = (caller.org_id, current.id);
    state
        .db(move |conn| datamarts::delete(conn, org, id).map_err(store_error(String::new())))
        .await?;
    // answers over the datamart by id, or by name through its source, must go too
    crate::cache_sync::changed(state, crate::cache_sync::Scope::Source(current.source_id)).await;
    Ok(())
}
