//! The data area: users' databases (sources, SQL lab, datamarts), charts, uploaded datasets and
//! their EDA reports. `routes` registers its paths under the OpenAPI tags `data-sources`,
//! `queries`, `charts`, `datamarts`, `datasets` and `reports`.

pub mod dto;
pub mod handlers;
pub mod service;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use handlers::{charts, datamarts, datasets, queries, reports, sources};

/// Registers the chart seed's paths (`/bar`, `/pie`, `/line`, `/metrics`, `/realtime/{metric}`):
/// under `/charts` natively, under `/api/charts` on the chart-api front.
pub fn chart_paths(cfg: &mut ServiceConfig) {
    cfg.service(charts::bar)
        .service(charts::pie)
        .service(charts::line)
        .service(charts::metrics)
        .service(charts::realtime);
}

/// Registers `/data-sources`, `/queries`, `/charts`, `/datamarts`, `/datasets` and `/reports`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/data-sources")
            .service(sources::create)
            .service(sources::list)
            .service(sources::test)
            .service(sources::get)
            .service(sources::update)
            .service(sources::remove)
            .service(sources::tables)
            .service(sources::schema),
    )
    .service(
        scope::scope("/queries")
            .service(queries::run)
            .service(queries::validate),
    )
    .service(
        scope::scope("/charts")
            .service(charts::query)
            .configure(chart_paths),
    )
    .service(
        scope::scope("/datamarts")
            .service(datamarts::create)
            .service(datamarts::list)
            .service(datamarts::get)
            .service(datamarts::update)
            .service(datamarts::remove),
    )
    .service(
        scope::scope("/datasets")
            .service(datasets::upload)
            .service(datasets::list)
            .service(datasets::get)
            .service(datasets::preview)
            .service(datasets::update)
            .service(datasets::remove),
    )
    .service(
        scope::scope("/reports")
            .service(reports::analyze)
            .service(reports::list)
            .service(reports::public)
            .service(reports::stats)
            .service(reports::shared)
            .service(reports::get)
            .service(reports::results)
            .service(reports::download)
            .service(reports::remove)
            .service(reports::share)
            .service(reports::shares)
            .service(reports::revoke),
    );
}
