//! `/api/v1/auth/*`: register, log in (form and JSON), refresh, log out, session.

use actix_web::{get, post, web, HttpResponse};

use crate::auth::{Caller, IssuedTokens};
use crate::core::dto::{
    LoginForm, LoginRequest, RefreshRequest, RegisterRequest, RegisterResponse, SessionOut,
    TokenResponse,
};
use crate::core::service;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

fn token_response(t: IssuedTokens) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            token_type: "bearer".into(),
            expires_in: t.expires_in,
        })
}

/// Creates a new organisation with the caller as its admin.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered", body = RegisterResponse),
        (status = 409, description = "Email already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/register")]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let (user, organization) = service::auth::register(&state, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(RegisterResponse {
        user: user.into(),
        organization: organization.into(),
    }))
}

/// OAuth2 password grant: `username` is the email.
#[utoipa::path(
    tag = "auth",
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed form", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/login")]
pub async fn login_form(
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> ApiResult<HttpResponse> {
    let form = form.into_inner();
    if form.grant_type.as_deref().is_some_and(|g| g != "password") {
        return Err(ApiError::field(
            "grant_type",
            "only the 'password' grant is supported",
        ));
    }
    Ok(token_response(
        service::auth::login(&state, &form.username, form.password).await?,
    ))
}

/// Logs in with a JSON body.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/login/json")]
pub async fn login_json(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    Ok(token_response(
        service::auth::login(&state, &body.email, body.password).await?,
    ))
}

/// Exchanges a refresh token for a new pair; the old one is spent. Reusing a spent token revokes its whole family.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New token pair", body = TokenResponse),
        (status = 401, description = "Unknown, expired, spent or revoked refresh token", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    Ok(token_response(
        service::auth::refresh(&state, &body.refresh_token).await?,
    ))
}

/// Revokes the refresh family of the given token.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    service::auth::logout(&state, &caller, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The current user, organisation and token times.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session", body = SessionOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/session")]
pub async fn session(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<SessionOut>> {
    let (user, organization) = service::auth::session(&state, &caller).await?;
    Ok(web::Json(SessionOut {
        user: user.into(),
        organization: organization.into(),
        issued_at: caller.issued_at,
        expires_at: caller.expires_at,
    }))
}
