//! Sending notifications: a webhook POST (signed, with a timeout, bounded retries with
//! exponential backoff on 5xx answers and network errors, never on 4xx, no redirects, and every
//! address the host resolves to checked again so a name cannot point into the operator's
//! network), and email over SMTP through lettre (a plain-text and an HTML part).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;
use url::Url;

use crate::settings::{AlertSettings, MailSettings};
use crate::webhook::{is_public, sign, SIGNATURE_HEADER};

/// How a delivery went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempted {
    /// Whether it was delivered.
    pub delivered: bool,
    /// Attempts made.
    pub attempts: u32,
    /// The last HTTP status, for webhooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds it took, retries and waits included.
    pub duration_ms: u64,
}

/// How webhooks are sent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WebhookPolicy {
    /// One attempt's time limit.
    pub timeout: Duration,
    /// Attempts after the first.
    pub retries: u32,
    /// The wait before the first retry; doubled for each next.
    pub backoff: Duration,
    /// Whether private addresses may be called.
    pub allow_private: bool,
}

impl WebhookPolicy {
    /// From `[alerts]`.
    pub fn from_settings(s: &AlertSettings) -> Self {
        Self {
            timeout: Duration::from_secs(s.webhook_timeout_secs),
            retries: s.webhook_retries,
            backoff: Duration::from_millis(s.webhook_backoff_ms),
            allow_private: s.allow_private_webhooks,
        }
    }
}

/// One attempt's result: `Ok(status)` or a network error (`Err`), or a refusal (no retry).
enum Try {
    Status(u16),
    Network(String),
    Refused(String),
}

/// Resolves the URL's host; refuses when any address is not public (unless allowed).
async fn resolve(url: &Url, allow_private: bool) -> Result<Vec<SocketAddr>, Try> {
    let host = url
        .host_str()
        .ok_or_else(|| Try::Refused("the URL names no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| Try::Network(format!("cannot resolve {host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(Try::Network(format!("{host} resolves to no address")));
    }
    if !allow_private {
        if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(Try::Refused(format!(
                "{host} resolves to {}, a loopback, private or link-local address; set alerts.allow_private_webhooks to allow it",
                bad.ip()
            )));
        }
    }
    Ok(addrs)
}

async fn attempt(
    url: &Url,
    policy: &WebhookPolicy,
    secret: Option<&str>,
    body: &[u8],
    content_type: &str,
) -> Try {
    let addrs = match resolve(url, policy.allow_private).await {
        Ok(a) => a,
        Err(t) => return t,
    };
    let host = url.host_str().unwrap_or_default().to_owned();
    // connect to the addresses just checked, never to a second answer of the resolver
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout)
        .resolve_to_addrs(&host, &addrs)
        .user_agent(concat!("Tessera-Alerts/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => return Try::Network(format!("cannot build the HTTP client: {e}")),
    };
    let mut req = client
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body.to_vec());
    if let Some(secret) = secret {
        let t = chrono::Utc::now().timestamp();
        req = req.header(SIGNATURE_HEADER, sign(secret, t, body));
    }
    match req.send().await {
        Ok(resp) => Try::Status(resp.status().as_u16()),
        Err(e) if e.is_timeout() => Try::Network(format!(
            "no answer within {} s",
            policy.timeout.as_secs_f64()
        )),
        Err(e) => Try::Network(format!("network error: {e}")),
    }
}

/// POSTs `body` to `url` under `policy`, signed with `secret` when given.
pub async fn post_webhook(
    url: &str,
    policy: &WebhookPolicy,
    secret: Option<&str>,
    body: &[u8],
    content_type: &str,
) -> Attempted {
    let started = Instant::now();
    let done = |delivered, attempts, http_status, error| Attempted {
        delivered,
        attempts,
        http_status,
        error,
        duration_ms: started.elapsed().as_millis() as u64,
    };
    let url = match Url::parse(url) {
        Ok(u) => u,
        Err(e) => return done(false, 0, None, Some(format!("invalid URL: {e}"))),
    };
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (retry, status, error) = match attempt(&url, policy, secret, body, content_type).await {
            Try::Status(s) if (200..300).contains(&s) => {
                return done(true, attempts, Some(s), None)
            }
            Try::Status(s) if s >= 500 => (true, Some(s), format!("the receiver answered {s}")),
            Try::Status(s) => (false, Some(s), format!("the receiver answered {s}")),
            Try::Network(e) => (true, None, e),
            Try::Refused(e) => (false, None, e),
        };
        if !retry || attempts > policy.retries {
            return done(false, attempts, status, Some(error));
        }
        let wait = policy
            .backoff
            .saturating_mul(2u32.saturating_pow(attempts - 1));
        tokio::time::sleep(wait).await;
    }
}

/// An email to send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Email {
    /// Recipients.
    pub to: Vec<String>,
    /// Subject.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Sends email through the configured SMTP server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `settings`, or `None` when no server is configured.
    pub fn new(settings: &MailSettings) -> Result<Option<Self>, String> {
        if !settings.configured() {
            return Ok(None);
        }
        let server = settings.server.trim();
        let builder = if settings.use_tls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(server)
                .map_err(|e| format!("alerts.mail.server: {e}"))?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server)
        };
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(Duration::from_secs(settings.timeout_secs.max(1))));
        if !settings.username.trim().is_empty() {
            builder = builder.credentials(Credentials::new(
                settings.username.trim().to_owned(),
                settings.password().unwrap_or_default().to_owned(),
            ));
        }
        let from = settings
            .default_sender
            .parse::<Mailbox>()
            .map_err(|e| format!("alerts.mail.default_sender: {e}"))?;
        Ok(Some(Self {
            transport: builder.build(),
            from,
        }))
    }

    /// Sends `email`.
    pub async fn send(&self, email: &Email) -> Attempted {
        let started = Instant::now();
        let done = |error: Option<String>| Attempted {
            delivered: error.is_none(),
            attempts: 1,
            http_status: None,
            error,
            duration_ms: started.elapsed().as_millis() as u64,
        };
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(email.subject.clone());
        for to in &email.to {
            match to.parse::<Mailbox>() {
                Ok(m) => builder = builder.to(m),
                Err(e) => return done(Some(format!("recipient {to}: {e}"))),
            }
        }
        let message = builder.multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(email.text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(email.html.clone()),
                ),
        );
        let message = match message {
            Ok(m) => m,
            Err(e) => return done(Some(format!("cannot build the message: {e}"))),
        };
        match self.transport.send(message).await {
            Ok(_) => done(None),
            Err(e) => done(Some(format!("SMTP: {e}"))),
        }
    }
}
