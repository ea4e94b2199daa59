//! Compatibility fronts: extra HTTP listeners that serve the paths of a service Tessera
//! replaces, mapped onto the native handlers, for one organisation, so that service's clients
//! (a web app, a script) only change their base URL. `techmart` serves the TechMart app's
//! `/api/v1/...` (the commerce area) and its own OpenAPI document; `chart-api` serves the chart
//! seed's `/api/charts/...` and `/health`; `brickhouse` serves the Brickhouse app's `/api/...`
//! (the retail area, its staff directory as `/users`). A front may serve a built web app from `static_dir`
//! (with `index.html` for client-side routes) and may let requests without a token act with an
//! `anonymous_role` in its organisation; a token must belong to that organisation.

mod statics;

use std::path::PathBuf;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, ErrorHandlers, NormalizePath, TrailingSlash};
use actix_web::{web, App, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::{scope, AppExt};

pub use crate::auth::FrontAccess;
use crate::middleware;
use crate::state::AppState;

/// Which service's paths a front serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FrontKind {
    /// The TechMart commerce app's `/api/v1/...`.
    Techmart,
    /// The chart seed's `/api/charts/...` and `/health`.
    ChartApi,
    /// The Brickhouse retail app's `/api/...` (no version).
    Brickhouse,
}

impl FrontKind {
    /// The kind's configuration name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Techmart => "techmart",
            Self::ChartApi => "chart-api",
            Self::Brickhouse => "brickhouse",
        }
    }
}

/// A front as the server starts it.
#[derive(Debug, Clone)]
pub struct Front {
    /// Which paths.
    pub kind: FrontKind,
    /// Who its requests act as.
    pub access: FrontAccess,
    /// A built web app served at `/` (its `index.html` for unknown non-API GETs).
    pub static_dir: Option<PathBuf>,
}

/// The application of one front.
pub fn front_app(
    state: AppState,
    front: Front,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let http = state.http.clone();
    let kind = front.kind;
    let extractors = crate::Extractors::new(&http);
    let (app, spec) = App::new()
        .into_utoipa_app()
        .app_data(web::Data::new(state))
        .app_data(web::Data::new(front.access.clone()))
        .app_data(web::Data::new(statics::StaticDir(front.static_dir.clone())))
        .app_data(extractors.json)
        .app_data(extractors.form)
        .app_data(extractors.query)
        .app_data(extractors.path)
        // before the `/api/v1` scope, which would otherwise swallow it
        .map(|app| {
            app.configure(move |cfg| {
                if kind == FrontKind::Techmart {
                    cfg.route("/api/v1/openapi.json", web::get().to(openapi));
                }
            })
        })
        .configure(move |cfg| match kind {
            FrontKind::Techmart => {
                cfg.service(scope::scope("/api/v1").configure(crate::commerce::paths));
            }
            FrontKind::ChartApi => {
                cfg.service(crate::system::health)
                    .service(scope::scope("/api/charts").configure(crate::data::chart_paths));
            }
            FrontKind::Brickhouse => {
                cfg.service(crate::system::health)
                    .service(scope::scope("/api").configure(crate::retail::brickhouse_paths));
            }
        })
        .split_for_parts();
    let mut spec = spec;
    spec.info.title = format!("Tessera {} front", kind.as_str());
    let spec = web::Data::new(spec);
    app.app_data(spec)
        .default_service(web::to(statics::serve))
        .wrap(ErrorHandlers::new().default_handler(middleware::problems::ensure_problem))
        .wrap(middleware::security_headers(http.hsts))
        .wrap(NormalizePath::new(TrailingSlash::Trim))
        .wrap(from_fn(middleware::observe::observe))
}

/// The front's own OpenAPI document: the paths it serves.
async fn openapi(spec: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(spec.get_ref())
}
