//! The one place where errors become HTTP: RFC 9457 problem documents (`application/problem+json`).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use tessera_domain::{DomainError, FieldError};
use tessera_store::StoreError;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; stable per error kind.
    #[serde(rename = "type")]
    #[schema(example = "urn:tessera:problem:validation")]
    pub kind: String,
    /// A short summary of the kind.
    #[schema(example = "Validation failed")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong in this case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-field errors, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemField>>,
    /// For SQL problems: the 1-based line of a syntax error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// For SQL problems: the 1-based column of a syntax error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// For source problems: the data source's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One invalid field in a validation problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field's name.
    pub field: String,
    /// Why it is invalid.
    pub message: String,
}

impl From<FieldError> for ProblemField {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: e.message,
        }
    }
}

impl Problem {
    /// A problem of `status` with a kind, a title and a detail.
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: Option<String>) -> Self {
        Self {
            kind: format!("urn:tessera:problem:{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors: None,
            line: None,
            column: None,
            source: None,
        }
    }

    /// The HTTP response carrying this problem.
    pub fn into_response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
            res.insert_header((header::RETRY_AFTER, "1"));
        }
        res.body(serde_json::to_string(&self).unwrap_or_else(|_| String::from("{}")))
    }
}

/// Every failure an API call can answer with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// Input fields are invalid (422).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The request is malformed (400).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Missing, expired or invalid credentials (401).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Authenticated but not allowed (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No such resource in the caller's organisation (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The method is not allowed on this path (405).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request conflicts with the current state (409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The body is larger than allowed (413).
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// The body's media type is not accepted (415).
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// A statement was refused: not a single read-only query, or a syntax error (422).
    #[error("sql refused: {message}")]
    Sql {
        /// Why.
        message: String,
        /// Line of a syntax error.
        line: Option<u64>,
        /// Column of a syntax error.
        column: Option<u64>,
    },
    /// A query against a user's database failed or timed out (422).
    #[error("query failed: {0}")]
    QueryFailed(String),
    /// A user's database cannot be reached (503).
    #[error("source {source_name} unavailable: {detail}")]
    SourceUnavailable {
        /// The source's name.
        source_name: String,
        /// Why.
        detail: String,
    },
    /// Too many requests of this kind from this organisation right now (429).
    #[error("too many requests: {0}")]
    TooManyRequests(String),
    /// A dependency (the database) is unavailable (503).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// An unexpected failure (500); the cause is logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (status, kind, title) = self.kind();
        let mut p = Problem::new(status, kind, title, Some(self.detail()));
        match self {
            ApiError::Validation(fields) => {
                p.errors = Some(fields.iter().cloned().map(ProblemField::from).collect());
            }
            ApiError::Sql {
                message,
                line,
                column,
            } => {
                p.line = *line;
                p.column = *column;
                p.errors = Some(vec![ProblemField {
                    field: "sql".into(),
                    message: message.clone(),
                }]);
            }
            ApiError::SourceUnavailable { source_name, .. } => {
                p.source = Some(source_name.clone());
            }
            _ => {}
        }
        p
    }

    /// The status, the `type` URN's last part and the title of this kind of error: one row per
    /// kind, kept forever (clients branch on them).
    fn kind(&self) -> (StatusCode, &'static str, &'static str) {
        use StatusCode as S;
        match self {
            ApiError::Validation(_) => (S::UNPROCESSABLE_ENTITY, "validation", "Validation failed"),
            ApiError::BadRequest(_) => (S::BAD_REQUEST, "bad-request", "Bad request"),
            ApiError::Unauthorized(_) => (S::UNAUTHORIZED, "unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => (S::FORBIDDEN, "forbidden", "Forbidden"),
            ApiError::NotFound(_) => (S::NOT_FOUND, "not-found", "Not found"),
            ApiError::MethodNotAllowed => (
                S::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            ApiError::Conflict(_) => (S::CONFLICT, "conflict", "Conflict"),
            ApiError::PayloadTooLarge(_) => (
                S::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
            ),
            ApiError::UnsupportedMediaType(_) => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            ApiError::Sql { .. } => (S::UNPROCESSABLE_ENTITY, "sql-refused", "SQL refused"),
            ApiError::QueryFailed(_) => (S::UNPROCESSABLE_ENTITY, "query-failed", "Query failed"),
            ApiError::SourceUnavailable { .. } => (
                S::SERVICE_UNAVAILABLE,
                "source-unavailable",
                "Data source unavailable",
            ),
            ApiError::TooManyRequests(_) => (
                S::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
            ),
            ApiError::Unavailable(_) => {
                (S::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable")
            }
            ApiError::Internal(_) => (
                S::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            ),
        }
    }

    /// What went wrong in this case, as the problem's `detail` (never an internal cause).
    fn detail(&self) -> String {
        match self {
            ApiError::Validation(fields) => fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            ApiError::MethodNotAllowed => "this path does not accept that method".into(),
            ApiError::Sql { message, .. } => message.clone(),
            ApiError::SourceUnavailable {
                source_name,
                detail,
            } => format!("data source '{source_name}' is unavailable: {detail}"),
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".into(),
            ApiError::BadRequest(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::Conflict(d)
            | ApiError::PayloadTooLarge(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::QueryFailed(d)
            | ApiError::TooManyRequests(d)
            | ApiError::Unavailable(d) => d.clone(),
        }
    }

    /// A 422 about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(cause = %cause, "internal error");
        }
        self.problem().into_response()
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Validation(fields) => ApiError::Validation(fields),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("no such resource".into()),
            StoreError::Conflict(d) => ApiError::Conflict(d),
            StoreError::Pool(_) | StoreError::Connection(_) => {
                tracing::warn!(error = %e, "app database unavailable");
                ApiError::Unavailable("the database is unavailable; try again shortly".into())
            }
            StoreError::Busy(_) => {
                tracing::warn!(error = %e, "app database busy");
                ApiError::Unavailable("the database is busy; try again shortly".into())
            }

            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {e}"))
    }
}

/// Result type of handlers and services.
pub type ApiResult<T> = Result<T, ApiError>;

impl From<tessera_sources::SourceError> for ApiError {
    fn from(e: tessera_sources::SourceError) -> Self {
        use tessera_sources::SourceError as E;
        match e {
            E::InvalidSpec(d) => ApiError::field("url", d),
            E::NotReadOnly {
                message,
                line,
                column,
            } => ApiError::Sql {
                message,
                line,
                column,
            },
            E::InvalidQuery(d) => ApiError::field("query", d),
            E::Unavailable {
                source_name,
                reason,
            } => ApiError::SourceUnavailable {
                source_name,
                detail: reason,
            },
            E::Database(d) => ApiError::QueryFailed(d),
            E::Timeout(ms) => ApiError::QueryFailed(format!(
                "the statement exceeded the {ms} ms timeout; narrow the query"
            )),
            E::Crypto(d) => {
                tracing::error!(error = %d, "stored source credentials cannot be decrypted");
                ApiError::Unavailable(
                    "the source's stored credentials cannot be decrypted; re-enter them".into(),
                )
            }
            E::Frame(d) => ApiError::Internal(d),
        }
    }
}

impl From<tessera_analytics::AnalyticsError> for ApiError {
    fn from(e: tessera_analytics::AnalyticsError) -> Self {
        use tessera_analytics::AnalyticsError as E;
        match e {
            E::UnsupportedType(m) => ApiError::UnsupportedMediaType(m),
            E::TooLarge(m) => ApiError::PayloadTooLarge(m),
            E::TimedOut(m) => ApiError::QueryFailed(m),
            E::Empty | E::HeaderOnly | E::Malformed(_) => ApiError::field("file", e.to_string()),
            E::InvalidRequest(m) => ApiError::field("query", m),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<tessera_alerting::AlertError> for ApiError {
    fn from(e: tessera_alerting::AlertError) -> Self {
        use tessera_alerting::AlertError as E;
        match e {
            E::Invalid(e) => e.into(),
            E::NotFound(d) => ApiError::NotFound(d),
            E::Forbidden(d) => ApiError::Forbidden(d),
            E::Limit(d) => ApiError::Conflict(d),
            E::Chart(e) => e.into(),
            E::Store(e) => e.into(),
            E::Internal(d) => ApiError::Internal(d),
        }
    }
}

impl From<tessera_charts::ChartError> for ApiError {
    fn from(e: tessera_charts::ChartError) -> Self {
        use tessera_charts::ChartError as E;
        match e {
            E::Invalid(e) => e.into(),
            E::BadRequest(d) => ApiError::BadRequest(d),
            E::NotFound(d) => ApiError::NotFound(d),
            E::Store(e) => e.into(),
            E::Source(e) => e.into(),
            E::Analytics(e) => e.into(),
            E::SourceUnavailable {
                source_name,
                detail,
            } => ApiError::SourceUnavailable {
                source_name,
                detail,
            },
            E::Forbidden(d) => ApiError::Forbidden(d),
            E::Limit(d) => ApiError::Conflict(d),
            E::Busy(d) => ApiError::TooManyRequests(d),
            E::Unavailable(d) => ApiError::Unavailable(d),
            E::Internal(d) => ApiError::Internal(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clients branch on a problem's `type`: each error kind keeps its URN and status forever.
    #[test]
    fn every_error_kind_keeps_its_problem_type_and_status() {
        let s = || String::from("x");
        let table: Vec<(ApiError, &str, u16)> = vec![
            (ApiError::field("f", "m"), "validation", 422),
            (ApiError::BadRequest(s()), "bad-request", 400),
            (ApiError::Unauthorized(s()), "unauthorized", 401),
            (ApiError::Forbidden(s()), "forbidden", 403),
            (ApiError::NotFound(s()), "not-found", 404),
            (ApiError::MethodNotAllowed, "method-not-allowed", 405),
            (ApiError::Conflict(s()), "conflict", 409),
            (ApiError::PayloadTooLarge(s()), "payload-too-large", 413),
            (
                ApiError::UnsupportedMediaType(s()),
                "unsupported-media-type",
                415,
            ),
            (
                ApiError::Sql {
                    message: s(),
                    line: None,
                    column: None,
                },
                "sql-refused",
                422,
            ),
            (ApiError::QueryFailed(s()), "query-failed", 422),
            (
                ApiError::SourceUnavailable {
                    source_name: s(),
                    detail: s(),
                },
                "source-unavailable",
                503,
            ),
            (ApiError::TooManyRequests(s()), "too-many-requests", 429),
            (ApiError::Unavailable(s()), "unavailable", 503),
            (ApiError::Internal(s()), "internal", 500),
        ];
        for (error, kind, status) in table {
            let problem = error.problem();
            assert_eq!(
                problem.kind,
                format!("urn:tessera:problem:{kind}"),
                "{error:?}"
            );
            assert_eq!(problem.status, status, "{error:?}");
            assert_eq!(error.status_code().as_u16(), status, "{error:?}");
        }
    }

    #[test]
    fn an_internal_error_never_shows_its_cause() {
        let problem = ApiError::Internal("/srv/secret/path: boom".into()).problem();
        assert!(!problem.detail.unwrap_or_default().contains("/srv"));
    }
}
