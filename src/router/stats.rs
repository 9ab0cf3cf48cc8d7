//! The router's Prometheus series: webhooks by kind and outcome, time to
//! answer them, replays by node and result, and (computed when scraped) each
//! node's health and queue depth.

use super::table::Table;
use crate::metrics::{CounterVec, HistogramVec, LATENCY_BUCKETS, gauge};
use std::sync::LazyLock;

pub struct RouterMetrics {
    /// kind: voice, voice_recording, sms, sms_status, call_status, recording,
    /// after_dial, audio, dashboard. outcome: forwarded, fallback, deferred,
    /// forbidden, unknown_number, bad_request, error.
    pub requests: CounterVec,
    pub duration: HistogramVec,
    pub replays: CounterVec,
}

static ROUTER: LazyLock<RouterMetrics> = LazyLock::new(|| RouterMetrics {
    requests: CounterVec::new(
        "ringlypro_router_requests_total",
        "Requests the router answered, by kind and outcome.",
        &["kind", "outcome"],
    ),
    duration: HistogramVec::new(
        "ringlypro_router_request_duration_seconds",
        "Time from receiving a request to sending the response head, by kind.",
        &["kind"],
        LATENCY_BUCKETS,
    ),
    replays: CounterVec::new(
        "ringlypro_router_replays_total",
        "Deferred webhooks replayed to nodes, by node and result (delivered, rejected, retry).",
        &["node", "result"],
    ),
});

pub fn get() -> &'static RouterMetrics {
    &ROUTER
}

/// The whole text page.
pub fn render(table: &Table, uptime_secs: u64) -> String {
    let mut out = String::with_capacity(4096);
    let m = get();
    gauge(
        &mut out,
        "ringlypro_router_build_info",
        "Version of the running router.",
        &["version"],
        &[(vec![crate::VERSION.to_string()], 1.0)],
    );
    gauge(
        &mut out,
        "ringlypro_router_uptime_seconds",
        "Seconds since the router started.",
        &[],
        &[(vec![], uptime_secs as f64)],
    );
    m.requests.render(&mut out);
    m.duration.render(&mut out);
    m.replays.render(&mut out);
    let up: Vec<(Vec<String>, f64)> = table
        .nodes
        .iter()
        .map(|n| (vec![n.name.clone()], if n.is_up() { 1.0 } else { 0.0 }))
        .collect();
    gauge(
        &mut out,
        "ringlypro_router_node_up",
        "1 when the node answered its last health check.",
        &["node"],
        &up,
    );
    let pending: Vec<(Vec<String>, f64)> = table
        .nodes
        .iter()
        .map(|n| (vec![n.name.clone()], n.pending() as f64))
        .collect();
    gauge(
        &mut out,
        "ringlypro_router_deferred_pending",
        "Webhooks held for a node, waiting to be replayed.",
        &["node"],
        &pending,
    );
    gauge(
        &mut out,
        "ringlypro_router_numbers",
        "Numbers assigned to nodes.",
        &[],
        &[(vec![], table.numbers.len() as f64)],
    );
    out
}
