//! `/api/auth`: register, login, logout, profile, update-profile, refresh-token,
//! verify, forgot-password, verify-reset-token, reset-password. Paths and JSON
//! field names are the original's; its holes are closed: argon2id, rate limits
//! checked before hashing, same answer and timing for unknown accounts, tokens
//! that really die on logout and password change, reset links that are never in
//! an HTTP response, stored only as hashes, single use and short-lived.

use crate::app::AppState;
use crate::auth::{password, random_token, sha256_hex};
use crate::db::{self, auth::ResetToken, outbox};
use crate::domain::{Email, TimeZone, UserId};
use crate::error::AppError;
use crate::http::api::input::{email, language, phone, required, text, website};
use crate::http::extract::{ApiJson, ApiPath, ClientIp, CurrentUser, SESSION_COOKIE, TokenSource};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Instant;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/profile", get(profile))
        .route("/auth/update-profile", post(update_profile))
        .route("/auth/refresh-token", post(refresh_token))
        .route("/auth/verify", get(verify))
        .route("/auth/forgot-password", post(forgot_password))
        .route("/auth/verify-reset-token/{token}", get(verify_reset_token))
        .route("/auth/reset-password", post(reset_password))
}

const RESET_VALID_HOURS: i64 = 1;

fn check_password(field: &str, pw: &str, email: &str) -> Result<(), AppError> {
    password::check_rules(pw, email).map_err(|m| AppError::validation(field, m))
}

fn rate_limited(r: Result<(), std::time::Duration>) -> Result<(), AppError> {
    r.map_err(|retry_after| AppError::TooManyRequests { retry_after })
}

// ---------- responses ----------

/// The `Set-Cookie` value of a session (HttpOnly, SameSite=Lax, Secure over https).
pub fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    let secure = if state.config.frontend_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let max_age = crate::auth::token::SESSION_DAYS * 86_400;
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that ends the browser's session.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("ringlypro_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

fn with_cookie(body: Value, cookie: HeaderValue) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, cookie);
    (headers, Json(body)).into_response()
}

/// A user and their business, read together.
pub async fn account(
    state: &AppState,
    user: UserId,
) -> Result<(db::auth::User, db::clients::Client), AppError> {
    state
        .db
        .read(move |c| {
            let u = db::auth::get(c, user)?.ok_or_else(|| AppError::not_found("user"))?;
            let cl = db::clients::get(c, u.client_id())?
                .ok_or_else(|| AppError::not_found("business"))?;
            Ok((u, cl))
        })
        .await
}

/// A new session token for `u`.
pub fn issue(state: &AppState, u: &db::auth::User) -> Result<String, AppError> {
    state
        .tokens
        .issue(
            u.id,
            u.client_id,
            &u.email,
            u.token_version,
            state.clock.now().timestamp(),
        )
        .map_err(AppError::internal)
}

/// The session answer shared by register, login and refresh.
fn session_response(
    state: &AppState,
    u: &db::auth::User,
    client: &db::clients::Client,
    message: &str,
) -> Result<Response, AppError> {
    let token = issue(state, u)?;
    let body = json!({
        "success": true,
        "message": message,
        "token": token,
        "csrfToken": state.csrf_token(&token),
        "data": { "user": u, "client": client, "token": token },
    });
    Ok(with_cookie(body, session_cookie(state, &token)))
}

// ---------- register ----------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RegisterBody {
    email: String,
    password: String,
    first_name: Option<String>,
    last_name: Option<String>,
    business_name: String,
    business_phone: String,
    business_type: Option<String>,
    website_url: Option<String>,
    timezone: Option<String>,
    terms_accepted: Option<bool>,
    language: Option<String>,
}

/// What a new owner gives to open an account (the API's register body, the
/// dashboard's sign-up form and first-run setup all become this).
#[derive(Default)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub business_name: String,
    pub business_phone: String,
    pub business_type: Option<String>,
    pub website_url: Option<String>,
    pub timezone: Option<String>,
    pub terms_accepted: Option<bool>,
    pub language: Option<String>,
}

/// Who may register: anyone (rate limited), or only the first owner of a fresh
/// instance (first-run setup: refused once any user exists).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    Anyone,
    FirstOwnerOnly,
}

/// Validates a registration and creates the business and its owner. Every rule
/// of the API applies; each failure names its field.
pub async fn register_account(
    state: &AppState,
    ip: std::net::IpAddr,
    b: Registration,
    opening: Opening,
) -> Result<(db::auth::User, db::clients::Client), AppError> {
    rate_limited(
        state
            .limits
            .register_ip
            .check(&ip.to_string(), Instant::now()),
    )?;
    let email = email("email", &b.email)?;
    check_password("password", &b.password, email.as_str())?;
    let first_name = text("firstName", b.first_name, 100)?;
    let last_name = text("lastName", b.last_name, 100)?;
    let business_name = required("businessName", b.business_name, 200)?;
    let business_phone = phone("businessPhone", &b.business_phone)?;
    let business_type = text("businessType", b.business_type, 100)?;
    let website_url = website(b.website_url)?;
    let timezone = match b
        .timezone
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(tz) => TimeZone::parse(tz).map_err(|m| AppError::validation("timezone", m))?,
        None => TimeZone::default(),
    };
    let language = language(b.language)?.unwrap_or_else(|| "en".into());
    if b.terms_accepted != Some(true) {
        return Err(AppError::validation(
            "termsAccepted",
            "You must accept the terms of service (termsAccepted: true).",
        ));
    }
    // Fail fast on a taken email before spending a hash on it.
    let probe = email.clone();
    if state
        .db
        .read(move |c| db::auth::find_by_email(c, &probe))
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "An account with this email already exists. Sign in or reset your password.",
            None,
        ));
    }
    let hash = state.hash_password(b.password).await?;
    let now = state.clock.now();
    let owner_name = match (&first_name, &last_name) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(f), None) => Some(f.clone()),
        (None, Some(l)) => Some(l.clone()),
        (None, None) => None,
    };
    let new_client = db::clients::NewClient {
        business_name,
        business_phone,
        business_type,
        website_url,
        timezone: timezone.name().to_string(),
        owner_name,
        owner_email: Some(email.as_str().to_string()),
        ringlypro_number: None,
    };
    let dashboard = state.config.frontend_url.clone();
    let user_id = state
        .db
        .write(move |c| {
            // Checked inside the write: two first-run claims race, one wins.
            if opening == Opening::FirstOwnerOnly && db::auth::count(c)? > 0 {
                return Err(AppError::conflict(
                    "This RinglyPro is already set up. Sign in instead.",
                    None,
                ));
            }
            let client_id = db::clients::insert(c, &new_client, now)?;
            let user_id = db::auth::insert(
                c,
                &db::auth::NewUser {
                    client_id,
                    email: &email,
                    password_hash: &hash,
                    first_name: first_name.as_deref(),
                    last_name: last_name.as_deref(),
                    phone_number: None,
                    role: "owner",
                    language: &language,
                    terms_accepted: true,
                },
                now,
            )?;
            let welcome = crate::emails::render(
                &crate::emails::Template::Welcome {
                    name: first_name.as_deref(),
                    business: &new_client.business_name,
                    dashboard: &dashboard,
                },
                &language,
            );
            outbox::enqueue(
                c,
                &outbox::NewItem {
                    client_id: Some(client_id),
                    channel: outbox::Channel::Email,
                    recipient: email.as_str(),
                    subject: Some(&welcome.subject),
                    body: &welcome.text,
                    html_body: Some(&welcome.html),
                    idempotency_key: &format!("welcome:{client_id}"),
                },
                now,
            )?;
            Ok(user_id)
        })
        .await?;
    let (u, client) = account(state, user_id).await?;
    tracing::info!(user = u.id, client = client.id, "account registered");
    Ok((u, client))
}

async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<RegisterBody>,
) -> Result<Response, AppError> {
    let r = Registration {
        email: b.email,
        password: b.password,
        first_name: b.first_name,
        last_name: b.last_name,
        business_name: b.business_name,
        business_phone: b.business_phone,
        business_type: b.business_type,
        website_url: b.website_url,
        timezone: b.timezone,
        terms_accepted: b.terms_accepted,
        language: b.language,
    };
    let (u, client) = register_account(&state, ip, r, Opening::Anyone).await?;
    let mut res = session_response(&state, &u, &client, "Account created")?;
    *res.status_mut() = axum::http::StatusCode::CREATED;
    Ok(res)
}

// ---------- login / logout / refresh / verify / profile ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: String,
    password: String,
}

fn bad_credentials() -> AppError {
    AppError::Unauthorized("Incorrect email or password.".into())
}

/// Checks an email and password (rate limited per IP and per account, same
/// answer and timing for unknown accounts) and records the sign-in.
pub async fn authenticate(
    state: &AppState,
    ip: std::net::IpAddr,
    email_in: &str,
    password_in: String,
) -> Result<(db::auth::User, db::clients::Client), AppError> {
    let now_i = Instant::now();
    rate_limited(state.limits.login_ip.check(&ip.to_string(), now_i))?;
    let key = email_in.trim().to_lowercase();
    rate_limited(state.limits.login_account.check(&key, now_i))?;
    if password_in.len() > 4 * password::MAX_LEN {
        return Err(bad_credentials());
    }
    let user = match Email::parse(email_in) {
        Ok(e) => {
            state
                .db
                .read(move |c| db::auth::find_by_email(c, &e))
                .await?
        }
        Err(_) => None,
    };
    let ok = state
        .verify_password(password_in, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    let Some(u) = user.filter(|_| ok) else {
        return Err(bad_credentials());
    };
    state.limits.login_account.reset(&key);
    let (uid, now) = (u.user_id(), state.clock.now());
    state
        .db
        .write(move |c| db::auth::record_login(c, uid, now))
        .await?;
    let (u, client) = account(state, uid).await?;
    if !client.active {
        return Err(AppError::Forbidden(
            "This business account is disabled. Contact your provider to enable it.".into(),
        ));
    }
    Ok((u, client))
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<LoginBody>,
) -> Result<Response, AppError> {
    let (u, client) = authenticate(&state, ip, &b.email, b.password).await?;
    session_response(&state, &u, &client, "Signed in")
}

/// Ends every session of the user (the token version moves on).
pub async fn sign_out(state: &AppState, user: UserId) -> Result<(), AppError> {
    let now = state.clock.now();
    state
        .db
        .write(move |c| db::auth::bump_token_version(c, user, now).map(|_| ()))
        .await
}

async fn logout(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    sign_out(&state, user.user_id()).await?;
    Ok(with_cookie(
        json!({ "success": true, "message": "Signed out" }),
        clear_cookie(),
    ))
}

async fn refresh_token(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let (u, client) = account(&state, user.user_id()).await?;
    let mut res = session_response(&state, &u, &client, "Token refreshed")?;
    if user.source == TokenSource::Bearer {
        res.headers_mut().remove(header::SET_COOKIE);
    }
    Ok(res)
}

async fn verify(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Value>, AppError> {
    let (u, client) = account(&state, user.user_id()).await?;
    Ok(Json(json!({
        "success": true,
        "valid": true,
        "csrfToken": state.csrf_token(&user.token),
        "data": { "user": u, "client": client },
    })))
}

async fn profile(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let (u, client) = account(&state, user.user_id()).await?;
    Ok(Json(
        json!({ "success": true, "data": { "user": u, "client": client } }),
    ))
}

// ---------- update-profile ----------

/// A change to the user's profile and business (the API's update-profile body;
/// the dashboard's settings forms fill only the fields they show).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub language: Option<String>,
    pub email: Option<String>,
    pub business_name: Option<String>,
    pub business_phone: Option<String>,
    pub business_type: Option<String>,
    pub website_url: Option<String>,
    pub timezone: Option<String>,
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

/// What came of a profile update.
pub struct ProfileUpdated {
    pub user: db::auth::User,
    pub client: db::clients::Client,
    /// Credentials changed: every older session ended; the caller needs a new token.
    pub credentials_changed: bool,
}

/// Validates and applies a profile change. Changing the email or the password
/// needs the current password and signs every other session out.
pub async fn apply_profile_update(
    state: &AppState,
    me: &db::auth::User,
    b: ProfileInput,
) -> Result<ProfileUpdated, AppError> {
    let new_email = match b.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(e) => Some(email("email", e)?).filter(|e| e.as_str() != me.email),
        None => None,
    };
    let new_password = b.new_password.filter(|p| !p.is_empty());
    if new_email.is_some() || new_password.is_some() {
        let Some(current) = b.current_password.filter(|p| !p.is_empty()) else {
            return Err(AppError::validation(
                "currentPassword",
                "Enter your current password to change your email or password.",
            ));
        };
        rate_limited(state.limits.login_account.check(&me.email, Instant::now()))?;
        if current.len() > 4 * password::MAX_LEN
            || !state
                .verify_password(current, Some(me.password_hash.clone()))
                .await?
        {
            return Err(AppError::validation(
                "currentPassword",
                "Your current password is not correct.",
            ));
        }
    }
    let effective_email = new_email
        .as_ref()
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|| me.email.clone());
    if let Some(pw) = &new_password {
        check_password("newPassword", pw, &effective_email)?;
    }
    let profile = db::auth::ProfileChanges {
        first_name: text("firstName", b.first_name, 100)?,
        last_name: text("lastName", b.last_name, 100)?,
        phone_number: match text("phoneNumber", b.phone_number, 40)? {
            Some(p) => Some(phone("phoneNumber", &p)?.as_str().to_string()),
            None => None,
        },
        language: language(b.language)?,
        email: new_email.clone(),
    };
    let business = db::clients::BusinessChanges {
        business_name: text("businessName", b.business_name, 200)?,
        business_phone: match text("businessPhone", b.business_phone, 40)? {
            Some(p) => Some(phone("businessPhone", &p)?),
            None => None,
        },
        business_type: text("businessType", b.business_type, 100)?,
        website_url: website(b.website_url)?,
        timezone: match b
            .timezone
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(tz) => Some(
                TimeZone::parse(tz)
                    .map_err(|m| AppError::validation("timezone", m))?
                    .name()
                    .to_string(),
            ),
            None => None,
        },
    };
    let hash = match new_password {
        Some(pw) => Some(state.hash_password(pw).await?),
        None => None,
    };
    let (uid, cid, now) = (me.user_id(), me.client_id(), state.clock.now());
    let email_changed = new_email.is_some();
    state
        .db
        .write(move |c| {
            db::auth::update_profile(c, uid, &profile, now)?;
            db::clients::update_business(c, cid, &business, now)?;
            if let Some(h) = hash {
                db::auth::set_password(c, uid, &h, now)?;
            } else if email_changed {
                db::auth::bump_token_version(c, uid, now)?;
            }
            Ok(())
        })
        .await?;
    let (u, client) = account(state, uid).await?;
    let credentials_changed = u.token_version != me.token_version;
    Ok(ProfileUpdated {
        user: u,
        client,
        credentials_changed,
    })
}

async fn update_profile(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<ProfileInput>,
) -> Result<Response, AppError> {
    let done = apply_profile_update(&state, &user.user, b).await?;
    if done.credentials_changed {
        // Every older session is gone; this one continues with a new token.
        return session_response(&state, &done.user, &done.client, "Profile updated");
    }
    Ok(Json(json!({ "success": true, "message": "Profile updated", "data": { "user": done.user, "client": done.client } })).into_response())
}

// ---------- password reset ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForgotBody {
    email: String,
}

/// The one answer to a reset request, whether or not the account exists.
pub const RESET_REQUESTED: &str = "If an account exists for that email, we have sent a link to reset the password. It is valid for 1 hour.";

/// Validates the email, applies the rate limits and, after answering, queues the
/// reset email when the account exists (same answer and timing either way).
pub async fn request_password_reset(
    state: &AppState,
    ip: std::net::IpAddr,
    email_in: &str,
) -> Result<(), AppError> {
    let email = email("email", email_in)?;
    let now_i = Instant::now();
    rate_limited(state.limits.reset_ip.check(&ip.to_string(), now_i))?;
    rate_limited(state.limits.reset_account.check(email.as_str(), now_i))?;
    // The work happens after the answer, so the answer and its timing are the
    // same whether or not the account exists.
    let st = state.clone();
    tokio::spawn(async move {
        if let Err(e) = queue_reset_email(&st, email).await {
            tracing::error!(error = %e, "could not queue a password reset email");
        }
    });
    Ok(())
}

async fn forgot_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<ForgotBody>,
) -> Result<Json<Value>, AppError> {
    request_password_reset(&state, ip, &b.email).await?;
    Ok(Json(json!({ "success": true, "message": RESET_REQUESTED })))
}

async fn queue_reset_email(state: &AppState, email: Email) -> Result<(), AppError> {
    let Some(user) = state
        .db
        .read(move |c| db::auth::find_by_email(c, &email))
        .await?
    else {
        return Ok(());
    };
    reset_link(state, &user, state.clock.now())
        .await
        .map(|_link| ())
}

/// Creates a reset token for `user`, stores its hash and queues the email.
/// Returns the link (the CLI prints it; the API never returns it).
pub async fn reset_link(
    state: &AppState,
    user: &db::auth::User,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, AppError> {
    let (uid, cid) = (user.user_id(), user.client_id());
    let token = random_token(32);
    let link = format!("{}/reset-password?token={token}", state.config.frontend_url);
    let email = crate::emails::render(
        &crate::emails::Template::PasswordReset { link: &link },
        &user.language,
    );
    let hash = sha256_hex(&token);
    let recipient = user.email.clone();
    state
        .db
        .write(move |c| {
            db::auth::insert_reset_token(
                c,
                uid,
                &hash,
                now + Duration::hours(RESET_VALID_HOURS),
                now,
            )?;
            outbox::enqueue(
                c,
                &outbox::NewItem {
                    client_id: Some(cid),
                    channel: outbox::Channel::Email,
                    recipient: &recipient,
                    subject: Some(&email.subject),
                    body: &email.text,
                    html_body: Some(&email.html),
                    idempotency_key: &format!("password-reset:{hash}"),
                },
                now,
            )?;
            Ok(())
        })
        .await?;
    Ok(link)
}

fn reset_token_error(state: ResetToken) -> AppError {
    let message = match state {
        ResetToken::Used => {
            "This reset link has already been used. Request a new one from the sign-in page."
        }
        ResetToken::Expired => {
            "This reset link has expired (links are valid for 1 hour). Request a new one from the sign-in page."
        }
        _ => {
            "This reset link is not valid. Check that you copied the whole link, or request a new one."
        }
    };
    AppError::validation("token", message)
}

fn token_hash(token: &str) -> Result<String, AppError> {
    let t = token.trim();
    if t.is_empty() || t.len() > 200 {
        return Err(reset_token_error(ResetToken::Unknown));
    }
    Ok(sha256_hex(t))
}

/// Whether a reset link can still be used; the account's email, masked, when it can.
pub async fn check_reset_token(state: &AppState, token: &str) -> Result<String, AppError> {
    let hash = token_hash(token)?;
    let now = state.clock.now();
    match state
        .db
        .read(move |c| db::auth::reset_token_state(c, &hash, now))
        .await?
    {
        ResetToken::Valid { email, .. } => Ok(mask_email(&email)),
        other => Err(reset_token_error(other)),
    }
}

async fn verify_reset_token(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<Value>, AppError> {
    let masked = check_reset_token(&state, &token).await?;
    Ok(Json(
        json!({ "success": true, "valid": true, "email": masked }),
    ))
}

fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResetBody {
    token: String,
    new_password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    ApiJson(b): ApiJson<ResetBody>,
) -> Result<Json<Value>, AppError> {
    reset_password_with_token(&state, &b.token, b.new_password).await?;
    Ok(Json(
        json!({ "success": true, "message": "Your password has been changed. Sign in with the new password." }),
    ))
}

/// Sets a new password with a reset token (single use; the rules of sign-up apply).
pub async fn reset_password_with_token(
    state: &AppState,
    token: &str,
    new_password: String,
) -> Result<(), AppError> {
    let hash = token_hash(token)?;
    let now = state.clock.now();
    let h = hash.clone();
    let email = match state
        .db
        .read(move |c| db::auth::reset_token_state(c, &h, now))
        .await?
    {
        ResetToken::Valid { email, .. } => email,
        other => return Err(reset_token_error(other)),
    };
    check_password("newPassword", &new_password, &email)?;
    let new_hash = state.hash_password(new_password).await?;
    state
        .db
        .write(move |c| {
            // Checked again inside the transaction: two concurrent uses, one wins.
            match db::auth::reset_token_state(c, &hash, now)? {
                ResetToken::Valid { user_id, .. } => {
                    db::auth::set_password(c, user_id, &new_hash, now).map(|_| ())
                }
                other => Err(reset_token_error(other)),
            }
        })
        .await
}
