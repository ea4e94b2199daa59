//! First start: the demo organisation and its admin, with a password that is never a fixed default.

use base64::Engine;
use rand::RngCore;
use tessera_domain::{Email, FullName, OrgName, Role};
use tessera_store::{organizations, users, DbConn, StoreError};

use crate::settings::BootstrapSettings;

/// What the first start created.
#[derive(Debug)]
pub struct CreatedAdmin {
    /// The admin's email.
    pub email: String,
    /// The password, when it was generated (to print once); `None` when it came from the environment.
    pub generated_password: Option<String>,
}

/// Why bootstrap failed.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// A configured value is invalid.
    #[error("bootstrap: {0}")]
    Invalid(String),
    /// The database refused.
    #[error("bootstrap: {0}")]
    Store(#[from] StoreError),
    /// Hashing failed.
    #[error("bootstrap: bcrypt: {0}")]
    Hash(#[from] bcrypt::BcryptError),
}

/// Creates the demo organisation and admin when the database has no organisation yet.
pub fn ensure_demo_admin(
    conn: &mut DbConn,
    settings: &BootstrapSettings,
    admin_password: Option<&str>,
    bcrypt_cost: u32,
) -> Result<Option<CreatedAdmin>, BootstrapError> {
    if !settings.demo || organizations::count(conn)? > 0 {
        return Ok(None);
    }
    let email =
        Email::parse(&settings.admin_email).map_err(|e| BootstrapError::Invalid(e.to_string()))?;
    let org_name = OrgName::parse(&settings.organization_name)
        .map_err(|e| BootstrapError::Invalid(e.to_string()))?;
    let full_name =
        FullName::parse("Administrator").map_err(|e| BootstrapError::Invalid(e.to_string()))?;
    let (password, generated) = match admin_password {
        Some(p) => (p.to_owned(), false),
        None => (random_password(), true),
    };
    let hash = bcrypt::hash(&password, bcrypt_cost)?;
    tessera_store::transaction(conn, |conn| {
        let org = organizations::insert(conn, &org_name)?;
        users::insert(
            conn,
            &users::NewUser {
                org_id: org.id,
                email: &email,
                full_name: &full_name,
                password_hash: &hash,
                role: Role::Admin,
            },
        )?;
        Ok(())
    })?;
    Ok(Some(CreatedAdmin {
        email: email.as_str().to_owned(),
        generated_password: generated.then_some(password),
    }))
}

/// 18 random bytes as URL-safe base64: 24 characters, 144 bits.
fn random_password() -> String {
    let mut bytes = [0u8; 18];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_differ_and_are_long() {
        let (a, b) = (random_password(), random_password());
        assert_ne!(a, b);
        assert_eq!(a.len(), 24);
    }
}
