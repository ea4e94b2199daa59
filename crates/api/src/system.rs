//! `GET /api/v1/health` and `GET /metrics`.

use std::time::Instant;

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde::Serialize;
use utoipa::ToSchema;

/// Liveness and a database round trip.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "Serving, database reachable", body = HealthOut),
        (status = 503, description = "Serving, but the database is unreachable", body = HealthOut),
    )
)]
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.db.clone();
    let started = Instant::now();
    let result = web::block(move || pool.ping()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let error = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            Some("the database did not answer; see the server log".to_owned())
        }
        Err(e) => {
            tracing::warn!(error = %e, "health check: blocking pool failed");
            Some("the check could not run; see the server log".to_owned())
        }
    };

    let ok = error.is_none();
    let body = HealthOut {
        status: if ok { "ok" } else { "degraded" }.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: DatabaseHealth {
            status: if ok { "ok" } else { "unavailable" }.into(),
            backend: state.db.backend().name().into(),
            latency_ms,
            error,
        },
    };
    HttpResponse::build(if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    })
    .json(body)
}

/// Prometheus text exposition: requests by route and status, latency histogram, pool statistics.
/// Needs `Authorization: Bearer <http.metrics_token>`; without a configured token only local
/// clients that did not come through a proxy are answered.
#[utoipa::path(
    tag = "system",
    security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain"),
        (status = 401, description = "No or wrong metrics token (or, without one configured, a remote client)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    metrics_allowed(&state, &req)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&state.db)))
}

/// Whether this request may read the metrics.
fn metrics_allowed(state: &AppState, req: &HttpRequest) -> ApiResult<()> {
    use sha2::{Digest, Sha256};
    let configured = state.http.metrics_token.expose();
    if !configured.is_empty() {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // compared as digests, so the time taken says nothing about the token
        if Sha256::digest(given.as_bytes()) == Sha256::digest(configured.as_bytes()) {
            return Ok(());
        }
        return Err(ApiError::Unauthorized(
            "send the metrics token: Authorization: Bearer <http.metrics_token>".into(),
        ));
    }
    let local = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
    let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| req.headers().contains_key(*h));
    if local && !proxied {
        Ok(())
    } else {
        Err(ApiError::Unauthorized(
            "metrics are served to local clients only; configure http.metrics_token (TESSERA_HTTP__METRICS_TOKEN) to scrape them from elsewhere".into(),
        ))
    }
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
