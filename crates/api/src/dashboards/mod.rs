//! The dashboards area: dashboards in nested folders, with their charts (chart queries or named
//! metrics on a grid) answered all at once, and versions that keep two editors from overwriting
//! each other. `routes` registers `/dashboards` and `/folders` with the OpenAPI tag
//! `dashboards`.

pub mod dto;
pub mod handlers;
pub mod service;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use handlers::{boards, folders};

/// Registers `/dashboards/...` and `/folders/...`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/dashboards")
            .service(boards::list)
            .service(boards::create)
            .service(boards::get)
            .service(boards::update)
            .service(boards::remove)
            .service(boards::move_to)
            .service(boards::data),
    )
    .service(
        scope::scope("/folders")
            .service(folders::list)
            .service(folders::create)
            .service(folders::update)
            .service(folders::remove),
    );
}
