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

/// Registers `/retail/...`: the app's paths and the directory's write paths.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(scope::scope("/retail").configure(|cfg| register(cfg, true)));
}

/// The Brickhouse app's paths under `/api` on its front: the area's, the staff directory also
/// as `/users` (the original's name), and `/health`.
///
/// The directory's write paths are not among them: the app never calls them, and a front's
/// anonymous role must not open stores or relink accounts.
pub fn brickhouse_paths(cfg: &mut ServiceConfig) {
    register(cfg, false);
    cfg.service(
        scope::scope("/users")
            .service(directory::staff_list)
            .service(directory::staff_member),
    )
    .service(crate::system::health);
}

/// Registers the area's paths (literal segments before ids), with the directory's write paths
/// when `writes`.
fn register(cfg: &mut ServiceConfig, writes: bool) {
    let mut stores = scope::scope("/stores")
        .service(directory::region_options_list)
        .service(directory::regions_summary)
        .service(directory::store_options)
        .service(directory::stores)
        .service(directory::store);
    let mut products = scope::scope("/products")
        .service(directory::bulk)
        .service(directory::categories)
        .service(directory::brands)
        .service(directory::products)
        .service(directory::product);
    let mut staff = scope::scope("/staff")
        .service(directory::staff_list)
        .service(directory::staff_member);
    if writes {
        stores = stores
            .service(edits::create_store)
            .service(edits::update_store);
        products = products
            .service(edits::create_product)
            .service(edits::update_product);
        staff = staff
            .service(edits::create_staff)
            .service(edits::update_staff);
    }
    cfg.service(stores)
        .service(products)
        .service(staff)
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
