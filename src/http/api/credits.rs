//! `/api/credits` on the original's paths: the balance summary, usage and
//! transaction history, notifications, top-ups through Stripe (PaymentIntent or
//! Checkout), auto-reload settings, the Stripe webhook, and the development-only
//! test routes. Every tenant route takes the tenant from `CurrentUser`; the test
//! routes exist only in development mode and only for the caller's own tenant
//! (404 otherwise, the same answer as a route that does not exist).

use super::pagination::Page;
use crate::app::AppState;
use crate::billing::rules::{self, dollars_f64};
use crate::billing::{MAX_TOP_UP_CENTS, MIN_TOP_UP_CENTS, ledger};
use crate::db::billing::{self as bdb, EntryFilter};
use crate::domain::{ClientId, TimeZone};
use crate::error::AppError;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser, MaybeUser};
use crate::providers::stripe::{NewCheckout, NewPaymentIntent};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/credits/balance", get(balance))
        .route("/credits/usage", get(usage))
        .route("/credits/transactions", get(transactions))
        .route("/credits/notifications", get(notifications))
        .route("/credits/notifications/read", post(mark_read))
        .route("/credits/reload", post(reload))
        .route("/credits/checkout", post(checkout))
        .route(
            "/credits/auto-reload/configure",
            post(configure_auto_reload),
        )
        .route(
            "/credits/webhook/stripe",
            post(crate::http::webhooks::stripe::handle),
        )
        .route(
            "/credits/webhooks/stripe",
            post(crate::http::webhooks::stripe::handle),
        )
        .route("/credits/test/client/{id}", get(test_client))
        .route("/credits/test/add/{client_id}", post(test_add))
}

// ---------- the summary ----------

/// The balance summary (the original's field names, dollars as numbers, plus
/// exact cents). Shared by `/balance`, the test route and the dashboard.
pub async fn summary(state: &AppState, client: ClientId) -> Result<Value, AppError> {
    let now = state.clock.now();
    let a = state
        .db
        .read(move |c| bdb::account(c, client))
        .await?
        .ok_or_else(|| AppError::not_found("credit account"))?;
    let used = ledger::free_used_now(&a, now);
    let free_left = (a.monthly_free_minutes - used).max(0);
    let standing = rules::Standing {
        balance: a.balance_cents,
        free_left,
        per_minute_mills: a.per_minute_rate_mills,
        low_threshold_cents: a.low_balance_threshold_cents,
    };
    let stripe = state.config.stripe.as_ref();
    Ok(json!({
        "clientId": client,
        "balance": dollars_f64(a.balance_cents),
        "balanceCents": a.balance_cents,
        "debt": dollars_f64(a.debt_cents),
        "debtCents": a.debt_cents,
        "freeMinutesUsed": used,
        "freeMinutesRemaining": free_left,
        "monthlyFreeMinutes": a.monthly_free_minutes,
        "freeMinutesResetDate": rules::next_reset(now, ledger::zone(&a)).map(|d| d.to_string()),
        "perMinuteRate": a.per_minute_rate_mills as f64 / 1000.0,
        "perMinuteRateMills": a.per_minute_rate_mills,
        "smsRateMills": a.sms_rate_mills,
        "paidMinutesAvailable": if a.per_minute_rate_mills > 0 { a.balance_cents * 10 / a.per_minute_rate_mills } else { 0 },
        "totalMinutesUsed": a.total_minutes_used,
        "totalAmountSpent": dollars_f64(a.total_amount_spent_cents),
        "totalAmountSpentCents": a.total_amount_spent_cents,
        "lastUsageDate": a.last_usage_date,
        "lowBalance": rules::is_low(&standing),
        "lowBalanceThreshold": dollars_f64(a.low_balance_threshold_cents),
        "lowBalanceNotified": a.low_balance_notified,
        "aiEnabled": a.rachel_enabled && !a.ai_paused_by_billing,
        "rachelEnabled": a.rachel_enabled,
        "aiPausedByBilling": a.ai_paused_by_billing,
        "autoReload": {
            "enabled": a.auto_reload_enabled,
            "amount": dollars_f64(a.auto_reload_amount_cents),
            "amountCents": a.auto_reload_amount_cents,
            "threshold": dollars_f64(a.auto_reload_threshold_cents),
            "thresholdCents": a.auto_reload_threshold_cents,
            "paymentMethodSaved": a.stripe_payment_method_id.is_some(),
        },
        "stripeConfigured": stripe.is_some(),
        "stripePublishableKey": stripe.and_then(|s| s.publishable_key.clone()),
    }))
}

async fn balance(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let data = summary(&state, user.client_id()).await?;
    Ok(Json(json!({ "success": true, "data": data })))
}

// ---------- history ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HistoryQuery {
    page: Option<i64>,
    limit: Option<i64>,
    #[serde(alias = "startDate")]
    from: Option<String>,
    #[serde(alias = "endDate")]
    to: Option<String>,
    /// usage: `call` or `sms`; transactions: a ledger kind.
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// A date filter: `YYYY-MM-DD` in the business's time zone (the start of that
/// day, or with `end` the start of the next one) or an RFC 3339 instant.
fn instant(field: &str, v: &str, tz: chrono_tz::Tz, end: bool) -> Result<DateTime<Utc>, AppError> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    let bad = || {
        AppError::validation(
            field,
            format!("{field} must be a date like 2026-11-24 (or an RFC 3339 time)"),
        )
    };
    let date = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| bad())?;
    let date = if end {
        date.succ_opt().ok_or_else(bad)?
    } else {
        date
    };
    let midnight = date.and_hms_opt(0, 0, 0).ok_or_else(bad)?;
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(bad)
}

async fn range(
    state: &AppState,
    client: ClientId,
    q: &HistoryQuery,
) -> Result<(Option<DateTime<Utc>>, Option<DateTime<Utc>>), AppError> {
    let tz_name = state
        .db
        .read(move |c| crate::db::calls::timezone_of(c, client))
        .await?;
    let tz = TimeZone::parse(&tz_name)
        .map(TimeZone::tz)
        .unwrap_or(chrono_tz::America::New_York);
    let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let from = non_empty(&q.from)
        .map(|v| instant("from", &v, tz, false))
        .transpose()?;
    let to = non_empty(&q.to)
        .map(|v| instant("to", &v, tz, true))
        .transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(AppError::validation("to", "to must be after from"));
    }
    Ok((from, to))
}

async fn usage(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let page = Page::new(q.page, q.limit, 50, 200)?;
    let usage_of = match q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some("call" | "calls") => Some("call"),
        Some("sms") => Some("sms"),
        Some(_) => return Err(AppError::validation("type", "type must be call or sms")),
    };
    let (from, to) = range(&state, client, &q).await?;
    let filter = EntryFilter {
        kinds: vec!["usage"],
        usage_of,
        from,
        to,
    };
    let (rows, total) = state
        .db
        .read(move |c| bdb::entries(c, client, &filter, page.limit, page.offset()))
        .await?;
    let usage: Vec<Value> = rows
        .iter()
        .map(|e| {
            let mut v = json!(e);
            let cost = e.charged_cents.unwrap_or(-e.amount_cents);
            v["cost"] = json!(dollars_f64(cost));
            v["costCents"] = json!(cost);
            v["usageType"] = json!(if e.call_sid.is_some() { "call" } else { "sms" });
            v
        })
        .collect();
    Ok(Json(json!({
        "success": true,
        "data": { "usage": usage, "pagination": page.meta(total, "totalRecords") }
    })))
}

const KINDS: [&str; 6] = [
    "usage",
    "payment",
    "refund",
    "adjustment",
    "debt",
    "debt_recovery",
];

async fn transactions(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let page = Page::new(q.page, q.limit, 50, 200)?;
    let kinds = match q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => vec![],
        Some(k) => match KINDS.iter().find(|x| **x == k) {
            Some(x) => vec![*x],
            None => {
                return Err(AppError::validation(
                    "type",
                    format!("type must be one of: {}", KINDS.join(", ")),
                ));
            }
        },
    };
    let (from, to) = range(&state, client, &q).await?;
    let filter = EntryFilter {
        kinds,
        usage_of: None,
        from,
        to,
    };
    let (rows, total, payments) = state
        .db
        .read(move |c| {
            let (rows, total) = bdb::entries(c, client, &filter, page.limit, page.offset())?;
            Ok((rows, total, bdb::payments(c, client, 50)?))
        })
        .await?;
    Ok(Json(json!({
        "success": true,
        "data": {
            "transactions": rows,
            "payments": payments,
            "pagination": page.meta(total, "totalTransactions"),
        }
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotificationsQuery {
    page: Option<i64>,
    limit: Option<i64>,
    unread: Option<bool>,
}

async fn notifications(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<NotificationsQuery>,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let page = Page::new(q.page, q.limit, 50, 200)?;
    let unread = q.unread.unwrap_or(false);
    let (rows, total, emails) = state
        .db
        .read(move |c| {
            let (rows, total) = bdb::notifications(c, client, unread, page.limit, page.offset())?;
            Ok((rows, total, bdb::emails(c, client, 50)?))
        })
        .await?;
    let mailer = state
        .providers
        .mailer
        .unavailable_reason()
        .map(String::from);
    Ok(Json(json!({
        "success": true,
        "data": {
            "notifications": rows,
            "emails": emails,
            "emailDelivery": { "configured": mailer.is_none(), "note": mailer },
            "pagination": page.meta(total, "totalNotifications"),
        }
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadBody {
    id: Option<i64>,
}

async fn mark_read(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<ReadBody>,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let now = state.clock.now();
    let n = state
        .db
        .write(move |c| bdb::mark_read(c, client, b.id, now))
        .await?;
    Ok(Json(json!({ "success": true, "data": { "marked": n } })))
}

// ---------- amounts ----------

/// A whole number from JSON: an integer, or a string of digits.
fn whole(field: &str, v: &Value) -> Result<i64, AppError> {
    let n = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        }
        _ => None,
    };
    n.ok_or_else(|| {
        AppError::validation(
            field,
            format!("{field} must be a whole number (no cents, no decimals)"),
        )
    })
}

/// Cents from `dollars` (whole dollars) or `cents`: exactly one of them, within bounds.
fn amount_cents(
    dollars: Option<&Value>,
    cents: Option<&Value>,
    (dollar_field, cents_field): (&str, &str),
    (min, max): (i64, i64),
) -> Result<Option<i64>, AppError> {
    let out = match (
        dollars.filter(|v| !v.is_null()),
        cents.filter(|v| !v.is_null()),
    ) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(AppError::validation(
                dollar_field,
                format!("send {dollar_field} (dollars) or {cents_field}, not both"),
            ));
        }
        (Some(d), None) => {
            let d = whole(dollar_field, d)?;
            if !(min / 100..=max / 100).contains(&d) {
                return Err(AppError::validation(
                    dollar_field,
                    format!(
                        "{dollar_field} must be from {} to {} dollars",
                        min / 100,
                        max / 100
                    ),
                ));
            }
            d * 100
        }
        (None, Some(c)) => {
            let c = whole(cents_field, c)?;
            if !(min..=max).contains(&c) {
                return Err(AppError::validation(
                    cents_field,
                    format!("{cents_field} must be from {min} to {max}"),
                ));
            }
            c
        }
    };
    Ok(Some(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AmountBody {
    amount: Option<Value>,
    amount_cents: Option<Value>,
}

fn top_up(b: &AmountBody) -> Result<i64, AppError> {
    amount_cents(
        b.amount.as_ref(),
        b.amount_cents.as_ref(),
        ("amount", "amountCents"),
        (MIN_TOP_UP_CENTS, MAX_TOP_UP_CENTS),
    )?
    .ok_or_else(|| {
        AppError::validation(
            "amount",
            "amount is required: whole dollars from 5 to 500 (or amountCents from 500 to 50000)",
        )
    })
}

fn stripe_unavailable(state: &AppState) -> Result<(), AppError> {
    match state.providers.payments.unavailable_reason() {
        Some(r) => Err(AppError::ServiceUnavailable(r.to_string())),
        None => Ok(()),
    }
}

fn client_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .map(str::trim)
        .filter(|v| (1..=200).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(|v| Some(v.to_string()))
        .ok_or_else(|| {
            AppError::validation(
                "Idempotency-Key",
                "the Idempotency-Key header must be 1 to 200 visible ASCII characters",
            )
        })
}

/// A payment row to start: its id, its key (also Stripe's Idempotency-Key),
/// and the tenant's Stripe customer (created first if it has none).
struct Started {
    payment_id: i64,
    key: String,
    customer: String,
}

async fn start_payment(
    state: &AppState,
    client: ClientId,
    kind: &'static str,
    cents: i64,
    key: String,
) -> Result<Started, AppError> {
    let now = state.clock.now();
    let k = key.clone();
    let (payment_id, account) = state
        .db
        .write(move |c| {
            bdb::ensure_account(c, client, now)?;
            let id = bdb::insert_payment(c, client, kind, cents, &k, now)?;
            let a = bdb::account(c, client)?.ok_or_else(|| AppError::not_found("business"))?;
            Ok((id, a))
        })
        .await?;
    let customer = match account.stripe_customer_id.clone() {
        Some(c) => c,
        None => {
            let payments = state.providers.payments.clone();
            let (email, name) = (account.owner_email.clone(), account.business_name.clone());
            let created = tokio::task::spawn_blocking(move || {
                payments.create_customer(
                    email.as_deref(),
                    &name,
                    client.get(),
                    &format!("customer:{client}"),
                )
            })
            .await
            .map_err(AppError::internal)?;
            match created {
                Ok(id) => {
                    let cid = id.clone();
                    state
                        .db
                        .write(move |c| bdb::save_stripe_customer(c, client, Some(&cid), None, now))
                        .await?;
                    id
                }
                Err(e) => {
                    fail_payment(state, payment_id, &e.to_string()).await;
                    return Err(AppError::ServiceUnavailable(format!(
                        "Stripe did not accept the request: {e}. Nothing was charged; please try again."
                    )));
                }
            }
        }
    };
    Ok(Started {
        payment_id,
        key,
        customer,
    })
}

async fn fail_payment(state: &AppState, payment_id: i64, reason: &str) {
    let now = state.clock.now();
    let reason = reason.to_string();
    if let Err(e) = state
        .db
        .write(move |c| bdb::set_payment_status(c, payment_id, "failed", Some(&reason), now))
        .await
    {
        tracing::warn!(error = %e, payment_id, "could not mark a payment failed");
    }
}

fn metadata(client: ClientId, payment_id: i64, kind: &str) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", client.to_string()),
        ("payment_id", payment_id.to_string()),
        ("ledger_ref", format!("payment:{payment_id}")),
        ("kind", kind.to_string()),
    ]
}

/// What every top-up starts with: a valid amount, Stripe configured, an
/// idempotency key (the client's `Idempotency-Key` or a fresh one) and the
/// pending payment row.
async fn begin_top_up(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    b: &AmountBody,
    route: &str,
    kind: &'static str,
) -> Result<(i64, ClientId, Started), AppError> {
    let cents = top_up(b)?;
    let client_supplied = client_key(headers)?;
    stripe_unavailable(state)?;
    let client = user.client_id();
    let key = format!(
        "{route}:{client}:{}",
        client_supplied.unwrap_or_else(|| crate::auth::random_hex(16))
    );
    let started = start_payment(state, client, kind, cents, key).await?;
    Ok((cents, client, started))
}

async fn reload(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ApiJson(b): ApiJson<AmountBody>,
) -> Result<Response, AppError> {
    let (cents, client, started) =
        begin_top_up(&state, &user, &headers, &b, "reload", "manual").await?;
    let payments = state.providers.payments.clone();
    let (pid, k, cust) = (
        started.payment_id,
        started.key.clone(),
        started.customer.clone(),
    );
    let result = tokio::task::spawn_blocking(move || {
        payments.create_payment_intent(
            &NewPaymentIntent {
                amount_cents: cents,
                customer: Some(&cust),
                off_session_payment_method: None,
                description: "RinglyPro credit top-up",
                metadata: metadata(client, pid, "manual"),
            },
            &k,
        )
    })
    .await
    .map_err(AppError::internal)?;
    let pi = match result {
        Ok(pi) => pi,
        Err(e) => {
            fail_payment(&state, pid, &e.to_string()).await;
            return Err(AppError::ServiceUnavailable(format!(
                "Stripe did not accept the payment: {e}. Nothing was charged; please try again."
            )));
        }
    };
    let now = state.clock.now();
    let (intent, customer) = (pi.id.clone(), started.customer.clone());
    state
        .db
        .write(move |c| bdb::link_payment(c, pid, Some(&intent), None, Some(&customer), now))
        .await?;
    let body = json!({
        "success": true,
        "clientSecret": pi.client_secret,
        "transactionId": pid,
        "paymentIntentId": pi.id,
        "amount": dollars_f64(cents),
        "amountCents": cents,
        "publishableKey": state.config.stripe.as_ref().and_then(|s| s.publishable_key.clone()),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn checkout(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ApiJson(b): ApiJson<AmountBody>,
) -> Result<Response, AppError> {
    let (cents, client, started) =
        begin_top_up(&state, &user, &headers, &b, "checkout", "checkout").await?;
    let payments = state.providers.payments.clone();
    let base = state.config.frontend_url.clone();
    let (pid, k, cust) = (
        started.payment_id,
        started.key.clone(),
        started.customer.clone(),
    );
    let result = tokio::task::spawn_blocking(move || {
        let success = format!("{base}/billing?checkout=success&session_id={{CHECKOUT_SESSION_ID}}");
        let cancel = format!("{base}/billing?checkout=cancelled");
        payments.create_checkout_session(
            &NewCheckout {
                amount_cents: cents,
                customer: Some(&cust),
                product_name: "RinglyPro credit",
                success_url: &success,
                cancel_url: &cancel,
                client_reference_id: &client.to_string(),
                metadata: metadata(client, pid, "checkout"),
            },
            &k,
        )
    })
    .await
    .map_err(AppError::internal)?;
    let session = match result {
        Ok(s) => s,
        Err(e) => {
            fail_payment(&state, pid, &e.to_string()).await;
            return Err(AppError::ServiceUnavailable(format!(
                "Stripe did not create the payment page: {e}. Nothing was charged; please try again."
            )));
        }
    };
    let now = state.clock.now();
    let (sid, intent, customer) = (
        session.id.clone(),
        session.payment_intent.clone(),
        started.customer.clone(),
    );
    state
        .db
        .write(move |c| {
            bdb::link_payment(c, pid, intent.as_deref(), Some(&sid), Some(&customer), now)
        })
        .await?;
    let body = json!({
        "success": true,
        "url": session.url,
        "sessionId": session.id,
        "transactionId": pid,
        "amount": dollars_f64(cents),
        "amountCents": cents,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AutoReloadBody {
    enabled: Option<Value>,
    amount: Option<Value>,
    amount_cents: Option<Value>,
    threshold: Option<Value>,
    threshold_cents: Option<Value>,
}

async fn configure_auto_reload(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<AutoReloadBody>,
) -> Result<Json<Value>, AppError> {
    let enabled = match &b.enabled {
        Some(Value::Bool(e)) => *e,
        _ => {
            return Err(AppError::validation(
                "enabled",
                "enabled is required: true or false",
            ));
        }
    };
    let amount = amount_cents(
        b.amount.as_ref(),
        b.amount_cents.as_ref(),
        ("amount", "amountCents"),
        (MIN_TOP_UP_CENTS, MAX_TOP_UP_CENTS),
    )?;
    let threshold = amount_cents(
        b.threshold.as_ref(),
        b.threshold_cents.as_ref(),
        ("threshold", "thresholdCents"),
        (100, MAX_TOP_UP_CENTS),
    )?;
    if enabled {
        stripe_unavailable(&state)?;
    }
    let client = user.client_id();
    let now = state.clock.now();
    state
        .db
        .write(move |c| {
            bdb::ensure_account(c, client, now)?;
            let a = bdb::account(c, client)?.ok_or_else(|| AppError::not_found("business"))?;
            let amount = amount.unwrap_or(a.auto_reload_amount_cents);
            let threshold = threshold.unwrap_or(a.auto_reload_threshold_cents);
            bdb::configure_auto_reload(c, client, enabled, amount, threshold, now)
        })
        .await?;
    let data = summary(&state, client).await?;
    let saved = data["autoReload"]["paymentMethodSaved"].as_bool() == Some(true);
    let note = (enabled && !saved).then_some(
        "Auto-reload starts after your first top-up by card: that card is saved for it.",
    );
    Ok(Json(json!({
        "success": true,
        "data": data["autoReload"].clone(),
        "note": note,
    })))
}

// ---------- development-only test routes ----------

/// The same 404 as a route that does not exist.
fn no_route(uri: &Uri) -> AppError {
    AppError::NotFound(format!(
        "There is no API route {}. See the API list in the README.",
        uri.path()
    ))
}

/// The caller's tenant when the server is in development mode and `id` is it.
fn test_tenant(
    state: &AppState,
    user: MaybeUser,
    id: i64,
    uri: &Uri,
) -> Result<ClientId, AppError> {
    if !state.config.development {
        return Err(no_route(uri));
    }
    let Some(user) = user.0 else {
        return Err(AppError::Unauthorized(
            "Sign in to continue: your session is missing, expired or was signed out.".into(),
        ));
    };
    if user.client_id().get() != id {
        return Err(no_route(uri));
    }
    Ok(user.client_id())
}

async fn test_client(
    State(state): State<AppState>,
    uri: Uri,
    user: MaybeUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, AppError> {
    let id = id.parse::<i64>().map_err(|_| no_route(&uri))?;
    let client = test_tenant(&state, user, id, &uri)?;
    let data = summary(&state, client).await?;
    Ok(Json(json!({ "success": true, "data": data })))
}

async fn test_add(
    State(state): State<AppState>,
    uri: Uri,
    user: MaybeUser,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, AppError> {
    let id = id.parse::<i64>().map_err(|_| no_route(&uri))?;
    // The body is read only once the route is known to exist for this caller.
    let client = test_tenant(&state, user, id, &uri)?;
    let b: AmountBody = crate::http::extract::parse_json(&body)?;
    let cents = amount_cents(
        b.amount.as_ref(),
        b.amount_cents.as_ref(),
        ("amount", "amountCents"),
        (1, MAX_TOP_UP_CENTS),
    )?
    .ok_or_else(|| {
        AppError::validation(
            "amount",
            "amount (whole dollars) or amountCents is required",
        )
    })?;
    let now = state.clock.now();
    let dashboard = state.config.frontend_url.clone();
    let key = format!("test:{}", crate::auth::random_hex(12));
    state
        .db
        .write(move |c| {
            ledger::adjust(
                c,
                client,
                cents,
                "test credit (development mode)",
                &key,
                &dashboard,
                now,
            )
        })
        .await?;
    let data = summary(&state, client).await?;
    Ok(Json(
        json!({ "success": true, "message": "Test credits added", "data": data }),
    ))
}
