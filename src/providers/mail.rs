//! Email delivery behind the `Mailer` trait, chosen by configuration:
//! SendGrid's v3 `POST {SENDGRID_API_BASE}/v3/mail/send` (JSON, Bearer key,
//! answered 202), SMTP through lettre for self-hosters (`RINGLYPRO_SMTP_URL`),
//! or none — then the outbox keeps every email `held` with a reason the
//! dashboard shows, and nothing is silently dropped.

use super::{Mailer, OutgoingEmail, SendError};
use std::time::Duration;

/// SendGrid's API, used when SENDGRID_API_BASE is empty.
pub const SENDGRID_DEFAULT_BASE: &str = "https://api.sendgrid.com";
const MAX_RESPONSE_BYTES: u64 = 64 * 1024;

/// Why email waits when no mailer is configured.
pub const NO_MAILER: &str = crate::outbox::NO_MAILER;

fn retryable(message: impl Into<String>) -> SendError {
    SendError {
        retryable: true,
        code: None,
        message: message.into(),
    }
}

pub struct SendGrid {
    agent: ureq::Agent,
    url: String,
    authorization: String,
    from: String,
}

impl SendGrid {
    pub fn new(api_key: &str, api_base: &str, from: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(20)))
            .user_agent(concat!("ringlypro/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self {
            agent,
            url: format!("{}/v3/mail/send", api_base.trim_end_matches('/')),
            authorization: format!("Bearer {api_key}"),
            from: from.to_string(),
        }
    }
}

impl Mailer for SendGrid {
    fn send(&self, m: &OutgoingEmail<'_>, idempotency_key: &str) -> Result<String, SendError> {
        let mut content = vec![serde_json::json!({"type": "text/plain", "value": m.text})];
        if let Some(h) = m.html {
            content.push(serde_json::json!({"type": "text/html", "value": h}));
        }
        let body = serde_json::json!({
            "personalizations": [{"to": [{"email": m.to}]}],
            "from": {"email": self.from, "name": "RinglyPro"},
            "subject": m.subject,
            "content": content,
            "custom_args": {"idempotency_key": idempotency_key},
        });
        let mut res = self
            .agent
            .post(&self.url)
            .header("Authorization", &self.authorization)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|e| retryable(format!("could not reach SendGrid: {e}")))?;
        let status = res.status().as_u16();
        let message_id = res
            .headers()
            .get("x-message-id")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let text = res
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_string()
            .unwrap_or_default();
        if (200..300).contains(&status) {
            return Ok(message_id.unwrap_or_else(|| format!("sendgrid-{status}")));
        }
        let detail = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["errors"][0]["message"].as_str().map(String::from))
            .unwrap_or_else(|| format!("SendGrid answered HTTP {status}"));
        Err(SendError {
            retryable: status >= 500 || status == 429,
            code: Some(status.to_string()),
            message: detail,
        })
    }
}

/// SMTP (STARTTLS or implicit TLS as the URL says) through lettre.
pub struct Smtp {
    transport: lettre::SmtpTransport,
    from: String,
}

impl Smtp {
    /// `url` is lettre's SMTP URL: `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host:465`, or `smtp://localhost:25` (no TLS).
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = lettre::SmtpTransport::from_url(url)
            .map_err(|e| format!("RINGLYPRO_SMTP_URL is not a valid SMTP URL: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(Self {
            transport,
            from: from.to_string(),
        })
    }
}

impl Mailer for Smtp {
    fn send(&self, m: &OutgoingEmail<'_>, idempotency_key: &str) -> Result<String, SendError> {
        use lettre::Transport;
        use lettre::message::{Mailbox, Message, MultiPart, SinglePart};
        let permanent = |message: String| SendError {
            retryable: false,
            code: None,
            message,
        };
        let from: Mailbox = self
            .from
            .parse()
            .map_err(|e| permanent(format!("FROM_EMAIL is not an address: {e}")))?;
        let to: Mailbox =
            m.to.parse()
                .map_err(|e| permanent(format!("the recipient is not an address: {e}")))?;
        // A stable Message-ID: a retry of the same email is recognisably the same.
        let id = format!("<{}@ringlypro>", crate::auth::sha256_hex(idempotency_key));
        let builder = Message::builder()
            .from(from)
            .to(to)
            .subject(m.subject)
            .message_id(Some(id.clone()));
        let msg = match m.html {
            Some(h) => builder.multipart(MultiPart::alternative_plain_html(
                m.text.to_string(),
                h.to_string(),
            )),
            None => builder.singlepart(SinglePart::plain(m.text.to_string())),
        }
        .map_err(|e| permanent(format!("could not build the email: {e}")))?;
        match self.transport.send(&msg) {
            Ok(_) => Ok(id),
            Err(e) => Err(SendError {
                retryable: !e.is_permanent(),
                code: e.status().map(|c| c.to_string()),
                message: format!("SMTP: {e}"),
            }),
        }
    }
}

/// No mailer: email waits in the outbox (held) and shows in the dashboard.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoMailer;

impl Mailer for NoMailer {
    fn send(&self, _: &OutgoingEmail<'_>, _: &str) -> Result<String, SendError> {
        Err(SendError {
            retryable: false,
            code: None,
            message: NO_MAILER.into(),
        })
    }
    fn unavailable_reason(&self) -> Option<&str> {
        Some(NO_MAILER)
    }
}
