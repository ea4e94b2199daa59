//! The alerts area: the system alerts feed every area raises into (commerce's low stock and
//! suspicious transactions, retail's low stock), one open alert per condition until it is
//! resolved. `routes` registers its paths under `/alerts` with the OpenAPI tag `alerts`.

pub mod dto;
pub mod handlers;
pub mod service;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers `/alerts/...`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/alerts")
            .service(handlers::feed)
            .service(handlers::resolve),
    );
}
