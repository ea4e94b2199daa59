//! The `refresh_tokens` table: hashed tokens in rotation families, with reuse detection.
//!
//! A login starts a family. Each refresh spends the presented token and issues the next one in
//! the same family. Presenting a spent or revoked token again means it was stolen or replayed,
//! so the whole family is revoked and every holder has to log in again.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::{OrgId, UserId};

use crate::schema::refresh_tokens;
use crate::{DbConn, StoreError};

/// A row of `refresh_tokens`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    /// Id (UUID text).
    pub id: String,
    /// The rotation family (UUID text).
    pub family_id: String,
    /// Owner (UUID text).
    pub user_id: String,
    /// Owner's organisation (UUID text).
    pub org_id: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// When it stops being accepted.
    pub expires_at: NaiveDateTime,
    /// When it was exchanged for its successor.
    pub used_at: Option<NaiveDateTime>,
    /// When its family was revoked.
    pub revoked_at: Option<NaiveDateTime>,
    /// When it was issued.
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
struct RefreshTokenInsert<'a> {
    id: String,
    family_id: &'a str,
    user_id: String,
    org_id: String,
    token_hash: &'a str,
    expires_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// The result of presenting a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was valid; its successor (hash given by the caller) is stored.
    Rotated {
        /// Owner.
        user_id: UserId,
        /// Owner's organisation.
        org_id: OrgId,
    },
    /// No such token.
    Unknown,
    /// The token has expired.
    Expired,
    /// The token was spent or revoked before: the family is now revoked.
    Reused,
}

/// Starts a new family with its first token.
pub fn start_family(
    conn: &mut DbConn,
    user: UserId,
    org: OrgId,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    let family = uuid::Uuid::new_v4().to_string();
    insert(conn, &family, user, org, token_hash, expires_at)
}

fn insert(
    conn: &mut DbConn,
    family_id: &str,
    user: UserId,
    org: OrgId,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(refresh_tokens::table)
        .values(&RefreshTokenInsert {
            id: uuid::Uuid::new_v4().to_string(),
            family_id,
            user_id: user.to_string(),
            org_id: org.to_string(),
            token_hash,
            expires_at,
            created_at: crate::now(),
        })
        .execute(conn)?;
    Ok(())
}

fn find_by_hash(
    conn: &mut DbConn,
    token_hash: &str,
) -> Result<Option<RefreshTokenRow>, StoreError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()?)
}

fn revoke_family(
    conn: &mut DbConn,
    family_id: &str,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?)
}

/// Spends the token with hash `presented` and stores `successor` in its family, in one transaction.
/// Spending is a conditional update, so two concurrent refreshes with one token cannot both win.
pub fn rotate(
    conn: &mut DbConn,
    presented: &str,
    successor: &str,
    successor_expires_at: NaiveDateTime,
) -> Result<Rotation, StoreError> {
    let now = crate::now();
    crate::atomically(conn, |conn| {
        let Some(row) = find_by_hash(conn, presented)? else {
            return Ok(Rotation::Unknown);
        };
        if row.used_at.is_some() || row.revoked_at.is_some() {
            revoke_family(conn, &row.family_id, now)?;
            return Ok(Rotation::Reused);
        }
        if row.expires_at <= now {
            return Ok(Rotation::Expired);
        }
        let spent = diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::id.eq(&row.id))
                .filter(refresh_tokens::used_at.is_null())
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::used_at.eq(now))
        .execute(conn)?;
        if spent != 1 {
            revoke_family(conn, &row.family_id, now)?;
            return Ok(Rotation::Reused);
        }
        let corrupt = |what: &str| StoreError::Corrupt(format!("refresh token {}: {what}", row.id));
        let user_id: UserId = row.user_id.parse().map_err(|_| corrupt("user_id"))?;
        let org_id: OrgId = row.org_id.parse().map_err(|_| corrupt("org_id"))?;
        insert(
            conn,
            &row.family_id,
            user_id,
            org_id,
            successor,
            successor_expires_at,
        )?;
        Ok(Rotation::Rotated { user_id, org_id })
    })
}

/// Revokes the family of a token held by `user` (logout). Answers whether a family was found.
pub fn revoke_family_of(
    conn: &mut DbConn,
    user: UserId,
    token_hash: &str,
) -> Result<bool, StoreError> {
    let now = crate::now();
    crate::atomically(conn, |conn| match find_by_hash(conn, token_hash)? {
        Some(row) if row.user_id == user.to_string() => {
            revoke_family(conn, &row.family_id, now)?;
            Ok(true)
        }
        _ => Ok(false),
    })
}

/// Revokes every family of a user (e.g. after a password change).
pub fn revoke_all_of_user(
    conn: &mut DbConn,
    org: OrgId,
    user: UserId,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user.to_string()))
            .filter(refresh_tokens::org_id.eq(org.to_string()))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(crate::now()))
    .execute(conn)?)
}

/// Deletes tokens that expired before `before` (housekeeping).
pub fn delete_expired(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(before)))
            .execute(conn)?,
    )
}
