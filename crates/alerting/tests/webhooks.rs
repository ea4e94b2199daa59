//! Webhook deliveries against a local HTTP receiver: the signature verifies, a 500 is retried
//! with growing waits up to the limit, a 400 is not retried, a slow receiver times out, and a
//! private address is refused before anything is sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tessera_alerting::deliver::{post_webhook, WebhookPolicy};
use tessera_alerting::webhook::verify;
use tessera_testkit::net::{HttpReceiver, Reply};

fn policy(retries: u32, allow_private: bool) -> WebhookPolicy {
    WebhookPolicy {
        timeout: Duration::from_millis(800),
        retries,
        backoff: Duration::from_millis(100),
        allow_private,
    }
}

#[tokio::test]
async fn a_signed_delivery_verifies_and_a_tampered_one_does_not() {
    let r = HttpReceiver::start(Reply::Status(204));
    let body = br#"{"event":"alert.firing","value":1234.5}"#;
    let got = post_webhook(
        &format!("{}/hook", r.url),
        &policy(2, true),
        Some("s3cret"),
        body,
        "application/json",
    )
    .await;
    assert!(got.delivered, "{got:?}");
    assert_eq!((got.attempts, got.http_status), (1, Some(204)));
    let req = &r.requests()[0];
    assert_eq!(req.path, "/hook");
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.body, body);
    let sig = req.header("x-tessera-signature").unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!(verify("s3cret", sig, &req.body, now, 300));
    assert!(!verify("other", sig, &req.body, now, 300));
    assert!(!verify("s3cret", sig, b"{\"value\":0}", now, 300));
    assert!(
        !verify("s3cret", sig, &req.body, now + 3600, 300),
        "a replay an hour later is refused"
    );
    // without a secret, nothing is signed
    post_webhook(&r.url, &policy(0, true), None, body, "application/json").await;
    assert!(r.requests()[1].header("x-tessera-signature").is_none());
}

#[tokio::test]
async fn a_500_is_retried_with_backoff_up_to_the_limit() {
    let r = HttpReceiver::start(Reply::Status(500));
    let got = post_webhook(&r.url, &policy(3, true), None, b"{}", "application/json").await;
    assert!(!got.delivered);
    assert_eq!((got.attempts, got.http_status), (4, Some(500)));
    assert!(got.error.unwrap().contains("500"));
    let at: Vec<_> = r.requests().iter().map(|q| q.at).collect();
    assert_eq!(at.len(), 4, "the first attempt and three retries");
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    // 100 ms, 200 ms, 400 ms: each wait at least its backoff, and growing
    for (gap, least) in gaps.iter().zip([100, 200, 400]) {
        assert!(*gap >= Duration::from_millis(least), "{gaps:?}");
    }
    assert!(gaps[2] > gaps[0], "{gaps:?}");
    // a receiver that recovers is delivered to on a retry
    let r = HttpReceiver::start(Reply::Status(200));
    r.script(&[Reply::Status(503), Reply::Status(502)]);
    let got = post_webhook(&r.url, &policy(3, true), None, b"{}", "application/json").await;
    assert!(got.delivered);
    assert_eq!(got.attempts, 3);
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let r = HttpReceiver::start(Reply::Status(400));
    let got = post_webhook(&r.url, &policy(3, true), None, b"{}", "application/json").await;
    assert!(!got.delivered);
    assert_eq!((got.attempts, got.http_status), (1, Some(400)));
    assert_eq!(r.requests().len(), 1);
}

#[tokio::test]
async fn a_slow_receiver_times_out() {
    let r = HttpReceiver::start(Reply::Slow(Duration::from_secs(5), 200));
    let started = std::time::Instant::now();
    let got = post_webhook(&r.url, &policy(1, true), None, b"{}", "application/json").await;
    assert!(!got.delivered);
    assert_eq!(got.attempts, 2, "a timeout is a network error: retried");
    assert!(got.error.unwrap().contains("no answer within"));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn private_addresses_are_refused_at_delivery() {
    let r = HttpReceiver::start(Reply::Status(200));
    let got = post_webhook(&r.url, &policy(3, false), None, b"{}", "application/json").await;
    assert!(!got.delivered);
    assert_eq!(got.attempts, 1, "a refusal is not retried");
    assert!(got.error.unwrap().contains("private"));
    // a name that resolves to loopback is refused the same way
    let port = r.url.rsplit(':').next().unwrap();
    let got = post_webhook(
        &format!("http://localhost:{port}/"),
        &policy(0, false),
        None,
        b"{}",
        "application/json",
    )
    .await;
    assert!(!got.delivered);
    assert!(got.error.unwrap().contains("loopback"));
    assert!(r.requests().is_empty(), "nothing reached the receiver");
}
