//! SQL behind the node's Prometheus gauges: outbox rows by status, calls still
//! in progress and the database's size. Node-wide counts, served only on the
//! protected `/metrics` (a token or a separate listener), never on a public route.

use super::CachedSql;
use crate::error::AppError;
use crate::metrics::DbGauges;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// Call statuses after which a call is over.
const FINISHED: &str = "'completed', 'busy', 'failed', 'no-answer', 'canceled'";

pub fn gauges(conn: &Connection, now: DateTime<Utc>) -> Result<DbGauges, AppError> {
    let mut st = conn.prepare_cached("SELECT status, count(*) FROM outbox GROUP BY status")?;
    let outbox = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let since = crate::clock::to_db(now - chrono::Duration::hours(1));
    let active_calls: i64 = conn.query_row_cached(
        &format!(
            "SELECT count(*) FROM calls WHERE status NOT IN ({FINISHED}) AND updated_at >= ?1"
        ),
        [since],
        |r| r.get(0),
    )?;
    let pages: i64 = conn.query_row_cached("PRAGMA page_count", [], |r| r.get(0))?;
    let page_size: i64 = conn.query_row_cached("PRAGMA page_size", [], |r| r.get(0))?;
    Ok(DbGauges {
        outbox,
        active_calls,
        db_bytes: u64::try_from(pages.saturating_mul(page_size)).unwrap_or(0),
        wal_bytes: 0,
    })
}
