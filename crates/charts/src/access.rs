//! Opening a viewer's data sources for reading: the stored record (scoped by the viewer's
//! organisation), its sealed connection opened and checked against the policy, its pool, its
//! introspected schema (cached), and running work on its pool on the source threads.

use std::sync::Arc;

use tessera_domain::{DataSourceId, Viewer};
use tessera_sources::introspect::Schema;
use tessera_sources::pool::SourcePool;
use tessera_sources::{ConnectionSpec, SourceError};
use tessera_store::data_sources::{self, StoredSource};
use tessera_store::{DbConn, StoreError};

use crate::engine::{ChartEngine, OpenSource};
use crate::error::{ChartError, ChartResult};

impl ChartEngine {
    /// Runs app database work on the blocking pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> ChartResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.db_pool().clone();
        self.blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
        .map_err(ChartError::from)
    }

    /// Runs blocking work other than users' databases (polars over a dataset) on the blocking pool.
    pub async fn blocking<T, F>(&self, f: F) -> ChartResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| ChartError::Internal(format!("blocking task failed: {e}")))
    }

    /// A source of the viewer's organisation as stored (404 naming the id otherwise).
    pub async fn stored_source(
        &self,
        viewer: &Viewer,
        id: DataSourceId,
    ) -> ChartResult<StoredSource> {
        let org = viewer.org;
        self.db(move |conn| data_sources::find(conn, org, id))
            .await
            .map_err(|e| match e {
                ChartError::NotFound(_) => {
                    ChartError::NotFound(format!("no data source with id '{id}'"))
                }
                other => other,
            })
    }

    /// The stored source's connection; one that no longer passes the checks (file gone, host no
    /// longer allowed) is unavailable, not the client's mistake.
    pub fn spec_of(&self, stored: &StoredSource) -> ChartResult<ConnectionSpec> {
        let runtime = self.runtime();
        let url = runtime.cipher.decrypt(&stored.sealed_url)?;
        ConnectionSpec::from_stored(stored.source.kind, &url, &runtime.policy).map_err(|e| {
            ChartError::SourceUnavailable {
                source_name: stored.source.name.clone(),
                detail: e.to_string(),
            }
        })
    }

    /// Opens a source of the viewer's organisation for reading (pool created on first use, on the
    /// source threads: a silent host holds one of the organisation's turns, never anyone else's).
    pub async fn open(&self, viewer: &Viewer, id: DataSourceId) -> ChartResult<OpenSource> {
        let stored = self.stored_source(viewer, id).await?;
        let spec = self.spec_of(&stored)?;
        let runtime = self.runtime().clone();
        let name = stored.source.name.clone();
        let pool = self
            .runtime()
            .executor
            .run(viewer.org, Some(id), move || {
                runtime.pools.get(id, &name, &spec, &runtime.limits)
            })
            .await??;
        Ok(OpenSource {
            source: stored.source,
            pool,
        })
    }

    /// Runs `f` with a source's pool on the source threads (see [`crate::executor`]).
    pub async fn on_source<T, F>(
        &self,
        viewer: &Viewer,
        source: &OpenSource,
        f: F,
    ) -> ChartResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&SourcePool, &str) -> Result<T, SourceError> + Send + 'static,
    {
        let (pool, name) = (source.pool.clone(), source.source.name.clone());
        Ok(self
            .runtime()
            .executor
            .run(viewer.org, Some(source.source.id), move || f(&pool, &name))
            .await??)
    }

    /// The schema of a source of the viewer's organisation, cached for `sources.schema_cache_secs`.
    pub async fn schema(
        &self,
        viewer: &Viewer,
        id: DataSourceId,
    ) -> ChartResult<(OpenSource, Arc<Schema>)> {
        let source = self.open(viewer, id).await?;
        if let Some(s) = self.runtime().schemas.get(&id) {
            return Ok((source, s));
        }
        let timeout = self.runtime().limits.statement_timeout;
        let schema = Arc::new(
            self.on_source(viewer, &source, move |pool, name| {
                tessera_sources::introspect::schema(pool, name, timeout)
            })
            .await?,
        );
        self.runtime().schemas.insert(id, schema.clone());
        Ok((source, schema))
    }
}
