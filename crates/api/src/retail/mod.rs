//! The retail area (Brickhouse): the directory of stores, products and staff, inventory with
//! its KPIs and trends, and stock-transfer orders between stores with a state machine that
//! reserves and moves stock. `routes` registers its paths under `/retail` with the
//! OpenAPI tag `retail`.

pub mod dto;
pub mod handlers;
pub mod service;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use handlers::{directory, edits, inventory, orders};

/// Registers `/retail/...`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(scope::scope("/retail").configure(paths));
}

/// The Brickhouse app's paths under `/api` on its front: the area's, the staff directory also
/// as `/users` (the original's name), and `/health`.
pub fn brickhouse_paths(cfg: &mut ServiceConfig) {
    paths(cfg);
    cfg.service(
        scope::scope("/users")
            .service(directory::staff_list)
            .service(directory::staff_member),
    )
    .service(crate::system::health);
}

/// Registers the area's paths (literal segments before ids).
pub fn paths(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/stores")
            .service(directory::region_options_list)
            .service(directory::regions_summary)
            .service(directory::store_options)
            .service(directory::stores)
            .service(edits::create_store)
            .service(directory::store)
            .service(edits::update_store),
    )
    .service(
        scope::scope("/products")
            .service(directory::bulk)
            .service(directory::categories)
            .service(directory::brands)
            .service(directory::products)
            .service(edits::create_product)
            .service(directory::product)
            .service(edits::update_product),
    )
    .service(
        scope::scope("/inventory")
            .service(inventory::kpi)
            .service(inventory::low_stock)
            .service(inventory::trends)
            .service(inventory::category_values)
            .service(inventory::warehouse)
            .service(inventory::inventory_page)
            .service(inventory::inventory_row)
            .service(inventory::set_stock),
    )
    .service(
        scope::scope("/staff")
            .service(directory::staff_list)
            .service(edits::create_staff)
            .service(directory::staff_member)
            .service(edits::update_staff),
    )
    .service(
        scope::scope("/orders")
            .service(orders::summary)
            .service(orders::fulfillment_timeline)
            .service(orders::regional_performance)
            .service(orders::status_distribution)
            .service(orders::demand_forecast)
            .service(orders::list)
            .service(orders::create)
            .service(orders::order)
            .service(orders::edit)
            .service(orders::cancel)
            .service(orders::approve)
            .service(orders::fulfil),
    );
}
