//! The dashboard in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, driven over WebDriver with fantoccini): first-run setup,
//! sign-up and first sign-in, hours and services, booking on the calendar,
//! finding the contact by search, cancelling, the top-up step, the AI switch,
//! a test call that books and shows on the calendar, and the PWA (manifest and
//! service worker) — on a desktop window and at a phone-sized viewport.
//! Screenshots of every step go to `target/e2e-screenshots/`.
//!
//! When Chromium or chromedriver is missing the test FAILS with the command to
//! run (`bash tests/run.sh` installs them); it never passes silently.

#[path = "it/common/mod.rs"]
mod common;

use common::TestServer;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One browser at a time: the machines have two cores.
static BROWSER: Mutex<()> = Mutex::new(());

const CHROMIUM: &[&str] = &["/usr/bin/chromium", "/usr/bin/chromium-browser"];

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

fn browser_paths() -> (PathBuf, PathBuf) {
    let chromium = CHROMIUM.iter().map(PathBuf::from).find(|p| p.is_file());
    let driver = find_on_path("chromedriver");
    match (chromium, driver) {
        (Some(c), Some(d)) => (c, d),
        _ => panic!(
            "The browser tests need Chromium and chromedriver (Debian packages `chromium` and \
             `chromium-driver`), which are not installed. Run the README's test command, \
             `bash tests/run.sh`, which installs them (CI does the same)."
        ),
    }
}

fn screenshots_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp; the screenshots sit beside it.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|p| p.join("e2e-screenshots"))
        .unwrap_or_else(|| PathBuf::from("target/e2e-screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start_driver(driver: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver {
        child,
        port,
        _profile: tempfile::tempdir().expect("profile dir"),
    }
}

async fn browser(d: &Driver, chromium: &Path, width: u32, height: u32) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--lang=en-US",
                format!("--user-data-dir={}", d._profile.path().display()),
                format!("--window-size={width},{height}"),
            ],
        }),
    );
    caps.insert("unhandledPromptBehavior".into(), json!("ignore"));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let c = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", d.port))
        .await
        .expect("a Chromium session");
    c.set_window_size(width, height).await.ok();
    c
}

/// A browser session on a server, with the helpers a person's actions need.
struct Ui {
    c: Client,
    base: String,
    shots: PathBuf,
    tag: &'static str,
    n: u32,
}

impl Ui {
    async fn go(&self, path: &str) {
        self.c
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    async fn shot(&mut self, name: &str) {
        self.n += 1;
        let png = self.c.screenshot().await.expect("screenshot");
        let f = self
            .shots
            .join(format!("{}-{:02}-{name}.png", self.tag, self.n));
        std::fs::write(&f, png).expect("write screenshot");
    }

    /// The visible text of the page ("" while a navigation is under way).
    async fn body(&self) -> String {
        match self.c.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page shows `text` (anywhere in the body).
    async fn see(&mut self, text: &str) {
        let t0 = Instant::now();
        loop {
            if self.body().await.contains(text) {
                return;
            }
            if t0.elapsed() > Duration::from_secs(15) {
                self.shot("FAILED").await;
                panic!(
                    "the page never showed {text:?}; it shows:\n{}",
                    self.body().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn path(&self) -> String {
        self.c
            .current_url()
            .await
            .map(|u| u.path().to_string())
            .unwrap_or_default()
    }

    async fn fill(&self, css: &str, value: &str) {
        let t0 = Instant::now();
        loop {
            if let Ok(e) = self.c.find(Locator::Css(css)).await
                && e.clear().await.is_ok()
                && e.send_keys(value).await.is_ok()
            {
                return;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "could not type into {css}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the first element matching `css`, again if the page swapped it
    /// out between finding and clicking (htmx updates, navigations).
    async fn click(&self, css: &str) {
        let t0 = Instant::now();
        loop {
            let err = match self.c.find(Locator::Css(css)).await {
                Ok(e) => match e.click().await {
                    Ok(()) => return,
                    Err(e) => e.to_string(),
                },
                Err(e) => e.to_string(),
            };
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "could not click {css}: {err}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the submit button of the form that posts to `action`.
    async fn submit(&self, action: &str) {
        self.click(&format!("form[action^='{action}'] button[type=submit]"))
            .await;
    }

    async fn script(&self, js: &str) -> Value {
        self.c.execute(js, vec![]).await.expect("script runs")
    }
}

/// Monday 2027-03-01, 09:00 in Chicago.
const NOW: &str = "2027-03-01T15:00:00Z";
const TOMORROW: &str = "2027-03-02";

async fn whole_flow(ui: &mut Ui, setup_token: &str) {
    // First run: `/` leads to setup, which needs the token from the server's log.
    ui.go("/").await;
    assert_eq!(ui.path().await, "/setup");
    ui.shot("setup").await;
    ui.fill("#f-setupToken", "not-the-token").await;
    ui.fill("#f-businessName", "Front Desk Admin").await;
    ui.fill("#f-businessPhone", "555-212-0000").await;
    ui.fill("#f-email", "admin@example.com").await;
    ui.fill("#f-password", "a good passphrase").await;
    ui.click("#f-termsAccepted").await;
    ui.submit("/setup").await;
    ui.see("not this server's setup token").await;
    ui.fill("#f-setupToken", setup_token).await;
    ui.fill("#f-password", "a good passphrase").await;
    ui.submit("/setup").await;
    ui.see("Hello").await;
    ui.submit("/logout").await;
    ui.see("Sign in").await;

    // Sign up a business, sign out, and sign in for the first time.
    ui.go("/signup").await;
    ui.fill("#f-businessName", "Sunrise Dental").await;
    ui.fill("#f-businessPhone", "(555) 212-0987").await;
    let tz = ui
        .script("return document.getElementById('f-timezone').value")
        .await;
    assert!(
        tz.as_str().is_some_and(|z| !z.is_empty()),
        "the browser's time zone is filled in"
    );
    ui.fill("#f-timezone", "America/Chicago").await;
    ui.fill("#f-firstName", "Rosa").await;
    ui.fill("#f-email", "rosa@example.com").await;
    ui.fill("#f-password", "short").await;
    ui.click("#f-termsAccepted").await;
    ui.submit("/signup").await;
    ui.see("at least 10 characters").await;
    ui.shot("signup-error").await;
    ui.fill("#f-password", "sunrise smiles every day").await;
    ui.submit("/signup").await;
    ui.see("Welcome to RinglyPro").await;
    ui.submit("/logout").await;
    ui.see("Sign in").await;
    ui.go("/calendar").await;
    assert_eq!(
        ui.path().await,
        "/login",
        "signed out: pages lead to sign-in"
    );
    ui.fill("#f-email", "rosa@example.com").await;
    ui.fill("#f-password", "sunrise smiles every day").await;
    ui.submit("/login").await;
    ui.see("Click a free time").await;
    assert_eq!(
        ui.path().await,
        "/calendar",
        "back where the owner wanted to go"
    );
    ui.go("/").await;
    ui.see("Hello, Rosa").await;
    ui.shot("today").await;

    // Hours (two ranges on weekdays) and services with prices.
    ui.go("/settings").await;
    for d in ["mon", "tue", "wed", "thu", "fri"] {
        ui.fill(&format!("#f-hours-{d}"), "09:00-12:00, 13:00-17:00")
            .await;
    }
    ui.fill("#f-hours-sat", "10:00-14:00").await;
    ui.submit("/settings/hours").await;
    ui.see("Saved").await;
    ui.fill("#f-svc-name-0", "Cleaning").await;
    ui.fill("#f-svc-price-0", "80").await;
    ui.fill("#f-svc-name-1", "Whitening").await;
    ui.fill("#f-svc-price-1", "150.50").await;
    ui.submit("/settings/services").await;
    ui.see("Saved").await;
    let v = ui
        .script("return document.getElementById('f-svc-price-1').value")
        .await;
    assert_eq!(v, json!("150.50"));
    ui.shot("settings").await;

    // Book on the calendar: click tomorrow's 11:00 slot.
    ui.go(&format!("/calendar?date={TOMORROW}")).await;
    ui.shot("calendar-week").await;
    ui.click(&format!("a.slot[href*='date={TOMORROW}&time=11:00']"))
        .await;
    ui.see("New appointment").await;
    ui.fill("#f-customerName", "<img src=x onerror=alert(1)> Ada")
        .await;
    ui.fill("#f-customerPhone", "555-555-0123").await;
    ui.submit("/calendar/appointments").await;
    ui.see("Appointment booked").await;
    ui.see("<img src=x onerror=alert(1)> Ada").await;
    let imgs = ui
        .script("return document.querySelectorAll('main img').length")
        .await;
    assert_eq!(imgs, json!(0), "a customer's name is text, never markup");
    ui.shot("calendar-booked").await;

    // Find the contact by search (htmx, as you type) and cancel the appointment.
    ui.go("/contacts").await;
    ui.fill("#f-q", "Ada").await;
    let t0 = Instant::now();
    while !ui.path().await.contains("/contacts") || !ui.body().await.contains("1 match") {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "search results: {}",
            ui.body().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ui.shot("contacts-search").await;
    ui.click("#results td a").await;
    ui.see("Timeline").await;
    ui.click("a[href^='/calendar/appointments/']").await;
    ui.see("Cancel appointment").await;
    ui.click("form[action$='/cancel'] button").await;
    // The confirmation dialog.
    let t0 = Instant::now();
    loop {
        if ui.c.accept_alert().await.is_ok() {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "no confirmation dialog"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ui.see("Appointment cancelled").await;
    ui.see("Cancelled").await;
    ui.shot("cancelled").await;

    // The top-up step.
    ui.go("/billing").await;
    ui.see("Add credit").await;
    ui.submit("/billing/top-up").await;
    ui.see("Top-ups are not configured").await;
    ui.shot("billing").await;

    // The AI switch, off and on again (htmx swaps it in place).
    ui.go("/").await;
    ui.click("#ai button").await;
    ui.see("Calls go to forwarding or voicemail").await;
    ui.click("#ai button").await;
    ui.see("Rachel and Lina answer your calls").await;

    // A test call that books an appointment.
    ui.go("/test-call").await;
    ui.c.find(Locator::Css("#f-language"))
        .await
        .expect("language")
        .select_by_value("en")
        .await
        .expect("choose English");
    ui.submit("/test-call/start").await;
    ui.see("How can I help").await;
    for (line, reply) in [
        ("I'd like to book a cleaning tomorrow at 10 am", "name"),
        ("Grace Hopper", "5 5 5"),
        ("Yes", "Grace Hopper"),
        ("Yes please", "all set"),
    ] {
        ui.fill("#say", line).await;
        ui.click("#call-panel form[action='/test-call/say'] button[type=submit]")
            .await;
        ui.see(reply).await;
    }
    ui.see("Booked for real").await;
    ui.shot("test-call").await;
    ui.click("#call-panel .flash a").await;
    ui.see("Grace Hopper").await;
    let title = ui
        .script("return document.querySelector('a.appt').title")
        .await;
    assert_eq!(title, json!("10:00 Grace Hopper"));
    ui.shot("calendar-after-test-call").await;

    // The PWA: manifest linked and valid, service worker registered and active.
    let manifest = ui
        .c
        .execute_async(
            "const done = arguments[0]; fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json()).then(done, e => done(String(e)));",
            vec![],
        )
        .await
        .expect("manifest");
    assert_eq!(manifest["display"], "standalone", "{manifest}");
    assert!(
        manifest["icons"].as_array().is_some_and(|i| i.len() == 3),
        "{manifest}"
    );
    let sw = ui
        .c
        .execute_async(
            "const done = arguments[0]; navigator.serviceWorker.ready.then(r => done(r.active ? r.active.scriptURL : 'none'), e => done(String(e)));",
            vec![],
        )
        .await
        .expect("service worker");
    assert!(
        sw.as_str()
            .is_some_and(|u| u.ends_with("/service-worker.js")),
        "{sw}"
    );
    // Nothing broke the CSP along the way (no inline script or style refused).
    let csp = ui.script("return window.__cspViolations || 0").await;
    assert_eq!(csp, json!(0));
}

fn run(tag: &'static str, width: u32, height: u32) {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (chromium, driver_bin) = browser_paths();
    let s = TestServer::start();
    s.clock.set(
        chrono::DateTime::parse_from_rfc3339(NOW)
            .expect("time")
            .with_timezone(&chrono::Utc),
    );
    let token = s
        .running
        .setup_token
        .clone()
        .expect("a fresh server has a setup token");
    let driver = start_driver(&driver_bin);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let c = browser(&driver, &chromium, width, height).await;
        let mut ui = Ui {
            c,
            base: s.url(""),
            shots: screenshots_dir(),
            tag,
            n: 0,
        };
        whole_flow(&mut ui, &token).await;
        ui.c.close().await.ok();
    });
}

#[test]
fn desktop_owner_runs_the_business_from_the_browser() {
    run("desktop", 1280, 900);
}

#[test]
fn phone_owner_runs_the_business_from_the_browser() {
    run("phone", 390, 844);
}
