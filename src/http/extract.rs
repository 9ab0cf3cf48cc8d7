//! Extractors that do their checking once, so a handler that has one can trust it:
//! `ApiJson` (content type, size and shape checked, errors in our JSON format),
//! `CurrentUser` (a valid, unrevoked session from the bearer header or the
//! cookie, with CSRF protection for cookie sessions), `ApiPath`/`ApiQuery` (our
//! error format for bad addresses and query strings) and `ClientIp`.

use crate::app::AppState;
use crate::auth::ct_eq;
use crate::db;
use crate::domain::{ClientId, UserId};
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::{Method, header, request::Parts};
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "ringlypro_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A JSON body that was checked: right content type, within the size limit,
/// valid UTF-8 JSON of the expected shape. Failures become 4xx with a message.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(AppError::UnsupportedMediaType(
                "Send the request body as JSON with the header Content-Type: application/json."
                    .into(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge {
                    limit: AppState::from_ref(state).config.max_body_bytes,
                }
            } else {
                AppError::BadRequest(format!(
                    "Could not read the request body: {}",
                    e.body_text()
                ))
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body with messages a person can act on.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest(
            "The request body is empty; send a JSON object.".into(),
        ));
    }
    if std::str::from_utf8(bytes).is_err() {
        return Err(AppError::BadRequest(
            "The request body is not valid UTF-8 text.".into(),
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        let msg = match e.classify() {
            Category::Syntax | Category::Eof => {
                format!("The request body is not valid JSON ({e}).")
            }
            Category::Data => format!("The request body has a problem: {e}."),
            Category::Io => format!("Could not read the request body ({e})."),
        };
        AppError::BadRequest(msg)
    })
}

/// The caller's IP: the socket peer, or with `RINGLYPRO_TRUST_PROXY` the
/// address the reverse proxy appended to X-Forwarded-For.
pub struct ClientIp(pub IpAddr);

impl<S> FromRequestParts<S> for ClientIp
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        Ok(ClientIp(client_ip(parts, app.config.trust_proxy)))
    }
}

pub fn client_ip(parts: &Parts, trust_proxy: bool) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    if trust_proxy
        && let Some(ip) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return ip;
    }
    peer
}

/// Where the session token came from; cookie sessions need CSRF checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Bearer,
    Cookie,
}

/// An authenticated user of a tenant. The only way an API handler gets a `ClientId`.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: db::auth::User,
    pub token: String,
    pub source: TokenSource,
}

impl CurrentUser {
    pub fn client_id(&self) -> ClientId {
        self.user.client_id()
    }
    pub fn user_id(&self) -> UserId {
        self.user.user_id()
    }
}

fn unauthorized() -> AppError {
    AppError::Unauthorized(
        "Sign in to continue: your session is missing, expired or was signed out.".into(),
    )
}

/// Finds the session token: `Authorization: Bearer` first, then the cookie.
pub fn session_token(parts: &Parts) -> Option<(String, TokenSource)> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        let (scheme, token) = v.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| (token.trim().to_string(), TokenSource::Bearer));
    }
    cookie(parts, SESSION_COOKIE).map(|t| (t, TokenSource::Cookie))
}

pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl<S> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let user = session_user(parts, &app).await?;
        if user.source == TokenSource::Cookie && !is_safe(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !csrf_ok(&app, &user, sent) {
                return Err(AppError::Forbidden(
                    "This request needs the X-CSRF-Token header that came with your session."
                        .into(),
                ));
            }
        }
        Ok(user)
    }
}

/// The signed-in user of a request: a valid, unrevoked session token from the
/// bearer header or the cookie. No CSRF check: callers that change state check
/// the token themselves (the header for the API, a form field for pages).
pub async fn session_user(parts: &Parts, app: &AppState) -> Result<CurrentUser, AppError> {
    let (token, source) = session_token(parts).ok_or_else(unauthorized)?;
    let now = app.clock.now().timestamp();
    let claims = app.tokens.verify(&token, now).map_err(|_| unauthorized())?;
    let user_id = UserId::from_trusted(claims.user_id);
    // A primary-key lookup on every signed-in request: run it here, not on the blocking pool.
    let user = app
        .db
        .lookup(|c| db::auth::get(c, user_id))?
        .ok_or_else(unauthorized)?;
    if user.token_version != claims.ver || user.client_id != claims.client_id {
        return Err(unauthorized());
    }
    Ok(CurrentUser {
        user,
        token,
        source,
    })
}

/// Whether `sent` is the CSRF token of this session (constant time).
pub fn csrf_ok(app: &AppState, user: &CurrentUser, sent: &str) -> bool {
    ct_eq(sent.as_bytes(), app.csrf_token(&user.token).as_bytes())
}

/// Like `CurrentUser`, but absent instead of an error (public routes that show more when signed in).
pub struct MaybeUser(pub Option<CurrentUser>);

impl<S> FromRequestParts<S> for MaybeUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(
            CurrentUser::from_request_parts(parts, state).await.ok(),
        ))
    }
}

/// GET, HEAD and OPTIONS change nothing and need no CSRF token.
pub fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Path parameters whose rejection (bad percent-encoding, wrong type) is a 400
/// in our JSON format rather than axum's plain text.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|e| {
                AppError::BadRequest(format!("The address is not valid: {}", e.body_text()))
            })
    }
}

/// A query string whose rejection (unknown field, wrong type, number out of
/// range) is a 400 in our JSON format rather than axum's plain text.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|e| {
                AppError::BadRequest(format!("The query string is not valid: {}", e.body_text()))
            })
    }
}

/// Parses an optional whole-number query parameter within bounds.
pub fn int_param(
    name: &str,
    v: Option<&str>,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, AppError> {
    let Some(v) = v.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(default);
    };
    let n: i64 = v.parse().map_err(|_| {
        AppError::validation(name, format!("{name} must be a whole number, not '{v}'"))
    })?;
    if n < min || n > max {
        return Err(AppError::validation(
            name,
            format!("{name} must be between {min} and {max}"),
        ));
    }
    Ok(n)
}
