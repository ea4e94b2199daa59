//! The `users` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::{Email, FullName, OrgId, Page, PageRequest, Role, User, UserId};

use crate::schema::users;
use crate::{DbConn, StoreError};

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    /// Id (UUID text).
    pub id: String,
    /// Owning organisation (UUID text).
    pub org_id: String,
    /// Login email (lower case).
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// bcrypt hash.
    pub password_hash: String,
    /// Role name.
    pub role: String,
    /// Inactive users cannot log in.
    pub is_active: bool,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
    /// Last change (UTC).
    pub updated_at: NaiveDateTime,
}

impl UserRow {
    /// Converts to the domain entity (dropping the password hash).
    pub fn into_domain(self) -> Result<User, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("user {}: {what}", self.id));
        Ok(User {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            role: self.role.parse::<Role>().map_err(|_| corrupt("role"))?,
            email: self.email,
            full_name: self.full_name,
            is_active: self.is_active,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// What login needs: the user and their password hash.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// Their bcrypt hash.
    pub password_hash: String,
}

/// A user to insert into an organisation.
#[derive(Debug)]
pub struct NewUser<'a> {
    /// The organisation the user joins.
    pub org_id: OrgId,
    /// Login email.
    pub email: &'a Email,
    /// Display name.
    pub full_name: &'a FullName,
    /// bcrypt hash of the password.
    pub password_hash: &'a str,
    /// Role in the organisation.
    pub role: Role,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserInsert<'a> {
    id: String,
    org_id: String,
    email: &'a str,
    full_name: &'a str,
    password_hash: &'a str,
    role: &'a str,
    is_active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Fields a user may change on their own profile; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges {
    /// New display name.
    pub full_name: Option<String>,
    /// New bcrypt hash.
    pub password_hash: Option<String>,
    /// Set by [`update_profile`].
    pub updated_at: Option<NaiveDateTime>,
}

/// Inserts a user; a taken email is [`StoreError::Conflict`].
pub fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> Result<User, StoreError> {
    let now = crate::now();
    let id = UserId::new();
    diesel::insert_into(users::table)
        .values(&UserInsert {
            id: id.to_string(),
            org_id: new.org_id.to_string(),
            email: new.email.as_str(),
            full_name: new.full_name.as_str(),
            password_hash: new.password_hash,
            role: new.role.as_str(),
            is_active: true,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    find(conn, new.org_id, id)
}

/// One user of the caller's organisation; another organisation's user is [`StoreError::NotFound`].
pub fn find(conn: &mut DbConn, org: OrgId, id: UserId) -> Result<User, StoreError> {
    users::table
        .filter(users::id.eq(id.to_string()))
        .filter(users::org_id.eq(org.to_string()))
        .select(UserRow::as_select())
        .first(conn)?
        .into_domain()
}

/// The caller's organisation's users, optionally of one role, newest first.
pub fn list(
    conn: &mut DbConn,
    org: OrgId,
    role: Option<Role>,
    page: PageRequest,
) -> Result<Page<User>, StoreError> {
    let scoped = || {
        let mut q = users::table
            .filter(users::org_id.eq(org.to_string()))
            .into_boxed();
        if let Some(role) = role {
            q = q.filter(users::role.eq(role.as_str()));
        }
        q
    };
    let total: i64 = scoped().count().get_result(conn)?;
    let rows: Vec<UserRow> = scoped()
        .select(UserRow::as_select())
        .order((users::created_at.desc(), users::id.asc()))
        .limit(i64::from(page.limit()))
        .offset(page.sql_offset())
        .load(conn)?;
    Ok(page.page_of(
        rows.into_iter()
            .map(UserRow::into_domain)
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// Login lookup by email. Deliberately not scoped: at login the organisation is not known yet,
/// and an email is unique across the installation.
pub fn find_credentials_by_email(
    conn: &mut DbConn,
    email: &Email,
) -> Result<Option<Credentials>, StoreError> {
    let row: Option<UserRow> = users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|r| {
        let hash = r.password_hash.clone();
        r.into_domain().map(|user| Credentials {
            user,
            password_hash: hash,
        })
    })
    .transpose()
}

/// The password hash of a user of the caller's organisation.
pub fn password_hash(conn: &mut DbConn, org: OrgId, id: UserId) -> Result<String, StoreError> {
    Ok(users::table
        .filter(users::id.eq(id.to_string()))
        .filter(users::org_id.eq(org.to_string()))
        .select(users::password_hash)
        .first(conn)?)
}

/// Changes a user's own profile.
pub fn update_profile(
    conn: &mut DbConn,
    org: OrgId,
    id: UserId,
    mut changes: ProfileChanges,
) -> Result<User, StoreError> {
    changes.updated_at = Some(crate::now());
    let n = diesel::update(
        users::table
            .filter(users::id.eq(id.to_string()))
            .filter(users::org_id.eq(org.to_string())),
    )
    .set(&changes)
    .execute(conn)?;
    crate::affected(n)?;
    find(conn, org, id)
}

/// What an admin may change about a member; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct MemberChanges {
    /// New display name.
    pub full_name: Option<String>,
    /// New role (its wire name).
    pub role: Option<String>,
    /// Whether the member may log in and use their tokens.
    pub is_active: Option<bool>,
    /// Set by [`update_member`].
    pub updated_at: Option<NaiveDateTime>,
}

/// Changes a member of the organisation (admins).
pub fn update_member(
    conn: &mut DbConn,
    org: OrgId,
    id: UserId,
    mut changes: MemberChanges,
) -> Result<User, StoreError> {
    changes.updated_at = Some(crate::now());
    let n = diesel::update(
        users::table
            .filter(users::id.eq(id.to_string()))
            .filter(users::org_id.eq(org.to_string())),
    )
    .set(&changes)
    .execute(conn)?;
    crate::affected(n)?;
    find(conn, org, id)
}

/// Removes a member of the organisation; their refresh tokens go with them.
pub fn delete(conn: &mut DbConn, org: OrgId, id: UserId) -> Result<(), StoreError> {
    let n = diesel::delete(
        users::table
            .filter(users::id.eq(id.to_string()))
            .filter(users::org_id.eq(org.to_string())),
    )
    .execute(conn)?;
    crate::affected(n)
}
