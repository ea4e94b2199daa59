//! `GET /api/v1/health` and `GET /metrics`.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};

use crate::dto::{DatabaseHealth, HealthOut};
use crate::state::AppState;

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
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain"),
        (status = 429, description = "Rate limited", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&state.db))
}
