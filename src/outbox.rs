//! The outbox worker: delivers what handlers queued in the `outbox` table in the
//! same transaction as the change that caused it.
//!
//! One round ([`run_once`]): claim the due SMS items in a write transaction
//! (`sending`, one more attempt, a lease), send them through the `SmsSender` on a
//! blocking thread, then record each outcome in another write transaction:
//! `sent` with the provider's sid, or another try after an exponential backoff,
//! or `failed` after [`MAX_ATTEMPTS`] or a permanent error.
//!
//! Crash safety: an item left `sending` by a crash is claimed again once its
//! lease runs out, and every attempt of one item carries the same idempotency
//! key to the provider (Twilio's `I-Twilio-Idempotency-Token`), so a retry after
//! a crash does not text twice. Nothing is ever dropped: SMS wait `held` while
//! Twilio is not configured (and go back in the queue when it is); email goes
//! through the configured `Mailer` (SendGrid or SMTP) with the same claim,
//! lease, backoff and retry rules, and waits `held` while there is no mailer.
//!
//! Everything goes by the application `Clock`, so tests move time instead of
//! sleeping; the loop ([`spawn`]) polls every `RINGLYPRO_OUTBOX_POLL_MS` and
//! wakes early when a handler queues something ([`wake`]).

use crate::app::AppState;
use crate::db::outbox::{self, Channel, ClaimedEmail, ClaimedSms};
use crate::error::AppError;
use crate::providers::{OutgoingEmail, SendError, SentSms};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Attempts before an SMS is given up as failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// Items taken per round.
const BATCH: i64 = 10;
/// How long a claimed item stays ours before another round may retry it.
/// Longer than a whole batch of provider timeouts.
pub const LEASE_SECS: i64 = 15 * 60;
/// First retry delay; doubled after each failed attempt, capped at an hour.
pub const BACKOFF_BASE_SECS: i64 = 30;
const BACKOFF_MAX_SECS: i64 = 3600;

/// Why email waits: no mailer is configured.
pub const NO_MAILER: &str =
    "no mailer is configured (set SENDGRID_API_KEY or RINGLYPRO_SMTP_URL); kept here until one is";
/// The reason older versions stored on held email.
const LEGACY_NO_MAILER: &str = "email delivery is not set up yet";

/// The delay before the next try after `attempts` failed attempts:
/// 30 s, 60 s, 120 s … at most an hour.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let exp = attempts.clamp(1, 20) - 1;
    chrono::Duration::seconds(
        BACKOFF_BASE_SECS
            .saturating_mul(1_i64 << exp)
            .min(BACKOFF_MAX_SECS),
    )
}

/// Delivers what is due now (per the application clock). Returns how many
/// items it dealt with: sent, rescheduled, failed or held (email held for want
/// of a mailer is parked, not counted).
pub async fn run_once(state: &AppState) -> usize {
    match round(state).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "outbox round failed; it will be retried");
            0
        }
    }
}

async fn round(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    if !state.db.read(move |c| outbox::anything_due(c, now)).await? {
        return Ok(0);
    }
    let held_email = deliver_email(state, now).await?;
    let sms = state.providers.sms.clone();
    if let Some(reason) = sms.unavailable_reason() {
        let reason = reason.to_string();
        let held = state
            .db
            .write(move |c| outbox::hold_due(c, Channel::Sms, &reason, now))
            .await?;
        if held > 0 {
            tracing::info!(held, "SMS held: Twilio is not configured");
        }
        return Ok(held_email + held);
    }
    let lease = chrono::Duration::seconds(LEASE_SECS);
    let outbox::Claim {
        items: claimed,
        failed,
    } = state
        .db
        .write(move |c| outbox::claim_due_sms(c, now, lease, MAX_ATTEMPTS, BATCH))
        .await?;
    if claimed.is_empty() {
        return Ok(held_email + failed);
    }
    let callback = state
        .config
        .webhook_base_url
        .as_ref()
        .map(|b| format!("{b}/webhook/twilio/sms-status"));
    let results: Vec<(ClaimedSms, Result<SentSms, SendError>)> =
        tokio::task::spawn_blocking(move || {
            claimed
                .into_iter()
                .map(|item| {
                    // The message id rides along so a status callback that
                    // beats our own record of the sid still finds its message.
                    let cb = callback.as_ref().map(|base| match item.message_id {
                        Some(id) => format!("{base}?m={id}"),
                        None => base.clone(),
                    });
                    let r = sms.send(
                        &item.from,
                        &item.to,
                        &item.body,
                        cb.as_deref(),
                        &item.idempotency_key,
                    );
                    (item, r)
                })
                .collect()
        })
        .await
        .map_err(AppError::internal)?;
    let handled = results.len();
    let done = state.clock.now();
    state
        .db
        .write(move |c| {
            for (item, result) in &results {
                match result {
                    Ok(sent) => outbox::mark_sent(c, item, &sent.sid, done)?,
                    Err(e) if e.retryable && item.attempts < MAX_ATTEMPTS => {
                        tracing::warn!(outbox_id = item.id, attempts = item.attempts, error = %e, "SMS not sent; will retry");
                        crate::metrics::node().outbox_failures.inc(&["sms", "yes"]);
                        outbox::mark_retry(c, item, &e.to_string(), done + backoff(item.attempts))?
                    }
                    Err(e) => {
                        tracing::warn!(outbox_id = item.id, attempts = item.attempts, error = %e, "SMS failed for good");
                        crate::metrics::node().outbox_failures.inc(&["sms", "no"]);
                        outbox::mark_failed(c, item, e.code.as_deref(), &e.to_string(), done)?
                    }
                }
            }
            Ok(())
        })
        .await?;
    Ok(held_email + failed + handled)
}

/// Sends the due email through the mailer (or holds it while there is none).
/// Returns how many items it dealt with.
async fn deliver_email(
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, AppError> {
    let mailer = state.providers.mailer.clone();
    if let Some(reason) = mailer.unavailable_reason() {
        // Held email is parked, not delivery work: it does not count.
        let reason = reason.to_string();
        let held = state
            .db
            .write(move |c| outbox::hold_due(c, Channel::Email, &reason, now))
            .await?;
        if held > 0 {
            tracing::info!(held, "email held: no mailer is configured");
        }
        return Ok(0);
    }
    let lease = chrono::Duration::seconds(LEASE_SECS);
    let (claimed, failed) = state
        .db
        .write(move |c| outbox::claim_due_email(c, now, lease, MAX_ATTEMPTS, BATCH))
        .await?;
    if claimed.is_empty() {
        return Ok(failed);
    }
    let results: Vec<(ClaimedEmail, Result<String, SendError>)> =
        tokio::task::spawn_blocking(move || {
            claimed
                .into_iter()
                .map(|item| {
                    let r = mailer.send(
                        &OutgoingEmail {
                            to: &item.recipient,
                            subject: &item.subject,
                            text: &item.body,
                            html: item.html_body.as_deref(),
                        },
                        &item.idempotency_key,
                    );
                    (item, r)
                })
                .collect()
        })
        .await
        .map_err(AppError::internal)?;
    let handled = results.len();
    let done = state.clock.now();
    state
        .db
        .write(move |c| {
            for (item, result) in &results {
                match result {
                    Ok(id) => outbox::mark_email_sent(c, item.id, id, done)?,
                    Err(e) if e.retryable && item.attempts < MAX_ATTEMPTS => {
                        tracing::warn!(outbox_id = item.id, attempts = item.attempts, error = %e, "email not sent; will retry");
                        outbox::mark_email_retry(c, item.id, &e.to_string(), done + backoff(item.attempts))?
                    }
                    Err(e) => {
                        tracing::warn!(outbox_id = item.id, attempts = item.attempts, error = %e, "email failed for good");
                        outbox::mark_email_failed(c, item.id, &e.to_string())?
                    }
                }
            }
            Ok(())
        })
        .await?;
    Ok(failed + handled)
}

/// Puts back in the queue SMS held only because Twilio was not configured,
/// once it is, and email held for want of a mailer once there is one. Run at start.
async fn release_if_configured(state: &AppState) {
    if state.providers.mailer.unavailable_reason().is_none() {
        let now = state.clock.now();
        match state
            .db
            .write(move |c| {
                Ok(outbox::release_held(c, Channel::Email, NO_MAILER, now)?
                    + outbox::release_held(c, Channel::Email, LEGACY_NO_MAILER, now)?)
            })
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                released = n,
                "a mailer is configured now: held email queued again"
            ),
            Err(e) => tracing::warn!(error = %e, "could not release held email"),
        }
    }
    if state.providers.sms.unavailable_reason().is_some() {
        return;
    }
    let now = state.clock.now();
    let reason = crate::providers::TWILIO_NOT_CONFIGURED;
    match state
        .db
        .write(move |c| outbox::release_held(c, Channel::Sms, reason, now))
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            released = n,
            "Twilio is configured now: held SMS queued again"
        ),
        Err(e) => tracing::warn!(error = %e, "could not release held SMS"),
    }
}

/// Asks the running worker to look at the queue now rather than at its next poll.
pub fn wake(state: &AppState) {
    state.outbox_wake.notify_one();
}

/// The running worker; [`Worker::stop`] ends it after its current round.
pub struct Worker {
    stop: watch::Sender<bool>,
    handle: JoinHandle<()>,
}

impl Worker {
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(grace, self.handle).await.is_err() {
            tracing::warn!("outbox worker did not stop in time; its items will be retried");
        }
    }
}

/// Releases held items whose service is configured now (the worker does this
/// at start; tests that drive [`run_once`] call it themselves).
pub async fn release_held(state: &AppState) {
    release_if_configured(state).await;
}

/// Starts the background loop, or nothing when `poll` is zero (tests that
/// drive [`run_once`] themselves).
pub fn spawn(state: AppState, poll: Duration) -> Option<Worker> {
    if poll.is_zero() {
        return None;
    }
    let (stop, mut stopped) = watch::channel(false);
    let handle = tokio::spawn(async move {
        release_if_configured(&state).await;
        loop {
            run_once(&state).await;
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = state.outbox_wake.notified() => {}
                _ = stopped.changed() => break,
            }
            if *stopped.borrow() {
                break;
            }
        }
    });
    Some(Worker { stop, handle })
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1).num_seconds(), 30);
        assert_eq!(backoff(2).num_seconds(), 60);
        assert_eq!(backoff(3).num_seconds(), 120);
        assert_eq!(backoff(8).num_seconds(), 3600);
        assert_eq!(backoff(1000).num_seconds(), 3600);
    }
}
