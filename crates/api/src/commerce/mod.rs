//! The commerce area (TechMart): customers, products and transactions scored for fraud as they
//! arrive, the dashboard overview, behaviour and sales analytics, and the system alerts feed.
//! `routes` registers its paths under `/commerce` with the OpenAPI tag `commerce`.

pub mod dto;
pub mod handlers;
pub mod service;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use handlers::{analytics, catalogue, customers, dashboard, transactions};

/// Registers `/commerce/...`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(scope::scope("/commerce").configure(paths));
}

/// Registers the area's paths (under `/commerce` natively, under `/api/v1` on the TechMart
/// front).
pub fn paths(cfg: &mut ServiceConfig) {
    cfg.service(dashboard::overview)
        .service(dashboard::system_status)
        .service(
            scope::scope("/transactions")
                .service(transactions::create)
                .service(transactions::recent)
                .service(transactions::suspicious)
                .service(transactions::transaction)
                .service(transactions::review),
        )
        .service(
            scope::scope("/customers")
                .service(customers::list)
                .service(customers::behaviour)
                .service(customers::segments)
                .service(customers::customer),
        )
        .service(
            scope::scope("/analytics")
                .service(analytics::customer_behaviour)
                .service(analytics::product_performance)
                .service(analytics::geographic)
                .service(analytics::key_metrics),
        )
        .service(
            scope::scope("/inventory")
                .service(catalogue::categories)
                .service(catalogue::products),
        );
}
