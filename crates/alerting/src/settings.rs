//! `[alerts]`: the scheduler, webhook deliveries and the mail server (`[alerts.mail]`, also set
//! by the seed services' `MAIL_*` variables).

use serde::{Deserialize, Serialize};
use tessera_domain::Secret;

/// `[alerts]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertSettings {
    /// Run the scheduler in this process (every process may: each run is claimed once).
    pub scheduler: bool,
    /// Allow webhook URLs on loopback, private, link-local or unique-local addresses.
    pub allow_private_webhooks: bool,
    /// Seconds one webhook attempt may take.
    pub webhook_timeout_secs: u64,
    /// Attempts after the first on a 5xx answer or a network error (never on 4xx).
    pub webhook_retries: u32,
    /// Milliseconds before the first retry; each next waits twice as long.
    pub webhook_backoff_ms: u64,
    /// Seconds a process holds a claimed run; a run unfinished after that (its process died) is
    /// taken over by another process.
    pub run_lease_secs: u64,
    /// Most rules one organisation may have.
    pub max_rules_per_org: i64,
    /// Base URL of the app that links in notifications point to (e.g. https://tessera.example).
    pub public_url: String,
    /// The SMTP server.
    pub mail: MailSettings,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            scheduler: true,
            allow_private_webhooks: false,
            webhook_timeout_secs: 10,
            webhook_retries: 3,
            webhook_backoff_ms: 1000,
            run_lease_secs: 300,
            max_rules_per_org: 500,
            public_url: "http://localhost:8080".into(),
            mail: MailSettings::default(),
        }
    }
}

/// `[alerts.mail]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    /// SMTP host; empty: no mail server (rules with email channels are refused).
    pub server: String,
    /// SMTP port.
    pub port: u16,
    /// STARTTLS (required) when true; plain SMTP otherwise.
    pub use_tls: bool,
    /// Login user; empty: no authentication.
    pub username: String,
    /// Login password.
    #[serde(skip_serializing)]
    pub password: Option<Secret>,
    /// The From address.
    pub default_sender: String,
    /// Seconds an SMTP conversation may take.
    pub timeout_secs: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            server: String::new(),
            port: 587,
            use_tls: true,
            username: String::new(),
            password: None,
            default_sender: "tessera@localhost".into(),
            timeout_secs: 20,
        }
    }
}

impl MailSettings {
    /// Whether a mail server is configured.
    pub fn configured(&self) -> bool {
        !self.server.trim().is_empty()
    }

    /// The password, if any.
    pub fn password(&self) -> Option<&str> {
        self.password
            .as_ref()
            .map(Secret::expose)
            .filter(|p| !p.is_empty())
    }
}

impl AlertSettings {
    /// Refuses values that cannot work.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=120).contains(&self.webhook_timeout_secs) {
            return Err("alerts.webhook_timeout_secs must be between 1 and 120".into());
        }
        if self.webhook_retries > 10 {
            return Err("alerts.webhook_retries must be at most 10".into());
        }
        if self.webhook_backoff_ms > 60_000 {
            return Err("alerts.webhook_backoff_ms must be at most 60000".into());
        }
        if !(1..=86_400).contains(&self.run_lease_secs) {
            return Err("alerts.run_lease_secs must be between 1 and 86400".into());
        }
        if !(1..=100_000).contains(&self.max_rules_per_org) {
            return Err("alerts.max_rules_per_org must be between 1 and 100000".into());
        }
        if self.mail.configured() && self.mail.default_sender.parse::<lettre::Address>().is_err() {
            return Err(
                "alerts.mail.default_sender (MAIL_DEFAULT_SENDER) must be an email address".into(),
            );
        }
        Ok(())
    }
}
