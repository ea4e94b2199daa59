//! Request extractors: the authenticated caller from `Authorization: Bearer ...`, and how a
//! chart request wants the cache used (`Cache-Control: no-cache` asks for a fresh answer).

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use tessera_charts::CacheUse;

use crate::auth::{Caller, FrontAccess};
use crate::error::ApiError;
use crate::state::AppState;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let front = req.app_data::<web::Data<FrontAccess>>().cloned();
        let anonymous = !req.headers().contains_key(header::AUTHORIZATION);
        if let (Some(front), true) = (&front, anonymous) {
            if let Some(role) = front.anonymous_role {
                return Box::pin(ready(Ok(anonymous_caller(front, role))));
            }
        }
        let claimed = token_caller(req);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let caller = current(&state, claimed?).await?;
            match front {
                Some(front) if front.org_id != caller.org_id => Err(ApiError::Forbidden(
                    "this address serves another organisation's data".into(),
                )),
                _ => Ok(caller),
            }
        })
    }
}

/// A request without a token on a front with an anonymous role: that role in the front's
/// organisation, as nobody in particular (the nil user id, which no member has).
fn anonymous_caller(front: &FrontAccess, role: tessera_domain::Role) -> Caller {
    Caller {
        user_id: tessera_domain::UserId::from_uuid(uuid::Uuid::nil()),
        org_id: front.org_id,
        role,
        issued_at: 0,
        expires_at: i64::MAX,
    }
}

/// The caller as the token claims them; their signature and expiry are checked here.
fn token_caller(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("send an access token: Authorization: Bearer <token>".into())
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not text".into()))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be 'Bearer <token>'".into())
        })?;
    state.tokens.verify_access(token)
}

/// The caller as the database says they are now: a token outlives neither its user's removal
/// or deactivation nor a change of role (the member cache keeps the answer a few seconds).
async fn current(state: &AppState, claimed: Caller) -> Result<Caller, ApiError> {
    let user = match state.members.get(&claimed.user_id) {
        Some(user) => user,
        None => {
            let (org, id) = (claimed.org_id, claimed.user_id);
            let found = state
                .db(
                    move |conn| match tessera_store::users::find(conn, org, id) {
                        Ok(u) => Ok(Some(u)),
                        Err(tessera_store::StoreError::NotFound) => Ok(None),
                        Err(e) => Err(e.into()),
                    },
                )
                .await?;
            let Some(user) = found else {
                return Err(ApiError::Unauthorized(
                    "the access token's user no longer exists".into(),
                ));
            };
            let user = std::sync::Arc::new(user);
            state.members.insert(id, user.clone());
            user
        }
    };
    if user.org_id != claimed.org_id {
        return Err(ApiError::Unauthorized("the access token is invalid".into()));
    }
    if !user.is_active {
        return Err(ApiError::Unauthorized(
            "this account is deactivated; ask an admin of your organisation".into(),
        ));
    }
    Ok(Caller {
        role: user.role,
        ..claimed
    })
}

/// How a chart request wants the answer cache used, from its `Cache-Control` / `Pragma`
/// headers: `no-cache`, `no-store` or `max-age=0` want a fresh answer (a dashboard's force
/// refresh), which is then cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheHeader(pub CacheUse);

impl CacheHeader {
    /// What the headers ask for.
    pub fn from_headers(headers: &actix_web::http::header::HeaderMap) -> Self {
        use actix_web::http::header::{CACHE_CONTROL, PRAGMA};
        let fresh = [CACHE_CONTROL, PRAGMA].iter().any(|h| {
            headers.get_all(h).any(|v| {
                v.to_str().is_ok_and(|v| {
                    v.split(',').map(str::trim).any(|d| {
                        d.eq_ignore_ascii_case("no-cache")
                            || d.eq_ignore_ascii_case("no-store")
                            || d.eq_ignore_ascii_case("max-age=0")
                    })
                })
            })
        });
        Self(if fresh {
            CacheUse::Refresh
        } else {
            CacheUse::Normal
        })
    }
}

impl FromRequest for CacheHeader {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::from_headers(req.headers())))
    }
}
