//! Tessera's HTTP adapter: actix-web handlers, extractors, middleware, problem responses and the
//! utoipa OpenAPI document. Handlers are thin: parse, call a service, map the result.
//!
//! **Architecture invariant:** this is the only crate that knows HTTP; it never builds SQL.

pub mod alerts;
pub mod auth;
pub mod cache_sync;
pub mod commerce;
pub mod common;
pub mod core;
pub mod dashboards;
pub mod data;
pub mod error;
pub mod extract;
pub mod extracts;
pub mod fronts;
pub mod ingestion;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod retail;
pub mod routes;
pub mod settings;
pub mod state;
pub mod system;

use actix_cors::Cors;
use actix_governor::Governor;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Condition, ErrorHandlers};
use actix_web::{http, web, App};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

pub use error::{ApiError, Problem};
pub use settings::{
    AiSettings, AuthSettings, ChartSettings, CommerceSettings, DatasetSettings, ExtractSettings,
    HttpSettings, RateLimitSettings, ReportSettings, RetailSettings, SourcesSettings,
};
pub use state::{ApiConfig, AppState};

/// The whole application: routes, Swagger UI at `/docs`, the spec at `/api/v1/openapi.json`, middleware.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let http = state.http.clone();
    let extractors = Extractors::new(&http);
    // Swagger UI goes first: the `/api/v1` scope would otherwise swallow `/api/v1/openapi.json`.
    let swagger = SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", openapi_document());
    let (app, _) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .map(|app| app.service(swagger))
        .app_data(web::Data::new(state))
        .app_data(extractors.json)
        .app_data(extractors.form)
        .app_data(extractors.query)
        .app_data(extractors.path)
        .service(system::metrics)
        .service(
            scope::scope("/api/v1")
                .wrap(middleware::api_csp())
                .configure(routes::api_v1(&http.rate_limit)),
        )
        .split_for_parts();
    app.service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(middleware::problems::not_found))
        .wrap(Condition::new(
            http.rate_limit.enabled,
            Governor::new(&routes::global_limit(&http.rate_limit)),
        ))
        .wrap(cors(&http))
        .wrap(ErrorHandlers::new().default_handler(middleware::problems::ensure_problem))
        .wrap(middleware::security_headers(http.hsts))
        .wrap(from_fn(middleware::observe::observe))
}

/// Body, query and path extractor settings: size limits, and problem answers for bad input
/// (shared by the main application and the compatibility fronts).
pub(crate) struct Extractors {
    json: web::JsonConfig,
    form: web::FormConfig,
    query: web::QueryConfig,
    path: web::PathConfig,
}

impl Extractors {
    /// The settings for `http`.
    pub(crate) fn new(http: &HttpSettings) -> Self {
        Self {
            json: web::JsonConfig::default()
                .limit(http.json_limit_bytes)
                .error_handler(middleware::problems::json_error),
            form: web::FormConfig::default()
                .limit(http.form_limit_bytes)
                .error_handler(middleware::problems::form_error),
            query: web::QueryConfig::default().error_handler(middleware::problems::query_error),
            path: web::PathConfig::default().error_handler(middleware::problems::path_error),
        }
    }
}

/// The OpenAPI document, exactly as served at `/api/v1/openapi.json` (built once).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    static SPEC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    SPEC.get_or_init(build_openapi_document).clone()
}

fn build_openapi_document() -> utoipa::openapi::OpenApi {
    let (_, spec) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .service(system::metrics)
        .service(scope::scope("/api/v1").configure(routes::api_v1(&RateLimitSettings::default())))
        .split_for_parts();
    let mut spec = spec;
    openapi::add_common_errors(&mut spec);
    openapi::prefix_operation_ids(&mut spec);
    spec
}

fn cors(http: &HttpSettings) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(vec!["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers(vec![
            http::header::AUTHORIZATION,
            http::header::CONTENT_TYPE,
            http::header::ACCEPT,
        ])
        .allowed_header("x-request-id")
        .expose_headers(vec!["x-request-id", "retry-after"])
        .max_age(3600);
    for origin in &http.cors_origins {
        if origin == "*" {
            cors = cors.allow_any_origin();
        } else {
            cors = cors.allowed_origin(origin.trim_end_matches('/'));
        }
    }
    cors
}
