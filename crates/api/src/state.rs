//! Shared application state handed to every handler.

use std::sync::Arc;

use tessera_store::{DbConn, DbPool};

use crate::auth::TokenService;
use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;
use crate::settings::{AuthSettings, HttpSettings};

/// Everything handlers share; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The app database.
    pub db: DbPool,
    /// Token and password service.
    pub tokens: Arc<TokenService>,
    /// Prometheus registry and instruments.
    pub metrics: Arc<Metrics>,
    /// HTTP settings.
    pub http: Arc<HttpSettings>,
}

impl AppState {
    /// Builds the state; fails on invalid auth settings.
    pub fn new(db: DbPool, auth: &AuthSettings, http: HttpSettings) -> Result<Self, String> {
        let metrics = Metrics::new().map_err(|e| format!("metrics: {e}"))?;
        Ok(Self {
            db,
            tokens: Arc::new(TokenService::new(auth)?),
            metrics: Arc::new(metrics),
            http: Arc::new(http),
        })
    }

    /// Runs blocking database work on actix's blocking pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        let pool = self.db.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs CPU-heavy work (bcrypt) on the blocking pool.
    pub async fn cpu<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        actix_web::web::block(f).await.map_err(ApiError::from)
    }
}
