//! Credentials: bcrypt password hashes, JWT access tokens and opaque refresh tokens.

use base64::Engine;
use chrono::{NaiveDateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tessera_domain::{OrgId, Role, UserId};

use crate::error::ApiError;
use crate::settings::AuthSettings;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The user's organisation.
    pub org: String,
    /// The user's role when the token was issued.
    pub role: String,
    /// Issuer.
    pub iss: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Token id.
    pub jti: String,
}

/// Who a compatibility front's requests act as: its organisation, and the role of a request
/// without a token (see `fronts`).
#[derive(Debug, Clone)]
pub struct FrontAccess {
    /// The front's name in metrics and logs (`kind@bind`).
    pub name: String,
    /// The organisation whose data it serves.
    pub org_id: OrgId,
    /// The role of a request without a bearer token; `None`: a token is required.
    pub anonymous_role: Option<Role>,
}

/// The caller, as proven by a valid access token.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who.
    pub user_id: UserId,
    /// Their organisation: every query for tenant data is scoped by it.
    pub org_id: OrgId,
    /// Their role.
    pub role: Role,
    /// When the token was issued (seconds since the epoch).
    pub issued_at: i64,
    /// When the token expires (seconds since the epoch).
    pub expires_at: i64,
}

impl Caller {
    /// The organisation, member and role the work below the HTTP layer runs for.
    pub fn viewer(&self) -> tessera_domain::Viewer {
        tessera_domain::Viewer {
            org: self.org_id,
            user: self.user_id,
            role: self.role,
        }
    }

    /// Refuses with 403 unless the caller may manage users.
    pub fn require_user_admin(&self) -> Result<(), ApiError> {
        if self.role.can_manage_users() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role cannot manage users; an admin can",
                self.role
            )))
        }
    }

    /// Refuses with 403 unless the caller is an admin (`what`: "the staff directory", ...).
    pub fn require_admin(&self, what: &str) -> Result<(), ApiError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role cannot change {what}; an admin can",
                self.role
            )))
        }
    }

    /// Refuses with 403 unless the caller may change shared content (`what`: "data sources", ...).
    pub fn require_editor(&self, what: &str) -> Result<(), ApiError> {
        if self.role.can_edit() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role cannot change {what}; an editor or admin can",
                self.role
            )))
        }
    }
}

/// Issues and verifies tokens and password hashes with one configuration.
#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    access_ttl_secs: i64,
    refresh_ttl_secs: i64,
    bcrypt_cost: u32,
    dummy_hash: String,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// A freshly issued access + refresh pair.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    /// The JWT.
    pub access_token: String,
    /// The opaque refresh token (only its hash is stored).
    pub refresh_token: String,
    /// Access token lifetime in seconds.
    pub expires_in: i64,
}

impl TokenService {
    /// Builds the service; fails when the bcrypt cost is out of range.
    pub fn new(settings: &AuthSettings) -> Result<Self, String> {
        if !(4..=31).contains(&settings.bcrypt_cost) {
            return Err(format!(
                "auth.bcrypt_cost must be between 4 and 31, not {}",
                settings.bcrypt_cost
            ));
        }
        if settings.secret_key.expose().len() < 16 {
            return Err("auth.secret_key must be at least 16 characters".into());
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        let dummy_hash =
            bcrypt::hash("timing-equaliser", settings.bcrypt_cost).map_err(|e| e.to_string())?;
        Ok(Self {
            encoding: EncodingKey::from_secret(settings.secret_key.expose().as_bytes()),
            decoding: DecodingKey::from_secret(settings.secret_key.expose().as_bytes()),
            validation,
            issuer: settings.issuer.clone(),
            access_ttl_secs: (settings.access_token_expire_minutes.max(1) * 60) as i64,
            refresh_ttl_secs: (settings.refresh_token_expire_days.max(1) * 86_400) as i64,
            bcrypt_cost: settings.bcrypt_cost,
            dummy_hash,
        })
    }

    /// Hashes a password with the configured cost (CPU-heavy: call off the async runtime).
    pub fn hash_password(&self, password: &str) -> Result<String, ApiError> {
        bcrypt::hash(password, self.bcrypt_cost)
            .map_err(|e| ApiError::Internal(format!("bcrypt: {e}")))
    }

    /// Checks a password; with no hash (unknown user) it still spends the same time.
    pub fn verify_password(&self, password: &str, hash: Option<&str>) -> bool {
        match hash {
            Some(h) => bcrypt::verify(password, h).unwrap_or(false),
            None => {
                let _ = bcrypt::verify(password, &self.dummy_hash);
                false
            }
        }
    }

    /// Issues an access token for a user.
    pub fn issue_access(&self, user: UserId, org: OrgId, role: Role) -> Result<String, ApiError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.to_string(),
            org: org.to_string(),
            role: role.as_str().to_owned(),
            iss: self.issuer.clone(),
            iat: now,
            exp: now + self.access_ttl_secs,
            jti: uuid::Uuid::new_v4().simple().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("jwt encode: {e}")))
    }

    /// Issues an access token and a new random refresh token.
    pub fn issue_pair(
        &self,
        user: UserId,
        org: OrgId,
        role: Role,
    ) -> Result<IssuedTokens, ApiError> {
        Ok(IssuedTokens {
            access_token: self.issue_access(user, org, role)?,
            refresh_token: new_secret_token(),
            expires_in: self.access_ttl_secs,
        })
    }

    /// Access token lifetime in seconds.
    pub fn access_ttl_secs(&self) -> i64 {
        self.access_ttl_secs
    }

    /// When a refresh token issued now expires.
    pub fn refresh_expiry(&self) -> NaiveDateTime {
        tessera_store::now() + chrono::Duration::seconds(self.refresh_ttl_secs)
    }

    /// Verifies an access token and answers who it belongs to.
    pub fn verify_access(&self, token: &str) -> Result<Caller, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => {
                        ApiError::Unauthorized("the access token has expired; refresh it".into())
                    }
                    _ => ApiError::Unauthorized("the access token is invalid".into()),
                }
            })?;
        let c = data.claims;
        let bad = || ApiError::Unauthorized("the access token is invalid".into());
        Ok(Caller {
            user_id: c.sub.parse().map_err(|_| bad())?,
            org_id: c.org.parse().map_err(|_| bad())?,
            role: c.role.parse().map_err(|_| bad())?,
            issued_at: c.iat,
            expires_at: c.exp,
        })
    }
}

/// A new secret token (refresh tokens, share links): 256 random bits, URL-safe base64.
pub fn new_secret_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret token: SHA-256, hex.
pub fn hash_secret_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> TokenService {
        TokenService::new(&AuthSettings {
            secret_key: "test-secret-0123456789".into(),
            bcrypt_cost: 4,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn access_tokens_round_trip() {
        let s = service();
        let (u, o) = (UserId::new(), OrgId::new());
        let t = s.issue_access(u, o, Role::Editor).unwrap();
        let c = s.verify_access(&t).unwrap();
        assert_eq!((c.user_id, c.org_id, c.role), (u, o, Role::Editor));
    }

    #[test]
    fn forged_and_foreign_tokens_are_refused() {
        let s = service();
        let t = s
            .issue_access(UserId::new(), OrgId::new(), Role::Admin)
            .unwrap();
        let mut forged = t.clone();
        forged.replace_range(forged.len() - 4.., "AAAA");
        assert!(s.verify_access(&forged).is_err());
        let other = TokenService::new(&AuthSettings {
            secret_key: "another-secret-987654321".into(),
            bcrypt_cost: 4,
            ..Default::default()
        })
        .unwrap();
        assert!(other.verify_access(&t).is_err());
        assert!(s.verify_access("not.a.jwt").is_err());
    }

    #[test]
    fn passwords_verify_only_with_their_hash() {
        let s = service();
        let h = s.hash_password("correct horse").unwrap();
        assert!(s.verify_password("correct horse", Some(&h)));
        assert!(!s.verify_password("wrong horse", Some(&h)));
        assert!(!s.verify_password("correct horse", None));
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, b) = (new_secret_token(), new_secret_token());
        assert_ne!(a, b);
        assert!(a.len() >= 43);
        assert_eq!(hash_secret_token(&a).len(), 64);
        assert_eq!(hash_secret_token(&a), hash_secret_token(&a));
    }
}
