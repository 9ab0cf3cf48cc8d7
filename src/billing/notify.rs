//! Tells a tenant's owner about billing events: a row in `notifications` (the
//! dashboard and `GET /api/credits/notifications`) and, when the business has
//! an owner email, an email in the owner's language queued in the outbox in the
//! same transaction (so it is delivered once, with retries, or kept visible
//! when no mailer is configured).

use crate::billing::rules::dollars;
use crate::db::billing::{self as bdb, Account};
use crate::db::outbox;
use crate::emails::{self, Template};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// What happened.
#[derive(Debug, Clone)]
pub enum Notice<'a> {
    LowBalance {
        balance_cents: i64,
        free_minutes_left: i64,
    },
    ZeroBalance,
    /// Billing switched the AI receptionist back on (dashboard only).
    Resumed,
    PaymentReceived {
        amount_cents: i64,
        balance_cents: i64,
    },
    /// A payment the owner started did not go through (dashboard only).
    PaymentFailed {
        amount_cents: i64,
        reason: &'a str,
    },
    AutoReloadFailed {
        amount_cents: i64,
        reason: &'a str,
    },
    /// The card holder disputed a payment (dashboard only).
    Disputed {
        amount_cents: i64,
    },
    /// A refund was taken back from the balance (dashboard only).
    Refunded {
        amount_cents: i64,
    },
}

impl Notice<'_> {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::LowBalance { .. } => "low_balance",
            Self::ZeroBalance => "zero_balance",
            Self::Resumed => "ai_resumed",
            Self::PaymentReceived { .. } => "payment_received",
            Self::PaymentFailed { .. } => "payment_failed",
            Self::AutoReloadFailed { .. } => "auto_reload_failed",
            Self::Disputed { .. } => "payment_disputed",
            Self::Refunded { .. } => "payment_refunded",
        }
    }
}

/// Title and text of a dashboard-only notice.
fn dashboard_only(n: &Notice<'_>, es: bool) -> Option<(String, String)> {
    let pick = |en: String, sp: String| if es { sp } else { en };
    Some(match *n {
        Notice::Resumed => (
            pick("AI receptionist back on".into(), "Recepcionista con IA activa de nuevo".into()),
            pick(
                "There is credit again, so billing switched the AI receptionist back on.".into(),
                "Hay saldo de nuevo, así que la facturación volvió a activar la recepcionista con IA.".into(),
            ),
        ),
        Notice::PaymentFailed {
            amount_cents,
            reason,
        } => (
            pick(
                format!("Payment of {} failed", dollars(amount_cents)),
                format!("El pago de {} falló", dollars(amount_cents)),
            ),
            reason.to_string(),
        ),
        Notice::Disputed { amount_cents } => (
            pick(
                format!("Payment of {} disputed", dollars(amount_cents)),
                format!("Pago de {} disputado", dollars(amount_cents)),
            ),
            pick(
                "The card holder disputed this payment with their bank. Stripe will ask you for evidence.".into(),
                "El titular de la tarjeta disputó este pago con su banco. Stripe le pedirá pruebas.".into(),
            ),
        ),
        Notice::Refunded { amount_cents } => (
            pick(
                format!("Refund of {}", dollars(amount_cents)),
                format!("Reembolso de {}", dollars(amount_cents)),
            ),
            pick(
                format!("{} was refunded and taken back from the balance.", dollars(amount_cents)),
                format!("Se reembolsaron {} y se descontaron del saldo.", dollars(amount_cents)),
            ),
        ),
        _ => return None,
    })
}

fn template<'a>(n: &Notice<'a>, a: &'a Account, dashboard: &'a str) -> Option<Template<'a>> {
    let business = a.business_name.as_str();
    Some(match *n {
        Notice::LowBalance {
            balance_cents,
            free_minutes_left,
        } => Template::LowBalance {
            business,
            balance_cents,
            free_minutes_left,
            dashboard,
        },
        Notice::ZeroBalance => Template::ZeroBalance {
            business,
            dashboard,
        },
        Notice::PaymentReceived {
            amount_cents,
            balance_cents,
        } => Template::PaymentReceived {
            business,
            amount_cents,
            balance_cents,
            dashboard,
        },
        Notice::AutoReloadFailed {
            amount_cents,
            reason,
        } => Template::AutoReloadFailed {
            business,
            amount_cents,
            reason,
            dashboard,
        },
        _ => return None,
    })
}

/// Records the notice for the dashboard and queues its email (if it has one and
/// the business has an owner email). `key` makes the email idempotent.
pub fn send(
    conn: &Connection,
    a: &Account,
    n: &Notice<'_>,
    key: &str,
    dashboard: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let es = a.language == "es";
    if let Some(t) = template(n, a, dashboard) {
        let email = emails::render(&t, &a.language);
        let (title, body) = emails::summary(&t, &a.language);
        bdb::insert_notification(conn, a.client_id, n.kind(), &title, &body, now)?;
        if let Some(to) = a.owner_email.as_deref().filter(|e| !e.is_empty()) {
            outbox::enqueue(
                conn,
                &outbox::NewItem {
                    client_id: Some(a.client_id),
                    channel: outbox::Channel::Email,
                    recipient: to,
                    subject: Some(&email.subject),
                    body: &email.text,
                    html_body: Some(&email.html),
                    idempotency_key: &format!("billing:{}:{}:{key}", a.client_id, n.kind()),
                },
                now,
            )?;
        }
    } else if let Some((title, body)) = dashboard_only(n, es) {
        bdb::insert_notification(conn, a.client_id, n.kind(), &title, &body, now)?;
    }
    Ok(())
}
