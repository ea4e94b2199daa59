//! Accounts: registration, login, tokens, users, organisations, paging and health.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::common::{page_dto, utc};
use tessera_domain::{Organization, Page, User};

/// `POST /auth/register`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// Login email.
    #[schema(example = "ann@example.org")]
    pub email: String,
    /// At least 8 characters.
    #[schema(example = "correct-horse-9", min_length = 8)]
    pub password: String,
    /// Display name.
    #[schema(example = "Ann Lee")]
    pub full_name: String,
    /// Name of the new organisation; defaults to one named after the user.
    pub organization_name: Option<String>,
}

impl From<RegisterRequest> for crate::core::service::auth::Registration {
    fn from(r: RegisterRequest) -> Self {
        Self {
            email: r.email,
            password: r.password,
            full_name: r.full_name,
            organization_name: r.organization_name,
        }
    }
}

/// `POST /auth/login/json`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /auth/login`: the OAuth2 password grant form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginForm {
    /// The login email.
    pub username: String,
    /// The password.
    pub password: String,
    /// `password` when given.
    pub grant_type: Option<String>,
    /// Ignored; accepted for OAuth2 clients.
    pub scope: Option<String>,
}

/// A token pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque token for `POST /auth/refresh`; single use.
    pub refresh_token: String,
    /// Always `bearer`.
    #[schema(example = "bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    pub refresh_token: String,
}

/// A user as the API shows it (never with a password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    pub id: String,
    /// Organisation id.
    pub organization_id: String,
    /// Login email.
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// Role in the organisation.
    #[schema(example = "editor")]
    pub role: String,
    /// Whether the user may log in.
    pub is_active: bool,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        Self {
            id: u.id.to_string(),
            organization_id: u.org_id.to_string(),
            email: u.email,
            full_name: u.full_name,
            role: u.role.as_str().to_owned(),
            is_active: u.is_active,
            created_at: utc(u.created_at),
            updated_at: utc(u.updated_at),
        }
    }
}

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationOut {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
}

impl From<Organization> for OrganizationOut {
    fn from(o: Organization) -> Self {
        Self {
            id: o.id.to_string(),
            name: o.name,
            created_at: utc(o.created_at),
        }
    }
}

/// The answer to a registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterResponse {
    /// The new user, admin of the new organisation.
    pub user: UserOut,
    /// The new organisation.
    pub organization: OrganizationOut,
}

/// The current session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    /// Who is logged in.
    pub user: UserOut,
    /// Their organisation.
    pub organization: OrganizationOut,
    /// When the access token was issued (seconds since the epoch).
    pub issued_at: i64,
    /// When the access token expires (seconds since the epoch).
    pub expires_at: i64,
}

/// `PUT /users/me`: fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMeRequest {
    /// New display name.
    pub full_name: Option<String>,
    /// New password (at least 8 characters); needs `current_password`.
    pub password: Option<String>,
    /// The current password, required to set a new one.
    pub current_password: Option<String>,
}

impl From<UpdateMeRequest> for crate::core::service::users::ProfileChanges {
    fn from(r: UpdateMeRequest) -> Self {
        Self {
            full_name: r.full_name,
            password: r.password,
            current_password: r.current_password,
        }
    }
}

/// `PUT /users/{id}`: an admin changes a member; fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// New display name.
    pub full_name: Option<String>,
    /// New role.
    #[schema(example = "viewer")]
    pub role: Option<String>,
    /// `false` deactivates the member: they cannot log in, and their tokens stop working.
    pub is_active: Option<bool>,
}

impl From<UpdateUserRequest> for crate::core::service::users::MemberChanges {
    fn from(r: UpdateUserRequest) -> Self {
        Self {
            full_name: r.full_name,
            role: r.role,
            is_active: r.is_active,
        }
    }
}

/// `POST /users`: an admin adds a member to their organisation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserRequest {
    /// Login email.
    pub email: String,
    /// Initial password (at least 8 characters).
    pub password: String,
    /// Display name.
    pub full_name: String,
    /// One of admin, editor, viewer, store_manager, regional_manager.
    #[schema(example = "viewer")]
    pub role: String,
}

impl From<CreateUserRequest> for crate::core::service::users::NewMember {
    fn from(r: CreateUserRequest) -> Self {
        Self {
            email: r.email,
            password: r.password,
            full_name: r.full_name,
            role: r.role,
        }
    }
}

page_dto!(
    UserPage,
    UserOut,
    User,
    "A page of users.",
    "This page's users.",
    "Users matching in all."
);

/// `GET /users` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Only users of this role.
    pub role: Option<String>,
    /// Page number, from 1 (default 1).
    pub page: Option<i64>,
    /// Page size, 1 to 200 (default 20).
    pub limit: Option<i64>,
}
