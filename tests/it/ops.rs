//! Operating the node: zero-config start, restart, `config check`, graceful
//! shutdown, migrations, and backup/restore while serving. These run the real
//! binary as a child process.

use crate::common::*;
use serde_json::json;
use std::path::Path;
use std::process::Stdio;

fn post_json(base: &Proc, path: &str, token: Option<&str>, body: &serde_json::Value) -> Resp {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut h: Vec<(&str, &str)> = vec![("content-type", "application/json")];
    if let Some(b) = &bearer {
        h.push(("authorization", b));
    }
    request(
        &agent(),
        "POST",
        &base.url(path),
        &h,
        Some(&serde_json::to_vec(body).unwrap()),
    )
}

#[test]
fn zero_config_start_creates_everything_and_restart_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::serve(bare_command(dir.path()));
    let data = dir.path().join("ringlypro-data");
    assert!(data.join("ringlypro.db").is_file(), "database created");
    let secret_file = data.join("jwt_secret");
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    assert_eq!(secret.trim().len(), 64, "256-bit secret, hex");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret_file)
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
    assert!(
        p.log_text().contains("RinglyPro is ready: open http://"),
        "{}",
        p.log_text()
    );
    let h = request(&agent(), "GET", &p.url("/health"), &[], None);
    assert_eq!(h.status, 200);
    let hv = h.json();
    assert_eq!(hv["database"]["status"], "ok");
    assert_eq!(hv["providers"]["twilio"], false);
    assert!(
        hv["webhooks"]["twilioSignatures"]
            .as_str()
            .unwrap()
            .starts_with("loopback-only")
    );
    assert!(!h.body.contains(secret.trim()));

    let r = post_json(
        &p,
        "/api/auth/register",
        None,
        &register_body("zero@example.com", "a good passphrase"),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(p.terminate(), 0, "SIGTERM exits 0");
    assert!(
        std::fs::metadata(data.join("ringlypro.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0)
            == 0,
        "the WAL is checkpointed at shutdown"
    );

    let p2 = Proc::serve(bare_command(dir.path()));
    assert_eq!(
        std::fs::read_to_string(&secret_file).unwrap(),
        secret,
        "the secret is kept"
    );
    let prof = request(
        &agent(),
        "GET",
        &p2.url("/api/auth/profile"),
        &[("authorization", &format!("Bearer {token}"))],
        None,
    );
    assert_eq!(
        prof.status, 200,
        "sessions survive a restart: {}",
        prof.body
    );
    let login = post_json(
        &p2,
        "/api/auth/login",
        None,
        &json!({"email": "zero@example.com", "password": "a good passphrase"}),
    );
    assert_eq!(login.status, 200);

    // A second server on the same database is refused with a clear reason.
    let mut second = command(dir.path());
    second
        .arg("serve")
        .env("PORT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let out = second.output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in use by a running RinglyPro server"));
}

#[test]
fn config_check_masks_secrets_and_explains_invalid_settings() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "this-is-a-very-secret-jwt-value-0123456789";
    let out = command(dir.path())
        .args(["config", "check"])
        .env("JWT_SECRET", secret)
        .env("STRIPE_SECRET_KEY", "sk_test_supersecretvalue")
        .env("TWILIO_ACCOUNT_SID", "AC123")
        .env("TWILIO_AUTH_TOKEN", "twilio-token-secret")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for s in [secret, "sk_test_supersecretvalue", "twilio-token-secret"] {
        assert!(!stdout.contains(s), "secret {s} printed:\n{stdout}");
    }
    assert!(stdout.contains("JWT_SECRET") && stdout.contains("********"));
    assert!(
        stdout.contains("twilio on")
            && stdout.contains("stripe on")
            && stdout.contains("sendgrid off"),
        "{stdout}"
    );

    let bad = command(dir.path())
        .args(["config", "check"])
        .env("JWT_SECRET", "too-short")
        .output()
        .unwrap();
    assert_ne!(bad.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at least 32 bytes"));

    let pg = command(dir.path())
        .args(["config", "check"])
        .env("DATABASE_URL", "postgres://u:p@localhost/db")
        .output()
        .unwrap();
    assert_ne!(pg.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&pg.stderr).contains("embedded SQLite"));

    // serve refuses the same way (never silently ignored).
    let serve = command(dir.path())
        .arg("serve")
        .env("DATABASE_URL", "postgresql://x/y")
        .output()
        .unwrap();
    assert_ne!(serve.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&serve.stderr).contains("embedded SQLite"));

    // A TOML file works and the environment overrides it.
    let f = dir.path().join("ringlypro.toml");
    std::fs::write(&f, "port = 4444\nfrom_email = \"file@example.com\"\n").unwrap();
    let out = command(dir.path())
        .args(["--config", f.to_str().unwrap(), "config", "check"])
        .env("PORT", "5555")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("5555") && stdout.contains("file@example.com") && !stdout.contains("4444"),
        "{stdout}"
    );
}

#[test]
fn migrations_apply_to_an_empty_file_and_rerun_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    std::fs::write(&db, b"").unwrap();
    let url = format!("sqlite:{}", db.display());
    let first = command(dir.path())
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("applied V1__initial_schema"));
    let second = command(dir.path())
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(second.status.success());
    let latest = ringlypro::db::latest_schema_version();
    assert!(
        String::from_utf8_lossy(&second.stdout)
            .contains(&format!("up to date (schema version {latest})"))
    );
    let conn = ringlypro::db::open_connection(&db).unwrap();
    for table in [
        "users",
        "clients",
        "contacts",
        "appointments",
        "calls",
        "messages",
        "credit_accounts",
        "credit_ledger",
        "call_sessions",
        "webhook_events",
        "outbox",
        "password_reset_tokens",
        "sms_opt_outs",
    ] {
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "table {table}");
    }
    // The partial unique index lets a cancelled slot be booked again, but not twice.
    conn.execute_batch(
        "INSERT INTO clients (id, business_name, business_phone, created_at, updated_at) VALUES (1, 'B', '+15552120987', 't', 't');
         INSERT INTO appointments (client_id, customer_name, customer_phone, appointment_date, appointment_time, timezone, starts_at, confirmation_code, status, created_at, updated_at)
           VALUES (1, 'A', '+15552120988', '2027-01-05', '10:00', 'America/New_York', 't', 'AAA111', 'cancelled', 't', 't');
         INSERT INTO appointments (client_id, customer_name, customer_phone, appointment_date, appointment_time, timezone, starts_at, confirmation_code, created_at, updated_at)
           VALUES (1, 'B', '+15552120989', '2027-01-05', '10:00', 'America/New_York', 't', 'BBB222', 't', 't');",
    )
    .unwrap();
    let dup = conn.execute(
        "INSERT INTO appointments (client_id, customer_name, customer_phone, appointment_date, appointment_time, timezone, starts_at, confirmation_code, created_at, updated_at)
         VALUES (1, 'C', '+15552120980', '2027-01-05', '10:00', 'America/New_York', 't', 'CCC333', 't', 't')",
        [],
    );
    assert!(
        dup.is_err(),
        "two active bookings of one slot must be impossible"
    );
}

fn dump(db: &Path) -> Vec<String> {
    let conn = ringlypro::db::open_read_only(db).unwrap();
    let mut out = vec![];
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'contacts_fts%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY rowid"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let vals: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect();
                Ok(format!("{t}: {}", vals.join(" | ")))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

#[test]
fn backup_while_serving_and_writing_then_restore_gives_identical_data() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::serve(command(dir.path()));
    let base = p.base.clone();
    // Keep writing while the backup runs.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let writer = std::thread::spawn(move || {
        let a = agent();
        let mut n = 0;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            let body = serde_json::to_vec(&register_body(
                &format!("w{n}@example.com"),
                "a good passphrase",
            ))
            .unwrap();
            let r = request(
                &a,
                "POST",
                &format!("{base}/api/auth/register"),
                &[("content-type", "application/json")],
                Some(&body),
            );
            assert_eq!(r.status, 201, "{}", r.body);
            n += 1;
        }
        n
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    let during = dir.path().join("during.db");
    let out = command(dir.path())
        .args(["backup", during.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(
        written > 3,
        "the server was writing during the backup ({written} accounts)"
    );
    // The copy taken mid-write is consistent: every user has its business and credit account.
    let conn = ringlypro::db::open_read_only(&during).unwrap();
    let (users, clients, accounts): (i64, i64, i64) = conn
        .query_row("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM clients), (SELECT count(*) FROM credit_accounts)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    assert!(
        users > 0 && users == clients && clients == accounts,
        "{users} {clients} {accounts}"
    );
    drop(conn);

    // Restore refuses while the server holds the database.
    let refused = command(dir.path())
        .args(["restore", during.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("in use"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // Quiet now: a backup, restored into a fresh data dir, holds identical data.
    let quiet = dir.path().join("quiet.db");
    assert!(
        command(dir.path())
            .args(["backup", quiet.to_str().unwrap()])
            .output()
            .unwrap()
            .status
            .success()
    );
    let live_dump = dump(&dir.path().join("ringlypro-data/ringlypro.db"));
    let fresh = tempfile::tempdir().unwrap();
    let out = command(fresh.path())
        .args(["restore", quiet.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = fresh.path().join("ringlypro-data/ringlypro.db");
    assert_eq!(dump(&restored), live_dump);
    // And a server on the restored data signs in the same users.
    std::fs::copy(
        dir.path().join("ringlypro-data/jwt_secret"),
        fresh.path().join("ringlypro-data/jwt_secret"),
    )
    .unwrap();
    drop(p);
    let p2 = Proc::serve(command(fresh.path()));
    let login = post_json(
        &p2,
        "/api/auth/login",
        None,
        &json!({"email": "w0@example.com", "password": "a good passphrase"}),
    );
    assert_eq!(login.status, 200, "{}", login.body);

    // A file that is not a RinglyPro database is refused before anything changes.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let out = command(dir.path())
        .args(["restore", junk.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a SQLite database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn admin_cli_manages_tenants_and_users_without_passwords_on_argv() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| command(dir.path()).args(args).output().unwrap();
    let out = run(&[
        "tenant",
        "create",
        "--name",
        "Bright Smiles",
        "--phone",
        "555-212-0987",
        "--number",
        "+1 (555) 300-4000",
        "--timezone",
        "America/Denver",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let list = String::from_utf8_lossy(&run(&["tenant", "list"]).stdout).to_string();
    assert!(
        list.contains("Bright Smiles") && list.contains("+15553004000"),
        "{list}"
    );
    let dup = run(&[
        "tenant",
        "create",
        "--name",
        "Other",
        "--phone",
        "5552120987",
        "--number",
        "5553004000",
    ]);
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already attached"));
    assert!(
        run(&["tenant", "set-number", &id, "555-300-4001"])
            .status
            .success()
    );
    assert!(run(&["tenant", "disable", &id]).status.success());
    let show: serde_json::Value =
        serde_json::from_slice(&run(&["tenant", "show", &id]).stdout).unwrap();
    assert_eq!(show["ringlyproNumber"], "+15553004001");
    assert_eq!(show["active"], false);
    assert!(run(&["tenant", "enable", &id]).status.success());
    assert!(!run(&["tenant", "show", "999"]).status.success());

    // Password from stdin, never argv.
    let mut child = command(dir.path())
        .args([
            "user",
            "create",
            "--tenant",
            &id,
            "--email",
            "owner@smiles.example",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a stdin passphrase\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let link = run(&["user", "reset-password", "owner@smiles.example"]);
    let text = String::from_utf8_lossy(&link.stdout);
    assert!(text.contains("/reset-password?token="), "{text}");

    // The user can sign in on a server over the same data.
    let p = Proc::serve(command(dir.path()));
    let login = post_json(
        &p,
        "/api/auth/login",
        None,
        &json!({"email": "owner@smiles.example", "password": "a stdin passphrase"}),
    );
    assert_eq!(login.status, 200, "{}", login.body);
    assert_eq!(
        login.json()["data"]["client"]["businessName"],
        "Bright Smiles"
    );
    let help = run(&["tenant", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("set-number"));
}
