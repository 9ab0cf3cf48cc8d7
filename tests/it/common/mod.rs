//! Shared test helpers: a real server on 127.0.0.1:0 with a temp data dir (in
//! process, or the real binary as a child process), and a small HTTP client.

#![allow(dead_code)]

pub mod fake_elevenlabs;
pub mod fake_sendgrid;
pub mod fake_server;
pub mod fake_smtp;
pub mod fake_stripe;
pub mod fake_twilio;

use ringlypro::app::Running;
use ringlypro::clock::FixedClock;
use ringlypro::config::Config;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The error message of a 4xx JSON answer (panics when there is none).
    pub fn error_message(&self) -> String {
        let v = self.json();
        let m = v["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no error.message in {}", self.body));
        assert!(!m.is_empty());
        m.to_string()
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Sends any request; `body` is sent as-is.
pub fn request(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let build = || {
        let mut b = ureq::http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(body.map(<[u8]>::to_vec).unwrap_or_default())
            .expect("request")
    };
    // A pooled keep-alive connection the server closed a moment earlier fails
    // before the request is read ("Peer disconnected"); the request goes again
    // on a new connection, as browsers and Twilio do.
    let mut res = match agent.run(build()) {
        Ok(r) => r,
        Err(ureq::Error::Io(_)) | Err(ureq::Error::ConnectionFailed) => self::agent()
            .run(build())
            .unwrap_or_else(|e| panic!("{method} {url}: {e}")),
        Err(e) if e.to_string().contains("disconnected") => self::agent()
            .run(build())
            .unwrap_or_else(|e| panic!("{method} {url}: {e}")),
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = res
        .body_mut()
        .with_config()
        .limit(50 * 1024 * 1024)
        .read_to_string()
        .unwrap_or_default();
    Resp {
        status,
        headers,
        body,
    }
}

/// A config for tests: temp data dir, port 0, cheap password hashing, generous
/// rate limits (the rate-limit test sets its own).
pub fn test_config(dir: &Path) -> Config {
    let mut c = Config::for_data_dir(dir);
    c.port = 0;
    c.argon2_memory_kib = 64;
    c.argon2_iterations = 1;
    c.login_rate_limit = 1000;
    c.register_rate_limit = 1000;
    c.reset_rate_limit = 1000;
    // Tests run the billing job themselves (`TestServer::run_billing`).
    c.auto_reload_poll_secs = 0;
    c
}

pub struct TestServer {
    pub running: Running,
    pub clock: FixedClock,
    pub agent: ureq::Agent,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    pub fn start_with(f: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cfg = test_config(dir.path());
        f(&mut cfg);
        let clock = FixedClock::new(chrono::Utc::now());
        let running = Running::start(cfg, Arc::new(clock.clone())).expect("server starts");
        Self {
            running,
            clock,
            agent: agent(),
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.running.url(path)
    }

    pub fn req(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Resp {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = vec![];
        if let Some(b) = &bearer {
            headers.push(("authorization", b));
        }
        let bytes = body.map(|b| serde_json::to_vec(b).expect("json"));
        if bytes.is_some() {
            headers.push(("content-type", "application/json"));
        }
        request(
            &self.agent,
            method,
            &self.url(path),
            &headers,
            bytes.as_deref(),
        )
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.req("GET", path, token, None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.req("POST", path, token, Some(body))
    }

    /// Registers a business and its owner; returns the session token and ids.
    pub fn register(&self, email: &str) -> Account {
        let r = self.post(
            "/api/auth/register",
            None,
            &register_body(email, "a good passphrase"),
        );
        assert_eq!(r.status, 201, "register {email}: {}", r.body);
        let v = r.json();
        Account {
            token: v["token"].as_str().expect("token").to_string(),
            user_id: v["data"]["user"]["id"].as_i64().expect("user id"),
            client_id: v["data"]["client"]["id"].as_i64().expect("client id"),
            email: email.to_string(),
        }
    }

    /// Signs in (password "a good passphrase") and returns a fresh token.
    pub fn login(&self, email: &str) -> String {
        let r = self.post(
            "/api/auth/login",
            None,
            &json!({"email": email, "password": "a good passphrase"}),
        );
        assert_eq!(r.status, 200, "login {email}: {}", r.body);
        r.json()["token"].as_str().expect("token").to_string()
    }

    /// Runs a closure on a fresh connection to the server's database.
    pub fn sql<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> T) -> T {
        let conn = ringlypro::db::open_connection(&self.running.state.config.database_path)
            .expect("open db");
        f(&conn)
    }
}

impl TestServer {
    /// Every tenant's ledger sums to its balance and its debt.
    pub fn assert_books_balance(&self) {
        let bad = self.sql(|c| ringlypro::db::billing::verify(c).expect("verify"));
        assert!(bad.is_empty(), "the ledger does not add up: {bad:?}");
    }

    /// One round of the billing job (auto-reload, month resets of paused tenants).
    pub fn run_billing(&self) -> usize {
        let state = self.running.state.clone();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async move { ringlypro::billing::auto_reload::run_once(&state).await })
    }
}

/// After every integration test, the books must add up.
impl Drop for TestServer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        // A test that replaced the database has nothing to check.
        let path = &self.running.state.config.database_path;
        let Ok(conn) = ringlypro::db::open_read_only(path) else {
            return;
        };
        if let Ok(bad) = ringlypro::db::billing::verify(&conn) {
            assert!(bad.is_empty(), "the ledger does not add up: {bad:?}");
        }
    }
}

pub struct Account {
    pub token: String,
    pub user_id: i64,
    pub client_id: i64,
    pub email: String,
}

pub fn register_body(email: &str, password: &str) -> Value {
    json!({
        "email": email,
        "password": password,
        "firstName": "Ada",
        "lastName": "Owner",
        "businessName": "Ada's Salon",
        "businessPhone": "(555) 212-0987",
        "businessType": "salon",
        "timezone": "America/Chicago",
        "termsAccepted": true
    })
}

/// Polls `f` until it returns Some, for up to 5 seconds.
pub fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let t0 = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------- the real binary as a child process ----------

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ringlypro"))
}

/// The binary with no configuration at all: a clean environment, run in `cwd`.
pub fn bare_command(cwd: &Path) -> Command {
    let mut c = Command::new(bin());
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(cwd);
    c
}

/// Like [`bare_command`], with cheap hashing and generous rate limits for tests
/// that create many accounts.
pub fn command(cwd: &Path) -> Command {
    let mut c = bare_command(cwd);
    c.env("RINGLYPRO_ARGON2_MEMORY_KIB", "64")
        .env("RINGLYPRO_ARGON2_ITERATIONS", "1")
        .env("RINGLYPRO_REGISTER_RATE_LIMIT", "100000");
    c
}

pub struct Proc {
    pub child: Child,
    pub base: String,
    pub log: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Proc {
    /// Starts `serve` and waits for the ready line; PORT=0 picks a free port.
    pub fn serve(cmd: Command) -> Self {
        Self::serve_on(cmd, 0)
    }

    /// Starts `serve` on a fixed port (a node that must come back at the same address).
    pub fn serve_on(mut cmd: Command, port: u16) -> Self {
        cmd.arg("serve").env("PORT", port.to_string());
        Self::spawn_until(cmd, "open http://")
    }

    /// Starts `cmd` (its arguments already set) and waits until a stderr line
    /// contains `ready`; `base` is the first `http://` URL after it.
    pub fn spawn_until(mut cmd: Command, ready: &str) -> Self {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn ringlypro");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let log2 = log.clone();
        let ready = ready.to_string();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let url = line.find(&ready).and_then(|i| {
                    let rest = &line[i..];
                    let j = rest.find("http://")?;
                    Some(
                        rest[j..]
                            .chars()
                            .take_while(|c| !c.is_whitespace())
                            .collect::<String>(),
                    )
                });
                log2.lock().expect("log").push(line);
                if let Some(url) = url {
                    let _ = tx.send(url.trim_end_matches('/').to_string());
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(b) => b,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "server did not become ready: {:?}",
                    log.lock().expect("log")
                );
            }
        };
        Self { child, base, log }
    }

    /// The first `http://` URL that follows `marker` in the log.
    pub fn url_after(&self, marker: &str) -> Option<String> {
        let log = self.log.lock().expect("log");
        log.iter().find_map(|line| {
            let i = line.find(marker)? + marker.len();
            let rest = &line[i..];
            let j = rest.find("http://")?;
            Some(
                rest[j..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '"')
                    .collect::<String>(),
            )
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// SIGTERM and wait; returns the exit code.
    pub fn terminate(mut self) -> i32 {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        let t0 = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().expect("wait") {
                return st.code().unwrap_or(-1);
            }
            assert!(
                t0.elapsed() < Duration::from_secs(15),
                "server did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log_text(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP port that was free a moment ago (for a process that must restart on it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Sends only the head of a request announcing a `content_length` body, and
/// reads the answer: what a client sees when the server refuses a body by size.
pub fn head_only(base_url: &str, path: &str, content_length: usize) -> Resp {
    use std::io::{Read, Write};
    let addr = base_url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {content_length}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: body.to_string(),
    }
}

// ---------- Twilio: signed webhooks, a fake REST API, the outbox ----------

/// The public base URL the test servers believe Twilio calls (WEBHOOK_BASE_URL).
pub const WEBHOOK_BASE: &str = "https://hooks.ringlypro.test";

/// `application/x-www-form-urlencoded` encoding of name/value pairs.
pub fn form_encode(params: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }
    params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Twilio's signature of a request to `path` on the test servers' public URL.
pub fn sign(path: &str, params: &[(&str, &str)]) -> String {
    ringlypro::http::webhooks::twilio::twilio_signature(
        fake_twilio::AUTH_TOKEN,
        &format!("{WEBHOOK_BASE}{path}"),
        params.iter().copied(),
    )
}

impl TestServer {
    /// A server with Twilio configured against `fake`. `poll_ms` 0 keeps the
    /// outbox worker off so the test drives `run_outbox` with the clock.
    pub fn with_twilio(fake: &fake_twilio::FakeTwilio, poll_ms: u64) -> Self {
        let api = fake.url();
        Self::start_with(move |c| {
            c.twilio = Some(ringlypro::config::Twilio {
                account_sid: fake_twilio::ACCOUNT_SID.into(),
                auth_token: fake_twilio::AUTH_TOKEN.into(),
                phone_number: None,
                messaging_service_sid: None,
            });
            c.twilio_api_base = api;
            c.webhook_base_url = Some(WEBHOOK_BASE.into());
            c.outbox_poll_ms = poll_ms;
        })
    }

    /// Attaches a RinglyPro number to a business.
    pub fn set_number(&self, client_id: i64, number: &str) {
        self.sql(|c| {
            c.execute(
                "UPDATE clients SET ringlypro_number = ?2 WHERE id = ?1",
                rusqlite::params![client_id, number],
            )
            .unwrap()
        });
    }

    /// POSTs a form to a Twilio webhook, signed as Twilio would sign it.
    pub fn twilio_post(&self, path: &str, params: &[(&str, &str)]) -> Resp {
        let sig = sign(path, params);
        self.twilio_raw(
            path,
            form_encode(params).as_bytes(),
            "application/x-www-form-urlencoded",
            Some(&sig),
        )
    }

    /// POSTs any body to a webhook with the given signature header (or none).
    pub fn twilio_raw(
        &self,
        path: &str,
        body: &[u8],
        content_type: &str,
        signature: Option<&str>,
    ) -> Resp {
        let mut headers = vec![("content-type", content_type)];
        if let Some(s) = signature {
            headers.push(("x-twilio-signature", s));
        }
        request(&self.agent, "POST", &self.url(path), &headers, Some(body))
    }

    /// The test clock's "now".
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use ringlypro::clock::Clock;
        self.clock.now()
    }

    /// One round of the outbox worker at the test clock's "now".
    pub fn run_outbox(&self) -> usize {
        let state = self.running.state.clone();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async move { ringlypro::outbox::run_once(&state).await })
    }

    /// A single value from the database.
    pub fn scalar<T: rusqlite::types::FromSql>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> T {
        self.sql(|c| {
            c.query_row(sql, params, |r| r.get(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        })
    }
}

/// True when a webhook answer is TwiML (any status).
pub fn is_twiml(r: &Resp) -> bool {
    r.header("content-type")
        .is_some_and(|c| c.starts_with("text/xml"))
        && r.body.starts_with("<?xml")
        && r.body.contains("<Response")
}

/// Runs a command with `lines` on its standard input; asserts success and
/// returns its standard output (the caller scripts of `simulate-call`).
pub fn run_with_input(mut cmd: Command, lines: &[&str]) -> String {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.join("\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
