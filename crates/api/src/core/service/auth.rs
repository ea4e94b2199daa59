//! Registration, login, refresh rotation, logout and the session.

use tessera_domain::error::Validator;
use tessera_domain::{Email, FullName, OrgName, Organization, Password, Role, User};
use tessera_store::refresh_tokens::{self, Rotation};
use tessera_store::{organizations, users, StoreError};

use crate::auth::{hash_secret_token, new_secret_token, Caller, IssuedTokens};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A registration: the first member and their new organisation.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Login email.
    pub email: String,
    /// At least 8 characters.
    pub password: String,
    /// Display name.
    pub full_name: String,
    /// Name of the new organisation; defaults to one named after the user.
    pub organization_name: Option<String>,
}

const BAD_LOGIN: &str = "invalid email or password";

/// Creates an organisation with the new user as its admin.
pub async fn register(state: &AppState, req: Registration) -> ApiResult<(User, Organization)> {
    let mut v = Validator::new();
    let email = v.check(Email::parse(&req.email));
    let password = v.check(Password::parse(&req.password));
    let full_name = v.check(FullName::parse(&req.full_name));
    let org_name = match req
        .organization_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(name) => v.check(OrgName::parse(name)),
        None => full_name.as_ref().map(OrgName::named_after),
    };
    v.finish()?;
    let (Some(email), Some(password), Some(full_name), Some(org_name)) =
        (email, password, full_name, org_name)
    else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };

    let tokens = state.tokens.clone();
    let hash = state
        .blocking(move || tokens.hash_password(password.expose()))
        .await??;
    let (user, org) = state
        .db(move |conn| {
            tessera_store::atomically(conn, |conn| {
                let org = organizations::insert(conn, &org_name)?;
                let user = users::insert(
                    conn,
                    &users::NewUser {
                        org_id: org.id,
                        email: &email,
                        full_name: &full_name,
                        password_hash: &hash,
                        role: Role::Admin,
                    },
                )?;
                Ok((user, org))
            })
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    ApiError::Conflict("an account with this email already exists".into())
                }
                other => other.into(),
            })
        })
        .await?;
    Ok((user, org))
}

/// Checks an email and password and starts a refresh family.
pub async fn login(state: &AppState, email: &str, password: String) -> ApiResult<IssuedTokens> {
    let email = Email::parse(email).ok();
    let creds = match email {
        Some(email) => {
            state
                .db(move |conn| Ok(users::find_credentials_by_email(conn, &email)?))
                .await?
        }
        None => None,
    };
    let tokens = state.tokens.clone();
    let hash = creds.as_ref().map(|c| c.password_hash.clone());
    let ok = state
        .blocking(move || tokens.verify_password(&password, hash.as_deref()))
        .await?;
    let Some(creds) = creds.filter(|c| ok && c.user.is_active) else {
        return Err(ApiError::Unauthorized(BAD_LOGIN.into()));
    };
    let user = creds.user;
    let issued = state.tokens.issue_pair(user.id, user.org_id, user.role)?;
    let hash = hash_secret_token(&issued.refresh_token);
    let expires = state.tokens.refresh_expiry();
    state
        .db(move |conn| {
            Ok(refresh_tokens::start_family(
                conn,
                user.id,
                user.org_id,
                &hash,
                expires,
            )?)
        })
        .await?;
    Ok(issued)
}

/// Spends a refresh token for a new pair; a reused token revokes its family.
pub async fn refresh(state: &AppState, presented: &str) -> ApiResult<IssuedTokens> {
    let presented = hash_secret_token(presented);
    // The successor is generated first so that rotation stores it in the same transaction.
    let successor = new_secret_token();
    let successor_hash = hash_secret_token(&successor);
    let expires = state.tokens.refresh_expiry();
    let outcome = state
        .db(move |conn| {
            Ok(refresh_tokens::rotate(
                conn,
                &presented,
                &successor_hash,
                expires,
            )?)
        })
        .await?;
    let (user_id, org_id) = match outcome {
        Rotation::Rotated { user_id, org_id } => (user_id, org_id),
        Rotation::Unknown => return Err(ApiError::Unauthorized("unknown refresh token".into())),
        Rotation::Expired => {
            return Err(ApiError::Unauthorized(
                "the refresh token has expired; log in again".into(),
            ))
        }
        Rotation::Reused => {
            tracing::warn!("refresh token reused; its family was revoked");
            return Err(ApiError::Unauthorized(
                "this refresh token was already used; log in again".into(),
            ));
        }
    };
    let user = state
        .db(move |conn| Ok(users::find(conn, org_id, user_id)?))
        .await?;
    if !user.is_active {
        state
            .db(move |conn| Ok(refresh_tokens::revoke_all_of_user(conn, org_id, user_id)?))
            .await?;
        return Err(ApiError::Unauthorized("this account is disabled".into()));
    }
    Ok(IssuedTokens {
        access_token: state.tokens.issue_access(user.id, user.org_id, user.role)?,
        refresh_token: successor,
        expires_in: state.tokens.access_ttl_secs(),
    })
}

/// Revokes the refresh family of a token the caller holds. Unknown tokens are ignored (idempotent).
pub async fn logout(state: &AppState, caller: &Caller, refresh_token: &str) -> ApiResult<()> {
    let hash = hash_secret_token(refresh_token);
    let user = caller.user_id;
    state
        .db(move |conn| Ok(refresh_tokens::revoke_family_of(conn, user, &hash)?))
        .await?;
    Ok(())
}

/// The caller's user and organisation.
pub async fn session(state: &AppState, caller: &Caller) -> ApiResult<(User, Organization)> {
    let (org_id, user_id) = (caller.org_id, caller.user_id);
    let (user, org) = state
        .db(move |conn| {
            Ok((
                users::find(conn, org_id, user_id)?,
                organizations::find(conn, org_id)?,
            ))
        })
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::Unauthorized("this account no longer exists".into()),
            other => other,
        })?;
    Ok((user, org))
}
