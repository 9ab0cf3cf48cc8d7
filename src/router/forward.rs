//! The router's public listener. A Twilio webhook is read (bounded), its form
//! parsed, its number looked up (`To`/`Called`; `From` first for SMS delivery
//! receipts and outbound call status, where `To` is the customer) and its
//! `X-Twilio-Signature` verified with the node's subaccount token or the
//! reseller's, exactly as the node verifies it. Then:
//!
//! - **voice** (`/voice/…`): forwarded; when the node is down, refuses the
//!   connection or misses the deadline, the caller is sent to the number's
//!   fallback phone (`<Dial>`), or hears an apology and leaves a voicemail
//!   whose recording callback reaches the node later;
//! - **callbacks** (SMS, SMS and call status, recordings, voicemail results):
//!   forwarded while the node is up and has nothing queued, otherwise stored
//!   in the router database and replayed in order by `replay`.
//!
//! Requests are forwarded unchanged (method, path, query, headers including
//! the signature, body) plus `X-Forwarded-For`; the node's answer is streamed
//! back. Other paths go to a node by `Host` when host names are configured.

use super::Shared;
use super::db::NewDeferred;
use super::stats;
use super::table::{NodeState, Route};
use crate::domain::E164;
use crate::http::webhooks::twilio::{SIGNATURE_HEADER, parse_form, signature_matches};
use crate::voice::twiml::{Twiml, Verb};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The router-owned action URL a fallback `<Dial>` reports to.
pub const AFTER_DIAL_PATH: &str = "/router/voice/after-dial";

pub fn app(state: Shared) -> Router {
    Router::new().fallback(public).with_state(state)
}

/// What a request to the public listener is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A voice webhook that needs TwiML now.
    Voice,
    /// The result of a `<Record>`: the node stores the voicemail.
    VoiceRecording,
    /// Callbacks that can wait: the label is the metrics kind.
    Callback(&'static str),
    /// Our own fallback `<Dial>` finished.
    AfterDial,
}

impl Kind {
    pub fn of(path: &str) -> Option<Kind> {
        Some(match path {
            AFTER_DIAL_PATH => Kind::AfterDial,
            "/voice/recording" => Kind::VoiceRecording,
            "/voice/recording-status" | "/voice/transcription" => Kind::Callback("recording"),
            "/webhook/twilio/sms" => Kind::Callback("sms"),
            "/webhook/twilio/sms-status" => Kind::Callback("sms_status"),
            "/webhook/twilio/status" => Kind::Callback("call_status"),
            p if p.starts_with("/voice/") => Kind::Voice,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Voice => "voice",
            Kind::VoiceRecording => "voice_recording",
            Kind::Callback(l) => l,
            Kind::AfterDial => "after_dial",
        }
    }
}

/// Headers that belong to one connection and are never forwarded.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "transfer-encoding"
            | "te"
            | "trailer"
            | "upgrade"
            | "proxy-authorization"
            | "proxy-authenticate"
    )
}

fn count(kind: &str, outcome: &str, t0: Instant) {
    let m = stats::get();
    m.requests.inc(&[kind, outcome]);
    m.duration.observe(&[kind], t0.elapsed().as_secs_f64());
}

fn twiml(t: Twiml, status: StatusCode) -> Response {
    t.with_status(status)
}

fn say(text: &str) -> Verb {
    Verb::Say {
        text: text.into(),
        voice: "Polly.Joanna".into(),
        language: "en-US".into(),
    }
}

/// Apology and a voicemail; the recording goes to the node (now or replayed).
pub fn voicemail_twiml() -> Twiml {
    Twiml::empty()
        .push(say(
            "Sorry, we can't take your call right now. Please leave your name, number and a short message after the tone, and we'll call you back.",
        ))
        .push(Verb::Record {
            action: "/voice/recording".into(),
            max_length_secs: 120,
            transcribe_callback: Some("/voice/transcription".into()),
            status_callback: Some("/voice/recording-status".into()),
        })
        .push(say("We didn't get a message. Goodbye."))
        .push(Verb::Hangup)
}

/// What a voice webhook gets when its node cannot answer.
pub fn fallback_twiml(fallback_phone: Option<&str>) -> Twiml {
    match fallback_phone {
        Some(phone) => Twiml::empty().push(Verb::Dial {
            number: phone.to_string(),
            action: AFTER_DIAL_PATH.into(),
            timeout_secs: 25,
            caller_id: None,
        }),
        None => voicemail_twiml(),
    }
}

fn thanks_twiml() -> Twiml {
    Twiml::empty()
        .push(say("Thank you, your message has been recorded. Goodbye."))
        .push(Verb::Hangup)
}

fn not_in_service() -> Twiml {
    Twiml::empty()
        .push(say("Sorry, the number you have called is not in service."))
        .push(Verb::Hangup)
}

/// The handler of every request on the public listener.
pub async fn public(
    State(r): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let path = req.uri().path();
    if path == "/health" && req.method() == Method::GET {
        return health(&r);
    }
    if let Some(kind) = Kind::of(path) {
        return webhook(r, peer, kind, req).await;
    }
    if path.starts_with("/audio/") && req.method() == Method::GET {
        return audio(r, peer, req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or("");
    let table = r.table();
    if let Some(node) = table.host(host).cloned() {
        return proxy(r, node, peer, req).await;
    }
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"success": false, "error": {"code": "not_found",
            "message": "This is a RinglyPro router: it serves Twilio webhooks and the dashboards of configured host names."}})),
    )
        .into_response()
}

/// Public liveness: no node names or counts (those are on the admin listener).
fn health(r: &Shared) -> Response {
    axum::Json(json!({
        "status": "ok",
        "version": crate::VERSION,
        "role": "router",
        "uptimeSeconds": r.started.elapsed().as_secs(),
    }))
    .into_response()
}

/// The numbers to route by, in order of preference.
fn candidates(kind: Kind, params: &[(String, String)]) -> Vec<String> {
    let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let outbound = get("Direction").is_some_and(|d| d.starts_with("outbound"));
    let order: &[&str] = match kind {
        Kind::Callback("sms_status") => &["From", "To"],
        Kind::Callback("call_status") if outbound => &["From", "Caller", "To", "Called"],
        _ => &["To", "Called", "From"],
    };
    let mut out: Vec<String> = Vec::new();
    for name in order {
        if let Some(n) = get(name).and_then(|v| E164::parse(v).ok()) {
            let s = n.as_str().to_string();
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The URL Twilio signed: WEBHOOK_BASE_URL (or http://Host) + path and query.
fn signed_url(r: &Shared, uri: &Uri, headers: &HeaderMap) -> String {
    let pq = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or_else(|| uri.path());
    match &r.public_url {
        Some(base) => format!("{base}{pq}"),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}{pq}")
        }
    }
}

async fn webhook(r: Shared, peer: SocketAddr, kind: Kind, req: Request) -> Response {
    let t0 = Instant::now();
    let label = kind.label();
    if req.method() != Method::POST {
        count(label, "bad_request", t0);
        return twiml(Twiml::empty(), StatusCode::METHOD_NOT_ALLOWED);
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, r.settings.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            count(label, "bad_request", t0);
            return twiml(Twiml::empty(), StatusCode::PAYLOAD_TOO_LARGE);
        }
    };
    let params = match parse_form(&bytes) {
        Ok(p) => p,
        Err(why) => {
            tracing::warn!(path = %parts.uri.path(), %why, "malformed webhook body");
            count(label, "bad_request", t0);
            return twiml(Twiml::empty(), StatusCode::BAD_REQUEST);
        }
    };
    let table = r.table();
    let found = table.route(&candidates(kind, &params));
    let token = found
        .and_then(|(route, _)| route.node.auth_token.as_deref())
        .or(r.settings.twilio_auth_token.as_deref());
    let signature = parts
        .headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let genuine = match (token, signature) {
        (None, _) => peer.ip().is_loopback(),
        (Some(_), None) => false,
        (Some(t), Some(sig)) => {
            signature_matches(t, &signed_url(&r, &parts.uri, &parts.headers), &params, sig)
        }
    };
    if !genuine {
        tracing::warn!(path = %parts.uri.path(), %peer, "webhook refused at the router: bad or missing X-Twilio-Signature");
        count(label, "forbidden", t0);
        return twiml(Twiml::empty(), StatusCode::FORBIDDEN);
    }
    let Some((route, number)) = found else {
        tracing::info!(path = %parts.uri.path(), "webhook for a number no node serves");
        count(label, "unknown_number", t0);
        return match kind {
            Kind::Voice => twiml(not_in_service(), StatusCode::OK),
            _ => twiml(Twiml::empty(), StatusCode::NOT_FOUND),
        };
    };
    let route = route.clone();
    let number = number.to_string();
    match kind {
        Kind::AfterDial => {
            let status = params
                .iter()
                .find(|(k, _)| k == "DialCallStatus")
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            count(label, "forwarded", t0);
            if status == "completed" {
                twiml(Twiml::empty().push(Verb::Hangup), StatusCode::OK)
            } else {
                twiml(voicemail_twiml(), StatusCode::OK)
            }
        }
        Kind::Voice => {
            if !route.node.is_up() {
                count(label, "fallback", t0);
                return twiml(fallback_twiml(route.fallback.as_deref()), StatusCode::OK);
            }
            let deadline = Duration::from_millis(r.settings.voice_timeout_ms);
            match send(&r, &route.node, &parts, Body::from(bytes), peer, deadline).await {
                Ok(res) if !res.status().is_server_error() => {
                    count(label, "forwarded", t0);
                    res
                }
                Ok(res) => {
                    tracing::warn!(node = %route.node.name, status = %res.status(), "node failed a voice webhook; caller gets the fallback");
                    count(label, "fallback", t0);
                    twiml(fallback_twiml(route.fallback.as_deref()), StatusCode::OK)
                }
                Err(e) => {
                    tracing::warn!(node = %route.node.name, error = %e, "node did not answer a voice webhook; caller gets the fallback");
                    node_failed(&r, &route.node);
                    count(label, "fallback", t0);
                    twiml(fallback_twiml(route.fallback.as_deref()), StatusCode::OK)
                }
            }
        }
        Kind::VoiceRecording | Kind::Callback(_) => {
            let deferred_answer = if kind == Kind::VoiceRecording {
                thanks_twiml()
            } else {
                Twiml::empty()
            };
            if route.node.is_up() && route.node.pending() == 0 {
                let deadline = Duration::from_millis(r.settings.callback_timeout_ms);
                match send(
                    &r,
                    &route.node,
                    &parts,
                    Body::from(bytes.clone()),
                    peer,
                    deadline,
                )
                .await
                {
                    Ok(res) if !res.status().is_server_error() => {
                        count(label, "forwarded", t0);
                        return res;
                    }
                    Ok(res) => {
                        tracing::warn!(node = %route.node.name, status = %res.status(), "node failed a callback; holding it for replay");
                    }
                    Err(e) => {
                        tracing::warn!(node = %route.node.name, error = %e, "node did not take a callback; holding it for replay");
                        node_failed(&r, &route.node);
                    }
                }
            }
            match defer(&r, &route, &number, label, &parts, &bytes).await {
                Ok(()) => {
                    count(label, "deferred", t0);
                    twiml(deferred_answer, StatusCode::OK)
                }
                Err(e) => {
                    tracing::error!(error = %e, "could not hold a webhook for replay");
                    count(label, "error", t0);
                    twiml(Twiml::empty(), StatusCode::SERVICE_UNAVAILABLE)
                }
            }
        }
    }
}

/// Marks a node down after a failed forward (the health check brings it back).
fn node_failed(r: &Shared, node: &NodeState) {
    if node.up.swap(false, Ordering::AcqRel) {
        tracing::warn!(node = %node.name, "node marked down after a failed forward");
        r.wake.notify_one();
    }
}

/// The headers to forward or store: everything but hop-by-hop ones.
fn end_to_end(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| !hop_by_hop(k) && *k != header::CONTENT_LENGTH)
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect()
}

/// Stores a webhook durably (synchronous=FULL) before Twilio is answered.
async fn defer(
    r: &Shared,
    route: &Route,
    number: &str,
    kind: &str,
    parts: &axum::http::request::Parts,
    body: &Bytes,
) -> Result<(), crate::AppError> {
    let headers = end_to_end(&parts.headers);
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| parts.uri.path().to_string());
    let method = parts.method.as_str().to_string();
    let node_id = route.node.id;
    let number = number.to_string();
    let kind = kind.to_string();
    let body = body.to_vec();
    let now = chrono::Utc::now();
    r.db(move |c| {
        super::db::enqueue(
            c,
            &NewDeferred {
                node_id,
                kind: &kind,
                number: Some(&number),
                method: &method,
                path: &path,
                headers: &headers,
                body: &body,
            },
            now,
        )
    })
    .await?;
    route.node.pending.fetch_add(1, Ordering::AcqRel);
    r.wake.notify_one();
    Ok(())
}

/// Sends a request to a node and returns its response (body streamed).
pub async fn send(
    r: &Shared,
    node: &NodeState,
    parts: &axum::http::request::Parts,
    body: Body,
    peer: SocketAddr,
    deadline: Duration,
) -> Result<Response, String> {
    let pq = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let uri: Uri = format!("{}{pq}", node.base_url)
        .parse()
        .map_err(|e| format!("bad node URL: {e}"))?;
    let mut out = axum::http::Request::builder()
        .method(parts.method.clone())
        .uri(uri)
        .body(body)
        .map_err(|e| e.to_string())?;
    let h = out.headers_mut();
    for (k, v) in parts.headers.iter() {
        if !hop_by_hop(k) {
            h.append(k.clone(), v.clone());
        }
    }
    let xff = match parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
    {
        Some(prev) => format!("{prev}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    if let Ok(v) = HeaderValue::from_str(&xff) {
        h.insert(HeaderName::from_static("x-forwarded-for"), v);
    }
    let res = tokio::time::timeout(deadline, r.client.request(out))
        .await
        .map_err(|_| format!("no answer within {} ms", deadline.as_millis()))?
        .map_err(|e| format!("{e}"))?;
    Ok(streamed(res))
}

/// A node's response as ours: same status and headers (minus hop-by-hop
/// ones), body streamed through as it arrives.
pub fn streamed(res: axum::http::Response<hyper::body::Incoming>) -> Response {
    let (mut parts, body) = res.into_parts();
    let drop: Vec<HeaderName> = parts
        .headers
        .keys()
        .filter(|k| hop_by_hop(k))
        .cloned()
        .collect();
    for k in drop {
        parts.headers.remove(k);
    }
    Response::from_parts(parts, Body::new(body))
}

/// `GET /audio/<hash>.mp3`: cached speech is content-addressed, so any node
/// that has the file can serve it; asks the nodes that are up in turn.
async fn audio(r: Shared, peer: SocketAddr, req: Request) -> Response {
    let t0 = Instant::now();
    let file = req.uri().path().trim_start_matches("/audio/");
    let valid = file.strip_suffix(".mp3").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    });
    if !valid {
        count("audio", "bad_request", t0);
        return StatusCode::NOT_FOUND.into_response();
    }
    let (parts, _) = req.into_parts();
    let table = r.table();
    for node in table.nodes.iter().filter(|n| n.is_up()) {
        if let Ok(res) = send(
            &r,
            node,
            &parts,
            Body::empty(),
            peer,
            Duration::from_secs(2),
        )
        .await
            && res.status() == StatusCode::OK
        {
            count("audio", "forwarded", t0);
            return res;
        }
    }
    count("audio", "unknown_number", t0);
    StatusCode::NOT_FOUND.into_response()
}

/// Dashboard traffic for a configured host name: streamed both ways.
async fn proxy(r: Shared, node: Arc<NodeState>, peer: SocketAddr, req: Request) -> Response {
    let t0 = Instant::now();
    if !node.is_up() {
        count("dashboard", "fallback", t0);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "30")],
            "This dashboard is temporarily unavailable. Please try again in a minute.",
        )
            .into_response();
    }
    let (parts, body) = req.into_parts();
    match send(&r, &node, &parts, body, peer, Duration::from_secs(30)).await {
        Ok(res) => {
            count("dashboard", "forwarded", t0);
            res
        }
        Err(e) => {
            tracing::warn!(node = %node.name, error = %e, "dashboard request failed");
            node_failed(&r, &node);
            count("dashboard", "error", t0);
            (
                StatusCode::BAD_GATEWAY,
                "This dashboard did not answer. Please try again in a minute.",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn kinds_by_path() {
        assert_eq!(Kind::of("/voice/rachel/"), Some(Kind::Voice));
        assert_eq!(Kind::of("/voice/recording"), Some(Kind::VoiceRecording));
        assert_eq!(Kind::of("/webhook/twilio/sms"), Some(Kind::Callback("sms")));
        assert_eq!(
            Kind::of("/voice/transcription"),
            Some(Kind::Callback("recording"))
        );
        assert_eq!(Kind::of("/api/contacts"), None);
    }

    #[test]
    fn delivery_receipts_route_by_the_business_number() {
        let params = p(&[("From", "+15552001111"), ("To", "+15559998888")]);
        assert_eq!(
            candidates(Kind::Callback("sms_status"), &params),
            vec!["+15552001111", "+15559998888"]
        );
        assert_eq!(
            candidates(Kind::Callback("sms"), &params),
            vec!["+15559998888", "+15552001111"]
        );
        let out = p(&[
            ("From", "+15552001111"),
            ("To", "+15559998888"),
            ("Direction", "outbound-api"),
        ]);
        assert_eq!(
            candidates(Kind::Callback("call_status"), &out)[0],
            "+15552001111"
        );
    }

    #[test]
    fn fallback_twiml_dials_or_takes_a_message() {
        let d = fallback_twiml(Some("+15552223333")).render();
        assert!(d.contains("<Dial") && d.contains("+15552223333"), "{d}");
        assert!(d.contains(AFTER_DIAL_PATH), "{d}");
        let v = fallback_twiml(None).render();
        assert!(
            v.contains("<Record") && v.contains("/voice/recording"),
            "{v}"
        );
    }
}
