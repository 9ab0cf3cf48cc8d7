//! Clients of external services, each behind a small trait: a real ureq client
//! whose base URL comes from the configuration (tests point it at a local fake
//! speaking the provider's wire format) and an offline stand-in used when the
//! service has no credentials. Calls are blocking; run them off the async runtime.

pub mod elevenlabs;
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

/// The provider clients the application uses, built once from the configuration.
#[derive(Clone)]
pub struct Providers {
    pub sms: Arc<dyn SmsSender>,
    /// Buying numbers; None until Twilio is configured.
    pub numbers: Option<Arc<dyn twilio_numbers::NumberProvider>>,
    /// Natural voices; None until ELEVENLABS_API_KEY is set (then `<Say>` is used).
    pub tts: Option<Arc<dyn elevenlabs::Tts>>,
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
        Self { sms, numbers, tts }
    }
}
