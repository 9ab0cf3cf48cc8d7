//! Natural voices: when ElevenLabs is configured, every `<Say>` of an answer
//! becomes `<Play>` of MP3 audio cached on disk under a hash of voice + model +
//! text (served from `/audio/<hash>.mp3`). Audio not yet cached is generated
//! within a deadline (about 1.5 s); what misses it is spoken with `<Say>` now
//! and finishes generating in the background for next time. The cache is
//! bounded: beyond its size the least recently used files are removed.

use crate::app::AppState;
use crate::providers::elevenlabs::{self, Tts};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub fn cache_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("tts")
}

/// The cache key (and file name) of one sentence.
pub fn key(voice: &str, model: &str, text: &str) -> String {
    let mut h = Sha256::new();
    for part in [voice, model, text] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    crate::auth::hex(&h.finalize())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Writes audio atomically, then trims the cache to `max_bytes` (oldest first).
pub fn store(dir: &Path, key: &str, bytes: &[u8], max_bytes: u64) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{key}.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dir.join(format!("{key}.mp3")))?;
    evict(dir, max_bytes)
}

fn evict(dir: &Path, max_bytes: u64) -> std::io::Result<()> {
    let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "mp3"))
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((m.modified().ok()?, m.len(), e.path()))
        })
        .collect();
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    files.sort();
    for (_, len, path) in files {
        if total <= max_bytes {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total = total.saturating_sub(len);
        }
    }
    Ok(())
}

/// The voices a tenant chose (or Rachel and Lina).
pub struct Voices {
    pub en: String,
    pub es: String,
}

struct SayTag {
    start: usize,
    end: usize,
    text: String,
    spanish: bool,
}

fn says(xml: &str) -> Vec<SayTag> {
    let mut out = vec![];
    let mut from = 0;
    while let Some(i) = xml[from..].find("<Say ") {
        let start = from + i;
        let Some(gt) = xml[start..].find('>') else {
            break;
        };
        let Some(close) = xml[start..].find("</Say>") else {
            break;
        };
        let head = &xml[start..start + gt];
        out.push(SayTag {
            start,
            end: start + close + "</Say>".len(),
            text: unescape(&xml[start + gt + 1..start + close]),
            spanish: head.contains("language=\"es"),
        });
        from = start + close;
    }
    out
}

/// Replaces `<Say>` with `<Play>` where audio is (or becomes, within the
/// deadline) available. Without ElevenLabs the answer is returned unchanged.
pub async fn apply(state: &AppState, voices: &Voices, xml: String) -> String {
    let Some(tts) = state.providers.tts.clone() else {
        return xml;
    };
    let dir = cache_dir(&state.config.data_dir);
    let max = state.config.tts_cache_mb.saturating_mul(1024 * 1024);
    let deadline = Duration::from_millis(state.config.tts_timeout_ms);
    let tags = says(&xml);
    let mut jobs = vec![];
    for t in &tags {
        let voice = if t.spanish {
            voices.es.clone()
        } else {
            voices.en.clone()
        };
        let k = key(&voice, elevenlabs::MODEL, &t.text);
        let path = dir.join(format!("{k}.mp3"));
        if path.exists() {
            jobs.push((k, None));
        } else {
            let (tts, dir, text) = (tts.clone(), dir.clone(), t.text.clone());
            let k2 = k.clone();
            // Keeps running after the deadline, so the next call has the audio.
            let handle = tokio::task::spawn_blocking(move || {
                generate(tts.as_ref(), &voice, &text, &dir, &k2, max)
            });
            jobs.push((k, Some(handle)));
        }
    }
    let waited = tokio::time::timeout(deadline, async {
        let mut ready = Vec::with_capacity(jobs.len());
        for (k, handle) in jobs {
            let ok = match handle {
                None => true,
                Some(h) => matches!(h.await, Ok(Ok(()))),
            };
            ready.push((k, ok));
        }
        ready
    })
    .await;
    let Ok(ready) = waited else {
        tracing::info!("ElevenLabs was too slow for this turn; speaking with <Say>");
        return xml;
    };
    let base = state.config.webhook_base_url.clone().unwrap_or_default();
    let mut out = String::with_capacity(xml.len());
    let mut last = 0;
    for (t, (k, ok)) in tags.iter().zip(ready) {
        out.push_str(&xml[last..t.start]);
        if ok {
            out.push_str(&format!("<Play>{base}/audio/{k}.mp3</Play>"));
        } else {
            out.push_str(&xml[t.start..t.end]);
        }
        last = t.end;
    }
    out.push_str(&xml[last..]);
    out
}

fn generate(
    tts: &dyn Tts,
    voice: &str,
    text: &str,
    dir: &Path,
    key: &str,
    max: u64,
) -> Result<(), String> {
    let bytes = tts.synthesize(voice, elevenlabs::MODEL, text)?;
    store(dir, key, &bytes, max).map_err(|e| format!("could not cache audio: {e}"))
}

/// Generates a tenant's fixed prompts ahead of calls (after settings change).
pub fn prewarm(state: &AppState, voices: Voices, lines: Vec<(bool, String)>) {
    let Some(tts) = state.providers.tts.clone() else {
        return;
    };
    let dir = cache_dir(&state.config.data_dir);
    let max = state.config.tts_cache_mb.saturating_mul(1024 * 1024);
    let tts: Arc<dyn Tts> = tts;
    tokio::task::spawn_blocking(move || {
        for (spanish, text) in lines {
            let voice = if spanish { &voices.es } else { &voices.en };
            let k = key(voice, elevenlabs::MODEL, &text);
            if !dir.join(format!("{k}.mp3")).exists()
                && let Err(e) = generate(tts.as_ref(), voice, &text, &dir, &k, max)
            {
                tracing::warn!(error = %e, "prewarming a prompt failed");
            }
        }
    });
}

/// Prewarms the fixed prompts of a tenant from its settings (both languages).
pub fn prewarm_settings(state: &AppState, s: &crate::db::settings::Settings) {
    use super::lang::{Line, say};
    use crate::nlu::Lang;
    if state.providers.tts.is_none() {
        return;
    }
    let voices = Voices {
        en: s
            .voice_en
            .clone()
            .unwrap_or_else(|| elevenlabs::VOICE_EN.into()),
        es: s
            .voice_es
            .clone()
            .unwrap_or_else(|| elevenlabs::VOICE_ES.into()),
    };
    let mut lines = vec![(
        false,
        say(
            Lang::En,
            &Line::ChooseLanguage {
                business: &s.business_name,
            },
        ),
    )];
    for (spanish, lang, greeting) in [
        (false, Lang::En, s.greeting.as_deref()),
        (true, Lang::Es, s.greeting_es.as_deref()),
    ] {
        for l in [
            Line::Greeting {
                business: &s.business_name,
                custom: greeting,
            },
            Line::HowCanIHelp,
            Line::AnythingElse,
            Line::Goodbye,
            Line::AskDateTime,
            Line::AskName,
        ] {
            lines.push((spanish, say(lang, &l)));
        }
    }
    prewarm(state, voices, lines);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_say_tags_and_unescapes() {
        let x = r#"<Response><Gather><Say voice="a" language="es-US">¿Qué tal &amp; bien?</Say></Gather><Say voice="b" language="en-US">Hi</Say></Response>"#;
        let t = says(x);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].text, "¿Qué tal & bien?");
        assert!(t[0].spanish && !t[1].spanish);
        assert_eq!(
            &x[t[1].start..t[1].end],
            r#"<Say voice="b" language="en-US">Hi</Say>"#
        );
    }

    #[test]
    fn cache_is_bounded_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..5 {
            store(dir.path(), &format!("{i:064}"), &[0u8; 1000], 3000).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 3);
        assert!(dir.path().join(format!("{:064}.mp3", 4)).exists());
        assert!(!dir.path().join(format!("{:064}.mp3", 0)).exists());
    }
}
