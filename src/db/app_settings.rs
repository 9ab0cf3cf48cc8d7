//! SQL for node-wide settings (`app_settings`, key → value): the first-run
//! setup token's hash and the like. Nothing tenant-specific lives here.

use super::CachedSql;
use crate::error::AppError;
use rusqlite::{Connection, OptionalExtension, params};

/// The key under which the SHA-256 of the first-run setup token is kept.
pub const SETUP_TOKEN_SHA256: &str = "setup_token_sha256";

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT value FROM app_settings WHERE key = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<(), AppError> {
    conn.execute_cached(
        "INSERT INTO app_settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, key: &str) -> Result<(), AppError> {
    conn.execute_cached("DELETE FROM app_settings WHERE key = ?1", [key])?;
    Ok(())
}
