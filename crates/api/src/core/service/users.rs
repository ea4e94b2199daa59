//! Members of the caller's organisation: profile, listing, lookup, creation, changes and removal.
//! Only admins list and manage members (their emails included); others see themselves.

use tessera_domain::error::Validator;
use tessera_domain::{Email, FullName, Page, PageRequest, Password, Role, User, UserId};
use tessera_store::{refresh_tokens, users, StoreError};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// An admin's changes to a member; fields left out stay.
#[derive(Debug, Clone)]
pub struct MemberChanges {
    /// New display name.
    pub full_name: Option<String>,
    /// New role.
    pub role: Option<String>,
    /// `false` deactivates the member: they cannot log in, and their tokens stop working.
    pub is_active: Option<bool>,
}

/// A member an admin adds to the organisation.
#[derive(Debug, Clone)]
pub struct NewMember {
    /// Login email.
    pub email: String,
    /// Initial password (at least 8 characters).
    pub password: String,
    /// Display name.
    pub full_name: String,
    /// One of admin, editor, viewer, store_manager, regional_manager.
    pub role: String,
}

/// A member's changes to their own profile; fields left out stay.
#[derive(Debug, Clone)]
pub struct ProfileChanges {
    /// New display name.
    pub full_name: Option<String>,
    /// New password (at least 8 characters); needs `current_password`.
    pub password: Option<String>,
    /// The current password, required to set a new one.
    pub current_password: Option<String>,
}

/// The caller's own user.
pub async fn me(state: &AppState, caller: &Caller) -> ApiResult<User> {
    let (org, id) = (caller.org_id, caller.user_id);
    state.db(move |conn| Ok(users::find(conn, org, id)?)).await
}

/// Changes the caller's name and/or password (a new password needs the current one and ends other sessions).
pub async fn update_me(state: &AppState, caller: &Caller, req: ProfileChanges) -> ApiResult<User> {
    let mut v = Validator::new();
    let full_name = req
        .full_name
        .as_deref()
        .and_then(|n| v.check(FullName::parse(n)));
    let password = req
        .password
        .as_deref()
        .and_then(|p| v.check(Password::parse(p)));
    v.finish()?;
    let (org, id) = (caller.org_id, caller.user_id);
    let mut changes = users::ProfileChanges {
        full_name: full_name.map(FullName::into_inner),
        ..Default::default()
    };
    if let Some(password) = password {
        let current = req.current_password.ok_or_else(|| {
            ApiError::field("current_password", "is required to set a new password")
        })?;
        let stored = state
            .db(move |conn| Ok(users::password_hash(conn, org, id)?))
            .await?;
        let tokens = state.tokens.clone();
        let (ok, new_hash) = state
            .blocking(move || {
                let ok = tokens.verify_password(&current, Some(&stored));
                (
                    ok,
                    if ok {
                        Some(tokens.hash_password(password.expose()))
                    } else {
                        None
                    },
                )
            })
            .await?;
        if !ok {
            return Err(ApiError::field(
                "current_password",
                "is not the current password",
            ));
        }
        changes.password_hash = new_hash.transpose()?;
    }
    let password_changed = changes.password_hash.is_some();
    state
        .db(move |conn| {
            tessera_store::atomically(conn, |conn| {
                let user = users::update_profile(conn, org, id, changes.clone())?;
                if password_changed {
                    refresh_tokens::revoke_all_of_user(conn, org, id)?;
                }
                Ok::<_, StoreError>(user)
            })
            .map_err(ApiError::from)
        })
        .await
}

/// One page of the caller's organisation's members, optionally of one role (admins only).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    role: Option<&str>,
    page: Option<i64>,
    limit: Option<i64>,
) -> ApiResult<Page<User>> {
    caller.require_user_admin()?;
    let role = role.map(str::parse::<Role>).transpose()?;
    let page = PageRequest::new(page, limit)?;
    let org = caller.org_id;
    state
        .db(move |conn| Ok(users::list(conn, org, role, page)?))
        .await
}

fn parse_id(id: &str) -> ApiResult<UserId> {
    crate::common::path_id("user", id)
}

/// A member of the caller's organisation (admins; others only themselves); a malformed id or
/// another organisation's user is 404.
pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ApiResult<User> {
    let id = parse_id(id)?;
    if id != caller.user_id {
        caller.require_user_admin()?;
    }
    let org = caller.org_id;
    state
        .db(move |conn| Ok(users::find(conn, org, id)?))
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound(format!("no user with id '{id}'")),
            other => other,
        })
}

/// Adds a member to the caller's organisation (admins only).
pub async fn create(state: &AppState, caller: &Caller, req: NewMember) -> ApiResult<User> {
    caller.require_user_admin()?;
    let mut v = Validator::new();
    let email = v.check(Email::parse(&req.email));
    let password = v.check(Password::parse(&req.password));
    let full_name = v.check(FullName::parse(&req.full_name));
    let role = v.check(req.role.parse::<Role>());
    v.finish()?;
    let (Some(email), Some(password), Some(full_name), Some(role)) =
        (email, password, full_name, role)
    else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let tokens = state.tokens.clone();
    let hash = state
        .blocking(move || tokens.hash_password(password.expose()))
        .await??;
    let org = caller.org_id;
    state
        .db(move |conn| {
            users::insert(
                conn,
                &users::NewUser {
                    org_id: org,
                    email: &email,
                    full_name: &full_name,
                    password_hash: &hash,
                    role,
                },
            )
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    ApiError::Conflict("an account with this email already exists".into())
                }
                other => other.into(),
            })
        })
        .await
}

/// Changes a member's name, role or active flag (admins; never their own role or flag, so an
/// organisation always keeps an admin). Deactivation ends the member's sessions at once.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    req: MemberChanges,
) -> ApiResult<User> {
    caller.require_user_admin()?;
    let id = parse_id(id)?;
    let mut v = Validator::new();
    let full_name = req
        .full_name
        .as_deref()
        .and_then(|n| v.check(FullName::parse(n)));
    let role = req.role.as_deref().and_then(|r| v.check(r.parse::<Role>()));
    v.finish()?;
    let demotes_self = role.is_some_and(|r| r != caller.role) || req.is_active == Some(false);
    if id == caller.user_id && demotes_self {
        return Err(ApiError::Conflict(
            "you cannot change your own role or deactivate yourself; another admin can".into(),
        ));
    }
    let changes = users::MemberChanges {
        full_name: full_name.map(FullName::into_inner),
        role: role.map(|r| r.as_str().to_owned()),
        is_active: req.is_active,
        updated_at: None,
    };
    let org = caller.org_id;
    let deactivated = req.is_active == Some(false);
    let user = state
        .db(move |conn| {
            tessera_store::atomically(conn, |conn| {
                let user = users::update_member(conn, org, id, changes.clone())?;
                if deactivated {
                    refresh_tokens::revoke_all_of_user(conn, org, id)?;
                }
                Ok::<_, StoreError>(user)
            })
            .map_err(not_found(id))
        })
        .await?;
    crate::cache_sync::changed(state, crate::cache_sync::Scope::Member(id)).await;
    Ok(user)
}

/// Removes a member (admins; not themselves). Their next request with a token is a 401.
pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    caller.require_user_admin()?;
    let id = parse_id(id)?;
    if id == caller.user_id {
        return Err(ApiError::Conflict(
            "you cannot remove yourself; another admin can".into(),
        ));
    }
    let org = caller.org_id;
    state
        .db(move |conn| users::delete(conn, org, id).map_err(not_found(id)))
        .await?;
    crate::cache_sync::changed(state, crate::cache_sync::Scope::Member(id)).await;
    Ok(())
}

fn not_found(id: UserId) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound => ApiError::NotFound(format!("no user with id '{id}'")),
        other => other.into(),
    }
}
