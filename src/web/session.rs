//! Who is looking at a page, and the forms they send. `Viewer` is the signed-in
//! owner (the HttpOnly session cookie, checked exactly as the API checks it);
//! without one a page redirects to /login (or /setup on a fresh instance).
//! `Form` is a posted HTML form whose hidden `_csrf` field (or, from htmx, the
//! X-CSRF-Token header) matches the session; `GuestForm` is a form posted
//! before sign-in, accepted only from this site's own pages (Origin check).

use super::i18n::{self, Lang};
use crate::app::AppState;
use crate::db;
use crate::domain::{ClientId, UserId};
use crate::error::AppError;
use crate::http::extract::{CSRF_HEADER, CurrentUser, TokenSource, csrf_ok, session_user};
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// The signed-in owner looking at a page.
pub struct Viewer {
    pub user: db::auth::User,
    pub token: String,
    /// The CSRF token of this session, for forms and htmx.
    pub csrf: String,
    pub lang: Lang,
}

impl Viewer {
    pub fn client_id(&self) -> ClientId {
        self.user.client_id()
    }
    pub fn user_id(&self) -> UserId {
        self.user.user_id()
    }
    /// Who acts, for appointment histories.
    pub fn actor(&self) -> String {
        format!("user:{}", self.user.id)
    }
    pub fn current(&self) -> CurrentUser {
        CurrentUser {
            user: self.user.clone(),
            token: self.token.clone(),
            source: TokenSource::Cookie,
        }
    }
    /// The name shown in the header.
    pub fn display_name(&self) -> String {
        self.user
            .first_name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| self.user.email.clone())
    }
}

/// Where a visitor without a session goes: sign-in, or first-run setup when
/// the instance has no account yet.
pub struct SignIn(Response);

impl IntoResponse for SignIn {
    fn into_response(self) -> Response {
        self.0
    }
}

fn is_htmx(parts: &Parts) -> bool {
    parts.headers.contains_key("hx-request")
}

/// A same-site path to come back to after signing in (never another site).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && n.len() < 500
                && !n.chars().any(|c| c.is_control()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Redirect for htmx (HX-Redirect) and plain requests alike.
pub fn redirect(parts_htmx: bool, to: &str) -> Response {
    if parts_htmx {
        let mut res = StatusCode::OK.into_response();
        if let Ok(v) = HeaderValue::from_str(to) {
            res.headers_mut().insert("hx-redirect", v);
        }
        res
    } else {
        Redirect::to(to).into_response()
    }
}

impl<S> FromRequestParts<S> for Viewer
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = SignIn;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        match viewer(parts, &app).await {
            Some(v) => Ok(v),
            None => {
                let fresh = app.db.read(db::auth::count).await.is_ok_and(|n| n == 0);
                let to = if fresh {
                    "/setup".to_string()
                } else {
                    let here = parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/");
                    if here == "/" || !parts.method.is_safe() {
                        "/login".to_string()
                    } else {
                        format!("/login?next={}", percent_encode(here))
                    }
                };
                Err(SignIn(redirect(is_htmx(parts), &to)))
            }
        }
    }
}

async fn viewer(parts: &Parts, app: &AppState) -> Option<Viewer> {
    match session_user(parts, app).await {
        Ok(u) if u.source == TokenSource::Cookie => {
            let csrf = app.csrf_token(&u.token);
            Some(Viewer {
                lang: Lang::from_code(&u.user.language),
                user: u.user,
                token: u.token,
                csrf,
            })
        }
        _ => None,
    }
}

/// The signed-in owner, if any (pages that also serve visitors).
pub struct MaybeViewer(pub Option<Viewer>);

impl<S> FromRequestParts<S> for MaybeViewer
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        Ok(MaybeViewer(viewer(parts, &app).await))
    }
}

/// The language of a visitor who may not be signed in.
pub struct GuestLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for GuestLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(GuestLang(i18n::guess(parts)))
    }
}

/// The fields of a posted form, in order (repeated names allowed).
#[derive(Debug, Default, Clone)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The raw value of a field ("" when absent).
    pub fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    /// The value, or None when absent or blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        let v = self.raw(name);
        (!v.trim().is_empty()).then(|| v.to_string())
    }
    /// A checkbox: present and not "off"/"false".
    pub fn checked(&self, name: &str) -> bool {
        self.0
            .iter()
            .any(|(k, v)| k == name && v != "off" && v != "false" && v != "0")
    }
    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    /// A whole number, or a validation error naming the field.
    pub fn int(&self, name: &str, label: &str) -> Result<Option<i64>, AppError> {
        match self.opt(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                AppError::validation(name, format!("{label} must be a whole number, not '{v}'"))
            }),
        }
    }
}

async fn read_fields(req: Request, state: &AppState) -> Result<(Parts, Fields), AppError> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| AppError::PayloadTooLarge {
            limit: state.config.max_body_bytes,
        })?;
    Ok((parts, parse_fields(&bytes)?))
}

pub fn parse_fields(bytes: &Bytes) -> Result<Fields, AppError> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .map(Fields)
        .map_err(|_| {
            AppError::BadRequest(
                "The form could not be read; reload the page and try again.".into(),
            )
        })
}

/// A posted form of a signed-in owner, CSRF-checked.
pub struct Form(pub Fields);

fn csrf_refused() -> AppError {
    AppError::Forbidden(
        "This form has expired (its security token does not match your session). Reload the page and send it again."
            .into(),
    )
}

impl<S> FromRequest<S> for Form
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = super::errors::PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let (parts, fields) = read_fields(req, &app).await?;
        let user = session_user(&parts, &app).await?;
        if user.source == TokenSource::Cookie {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .unwrap_or_else(|| fields.raw("_csrf").to_string());
            if !csrf_ok(&app, &user, &sent) {
                return Err(csrf_refused().into());
            }
        }
        Ok(Form(fields))
    }
}

/// Checks that a request without a session comes from one of our own pages:
/// the Origin (or Sec-Fetch-Site) must be this site when the browser sends it.
pub fn same_origin(parts: &Parts) -> bool {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        let bare = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .unwrap_or("");
        return !host.is_empty() && bare.eq_ignore_ascii_case(host);
    }
    match parts
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

/// A form posted before sign-in (sign-in, sign-up, setup, password reset).
pub struct GuestForm {
    pub fields: Fields,
    pub lang: Lang,
    pub ip: std::net::IpAddr,
}

impl<S> FromRequest<S> for GuestForm
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = super::errors::PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let (parts, fields) = read_fields(req, &app).await?;
        if !same_origin(&parts) {
            return Err(AppError::Forbidden(
                "This form must be sent from RinglyPro's own page.".into(),
            )
            .into());
        }
        let lang = i18n::guess(&parts);
        let ip = crate::http::extract::client_ip(&parts, app.config.trust_proxy);
        Ok(GuestForm { fields, lang, ip })
    }
}

/// Sets the language cookie (so pages before sign-in and error pages speak it).
pub fn lang_cookie(lang: Lang) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        i18n::LANG_COOKIE,
        lang.code()
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/calendar?date=2027-01-01")),
            "/calendar?date=2027-01-01"
        );
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn fields_read_like_a_person_typed_them() {
        let f = parse_fields(&Bytes::from_static(b"a=1&b=&c=on&d=x&d=y")).unwrap();
        assert_eq!(f.raw("a"), "1");
        assert_eq!(f.opt("b"), None);
        assert!(f.checked("c") && !f.checked("zz"));
        assert_eq!(f.all("d"), vec!["x", "y"]);
        assert!(f.int("d", "D").is_err());
    }
}
