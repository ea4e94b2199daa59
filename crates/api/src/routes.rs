//! Route registration through utoipa-actix-web, so the router and the OpenAPI document come from
//! the same registration and cannot disagree: `/api/v1` is health plus each area's routes
//! (`core::routes`, `data::routes`, `commerce::routes`, `retail::routes`, `alerts::routes`, `dashboards::routes`,
//! `extracts::routes`), and the rate limiters.

use actix_governor::{GovernorConfigBuilder, PeerIpKeyExtractor};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::settings::RateLimitSettings;

/// The routes under `/api/v1`: health, then each area's.
pub fn api_v1(limits: &RateLimitSettings) -> impl FnOnce(&mut ServiceConfig) + '_ {
    move |cfg| {
        cfg.service(crate::system::health);
        crate::core::routes(cfg, limits);
        crate::data::routes(cfg);
        crate::commerce::routes(cfg);
        crate::retail::routes(cfg);
        crate::alerts::routes(cfg);
        crate::dashboards::routes(cfg);
        crate::extracts::routes(cfg);
    }
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
