//! The alerts area: alert rules (over the alerting crate) with their tests, history and status,
//! and the system alerts feed every area raises into (commerce's low stock and suspicious
//! transactions, retail's low stock), one open alert per condition until it is resolved.
//! `routes` registers its paths under `/alerts` with the OpenAPI tag `alerts`.

pub mod dto;
pub mod handlers;
pub mod rules;
pub mod rules_dto;
pub mod service;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers `/alerts/...`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/alerts")
            .service(rules::list)
            .service(rules::create)
            .service(rules::status)
            .service(handlers::feed)
            .service(handlers::resolve)
            .service(rules::get)
            .service(rules::update)
            .service(rules::remove)
            .service(rules::test)
            .service(rules::events),
    );
}
