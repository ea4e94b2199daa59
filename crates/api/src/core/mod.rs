//! The core area: organisations, members and their tokens (registration, login, refresh,
//! sessions, users). `routes` registers its paths under the OpenAPI tags `auth` and `users`.

pub mod dto;
pub mod handlers;
pub mod service;

use actix_governor::{Governor, GovernorConfigBuilder, PeerIpKeyExtractor};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::settings::RateLimitSettings;
use handlers::{auth, users};

/// Registers `/auth/*` (behind the stricter limiter) and `/users/*`.
pub fn routes(cfg: &mut ServiceConfig, limits: &RateLimitSettings) {
    cfg.service(
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
    );
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
