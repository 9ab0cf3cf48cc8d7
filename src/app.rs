//! Application state and the server's life cycle: open the database, build the
//! state, bind, serve until a shutdown signal, let in-flight requests finish
//! (bounded), then stop the writer and checkpoint the WAL.

use crate::auth::password::Hasher;
use crate::auth::ratelimit::RateLimiter;
use crate::auth::token::TokenKeys;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Db;
use crate::providers::Providers;
use anyhow::Context;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};

/// Rate limiters for the authentication routes.
pub struct Limits {
    pub login_ip: RateLimiter,
    pub login_account: RateLimiter,
    pub register_ip: RateLimiter,
    pub reset_ip: RateLimiter,
    pub reset_account: RateLimiter,
}

impl Limits {
    fn new(c: &Config) -> Self {
        let quarter = Duration::from_secs(15 * 60);
        let hour = Duration::from_secs(3600);
        Self {
            login_ip: RateLimiter::new(c.login_rate_limit, quarter),
            login_account: RateLimiter::new(c.login_rate_limit, quarter),
            register_ip: RateLimiter::new(c.register_rate_limit, hour),
            reset_ip: RateLimiter::new(c.reset_rate_limit, hour),
            reset_account: RateLimiter::new(c.reset_rate_limit, hour),
        }
    }
}

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub clock: SharedClock,
    pub hasher: Hasher,
    pub tokens: TokenKeys,
    pub limits: Limits,
    /// Password hashes run on at most this many threads at once.
    pub hash_slots: Semaphore,
    pub started: Instant,
    /// External services (real clients or offline stand-ins), built from the config.
    pub providers: Providers,
    /// Wakes the outbox worker when something was queued.
    pub outbox_wake: Notify,
    /// The last database health check: when, whether it passed, how long it took (ms).
    pub health_check: std::sync::RwLock<Option<(Instant, bool, f64)>>,
}

/// Everything a handler needs, passed with `with_state`. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(config: Config, db: Db, clock: SharedClock) -> anyhow::Result<Self> {
        let hasher = Hasher::new(config.argon2_memory_kib, config.argon2_iterations)
            .map_err(anyhow::Error::msg)?;
        let tokens = TokenKeys::new(config.jwt_secret());
        let limits = Limits::new(&config);
        let providers = Providers::from_config(&config);
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Ok(Self(Arc::new(Inner {
            config,
            db,
            clock,
            hasher,
            tokens,
            limits,
            hash_slots: Semaphore::new(cores),
            started: Instant::now(),
            health_check: std::sync::RwLock::new(None),
            providers,
            outbox_wake: Notify::new(),
        })))
    }

    /// The CSRF token that goes with a cookie session: HMAC of the session token.
    pub fn csrf_token(&self, session_token: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.config.jwt_secret()) else {
            return String::new();
        };
        mac.update(b"csrf:");
        mac.update(session_token.as_bytes());
        crate::auth::hex(&mac.finalize().into_bytes())
    }

    /// Hashes a password on a blocking thread, at most `cores` at a time.
    pub async fn hash_password(&self, password: String) -> Result<String, crate::AppError> {
        let _slot = self
            .hash_slots
            .acquire()
            .await
            .map_err(crate::AppError::internal)?;
        let hasher = self.hasher.clone();
        tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(crate::AppError::internal)?
            .map_err(crate::AppError::internal)
    }

    /// Verifies a password (or burns the same time when there is no account).
    pub async fn verify_password(
        &self,
        password: String,
        phc: Option<String>,
    ) -> Result<bool, crate::AppError> {
        let _slot = self
            .hash_slots
            .acquire()
            .await
            .map_err(crate::AppError::internal)?;
        let hasher = self.hasher.clone();
        tokio::task::spawn_blocking(move || match phc {
            Some(phc) => hasher.verify(&password, &phc),
            None => {
                hasher.verify_dummy(&password);
                false
            }
        })
        .await
        .map_err(crate::AppError::internal)
    }
}

/// First-run setup: while the database has no user, a fresh one-time setup
/// token is made at every start (only its SHA-256 is stored, in
/// `app_settings`); the dashboard's /setup asks for it, so a stranger who finds
/// a fresh instance cannot claim it. Returns the token to print once.
pub fn prepare_first_run(database: &Path) -> anyhow::Result<Option<String>> {
    let conn = crate::db::open_connection(database)?;
    if crate::db::auth::count(&conn).map_err(anyhow::Error::msg)? > 0 {
        crate::db::app_settings::delete(&conn, crate::db::app_settings::SETUP_TOKEN_SHA256)
            .map_err(anyhow::Error::msg)?;
        return Ok(None);
    }
    let token = crate::auth::random_token(18);
    crate::db::app_settings::set(
        &conn,
        crate::db::app_settings::SETUP_TOKEN_SHA256,
        &crate::auth::sha256_hex(&token),
    )
    .map_err(anyhow::Error::msg)?;
    Ok(Some(token))
}

/// Holds the data directory's lock for as long as a server runs, so `restore`
/// (and a second server) can tell the database is in use.
pub struct DataLock {
    _file: std::fs::File,
    path: PathBuf,
}

impl DataLock {
    pub fn path_for(db: &Path) -> PathBuf {
        let mut p = db.as_os_str().to_owned();
        p.push(".lock");
        PathBuf::from(p)
    }

    /// Takes the lock or says who holds it.
    pub fn acquire(db: &Path) -> anyhow::Result<Self> {
        use std::io::Write;
        let path = Self::path_for(db);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open lock file {}", path.display()))?;
        if file.try_lock().is_err() {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            anyhow::bail!(
                "the database {} is in use by a running RinglyPro server{}; stop it first",
                db.display(),
                holder
                    .trim()
                    .parse::<u32>()
                    .map(|p| format!(" (pid {p})"))
                    .unwrap_or_default()
            );
        }
        file.set_len(0)?;
        write!(file, "{}", std::process::id())?;
        Ok(Self { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight
/// requests finish for up to the configured grace period, stops the outbox
/// worker and closes the database.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let grace = Duration::from_secs(state.config.shutdown_grace_secs);
    let db = state.db.clone();
    let jobs = tokio::spawn(crate::reminders::run_forever(state.clone()));
    let worker = crate::outbox::spawn(
        state.clone(),
        Duration::from_millis(state.config.outbox_poll_ms),
    );
    let billing_job = crate::billing::auto_reload::spawn(
        state.clone(),
        Duration::from_secs(state.config.auto_reload_poll_secs),
    );
    let metrics_server = match state.config.metrics_listen {
        Some(addr) => {
            let l = TcpListener::bind(addr).await.with_context(|| {
                format!("cannot listen for metrics on {addr} (RINGLYPRO_METRICS_LISTEN)")
            })?;
            tracing::info!(addr = %l.local_addr().unwrap_or(addr), "serving Prometheus /metrics on a separate listener");
            let app = crate::http::metrics::listener_app(state.clone());
            Some(tokio::spawn(async move {
                if let Err(e) = axum::serve(l, app).await {
                    tracing::error!(error = %e, "metrics listener failed");
                }
            }))
        }
        None => None,
    };
    let router = crate::http::router(state);
    let signalled = Arc::new(tokio::sync::Notify::new());
    let notify = signalled.clone();
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections, finishing requests in flight");
        notify.notify_one();
    });
    tokio::select! {
        res = server => res.context("HTTP server failed")?,
        _ = async { signalled.notified().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still running after the grace period; stopping anyway");
        }
    }
    jobs.abort();
    if let Some(b) = billing_job {
        b.abort();
    }
    if let Some(m) = metrics_server {
        m.abort();
    }
    if let Some(w) = worker {
        w.stop(grace).await;
    }
    let closer = db.clone();
    tokio::task::spawn_blocking(move || closer.close())
        .await
        .ok();
    tracing::info!("database closed cleanly");
    Ok(())
}

/// Resolves on SIGTERM or SIGINT. The handlers are installed when this is
/// called (not when first polled), so a signal that arrives right after the
/// server reports ready is never fatal. Call it inside a tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (term, int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let term = async {
                match term {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            };
            tokio::select! { _ = term => {}, _ = int => {} }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// A server started in-process on an already-bound listener (tests, benchmarks).
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    /// The first-run setup token when the database had no user at start.
    pub setup_token: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    /// Opens the database in `config.data_dir`, binds `config.listen_addr()` (port 0
    /// picks a free port) and serves on a runtime of its own thread.
    pub fn start(mut config: Config, clock: SharedClock) -> anyhow::Result<Self> {
        config.ensure_jwt_secret()?;
        let db = Db::open(&config.database_path)?;
        let setup_token = prepare_first_run(&config.database_path)?;
        let state = AppState::new(config, db, clock)?;
        let std_listener = std::net::TcpListener::bind(state.config.listen_addr())?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let st = state.clone();
        let thread = std::thread::Builder::new()
            .name("ringlypro-server".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()?;
                rt.block_on(async move {
                    let listener = TcpListener::from_std(std_listener)?;
                    serve(listener, st, async move {
                        let _ = rx.await;
                    })
                    .await
                })
            })?;
        Ok(Self {
            addr,
            state,
            setup_token,
            stop: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Graceful stop, as on SIGTERM.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .map_err(|_| anyhow::anyhow!("server thread panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}
