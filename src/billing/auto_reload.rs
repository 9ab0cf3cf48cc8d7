//! The billing background job. One round ([`run_once`]):
//! 1. gives paused tenants their new month (the reset on the 1st un-pauses a
//!    tenant whose free minutes are back);
//! 2. for each tenant with auto-reload on, a saved card and a balance below
//!    the threshold, writes one pending `auto_reload` payment and marks the
//!    crossing as served (`auto_reload_in_flight`), in one transaction — so one
//!    crossing makes one payment, however often the job runs;
//! 3. sends every such payment not yet answered to Stripe as an off-session
//!    PaymentIntent with the payment's idempotency key (a crash between 2 and
//!    3, or a network error, is retried with the same key: Stripe charges once);
//! 4. records the answer: succeeded → credited at once (the webhook that
//!    follows finds it done); declined → the payment fails, auto-reload is
//!    switched off and the owner is told; a network error → tried next round.
//!
//! The crossing ends when the balance is back at or above the threshold.

use super::{ledger, stripe_events};
use crate::app::AppState;
use crate::db::billing as bdb;
use crate::error::AppError;
use crate::providers::PayError;
use crate::providers::stripe::{NewPaymentIntent, PaymentIntent};
use std::time::Duration;
use tokio::task::JoinHandle;

/// Runs one round now (per the application clock). Returns how many payments
/// it sent to Stripe.
pub async fn run_once(state: &AppState) -> usize {
    match round(state).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "billing round failed; it will be retried");
            0
        }
    }
}

async fn round(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let dashboard = state.config.frontend_url.clone();
    let d = dashboard.clone();
    state
        .db
        .write(move |c| {
            for client in bdb::paused_clients(c)? {
                ledger::refresh(c, client, &d, now)?;
            }
            Ok(())
        })
        .await?;
    let payments = state.providers.payments.clone();
    if payments.unavailable_reason().is_some() {
        return Ok(0);
    }
    state
        .db
        .write(move |c| {
            for a in bdb::auto_reload_due(c)? {
                let n = bdb::auto_reload_count(c, a.client_id)? + 1;
                let key = format!("auto-reload:{}:{n}", a.client_id);
                bdb::insert_payment(
                    c,
                    a.client_id,
                    "auto_reload",
                    a.auto_reload_amount_cents,
                    &key,
                    now,
                )?;
                let mut st = bdb::AccountState::from(&a);
                st.auto_reload_in_flight = true;
                bdb::save_account(c, a.client_id, &st, now)?;
                tracing::info!(client = %a.client_id, amount_cents = a.auto_reload_amount_cents, "auto-reload started");
            }
            Ok(())
        })
        .await?;
    let pending = state.db.read(bdb::pending_reloads).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let results: Vec<(bdb::PendingReload, Result<PaymentIntent, PayError>)> =
        tokio::task::spawn_blocking(move || {
            pending
                .into_iter()
                .map(|p| {
                    let ledger_ref = format!("payment:{}", p.payment_id);
                    let r = payments.create_payment_intent(
                        &NewPaymentIntent {
                            amount_cents: p.amount_cents,
                            customer: Some(&p.customer),
                            off_session_payment_method: Some(&p.payment_method),
                            description: "RinglyPro automatic reload",
                            metadata: vec![
                                ("client_id", p.client_id.to_string()),
                                ("payment_id", p.payment_id.to_string()),
                                ("ledger_ref", ledger_ref),
                                ("kind", "auto_reload".into()),
                            ],
                        },
                        &p.idempotency_key,
                    );
                    (p, r)
                })
                .collect()
        })
        .await
        .map_err(AppError::internal)?;
    let sent = results.len();
    let done = state.clock.now();
    state
        .db
        .write(move |c| {
            for (p, r) in &results {
                let Some(payment) = bdb::payment(c, p.client_id, p.payment_id)? else {
                    continue;
                };
                match r {
                    Ok(pi) => {
                        bdb::link_payment(c, p.payment_id, Some(&pi.id), None, Some(&p.customer), done)?;
                        match pi.status.as_str() {
                            "succeeded" => {
                                ledger::credit_payment(c, &payment, &dashboard, done)?;
                            }
                            "processing" => {}
                            other => stripe_events::payment_failed(
                                c,
                                &payment,
                                &format!("the saved card needs the owner ({other})"),
                                &dashboard,
                                done,
                            )?,
                        }
                    }
                    Err(e) if e.retryable => {
                        tracing::warn!(payment = p.payment_id, error = %e, "auto-reload not answered; retried next round");
                    }
                    Err(e) => {
                        stripe_events::payment_failed(c, &payment, &e.message, &dashboard, done)?;
                    }
                }
            }
            Ok(())
        })
        .await?;
    Ok(sent)
}

/// Starts the job loop, or nothing when `poll` is zero (tests drive [`run_once`]).
pub fn spawn(state: AppState, poll: Duration) -> Option<JoinHandle<()>> {
    if poll.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        loop {
            run_once(&state).await;
            tokio::time::sleep(poll).await;
        }
    }))
}
