//! `/billing`: the balance, free minutes this month, a 30-day usage chart
//! (calls and minutes per day, server-rendered SVG), the ledger, payments,
//! notifications, the top-up step and auto-reload settings. Everything shown
//! is read from the billing tables through `db::credit_view`. Top-ups and
//! auto-reload are done by the billing API (`POST /api/credits/checkout`,
//! `/api/credits/auto-reload/configure`), called in-process with the owner's
//! session so its rules are the only ones; a server without those routes or
//! without Stripe says plainly that top-ups are not configured. Payment is
//! Stripe Checkout (a redirect): Stripe Elements would need Stripe's script,
//! which the strict CSP does not allow.

use super::components::{Errors, Input, badge, checkbox, csrf, flash, form_errors, when};
use super::errors::PageResult;
use super::i18n::{Lang, money};
use super::layout::{self, Nav};
use super::session::{Form, Viewer};
use crate::app::AppState;
use crate::db::{self, credit_view};
use crate::error::AppError;
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::{Datelike, Duration, NaiveDate};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tower::ServiceExt;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/billing", get(show))
        .route("/billing/top-up", post(top_up))
        .route("/billing/auto-reload", post(auto_reload))
}

#[derive(Deserialize, Default)]
struct Params {
    done: Option<String>,
    /// Stripe Checkout sends the owner back with `success` or `cancelled`.
    checkout: Option<String>,
}

struct Data {
    account: credit_view::Account,
    ledger: Vec<credit_view::LedgerLine>,
    payments: Vec<credit_view::Payment>,
    notifications: Vec<credit_view::Notification>,
    days: Vec<(NaiveDate, i64, i64)>,
    tz: chrono_tz::Tz,
}

async fn load(state: &AppState, v: &Viewer) -> Result<Data, AppError> {
    let (client, now) = (v.client_id(), state.clock.now());
    state
        .db
        .read(move |c| {
            let rules = db::settings::rules(c, client)?;
            let today = rules.local_today(now);
            let month = format!("{:04}-{:02}", today.year(), today.month());
            let first = today - Duration::days(29);
            let mut per_day: BTreeMap<NaiveDate, (i64, i64)> = (0..30)
                .map(|i| (first + Duration::days(i), (0, 0)))
                .collect();
            for (at, secs) in credit_view::calls_since(c, client, now - Duration::days(31))? {
                if let Some(t) = crate::clock::from_db(&at) {
                    let d = t.with_timezone(&rules.tz).date_naive();
                    if let Some(e) = per_day.get_mut(&d) {
                        e.0 += 1;
                        // Minutes as billed: a started minute counts whole.
                        e.1 += (secs.max(0) + 59) / 60;
                    }
                }
            }
            Ok(Data {
                account: credit_view::account(c, client, &month)?,
                ledger: credit_view::ledger(c, client, 20, 0)?.0,
                payments: credit_view::payments(c, client, 10)?,
                notifications: credit_view::notifications(c, client, 10)?,
                days: per_day.into_iter().map(|(d, (n, m))| (d, n, m)).collect(),
                tz: rules.tz,
            })
        })
        .await
}

/// Calls and minutes per day as a bar chart (no script, no external library).
fn chart(l: Lang, days: &[(NaiveDate, i64, i64)]) -> Markup {
    let (w, h, pad) = (600.0_f64, 170.0_f64, 22.0_f64);
    let max = days.iter().map(|d| d.2.max(d.1)).max().unwrap_or(0).max(1) as f64;
    let n = days.len().max(1) as f64;
    let slot = (w - pad) / n;
    let total_calls: i64 = days.iter().map(|d| d.1).sum();
    let total_min: i64 = days.iter().map(|d| d.2).sum();
    let desc = l.tr(
        format!("{total_calls} calls and {total_min} minutes in the last 30 days."),
        format!("{total_calls} llamadas y {total_min} minutos en los últimos 30 días."),
    );
    html! {
        figure {
            svg.chart viewBox=(format!("0 0 {w} {h}")) role="img" aria-labelledby="chart-t chart-d" {
                title #chart-t { (l.t("Calls and minutes per day", "Llamadas y minutos por día")) }
                desc #chart-d { (desc) }
                @for (i, (d, calls, mins)) in days.iter().enumerate() {
                    @let x = pad + i as f64 * slot;
                    @let mh = (*mins as f64 / max) * (h - 2.0 * pad);
                    @let ch = (*calls as f64 / max) * (h - 2.0 * pad);
                    rect.bar x=(format!("{:.1}", x + 1.0)) y=(format!("{:.1}", h - pad - mh)) width=(format!("{:.1}", (slot / 2.0 - 1.0).max(1.0))) height=(format!("{:.1}", mh)) {
                        title { (l.short_date(*d)) ": " (mins) " min" }
                    }
                    rect.bar2 x=(format!("{:.1}", x + slot / 2.0)) y=(format!("{:.1}", h - pad - ch)) width=(format!("{:.1}", (slot / 2.0 - 1.0).max(1.0))) height=(format!("{:.1}", ch)) {
                        title { (l.short_date(*d)) ": " (calls) " " (l.t("calls", "llamadas")) }
                    }
                    @if i % 7 == 0 {
                        text x=(format!("{:.1}", x)) y=(format!("{:.1}", h - 6.0)) { (l.short_date(*d)) }
                    }
                }
                text x="2" y="12" { (max as i64) }
                line x1=(pad) y1=(h - pad) x2=(w) y2=(h - pad) stroke="#94a3b8" {}
            }
            figcaption.muted { (desc) " " span.badge { "■ " (l.t("minutes", "minutos")) } " " span.badge { "■ " (l.t("calls", "llamadas")) } }
        }
    }
}

fn page(l: Lang, v: &Viewer, state: &AppState, d: &Data, e: &Errors, done: Option<&str>) -> Markup {
    let a = &d.account;
    let stripe = state.config.stripe.is_some();
    let rate = format!(
        "${}.{:03}",
        a.per_minute_rate_mills / 1000,
        a.per_minute_rate_mills % 1000
    );
    let body = html! {
        h1 { (l.t("Billing", "Facturación")) }
        (flash(done))
        (form_errors(l, e))
        div.stats {
            div.stat { b { (money(a.balance_cents)) } span { (l.t("balance", "saldo")) } }
            div.stat {
                b { (a.free_minutes_used.min(a.monthly_free_minutes)) " / " (a.monthly_free_minutes) }
                span { (l.t("free minutes used this month", "minutos gratis usados este mes")) }
                progress value=(a.free_minutes_used.min(a.monthly_free_minutes)) max=(a.monthly_free_minutes.max(1)) {}
            }
            div.stat { b { (rate) } span { (l.t("per minute after the free minutes", "por minuto después de los gratis")) } }
            @if a.debt_cents > 0 {
                div.stat { b { (money(a.debt_cents)) } span { (l.t("owed, taken from the next top-up", "adeudado, se descuenta de la próxima recarga")) } }
            }
        }
        @if a.ai_paused_by_billing {
            p.alert.bad { (l.t("Your AI receptionist is paused because the balance ran out. It switches back on after a top-up.", "Su recepcionista está en pausa porque se acabó el saldo. Se reactiva al recargar.")) }
        }
        section.card aria-labelledby="h-usage" {
            h2 #h-usage { (l.t("Last 30 days", "Últimos 30 días")) }
            (chart(l, &d.days))
        }
        div.grid {
            section.card #top-up aria-labelledby="h-topup" {
                h2 #h-topup { (l.t("Add credit", "Agregar saldo")) }
                @if !stripe {
                    p.alert role="status" { (l.t("Top-ups are not configured on this server yet (Stripe keys are missing). Your free minutes keep working.", "Las recargas aún no están configuradas en este servidor (faltan las claves de Stripe). Sus minutos gratis siguen funcionando.")) }
                }
                form method="post" action="/billing/top-up" hx-post="/billing/top-up" hx-target="#topup-result" {
                    (csrf(&v.csrf))
                    fieldset {
                        legend { (l.t("Amount", "Monto")) }
                        @for (i, amt) in [10, 25, 50, 100].iter().enumerate() {
                            label.check {
                                input type="radio" name="amount" value=(amt) checked[i == 1];
                                "$" (amt)
                            }
                        }
                    }
                    (Input::new("custom", l.t("Or another amount in dollars ($5 to $500)", "U otro monto en dólares ($5 a $500)"), "").kind("number").range(5, 500).inputmode("numeric").errors(e))
                    button type="submit" { (l.t("Continue to payment", "Continuar al pago")) }
                    p.hint { (l.t("You pay on Stripe's secure page and come back here.", "Paga en la página segura de Stripe y vuelve aquí.")) }
                }
                div #topup-result aria-live="polite" {}
            }
            section.card aria-labelledby="h-auto" {
                h2 #h-auto { (l.t("Auto-reload", "Recarga automática")) }
                p.muted { (l.t("Charge your saved card when the balance falls below a threshold, so calls never stop.", "Cobrar a su tarjeta guardada cuando el saldo baje de un límite, para que las llamadas nunca se detengan.")) }
                form method="post" action="/billing/auto-reload" {
                    (csrf(&v.csrf))
                    (checkbox("enabled", l.t("Reload automatically", "Recargar automáticamente"), a.auto_reload_enabled))
                    div.inline {
                        (Input::new("amount", l.t("Add (dollars)", "Agregar (dólares)"), (a.auto_reload_amount_cents / 100).to_string()).kind("number").range(5, 500).errors(e))
                        (Input::new("threshold", l.t("When below (dollars)", "Cuando baje de (dólares)"), (a.auto_reload_threshold_cents / 100).to_string()).kind("number").range(0, 500).errors(e))
                    }
                    @if !a.has_payment_method {
                        p.hint { (l.t("Your card is saved with your first top-up.", "Su tarjeta se guarda con la primera recarga.")) }
                    }
                    button.secondary type="submit" { (l.t("Save auto-reload", "Guardar recarga automática")) }
                }
            }
        }
        section.card aria-labelledby="h-ledger" {
            h2 #h-ledger { (l.t("Activity", "Movimientos")) }
            @if d.ledger.is_empty() {
                p.empty { (l.t("No charges or payments yet.", "Aún no hay cargos ni pagos.")) }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (l.t("When", "Cuándo")) }
                        th scope="col" { (l.t("What", "Qué")) }
                        th.num scope="col" { (l.t("Amount", "Monto")) }
                        th.num.hide-sm scope="col" { (l.t("Balance", "Saldo")) }
                    } }
                    tbody {
                        @for x in &d.ledger {
                            tr {
                                td { (when(l, &x.created_at, d.tz)) }
                                td { (x.description) @if x.description.is_empty() { (x.kind) } @if let Some(m) = x.minutes { " · " (m) " min" } }
                                td.num { (money(x.amount_cents)) }
                                td.num.hide-sm { (money(x.balance_after_cents)) }
                            }
                        }
                    }
                } }
            }
        }
        div.grid {
            section.card aria-labelledby="h-payments" {
                h2 #h-payments { (l.t("Payments", "Pagos")) }
                @if d.payments.is_empty() {
                    p.empty { (l.t("No payments yet.", "Aún no hay pagos.")) }
                } @else {
                    ul.list {
                        @for p in &d.payments {
                            li {
                                span { (money(p.amount_cents)) " · " (when(l, &p.created_at, d.tz)) @if let Some(m) = &p.failure_message { br; small { (m) } } }
                                (badge(l, &p.status))
                            }
                        }
                    }
                }
            }
            section.card aria-labelledby="h-notes" {
                h2 #h-notes { (l.t("Notifications", "Avisos")) }
                @if d.notifications.is_empty() {
                    p.empty { (l.t("Nothing to report.", "Nada que avisar.")) }
                } @else {
                    ul.list {
                        @for n in &d.notifications {
                            li { span { b { (n.title) } br; small { (n.body) } } small { (when(l, &n.created_at, d.tz)) } }
                        }
                    }
                }
            }
        }
    };
    layout::page(v, Nav::Billing, l.t("Billing", "Facturación"), body)
}

async fn show(State(state): State<AppState>, v: Viewer, Query(p): Query<Params>) -> PageResult {
    let l = v.lang;
    let d = load(&state, &v).await?;
    let done = match (p.done.as_deref(), p.checkout.as_deref()) {
        (_, Some("success")) => Some(l.t(
            "Thank you! Your payment is being confirmed; the balance updates in a moment.",
            "¡Gracias! Su pago se está confirmando; el saldo se actualiza en un momento.",
        )),
        (_, Some(_)) => Some(l.t(
            "The payment was cancelled; nothing was charged.",
            "El pago se canceló; no se cobró nada.",
        )),
        (Some("auto"), _) => Some(l.t("Auto-reload saved.", "Recarga automática guardada.")),
        _ => None,
    };
    Ok(page(l, &v, &state, &d, &Errors::default(), done).into_response())
}

/// What an in-process call to the API answered.
pub(super) enum Api {
    Ok(Value),
    /// The route is not on this server (the billing module is not installed).
    Missing,
    Refused(u16, String),
}

/// Calls one of the JSON API's routes in-process with the owner's session, so
/// the page applies exactly the API's rules (billing, number provisioning).
pub(super) async fn call_api(
    state: &AppState,
    v: &Viewer,
    path: &str,
    body: Value,
) -> Result<Api, AppError> {
    let app = crate::http::api::router().with_state(state.clone());
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {}", v.token))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .map_err(AppError::internal)?;
    let res = app.oneshot(req).await.map_err(AppError::internal)?;
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1024 * 1024)
        .await
        .map_err(AppError::internal)?;
    if status == StatusCode::NOT_FOUND && bytes.is_empty()
        || status == StatusCode::METHOD_NOT_ALLOWED
    {
        return Ok(Api::Missing);
    }
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(Api::Ok(v));
    }
    let msg = v["error"]["message"]
        .as_str()
        .or(v["message"].as_str())
        .unwrap_or("The payment service refused the request.")
        .to_string();
    Ok(Api::Refused(status.as_u16(), msg))
}

fn not_configured(l: Lang) -> String {
    l.t(
        "Top-ups are not configured on this server yet. Ask whoever runs your RinglyPro to set up Stripe.",
        "Las recargas aún no están configuradas en este servidor. Pida a quien administra su RinglyPro que configure Stripe.",
    )
    .to_string()
}

fn amount_dollars(l: Lang, f: &super::session::Fields) -> Result<i64, AppError> {
    let raw = f
        .opt("custom")
        .or_else(|| f.opt("amount"))
        .unwrap_or_default();
    let n: i64 = raw.trim().trim_start_matches('$').parse().map_err(|_| {
        AppError::validation(
            "custom",
            l.t(
                "Enter a whole number of dollars, like 25.",
                "Escriba un número entero de dólares, como 25.",
            ),
        )
    })?;
    if !(5..=500).contains(&n) {
        return Err(AppError::validation(
            "custom",
            l.t(
                "Top-ups are between $5 and $500.",
                "Las recargas son de $5 a $500.",
            ),
        ));
    }
    Ok(n)
}

/// The Checkout page address in whatever field the billing API uses for it.
fn checkout_url(v: &Value) -> Option<String> {
    [
        &v["url"],
        &v["checkoutUrl"],
        &v["sessionUrl"],
        &v["data"]["url"],
        &v["data"]["checkoutUrl"],
        &v["data"]["sessionUrl"],
    ]
    .iter()
    .find_map(|x| x.as_str())
    .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    .map(String::from)
}

async fn top_up(
    State(state): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    Form(f): Form,
) -> PageResult {
    let l = v.lang;
    let htmx = headers.contains_key("hx-request");
    let outcome: Result<String, Errors> = match amount_dollars(l, &f) {
        Err(e) => Err(Errors::from_app(e, &[])?),
        Ok(dollars) => match call_api(
            &state,
            &v,
            "/credits/checkout",
            json!({ "amount": dollars }),
        )
        .await?
        {
            Api::Ok(body) => checkout_url(&body).ok_or_else(|| Errors::general(not_configured(l))),
            Api::Missing => Err(Errors::general(not_configured(l))),
            Api::Refused(503, _) if state.config.stripe.is_none() => {
                Err(Errors::general(not_configured(l)))
            }
            Api::Refused(_, m) => Err(Errors::general(m)),
        },
    };
    match (outcome, htmx) {
        (Ok(url), true) => {
            let mut res = StatusCode::OK.into_response();
            if let Ok(h) = HeaderValue::from_str(&url) {
                res.headers_mut().insert("hx-redirect", h);
            }
            Ok(res)
        }
        (Ok(url), false) => {
            let body = html! {
                h1 { (l.t("Continue to payment", "Continuar al pago")) }
                div.card { p { a.button href=(url) { (l.t("Open Stripe's secure payment page", "Abrir la página segura de pago de Stripe")) } } }
            };
            Ok(layout::page(&v, Nav::Billing, l.t("Billing", "Facturación"), body).into_response())
        }
        (Err(e), true) => Ok((StatusCode::OK, form_errors(l, &e)).into_response()),
        (Err(e), false) => {
            let d = load(&state, &v).await?;
            Ok((StatusCode::BAD_REQUEST, page(l, &v, &state, &d, &e, None)).into_response())
        }
    }
}

async fn auto_reload(State(state): State<AppState>, v: Viewer, Form(f): Form) -> PageResult {
    let l = v.lang;
    let parsed = (|| -> Result<(i64, i64), AppError> {
        let amount = f
            .int("amount", l.t("The amount", "El monto"))?
            .unwrap_or(20);
        let threshold = f
            .int("threshold", l.t("The threshold", "El límite"))?
            .unwrap_or(5);
        if !(5..=500).contains(&amount) {
            return Err(AppError::validation(
                "amount",
                l.t(
                    "Reloads are between $5 and $500.",
                    "Las recargas son de $5 a $500.",
                ),
            ));
        }
        if !(0..=500).contains(&threshold) {
            return Err(AppError::validation(
                "threshold",
                l.t(
                    "The threshold is between $0 and $500.",
                    "El límite es de $0 a $500.",
                ),
            ));
        }
        Ok((amount, threshold))
    })();
    let errors = match parsed {
        Err(e) => Errors::from_app(e, &[])?,
        Ok((amount, threshold)) => {
            let body = json!({ "enabled": f.checked("enabled"), "amount": amount, "threshold": threshold });
            match call_api(&state, &v, "/credits/auto-reload/configure", body).await? {
                Api::Ok(_) => return Ok(Redirect::to("/billing?done=auto").into_response()),
                Api::Missing | Api::Refused(503, _) => Errors::general(l.t(
                    "Auto-reload is not configured on this server yet (it needs Stripe).",
                    "La recarga automática aún no está configurada en este servidor (necesita Stripe).",
                )),
                Api::Refused(_, m) => Errors::general(m),
            }
        }
    };
    let d = load(&state, &v).await?;
    Ok((
        StatusCode::BAD_REQUEST,
        page(l, &v, &state, &d, &errors, None),
    )
        .into_response())
}
