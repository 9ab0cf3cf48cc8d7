//! Server time per voice turn: starts the real server in-process (release
//! build), places N scripted booking calls through the webhooks exactly as
//! Twilio would (loopback, zero-config), then reads the per-turn server time
//! the engine records in `call_turns` and prints p50/p90/p99 per step kind.
//! Run: `cargo bench --bench voice_turns` (`RINGLYPRO_BENCH_CALLS=200` default).

use std::time::Instant;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let quick = !std::env::args().any(|a| a == "--bench");
    let calls: usize = if quick {
        3
    } else {
        std::env::var("RINGLYPRO_BENCH_CALLS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(200)
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = ringlypro::config::Config::for_data_dir(dir.path());
    cfg.port = 0;
    cfg.outbox_poll_ms = 0;
    {
        std::fs::create_dir_all(dir.path()).expect("dir");
        let mut conn = ringlypro::db::open_connection(&cfg.database_path).expect("open");
        ringlypro::db::migrate(&mut conn).expect("migrate");
        let tx = conn.transaction().expect("tx");
        let c = ringlypro::db::clients::insert(
            &tx,
            &ringlypro::db::clients::NewClient {
                business_name: "Bench Salon".into(),
                business_phone: ringlypro::domain::E164::parse("5552120987").expect("phone"),
                business_type: None,
                website_url: None,
                timezone: "America/New_York".into(),
                owner_name: None,
                owner_email: None,
                ringlypro_number: Some(
                    ringlypro::domain::E164::parse("+15553004000").expect("number"),
                ),
            },
            chrono::Utc::now(),
        )
        .expect("client");
        // Open every day, all day, so every scripted slot is bookable.
        tx.execute(
            "UPDATE clients SET business_hours = ?2, min_notice_minutes = 0, booking_horizon_days = 730 WHERE id = ?1",
            rusqlite::params![c.get(), r#"{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]}"#],
        )
        .expect("hours");
        tx.commit().expect("commit");
    }
    let running =
        ringlypro::app::Running::start(cfg, std::sync::Arc::new(ringlypro::clock::SystemClock))
            .expect("server");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let post = |path: &str, params: &[(&str, &str)]| -> String {
        let body: String = params
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('+', "%2B").replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        let mut r = agent
            .post(&running.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .send(body)
            .expect("post");
        r.body_mut().read_to_string().expect("body")
    };
    let action = |xml: &str| -> String {
        let i = xml.find(" action=\"").map(|i| i + 9).unwrap_or(0);
        xml[i..]
            .split('"')
            .next()
            .unwrap_or("/voice/gather")
            .replace("&amp;", "&")
    };
    let t0 = Instant::now();
    let mut booked = 0;
    for i in 0..calls {
        let sid = format!("CAbench{i:08}");
        let from = format!("+1555555{:04}", i % 10_000);
        let base = [
            ("CallSid", sid.as_str()),
            ("From", from.as_str()),
            ("To", "+15553004000"),
        ];
        let mut xml = post("/voice/rachel/", &base);
        let day = 1 + i / 48;
        let hour = (i % 48) / 2;
        let minute = if i % 2 == 0 { "00" } else { "30" };
        let when = format!("I'd like to book an appointment in {day} days at {hour}:{minute}");
        let lines: Vec<(&str, String)> = vec![
            ("Digits", "1".into()),
            ("SpeechResult", when),
            ("SpeechResult", "My name is Ada Lovelace".into()),
            ("SpeechResult", "yes".into()),
            ("SpeechResult", "yes".into()),
            ("SpeechResult", "no thanks".into()),
        ];
        for (k, v) in lines {
            let mut p = base.to_vec();
            p.push((k, v.as_str()));
            xml = post(&action(&xml), &p);
        }
        if xml.contains("Hangup") {
            booked += 1;
        }
    }
    let wall = t0.elapsed();
    let conn = ringlypro::db::open_read_only(&running.state.config.database_path).expect("reader");
    let mut stmt = conn
        .prepare("SELECT state, server_ms FROM call_turns")
        .expect("prepare");
    let rows: Vec<(String, f64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    let appts: i64 = conn
        .query_row("SELECT count(*) FROM appointments", [], |r| r.get(0))
        .expect("count");
    let pct = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
    };
    let mut all: Vec<f64> = rows.iter().map(|r| r.1).collect();
    println!(
        "{calls} calls, {} turns in {:.1} s wall; {booked} calls ended normally, {appts} appointments booked",
        all.len(),
        wall.as_secs_f64()
    );
    println!(
        "server time per turn: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms",
        pct(&mut all, 0.5),
        pct(&mut all, 0.9),
        pct(&mut all, 0.99)
    );
    let mut kinds: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    kinds.sort();
    kinds.dedup();
    for k in kinds {
        let mut v: Vec<f64> = rows.iter().filter(|r| r.0 == k).map(|r| r.1).collect();
        println!(
            "  after {k:<20} n={:<5} p50 {:.2} ms  p99 {:.2} ms",
            v.len(),
            pct(&mut v, 0.5),
            pct(&mut v, 0.99)
        );
    }
}
