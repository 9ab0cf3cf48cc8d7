//! A fake ElevenLabs on 127.0.0.1:0: `POST /v1/text-to-speech/{voice_id}` with
//! the `xi-api-key` header and `{"text","model_id"}` JSON, answering MP3 bytes
//! (here: a fixed header plus the text). It can be told to hang.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use std::sync::{Arc, Mutex};

pub const API_KEY: &str = "fake-elevenlabs-key";

#[derive(Default)]
struct Inner {
    requests: Vec<(String, String)>,
    hang: bool,
}

pub struct FakeElevenLabs {
    addr: std::net::SocketAddr,
    inner: Arc<Mutex<Inner>>,
    _thread: std::thread::JoinHandle<()>,
}

/// The audio the fake returns for `text`.
pub fn audio_for(text: &str) -> Vec<u8> {
    let mut v = b"ID3fake".to_vec();
    v.extend_from_slice(text.as_bytes());
    v
}

async fn tts(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(voice): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    if headers.get("xi-api-key").and_then(|v| v.to_str().ok()) != Some(API_KEY) {
        return (StatusCode::UNAUTHORIZED, "bad key").into_response();
    }
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let text = v["text"].as_str().unwrap_or_default().to_string();
    let hang = {
        let mut g = inner.lock().unwrap();
        g.requests.push((voice, text.clone()));
        g.hang
    };
    if hang {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    }
    ([("content-type", "audio/mpeg")], audio_for(&text)).into_response()
}

impl FakeElevenLabs {
    pub fn start() -> Self {
        let inner: Arc<Mutex<Inner>> = Arc::default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/v1/text-to-speech/{voice}", axum::routing::post(tts))
            .with_state(inner.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let l = tokio::net::TcpListener::from_std(listener).unwrap();
                let _ = axum::serve(l, app).await;
            });
        });
        Self {
            addr,
            inner,
            _thread: thread,
        }
    }
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn hang(&self, on: bool) {
        self.inner.lock().unwrap().hang = on;
    }
    /// (voice id, text) of every request.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.inner.lock().unwrap().requests.clone()
    }
}
