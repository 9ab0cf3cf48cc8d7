//! Twilio request authentication. [`twilio_signature`] is Twilio's algorithm
//! (HMAC-SHA1 with the auth token over the full URL followed by every POST
//! parameter's name and value, sorted by name, base64) in one place: the
//! webhooks, the `simulate-call` tool and the tests all use it.
//!
//! [`TwilioRequest`] is the extractor every Twilio webhook takes: it reads the
//! form body into ordered parameters and verifies `X-Twilio-Signature` in
//! constant time before the handler runs. Without `TWILIO_AUTH_TOKEN`
//! (zero-config mode) there is nothing to verify with, so only loopback peers
//! are accepted. Rejections are TwiML (`<Response/>`) with a 4xx status and
//! change nothing.

use crate::app::AppState;
use crate::auth::ct_eq;
use crate::voice::twiml::Twiml;
use axum::extract::{ConnectInfo, FromRef, FromRequest, OriginalUri, Request};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::Response;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use std::net::{IpAddr, SocketAddr};

pub const SIGNATURE_HEADER: &str = "x-twilio-signature";

/// Most parameters a Twilio webhook body may carry (Twilio sends about 30).
const MAX_PARAMS: usize = 512;

/// Twilio's request signature: base64(HMAC-SHA1(auth_token, url + name1 + value1 + …))
/// with the parameters sorted by name (and by value for repeated names).
/// `url` is the full URL Twilio requested, query string included.
pub fn twilio_signature<I, K, V>(auth_token: &str, url: &str, params: I) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut pairs: Vec<(K, V)> = params.into_iter().collect();
    pairs.sort_by(|a, b| {
        a.0.as_ref()
            .cmp(b.0.as_ref())
            .then_with(|| a.1.as_ref().cmp(b.1.as_ref()))
    });
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(url.as_bytes());
    for (k, v) in &pairs {
        mac.update(k.as_ref().as_bytes());
        mac.update(v.as_ref().as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Parses an `application/x-www-form-urlencoded` body into ordered pairs.
/// Strict: a broken percent escape or text that is not UTF-8 is an error.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for part in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        if out.len() >= MAX_PARAMS {
            return Err(format!("more than {MAX_PARAMS} parameters"));
        }
        let (k, v) = match part.iter().position(|b| *b == b'=') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &part[part.len()..]),
        };
        out.push((decode_component(k)?, decode_component(v)?));
    }
    Ok(out)
}

fn decode_component(s: &[u8]) -> Result<String, String> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| "a broken percent escape".to_string())?;
                bytes.push(hex);
                i += 2;
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    String::from_utf8(bytes).map_err(|_| "text that is not UTF-8".to_string())
}

/// A Twilio webhook request whose origin was checked and whose form body was
/// parsed, in the order sent.
#[derive(Debug, Clone)]
pub struct TwilioRequest {
    params: Vec<(String, String)>,
    /// The query string of the URL Twilio called (covered by the signature).
    query: Vec<(String, String)>,
}

impl TwilioRequest {
    /// The first value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a parameter, trimmed, when it is not blank.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// A parameter of the URL's query string (one we put in a callback URL).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn reject(status: StatusCode, path: &str, why: &str) -> Response {
    tracing::warn!(%path, %why, "Twilio webhook refused");
    Twiml::empty().with_status(status)
}

/// True when the request comes from this machine (zero-config mode). Behind a
/// trusted proxy the address the proxy saw counts, not the proxy's own.
fn from_loopback(parts: &Parts, trust_proxy: bool) -> bool {
    let Some(peer) = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    else {
        return false;
    };
    let ip: IpAddr = if trust_proxy {
        parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(peer)
    } else {
        peer
    };
    ip.is_loopback()
}

/// The URL Twilio signed: WEBHOOK_BASE_URL + path + query. Without a base URL
/// it is rebuilt from the Host header (scheme from X-Forwarded-Proto behind a
/// trusted proxy); set WEBHOOK_BASE_URL in production.
fn signed_url(parts: &Parts, app: &AppState) -> String {
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map(|u| &u.0)
        .unwrap_or(&parts.uri);
    let path = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or_else(|| uri.path());
    let base = match &app.config.webhook_base_url {
        Some(b) => b.clone(),
        None => {
            let host = parts
                .headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("localhost");
            let scheme = if app.config.trust_proxy {
                parts
                    .headers
                    .get("x-forwarded-proto")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("http")
            } else {
                "http"
            };
            format!("{scheme}://{host}")
        }
    };
    format!("{base}{path}")
}

/// True when `signature` is Twilio's signature of `url` (with or without its
/// default port) and `params` under `token`, compared in constant time. The
/// node's extractor and the router both verify with this.
pub fn signature_matches(
    token: &str,
    url: &str,
    params: &[(String, String)],
    signature: &str,
) -> bool {
    url_variants(url).iter().any(|u| {
        let expected = twilio_signature(
            token,
            u,
            params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        ct_eq(expected.as_bytes(), signature.trim().as_bytes())
    })
}

/// The URL with and without its port: Twilio's own validators accept either,
/// because proxies differ in whether the default port is part of the URL.
pub fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_string()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else {
        "80"
    };
    match split_port(authority) {
        (host, Some(_)) => out.push(format!("{scheme}://{host}{tail}")),
        (host, None) => out.push(format!("{scheme}://{host}:{default_port}{tail}")),
    }
    out
}

/// Splits `host[:port]` (IPv6 literals in brackets).
fn split_port(authority: &str) -> (&str, Option<&str>) {
    if let Some(end) = authority.find(']') {
        let (host, rest) = authority.split_at(end + 1);
        return (host, rest.strip_prefix(':').filter(|p| !p.is_empty()));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, Some(port))
        }
        _ => (authority, None),
    }
}

impl<S> FromRequest<S> for TwilioRequest
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let (parts, body) = req.into_parts();
        let path = parts.uri.path().to_string();
        let signature = parts
            .headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let token = app.config.twilio.as_ref().map(|t| t.auth_token.clone());
        match (&token, &signature) {
            (None, _) if !from_loopback(&parts, app.config.trust_proxy) => {
                return Err(reject(
                    StatusCode::FORBIDDEN,
                    &path,
                    "Twilio is not configured, so only requests from this machine are accepted",
                ));
            }
            (Some(_), None) => {
                return Err(reject(
                    StatusCode::FORBIDDEN,
                    &path,
                    "missing X-Twilio-Signature",
                ));
            }
            _ => {}
        }
        let ct = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = ct.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(reject(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &path,
                "body is not application/x-www-form-urlencoded",
            ));
        }
        let bytes = match axum::body::to_bytes(body, app.config.max_body_bytes).await {
            Ok(b) => b,
            Err(_) => {
                return Err(reject(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &path,
                    "body too large or unreadable",
                ));
            }
        };
        let params = parse_form(&bytes).map_err(|why| {
            reject(
                StatusCode::BAD_REQUEST,
                &path,
                &format!("malformed form body: {why}"),
            )
        })?;
        if let (Some(token), Some(signature)) = (&token, &signature) {
            let url = signed_url(&parts, &app);
            if !signature_matches(token, &url, &params, signature) {
                return Err(reject(
                    StatusCode::FORBIDDEN,
                    &path,
                    "X-Twilio-Signature does not match (check WEBHOOK_BASE_URL and TWILIO_AUTH_TOKEN)",
                ));
            }
        }
        let query = parts
            .uri
            .query()
            .and_then(|q| parse_form(q.as_bytes()).ok())
            .unwrap_or_default();
        Ok(Self { params, query })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twilio's documented example (checked independently with Python's hmac).
    #[test]
    fn matches_twilios_documented_example() {
        let params = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ];
        assert_eq!(
            twilio_signature(
                "12345",
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                params
            ),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
    }

    #[test]
    fn parameter_order_does_not_matter_but_values_do() {
        let url = "https://x.example/webhook/twilio/sms";
        let a = twilio_signature("t", url, [("To", "+1"), ("From", "+2")]);
        let b = twilio_signature("t", url, [("From", "+2"), ("To", "+1")]);
        assert_eq!(a, b);
        assert_ne!(
            a,
            twilio_signature("t", url, [("From", "+3"), ("To", "+1")])
        );
        assert_ne!(
            a,
            twilio_signature("u", url, [("From", "+2"), ("To", "+1")])
        );
    }

    #[test]
    fn form_parsing_is_strict_and_ordered() {
        let p = parse_form(b"Body=Hi+there%21&From=%2B15551234567&Empty=&Flag").unwrap();
        assert_eq!(
            p,
            vec![
                ("Body".into(), "Hi there!".into()),
                ("From".into(), "+15551234567".into()),
                ("Empty".into(), String::new()),
                ("Flag".into(), String::new()),
            ]
        );
        assert!(parse_form(b"Body=%zz").is_err());
        assert!(parse_form(b"Body=%4").is_err());
        assert!(parse_form(b"Body=%FF").is_err());
        assert_eq!(parse_form(b"").unwrap(), vec![]);
    }

    #[test]
    fn url_variants_add_or_remove_the_port() {
        assert_eq!(
            url_variants("https://a.example/x?y=1"),
            vec!["https://a.example/x?y=1", "https://a.example:443/x?y=1"]
        );
        assert_eq!(
            url_variants("https://a.example:8443/x"),
            vec!["https://a.example:8443/x", "https://a.example/x"]
        );
    }
}
