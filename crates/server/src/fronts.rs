//! Starting the compatibility fronts of `[[fronts]]`: one more HTTP listener each, inside
//! `tessera serve`, stopped with the main server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::HttpServer;
use tessera_api::fronts::{Front, FrontAccess};
use tessera_api::AppState;
use tessera_store::organizations;

use crate::{secrets, Settings, StartError, SHUTDOWN_GRACE_SECS};

/// A bound front, ready to run.
pub struct RunningFront {
    /// `kind@bind`.
    pub name: String,
    /// The port actually bound.
    pub port: u16,
    /// Its server.
    pub server: Server,
}

/// Binds every configured front; fails on an unknown organisation or an address in use.
pub fn start(settings: &Settings, state: &AppState) -> Result<Vec<RunningFront>, StartError> {
    let mut running = Vec::new();
    for f in &settings.fronts {
        let bind_error = |source| StartError::Bind {
            addr: f.bind.clone(),
            source,
        };
        let listener = TcpListener::bind(&f.bind).map_err(bind_error)?;
        let local = listener.local_addr().map_err(bind_error)?;
        let name = format!("{}@{local}", f.kind.as_str());
        let role = f.role().map_err(|e| StartError::Config(e.to_string()))?;
        secrets::check_exposure(settings, &f.bind)?;
        let org = {
            let mut conn = state.db.get()?;
            organizations::find_by_name(&mut conn, &f.organization)?
        }
        .ok_or_else(|| {
            StartError::Config(format!(
                "fronts: {name} serves the organisation '{}', which does not exist",
                f.organization
            ))
        })?;
        if let Some(role) = role {
            tracing::warn!(front = %name, %role, organization = %f.organization, "this front answers requests without a token as {role} of {}", f.organization);
        }
        let front = Front {
            kind: f.kind,
            access: FrontAccess {
                name: name.clone(),
                org_id: org.id,
                anonymous_role: role,
            },
            static_dir: f.static_dir.clone(),
        };
        let port = local.port();
        let st = state.clone();
        let server =
            HttpServer::new(move || tessera_api::fronts::front_app(st.clone(), front.clone()))
                .workers(settings.server.workers.clamp(1, 2))
                .disable_signals()
                .listen(listener)
                .map_err(bind_error)?
                .shutdown_timeout(SHUTDOWN_GRACE_SECS)
                .run();
        tracing::info!(front = %name, port, "front listening");
        running.push(RunningFront { name, port, server });
    }
    Ok(running)
}
