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
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{LazyLock, RwLock};
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
    values: RwLock<Series<AtomicU64>>,
}

/// The series of one family, found by their label values. Finding a series that
/// exists allocates nothing (the HTTP middleware does it on every request);
/// a new one stores its labels once.
struct Series<V> {
    /// Hash of the label values → the series with that hash.
    by_hash: BTreeMap<u64, Vec<(Vec<String>, V)>>,
}

impl<V> Series<V> {
    const fn new() -> Self {
        Self {
            by_hash: BTreeMap::new(),
        }
    }

    fn hash(labels: &[&str]) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        labels.hash(&mut h);
        h.finish()
    }

    fn get(&self, labels: &[&str]) -> Option<&V> {
        self.by_hash
            .get(&Self::hash(labels))?
            .iter()
            .find(|(k, _)| same(k, labels))
            .map(|(_, v)| v)
    }

    fn entry(&mut self, labels: &[&str], new: impl FnOnce() -> V) -> &mut V {
        let list = self.by_hash.entry(Self::hash(labels)).or_default();
        let i = match list.iter().position(|(k, _)| same(k, labels)) {
            Some(i) => i,
            None => {
                list.push((labels.iter().map(|s| s.to_string()).collect(), new()));
                list.len() - 1
            }
        };
        &mut list[i].1
    }

    /// Every series, ordered by label values (stable output for scrapers and tests).
    fn sorted(&self) -> Vec<(&Vec<String>, &V)> {
        let mut all: Vec<_> = self
            .by_hash
            .values()
            .flatten()
            .map(|(k, v)| (k, v))
            .collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        all
    }
}

/// Runs `f` on the series of `labels`, creating it first when needed. The
/// common case (the series exists) takes only the shared lock: concurrent
/// requests never wait for each other here; values are atomics.
fn with_series<V>(
    lock: &RwLock<Series<V>>,
    labels: &[&str],
    new: impl FnOnce() -> V,
    f: impl FnOnce(&V),
) {
    if let Ok(m) = lock.read()
        && let Some(v) = m.get(labels)
    {
        return f(v);
    }
    if let Ok(mut m) = lock.write() {
        f(m.entry(labels, new));
    }
}

fn same(stored: &[String], labels: &[&str]) -> bool {
    stored.len() == labels.len() && stored.iter().zip(labels).all(|(a, b)| a == b)
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
            values: RwLock::new(Series::new()),
        }
    }

    pub fn inc(&self, label_values: &[&str]) {
        self.add(label_values, 1);
    }

    pub fn add(&self, label_values: &[&str], n: u64) {
        with_series(&self.values, label_values, AtomicU64::default, |v| {
            v.fetch_add(n, Relaxed);
        });
    }

    /// The current value of one series (0 when never touched).
    pub fn get(&self, label_values: &[&str]) -> u64 {
        self.values
            .read()
            .ok()
            .and_then(|m| m.get(label_values).map(|v| v.load(Relaxed)))
            .unwrap_or(0)
    }

    pub fn render(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} counter", self.name);
        if let Ok(m) = self.values.read() {
            for (k, v) in m.sorted() {
                let v = v.load(Relaxed);
                let _ = writeln!(out, "{}{} {v}", self.name, label_set(self.labels, k, None));
            }
        }
    }
}

/// One histogram series. The sum is kept in nanoseconds so it can be an atomic
/// integer (every observation is a duration in seconds).
struct Hist {
    counts: Vec<AtomicU64>,
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

/// A histogram with labels and fixed buckets.
pub struct HistogramVec {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    buckets: &'static [f64],
    values: RwLock<Series<Hist>>,
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
            values: RwLock::new(Series::new()),
        }
    }

    /// Records one duration in seconds.
    pub fn observe(&self, label_values: &[&str], v: f64) {
        let new = || Hist {
            counts: self.buckets.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_nanos: AtomicU64::new(0),
            count: AtomicU64::new(0),
        };
        with_series(&self.values, label_values, new, |h| {
            for (i, b) in self.buckets.iter().enumerate() {
                if v <= *b {
                    h.counts[i].fetch_add(1, Relaxed);
                }
            }
            // `as` saturates: a negative or absurd value cannot wrap the sum.
            h.sum_nanos.fetch_add((v * 1e9).round() as u64, Relaxed);
            h.count.fetch_add(1, Relaxed);
        });
    }

    pub fn render(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} histogram", self.name);
        let Ok(m) = self.values.read() else {
            return;
        };
        for (k, h) in m.sorted() {
            // Read the count first: buckets and sum may already include a few
            // later observations, never fewer than the count says.
            let count = h.count.load(Relaxed);
            for (i, b) in self.buckets.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{}_bucket{} {}",
                    self.name,
                    label_set(self.labels, k, Some(("le", &num(*b)))),
                    h.counts[i].load(Relaxed).min(count)
                );
            }
            let _ = writeln!(
                out,
                "{}_bucket{} {}",
                self.name,
                label_set(self.labels, k, Some(("le", "+Inf"))),
                count
            );
            let ls = label_set(self.labels, k, None);
            let sum = h.sum_nanos.load(Relaxed) as f64 / 1e9;
            let _ = writeln!(out, "{}_sum{ls} {}", self.name, num(sum));
            let _ = writeln!(out, "{}_count{ls} {}", self.name, count);
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
    // Cheap clones (shared strings): this runs on every request.
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let res = next.run(req).await;
    let elapsed = t0.elapsed().as_secs_f64();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let status = res.status();
    let m = node();
    m.http_requests
        .inc(&[route, method.as_str(), status.as_str()]);
    m.http_duration.observe(&[route], elapsed);
    if route.starts_with("/webhook/") || route.starts_with("/voice/") {
        let outcome = match status.as_u16() {
            200..=399 => "ok",
            403 => "forbidden",
            400..=499 => "rejected",
            _ => "error",
        };
        m.webhook_outcomes.inc(&[route, outcome]);
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
    fn concurrent_updates_are_all_counted() {
        let c = CounterVec::new("t_total", "A test.", &["route"]);
        let h = HistogramVec::new("t_seconds", "Latency.", &["route"], &[0.001]);
        std::thread::scope(|s| {
            for t in 0..8 {
                let (c, h) = (&c, &h);
                s.spawn(move || {
                    for i in 0..5_000 {
                        // Half the threads share a series, half create their own.
                        let route = if t % 2 == 0 {
                            "/shared".to_string()
                        } else {
                            format!("/t{t}")
                        };
                        c.inc(&[&route]);
                        h.observe(&[&route], if i % 2 == 0 { 0.0005 } else { 0.5 });
                    }
                });
            }
        });
        assert_eq!(c.get(&["/shared"]), 20_000);
        assert_eq!(c.get(&["/t1"]), 5_000);
        assert_eq!(c.get(&["/never"]), 0);
        let mut out = String::new();
        h.render(&mut out);
        assert!(
            out.contains("t_seconds_count{route=\"/shared\"} 20000"),
            "{out}"
        );
        assert!(
            out.contains("t_seconds_bucket{route=\"/shared\",le=\"0.001\"} 10000"),
            "{out}"
        );
        assert!(
            out.contains("t_seconds_sum{route=\"/shared\"} 5005"),
            "{out}"
        );
        // Series come out ordered by their labels.
        let shared = out.find("route=\"/shared\"").unwrap();
        let t1 = out.find("route=\"/t1\"").unwrap();
        assert!(shared < t1, "{out}");
    }

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
