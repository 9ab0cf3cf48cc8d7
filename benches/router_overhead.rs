//! Router overhead: the same signed Twilio voice webhook sent straight to a
//! node and through `ringlypro router` to that node, alternating request by
//! request in one run on loopback (release build, keep-alive client), with
//! p50/p90/p99 of each and of the difference. The node answers it from a
//! database read (a number it does not serve: "not in service"), so its own
//! time is small and the router's share is visible; both layers verify the
//! signature. Run: `cargo bench --bench router_overhead`
//! (`RINGLYPRO_BENCH_REQUESTS=5000` by default).

use ringlypro::http::webhooks::twilio::twilio_signature;
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-auth-token";
const PUBLIC: &str = "https://hooks.bench.test";
const NUMBER: &str = "+15553009000";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let quick = !std::env::args().any(|a| a == "--bench");
    let n: usize = if quick {
        50
    } else {
        std::env::var("RINGLYPRO_BENCH_REQUESTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5000)
    };

    // A node with Twilio signatures on, verified against the router's public URL.
    let node_dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = ringlypro::config::Config::for_data_dir(node_dir.path());
    cfg.port = 0;
    cfg.outbox_poll_ms = 0;
    cfg.webhook_base_url = Some(PUBLIC.into());
    cfg.twilio = Some(ringlypro::config::Twilio {
        account_sid: "ACbench".into(),
        auth_token: TOKEN.into(),
        phone_number: None,
        messaging_service_sid: None,
    });
    cfg.twilio_api_base = "http://127.0.0.1:9".into();
    let node =
        ringlypro::app::Running::start(cfg, std::sync::Arc::new(ringlypro::clock::SystemClock))
            .expect("node");

    // The router, its database pointing NUMBER at the node.
    let router_dir = tempfile::tempdir().expect("tempdir");
    {
        let conn = ringlypro::router::db::open(&ringlypro::router::db_path(router_dir.path()))
            .expect("db");
        let now = chrono::Utc::now();
        ringlypro::router::db::add_node(
            &conn,
            "bench",
            &format!("http://{}", node.addr),
            None,
            now,
        )
        .expect("node");
        let num = ringlypro::domain::E164::parse(NUMBER).expect("number");
        ringlypro::router::db::assign_number(&conn, &num, "bench", None, now).expect("assign");
    }
    let settings = ringlypro::router::ServeArgs {
        listen: "127.0.0.1:0".parse().expect("addr"),
        admin_listen: "127.0.0.1:0".parse().expect("addr"),
        admin_on_public: false,
        admin_token: Some("bench-admin-token-0123".into()),
        public_url: Some(PUBLIC.into()),
        twilio_auth_token: Some(TOKEN.into()),
        health_interval_ms: 2000,
        voice_timeout_ms: 5000,
        callback_timeout_ms: 5000,
        max_body_bytes: 1 << 20,
        metrics_token: None,
        log: "warn".into(),
    };
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let rdir = router_dir.path().to_path_buf();
    let router_thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let bound = ringlypro::router::Bound::bind(settings, &rdir)
                .await
                .expect("router binds");
            addr_tx
                .send(bound.public.local_addr().expect("addr"))
                .expect("send");
            bound
                .serve(async move {
                    let _ = stop_rx.await;
                })
                .await
                .expect("router");
        });
    });
    let router_addr = addr_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("router started");

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let path = "/voice/incoming";
    let send = |base: &str, i: usize| -> f64 {
        let sid = format!("CA{i:032}");
        let params = [
            ("CallSid", sid.as_str()),
            ("From", "+15555550100"),
            ("To", NUMBER),
            ("CallStatus", "ringing"),
        ];
        let sig = twilio_signature(TOKEN, &format!("{PUBLIC}{path}"), params.iter().copied());
        let body = params
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('+', "%2B")))
            .collect::<Vec<_>>()
            .join("&");
        let t0 = Instant::now();
        let mut res = agent
            .post(&format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", &sig)
            .send(body.as_bytes())
            .expect("request");
        let text = res.body_mut().read_to_string().expect("body");
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(res.status().as_u16(), 200, "{text}");
        assert!(text.contains("not in service"), "{text}");
        ms
    };
    let direct_base = format!("http://{}", node.addr);
    let router_base = format!("http://{router_addr}");
    // Warm up both paths (connections, caches).
    for i in 0..(n / 10).max(20) {
        send(&direct_base, i);
        send(&router_base, i);
    }
    let mut direct = Vec::with_capacity(n);
    let mut routed = Vec::with_capacity(n);
    for i in 0..n {
        if i % 2 == 0 {
            direct.push(send(&direct_base, i));
            routed.push(send(&router_base, i));
        } else {
            routed.push(send(&router_base, i));
            direct.push(send(&direct_base, i));
        }
    }
    let mut diff: Vec<f64> = routed.iter().zip(&direct).map(|(r, d)| r - d).collect();
    direct.sort_by(f64::total_cmp);
    routed.sort_by(f64::total_cmp);
    diff.sort_by(f64::total_cmp);
    println!(
        "router overhead: {n} signed voice webhooks each way, alternating, loopback, keep-alive"
    );
    println!("{:<28} {:>9} {:>9} {:>9}", "", "p50 ms", "p90 ms", "p99 ms");
    for (name, v) in [("direct to node", &direct), ("through router", &routed)] {
        println!(
            "{:<28} {:>9.3} {:>9.3} {:>9.3}",
            name,
            percentile(v, 0.50),
            percentile(v, 0.90),
            percentile(v, 0.99)
        );
    }
    println!(
        "{:<28} {:>9.3} {:>9.3} {:>9.3}",
        "added (p of router - p of direct)",
        percentile(&routed, 0.50) - percentile(&direct, 0.50),
        percentile(&routed, 0.90) - percentile(&direct, 0.90),
        percentile(&routed, 0.99) - percentile(&direct, 0.99)
    );
    println!(
        "{:<28} {:>9.3} {:>9.3} {:>9.3}",
        "pairwise difference",
        percentile(&diff, 0.50),
        percentile(&diff, 0.90),
        percentile(&diff, 0.99)
    );
    let _ = stop_tx.send(());
    let _ = router_thread.join();
    drop(node);
}
