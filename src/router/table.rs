//! The routing table the router answers from: nodes with their live state
//! (up or down, webhooks waiting, a drain in progress), numbers → node and
//! fallback phone, host names → node. Built from the router database and
//! swapped whole when it changes, so a request only takes a read lock and
//! clones an `Arc`; no database work on the forwarding path.

use super::db;
use crate::error::AppError;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// One node and what the router currently knows about it.
#[derive(Debug)]
pub struct NodeState {
    pub id: i64,
    pub name: String,
    /// `http://host:port`, no trailing slash.
    pub base_url: String,
    /// The Twilio subaccount token its numbers are signed with, if not the router's.
    pub auth_token: Option<String>,
    /// Answered its last health check (and its last forward).
    pub up: AtomicBool,
    /// Webhooks held for it, not yet delivered.
    pub pending: AtomicI64,
    /// A replay task is delivering its queue.
    pub draining: AtomicBool,
}

impl NodeState {
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    pub fn pending(&self) -> i64 {
        self.pending.load(Ordering::Acquire)
    }
}

/// Where a number's webhooks go.
#[derive(Debug, Clone)]
pub struct Route {
    pub node: Arc<NodeState>,
    pub fallback: Option<String>,
}

#[derive(Debug, Default)]
pub struct Table {
    pub nodes: Vec<Arc<NodeState>>,
    pub numbers: HashMap<String, Route>,
    pub hosts: HashMap<String, Arc<NodeState>>,
}

impl Table {
    /// Reads the database; nodes whose address and token did not change keep
    /// their live state from `previous` (a new node starts down until checked).
    pub fn load(conn: &Connection, previous: &Table) -> Result<Table, AppError> {
        let pending: HashMap<i64, i64> = db::pending_counts(conn)?.into_iter().collect();
        let mut nodes = Vec::new();
        let mut by_id: HashMap<i64, Arc<NodeState>> = HashMap::new();
        for n in db::list_nodes(conn)? {
            let kept = previous
                .nodes
                .iter()
                .find(|p| p.id == n.id && p.base_url == n.base_url && p.auth_token == n.auth_token);
            let state = match kept {
                Some(p) if p.name == n.name => p.clone(),
                Some(p) => Arc::new(NodeState {
                    id: n.id,
                    name: n.name.clone(),
                    base_url: n.base_url.clone(),
                    auth_token: n.auth_token.clone(),
                    up: AtomicBool::new(p.is_up()),
                    pending: AtomicI64::new(p.pending()),
                    draining: AtomicBool::new(false),
                }),
                None => Arc::new(NodeState {
                    id: n.id,
                    name: n.name.clone(),
                    base_url: n.base_url.clone(),
                    auth_token: n.auth_token.clone(),
                    up: AtomicBool::new(false),
                    pending: AtomicI64::new(pending.get(&n.id).copied().unwrap_or(0)),
                    draining: AtomicBool::new(false),
                }),
            };
            by_id.insert(n.id, state.clone());
            nodes.push(state);
        }
        let mut numbers = HashMap::new();
        for n in db::list_numbers(conn)? {
            if let Some(node) = by_id.get(&n.node_id) {
                numbers.insert(
                    n.number,
                    Route {
                        node: node.clone(),
                        fallback: n.fallback_phone,
                    },
                );
            }
        }
        let mut hosts = HashMap::new();
        for h in db::list_hosts(conn)? {
            if let Some(node) = by_id.get(&h.node_id) {
                hosts.insert(h.host, node.clone());
            }
        }
        Ok(Table {
            nodes,
            numbers,
            hosts,
        })
    }

    /// The route of the first of `candidates` (E.164 numbers) that is assigned.
    pub fn route<'a>(&'a self, candidates: &[String]) -> Option<(&'a Route, &'a str)> {
        candidates.iter().find_map(|c| {
            self.numbers
                .get_key_value(c.as_str())
                .map(|(k, r)| (r, k.as_str()))
        })
    }

    /// The node serving a `Host` header value (port ignored, case-insensitive).
    pub fn host(&self, host: &str) -> Option<&Arc<NodeState>> {
        if self.hosts.is_empty() {
            return None;
        }
        let name = match host.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        };
        self.hosts.get(&name.to_ascii_lowercase())
    }
}
