//! `ringlypro serve`: logging, the data directory and its lock, the database,
//! the first-run setup token (printed once while no account exists), then the
//! HTTP server until SIGTERM/SIGINT. Under systemd (`Type=notify`) it
//! reports READY once listening and pings the watchdog while it runs.

use crate::app::{AppState, DataLock, serve, shutdown_signal};
use crate::clock::SystemClock;
use crate::config::{Config, LogFormat};
use crate::db::Db;
use std::sync::Arc;
use std::time::Instant;

pub fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// glibc raises its mmap threshold after a large block is freed, after which the
/// 19 MiB of each password hash stays in every thread's heap: RSS would grow by
/// that much per blocking thread that ever hashed. A fixed threshold returns
/// such blocks to the system as soon as they are freed.
fn bound_allocator_retention() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before other threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

pub fn run(mut config: Config) -> anyhow::Result<()> {
    let t0 = Instant::now();
    bound_allocator_retention();
    init_logging(&config);
    if config.ensure_jwt_secret()? {
        tracing::info!(path = %config.data_dir.join("jwt_secret").display(), "generated a new JWT secret (mode 0600)");
    }
    let _lock = DataLock::acquire(&config.database_path)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(async move {
        let db = Db::open(&config.database_path)?;
        let setup_token = crate::app::prepare_first_run(&config.database_path)?;
        let listen = config.listen_addr();
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            anyhow::anyhow!("cannot listen on {listen}: {e} (set PORT or RINGLYPRO_HOST)")
        })?;
        let addr = listener.local_addr()?;
        // Signal handlers before anyone can learn we are ready: a SIGTERM right
        // after the ready line or systemd's READY is always graceful.
        let stop = shutdown_signal();
        let shown = if addr.ip().is_unspecified() {
            format!("localhost:{}", addr.port())
        } else {
            addr.to_string()
        };
        let data_dir = config.data_dir.clone();
        let state = AppState::new(config, db, Arc::new(SystemClock))?;
        tracing::info!(
            version = crate::VERSION,
            data_dir = %data_dir.display(),
            startup_ms = t0.elapsed().as_secs_f64() * 1000.0,
            "RinglyPro is ready: open http://{shown}/ for the dashboard"
        );
        if let Some(token) = setup_token {
            tracing::warn!(
                "first-run setup: no account exists yet. Open http://{shown}/setup and enter the setup token {token} to create the first owner"
            );
        }
        let watchdog = crate::sdnotify::ready(&format!("serving on {addr}"));
        let result = serve(listener, state, async move {
            stop.await;
            crate::sdnotify::stopping();
        })
        .await;
        if let Some(w) = watchdog {
            w.abort();
        }
        result
    });
    // Provider calls still running on blocking threads (a slow TTS request) do not hold up the exit.
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    result
}
