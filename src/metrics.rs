//! Prometheus metrics in the text exposition format (version 0.0.4), written by
//! hand: labelled counters and histograms kept in memory, gauges computed when
//! scraped. [`node()`] holds the node's own series (HTTP requests by route and
//! status with latency histograms, webhook outcomes, voice turns, outbox
//! failures); the router keeps its series in `crate::router::stats` with the
//! same building blocks. The HTTP middleware [`track`] records every request
//! under its route template (never the raw path, so ids do not explode the
//! number of series).

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

/// Latency buckets in seconds: 0.5 ms … 10 s.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The text format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Escapes a label value (backslash, double quote, newline).
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// `{a="x",b="y"}` (empty when there are no labels).
fn label_set(names: &[&str], values: &[String], extra: Option<(&str, &str)>) -> String {
    let mut parts: Vec<String> = names
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n}=\"{}\"", escape(v)))
        .collect();
    if let Some((n, v)) = extra {
        parts.push(format!("{n}=\"{}\"", escape(v)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

/// Formats a float the way Prometheus expects (`+Inf`, no exponent surprises).
fn num(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

/// A counter with labels.
pub struct CounterVec {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    values: Mutex<BTreeMap<Vec<String>, u64>>,
}

impl CounterVec {
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Self {
        Self {
            name,
            help,
            labels,
            values: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn inc(&self, label_values: &[&str]) {
        self.add(label_values, 1);
    }

    pub fn add(&self, label_values: &[&str], n: u64) {
        let key: Vec<String> = label_values.iter().map(|s| s.to_string()).collect();
        if let Ok(mut m) = self.values.lock() {
            *m.entry(key).or_insert(0) += n;
        }
    }

    /// The current value of one series (0 when never touched).
    pub fn get(&self, label_values: &[&str]) -> u64 {
        let key: Vec<String> = label_values.iter().map(|s| s.to_string()).collect();
        self.values
            .lock()
            .ok()
            .and_then(|m| m.get(&key).copied())
            .unwrap_or(0)
    }

    pub fn render(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} counter", self.name);
        if let Ok(m) = self.values.lock() {
            for (k, v) in m.iter() {
                let _ = writeln!(out, "{}{} {v}", self.name, label_set(self.labels, k, None));
            }
        }
    }
}

#[derive(Clone)]
struct Hist {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

/// A histogram with labels and fixed buckets.
pub struct HistogramVec {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    buckets: &'static [f64],
    values: Mutex<BTreeMap<Vec<String>, Hist>>,
}

impl HistogramVec {
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
        buckets: &'static [f64],
    ) -> Self {
        Self {
            name,
            help,
            labels,
            buckets,
            values: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn observe(&self, label_values: &[&str], v: f64) {
        let key: Vec<String> = label_values.iter().map(|s| s.to_string()).collect();
        if let Ok(mut m) = self.values.lock() {
            let h = m.entry(key).or_insert_with(|| Hist {
                counts: vec![0; self.buckets.len()],
                sum: 0.0,
                count: 0,
            });
            for (i, b) in self.buckets.iter().enumerate() {
                if v <= *b {
                    h.counts[i] += 1;
                }
            }
            h.sum += v;
            h.count += 1;
        }
    }

    pub fn render(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} histogram", self.name);
        let Ok(m) = self.values.lock() else {
            return;
        };
        for (k, h) in m.iter() {
            for (i, b) in self.buckets.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{}_bucket{} {}",
                    self.name,
                    label_set(self.labels, k, Some(("le", &num(*b)))),
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "{}_bucket{} {}",
                self.name,
                label_set(self.labels, k, Some(("le", "+Inf"))),
                h.count
            );
            let ls = label_set(self.labels, k, None);
            let _ = writeln!(out, "{}_sum{ls} {}", self.name, num(h.sum));
            let _ = writeln!(out, "{}_count{ls} {}", self.name, h.count);
        }
    }
}

/// Writes one gauge family with the given samples (label values, value).
pub fn gauge(
    out: &mut String,
    name: &str,
    help: &str,
    labels: &[&str],
    samples: &[(Vec<String>, f64)],
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (k, v) in samples {
        let _ = writeln!(out, "{name}{} {}", label_set(labels, k, None), num(*v));
    }
}

/// The node's in-memory series.
pub struct NodeMetrics {
    pub http_requests: CounterVec,
    pub http_duration: HistogramVec,
    pub webhook_outcomes: CounterVec,
    pub voice_turns: CounterVec,
    pub outbox_failures: CounterVec,
}

static NODE: LazyLock<NodeMetrics> = LazyLock::new(|| NodeMetrics {
    http_requests: CounterVec::new(
        "ringlypro_http_requests_total",
        "HTTP requests answered, by route template, method and status.",
        &["route", "method", "status"],
    ),
    http_duration: HistogramVec::new(
        "ringlypro_http_request_duration_seconds",
        "Time to answer an HTTP request (until the response head), by route template.",
        &["route"],
        LATENCY_BUCKETS,
    ),
    webhook_outcomes: CounterVec::new(
        "ringlypro_webhook_outcomes_total",
        "Twilio webhooks by route and outcome (ok, forbidden = bad signature, rejected = other 4xx, error = 5xx).",
        &["route", "outcome"],
    ),
    voice_turns: CounterVec::new(
        "ringlypro_voice_turns_total",
        "Voice turns answered, by result (ok, apology, refused, not_in_service).",
        &["result"],
    ),
    outbox_failures: CounterVec::new(
        "ringlypro_outbox_failures_total",
        "Outbox deliveries that failed, by channel and whether they will be retried.",
        &["channel", "retry"],
    ),
});

/// The node's process-wide series (one registry per process, as Prometheus's
/// own client libraries do).
pub fn node() -> &'static NodeMetrics {
    &NODE
}

/// Middleware: counts every request by route template, method and status and
/// observes its latency; Twilio webhooks also count as webhook outcomes.
pub async fn track(req: Request, next: Next) -> Response {
    let t0 = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let res = next.run(req).await;
    let elapsed = t0.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    let m = node();
    m.http_requests.inc(&[&route, &method, &status.to_string()]);
    m.http_duration.observe(&[&route], elapsed);
    if route.starts_with("/webhook/") || route.starts_with("/voice/") {
        let outcome = match status {
            200..=399 => "ok",
            403 => "forbidden",
            400..=499 => "rejected",
            _ => "error",
        };
        m.webhook_outcomes.inc(&[&route, outcome]);
    }
    res
}

/// Snapshot of the node's database, taken when scraped.
#[derive(Debug, Default, Clone)]
pub struct DbGauges {
    /// Outbox rows by status.
    pub outbox: Vec<(String, i64)>,
    /// Calls not finished whose row changed in the last hour.
    pub active_calls: i64,
    /// Main database file plus WAL, in bytes.
    pub db_bytes: u64,
    pub wal_bytes: u64,
}

/// The whole text page for the node.
pub fn render_node(g: &DbGauges, uptime_secs: u64) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let m = node();
    gauge(
        &mut out,
        "ringlypro_build_info",
        "Version of the running binary.",
        &["version"],
        &[(vec![crate::VERSION.to_string()], 1.0)],
    );
    gauge(
        &mut out,
        "ringlypro_uptime_seconds",
        "Seconds since the server started.",
        &[],
        &[(vec![], uptime_secs as f64)],
    );
    m.http_requests.render(&mut out);
    m.http_duration.render(&mut out);
    m.webhook_outcomes.render(&mut out);
    m.voice_turns.render(&mut out);
    m.outbox_failures.render(&mut out);
    let mut outbox: Vec<(Vec<String>, f64)> = ["pending", "sending", "sent", "failed", "held"]
        .iter()
        .map(|s| {
            let n = g
                .outbox
                .iter()
                .find(|(k, _)| k == s)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            (vec![s.to_string()], n as f64)
        })
        .collect();
    for (k, n) in &g.outbox {
        if !outbox.iter().any(|(l, _)| l.first() == Some(k)) {
            outbox.push((vec![k.clone()], *n as f64));
        }
    }
    gauge(
        &mut out,
        "ringlypro_outbox_messages",
        "Outbox rows by status (pending + sending is the depth still to deliver).",
        &["status"],
        &outbox,
    );
    gauge(
        &mut out,
        "ringlypro_active_calls",
        "Calls not yet completed whose row changed in the last hour.",
        &[],
        &[(vec![], g.active_calls as f64)],
    );
    gauge(
        &mut out,
        "ringlypro_database_size_bytes",
        "Size of the SQLite database, by file.",
        &["file"],
        &[
            (vec!["main".into()], g.db_bytes as f64),
            (vec!["wal".into()], g.wal_bytes as f64),
        ],
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_render_in_the_text_format() {
        let c = CounterVec::new("t_total", "A test.", &["route", "status"]);
        c.inc(&["/a/{id}", "200"]);
        c.inc(&["/a/{id}", "200"]);
        c.inc(&["/say \"hi\"", "500"]);
        let h = HistogramVec::new("t_seconds", "Latency.", &["route"], &[0.1, 1.0]);
        h.observe(&["/a"], 0.05);
        h.observe(&["/a"], 0.5);
        h.observe(&["/a"], 5.0);
        let mut out = String::new();
        c.render(&mut out);
        h.render(&mut out);
        assert!(out.contains("# TYPE t_total counter"), "{out}");
        assert!(
            out.contains("t_total{route=\"/a/{id}\",status=\"200\"} 2"),
            "{out}"
        );
        assert!(out.contains("route=\"/say \\\"hi\\\"\""), "{out}");
        assert!(
            out.contains("t_seconds_bucket{route=\"/a\",le=\"0.1\"} 1"),
            "{out}"
        );
        assert!(
            out.contains("t_seconds_bucket{route=\"/a\",le=\"1\"} 2"),
            "{out}"
        );
        assert!(
            out.contains("t_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3"),
            "{out}"
        );
        assert!(out.contains("t_seconds_count{route=\"/a\"} 3"), "{out}");
        assert!(out.contains("t_seconds_sum{route=\"/a\"} 5.55"), "{out}");
    }
}
