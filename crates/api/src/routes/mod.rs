//! Route registration: one place, through utoipa-actix-web, so the router and the OpenAPI
//! document come from the same registration and cannot disagree.

pub mod auth;
pub mod charts;
pub mod datamarts;
pub mod datasets;
pub mod queries;
pub mod reports;
pub mod sources;

pub mod system;
pub mod users;

use actix_governor::{Governor, GovernorConfigBuilder, PeerIpKeyExtractor};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::settings::RateLimitSettings;

/// The routes under `/api/v1`.
pub fn api_v1(limits: &RateLimitSettings) -> impl FnOnce(&mut ServiceConfig) + '_ {
    move |cfg| {
        cfg.service(system::health)
            .service(
                scope::scope("/auth")
                    .wrap(Governor::new(&auth_limit(limits)))
                    .service(auth::register)
                    .service(auth::login_form)
                    .service(auth::login_json)
                    .service(auth::refresh)
                    .service(auth::logout)
                    .service(auth::session),
            )
            .service(
                scope::scope("/users")
                    .service(users::me)
                    .service(users::update_me)
                    .service(users::by_role)
                    .service(users::list)
                    .service(users::create)
                    .service(users::get)
                    .service(users::update)
                    .service(users::remove),
            )
            .service(
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
                    .service(charts::bar)
                    .service(charts::pie)
                    .service(charts::line)
                    .service(charts::metrics)
                    .service(charts::realtime),
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
}

/// The stricter limiter of `/auth/*`: one request per `60 / auth_per_minute` seconds, bursts of `auth_burst`.
fn auth_limit(
    limits: &RateLimitSettings,
) -> actix_governor::GovernorConfig<
    PeerIpKeyExtractor,
    actix_governor::governor::middleware::NoOpMiddleware,
> {
    let per_minute = limits.auth_per_minute.max(1);
    let builder = GovernorConfigBuilder::default()
        .period(std::time::Duration::from_millis(
            (60_000 / per_minute).max(1),
        ))
        .burst_size(if limits.enabled {
            limits.auth_burst.max(1)
        } else {
            u32::MAX
        })
        .finish();
    builder.unwrap_or_default()
}

/// The limiter of every route: `per_second` sustained, bursts of `burst`.
pub fn global_limit(
    limits: &RateLimitSettings,
) -> actix_governor::GovernorConfig<
    PeerIpKeyExtractor,
    actix_governor::governor::middleware::NoOpMiddleware,
> {
    GovernorConfigBuilder::default()
        .period(std::time::Duration::from_nanos(
            (1_000_000_000 / limits.per_second.max(1)).max(1),
        ))
        .burst_size(limits.burst.max(1))
        .finish()
        .unwrap_or_default()
}
