//! Cross-cutting request handling: request ids, access logs, metrics, security headers, problems.

pub mod observe;
pub mod problems;

use actix_web::middleware::DefaultHeaders;

/// Headers every answer carries.
pub fn security_headers(hsts: bool) -> DefaultHeaders {
    let mut h = DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ));
    if hsts {
        h = h.add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ));
    }
    h
}

/// The strict content security policy of API answers (JSON never needs scripts or frames).
pub fn api_csp() -> DefaultHeaders {
    DefaultHeaders::new().add((
        "Content-Security-Policy",
        "default-src 'none'; frame-ancestors 'none'",
    ))
}
