//! Gives each request an id (`X-Request-Id`, kept from the client when sane), logs one line per
//! request, and records Prometheus metrics by route pattern (never by raw path, to bound cardinality).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};

use crate::state::AppState;

/// The id of the current request, stored in request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

const HEADER: &str = "x-request-id";

fn sane(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// The middleware function (`actix_web::middleware::from_fn`).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = metric_method(req.method());

    let path = loggable_path(req.path());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let front = req
        .app_data::<web::Data<crate::auth::FrontAccess>>()
        .map(|f| f.name.clone());

    let mut res = next.call(req).await?;

    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    if let Some(state) = state {
        state
            .metrics
            .observe(&method, &route, status, elapsed.as_secs_f64());
        if let Some(front) = &front {
            state.metrics.observe_front(front, &route, status);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HeaderName::from_static(HEADER), v);
    }
    let ms = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(request_id = %id, %method, %path, %route, status, latency_ms = ms, "request");
    } else {
        tracing::info!(request_id = %id, %method, %path, %route, status, latency_ms = ms, "request");
    }
    Ok(res)
}

/// The path as it may be written to logs: secrets in paths (share tokens) are redacted, so a
/// log reader cannot open a shared report.
pub fn loggable_path(path: &str) -> String {
    const SECRET_AFTER: [&str; 1] = ["/reports/shared/"];
    for marker in SECRET_AFTER {
        if let Some(i) = path.find(marker) {
            let start = i + marker.len();
            let end = path[start..].find('/').map_or(path.len(), |j| start + j);
            return format!("{}<redacted>{}", &path[..start], &path[end..]);
        }
    }
    path.to_owned()
}

/// The method as a metric label: the standard ones as themselves, anything else `OTHER`, so
/// clients cannot create unbounded label values.
fn metric_method(method: &actix_web::http::Method) -> String {
    use actix_web::http::Method;
    let standard = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ];
    if standard.contains(method) {
        method.as_str().to_owned()
    } else {
        "OTHER".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::sane;

    #[test]
    fn request_ids_from_clients_are_bounded() {
        assert!(sane("abc-123_x.y"));
        assert!(!sane(""));
        assert!(!sane("a b"));
        assert!(!sane(&"a".repeat(65)));
        assert!(!sane("<script>"));
    }
}
