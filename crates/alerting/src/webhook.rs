//! Webhook channels: which URLs a rule may call, and how a delivery is signed. A URL must be
//! http(s) without credentials in it; an address on the operator's own network (loopback,
//! private, link-local, unique-local, carrier-grade NAT, unspecified, multicast) is refused
//! unless `alerts.allow_private_webhooks` says otherwise, checked on save for literal addresses
//! and again at delivery for every address a name resolves to ([`is_public`]), so a rule cannot
//! reach into the network Tessera runs in. A body is signed as
//! `X-Tessera-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so a receiver
//! can check it and refuse replays older than its tolerance ([`verify`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tessera_domain::DomainError;
use url::{Host, Url};

/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "X-Tessera-Signature";

/// Whether `ip` is on the public internet (not loopback, private, link-local, unique-local,
/// shared address space, unspecified, broadcast, documentation or multicast).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)))
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8)
}

/// Checks a webhook URL as saved: http or https, a host, no user or password in it, and unless
/// `allow_private`, no literal address or `localhost` name of the operator's network.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, DomainError> {
    let bad = |why: &str| DomainError::field("channels.url", why.to_owned());
    let url = Url::parse(raw.trim()).map_err(|_| bad("must be an absolute http(s) URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must be an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not carry a user or password; use the channel's secret",
        ));
    }
    let private = match url.host() {
        None => return Err(bad("must name a host")),
        Some(Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    if private && !allow_private {
        return Err(bad(
            "points at a loopback, private or link-local address; set alerts.allow_private_webhooks to allow it",
        ));
    }
    Ok(url)
}

/// The signature header's value for `body` sent at `unix_seconds` with `secret`.
pub fn sign(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    format!(
        "t={unix_seconds},v1={}",
        hex(&mac(secret, unix_seconds, body))
    )
}

fn keyed(secret: &str, unix_seconds: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    // HMAC takes a key of any length: this never fails
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    m.update(unix_seconds.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    Some(m)
}

fn mac(secret: &str, unix_seconds: i64, body: &[u8]) -> Vec<u8> {
    keyed(secret, unix_seconds, body)
        .map(|m| m.finalize().into_bytes().to_vec())
        .unwrap_or_default()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a receiver does: whether `header` signs `body` with `secret`, sent at most
/// `tolerance_seconds` before `now_unix` (and not in the future beyond it). Compared in
/// constant time.
pub fn verify(
    secret: &str,
    header: &str,
    body: &[u8],
    now_unix: i64,
    tolerance_seconds: i64,
) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = Some(v.to_owned()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    if (now_unix - t).abs() > tolerance_seconds {
        return false;
    }
    match (keyed(secret, t, body), unhex(&v1)) {
        (Some(m), Some(sent)) => m.verify_slice(&sent).is_ok(),
        _ => false,
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() & 1 == 1 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_change_or_a_replay_does_not() {
        let body = br#"{"rule":"Revenue above plan","value":1200}"#;
        let header = sign("s3cret", 1_764_800_000, body);
        assert!(header.starts_with("t=1764800000,v1="));
        assert_eq!(header.len(), "t=1764800000,v1=".len() + 64);
        assert!(verify("s3cret", &header, body, 1_764_800_030, 300));
        assert!(
            !verify("other", &header, body, 1_764_800_030, 300),
            "another secret"
        );
        assert!(
            !verify("s3cret", &header, b"{}", 1_764_800_030, 300),
            "another body"
        );
        assert!(
            !verify("s3cret", &header, body, 1_764_800_301, 300),
            "a replay"
        );
        let forged = header.replace("t=1764800000", "t=1764800200");
        assert!(
            !verify("s3cret", &forged, body, 1_764_800_210, 300),
            "a moved time"
        );
        assert!(!verify("s3cret", "v1=00", body, 1_764_800_000, 300));
        // the known answer of HMAC-SHA256("key", "0.The quick brown fox") (Python's hmac)
        assert_eq!(
            sign("key", 0, b"The quick brown fox"),
            "t=0,v1=10c3ae5bdd0fd5c9ad60a05ea4051bb529622def626c0d64295951b2039454ed"
        );
    }

    #[test]
    fn only_public_http_urls_are_accepted_unless_private_ones_are_allowed() {
        for ok in [
            "https://hooks.example.com/x",
            "http://93.184.216.34:8080/hook",
            "https://[2606:4700::1111]/h",
        ] {
            assert!(check_url(ok, false).is_ok(), "{ok}");
        }
        for private in [
            "http://127.0.0.1:9000/",
            "http://localhost/x",
            "http://api.localhost/x",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.10/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            let e = check_url(private, false).unwrap_err();
            let DomainError::Validation(errors) = e;
            assert_eq!(errors[0].field, "channels.url", "{private}");
            assert!(check_url(private, true).is_ok(), "{private} when allowed");
        }
        for bad in [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "hooks.example.com/x",
            "https://user:pw@example.com/",
        ] {
            assert!(check_url(bad, true).is_err(), "{bad}");
        }
        assert!(is_public("8.8.8.8".parse().unwrap()));
        assert!(!is_public("::ffff:10.0.0.1".parse().unwrap()));
    }
}
