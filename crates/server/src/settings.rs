//! Configuration: one typed struct, loaded once and validated at start.
//!
//! Layers, later wins: `config/default.toml` (compiled in) < the file given with `--config` <
//! `TESSERA_*` environment variables (`__` separates levels) < the seed services' variables
//! (`DATABASE_URL`, `SECRET_KEY`, ...). This is the only module that reads the environment.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tessera_api::{
    AuthSettings, ChartSettings, DatasetSettings, HttpSettings, ReportSettings, SourcesSettings,
};

/// The compiled-in defaults, documented line by line.
pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");
/// The placeholder secret earlier versions shipped in `config/default.toml`: published, so it
/// is refused in production and on any bind address but loopback.
pub const PLACEHOLDER_SECRET: &str = "dev-insecure-secret-change-me";

/// Everything Tessera can be configured with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// `development` or `production`.
    pub profile: Profile,
    /// Listening.
    pub server: ServerSettings,
    /// The app database.
    pub database: DatabaseSettings,
    /// Tokens and passwords.
    pub auth: AuthSettings,
    /// HTTP behaviour.
    pub http: HttpSettings,
    /// Users' databases.
    pub sources: SourcesSettings,
    /// Chart answers.
    pub charts: ChartSettings,
    /// Uploaded datasets.
    #[serde(default)]
    pub datasets: DatasetSettings,
    /// EDA reports and their jobs.
    #[serde(default)]
    pub reports: ReportSettings,
    /// The commerce area and its fraud rules.
    #[serde(default)]
    pub commerce: tessera_api::CommerceSettings,
    /// The retail area.
    #[serde(default)]
    pub retail: tessera_api::RetailSettings,
    /// Alert rules' scheduler, webhooks and mail server.
    #[serde(default)]
    pub alerts: tessera_alerting::AlertSettings,
    /// The language model behind generated dashboards.
    #[serde(default)]
    pub ai: tessera_api::AiSettings,
    /// Columnar extracts of sources' tables.
    #[serde(default)]
    pub extracts: tessera_api::ExtractSettings,
    /// Compatibility fronts: one more listener each (`[[fronts]]`).
    #[serde(default)]
    pub fronts: Vec<FrontSettings>,
    /// Logging.
    pub log: LogSettings,
    /// First-start demo organisation and admin.
    pub bootstrap: BootstrapSettings,
    /// The admin password given by `TESSERA_ADMIN_PASSWORD` (never from a file).
    #[serde(skip)]
    pub admin_password: Option<tessera_domain::Secret>,
}

/// Deployment profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Local use: placeholder secret allowed (with a warning).
    Development,
    /// Refuses a missing or placeholder secret.
    Production,
}

/// `[server]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerSettings {
    /// `HOST:PORT`.
    pub bind: String,
    /// Worker threads (0: one per core).
    pub workers: usize,
}

/// `[database]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatabaseSettings {
    /// `sqlite://`, `postgres://` or `mysql://` URL.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
    /// Seconds to wait for a pooled connection.
    pub connect_timeout_secs: u64,
    /// SQLite lock wait in milliseconds.
    pub sqlite_busy_timeout_ms: u64,
    /// Apply migrations on `serve`.
    pub migrate_on_start: bool,
}

/// `[log]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogSettings {
    /// A tracing filter.
    pub level: String,
    /// `text` or `json`.
    pub format: LogFormat,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human readable.
    Text,
    /// One JSON object per line.
    Json,
}

/// `[bootstrap]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BootstrapSettings {
    /// Create the demo organisation and admin on first start.
    pub demo: bool,
    /// The admin's email.
    pub admin_email: String,
    /// The demo organisation's name.
    pub organization_name: String,
    /// Transactions in the generated demo source (activities are 3x, orders 0.5x).
    #[serde(default = "default_demo_rows")]
    pub demo_rows: u64,
    /// Customers of the demo shop (commerce area) generated on first start; 0: none.
    #[serde(default = "default_demo_customers")]
    pub demo_customers: usize,
    /// Stores of the demo retail chain (retail area) generated on first start, besides its
    /// warehouse; 0: none.
    #[serde(default = "default_demo_stores")]
    pub demo_stores: usize,
    /// Registered as the data source `analytics` at start-up (env: ANALYTICS_DATABASE_URL).
    #[serde(default)]
    pub analytics_database_url: Option<String>,
    /// Registered as the data source `warehouse` at start-up (env: WAREHOUSE_DATABASE_URL).
    #[serde(default)]
    pub warehouse_database_url: Option<String>,
}

fn default_demo_customers() -> usize {
    2000
}

fn default_demo_stores() -> usize {
    50
}

/// One compatibility front (`[[fronts]]`): another listener serving a replaced service's paths
/// for one organisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FrontSettings {
    /// `techmart` or `chart-api`.
    pub kind: tessera_api::fronts::FrontKind,
    /// HOST:PORT to listen on.
    pub bind: String,
    /// The name of the organisation whose data it serves.
    pub organization: String,
    /// A built web app served at `/` (its `index.html` for client-side routes).
    #[serde(default)]
    pub static_dir: Option<std::path::PathBuf>,
    /// The role of a request without a bearer token (`viewer`, ...); absent: a token of the
    /// organisation is required.
    #[serde(default)]
    pub anonymous_role: Option<String>,
    /// In production, an anonymous front on an address other than loopback starts only with
    /// this set.
    #[serde(default)]
    pub anonymous_public: bool,
}

impl FrontSettings {
    /// The front's name in metrics and logs.
    pub fn name(&self) -> String {
        format!("{}@{}", self.kind.as_str(), self.bind)
    }

    /// The anonymous role, parsed.
    pub fn role(&self) -> Result<Option<tessera_domain::Role>, SettingsError> {
        self.anonymous_role
            .as_deref()
            .map(|r| {
                r.parse().map_err(|_| {
                    SettingsError::Invalid(format!(
                        "fronts: anonymous_role '{r}' of {} is not a role",
                        self.name()
                    ))
                })
            })
            .transpose()
    }

    fn check(&self, profile: Profile) -> Result<(), SettingsError> {
        let anonymous = self.role()?.is_some();
        if profile == Profile::Production
            && anonymous
            && !is_loopback(&self.bind)
            && !self.anonymous_public
        {
            return Err(SettingsError::Invalid(format!(
                "fronts: {} lets anyone in as {} on a public address; set anonymous_public = true if that is meant",
                self.name(),
                self.anonymous_role.as_deref().unwrap_or_default()
            )));
        }
        if let Some(dir) = &self.static_dir {
            if !dir.is_dir() {
                return Err(SettingsError::Invalid(format!(
                    "fronts: static_dir {} of {} is not a directory",
                    dir.display(),
                    self.name()
                )));
            }
        }
        Ok(())
    }
}

/// Whether `bind` (`HOST:PORT`) only accepts connections from this machine.
pub fn is_loopback(bind: &str) -> bool {
    let host = bind
        .rsplit_once(':')
        .map_or(bind, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A layer could not be read or parsed.
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    /// The values are inconsistent or unsafe.
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads from the defaults, an optional file and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        Self::load_from(file, std::env::vars().collect())
    }

    /// Loads from the defaults, an optional file and the given environment (tests pass their own).
    pub fn load_from(
        file: Option<&Path>,
        env: HashMap<String, String>,
    ) -> Result<Self, SettingsError> {
        let mut builder = config::Config::builder().add_source(config::File::from_str(
            DEFAULT_TOML,
            config::FileFormat::Toml,
        ));
        if let Some(file) = file {
            if !file.exists() {
                return Err(SettingsError::Invalid(format!(
                    "config file {} does not exist",
                    file.display()
                )));
            }
            builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
        }
        let tessera_env: HashMap<String, String> = env
            .iter()
            .filter(|(k, _)| k.starts_with("TESSERA_") && k.as_str() != "TESSERA_ADMIN_PASSWORD")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("TESSERA")
                .prefix_separator("_")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("http.cors_origins")
                .try_parsing(true)
                .source(Some(tessera_env)),
        );
        for (key, value) in seed_overrides(&env) {
            builder = builder.set_override(key, value)?;
        }
        let mut settings: Settings = builder.build()?.try_deserialize()?;
        settings.admin_password = env
            .get("TESSERA_ADMIN_PASSWORD")
            .filter(|p| !p.is_empty())
            .map(|p| tessera_domain::Secret::new(p.as_str()));
        settings.validate()?;
        Ok(settings)
    }

    /// Refuses unsafe or inconsistent values.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let secret = self.auth.secret_key.expose().trim();
        if self.profile == Profile::Production
            && (secret.is_empty() || self.uses_placeholder_secret())
        {
            return Err(SettingsError::Invalid(
                "the production profile needs a real secret key: set SECRET_KEY or TESSERA_AUTH__SECRET_KEY".into(),
            ));
        }
        if self.profile == Profile::Production && secret.len() < 32 {
            return Err(SettingsError::Invalid(
                "in production the secret key must be at least 32 characters".into(),
            ));
        }
        // empty: generated on start (see `secrets::resolve`)
        if !secret.is_empty() && secret.len() < 16 {
            return Err(SettingsError::Invalid(
                "auth.secret_key must be at least 16 characters".into(),
            ));
        }
        if !(4..=31).contains(&self.auth.bcrypt_cost) {
            return Err(SettingsError::Invalid(
                "auth.bcrypt_cost must be between 4 and 31".into(),
            ));
        }
        tessera_store::Backend::from_url(&self.database.url)
            .map_err(|e| SettingsError::Invalid(e.to_string()))?;
        if !(1..=10_080).contains(&self.auth.access_token_expire_minutes) {
            return Err(SettingsError::Invalid(
                "auth.access_token_expire_minutes must be between 1 and 10080 (a week)".into(),
            ));
        }
        if !(1..=365).contains(&self.auth.refresh_token_expire_days) {
            return Err(SettingsError::Invalid(
                "auth.refresh_token_expire_days must be between 1 and 365".into(),
            ));
        }
        if self.datasets.max_file_size == 0 {
            return Err(SettingsError::Invalid(
                "datasets.max_file_size (MAX_FILE_SIZE) must be positive".into(),
            ));
        }
        if !(1..=10_000).contains(&self.datasets.preview_max_rows) {
            return Err(SettingsError::Invalid(
                "datasets.preview_max_rows must be between 1 and 10000".into(),
            ));
        }
        if self.reports.lease_secs == 0
            || self.reports.max_attempts < 1
            || self.reports.memory_limit_mb == 0
        {
            return Err(SettingsError::Invalid(
                "reports.lease_secs, reports.max_attempts and reports.memory_limit_mb must be positive".into(),
            ));
        }
        for front in &self.fronts {
            front.check(self.profile)?;
        }
        self.commerce
            .fraud
            .check()
            .map_err(|e| SettingsError::Invalid(format!("commerce.fraud.{e}")))?;
        if self.commerce.low_stock_threshold < 0
            || !(0.0..=1.0).contains(&self.commerce.high_risk_threshold)
        {
            return Err(SettingsError::Invalid(
                "commerce.low_stock_threshold must be at least 0 and commerce.high_risk_threshold within 0..1".into(),
            ));
        }
        self.retail.check().map_err(SettingsError::Invalid)?;
        self.alerts.check().map_err(SettingsError::Invalid)?;
        self.ai.check().map_err(SettingsError::Invalid)?;
        if let Some(p) = &self.admin_password {
            if p.expose().chars().count() < 8 {
                return Err(SettingsError::Invalid(
                    "TESSERA_ADMIN_PASSWORD must be at least 8 characters".into(),
                ));
            }
        }
        Ok(())
    }

    /// Whether the secret key is a published placeholder or an example value (refused in
    /// production and on non-loopback binds).
    pub fn uses_placeholder_secret(&self) -> bool {
        let secret = self.auth.secret_key.expose().trim().to_ascii_lowercase();
        secret == PLACEHOLDER_SECRET
            || ["change-me", "replace-with", "changeme", "example"]
                .iter()
                .any(|w| secret.contains(w))
    }
}

/// The seed services' variables, as config keys.
fn seed_overrides(env: &HashMap<String, String>) -> Vec<(&'static str, config::Value)> {
    let mut out: Vec<(&'static str, config::Value)> = Vec::new();
    let get = |k: &str| {
        env.get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    if let Some(v) = get("DATABASE_URL") {
        out.push(("database.url", v.into()));
    }
    if let Some(v) = get("SECRET_KEY") {
        out.push(("auth.secret_key", v.into()));
    }
    if let Some(v) = get("ACCESS_TOKEN_EXPIRE_MINUTES") {
        out.push(("auth.access_token_expire_minutes", v.into()));
    }
    if let Some(v) = get("LOG_LEVEL") {
        out.push(("log.level", v.to_lowercase().into()));
    }
    if let Some(v) = get("SQL_DEBUG") {
        out.push((
            "charts.sql_debug",
            matches!(v.to_lowercase().as_str(), "1" | "true" | "yes" | "on").into(),
        ));
    }
    if let Some(v) = get("MAX_FILE_SIZE") {
        out.push(("datasets.max_file_size", v.into()));
    }
    if let Some(v) = get("UPLOAD_DIR") {
        out.push(("datasets.upload_dir", v.into()));
    }
    if let Some(v) = get("REPORTS_DIR") {
        out.push(("reports.dir", v.into()));
    }
    for (var, key) in [
        ("MAIL_SERVER", "alerts.mail.server"),
        ("MAIL_PORT", "alerts.mail.port"),
        ("MAIL_USERNAME", "alerts.mail.username"),
        ("MAIL_PASSWORD", "alerts.mail.password"),
        ("MAIL_DEFAULT_SENDER", "alerts.mail.default_sender"),
        ("ANTHROPIC_API_KEY", "ai.anthropic_api_key"),
        ("OPENAI_API_KEY", "ai.openai_api_key"),
    ] {
        if let Some(v) = get(var) {
            out.push((key, v.into()));
        }
    }
    if let Some(v) = get("MAIL_USE_TLS") {
        out.push((
            "alerts.mail.use_tls",
            matches!(v.to_lowercase().as_str(), "1" | "true" | "yes" | "on").into(),
        ));
    }
    if let Some(v) = get("ANALYTICS_DATABASE_URL") {
        out.push(("bootstrap.analytics_database_url", v.into()));
    }
    if let Some(v) = get("WAREHOUSE_DATABASE_URL") {
        out.push(("bootstrap.warehouse_database_url", v.into()));
    }
    let origins = get("CORS_ORIGINS").map(|v| {
        v.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    });
    let origins = match (origins, get("FRONTEND_URL")) {
        (Some(mut o), Some(f)) => {
            o.push(f);
            Some(o)
        }
        (Some(o), None) => Some(o),
        (None, Some(f)) => Some(vec![f]),
        (None, None) => None,
    };
    if let Some(o) = origins {
        out.push(("http.cors_origins", config::Value::from(o)));
    }
    out
}

fn default_demo_rows() -> u64 {
    40_000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_load_and_are_development() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.profile, Profile::Development);
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert!(s.database.url.starts_with("sqlite://"));
        // no published default: the key is generated on first start
        assert!(s.auth.secret_key.expose().is_empty());
        assert!(!s.uses_placeholder_secret());
        let placeholder =
            Settings::load_from(None, env(&[("SECRET_KEY", PLACEHOLDER_SECRET)])).unwrap();
        assert!(placeholder.uses_placeholder_secret());
    }

    #[test]
    fn seed_variables_are_accepted() {
        let s = Settings::load_from(
            None,
            env(&[
                ("DATABASE_URL", "postgres://u@h/db"),
                ("SECRET_KEY", "a-secret-of-enough-length-123"),
                ("ACCESS_TOKEN_EXPIRE_MINUTES", "5"),
                ("LOG_LEVEL", "DEBUG"),
                ("CORS_ORIGINS", "https://a.example, https://b.example"),
                ("FRONTEND_URL", "https://app.example"),
            ]),
        )
        .unwrap();
        assert_eq!(s.database.url, "postgres://u@h/db");
        assert_eq!(s.auth.access_token_expire_minutes, 5);
        assert_eq!(s.log.level, "debug");
        assert_eq!(
            s.http.cors_origins,
            vec![
                "https://a.example",
                "https://b.example",
                "https://app.example"
            ]
        );
    }

    #[test]
    fn mail_variables_set_the_alert_mail_server() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert!(!s.alerts.mail.configured(), "no mail server by default");
        let s = Settings::load_from(
            None,
            env(&[
                ("MAIL_SERVER", "smtp.example.com"),
                ("MAIL_PORT", "2525"),
                ("MAIL_USE_TLS", "false"),
                ("MAIL_USERNAME", "alerts"),
                ("MAIL_PASSWORD", "hunter22"),
                ("MAIL_DEFAULT_SENDER", "alerts@example.com"),
            ]),
        )
        .unwrap();
        let m = &s.alerts.mail;
        assert_eq!(
            (m.server.as_str(), m.port, m.use_tls),
            ("smtp.example.com", 2525, false)
        );
        assert_eq!(
            (m.username.as_str(), m.password()),
            ("alerts", Some("hunter22"))
        );
        assert_eq!(m.default_sender, "alerts@example.com");
        assert!(
            !format!("{m:?}").contains("hunter22"),
            "the password never reaches a log"
        );
        let bad = Settings::load_from(
            None,
            env(&[
                ("MAIL_SERVER", "smtp.example.com"),
                ("MAIL_DEFAULT_SENDER", "not an address"),
            ]),
        );
        assert!(bad.is_err());
    }

    #[test]
    fn tessera_variables_override_nested_keys() {
        let s = Settings::load_from(
            None,
            env(&[
                ("TESSERA_DATABASE__URL", "mysql://root@h/x"),
                ("TESSERA_HTTP__RATE_LIMIT__ENABLED", "false"),
                ("TESSERA_AUTH__BCRYPT_COST", "4"),
            ]),
        )
        .unwrap();
        assert_eq!(s.database.url, "mysql://root@h/x");
        assert!(!s.http.rate_limit.enabled);
        assert_eq!(s.auth.bcrypt_cost, 4);
    }

    #[test]
    fn production_refuses_the_placeholder_or_missing_secret() {
        assert!(Settings::load_from(None, env(&[("TESSERA_PROFILE", "production")])).is_err());
        assert!(Settings::load_from(
            None,
            env(&[("TESSERA_PROFILE", "production"), ("SECRET_KEY", " ")])
        )
        .is_err());
        let ok = Settings::load_from(
            None,
            env(&[
                ("TESSERA_PROFILE", "production"),
                ("SECRET_KEY", "0123456789abcdef0123456789abcdef"),
            ]),
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn a_config_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(&path, "[server]\nbind = \"0.0.0.0:9999\"\n").unwrap();
        let s = Settings::load_from(Some(&path), env(&[])).unwrap();
        assert_eq!(s.server.bind, "0.0.0.0:9999");
        assert!(Settings::load_from(Some(&dir.path().join("missing.toml")), env(&[])).is_err());
    }

    #[test]
    fn production_refuses_example_secrets_and_lifetimes_are_bounded() {
        let example = "replace-with-at-least-32-random-characters";
        assert!(Settings::load_from(
            None,
            env(&[("TESSERA_PROFILE", "production"), ("SECRET_KEY", example)])
        )
        .is_err());
        assert!(
            Settings::load_from(None, env(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "99999999999")]))
                .is_err()
        );
        assert!(Settings::load_from(
            None,
            env(&[("TESSERA_AUTH__REFRESH_TOKEN_EXPIRE_DAYS", "0")])
        )
        .is_err());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let mut e = env(&[("SECRET_KEY", "very-secret-value-123456")]);
        e.insert("TESSERA_ADMIN_PASSWORD".into(), "admin-secret-999".into());
        let s = Settings::load_from(None, e).unwrap();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("very-secret-value") && !shown.contains("admin-secret"),
            "{shown}"
        );
    }

    #[test]
    fn unknown_database_schemes_are_refused() {
        assert!(Settings::load_from(None, env(&[("DATABASE_URL", "oracle://x")])).is_err());
    }
}
