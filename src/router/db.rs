//! The router's own small SQLite database (`router.db`, migrations embedded
//! from `migrations_router/`, applied at start like the node's): nodes,
//! numbers, dashboard host names and the deferred webhooks. All of the
//! router's SQL lives here. The CLI and the admin API write through these
//! functions; the running router notices CLI changes by `PRAGMA data_version`.

use crate::domain::E164;
use crate::error::{AppError, is_unique_violation};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;

mod embedded {
    refinery::embed_migrations!("migrations_router");
}

/// Opens (creating and migrating) the router database.
pub fn open(path: &Path) -> anyhow::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    }
    let mut conn = crate::db::open_connection(path)
        .map_err(|e| anyhow::anyhow!("cannot open router database {}: {e}", path.display()))?;
    embedded::migrations::runner()
        .set_abort_divergent(true)
        .run(&mut conn)
        .map_err(|e| anyhow::anyhow!("router database migration failed: {e}"))?;
    Ok(conn)
}

fn ts(t: DateTime<Utc>) -> String {
    crate::clock::to_db(t)
}

/// Changes whenever another connection commits to the database.
pub fn data_version(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    pub id: i64,
    pub name: String,
    pub base_url: String,
    /// Never serialized: a secret.
    #[serde(skip)]
    pub auth_token: Option<String>,
    pub has_own_auth_token: bool,
    pub healthy: bool,
    pub health_changed_at: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
}

fn node_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Node> {
    let token: Option<String> = r.get(3)?;
    Ok(Node {
        id: r.get(0)?,
        name: r.get(1)?,
        base_url: r.get(2)?,
        has_own_auth_token: token.is_some(),
        auth_token: token,
        healthy: r.get::<_, i64>(4)? != 0,
        health_changed_at: r.get(5)?,
        last_error: r.get(6)?,
        created_at: r.get(7)?,
    })
}

const NODE_COLS: &str =
    "id, name, base_url, auth_token, healthy, health_changed_at, last_error, created_at";

pub fn list_nodes(conn: &Connection) -> Result<Vec<Node>, AppError> {
    let mut st = conn.prepare_cached(&format!("SELECT {NODE_COLS} FROM nodes ORDER BY name"))?;
    let rows = st.query_map([], node_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn node_by_name(conn: &Connection, name: &str) -> Result<Option<Node>, AppError> {
    Ok(conn
        .query_row(
            &format!("SELECT {NODE_COLS} FROM nodes WHERE name = ?1"),
            [name],
            node_row,
        )
        .optional()?)
}

fn node_id(conn: &Connection, name: &str) -> Result<i64, AppError> {
    node_by_name(conn, name)?.map(|n| n.id).ok_or_else(|| {
        AppError::NotFound(format!(
            "there is no node named '{name}' (see `ringlypro router node list`)"
        ))
    })
}

/// Checks a node name: 1–64 of letters, digits, `-`, `_`, `.`.
pub fn valid_name(name: &str) -> Result<(), AppError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(AppError::validation(
            "name",
            "a node name is 1 to 64 letters, digits, '-', '_' or '.'",
        ))
    }
}

/// Checks and normalises a node base URL: `http://host:port`, no path.
pub fn valid_base_url(url: &str) -> Result<String, AppError> {
    let url = url.trim().trim_end_matches('/');
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(AppError::validation(
            "url",
            "a node URL starts with http:// (the router talks plain HTTP to nodes on a private network or loopback; TLS ends at your reverse proxy)",
        ));
    };
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(AppError::validation(
            "url",
            "a node URL is http://host:port with no path, e.g. http://10.0.0.5:3000",
        ));
    }
    if url.parse::<axum::http::Uri>().is_err() {
        return Err(AppError::validation("url", "that is not a valid URL"));
    }
    Ok(url.to_string())
}

pub fn add_node(
    conn: &Connection,
    name: &str,
    base_url: &str,
    auth_token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    valid_name(name)?;
    let url = valid_base_url(base_url)?;
    let token = auth_token.map(str::trim).filter(|t| !t.is_empty());
    match conn.execute(
        "INSERT INTO nodes (name, base_url, auth_token, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![name, url, token, ts(now)],
    ) {
        Ok(_) => Ok(conn.last_insert_rowid()),
        Err(e) if is_unique_violation(&e) => Err(AppError::conflict(
            format!("a node named '{name}' already exists"),
            None,
        )),
        Err(e) => Err(e.into()),
    }
}

/// Removes a node that no number, host or pending webhook refers to.
pub fn remove_node(conn: &Connection, name: &str) -> Result<(), AppError> {
    let id = node_id(conn, name)?;
    let numbers: i64 = conn.query_row(
        "SELECT count(*) FROM numbers WHERE node_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    let hosts: i64 =
        conn.query_row("SELECT count(*) FROM hosts WHERE node_id = ?1", [id], |r| {
            r.get(0)
        })?;
    let pending: i64 = conn.query_row(
        "SELECT count(*) FROM deferred WHERE node_id = ?1 AND status = 'pending'",
        [id],
        |r| r.get(0),
    )?;
    if numbers + hosts > 0 {
        return Err(AppError::conflict(
            format!(
                "node '{name}' still serves {numbers} number(s) and {hosts} host name(s); assign them to another node first"
            ),
            None,
        ));
    }
    if pending > 0 {
        return Err(AppError::conflict(
            format!(
                "node '{name}' has {pending} webhook(s) waiting for delivery; bring it back until they are delivered"
            ),
            None,
        ));
    }
    conn.execute("DELETE FROM deferred WHERE node_id = ?1", [id])?;
    conn.execute("DELETE FROM nodes WHERE id = ?1", [id])?;
    Ok(())
}

pub fn set_health(
    conn: &Connection,
    node: i64,
    healthy: bool,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute(
        "UPDATE nodes SET healthy = ?2, last_error = ?3, health_changed_at = ?4 WHERE id = ?1",
        params![node, healthy, error, ts(now)],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Number {
    pub number: String,
    pub node: String,
    #[serde(skip)]
    pub node_id: i64,
    pub fallback_phone: Option<String>,
    pub updated_at: String,
}

pub fn list_numbers(conn: &Connection) -> Result<Vec<Number>, AppError> {
    let mut st = conn.prepare_cached(
        "SELECT n.number, d.name, n.node_id, n.fallback_phone, n.updated_at
         FROM numbers n JOIN nodes d ON d.id = n.node_id ORDER BY n.number",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(Number {
                number: r.get(0)?,
                node: r.get(1)?,
                node_id: r.get(2)?,
                fallback_phone: r.get(3)?,
                updated_at: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Points a number at a node (moving it when it was elsewhere).
pub fn assign_number(
    conn: &Connection,
    number: &E164,
    node: &str,
    fallback: Option<&E164>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = node_id(conn, node)?;
    conn.execute(
        "INSERT INTO numbers (number, node_id, fallback_phone, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (number) DO UPDATE SET node_id = excluded.node_id, fallback_phone = excluded.fallback_phone,
             updated_at = excluded.updated_at",
        params![number.as_str(), id, fallback.map(E164::as_str), ts(now)],
    )?;
    Ok(())
}

pub fn unassign_number(conn: &Connection, number: &E164) -> Result<(), AppError> {
    let n = conn.execute("DELETE FROM numbers WHERE number = ?1", [number.as_str()])?;
    if n == 0 {
        return Err(AppError::NotFound(format!(
            "{number} is not assigned to any node"
        )));
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Host {
    pub host: String,
    pub node: String,
    #[serde(skip)]
    pub node_id: i64,
}

pub fn list_hosts(conn: &Connection) -> Result<Vec<Host>, AppError> {
    let mut st = conn.prepare_cached(
        "SELECT h.host, d.name, h.node_id FROM hosts h JOIN nodes d ON d.id = h.node_id ORDER BY h.host",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(Host {
                host: r.get(0)?,
                node: r.get(1)?,
                node_id: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Checks and normalises a host name (lower case, no port, no scheme).
pub fn valid_host(host: &str) -> Result<String, AppError> {
    let h = host.trim().to_ascii_lowercase();
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(h)
    } else {
        Err(AppError::validation(
            "host",
            "a host name is like crm.salon.example: letters, digits, '-' and '.', no scheme or port",
        ))
    }
}

pub fn set_host(
    conn: &Connection,
    host: &str,
    node: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let host = valid_host(host)?;
    let id = node_id(conn, node)?;
    conn.execute(
        "INSERT INTO hosts (host, node_id, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (host) DO UPDATE SET node_id = excluded.node_id",
        params![host, id, ts(now)],
    )?;
    Ok(())
}

pub fn remove_host(conn: &Connection, host: &str) -> Result<(), AppError> {
    let host = valid_host(host)?;
    if conn.execute("DELETE FROM hosts WHERE host = ?1", [&host])? == 0 {
        return Err(AppError::NotFound(format!("no node serves host {host}")));
    }
    Ok(())
}

/// One webhook held for a node.
#[derive(Debug, Clone)]
pub struct Deferred {
    pub id: i64,
    pub node_id: i64,
    pub kind: String,
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub attempts: i64,
}

pub struct NewDeferred<'a> {
    pub node_id: i64,
    pub kind: &'a str,
    pub number: Option<&'a str>,
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

pub fn enqueue(
    conn: &Connection,
    d: &NewDeferred<'_>,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let headers = serde_json::to_string(d.headers).map_err(AppError::internal)?;
    conn.execute(
        "INSERT INTO deferred (node_id, kind, number, method, path, headers, body, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            d.node_id,
            d.kind,
            d.number,
            d.method,
            d.path,
            headers,
            d.body,
            ts(now)
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Pending webhooks per node id.
pub fn pending_counts(conn: &Connection) -> Result<Vec<(i64, i64)>, AppError> {
    let mut st = conn.prepare_cached(
        "SELECT node_id, count(*) FROM deferred WHERE status = 'pending' GROUP BY node_id",
    )?;
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The oldest pending webhook of a node.
pub fn next_pending(conn: &Connection, node: i64) -> Result<Option<Deferred>, AppError> {
    let row = conn
        .query_row(
            "SELECT id, node_id, kind, method, path, headers, body, attempts FROM deferred
             WHERE node_id = ?1 AND status = 'pending' ORDER BY id LIMIT 1",
            [node],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Vec<u8>>(6)?,
                    r.get::<_, i64>(7)?,
                ))
            },
        )
        .optional()?;
    Ok(row.map(
        |(id, node_id, kind, method, path, headers, body, attempts)| Deferred {
            id,
            node_id,
            kind,
            method,
            path,
            headers: serde_json::from_str(&headers).unwrap_or_default(),
            body,
            attempts,
        },
    ))
}

pub fn mark_delivered(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    conn.execute(
        "UPDATE deferred SET status = 'delivered', delivered_at = ?2, attempts = attempts + 1, last_error = NULL
         WHERE id = ?1",
        params![id, ts(now)],
    )?;
    Ok(())
}

/// Records a failed attempt; `give_up` marks it failed so the queue moves on.
pub fn mark_attempt(
    conn: &Connection,
    id: i64,
    error: &str,
    give_up: bool,
) -> Result<(), AppError> {
    conn.execute(
        "UPDATE deferred SET attempts = attempts + 1, last_error = ?2,
             status = CASE WHEN ?3 THEN 'failed' ELSE status END
         WHERE id = ?1",
        params![id, error, give_up],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRow {
    pub node: String,
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    pub oldest_pending: Option<String>,
}

/// Per node: pending, delivered and failed webhooks.
pub fn queue_summary(conn: &Connection) -> Result<Vec<QueueRow>, AppError> {
    let mut st = conn.prepare_cached(
        "SELECT d.name,
                coalesce(sum(q.status = 'pending'), 0),
                coalesce(sum(q.status = 'delivered'), 0),
                coalesce(sum(q.status = 'failed'), 0),
                min(CASE WHEN q.status = 'pending' THEN q.received_at END)
         FROM nodes d LEFT JOIN deferred q ON q.node_id = d.id
         GROUP BY d.id ORDER BY d.name",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(QueueRow {
                node: r.get(0)?,
                pending: r.get(1)?,
                delivered: r.get(2)?,
                failed: r.get(3)?,
                oldest_pending: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Deletes delivered webhooks older than `before` (their bodies are personal data).
pub fn prune_delivered(conn: &Connection, before: DateTime<Utc>) -> Result<usize, AppError> {
    Ok(conn.execute(
        "DELETE FROM deferred WHERE status = 'delivered' AND delivered_at < ?1",
        [ts(before)],
    )?)
}

/// A consistent copy of the router database (VACUUM INTO).
pub fn backup_into(conn: &Connection, file: &str) -> Result<(), AppError> {
    conn.execute("VACUUM INTO ?1", [file])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let c = open(&dir.path().join("router.db")).unwrap();
        (dir, c)
    }

    #[test]
    fn nodes_numbers_and_the_queue() {
        let (_d, c) = db();
        let now = Utc::now();
        add_node(&c, "n1", "http://127.0.0.1:3001/", None, now).unwrap();
        assert!(matches!(
            add_node(&c, "n1", "http://127.0.0.1:3002", None, now),
            Err(AppError::Conflict { .. })
        ));
        assert!(add_node(&c, "bad name", "http://x:1", None, now).is_err());
        assert!(add_node(&c, "n2", "https://x:1", None, now).is_err());
        assert!(add_node(&c, "n2", "http://x:1/path", None, now).is_err());
        let nodes = list_nodes(&c).unwrap();
        assert_eq!(nodes[0].base_url, "http://127.0.0.1:3001");
        let num = E164::parse("+15552001111").unwrap();
        assert!(assign_number(&c, &num, "nope", None, now).is_err());
        assign_number(&c, &num, "n1", None, now).unwrap();
        assert!(matches!(
            remove_node(&c, "n1"),
            Err(AppError::Conflict { .. })
        ));
        let id = nodes[0].id;
        let h = vec![("content-type".to_string(), "x".to_string())];
        for p in ["/a", "/b"] {
            enqueue(
                &c,
                &NewDeferred {
                    node_id: id,
                    kind: "sms",
                    number: Some("+15552001111"),
                    method: "POST",
                    path: p,
                    headers: &h,
                    body: b"x=1",
                },
                now,
            )
            .unwrap();
        }
        assert_eq!(pending_counts(&c).unwrap(), vec![(id, 2)]);
        let first = next_pending(&c, id).unwrap().unwrap();
        assert_eq!(first.path, "/a");
        assert_eq!(first.headers, h);
        mark_delivered(&c, first.id, now).unwrap();
        assert_eq!(next_pending(&c, id).unwrap().unwrap().path, "/b");
        unassign_number(&c, &num).unwrap();
        assert!(matches!(
            remove_node(&c, "n1"),
            Err(AppError::Conflict { .. })
        ));
    }
}
