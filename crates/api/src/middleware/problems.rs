//! Makes every error answer a problem document: extractor failures (malformed JSON, wrong
//! content type, oversized bodies, bad paths and queries), unknown routes, wrong methods, and
//! any 4xx/5xx produced outside our handlers (e.g. by the rate limiter).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse};

use crate::error::{ApiError, Problem, PROBLEM_JSON};

/// JSON body errors: 413 when too large, 415 for a wrong content type, 422 for a body that
/// does not fit the schema, 400 for malformed JSON.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { length, limit } => {
            ApiError::PayloadTooLarge(format!("the body has {length} bytes; the limit is {limit}"))
        }
        JsonPayloadError::Overflow { limit } => {
            ApiError::PayloadTooLarge(format!("the body exceeds {limit} bytes"))
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json".into(),
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::Validation(vec![tessera_domain::FieldError::new("body", e.to_string())])
        }
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("malformed JSON: {e}")),
        other => ApiError::BadRequest(other.to_string()),
    };
    actix_web::error::InternalError::from_response(err, api.problem().into_response()).into()
}

/// Form body errors, mapped like JSON ones.
pub fn form_error(err: UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        UrlencodedError::Overflow { size, limit } => {
            ApiError::PayloadTooLarge(format!("the body has {size} bytes; the limit is {limit}"))
        }
        UrlencodedError::ContentType => ApiError::UnsupportedMediaType(
            "send the form with Content-Type: application/x-www-form-urlencoded".into(),
        ),
        UrlencodedError::Parse(e) => ApiError::field("body", e.to_string()),
        other => ApiError::BadRequest(other.to_string()),
    };
    actix_web::error::InternalError::from_response(err, api.problem().into_response()).into()
}

/// Query string errors: 422 naming the parameter problem.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = ApiError::field("query", err.to_string());
    actix_web::error::InternalError::from_response(err, api.problem().into_response()).into()
}

/// Path segment errors: 404, since no resource has that address.
pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    let api = ApiError::NotFound(format!("no resource at this path: {err}"));
    actix_web::error::InternalError::from_response(err, api.problem().into_response()).into()
}

/// The answer for requests no route takes: 405 when the path exists for other methods
/// (route guards check the method, so such requests land here), 404 otherwise.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.resource_map().has_resource(req.path()) {
        let mut problem = ApiError::MethodNotAllowed.problem();
        problem.detail = Some(format!("{} does not accept {}", req.path(), req.method()));
        return problem.into_response();
    }
    ApiError::NotFound(format!("no route for {} {}", req.method(), req.path()))
        .problem()
        .into_response()
}

/// Rewrites any error response that is not yet a problem document into one.
pub fn ensure_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let problem = match status {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed.problem(),
        StatusCode::TOO_MANY_REQUESTS => Problem::new(
            status,
            "rate-limited",
            "Too many requests",
            Some("slow down; the Retry-After header says when to try again".into()),
        ),
        _ => {
            let title = status.canonical_reason().unwrap_or("Error");
            let kind = title.to_ascii_lowercase().replace(' ', "-");
            Problem::new(status, &kind, title, None)
        }
    };
    let (req, old) = res.into_parts();
    let mut new = problem.into_response();
    // keep what the original answer said about retrying, CORS, rate limits and the request id
    for (name, value) in old.headers().iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().append(name.clone(), value.clone());
        }
    }
    let res: ServiceResponse<BoxBody> = ServiceResponse::new(req, new);
    Ok(ErrorHandlerResponse::Response(res.map_into_right_body()))
}
