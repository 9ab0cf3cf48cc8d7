//! The reseller setup on loopback: `ringlypro router` and two nodes, all real
//! processes of the binary. Calls signed as Twilio signs them reach the node
//! that serves the number and book there; a forgery stops at the router; with
//! node 2 down, a caller is forwarded to the fallback phone and its SMS and
//! status callbacks are held, then delivered exactly once when it is back;
//! the admin API wants its token.

use crate::common::fake_twilio::{AUTH_TOKEN, FakeTwilio};
use crate::common::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const N1: &str = "+15553001001";
const N2: &str = "+15553002002";
const FALLBACK: &str = "+15557770000";
const ADMIN_TOKEN: &str = "router-admin-token-for-tests";

/// A node's environment: Twilio on the fake, signatures checked against the
/// router's public URL, outbox worker off.
fn node_command(dir: &Path, fake: &FakeTwilio) -> Command {
    let mut c = command(dir);
    c.env(
        "TWILIO_ACCOUNT_SID",
        crate::common::fake_twilio::ACCOUNT_SID,
    )
    .env("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    .env("TWILIO_API_BASE", fake.url())
    .env("WEBHOOK_BASE_URL", WEBHOOK_BASE)
    .env("RINGLYPRO_OUTBOX_POLL_MS", "0");
    c
}

fn node_db(dir: &Path) -> PathBuf {
    dir.join("ringlypro-data/ringlypro.db")
}

/// Creates a business answering `number`, open every day all day.
fn create_tenant(dir: &Path, name: &str, number: &str) {
    let out = bare_command(dir)
        .args([
            "tenant",
            "create",
            "--name",
            name,
            "--phone",
            "555-212-0987",
            "--number",
            number,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = ringlypro::db::open_connection(&node_db(dir)).unwrap();
    let all_day = r#"{"mon":[["08:00","20:00"]],"tue":[["08:00","20:00"]],"wed":[["08:00","20:00"]],"thu":[["08:00","20:00"]],"fri":[["08:00","20:00"]],"sat":[["08:00","20:00"]],"sun":[["08:00","20:00"]]}"#;
    conn.execute(
        "UPDATE clients SET business_hours = ?1, min_notice_minutes = 0",
        [all_day],
    )
    .unwrap();
}

fn router_cli(dir: &Path, args: &[&str]) -> String {
    let out = bare_command(dir)
        .arg("router")
        .arg("--data-dir")
        .arg(dir.join("router-data"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "router {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn start_router(dir: &Path) -> (Proc, String) {
    let mut c = bare_command(dir);
    c.arg("router")
        .arg("--data-dir")
        .arg(dir.join("router-data"))
        .arg("serve")
        .env("RINGLYPRO_ROUTER_LISTEN", "127.0.0.1:0")
        .env("RINGLYPRO_ROUTER_ADMIN_LISTEN", "127.0.0.1:0")
        .env("RINGLYPRO_ROUTER_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("RINGLYPRO_ROUTER_HEALTH_INTERVAL_MS", "200")
        .env("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
        .env("WEBHOOK_BASE_URL", WEBHOOK_BASE);
    let p = Proc::spawn_until(c, "router is ready: public http://");
    let admin = p.url_after(" admin ").expect("admin address in the log");
    (p, admin)
}

/// `simulate-call` through the router, signed for the public URL.
fn call(cwd: &Path, router: &str, to: &str, from: &str, lines: &[&str]) -> String {
    let mut cmd = bare_command(cwd);
    cmd.args([
        "simulate-call",
        "--url",
        router,
        "--to",
        to,
        "--from",
        from,
        "--webhook-base-url",
        WEBHOOK_BASE,
    ])
    .env("TWILIO_AUTH_TOKEN", AUTH_TOKEN);
    run_with_input(cmd, lines)
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = ringlypro::db::open_read_only(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A form POSTed to the router, signed as Twilio signs it (or with `sig`).
fn post_signed(base: &str, path: &str, params: &[(&str, &str)], sig: Option<&str>) -> Resp {
    let good = sign(path, params);
    request(
        &agent(),
        "POST",
        &format!("{base}{path}"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("x-twilio-signature", sig.unwrap_or(&good)),
        ],
        Some(form_encode(params).as_bytes()),
    )
}

fn admin(method: &str, url: &str, token: Option<&str>, body: Option<serde_json::Value>) -> Resp {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut h: Vec<(&str, &str)> = vec![("content-type", "application/json")];
    if let Some(b) = &bearer {
        h.push(("authorization", b));
    }
    let bytes = body.map(|b| serde_json::to_vec(&b).unwrap());
    request(&agent(), method, url, &h, bytes.as_deref())
}

/// Polls for up to 15 seconds (a node restart plus a health interval).
fn within<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let t0 = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn router_with_two_nodes_routes_falls_back_holds_and_replays_exactly_once() {
    let fake = FakeTwilio::start();
    let root = tempfile::tempdir().unwrap();
    let (d1, d2) = (root.path().join("node1"), root.path().join("node2"));
    std::fs::create_dir_all(&d1).unwrap();
    std::fs::create_dir_all(&d2).unwrap();
    create_tenant(&d1, "Salon One", N1);
    create_tenant(&d2, "Dental Two", N2);
    let port2 = free_port();
    let node1 = Proc::serve(node_command(&d1, &fake));
    let mut node2 = Some(Proc::serve_on(node_command(&d2, &fake), port2));

    // Nodes and the first number with the CLI, before the router starts.
    router_cli(root.path(), &["node", "add", "node-1", &node1.base]);
    router_cli(
        root.path(),
        &[
            "node",
            "add",
            "node-2",
            &format!("http://127.0.0.1:{port2}"),
        ],
    );
    router_cli(root.path(), &["number", "assign", N1, "node-1"]);
    let (router, admin_url) = start_router(root.path());
    assert_ne!(router.base, admin_url, "admin API on its own listener");

    // The admin API refuses without (or with a wrong) token, and works with it.
    let r = admin("GET", &format!("{admin_url}/admin/nodes"), None, None);
    assert_eq!(r.status, 401, "{}", r.body);
    let r = admin(
        "PUT",
        &format!("{admin_url}/admin/numbers/{N2}"),
        Some("not-the-admin-token-at-all"),
        Some(json!({"node": "node-2", "fallbackPhone": FALLBACK})),
    );
    assert_eq!(r.status, 401, "{}", r.body);
    let r = admin(
        "PUT",
        &format!("{}/admin/numbers/{N2}", router.base),
        Some(ADMIN_TOKEN),
        Some(json!({"node": "node-2", "fallbackPhone": FALLBACK})),
    );
    assert_eq!(r.status, 404, "not on the public listener: {}", r.body);
    let r = admin(
        "PUT",
        &format!("{admin_url}/admin/numbers/{N2}"),
        Some(ADMIN_TOKEN),
        Some(json!({"node": "node-2", "fallbackPhone": FALLBACK})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let nodes = admin(
        "GET",
        &format!("{admin_url}/admin/nodes"),
        Some(ADMIN_TOKEN),
        None,
    )
    .json();
    assert_eq!(nodes["data"].as_array().unwrap().len(), 2, "{nodes}");
    assert!(
        !nodes.to_string().contains(AUTH_TOKEN),
        "no secrets in listings"
    );

    // Signed calls reach the node that serves the number and book there.
    let out = call(
        root.path(),
        &router.base,
        N1,
        "+15555550101",
        &[
            "#1",
            "I'd like to book an appointment in 3 days at 11 am",
            "My name is Ada Lovelace",
            "yes",
            "yes",
            "no",
        ],
    );
    assert!(out.contains("You're all set"), "{out}");
    let out = call(
        root.path(),
        &router.base,
        N2,
        "+15555550102",
        &[
            "#1",
            "I'd like to book an appointment in 4 days at 10 am",
            "My name is Grace Hopper",
            "yes",
            "yes",
            "no",
        ],
    );
    assert!(out.contains("You're all set"), "{out}");
    let appts = |d: &Path, who: &str| {
        count(
            &node_db(d),
            &format!("SELECT count(*) FROM appointments WHERE customer_name = '{who}'"),
        )
    };
    assert_eq!(appts(&d1, "Ada Lovelace"), 1);
    assert_eq!(appts(&d2, "Ada Lovelace"), 0);
    assert_eq!(appts(&d2, "Grace Hopper"), 1);
    assert_eq!(appts(&d1, "Grace Hopper"), 0);

    // A forged signature stops at the router.
    let calls_before = count(&node_db(&d1), "SELECT count(*) FROM calls");
    let forged = [
        ("CallSid", "CAforged000000000000000000000001"),
        ("From", "+15555550666"),
        ("To", N1),
    ];
    let r = post_signed(
        &router.base,
        "/voice/rachel/",
        &forged,
        Some("bm90IGEgcmVhbCBzaWduYXR1cmU="),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(is_twiml(&r));
    let r = request(
        &agent(),
        "POST",
        &router.url("/webhook/twilio/sms"),
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(form_encode(&forged).as_bytes()),
    );
    assert_eq!(r.status, 403, "unsigned is refused too: {}", r.body);
    assert_eq!(
        count(&node_db(&d1), "SELECT count(*) FROM calls"),
        calls_before
    );

    // Node 2 goes down.
    assert_eq!(node2.take().unwrap().terminate(), 0);
    let ring = [
        ("CallSid", "CAdown0000000000000000000000001"),
        ("From", "+15555550103"),
        ("To", N2),
        ("CallStatus", "ringing"),
    ];
    let r = post_signed(&router.base, "/voice/rachel/", &ring, None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(is_twiml(&r), "{}", r.body);
    assert!(
        r.body.contains("<Dial") && r.body.contains(FALLBACK),
        "the caller is forwarded to the fallback phone: {}",
        r.body
    );
    // Node 1 is unaffected.
    let r = post_signed(
        &router.base,
        "/voice/rachel/",
        &[
            ("CallSid", "CAup00000000000000000000000001"),
            ("From", "+15555550104"),
            ("To", N1),
        ],
        None,
    );
    assert!(r.status == 200 && !r.body.contains("<Dial"), "{}", r.body);

    let sms = [
        ("MessageSid", "SMheld000000000000000000000000001"),
        ("AccountSid", crate::common::fake_twilio::ACCOUNT_SID),
        ("From", "+15555550105"),
        ("To", N2),
        ("Body", "Can I move my cleaning to Friday?"),
    ];
    let r = post_signed(&router.base, "/webhook/twilio/sms", &sms, None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(is_twiml(&r));
    let status = [
        ("CallSid", "CAdown0000000000000000000000001"),
        ("CallStatus", "completed"),
        ("CallDuration", "42"),
        ("Direction", "inbound"),
        ("From", "+15555550103"),
        ("To", N2),
    ];
    let r = post_signed(&router.base, "/webhook/twilio/status", &status, None);
    assert_eq!(r.status, 200, "{}", r.body);
    let q = admin(
        "GET",
        &format!("{admin_url}/admin/queue"),
        Some(ADMIN_TOKEN),
        None,
    )
    .json();
    let n2 = q["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["node"] == "node-2")
        .cloned()
        .unwrap();
    assert_eq!(n2["pending"], 2, "{q}");

    // Node 2 comes back on the same address: both are delivered, in order, once.
    let node2 = Proc::serve_on(node_command(&d2, &fake), port2);
    let db2 = node_db(&d2);
    within("the held SMS and status callback reach node 2", || {
        let m = count(
            &db2,
            "SELECT count(*) FROM messages WHERE twilio_sid = 'SMheld000000000000000000000000001'",
        );
        let c = count(
            &db2,
            "SELECT count(*) FROM calls WHERE twilio_call_sid = 'CAdown0000000000000000000000001' AND status = 'completed'",
        );
        (m == 1 && c == 1).then_some(())
    });
    // A few more health rounds: nothing is delivered twice.
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        count(
            &db2,
            "SELECT count(*) FROM messages WHERE twilio_sid = 'SMheld000000000000000000000000001'"
        ),
        1
    );
    assert_eq!(
        count(
            &db2,
            "SELECT count(*) FROM calls WHERE twilio_call_sid = 'CAdown0000000000000000000000001'"
        ),
        1
    );
    let q = admin(
        "GET",
        &format!("{admin_url}/admin/queue"),
        Some(ADMIN_TOKEN),
        None,
    )
    .json();
    let n2 = q["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["node"] == "node-2")
        .cloned()
        .unwrap();
    assert_eq!(
        (n2["pending"].as_i64(), n2["delivered"].as_i64()),
        (Some(0), Some(2)),
        "{q}"
    );
    let log = router.log_text();
    let sms_at = log.find("kind=sms ").expect("sms delivery logged");
    let status_at = log
        .find("kind=call_status")
        .expect("status delivery logged");
    assert!(sms_at < status_at, "replayed in the order received: {log}");

    // Metrics and health of the router itself.
    let m = request(&agent(), "GET", &format!("{admin_url}/metrics"), &[], None);
    assert_eq!(m.status, 200);
    assert!(
        m.body
            .contains("ringlypro_router_requests_total{kind=\"voice\",outcome=\"fallback\"} 1"),
        "{}",
        m.body
    );
    assert!(
        m.body
            .contains("ringlypro_router_node_up{node=\"node-2\"} 1")
    );
    let h = request(&agent(), "GET", &router.url("/health"), &[], None);
    assert_eq!(h.status, 200);
    assert_eq!(h.json()["role"], "router");
    drop(node2);
    drop(node1);
    assert_eq!(router.terminate(), 0);
}

// ---------- in-process: exactly what the router forwards ----------

/// What the echo upstream received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A stand-in node on 127.0.0.1:0 that records every request and answers TwiML
/// (and `/health`), on its own runtime thread.
struct Echo {
    addr: std::net::SocketAddr,
    seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn echo() -> Echo {
    echo_on(0)
}

/// The echo node on a given port (0: any); paths containing `slow` answer after a second.
fn echo_on(port: u16) -> Echo {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method, Uri};
    let seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>> = Default::default();
    let rec = seen.clone();
    let l = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    l.set_nonblocking(true).unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = axum::Router::new()
                .route("/health", axum::routing::get(|| async { "ok" }))
                .fallback(move |m: Method, u: Uri, h: HeaderMap, b: Bytes| {
                    let rec = rec.clone();
                    async move {
                        if u.path().contains("slow") {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                        rec.lock().unwrap().push(Seen {
                            method: m.to_string(),
                            uri: u.to_string(),
                            headers: h
                                .iter()
                                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                                .collect(),
                            body: b.to_vec(),
                        });
                        (
                            [("content-type", "text/xml; charset=utf-8")],
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>echo</Say></Response>",
                        )
                    }
                });
            let l = tokio::net::TcpListener::from_std(l).unwrap();
            axum::serve(l, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
    });
    Echo {
        addr,
        seen,
        _stop: tx,
    }
}

struct InProcessRouter {
    base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

fn in_process_router(setup: impl FnOnce(&rusqlite::Connection)) -> InProcessRouter {
    in_process_router_with(setup, 2000)
}

fn in_process_router_with(
    setup: impl FnOnce(&rusqlite::Connection),
    voice_timeout_ms: u64,
) -> InProcessRouter {
    let dir = tempfile::tempdir().unwrap();
    let conn = ringlypro::router::db::open(&ringlypro::router::db_path(dir.path())).unwrap();
    setup(&conn);
    drop(conn);
    let settings = ringlypro::router::ServeArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        admin_listen: "127.0.0.1:0".parse().unwrap(),
        admin_on_public: false,
        admin_token: Some(ADMIN_TOKEN.into()),
        public_url: Some(WEBHOOK_BASE.into()),
        twilio_auth_token: Some(AUTH_TOKEN.into()),
        health_interval_ms: 200,
        voice_timeout_ms,
        callback_timeout_ms: 2000,
        max_body_bytes: 1 << 20,
        metrics_token: None,
        log: "warn".into(),
    };
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let path = dir.path().to_path_buf();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let bound = ringlypro::router::Bound::bind(settings, &path)
                .await
                .unwrap();
            addr_tx.send(bound.public.local_addr().unwrap()).unwrap();
            bound
                .serve(async move {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
        });
    });
    let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    InProcessRouter {
        base: format!("http://{addr}"),
        _stop: stop,
        _dir: dir,
    }
}

#[test]
fn the_router_forwards_requests_unchanged_checks_subaccount_tokens_and_routes_hosts() {
    const SUB_TOKEN: &str = "subaccount-auth-token";
    let main_node = echo();
    let sub_node = echo();
    let now = chrono::Utc::now();
    let r = in_process_router(|c| {
        use ringlypro::router::db;
        db::add_node(c, "main", &format!("http://{}", main_node.addr), None, now).unwrap();
        db::add_node(
            c,
            "sub",
            &format!("http://{}", sub_node.addr),
            Some(SUB_TOKEN),
            now,
        )
        .unwrap();
        let n1 = ringlypro::domain::E164::parse(N1).unwrap();
        let n2 = ringlypro::domain::E164::parse(N2).unwrap();
        db::assign_number(c, &n1, "main", None, now).unwrap();
        db::assign_number(c, &n2, "sub", None, now).unwrap();
        db::set_host(c, "crm.salon.example", "main", now).unwrap();
    });

    // Byte for byte: path, query, body and the signature header reach the node.
    let path = "/webhook/twilio/sms-status?m=42&x=a%20b";
    let params = [
        ("MessageSid", "SMfwd00000000000000000000000001"),
        ("MessageStatus", "delivered"),
        ("From", N1),
        ("To", "+15555550100"),
    ];
    let body = form_encode(&params);
    let sig = sign(path, &params);
    let res = request(
        &agent(),
        "POST",
        &format!("{}{path}", r.base),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("x-twilio-signature", &sig),
            ("i-twilio-idempotency-token", "tok-1"),
        ],
        Some(body.as_bytes()),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body.contains("<Say>echo</Say>"),
        "the node's answer comes back: {}",
        res.body
    );
    let seen = main_node.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let s = &seen[0];
    assert_eq!((s.method.as_str(), s.uri.as_str()), ("POST", path));
    assert_eq!(s.body, body.as_bytes());
    let h = |n: &str| {
        s.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(h("x-twilio-signature"), Some(sig));
    assert_eq!(h("i-twilio-idempotency-token").as_deref(), Some("tok-1"));
    assert_eq!(h("x-forwarded-for").as_deref(), Some("127.0.0.1"));
    assert!(sub_node.seen.lock().unwrap().is_empty());

    // A node in a Twilio subaccount: its numbers are signed with its own token.
    let voice = [
        ("CallSid", "CAsub000000000000000000000000001"),
        ("From", "+15555550100"),
        ("To", N2),
    ];
    let signed_with = |token: &str| {
        ringlypro::http::webhooks::twilio::twilio_signature(
            token,
            &format!("{WEBHOOK_BASE}/voice/rachel/"),
            voice.iter().copied(),
        )
    };
    let reseller = post_signed(
        &r.base,
        "/voice/rachel/",
        &voice,
        Some(&signed_with(AUTH_TOKEN)),
    );
    assert_eq!(
        reseller.status, 403,
        "the reseller's token does not sign a subaccount's numbers"
    );
    let sub = post_signed(
        &r.base,
        "/voice/rachel/",
        &voice,
        Some(&signed_with(SUB_TOKEN)),
    );
    assert_eq!(sub.status, 200, "{}", sub.body);
    assert_eq!(sub_node.seen.lock().unwrap().len(), 1);

    // Dashboards by host name; other hosts get a plain 404 from the router.
    let page = request(
        &agent(),
        "GET",
        &format!("{}/dashboard?tab=calls", r.base),
        &[("host", "CRM.salon.example:443")],
        None,
    );
    assert_eq!(page.status, 200);
    let last = main_node.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last.uri, "/dashboard?tab=calls");
    assert!(
        last.headers
            .iter()
            .any(|(k, v)| k == "host" && v == "CRM.salon.example:443")
    );
    let other = request(
        &agent(),
        "GET",
        &format!("{}/dashboard", r.base),
        &[("host", "unknown.example")],
        None,
    );
    assert_eq!(other.status, 404);

    // A number no node serves: voice hears "not in service", callbacks get 404.
    let stray = [
        ("CallSid", "CAstray00000000000000000000000001"),
        ("From", "+15555550100"),
        ("To", "+15553009999"),
    ];
    let res = post_signed(&r.base, "/voice/rachel/", &stray, None);
    assert_eq!(res.status, 200);
    assert!(res.body.contains("not in service"), "{}", res.body);
}

#[test]
fn a_slow_or_down_node_sends_callers_to_voicemail_and_the_recording_arrives_later() {
    let port = free_port();
    let node = echo_on(port);
    let now = chrono::Utc::now();
    let r = in_process_router_with(
        |c| {
            use ringlypro::router::db;
            db::add_node(c, "n", &format!("http://127.0.0.1:{port}"), None, now).unwrap();
            let n1 = ringlypro::domain::E164::parse(N1).unwrap();
            db::assign_number(c, &n1, "n", None, now).unwrap();
        },
        300,
    );
    let call = [
        ("CallSid", "CAslow000000000000000000000000001"),
        ("From", "+15555550100"),
        ("To", N1),
    ];
    // Slower than the deadline: the caller is not left waiting.
    let t0 = Instant::now();
    let res = post_signed(&r.base, "/voice/slow", &call, None);
    assert!(
        t0.elapsed() < Duration::from_millis(900),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(res.status, 200);
    assert!(
        res.body.contains("<Record") && res.body.contains("action=\"/voice/recording\""),
        "no fallback phone: voicemail: {}",
        res.body
    );
    // After our own fallback <Dial>: answered ends the call, unanswered takes a message.
    let mut dial = call.to_vec();
    dial.push(("DialCallStatus", "no-answer"));
    let res = post_signed(&r.base, "/router/voice/after-dial", &dial, None);
    assert!(res.body.contains("<Record"), "{}", res.body);
    dial.pop();
    dial.push(("DialCallStatus", "completed"));
    let res = post_signed(&r.base, "/router/voice/after-dial", &dial, None);
    assert!(
        res.body.contains("<Hangup/>") && !res.body.contains("<Record"),
        "{}",
        res.body
    );

    // The node goes away; the voicemail recording is held and answered politely.
    drop(node);
    std::thread::sleep(Duration::from_millis(300));
    let res = post_signed(&r.base, "/voice/rachel/", &call, None);
    assert!(res.body.contains("<Record"), "{}", res.body);
    let mut rec = call.to_vec();
    rec.extend([
        (
            "RecordingUrl",
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        ),
        ("RecordingSid", "RE00000000000000000000000000000001"),
        ("RecordingDuration", "17"),
    ]);
    let res = post_signed(&r.base, "/voice/recording", &rec, None);
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body.contains("recorded") && res.body.contains("<Hangup/>"),
        "{}",
        res.body
    );

    // Back on the same address: the recording is delivered once, unchanged.
    let node = echo_on(port);
    within("the held recording reaches the node", || {
        let seen = node.seen.lock().unwrap();
        (seen.iter().filter(|s| s.uri == "/voice/recording").count() == 1).then_some(())
    });
    std::thread::sleep(Duration::from_millis(600));
    let seen = node.seen.lock().unwrap().clone();
    let recs: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.uri == "/voice/recording")
        .collect();
    assert_eq!(recs.len(), 1, "{seen:?}");
    assert_eq!(recs[0].body, form_encode(&rec).as_bytes());
    assert!(
        recs[0]
            .headers
            .iter()
            .any(|(k, v)| k == "x-twilio-signature" && *v == sign("/voice/recording", &rec))
    );
}
