//! ElevenLabs text-to-speech: one POST per sentence returning MP3 bytes.
//! Behind a trait so tests use a local fake; the voice module caches results.

use std::time::Duration;

pub const DEFAULT_API_BASE: &str = "https://api.elevenlabs.io";
pub const MODEL: &str = "eleven_multilingual_v2";
/// The original's voices: Rachel (English) and Lina (Spanish).
pub const VOICE_EN: &str = "21m00Tcm4TlvDq8ikWAM";
pub const VOICE_ES: &str = "ThT5KcBeYPX3keUQqHPh";

const MAX_AUDIO_BYTES: u64 = 5 * 1024 * 1024;

pub trait Tts: Send + Sync {
    fn synthesize(&self, voice_id: &str, model: &str, text: &str) -> Result<Vec<u8>, String>;
}

pub struct ElevenLabs {
    agent: ureq::Agent,
    base: String,
    key: String,
}

impl ElevenLabs {
    pub fn new(key: &str, api_base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(3)))
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let base = if api_base.is_empty() {
            DEFAULT_API_BASE
        } else {
            api_base
        };
        Self {
            agent,
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
        }
    }
}

impl Tts for ElevenLabs {
    fn synthesize(&self, voice_id: &str, model: &str, text: &str) -> Result<Vec<u8>, String> {
        if !voice_id.chars().all(|c| c.is_ascii_alphanumeric()) || voice_id.is_empty() {
            return Err("voice ids are letters and digits".into());
        }
        let mut res = self
            .agent
            .post(&format!("{}/v1/text-to-speech/{voice_id}", self.base))
            .header("xi-api-key", &self.key)
            .header("accept", "audio/mpeg")
            .header("content-type", "application/json")
            .send(serde_json::json!({ "text": text, "model_id": model }).to_string())
            .map_err(|e| format!("could not reach ElevenLabs: {e}"))?;
        let status = res.status().as_u16();
        let bytes = res
            .body_mut()
            .with_config()
            .limit(MAX_AUDIO_BYTES)
            .read_to_vec()
            .map_err(|e| e.to_string())?;
        if status != 200 || bytes.is_empty() {
            return Err(format!("ElevenLabs answered {status}"));
        }
        Ok(bytes)
    }
}
