//! `ringlypro router`: the reseller's front. Twilio calls one public endpoint;
//! the router verifies each webhook's signature, finds the node that serves
//! the called number and forwards the request unchanged (same path, query,
//! body and signature) with a pooled HTTP client. When a node is down or slow,
//! voice gets fallback TwiML (forward to the number's fallback phone, or a
//! voicemail) and SMS/status/recording callbacks are held in the router's
//! database and replayed in order when the node is back. It can also route
//! dashboard traffic by host name, and has an admin API on its own listener.
//!
//! Layout: `db` (its SQLite database, all its SQL), `table` (the in-memory
//! routing table), `forward` (the public listener), `replay` (health checks
//! and delivering held webhooks), `admin` (the admin API), `stats` (metrics).

pub mod admin;
pub mod db;
pub mod forward;
pub mod replay;
pub mod stats;
pub mod table;

use crate::error::AppError;
use anyhow::Context;
use axum::body::Body;
use axum::serve::ListenerExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rusqlite::Connection;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use table::Table;
use tokio::sync::Notify;

/// Settings of `ringlypro router serve` (flags or environment variables).
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Public listener: Twilio webhooks, dashboards by host name, /health.
    #[arg(
        long,
        env = "RINGLYPRO_ROUTER_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,
    /// Admin listener: the admin API, /health and /metrics.
    #[arg(
        long,
        env = "RINGLYPRO_ROUTER_ADMIN_LISTEN",
        default_value = "127.0.0.1:8081"
    )]
    pub admin_listen: SocketAddr,
    /// Also serve the admin API (still behind its token) under /admin on the public listener.
    #[arg(
        long,
        env = "RINGLYPRO_ROUTER_ADMIN_ON_PUBLIC",
        default_value_t = false
    )]
    pub admin_on_public: bool,
    /// Admin API token (at least 16 characters). Unset: one is generated into DATA_DIR/admin_token.
    #[arg(long, env = "RINGLYPRO_ROUTER_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Public base URL Twilio calls (e.g. https://hooks.example.com); the URL signatures are checked against.
    /// Nodes behind the router set their WEBHOOK_BASE_URL to the same value.
    #[arg(long, env = "WEBHOOK_BASE_URL")]
    pub public_url: Option<String>,
    /// The reseller's Twilio auth token (nodes may have subaccount tokens of their own).
    /// Unset: only requests from this machine are accepted.
    #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub twilio_auth_token: Option<String>,
    /// How often each node's /health is checked.
    #[arg(
        long,
        env = "RINGLYPRO_ROUTER_HEALTH_INTERVAL_MS",
        default_value_t = 2000
    )]
    pub health_interval_ms: u64,
    /// How long a voice webhook may wait for its node before the caller gets the fallback.
    #[arg(
        long,
        env = "RINGLYPRO_ROUTER_VOICE_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub voice_timeout_ms: u64,
    /// How long an SMS/status callback may wait for its node before it is held for replay.
    #[arg(
        long,
        env = "RINGLYPRO_ROUTER_CALLBACK_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub callback_timeout_ms: u64,
    /// Largest accepted webhook body.
    #[arg(
        long,
        env = "RINGLYPRO_ROUTER_MAX_BODY_BYTES",
        default_value_t = 1_048_576
    )]
    pub max_body_bytes: usize,
    /// Token for /metrics on the admin listener; unset: /metrics there needs no token.
    #[arg(long, env = "RINGLYPRO_ROUTER_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Log filter, e.g. info or ringlypro=debug.
    #[arg(long, env = "RINGLYPRO_LOG", default_value = "info")]
    pub log: String,
}

/// Where the packaged service keeps its data.
pub const SYSTEM_DATA_DIR: &str = "/var/lib/ringlypro-router";

/// The router's data directory: the flag, then `$RINGLYPRO_ROUTER_DATA_DIR`,
/// then systemd's `$STATE_DIRECTORY`, then [`SYSTEM_DATA_DIR`] when it holds a
/// router database (so admin commands on an installed system find it), then
/// `./ringlypro-router-data`.
pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(f) = flag {
        return f.to_path_buf();
    }
    for var in ["RINGLYPRO_ROUTER_DATA_DIR", "STATE_DIRECTORY"] {
        if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            let s = v.to_string_lossy().to_string();
            return PathBuf::from(s.split(':').next().unwrap_or(&s));
        }
    }
    let system = Path::new(SYSTEM_DATA_DIR);
    if db_path(system).is_file() {
        return system.to_path_buf();
    }
    PathBuf::from("./ringlypro-router-data")
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join("router.db")
}

pub type HttpClient = Client<HttpConnector, Body>;

/// A pooled HTTP/1.1 client for talking to nodes (keep-alive, no Nagle).
pub fn http_client() -> HttpClient {
    let mut conn = HttpConnector::new();
    conn.set_nodelay(true);
    conn.set_connect_timeout(Some(Duration::from_secs(2)));
    conn.set_keepalive(Some(Duration::from_secs(30)));
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(64)
        .build(conn)
}

pub struct Inner {
    pub settings: ServeArgs,
    pub public_url: Option<String>,
    pub admin_token: String,
    pub db: Arc<Mutex<Connection>>,
    table: RwLock<Arc<Table>>,
    pub client: HttpClient,
    /// Wakes the health/replay loop (something was held, or a node changed).
    pub wake: Notify,
    pub started: Instant,
    data_version: AtomicI64,
}

/// Shared router state. Cheap to clone.
#[derive(Clone)]
pub struct Shared(Arc<Inner>);

impl std::ops::Deref for Shared {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Shared {
    /// Opens the database and loads the table.
    pub fn open(settings: ServeArgs, dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data directory {}", dir.display()))?;
        let admin_token = admin_token(settings.admin_token.as_deref(), dir)?;
        let conn = db::open(&db_path(dir))?;
        let version = db::data_version(&conn).map_err(|e| anyhow::anyhow!("{e}"))?;
        let table = Table::load(&conn, &Table::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let public_url = match settings.public_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                Some(u.trim_end_matches('/').to_string())
            }
            Some(u) => anyhow::bail!("WEBHOOK_BASE_URL='{u}' must start with http:// or https://"),
        };
        if settings
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.len() < 16)
        {
            anyhow::bail!("RINGLYPRO_ROUTER_METRICS_TOKEN must be at least 16 characters");
        }
        Ok(Self(Arc::new(Inner {
            settings,
            public_url,
            admin_token,
            db: Arc::new(Mutex::new(conn)),
            table: RwLock::new(Arc::new(table)),
            client: http_client(),
            wake: Notify::new(),
            started: Instant::now(),
            data_version: AtomicI64::new(version),
        })))
    }

    /// The current routing table.
    pub fn table(&self) -> Arc<Table> {
        self.table
            .read()
            .map(|t| t.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Runs `f` on the database connection on a blocking thread.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let conn = db
                .lock()
                .map_err(|_| AppError::internal("router database lock poisoned"))?;
            f(&conn)
        })
        .await
        .map_err(|e| AppError::internal(format!("database task failed: {e}")))?
    }

    /// Rebuilds the table from the database (after an admin change).
    pub async fn reload(&self) -> Result<(), AppError> {
        let previous = self.table();
        let (table, version) = self
            .db(move |c| Ok((Table::load(c, &previous)?, db::data_version(c)?)))
            .await?;
        self.data_version.store(version, Ordering::Release);
        if let Ok(mut t) = self.table.write() {
            *t = Arc::new(table);
        }
        self.wake.notify_one();
        Ok(())
    }

    /// Reloads when another process (the CLI) changed the database.
    pub async fn reload_if_changed(&self) -> Result<(), AppError> {
        let version = self.db(db::data_version).await?;
        if version != self.data_version.load(Ordering::Acquire) {
            tracing::info!("router database changed; reloading the routing table");
            self.reload().await?;
        }
        Ok(())
    }
}

/// The configured admin token, or the one in DATA_DIR/admin_token (generated
/// on first start, mode 0600).
fn admin_token(configured: Option<&str>, dir: &Path) -> anyhow::Result<String> {
    if let Some(t) = configured.map(str::trim).filter(|t| !t.is_empty()) {
        if t.len() < 16 {
            anyhow::bail!("RINGLYPRO_ROUTER_ADMIN_TOKEN must be at least 16 characters");
        }
        return Ok(t.to_string());
    }
    let path = dir.join("admin_token");
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 16 => Ok(s.trim().to_string()),
        Ok(_) => anyhow::bail!(
            "{} is shorter than 16 characters; delete it to generate a new one",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let token = crate::auth::random_hex(32);
            crate::config::write_private_file(&path, token.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated the router admin token");
            Ok(token)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn init_logging(filter: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A router bound to its listeners (tests and benchmarks run it in-process).
pub struct Bound {
    pub state: Shared,
    pub public: tokio::net::TcpListener,
    pub admin: Option<tokio::net::TcpListener>,
}

impl Bound {
    /// Opens the state, checks every node once, and binds both listeners
    /// (the admin one only when it differs from the public one).
    pub async fn bind(settings: ServeArgs, dir: &Path) -> anyhow::Result<Self> {
        let state = Shared::open(settings, dir)?;
        replay::check_all(&state).await;
        let s = &state.settings;
        let public = tokio::net::TcpListener::bind(s.listen)
            .await
            .with_context(|| format!("cannot listen on {} (RINGLYPRO_ROUTER_LISTEN)", s.listen))?;
        // The same address (with a real port) means one listener for both.
        let admin = if s.admin_listen == s.listen && s.listen.port() != 0 {
            None
        } else {
            Some(
                tokio::net::TcpListener::bind(s.admin_listen)
                    .await
                    .with_context(|| {
                        format!(
                            "cannot listen on {} (RINGLYPRO_ROUTER_ADMIN_LISTEN)",
                            s.admin_listen
                        )
                    })?,
            )
        };
        Ok(Self {
            state,
            public,
            admin,
        })
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let state = self.state;
        let worker = tokio::spawn(replay::run(state.clone()));
        let mut public_app = forward::app(state.clone());
        if state.settings.admin_on_public || self.admin.is_none() {
            public_app = public_app.merge(admin::routes(state.clone()));
        }
        let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
        let admin_task = self.admin.map(|l| {
            let mut rx = stop_tx.subscribe();
            let app = admin::app(state.clone());
            tokio::spawn(async move {
                axum::serve(
                    l.tap_io(no_delay),
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(async move {
                    let _ = rx.recv().await;
                })
                .await
            })
        });
        let public = axum::serve(
            self.public.tap_io(no_delay),
            public_app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("router shutting down");
            let _ = stop_tx.send(());
        });
        let result = public.await.context("router HTTP server failed");
        if let Some(t) = admin_task {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
        worker.abort();
        result
    }
}

/// Responses are streamed through in several writes (head, then body):
/// without TCP_NODELAY, Nagle's algorithm and the client's delayed ACK would
/// add about 40 ms to each.
fn no_delay(tcp: &mut tokio::net::TcpStream) {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY");
    }
}

/// `ringlypro router serve`.
pub fn run(settings: ServeArgs, dir: &Path) -> anyhow::Result<()> {
    init_logging(&settings.log);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let stop = crate::app::shutdown_signal();
        let bound = Bound::bind(settings, dir).await?;
        let public = bound.public.local_addr()?;
        let admin = match &bound.admin {
            Some(l) => l.local_addr()?,
            None => public,
        };
        let s = &bound.state;
        if s.settings.twilio_auth_token.is_none() {
            tracing::warn!(
                "TWILIO_AUTH_TOKEN is not set: webhooks are accepted from this machine only"
            );
        }
        if s.public_url.is_none() {
            tracing::warn!(
                "WEBHOOK_BASE_URL is not set: signatures are checked against http://<Host header>; set it to the public URL Twilio calls"
            );
        }
        let nodes = s.table().nodes.len();
        tracing::info!(
            version = crate::VERSION,
            nodes,
            data_dir = %dir.display(),
            "router is ready: public http://{public} admin http://{admin}"
        );
        let watchdog = crate::sdnotify::ready(&format!("routing on {public}"));
        let result = bound
            .serve(async move {
                stop.await;
                crate::sdnotify::stopping();
            })
            .await;
        if let Some(w) = watchdog {
            w.abort();
        }
        result
    })
}
