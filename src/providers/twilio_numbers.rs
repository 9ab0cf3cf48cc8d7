//! Buying and configuring Twilio phone numbers through the REST API: search
//! local numbers, buy one with its voice, fallback, SMS and status URLs set to
//! ours, and release it again when we cannot keep it (never leak a paid number).

use crate::config::Twilio;
use base64::Engine;
use serde::Deserialize;
use std::time::Duration;

const MAX_RESPONSE_BYTES: u64 = 512 * 1024;

/// A bought number: E.164 and Twilio's sid (PN…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bought {
    pub number: String,
    pub sid: String,
}

/// The webhook URLs a number is pointed at.
pub struct Hooks {
    pub voice_url: String,
    pub voice_fallback_url: String,
    pub sms_url: String,
    pub status_callback: String,
}

pub trait NumberProvider: Send + Sync {
    /// Finds a local number (optionally in an area code) and buys it configured with `hooks`.
    fn buy(&self, area_code: Option<&str>, hooks: &Hooks) -> Result<Bought, String>;
    /// Releases a number we bought but cannot use.
    fn release(&self, sid: &str) -> Result<(), String>;
}

pub struct TwilioNumbers {
    agent: ureq::Agent,
    base: String,
    authorization: String,
}

#[derive(Deserialize)]
struct Available {
    available_phone_numbers: Vec<Candidate>,
}

#[derive(Deserialize)]
struct Candidate {
    phone_number: String,
}

#[derive(Deserialize)]
struct Incoming {
    sid: String,
    phone_number: String,
}

#[derive(Deserialize)]
struct TwilioError {
    message: Option<String>,
}

impl TwilioNumbers {
    pub fn new(t: &Twilio, api_base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        let creds = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", t.account_sid, t.auth_token));
        Self {
            agent,
            base: format!(
                "{}/2010-04-01/Accounts/{}",
                api_base.trim_end_matches('/'),
                t.account_sid
            ),
            authorization: format!("Basic {creds}"),
        }
    }

    fn fail(status: u16, body: &str) -> String {
        let msg = serde_json::from_str::<TwilioError>(body)
            .ok()
            .and_then(|e| e.message)
            .unwrap_or_else(|| body.chars().take(200).collect());
        format!("Twilio answered {status}: {msg}")
    }
}

impl NumberProvider for TwilioNumbers {
    fn buy(&self, area_code: Option<&str>, hooks: &Hooks) -> Result<Bought, String> {
        let mut search = self
            .agent
            .get(&format!(
                "{}/AvailablePhoneNumbers/US/Local.json",
                self.base
            ))
            .header("authorization", &self.authorization)
            .query("VoiceEnabled", "true")
            .query("SmsEnabled", "true")
            .query("PageSize", "5");
        if let Some(a) = area_code {
            search = search.query("AreaCode", a);
        }
        let mut res = search
            .call()
            .map_err(|e| format!("could not reach Twilio: {e}"))?;
        let status = res.status().as_u16();
        let body = res
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_string()
            .map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(Self::fail(status, &body));
        }
        let list: Available = serde_json::from_str(&body)
            .map_err(|e| format!("unexpected answer from Twilio: {e}"))?;
        let Some(pick) = list.available_phone_numbers.into_iter().next() else {
            return Err(match area_code {
                Some(a) => format!(
                    "Twilio has no local numbers in area code {a} right now; try another area code"
                ),
                None => "Twilio has no local numbers available right now".into(),
            });
        };
        let form = [
            ("PhoneNumber", pick.phone_number.as_str()),
            ("VoiceUrl", hooks.voice_url.as_str()),
            ("VoiceMethod", "POST"),
            ("VoiceFallbackUrl", hooks.voice_fallback_url.as_str()),
            ("VoiceFallbackMethod", "POST"),
            ("SmsUrl", hooks.sms_url.as_str()),
            ("SmsMethod", "POST"),
            ("StatusCallback", hooks.status_callback.as_str()),
            ("StatusCallbackMethod", "POST"),
        ];
        let mut res = self
            .agent
            .post(&format!("{}/IncomingPhoneNumbers.json", self.base))
            .header("authorization", &self.authorization)
            .send_form(form)
            .map_err(|e| format!("could not reach Twilio: {e}"))?;
        let status = res.status().as_u16();
        let body = res
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_string()
            .map_err(|e| e.to_string())?;
        if !(200..300).contains(&status) {
            return Err(Self::fail(status, &body));
        }
        let n: Incoming = serde_json::from_str(&body)
            .map_err(|e| format!("unexpected answer from Twilio: {e}"))?;
        Ok(Bought {
            number: n.phone_number,
            sid: n.sid,
        })
    }

    fn release(&self, sid: &str) -> Result<(), String> {
        if !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("not a phone number sid".into());
        }
        let mut res = self
            .agent
            .delete(&format!("{}/IncomingPhoneNumbers/{sid}.json", self.base))
            .header("authorization", &self.authorization)
            .call()
            .map_err(|e| format!("could not reach Twilio: {e}"))?;
        match res.status().as_u16() {
            200..=299 | 404 => Ok(()),
            s => Err(Self::fail(
                s,
                &res.body_mut().read_to_string().unwrap_or_default(),
            )),
        }
    }
}
