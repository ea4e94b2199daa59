//! The parts of the configuration the HTTP layer reads (loaded and validated by the server).

use serde::{Deserialize, Serialize};

/// Token and password settings (`[auth]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// HMAC key signing access tokens; production refuses a missing or default one.
    #[serde(skip_serializing)]
    pub secret_key: tessera_domain::Secret,
    /// Access token lifetime.
    pub access_token_expire_minutes: u64,
    /// Refresh token lifetime.
    pub refresh_token_expire_days: u64,
    /// bcrypt work factor (4..=31; 12 in production, 4 in tests).
    pub bcrypt_cost: u32,
    /// The `iss` claim of access tokens.
    pub issuer: String,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            secret_key: tessera_domain::Secret::default(),

            access_token_expire_minutes: 30,
            refresh_token_expire_days: 14,
            bcrypt_cost: 12,
            issuer: "tessera".into(),
        }
    }
}

/// HTTP behaviour (`[http]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Origins allowed by CORS; `*` allows any.
    pub cors_origins: Vec<String>,
    /// Largest JSON body accepted, in bytes.
    pub json_limit_bytes: usize,
    /// Largest form body accepted, in bytes.
    pub form_limit_bytes: usize,
    /// Send `Strict-Transport-Security` (only behind TLS).
    pub hsts: bool,
    /// Rate limits.
    pub rate_limit: RateLimitSettings,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            cors_origins: vec![
                "http://localhost:3000".into(),
                "http://127.0.0.1:3000".into(),
            ],
            json_limit_bytes: 1024 * 1024,
            form_limit_bytes: 64 * 1024,
            hsts: false,
            rate_limit: RateLimitSettings::default(),
        }
    }
}

/// Per-client-address token buckets (`[http.rate_limit]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Limit every route.
    pub enabled: bool,
    /// Sustained requests per second per address, all routes.
    pub per_second: u64,
    /// Requests an address may send at once, all routes.
    pub burst: u32,
    /// Sustained requests per minute per address on `/auth/*` (login, register, refresh).
    pub auth_per_minute: u64,
    /// Requests an address may send at once on `/auth/*`.
    pub auth_burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            per_second: 200,
            burst: 400,
            auth_per_minute: 30,
            auth_burst: 50,
        }
    }
}
