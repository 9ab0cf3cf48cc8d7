//! Clients of external services, each behind a small trait: a real ureq client
//! whose base URL comes from the configuration (tests point it at a local fake
//! speaking the provider's wire format) and an offline stand-in used when the
//! service has no credentials. Calls are blocking; run them off the async runtime.
//! `twilio` sends SMS, `stripe` takes payments, `mail` delivers email.

pub mod elevenlabs;
pub mod mail;
pub mod stripe;
pub mod twilio;
pub mod twilio_numbers;

use crate::config::Config;
use std::sync::Arc;

/// A message the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    /// The provider's id of the message (Twilio's `SM…` sid).
    pub sid: String,
    /// The provider's status at acceptance (`queued`, `accepted`, `sent` …).
    pub status: String,
}

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// True when trying again later may work (network, 5xx, 429).
    pub retryable: bool,
    /// The provider's error code when it gave one (Twilio's 21211 …).
    pub code: Option<String>,
    /// What went wrong, for the log and the dashboard.
    pub message: String,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(c) => write!(f, "{} (code {c})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Sends SMS. Blocking: the outbox worker calls it on a blocking thread.
pub trait SmsSender: Send + Sync {
    /// Sends `body` from `from` (the business's number; empty to let the provider
    /// pick, e.g. a messaging service) to `to`. `idempotency_key` is the same on
    /// every retry of one message, so the provider can drop duplicates.
    fn send(
        &self,
        from: &str,
        to: &str,
        body: &str,
        status_callback: Option<&str>,
        idempotency_key: &str,
    ) -> Result<SentSms, SendError>;

    /// Why this sender cannot send at all (not configured), so queued messages
    /// are held with that reason instead of being tried.
    fn unavailable_reason(&self) -> Option<&str> {
        None
    }
}

/// The reason shown for SMS held because Twilio has no credentials.
pub const TWILIO_NOT_CONFIGURED: &str = "Twilio is not configured";

/// The stand-in used without Twilio credentials: it never pretends to send.
#[derive(Debug, Default, Clone, Copy)]
pub struct OfflineSms;

impl SmsSender for OfflineSms {
    fn send(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: Option<&str>,
        _: &str,
    ) -> Result<SentSms, SendError> {
        Err(SendError {
            retryable: false,
            code: None,
            message: TWILIO_NOT_CONFIGURED.into(),
        })
    }

    fn unavailable_reason(&self) -> Option<&str> {
        Some(TWILIO_NOT_CONFIGURED)
    }
}

/// An email to deliver.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingEmail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: Option<&'a str>,
}

/// Delivers email. Blocking: the outbox worker calls it on a blocking thread.
pub trait Mailer: Send + Sync {
    /// Sends one email; returns the provider's message id. `idempotency_key` is
    /// the same on every retry of one email.
    fn send(&self, email: &OutgoingEmail<'_>, idempotency_key: &str) -> Result<String, SendError>;

    /// Why this mailer cannot send at all (none configured): emails are held.
    fn unavailable_reason(&self) -> Option<&str> {
        None
    }
}

/// Why a payment request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayError {
    /// Network, 5xx, 429: the same request (same idempotency key) may be retried.
    pub retryable: bool,
    /// The card was declined (or needs the customer): a retry will not help.
    pub declined: bool,
    pub code: Option<String>,
    pub message: String,
}

impl PayError {
    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            retryable: true,
            declined: false,
            code: None,
            message: message.into(),
        }
    }
    pub fn not_configured() -> Self {
        Self {
            retryable: false,
            declined: false,
            code: None,
            message: stripe::NOT_CONFIGURED.into(),
        }
    }
}

impl std::fmt::Display for PayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(c) => write!(f, "{} ({c})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Takes payments. Blocking; every call carries an idempotency key.
pub trait Payments: Send + Sync {
    /// Creates a customer for a tenant; returns its id (`cus_…`).
    fn create_customer(
        &self,
        email: Option<&str>,
        name: &str,
        client_id: i64,
        idempotency_key: &str,
    ) -> Result<String, PayError>;
    fn create_payment_intent(
        &self,
        p: &stripe::NewPaymentIntent<'_>,
        idempotency_key: &str,
    ) -> Result<stripe::PaymentIntent, PayError>;
    fn create_checkout_session(
        &self,
        c: &stripe::NewCheckout<'_>,
        idempotency_key: &str,
    ) -> Result<stripe::CheckoutSession, PayError>;
    /// Why payments are impossible (not configured).
    fn unavailable_reason(&self) -> Option<&str> {
        None
    }
}

/// The provider clients the application uses, built once from the configuration.
#[derive(Clone)]
pub struct Providers {
    pub sms: Arc<dyn SmsSender>,
    /// Buying numbers; None until Twilio is configured.
    pub numbers: Option<Arc<dyn twilio_numbers::NumberProvider>>,
    /// Natural voices; None until ELEVENLABS_API_KEY is set (then `<Say>` is used).
    pub tts: Option<Arc<dyn elevenlabs::Tts>>,
    pub payments: Arc<dyn Payments>,
    pub mailer: Arc<dyn Mailer>,
}

impl Providers {
    pub fn from_config(config: &Config) -> Self {
        let sms: Arc<dyn SmsSender> = match &config.twilio {
            Some(t) => {
                let base = Some(config.twilio_api_base.as_str())
                    .filter(|b| !b.is_empty())
                    .unwrap_or(twilio::DEFAULT_API_BASE);
                Arc::new(twilio::TwilioSms::new(t, base))
            }
            None => Arc::new(OfflineSms),
        };
        let numbers = config.twilio.as_ref().map(|t| {
            let base = Some(config.twilio_api_base.as_str())
                .filter(|b| !b.is_empty())
                .unwrap_or(twilio::DEFAULT_API_BASE);
            Arc::new(twilio_numbers::TwilioNumbers::new(t, base))
                as Arc<dyn twilio_numbers::NumberProvider>
        });
        let tts = config.elevenlabs_api_key.as_ref().map(|k| {
            Arc::new(elevenlabs::ElevenLabs::new(k, &config.elevenlabs_api_base))
                as Arc<dyn elevenlabs::Tts>
        });
        let payments: Arc<dyn Payments> = match &config.stripe {
            Some(s) => {
                let base = Some(config.stripe_api_base.as_str())
                    .filter(|b| !b.is_empty())
                    .unwrap_or(stripe::DEFAULT_API_BASE);
                Arc::new(stripe::StripeClient::new(&s.secret_key, base))
            }
            None => Arc::new(stripe::OfflinePayments),
        };
        let mailer: Arc<dyn Mailer> = match config.mailer() {
            crate::config::MailerChoice::SendGrid(key) => {
                let base = Some(config.sendgrid_api_base.as_str())
                    .filter(|b| !b.is_empty())
                    .unwrap_or(mail::SENDGRID_DEFAULT_BASE);
                Arc::new(mail::SendGrid::new(&key, base, &config.from_email))
            }
            crate::config::MailerChoice::Smtp(url) => {
                match mail::Smtp::new(&url, &config.from_email) {
                    Ok(m) => Arc::new(m),
                    Err(e) => {
                        // The configuration check refuses a bad URL; this is the last line.
                        tracing::error!(error = %e, "SMTP is misconfigured; email is held");
                        Arc::new(mail::NoMailer)
                    }
                }
            }
            crate::config::MailerChoice::None => Arc::new(mail::NoMailer),
        };
        Self {
            sms,
            numbers,
            tts,
            payments,
            mailer,
        }
    }
}
