//! `migrate`, `backup FILE` (VACUUM INTO: a consistent copy while the server
//! runs), `backup --dir DIR --keep N` (timestamped copies with rotation, what
//! the daily systemd timer runs) and `restore FILE` (validated first; refused while a server holds the
//! database; the database it replaces is kept beside it).

use crate::app::DataLock;
use crate::config::Config;
use crate::db;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

pub fn migrate(config: &Config) -> anyhow::Result<()> {
    if let Some(dir) = config
        .database_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)?;
    }
    let mut conn = db::open_connection(&config.database_path)?;
    let applied = db::migrate(&mut conn)?;
    if applied.is_empty() {
        println!(
            "database {} is up to date (schema version {})",
            config.database_path.display(),
            db::schema_version(&conn)?
        );
    } else {
        for m in &applied {
            println!("applied {m}");
        }
        println!(
            "database {} is at schema version {}",
            config.database_path.display(),
            db::schema_version(&conn)?
        );
    }
    Ok(())
}

pub fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    if !config.database_path.exists() {
        bail!(
            "there is no database at {} to back up",
            config.database_path.display()
        );
    }
    if file.exists() {
        bail!("{} already exists; choose a new file name", file.display());
    }
    let conn = db::open_connection(&config.database_path)?;
    let target = file
        .to_str()
        .context("the backup path must be valid UTF-8")?;
    conn.execute("VACUUM INTO ?1", [target])
        .with_context(|| format!("could not write the backup to {}", file.display()))?;
    validate(file)
        .with_context(|| format!("the backup written to {} failed its check", file.display()))?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "backup written to {} ({} KiB, integrity ok)",
        file.display(),
        size / 1024
    );
    Ok(())
}

/// Name prefix and suffix of the timestamped backups `rotate` manages.
const ROTATED_PREFIX: &str = "ringlypro-";
const ROTATED_SUFFIX: &str = ".db";

/// Writes `DIR/ringlypro-YYYYMMDDTHHMMSSZ.db` and deletes all but the newest
/// `keep` files of that pattern (other files in DIR are left alone).
pub fn rotate(config: &Config, dir: &Path, keep: usize) -> anyhow::Result<()> {
    if keep == 0 {
        bail!("--keep must be at least 1");
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create backup directory {}", dir.display()))?;
    let name = format!(
        "{ROTATED_PREFIX}{}{ROTATED_SUFFIX}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    );
    backup(config, &dir.join(name))?;
    let mut ours: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| {
            n.strip_prefix(ROTATED_PREFIX)
                .and_then(|r| r.strip_suffix(ROTATED_SUFFIX))
                .is_some_and(|stamp| stamp.len() == 16 && stamp.ends_with('Z'))
        })
        .collect();
    // The timestamp sorts lexically in time order: newest last.
    ours.sort();
    let excess = ours.len().saturating_sub(keep);
    for old in &ours[..excess] {
        let p = dir.join(old);
        std::fs::remove_file(&p)
            .with_context(|| format!("cannot delete old backup {}", p.display()))?;
        println!("deleted old backup {}", p.display());
    }
    Ok(())
}

/// Checks that `file` is an intact RinglyPro database this binary can use.
pub fn validate(file: &Path) -> anyhow::Result<i64> {
    if !file.is_file() {
        bail!("{} does not exist or is not a file", file.display());
    }
    let conn = db::open_read_only(file)
        .with_context(|| format!("{} is not a SQLite database", file.display()))?;
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .with_context(|| format!("{} is not a SQLite database", file.display()))?;
    if check != "ok" {
        bail!("{} is damaged: {check}", file.display());
    }
    let version = db::schema_version(&conn)?;
    if version == 0 {
        bail!(
            "{} is a SQLite database but not a RinglyPro one (no schema history)",
            file.display()
        );
    }
    if version > db::latest_schema_version() {
        bail!(
            "{} has schema version {version}, newer than this binary ({}); upgrade RinglyPro first",
            file.display(),
            db::latest_schema_version()
        );
    }
    for table in ["users", "clients", "credit_ledger"] {
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        if n == 0 {
            bail!(
                "{} is missing the {table} table; it is not a RinglyPro backup",
                file.display()
            );
        }
    }
    Ok(version)
}

fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

pub fn restore(config: &Config, file: &Path) -> anyhow::Result<()> {
    let version = validate(file)?;
    let target = &config.database_path;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let lock = DataLock::acquire(target)?;
    if target.exists() {
        // Keep what we replace: a consistent copy that includes anything still in the WAL.
        let keep = sidecar(
            target,
            &format!(
                ".before-restore-{}",
                chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
            ),
        );
        let conn = db::open_connection(target)?;
        let keep_str = keep
            .to_str()
            .context("data directory path must be valid UTF-8")?;
        conn.execute("VACUUM INTO ?1", [keep_str])
            .context("could not save the current database before restoring")?;
        drop(conn);
        println!("the previous database was saved as {}", keep.display());
    }
    let tmp = sidecar(target, ".restoring");
    std::fs::copy(file, &tmp).with_context(|| format!("could not copy {}", file.display()))?;
    std::fs::File::open(&tmp)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let p = sidecar(target, suffix);
        if p.exists() {
            std::fs::remove_file(&p)
                .with_context(|| format!("could not remove {}", p.display()))?;
        }
    }
    std::fs::rename(&tmp, target)?;
    let mut conn = db::open_connection(target)?;
    let applied = db::migrate(&mut conn)?;
    drop(conn);
    drop(lock);
    println!(
        "restored {} into {} (schema version {version}{})",
        file.display(),
        target.display(),
        if applied.is_empty() {
            String::new()
        } else {
            format!(", upgraded with {}", applied.join(", "))
        }
    );
    Ok(())
}
