//! The extracts area: columnar copies of sources' tables and datamarts that answer charts
//! without the source (over `tessera_charts::extracts`), their refreshes and the suggested
//! tables. `routes` registers its paths under `/extracts` with the OpenAPI tag `extracts`.

pub mod dto;
pub mod handlers;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers `/extracts/...`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/extracts")
            .service(handlers::list)
            .service(handlers::create)
            .service(handlers::suggestions)
            .service(handlers::get)
            .service(handlers::update)
            .service(handlers::remove)
            .service(handlers::refresh),
    );
}
