//! Voice webhooks: the original paths (`/voice/rachel/…`, `/voice/lina/…`) and
//! ours (`/voice/gather`, `/voice/dial-result`, `/voice/recording`,
//! `/voice/fallback` …) all go to the one engine. The tenant is the called
//! number; the signature was verified by `TwilioRequest`. Every answer is TwiML;
//! a failure becomes an apology that offers voicemail, never a 500.

use super::twilio::TwilioRequest;
use crate::app::AppState;
use crate::db;
use crate::domain::E164;
use crate::error::AppError;
use crate::nlu::Lang;
use crate::voice::engine::{self, Call, Event};
use crate::voice::twiml::Twiml;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sha2::{Digest, Sha256};

pub fn router() -> Router<AppState> {
    let mut r = Router::new();
    for who in ["rachel", "lina"] {
        r = r
            .route(&format!("/voice/{who}"), post(entry))
            .route(&format!("/voice/{who}/"), post(entry))
            .route(&format!("/voice/{who}/incoming"), post(entry));
        for step in [
            "select-language",
            "process-speech",
            "collect-name",
            "collect-phone",
            "book-appointment",
        ] {
            r = r.route(&format!("/voice/{who}/{step}"), post(gather));
        }
    }
    r.route("/voice/incoming", post(entry))
        .route("/voice/gather", post(gather))
        .route("/voice/dial-result", post(dial_result))
        .route("/voice/recording", post(recording))
        .route("/voice/recording-status", post(recording_status))
        .route("/voice/transcription", post(transcription))
        .route("/voice/fallback", post(fallback))
        .route("/audio/{file}", get(audio))
}

fn xml(body: String, status: StatusCode) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

/// A stable key of the request: a Twilio retry has the same path and parameters.
fn request_key(path: &str, req: &TwilioRequest) -> String {
    let mut params: Vec<&(String, String)> = req.params().iter().collect();
    params.sort();
    let mut h = Sha256::new();
    h.update(path.as_bytes());
    for (k, v) in params {
        h.update([0]);
        h.update(k.as_bytes());
        h.update([1]);
        h.update(v.as_bytes());
    }
    crate::auth::hex(&h.finalize())
}

fn limited(req: &TwilioRequest, name: &str, max: usize) -> Option<String> {
    req.non_empty(name)
        .filter(|v| v.chars().count() <= max)
        .map(String::from)
}

async fn run(state: AppState, uri: Uri, req: TwilioRequest, kind: Kind) -> Response {
    let started = std::time::Instant::now();
    let Some(call_sid) = limited(&req, "CallSid", 64) else {
        return xml(Twiml::empty().render(), StatusCode::BAD_REQUEST);
    };
    let to_raw = limited(&req, "To", 64).or_else(|| limited(&req, "Called", 64));
    let Some(to) = to_raw.as_deref().and_then(|t| E164::parse(t).ok()) else {
        tracing::warn!(%call_sid, "voice webhook without a valid To number");
        return xml(engine::not_in_service(), StatusCode::OK);
    };
    let owner = state.db.lookup(|c| db::numbers::owner_of(c, &to));
    let owner = match owner {
        Ok(Some(o)) if o.active => o,
        Ok(_) => {
            tracing::info!(to = %to, %call_sid, "call to a number no business uses");
            crate::metrics::node().voice_turns.inc(&["not_in_service"]);
            return xml(engine::not_in_service(), StatusCode::OK);
        }
        Err(e) => {
            tracing::error!(error = %e, "voice webhook could not look up the number");
            return xml(engine::apology(None), StatusCode::OK);
        }
    };
    let key = request_key(
        uri.path_and_query()
            .map(|p| p.as_str())
            .unwrap_or(uri.path()),
        &req,
    );
    let turn = req.query("turn").and_then(|t| t.parse::<i64>().ok());
    let from = limited(&req, "From", 64).or_else(|| limited(&req, "Caller", 64));
    let speech = req
        .get("SpeechResult")
        .map(|s| s.chars().take(1000).collect::<String>());
    let digits = limited(&req, "Digits", 32);
    let confidence = req
        .non_empty("Confidence")
        .and_then(|c| c.parse::<f64>().ok())
        .filter(|c| c.is_finite());
    let dial_status = limited(&req, "DialCallStatus", 32).unwrap_or_default();
    let rec_url = limited(&req, "RecordingUrl", 500)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let rec_sid = limited(&req, "RecordingSid", 64);
    let rec_dur = req
        .non_empty("RecordingDuration")
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| (0..=86_400).contains(d));
    let is_test = req.query("test").is_some_and(|v| v == "1");
    let client = owner.client_id;
    let now = state.clock.now();
    let to_s = to.as_str().to_string();
    let dashboard = state.config.frontend_url.clone();
    let lang_hint = match kind {
        Kind::Entry(l) => l,
        _ => None,
    };
    let result = state
        .db
        .write(move |c| {
            let call = Call {
                call_sid: &call_sid,
                from: from.as_deref(),
                to: &to_s,
                speech: speech.as_deref(),
                digits: digits.as_deref(),
                confidence,
                request_key: key,
                turn,
                is_test,
                dashboard: &dashboard,
            };
            let event = match kind {
                Kind::Entry(lang) => Event::Start { lang },
                Kind::Gather => Event::Gather,
                Kind::Dial => Event::DialResult(&dial_status),
                Kind::Recording => Event::Recorded {
                    url: rec_url.as_deref(),
                    sid: rec_sid.as_deref(),
                    duration: rec_dur,
                },
                Kind::Fallback => Event::Fallback,
            };
            engine::handle(c, client, &call, event, now, started)
        })
        .await;
    match result {
        Ok(twiml) => {
            crate::metrics::node().voice_turns.inc(&["ok"]);
            let twiml = if state.providers.tts.is_some() {
                with_voices(&state, client, twiml).await
            } else {
                twiml
            };
            xml(twiml, StatusCode::OK)
        }
        Err(AppError::Forbidden(m)) => {
            tracing::warn!(reason = %m, "voice webhook refused");
            crate::metrics::node().voice_turns.inc(&["refused"]);
            xml(Twiml::empty().render(), StatusCode::FORBIDDEN)
        }
        Err(e) => {
            tracing::error!(error = %e, "voice turn failed; apologising and offering voicemail");
            crate::metrics::node().voice_turns.inc(&["apology"]);
            xml(engine::apology(lang_hint), StatusCode::OK)
        }
    }
}

/// Applies ElevenLabs audio with the tenant's chosen voices.
async fn with_voices(state: &AppState, client: crate::domain::ClientId, twiml: String) -> String {
    let voices = state
        .db
        .read(move |c| db::settings::get(c, client))
        .await
        .map(|s| (s.voice_en, s.voice_es))
        .unwrap_or_default();
    let voices = crate::voice::tts::Voices {
        en: voices
            .0
            .unwrap_or_else(|| crate::providers::elevenlabs::VOICE_EN.into()),
        es: voices
            .1
            .unwrap_or_else(|| crate::providers::elevenlabs::VOICE_ES.into()),
    };
    crate::voice::tts::apply(state, &voices, twiml).await
}

#[derive(Clone, Copy)]
enum Kind {
    Entry(Option<Lang>),
    Gather,
    Dial,
    Recording,
    Fallback,
}

async fn entry(State(state): State<AppState>, uri: Uri, req: TwilioRequest) -> Response {
    let lang = uri.path().starts_with("/voice/lina").then_some(Lang::Es);
    run(state, uri, req, Kind::Entry(lang)).await
}

async fn gather(State(state): State<AppState>, uri: Uri, req: TwilioRequest) -> Response {
    run(state, uri, req, Kind::Gather).await
}

async fn dial_result(State(state): State<AppState>, uri: Uri, req: TwilioRequest) -> Response {
    run(state, uri, req, Kind::Dial).await
}

async fn recording(State(state): State<AppState>, uri: Uri, req: TwilioRequest) -> Response {
    run(state, uri, req, Kind::Recording).await
}

async fn fallback(State(state): State<AppState>, uri: Uri, req: TwilioRequest) -> Response {
    run(state, uri, req, Kind::Fallback).await
}

/// Recording status and transcription callbacks: store on the call, answer empty TwiML.
async fn store_recording(state: AppState, req: TwilioRequest, transcription: bool) -> Response {
    let (Some(sid), Some(to)) = (
        limited(&req, "CallSid", 64),
        limited(&req, "To", 64).or_else(|| limited(&req, "Called", 64)),
    ) else {
        return xml(Twiml::empty().render(), StatusCode::BAD_REQUEST);
    };
    let Ok(to) = E164::parse(&to) else {
        return xml(Twiml::empty().render(), StatusCode::OK);
    };
    let url = limited(&req, "RecordingUrl", 500).filter(|u| u.starts_with("http"));
    let rec_sid = limited(&req, "RecordingSid", 64);
    let dur = req
        .non_empty("RecordingDuration")
        .and_then(|d| d.parse::<i64>().ok());
    let text = transcription
        .then(|| {
            req.get("TranscriptionText")
                .map(|t| t.chars().take(5000).collect::<String>())
        })
        .flatten();
    let r = state
        .db
        .write(move |c| {
            let Some(owner) = db::numbers::owner_of(c, &to)? else {
                return Ok(());
            };
            db::voice::set_recording(
                c,
                owner.client_id,
                &sid,
                url.as_deref(),
                rec_sid.as_deref(),
                dur,
                text.as_deref(),
            )
            .map(|_| ())
        })
        .await;
    if let Err(e) = r {
        tracing::error!(error = %e, "could not store a recording callback");
    }
    xml(Twiml::empty().render(), StatusCode::OK)
}

async fn recording_status(State(state): State<AppState>, req: TwilioRequest) -> Response {
    store_recording(state, req, false).await
}

async fn transcription(State(state): State<AppState>, req: TwilioRequest) -> Response {
    store_recording(state, req, true).await
}

/// Cached speech audio: `/audio/<64 hex>.mp3` only; anything else is refused
/// before the file system is touched (no path traversal).
async fn audio(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    let Some(hash) = file.strip_suffix(".mp3").filter(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    }) else {
        return AppError::BadRequest(
            "Audio files are named by a 64-character hex hash, like /audio/<hash>.mp3.".into(),
        )
        .into_response();
    };
    let path = state
        .config
        .data_dir
        .join("tts")
        .join(format!("{hash}.mp3"));
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "audio/mpeg"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => AppError::not_found("audio").into_response(),
    }
}
