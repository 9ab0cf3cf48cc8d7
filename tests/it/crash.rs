//! Crash consistency: a real server under a booking load is killed with
//! SIGKILL at random moments and restarted, 20 times. Every booking whose
//! confirmation reached the client must exist afterwards, no slot may hold two
//! active bookings, every booking's confirmation SMS is queued exactly once,
//! and the database passes `PRAGMA integrity_check`. Also: a data directory
//! the server cannot write gives a clear error, not a panic.

use crate::common::*;
use serde_json::json;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

fn kill9(p: &mut Proc) {
    let pid = p.child.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status();
    let _ = p.child.wait();
}

#[test]
fn sigkill_under_booking_load_loses_no_confirmed_booking() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = Proc::serve(command(dir.path()));
    let r = request(
        &agent(),
        "POST",
        &p.url("/api/auth/register"),
        &[("content-type", "application/json")],
        Some(
            &serde_json::to_vec(&register_body("crash@example.com", "a good passphrase")).unwrap(),
        ),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let all_day = json!({"mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]], "wed": [["00:00", "24:00"]], "thu": [["00:00", "24:00"]], "fri": [["00:00", "24:00"]], "sat": [["00:00", "24:00"]], "sun": [["00:00", "24:00"]]});
    let auth = format!("Bearer {token}");
    let body = serde_json::to_vec(&json!({"businessHours": all_day, "minNoticeMinutes": 0, "bookingHorizonDays": 730, "appointmentDuration": 15})).unwrap();
    let r = request(
        &agent(),
        "PUT",
        &p.url("/api/client/settings"),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.body);

    let confirmed: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut next_slot = 0usize;
    let start = chrono::Utc::now().date_naive() + chrono::Duration::days(2);
    for round in 0..20 {
        let base = p.base.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let mut workers = vec![];
        for w in 0..4 {
            let (base, auth, stop, confirmed) =
                (base.clone(), auth.clone(), stop.clone(), confirmed.clone());
            let first = next_slot + w * 1000;
            workers.push(std::thread::spawn(move || {
                let a = agent();
                let mut i = first;
                while !stop.load(Ordering::Relaxed) {
                    let day = start + chrono::Duration::days((i / 96) as i64);
                    let minute = (i % 96) * 15;
                    let body = serde_json::to_vec(&json!({
                        "customerName": format!("Caller {i}"), "customerPhone": format!("+1555{:07}", 2_000_000 + i),
                        "appointmentDate": day.to_string(), "appointmentTime": format!("{:02}:{:02}", minute / 60, minute % 60)
                    }))
                    .unwrap();
                    let req = ureq::http::Request::builder()
                        .method("POST")
                        .uri(format!("{base}/api/appointments"))
                        .header("authorization", &auth)
                        .header("content-type", "application/json")
                        .body(body)
                        .unwrap();
                    // A killed server answers nothing: that booking was never confirmed.
                    if let Ok(mut res) = a.run(req)
                        && res.status().as_u16() == 201
                        && let Ok(text) = res.body_mut().read_to_string()
                        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
                        && let Some(code) = v["data"]["confirmationCode"].as_str()
                    {
                        confirmed.lock().unwrap().push(code.to_string());
                    }
                    i += 1;
                }
            }));
        }
        next_slot += 4000;
        let wait = 40 + (round * 37) % 200;
        std::thread::sleep(std::time::Duration::from_millis(wait as u64));
        kill9(&mut p);
        stop.store(true, Ordering::Relaxed);
        for w in workers {
            w.join().unwrap();
        }
        p = Proc::serve(command(dir.path()));
    }
    drop(p);
    let confirmed = confirmed.lock().unwrap().clone();
    assert!(
        confirmed.len() >= 20,
        "the load produced bookings ({})",
        confirmed.len()
    );
    let db = dir.path().join("ringlypro-data/ringlypro.db");
    let conn = ringlypro::db::open_connection(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let stored: HashSet<String> = conn
        .prepare("SELECT confirmation_code FROM appointments")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let lost: Vec<&String> = confirmed.iter().filter(|c| !stored.contains(*c)).collect();
    assert!(
        lost.is_empty(),
        "confirmed but lost after SIGKILL: {lost:?}"
    );
    let doubles: i64 = conn
        .query_row("SELECT count(*) FROM (SELECT 1 FROM appointments WHERE status = 'confirmed' GROUP BY appointment_date, appointment_time HAVING count(*) > 1)", [], |r| r.get(0))
        .unwrap();
    assert_eq!(doubles, 0);
    let unqueued: i64 = conn
        .query_row("SELECT count(*) FROM appointments a WHERE (SELECT count(*) FROM messages m WHERE m.appointment_id = a.id AND m.kind = 'confirmation') != 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        unqueued, 0,
        "every booking has exactly one confirmation SMS queued"
    );
}

#[test]
fn an_unwritable_data_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ro");
    std::fs::create_dir(&data).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o500)).unwrap();
    // Root can write anywhere, so only an unprivileged run can see the refusal.
    let running_as_root = std::fs::write(data.join("probe"), b"x").is_ok();
    if !running_as_root {
        let out = bare_command(dir.path())
            .arg("serve")
            .env("RINGLYPRO_DATA_DIR", &data)
            .env("PORT", "0")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert_ne!(out.status.code(), Some(0));
        assert!(
            err.contains("error:") && err.contains(data.to_str().unwrap()),
            "{err}"
        );
    }
    // A data "directory" that is a file fails the same clear way, as root too.
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let out = bare_command(dir.path())
        .arg("serve")
        .env("RINGLYPRO_DATA_DIR", &file)
        .env("PORT", "0")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: cannot create data directory") && !err.contains("panicked"),
        "{err}"
    );
}
