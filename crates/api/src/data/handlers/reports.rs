//! `/api/v1/reports/*`: EDA reports computed by background jobs, their files and share links.

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};

use crate::auth::Caller;
use crate::common::PageQuery;
use crate::data::dto::{
    AnalyzeRequest, ReportOut, ReportPage, ReportStatsOut, ShareOut, ShareRequest, SharedQuery,
    SharedReportOut,
};
use crate::data::service;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// The policy for report pages: inline styles and SVG only, nothing fetched.
const REPORT_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

fn html_page(bytes: Vec<u8>, attachment: Option<&str>) -> HttpResponse {
    let mut r = HttpResponse::Ok();
    r.content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", REPORT_CSP));
    if let Some(title) = attachment {
        let safe: String = title
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect();
        r.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{safe}.html\""),
        ));
    }
    r.body(bytes)
}

/// Queues an EDA report of a dataset; answers at once with the report and its queued job.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    request_body = AnalyzeRequest,
    responses(
        (status = 202, description = "Queued; poll GET /reports/{id}", body = ReportOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot queue reports", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown dataset or target column, sample_size not positive, invalid title or max_plots, a public report of a private dataset", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The organisation already has reports.max_queued_per_org reports queued or computing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/analyze")]
pub async fn analyze(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<AnalyzeRequest>,
) -> ApiResult<HttpResponse> {
    let v = service::reports::analyze(&state, &caller, body.into_inner().into()).await?;
    Ok(HttpResponse::Accepted().json(ReportOut::from(v)))
}

/// The organisation's reports, newest first.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of reports", body = ReportPage),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PageQuery>,
) -> ApiResult<web::Json<ReportPage>> {
    Ok(web::Json(
        service::reports::list(&state, &caller, q.page, q.limit)
            .await?
            .into(),
    ))
}

/// Public reports of every organisation, newest first.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of public reports", body = ReportPage),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public")]
pub async fn public(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PageQuery>,
) -> ApiResult<web::Json<ReportPage>> {
    Ok(web::Json(
        ReportPage::from(service::reports::list_public(&state, q.page, q.limit).await?)
            .seen_by(caller.org_id),
    ))
}

/// The organisation's datasets, reports by status, storage used and recent activity.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Numbers", body = ReportStatsOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dashboard/stats")]
pub async fn stats(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<ReportStatsOut>> {
    Ok(web::Json(
        service::reports::report_stats(&state, &caller)
            .await?
            .into(),
    ))
}

/// A shared report, without login: the HTML page for browsers (or `format=html`), else JSON.
#[utoipa::path(
    tag = "reports",
    params(("token" = String, Path, description = "The share token"), SharedQuery),
    responses(
        (status = 200, description = "The report", content(
            (SharedReportOut = "application/json"),
            (String = "text/html"),
        )),
        (status = 404, description = "Unknown, expired or revoked link", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The report is not ready", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/shared/{token}")]
pub async fn shared(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    q: web::Query<SharedQuery>,
) -> ApiResult<HttpResponse> {
    let browser = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            a.split(',')
                .next()
                .is_some_and(|first| first.trim().starts_with("text/html"))
        });
    let html = match q.format.as_deref() {
        Some("html") => true,
        Some("json") => false,
        Some(_) => return Err(ApiError::field("format", "must be html or json")),
        None => browser,
    };
    let v = service::reports::shared(&state, &token).await?;
    let bytes = service::reports::shared_output(&state, &v, html).await?;
    if html {
        return Ok(html_page(bytes, None));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::Internal(format!("stored results: {e}")))?;
    Ok(HttpResponse::Ok().json(SharedReportOut {
        report: ReportOut::from(v).seen_by(None),
        results: value,
    }))
}

/// One report with its job's status, progress and timings.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Report id")),
    responses(
        (status = 200, description = "The report", body = ReportOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<ReportOut>> {
    Ok(web::Json(
        ReportOut::from(service::reports::get(&state, &caller, &id).await?)
            .seen_by(Some(caller.org_id)),
    ))
}

/// The profile as JSON (overview, columns, correlations, warnings, target analysis).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Report id")),
    responses(
        (status = 200, description = "The results", body = tessera_analytics::Profile),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not ready yet, or failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/results")]
pub async fn results(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let bytes = service::reports::results(&state, &caller, &id).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(bytes))
}

/// The report as one self-contained HTML file (inline CSS and SVG; no scripts or fetches).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Report id")),
    responses(
        (status = 200, description = "The HTML file", body = String, content_type = "text/html"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not ready yet, or failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/download")]
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (report, bytes) = service::reports::download(&state, &caller, &id).await?;
    Ok(html_page(bytes, Some(&report.title)))
}

/// Deletes a report with its files and share links; 409 while it is computing.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Report id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot delete reports", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Being computed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    service::reports::delete(&state, &caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Creates a secret link (256-bit token, optional expiry) that opens the report without login.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Report id")),
    request_body(content = Option<ShareRequest>, description = "Optional expiry"),
    responses(
        (status = 201, description = "The link; its token is shown only now", body = ShareOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot share", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid expiry", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/share")]
pub async fn share(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Option<web::Json<ShareRequest>>,
) -> ApiResult<HttpResponse> {
    let req = body.map(web::Json::into_inner).unwrap_or_default();
    let (s, token) = service::reports::share(&state, &caller, &id, req.into()).await?;
    Ok(HttpResponse::Created().json(ShareOut::new(s, Some(token))))
}

/// A report's share links (without their tokens).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Report id")),
    responses(
        (status = 200, description = "The links", body = Vec<ShareOut>),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/shares")]
pub async fn shares(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<Vec<ShareOut>>> {
    let found = service::reports::shares(&state, &caller, &id).await?;
    Ok(web::Json(
        found.into_iter().map(|s| ShareOut::new(s, None)).collect(),
    ))
}

/// Revokes a share link: the token answers 404 from now on.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Report id"), ("share_id" = String, Path, description = "Share id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot revoke", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such live link", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}/shares/{share_id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, share_id) = path.into_inner();
    service::reports::revoke(&state, &caller, &id, &share_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
