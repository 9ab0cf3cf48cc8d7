//! Applies a verified Stripe event, once: the event id goes into
//! `webhook_events` first (a replay finds it and changes nothing), then the
//! event acts on **our** stored payment, found by the PaymentIntent or Checkout
//! session id (or the payment id we put in the metadata, cross-checked against
//! the tenant id there). Amounts credited are the stored payment's, never the
//! event's. Unknown event types are recorded and ignored.

use super::ledger;
use super::notify::{self, Notice};
use crate::db::billing::{self as bdb, Payment};
use crate::domain::ClientId;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::Value;

/// A Stripe event whose signature was verified.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub kind: String,
    /// `data.object`.
    pub object: Value,
}

impl Event {
    /// Reads the parts we use from a verified body.
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        let v: Value =
            serde_json::from_slice(body).map_err(|e| format!("the event is not JSON ({e})"))?;
        let id = v["id"]
            .as_str()
            .filter(|s| !s.is_empty() && s.len() <= 255)
            .ok_or("the event has no id")?
            .to_string();
        let kind = v["type"]
            .as_str()
            .filter(|s| !s.is_empty() && s.len() <= 100)
            .ok_or("the event has no type")?
            .to_string();
        let object = v["data"]["object"].clone();
        if !object.is_object() {
            return Err("the event has no data.object".into());
        }
        Ok(Self { id, kind, object })
    }
}

/// What handling the event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Acted on (for the tenant when known).
    Applied(Option<ClientId>),
    /// This event id was handled before.
    Duplicate,
    /// Recorded, nothing to do (unknown type, or no payment of ours).
    Ignored(String),
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v[key].as_str().filter(|s| !s.is_empty())
}

/// The id of an expandable field (a string, or an object with an id).
fn id_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    s(v, key).or_else(|| v[key]["id"].as_str())
}

/// Our payment for a PaymentIntent object.
fn payment_for_intent(
    conn: &Connection,
    pi: &Value,
    now: DateTime<Utc>,
) -> Result<Option<Payment>, AppError> {
    let Some(intent) = s(pi, "id") else {
        return Ok(None);
    };
    if let Some(p) = bdb::payment_by_intent(conn, intent)? {
        return Ok(Some(p));
    }
    // A Checkout's PaymentIntent may report before the session completes: the
    // metadata names our payment; both ids must agree with our row.
    let meta = &pi["metadata"];
    let parse = |k: &str| s(meta, k).and_then(|v| v.parse::<i64>().ok());
    let (Some(pid), Some(cid)) = (parse("payment_id"), parse("client_id")) else {
        return Ok(None);
    };
    let Some(p) = bdb::payment(conn, ClientId::from_trusted(cid), pid)? else {
        return Ok(None);
    };
    if p.payment_intent_id.as_deref().is_some_and(|x| x != intent) {
        return Ok(None);
    }
    bdb::link_payment(conn, p.id, Some(intent), None, None, now)?;
    Ok(Some(p))
}

/// Handles `ev` in the caller's transaction.
pub fn apply(
    conn: &Connection,
    ev: &Event,
    dashboard: &str,
    now: DateTime<Utc>,
) -> Result<Handled, AppError> {
    if !bdb::record_event(conn, "stripe", &ev.id, &ev.kind, now)? {
        return Ok(Handled::Duplicate);
    }
    let o = &ev.object;
    let outcome = match ev.kind.as_str() {
        "payment_intent.succeeded" => match payment_for_intent(conn, o, now)? {
            None => Handled::Ignored("no payment of ours has this PaymentIntent".into()),
            Some(p) => {
                let client = ClientId::from_trusted(p.client_id);
                // The card is kept for auto-reload (setup_future_usage).
                let customer = id_of(o, "customer");
                let method = id_of(o, "payment_method");
                if customer.is_some() {
                    bdb::save_stripe_customer(conn, client, customer, method, now)?;
                }
                if !matches!(p.status.as_str(), "refunded" | "disputed") {
                    ledger::credit_payment(conn, &p, dashboard, now)?;
                }
                Handled::Applied(Some(client))
            }
        },
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            let session = s(o, "id").unwrap_or_default();
            match bdb::payment_by_session(conn, session)? {
                None => Handled::Ignored("no payment of ours has this Checkout session".into()),
                Some(p) => {
                    let client = ClientId::from_trusted(p.client_id);
                    let intent = id_of(o, "payment_intent");
                    let customer = id_of(o, "customer");
                    bdb::link_payment(conn, p.id, intent, None, customer, now)?;
                    if customer.is_some() {
                        bdb::save_stripe_customer(conn, client, customer, None, now)?;
                    }
                    if s(o, "payment_status") == Some("paid") && p.status == "pending" {
                        ledger::credit_payment(conn, &p, dashboard, now)?;
                    }
                    Handled::Applied(Some(client))
                }
            }
        }
        "payment_intent.payment_failed" => match payment_for_intent(conn, o, now)? {
            None => Handled::Ignored("no payment of ours has this PaymentIntent".into()),
            Some(p) if p.status != "pending" => {
                Handled::Applied(Some(ClientId::from_trusted(p.client_id)))
            }
            Some(p) => {
                let client = ClientId::from_trusted(p.client_id);
                let reason = o["last_payment_error"]["message"]
                    .as_str()
                    .unwrap_or("The payment was not completed.")
                    .chars()
                    .take(500)
                    .collect::<String>();
                payment_failed(conn, &p, &reason, dashboard, now)?;
                Handled::Applied(Some(client))
            }
        },
        "charge.refunded" => {
            let intent = id_of(o, "payment_intent").unwrap_or_default();
            match bdb::payment_by_intent(conn, intent)? {
                None => Handled::Ignored("no payment of ours has this charge".into()),
                Some(p) => {
                    let total = o["amount_refunded"].as_i64().unwrap_or(0);
                    ledger::debit_refund(conn, &p, total, dashboard, now)?;
                    Handled::Applied(Some(ClientId::from_trusted(p.client_id)))
                }
            }
        }
        "charge.dispute.created" => {
            let intent = id_of(o, "payment_intent").unwrap_or_default();
            match bdb::payment_by_intent(conn, intent)? {
                None => Handled::Ignored("no payment of ours has this dispute".into()),
                Some(p) => {
                    let client = ClientId::from_trusted(p.client_id);
                    bdb::set_payment_status(conn, p.id, "disputed", None, now)?;
                    if let Some(a) = bdb::account(conn, client)? {
                        let amount = o["amount"].as_i64().unwrap_or(p.amount_cents);
                        notify::send(
                            conn,
                            &a,
                            &Notice::Disputed {
                                amount_cents: amount,
                            },
                            &ev.id,
                            dashboard,
                            now,
                        )?;
                    }
                    Handled::Applied(Some(client))
                }
            }
        }
        other => Handled::Ignored(format!("event type {other} is not used")),
    };
    let client = match &outcome {
        Handled::Applied(c) => *c,
        _ => None,
    };
    bdb::event_processed(conn, "stripe", &ev.id, client, now)?;
    Ok(outcome)
}

/// Marks a pending payment failed and tells the owner; a failed auto-reload
/// also switches auto-reload off (it would fail again).
pub fn payment_failed(
    conn: &Connection,
    p: &Payment,
    reason: &str,
    dashboard: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let client = ClientId::from_trusted(p.client_id);
    bdb::set_payment_status(conn, p.id, "failed", Some(reason), now)?;
    let Some(a) = bdb::account(conn, client)? else {
        return Ok(());
    };
    let key = format!("payment-failed:{}", p.id);
    if p.kind == "auto_reload" {
        bdb::disable_auto_reload(conn, client, now)?;
        notify::send(
            conn,
            &a,
            &Notice::AutoReloadFailed {
                amount_cents: p.amount_cents,
                reason,
            },
            &key,
            dashboard,
            now,
        )
    } else {
        notify::send(
            conn,
            &a,
            &Notice::PaymentFailed {
                amount_cents: p.amount_cents,
                reason,
            },
            &key,
            dashboard,
            now,
        )
    }
}
