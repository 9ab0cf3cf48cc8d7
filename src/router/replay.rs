//! Health checks and replay. Every `RINGLYPRO_ROUTER_HEALTH_INTERVAL_MS` (and
//! whenever something is held or a node fails) the router reloads its table if
//! the CLI changed the database, asks each node's `/health`, and for every node
//! that is up with webhooks waiting starts one drain task. A drain delivers the
//! node's held webhooks strictly in the order they arrived, one at a time,
//! unchanged; each is marked delivered (on disk) as soon as the node answers
//! 2xx, and the next is sent only then. So each is delivered once: if the
//! router itself dies between the node's answer and that mark, the one webhook
//! is sent again, and the node's handlers are idempotent per Twilio sid.
//! A 4xx other than 408/429 is permanent (logged, marked failed, the queue
//! moves on); a 5xx or no answer stops the drain until the next round, and
//! after [`MAX_SERVER_ERRORS`] 5xx answers the webhook is marked failed.

use super::Shared;
use super::db::{self, Deferred};
use super::stats;
use super::table::NodeState;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// 5xx answers to one held webhook before it is given up (marked failed).
pub const MAX_SERVER_ERRORS: i64 = 100;

/// Delivered webhooks are deleted after this long (they hold message bodies).
const KEEP_DELIVERED: chrono::Duration = chrono::Duration::days(7);

/// The health and replay loop; runs until aborted.
pub async fn run(r: Shared) {
    let every = Duration::from_millis(r.settings.health_interval_ms.max(100));
    let mut rounds: u64 = 0;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {
                if let Err(e) = r.reload_if_changed().await {
                    tracing::warn!(error = %e, "could not check the router database for changes");
                }
                check_all(&r).await;
                rounds += 1;
                if rounds.is_multiple_of(1800) {
                    let before = chrono::Utc::now() - KEEP_DELIVERED;
                    if let Err(e) = r.db(move |c| db::prune_delivered(c, before)).await {
                        tracing::warn!(error = %e, "could not prune delivered webhooks");
                    }
                }
            }
            _ = r.wake.notified() => {}
        }
        for node in r.table().nodes.iter() {
            if node.is_up() && node.pending() != 0 && !node.draining.load(Ordering::Acquire) {
                tokio::spawn(drain(r.clone(), node.clone()));
            }
        }
    }
}

/// Checks every node's `/health` at once and records changes.
pub async fn check_all(r: &Shared) {
    let table = r.table();
    let mut set = tokio::task::JoinSet::new();
    for node in &table.nodes {
        let (r, node) = (r.clone(), node.clone());
        set.spawn(async move { check(&r, &node).await });
    }
    while set.join_next().await.is_some() {}
}

async fn check(r: &Shared, node: &Arc<NodeState>) {
    let timeout = Duration::from_millis(r.settings.health_interval_ms.clamp(200, 2000));
    let result = match format!("{}/health", node.base_url).parse::<axum::http::Uri>() {
        Err(e) => Err(format!("bad node URL: {e}")),
        Ok(uri) => {
            let req = axum::http::Request::builder()
                .method(Method::GET)
                .uri(uri)
                .body(Body::empty());
            match req {
                Err(e) => Err(e.to_string()),
                Ok(req) => match tokio::time::timeout(timeout, r.client.request(req)).await {
                    Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
                    Ok(Err(e)) => Err(e.to_string()),
                    Ok(Ok(res)) if res.status() == StatusCode::OK => Ok(()),
                    Ok(Ok(res)) => Err(format!("/health answered {}", res.status())),
                },
            }
        }
    };
    let now_up = result.is_ok();
    let was_up = node.up.swap(now_up, Ordering::AcqRel);
    if was_up != now_up {
        let error = result.as_ref().err().cloned();
        match &error {
            None => tracing::info!(node = %node.name, pending = node.pending(), "node is up"),
            Some(e) => tracing::warn!(node = %node.name, error = %e, "node is down"),
        }
        let id = node.id;
        let now = chrono::Utc::now();
        if let Err(e) = r
            .db(move |c| db::set_health(c, id, now_up, error.as_deref(), now))
            .await
        {
            tracing::warn!(error = %e, "could not record a node's health");
        }
    }
}

/// Delivers a node's held webhooks in order until the queue is empty or the
/// node stops answering. At most one drain per node runs at a time.
pub async fn drain(r: Shared, node: Arc<NodeState>) {
    if node.draining.swap(true, Ordering::AcqRel) {
        return;
    }
    let m = stats::get();
    loop {
        if !node.is_up() {
            break;
        }
        let id = node.id;
        let item = match r.db(move |c| db::next_pending(c, id)).await {
            Ok(Some(item)) => item,
            Ok(None) => {
                node.pending.store(0, Ordering::Release);
                break;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read the held webhooks");
                break;
            }
        };
        let outcome = deliver(&r, &node, &item).await;
        let now = chrono::Utc::now();
        match outcome {
            Ok(status) if status.is_success() || status.is_redirection() => {
                let item_id = item.id;
                if let Err(e) = r.db(move |c| db::mark_delivered(c, item_id, now)).await {
                    tracing::error!(error = %e, "could not mark a replayed webhook delivered");
                    break;
                }
                node.pending.fetch_sub(1, Ordering::AcqRel);
                m.replays.inc(&[&node.name, "delivered"]);
                tracing::info!(node = %node.name, id = item.id, kind = %item.kind, path = %item.path, "held webhook delivered");
            }
            Ok(status)
                if status.is_client_error()
                    && status != StatusCode::REQUEST_TIMEOUT
                    && status != StatusCode::TOO_MANY_REQUESTS =>
            {
                tracing::error!(node = %node.name, id = item.id, path = %item.path, %status, "node refused a held webhook; giving it up");
                let (item_id, err) = (item.id, format!("node answered {status}"));
                if r.db(move |c| db::mark_attempt(c, item_id, &err, true))
                    .await
                    .is_err()
                {
                    break;
                }
                node.pending.fetch_sub(1, Ordering::AcqRel);
                m.replays.inc(&[&node.name, "rejected"]);
            }
            Ok(status) => {
                let give_up = item.attempts + 1 >= MAX_SERVER_ERRORS;
                tracing::warn!(node = %node.name, id = item.id, %status, give_up, "node failed a held webhook");
                let (item_id, err) = (item.id, format!("node answered {status}"));
                let _ = r
                    .db(move |c| db::mark_attempt(c, item_id, &err, give_up))
                    .await;
                if give_up {
                    node.pending.fetch_sub(1, Ordering::AcqRel);
                    m.replays.inc(&[&node.name, "rejected"]);
                    continue;
                }
                m.replays.inc(&[&node.name, "retry"]);
                break;
            }
            Err(e) => {
                tracing::warn!(node = %node.name, id = item.id, error = %e, "held webhook not delivered yet");
                m.replays.inc(&[&node.name, "retry"]);
                node.up.store(false, Ordering::Release);
                break;
            }
        }
    }
    node.draining.store(false, Ordering::Release);
}

/// Sends one held webhook exactly as it was received.
async fn deliver(r: &Shared, node: &NodeState, item: &Deferred) -> Result<StatusCode, String> {
    let uri: axum::http::Uri = format!("{}{}", node.base_url, item.path)
        .parse()
        .map_err(|e| format!("bad URL: {e}"))?;
    let method = Method::from_bytes(item.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(item.body.clone()))
        .map_err(|e| e.to_string())?;
    for (k, v) in &item.headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            req.headers_mut().append(k, v);
        }
    }
    let deadline = Duration::from_millis(r.settings.callback_timeout_ms.max(1000));
    let res = tokio::time::timeout(deadline, r.client.request(req))
        .await
        .map_err(|_| format!("no answer within {} ms", deadline.as_millis()))?
        .map_err(|e| e.to_string())?;
    let status = res.status();
    // Read the answer to the end so the connection goes back to the pool.
    let _ = http_body_util::BodyExt::collect(res.into_body()).await;
    Ok(status)
}
