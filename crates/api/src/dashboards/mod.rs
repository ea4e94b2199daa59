//! The dashboards area: dashboards in nested folders, with their charts (chart queries or named
//! metrics on a grid) answered all at once, and versions that keep two editors from overwriting
//! each other; themes, chart templates and layout templates. `routes` registers `/dashboards`,
//! `/folders`, `/custom-themes`, `/chart-templates` and `/layout-templates` with the OpenAPI tag
//! `dashboards`.

pub mod dto;
pub mod handlers;
pub mod service;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use handlers::{boards, folders, insights, templates, themes};

/// Registers `/dashboards/...` and `/folders/...`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/dashboards")
            .service(boards::list)
            .service(boards::create)
            .service(boards::generate)
            .service(boards::get)
            .service(boards::update)
            .service(boards::remove)
            .service(boards::move_to)
            .service(boards::data)
            .service(boards::chart)
            .service(boards::view_page),
    )
    .service(
        scope::scope("/folders")
            .service(folders::list)
            .service(folders::create)
            .service(folders::update)
            .service(folders::remove),
    )
    .service(themes::list_theme)
    .service(themes::create_theme)
    .service(themes::get_theme)
    .service(themes::update_theme)
    .service(themes::delete_theme)
    .service(themes::list_layout_template)
    .service(themes::create_layout_template)
    .service(themes::get_layout_template)
    .service(themes::update_layout_template)
    .service(themes::delete_layout_template)
    .service(templates::list_chart_template)
    .service(templates::create_chart_template)
    .service(templates::get_chart_template)
    .service(templates::update_chart_template)
    .service(templates::delete_chart_template)
    .service(templates::instantiate)
    .service(insights::insights);
}
