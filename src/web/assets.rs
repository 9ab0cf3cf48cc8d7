//! Static assets compiled into the binary (`assets/`, rust-embed): served under
//! content-hashed names (`/assets/app.3f9c1a2b7d.css`) with a one-year
//! immutable cache, so a new release never meets a stale file. The PWA files
//! that browsers look up by a fixed address are generated here: the web app
//! manifest (`/manifest.json`), the service worker (`/service-worker.js`, with
//! the hashed app-shell list written into it) and the offline page.

use crate::app::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{DOCTYPE, html};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Files;

/// The service worker's code, served at a fixed address with the app-shell list prepended.
const SW_FILE: &str = "service-worker.js";

fn service_worker_code() -> String {
    Files::get(SW_FILE)
        .map(|f| String::from_utf8_lossy(&f.data).into_owned())
        .unwrap_or_default()
}

pub const THEME_COLOR: &str = "#4338ca";

struct Index {
    /// original name → hashed name
    hashed: HashMap<String, String>,
    /// hashed name → original name
    original: HashMap<String, String>,
    /// A hash of every asset: the service worker's cache version.
    version: String,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut hashed = HashMap::new();
        let mut original = HashMap::new();
        let mut all = Sha256::new();
        let mut names: Vec<String> = Files::iter().map(|n| n.to_string()).collect();
        names.sort();
        for name in names {
            if name == SW_FILE {
                continue;
            }
            let Some(file) = Files::get(&name) else {
                continue;
            };
            let digest = crate::auth::hex(&Sha256::digest(&file.data));
            all.update(digest.as_bytes());
            let short = &digest[..10];
            let h = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{short}.{ext}"),
                None => format!("{name}.{short}"),
            };
            hashed.insert(name.clone(), h.clone());
            original.insert(h, name);
        }
        all.update(service_worker_code().as_bytes());
        let version = crate::auth::hex(&all.finalize())[..12].to_string();
        Index {
            hashed,
            original,
            version,
        }
    })
}

/// The address of an asset under its content-hashed name.
pub fn url(name: &str) -> String {
    match index().hashed.get(name) {
        Some(h) => format!("/assets/{h}"),
        None => format!("/assets/{name}"),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/{file}", get(asset))
        .route("/manifest.json", get(manifest))
        .route("/service-worker.js", get(service_worker))
        .route("/offline.html", get(offline))
        .route("/favicon.ico", get(favicon))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn asset(Path(file): Path<String>) -> Response {
    let Some(name) = index().original.get(&file) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let Some(f) = Files::get(name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, content_type(name)),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        f.data.into_owned(),
    )
        .into_response()
}

async fn favicon() -> Response {
    let mut res = StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(v) = HeaderValue::from_str(&url("icon-192.png")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// The web app manifest: what makes the dashboard installable.
pub fn manifest_json() -> serde_json::Value {
    serde_json::json!({
        "name": "RinglyPro",
        "short_name": "RinglyPro",
        "description": "Your AI receptionist and customer book",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f8fafc",
        "theme_color": THEME_COLOR,
        "icons": [
            { "src": url("icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any" },
            { "src": url("icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any" },
            { "src": url("icon-maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable" }
        ]
    })
}

async fn manifest() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        manifest_json().to_string(),
    )
        .into_response()
}

/// The app shell the service worker keeps for offline use.
pub fn shell() -> Vec<String> {
    let mut v: Vec<String> = ["app.css", "app.js", "htmx.min.js", "icon-192.png"]
        .iter()
        .map(|n| url(n))
        .collect();
    v.push("/offline.html".into());
    v
}

async fn service_worker() -> Response {
    let list = serde_json::to_string(&shell()).unwrap_or_else(|_| "[]".into());
    let body = format!(
        "const VERSION = \"{}\";\nconst SHELL = {list};\n{}",
        index().version,
        service_worker_code()
    );
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Shown by the service worker when a page cannot be reached.
async fn offline() -> Response {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="theme-color" content=(THEME_COLOR);
                title { "Offline · RinglyPro" }
                link rel="stylesheet" href=(url("app.css"));
            }
            body.bare {
                main #main .narrow {
                    div.card {
                        h1 { "You are offline" }
                        p { "RinglyPro cannot reach the server right now. Your receptionist keeps answering calls; this page comes back when the connection does." }
                        p lang="es" { "Sin conexión: RinglyPro no puede llegar al servidor ahora. La recepcionista sigue contestando llamadas." }
                        p { a.button href="/" { "Try again · Reintentar" } }
                    }
                }
            }
        }
    };
    (
        [(header::CACHE_CONTROL, "no-cache")],
        axum::response::Html(page.into_string()),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_have_hashed_names_and_the_shell_exists() {
        let css = url("app.css");
        assert!(css.starts_with("/assets/app.") && css.ends_with(".css") && css.len() > 20);
        for u in shell() {
            if let Some(h) = u.strip_prefix("/assets/") {
                assert!(index().original.contains_key(h), "{u}");
            }
        }
        assert_eq!(manifest_json()["icons"].as_array().map(Vec::len), Some(3));
    }
}
