//! Moving a business between nodes with `tenant export` / `tenant import`
//! (the real binary): everything it had — contacts, calendar, calls with
//! their turns, messages, credits — is identical on the new node, search
//! works there, its owner can sign in, and conflicting or damaged imports are
//! refused without changing anything.

use crate::common::fake_twilio::FakeTwilio;
use crate::common::*;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::path::{Path, PathBuf};

const NUMBER: &str = "+15554001000";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn cli(data_dir: &Path, args: &[&str]) -> std::process::Output {
    bare_command(data_dir)
        .env("RINGLYPRO_DATA_DIR", data_dir)
        .args(args)
        .output()
        .unwrap()
}

/// Every row of the tenant in every exported table, as text, table by table.
fn snapshot(db: &Path, tenant: i64) -> Vec<(String, Vec<String>)> {
    let conn = ringlypro::db::open_read_only(db).unwrap();
    let specs = ringlypro::db::transfer::tenant_tables(&conn).unwrap();
    specs
        .iter()
        .map(|spec| {
            let filter = match spec.scope {
                ringlypro::db::transfer::Scope::Tenant => "id = ?1",
                ringlypro::db::transfer::Scope::ClientId => "client_id = ?1",
                ringlypro::db::transfer::Scope::Users => {
                    "user_id IN (SELECT id FROM users WHERE client_id = ?1)"
                }
            };
            let sql = format!("SELECT * FROM {} WHERE {filter} ORDER BY rowid", spec.name);
            let mut st = conn.prepare(&sql).unwrap();
            let n = st.column_count();
            let rows = st
                .query_map([tenant], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join(" | "))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (spec.name.clone(), rows)
        })
        .collect()
}

fn rows_of<'a>(snap: &'a [(String, Vec<String>)], table: &str) -> &'a [String] {
    &snap.iter().find(|(t, _)| t == table).unwrap().1
}

#[test]
fn a_tenant_moves_to_another_node_with_everything_identical() {
    let fake = FakeTwilio::start();
    let a = TestServer::with_twilio(&fake, 0);
    a.clock.set(at("2027-01-04T15:00:00Z"));
    // Another business shares the node; its rows must stay behind.
    let other = a.register("other@example.com");
    let ot = Some(other.token.as_str());
    for i in 0..3 {
        let r = a.post(
            "/api/contacts",
            ot,
            &json!({"firstName": format!("Other{i}"), "phone": format!("555-310-{i:04}")}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let moving = a.register("moving@example.com");
    let t = Some(moving.token.as_str());
    let id = moving.client_id;
    a.set_number(id, NUMBER);
    for (first, last, phone) in [
        ("Ada", "Lovelace", "555-212-0987"),
        ("Grace", "Hopper", "555-212-0988"),
        ("Inés", "Peña", "555-212-0989"),
    ] {
        let r = a.post(
            "/api/contacts",
            t,
            &json!({"firstName": first, "lastName": last, "phone": phone, "notes": "Prefers mornings"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    for (name, phone, time) in [
        ("Ada Lovelace", "555-212-0987", "10:00"),
        ("Grace Hopper", "555-212-0988", "11:00"),
    ] {
        let r = a.post(
            "/api/appointments",
            t,
            &json!({"customerName": name, "customerPhone": phone, "appointmentDate": "2027-01-05", "appointmentTime": time, "purpose": "Cleaning"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // A call with turns, its completion, and an inbound text.
    let call = [
        ("CallSid", "CAmove000000000000000000000000001"),
        ("From", "+15552120987"),
        ("To", NUMBER),
    ];
    let r = a.twilio_post("/voice/rachel/", &call);
    assert_eq!(r.status, 200, "{}", r.body);
    let mut turn = call.to_vec();
    turn.push(("Digits", "1"));
    let r = a.twilio_post("/voice/gather?turn=2", &turn);
    assert_eq!(r.status, 200, "{}", r.body);
    let r = a.twilio_post(
        "/webhook/twilio/status",
        &[
            ("CallSid", "CAmove000000000000000000000000001"),
            ("CallStatus", "completed"),
            ("CallDuration", "95"),
            ("From", "+15552120987"),
            ("To", NUMBER),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = a.twilio_post(
        "/webhook/twilio/sms",
        &[
            ("MessageSid", "SMmove000000000000000000000000001"),
            ("From", "+15552120988"),
            ("To", NUMBER),
            ("Body", "See you tomorrow ✂️"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // Credits: an account, a payment and its ledger (billing writes these).
    a.sql(|c| {
        c.execute_batch(&format!(
            "INSERT INTO credit_accounts (client_id, balance_cents, free_minutes_used, created_at, updated_at)
                 VALUES ({id}, 1842, 12, '2027-01-04T15:00:00Z', '2027-01-04T15:00:00Z')
                 ON CONFLICT (client_id) DO UPDATE SET balance_cents = 1842, free_minutes_used = 12;
             INSERT INTO payments (client_id, kind, payment_intent_id, amount_cents, status, idempotency_key, created_at, updated_at)
                 VALUES ({id}, 'checkout', 'pi_move_1', 2000, 'succeeded', 'pay-move-1', '2027-01-04T15:00:00Z', '2027-01-04T15:00:00Z');
             INSERT INTO credit_ledger (client_id, kind, amount_cents, balance_after_cents, payment_id, description, idempotency_key, created_at)
                 VALUES ({id}, 'payment', 2000, 2000, last_insert_rowid(), 'Top-up', 'ledger-move-1', '2027-01-04T15:00:00Z');
             INSERT INTO credit_ledger (client_id, kind, amount_cents, balance_after_cents, minutes, free_minutes, paid_minutes, call_sid, description, idempotency_key, created_at)
                 VALUES ({id}, 'usage', -158, 1842, 2, 0, 2, 'CAmove000000000000000000000000001', 'Call 1:35', 'ledger-move-2', '2027-01-04T15:05:00Z');"
        ))
        .unwrap()
    });
    let source_db = a.running.state.config.database_path.clone();
    let before = snapshot(&source_db, id);
    for table in [
        "contacts",
        "appointments",
        "appointment_history",
        "calls",
        "call_turns",
        "messages",
        "credit_ledger",
        "payments",
        "users",
    ] {
        assert!(!rows_of(&before, table).is_empty(), "test data has {table}");
    }
    // The two rows written above, and the charge billing made for the completed call.
    assert_eq!(rows_of(&before, "credit_ledger").len(), 3);

    // Export while the node runs.
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("moving.jsonl");
    let out = cli(
        a.dir.path(),
        &[
            "tenant",
            "export",
            &id.to_string(),
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["format"], "ringlypro-tenant");
    assert_eq!(header["version"], 1);
    assert_eq!(header["tenantId"], id);
    assert!(
        !text.contains("Other0"),
        "another tenant's rows leaked into the export"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "exports hold password hashes");
    }

    // Import into a fresh node: identical rows, table by table.
    let c_dir = tempfile::tempdir().unwrap();
    let out = cli(c_dir.path(), &["tenant", "import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let target_db: PathBuf = c_dir.path().join("ringlypro.db");
    let after = snapshot(&target_db, id);
    for ((t1, r1), (t2, r2)) in before.iter().zip(after.iter()) {
        assert_eq!(t1, t2);
        assert_eq!(r1, r2, "{t1} differs after the move");
    }
    assert_eq!(before.len(), after.len());

    // Importing again, or back into a node that has it, is refused and changes nothing.
    let again = cli(c_dir.path(), &["tenant", "import", file.to_str().unwrap()]);
    assert!(!again.status.success());
    let msg = String::from_utf8_lossy(&again.stderr);
    assert!(
        msg.contains(&format!("already has a business with id {id}")),
        "{msg}"
    );
    assert_eq!(snapshot(&target_db, id), after);
    // A node where the owner's email is taken: refused, naming the email.
    let e_dir = tempfile::tempdir().unwrap();
    let e = TestServer::start_with(|c| {
        c.data_dir = e_dir.path().to_path_buf();
        c.database_path = e_dir.path().join("ringlypro.db");
    });
    e.register("moving@example.com");
    let out = cli(e_dir.path(), &["tenant", "import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(
        msg.contains("moving@example.com is already registered")
            && msg.contains("nothing was imported"),
        "{msg}"
    );
    let n: i64 = e.scalar("SELECT count(*) FROM clients", []);
    assert_eq!(n, 1);
    drop(e);
    // A file cut short is refused.
    let cut = work.path().join("cut.jsonl");
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&cut, lines[..lines.len() - 1].join("\n")).unwrap();
    let d_dir = tempfile::tempdir().unwrap();
    let out = cli(d_dir.path(), &["tenant", "import", cut.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("incomplete"));

    // The business works on its new node: its owner signs in, search finds contacts.
    drop(a);
    let c = TestServer::start_with(|cfg| {
        cfg.data_dir = c_dir.path().to_path_buf();
        cfg.database_path = target_db.clone();
    });
    let token = c.login("moving@example.com");
    let found = c.get("/api/contacts?search=hopper", Some(&token)).json();
    assert_eq!(found["data"]["pagination"]["totalContacts"], 1, "{found}");
    let all = c.get("/api/contacts", Some(&token)).json();
    assert_eq!(all["data"]["pagination"]["totalContacts"], 3, "{all}");
    let calls = c.get("/api/calls", Some(&token)).json();
    assert_eq!(
        calls["data"]["calls"].as_array().unwrap().len(),
        1,
        "{calls}"
    );
}
