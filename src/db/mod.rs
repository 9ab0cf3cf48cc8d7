//! The database: connection setup, pragmas, migrations, and the `Db` handle the
//! server uses. All SQL of the program lives under this module.
//!
//! Concurrency model: one writer thread owns the only write connection and
//! *group-commits*: it drains every write job that is waiting, runs each in its
//! own savepoint inside one `BEGIN IMMEDIATE` transaction, commits once
//! (synchronous=FULL: one fsync for the whole batch) and only then answers each
//! job. So a request is answered after its data is on disk, and throughput does
//! not stop at one fsync per request. Reads go to a small pool of read-only
//! connections on blocking threads (WAL lets them run beside the writer);
//! short bounded reads (the session's user, the tenant of a phone number, a
//! page of the contact list) run on the calling thread with their own
//! connections, because handing them to another thread and back costs more
//! than the read itself.

pub mod app_settings;
pub mod appointments;
pub mod auth;
pub mod billing;
pub mod calls;
pub mod clients;
pub mod contacts;
pub mod credit_view;
pub mod dashboard;
pub mod messages;
pub mod metrics;
pub mod numbers;
pub mod outbox;
pub mod settings;
pub mod sms_replies;
pub mod status;
pub mod transfer;
pub mod voice;

use crate::error::AppError;
use rusqlite::{Connection, OpenFlags};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::{Semaphore, mpsc, oneshot};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Largest number of write jobs committed together.
const MAX_BATCH: usize = 512;
const READERS: usize = 4;
const BUSY_TIMEOUT_MS: u64 = 5_000;
/// Page cache per connection, in KiB (SQLite's negative `cache_size`). The OS
/// page cache and the memory map hold the rest; a bigger private cache mostly
/// raises the resident memory of a node.
const CACHE_KIB: i64 = 4_000;
const STATEMENT_CACHE: usize = 512;

/// Opens a connection with the pragmas every connection needs.
pub fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    // No memory map: reads copy pages into each connection's bounded cache. A
    // mapped database counted every page a search touched in the resident size
    // (225 MB while searching a million contacts), and an I/O error on a mapped
    // page is a SIGBUS that kills the server instead of an error it can answer.
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    // Room for every distinct statement the program runs (see `CachedSql`).
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// `query_row` and `execute` with the statement prepared once per connection
/// and reused (`prepare_cached`): profiles of voice turns showed SQLite's parser
/// as the writer's top cost when every call parsed its SQL again. All SQL of
/// the program goes through these or `prepare_cached`.
pub trait CachedSql {
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;

    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
}

impl CachedSql for Connection {
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
}

/// A pooled connection for reads: query-only, so a bug cannot write through it.
fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let c = open_connection(path)?;
    c.execute_batch("PRAGMA query_only = ON;")?;
    Ok(c)
}

/// Opens an existing database read-only (for validation and readers).
pub fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
    Ok(conn)
}

/// Applies pending migrations; returns the names of those applied now.
pub fn migrate(conn: &mut Connection) -> anyhow::Result<Vec<String>> {
    let report = embedded::migrations::runner()
        .set_abort_divergent(true)
        .run(conn)
        .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
    Ok(report
        .applied_migrations()
        .iter()
        .map(|m| format!("V{}__{}", m.version(), m.name()))
        .collect())
}

/// The newest schema version this binary knows.
pub fn latest_schema_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// The schema version recorded in a database (0 when never migrated).
pub fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    let has: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history'",
        [],
        |r| r.get(0),
    )?;
    if !has {
        return Ok(0);
    }
    conn.query_row(
        "SELECT coalesce(max(version), 0) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )
}

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> Completion + Send>;

struct Inner {
    path: PathBuf,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    read_slots: Semaphore,
    /// Connections for `lookup`: at most one per thread that calls it at once
    /// (a lookup never awaits while holding one), so no limit is needed.
    lookups: Mutex<Vec<Connection>>,
}

/// Handle to the database for the async server. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

impl Db {
    /// Opens (creating if needed) and migrates the database, then starts the writer.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        }
        let mut conn = open_connection(path)
            .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", path.display()))?;
        let version = schema_version(&conn)?;
        if version > latest_schema_version() {
            anyhow::bail!(
                "database {} has schema version {version}, newer than this binary knows ({}); upgrade RinglyPro",
                path.display(),
                latest_schema_version()
            );
        }
        let applied = migrate(&mut conn)?;
        for m in &applied {
            tracing::info!(migration = %m, "applied database migration");
        }
        if !applied.is_empty() {
            release_free_memory();
        }
        let (tx, rx) = mpsc::channel::<Job>(4096);
        let thread = std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || writer_loop(conn, rx))?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(Some(tx)),
                writer_thread: Mutex::new(Some(thread)),
                readers: Mutex::new(Vec::new()),
                read_slots: Semaphore::new(READERS),
                lookups: Mutex::new(Vec::new()),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in the writer's transaction (in its own savepoint) and returns
    /// its result once the batch it belongs to is committed to disk. An error
    /// from `f` rolls back only `f`'s own changes.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, AppError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, AppError>>();
        let job: Job = Box::new(move |conn: &Connection| {
            let result = run_in_savepoint(conn, f);
            Box::new(move |committed: Result<(), String>| {
                let out = match (committed, result) {
                    (Ok(()), r) => r,
                    (Err(e), Ok(_)) => Err(AppError::internal(format!("commit failed: {e}"))),
                    (Err(_), Err(e)) => Err(e),
                };
                let _ = tx.send(out);
            })
        });
        let sender = self
            .inner
            .writer
            .lock()
            .ok()
            .and_then(|g| g.clone())
            .ok_or_else(|| AppError::ServiceUnavailable("the server is shutting down".into()))?;
        sender
            .send(job)
            .await
            .map_err(|_| AppError::ServiceUnavailable("the server is shutting down".into()))?;
        rx.await.map_err(|_| {
            AppError::ServiceUnavailable("the database is unavailable; please try again".into())
        })?
    }

    /// Runs `f` on a pooled read-only connection on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, AppError> + Send + 'static,
    {
        let _permit = self
            .inner
            .read_slots
            .acquire()
            .await
            .map_err(|_| AppError::internal("read pool closed"))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match inner.readers.lock().ok().and_then(|mut v| v.pop()) {
                Some(c) => c,
                None => open_reader(&inner.path)?,
            };
            let out = std::panic::catch_unwind(AssertUnwindSafe(|| f(&conn)))
                .unwrap_or_else(|_| Err(AppError::internal("panic in database read")));
            if let Ok(mut v) = inner.readers.lock() {
                v.push(conn);
            }
            out
        })
        .await
        .map_err(|e| AppError::internal(format!("read task failed: {e}")))?
    }

    /// Runs a short, bounded read (a row or two found by key, or one page read
    /// along an index: tens of microseconds) on the calling thread with a
    /// read-only connection of its own pool. Keeps the hot paths (every
    /// signed-in request, every voice webhook, the contact list) free of the two
    /// thread switches of the blocking pool, which cost more than such a read,
    /// and away from the readers that long searches may hold. Anything that can
    /// scan or sort an unbounded number of rows goes to `read`.
    pub fn lookup<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&Connection) -> Result<T, AppError>,
    {
        let pooled = self.inner.lookups.lock().ok().and_then(|mut v| v.pop());
        let conn = match pooled {
            Some(c) => c,
            None => open_reader(&self.inner.path)?,
        };
        let out = std::panic::catch_unwind(AssertUnwindSafe(|| f(&conn)))
            .unwrap_or_else(|_| Err(AppError::internal("panic in database lookup")));
        if let Ok(mut v) = self.inner.lookups.lock() {
            v.push(conn);
        }
        out
    }

    /// Stops the writer after the jobs already queued, then checkpoints the WAL
    /// into the main file. Called once at shutdown.
    pub fn close(&self) {
        if let Ok(mut w) = self.inner.writer.lock() {
            w.take();
        }
        let handle = self
            .inner
            .writer_thread
            .lock()
            .ok()
            .and_then(|mut h| h.take());
        if let Some(h) = handle {
            let _ = h.join();
        }
        if let Ok(mut readers) = self.inner.readers.lock() {
            readers.clear();
        }
        if let Ok(mut lookups) = self.inner.lookups.lock() {
            lookups.clear();
        }
    }
}

/// Returns the heap a migration freed to the OS. Rebuilding an index over a
/// million contacts peaks at about 150 MB, which glibc would otherwise keep for
/// the life of the server.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only hands free pages of the heap back to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn run_in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, AppError>,
) -> Result<T, AppError> {
    // Cached statements: these run for every write.
    conn.execute_cached("SAVEPOINT job", [])?;
    let out = std::panic::catch_unwind(AssertUnwindSafe(|| f(conn)))
        .unwrap_or_else(|_| Err(AppError::internal("panic in database write")));
    if out.is_err() {
        conn.execute_cached("ROLLBACK TO job", [])?;
    }
    conn.execute_cached("RELEASE job", [])?;
    out
}

fn writer_loop(conn: Connection, mut rx: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut completions: Vec<Completion> = Vec::with_capacity(batch.len());
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            // Dropping the jobs unanswered tells their callers the database is unavailable.
            tracing::error!(error = %e, jobs = batch.len(), "could not begin a write transaction");
            batch.clear();
            continue;
        }
        for job in batch.drain(..) {
            completions.push(job(&conn));
        }
        let committed = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
        if let Err(e) = &committed {
            tracing::error!(error = %e, "write batch failed to commit");
            let _ = conn.execute_batch("ROLLBACK");
        }
        for c in completions {
            c(committed.clone());
        }
    }
    // Channel closed: shutting down. Fold the WAL back into the main file.
    if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
        tracing::warn!(error = %e, "WAL checkpoint at shutdown failed");
    }
}

/// Converts a SQLite boolean column.
pub fn b(v: i64) -> bool {
    v != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_see_committed_writes_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(db.write(|c| app_settings::set(c, "probe", "one")))
            .unwrap();
        let seen = db.lookup(|c| app_settings::get(c, "probe")).unwrap();
        assert_eq!(seen.as_deref(), Some("one"));
        // Read-only: a write through a lookup connection fails cleanly.
        let w = db.lookup(|c| app_settings::set(c, "probe", "two"));
        assert!(w.is_err());
        // A panic inside a lookup is an error, and the pool keeps working.
        let p: Result<(), AppError> = db.lookup(|_| panic!("boom"));
        assert!(p.is_err());
        let again = db.lookup(|c| app_settings::get(c, "probe")).unwrap();
        assert_eq!(again.as_deref(), Some("one"));
        db.close();
    }
}
