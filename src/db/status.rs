//! SQL for health and status: a real round trip to the database and one
//! tenant's counts (never global counts on a public route).

use super::CachedSql;
use crate::domain::ClientId;
use crate::error::AppError;
use rusqlite::Connection;
use serde::Serialize;

/// Fails when the database cannot answer a query.
pub fn ping(conn: &Connection) -> Result<(), AppError> {
    let one: i64 = conn
        .query_row_cached("SELECT 1 FROM sqlite_master LIMIT 1", [], |r| r.get(0))
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(1),
            other => Err(other),
        })?;
    debug_assert_eq!(one, 1);
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantCounts {
    pub contacts: i64,
    pub appointments: i64,
    pub calls: i64,
    pub messages: i64,
}

pub fn tenant_counts(conn: &Connection, client: ClientId) -> Result<TenantCounts, AppError> {
    let id = client.get();
    let count = |table: &str| -> Result<i64, AppError> {
        Ok(conn.query_row_cached(
            &format!("SELECT count(*) FROM {table} WHERE client_id = ?1"),
            [id],
            |r| r.get(0),
        )?)
    };
    Ok(TenantCounts {
        contacts: count("contacts")?,
        appointments: count("appointments")?,
        calls: count("calls")?,
        messages: count("messages")?,
    })
}
