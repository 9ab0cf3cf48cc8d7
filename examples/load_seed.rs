//! Seeds a data directory for the load benchmark through the product's own
//! code: one business with a Twilio number and all-day hours, an owner account,
//! N contacts and M appointments. Run:
//! `cargo run --release --example load_seed -- DATA_DIR CONTACTS APPOINTMENTS`.

use ringlypro::booking;
use ringlypro::db;
use ringlypro::domain::{E164, Email};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "load-data".into()));
    let contacts: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let appointments: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    std::fs::create_dir_all(&dir)?;
    let mut conn = db::open_connection(&dir.join("ringlypro.db"))?;
    db::migrate(&mut conn)?;
    let now = chrono::Utc::now();
    let hasher = ringlypro::auth::password::Hasher::new(19456, 5).map_err(anyhow::Error::msg)?;
    let hash = hasher
        .hash("load test passphrase")
        .map_err(anyhow::Error::msg)?;
    let tx = conn.transaction()?;
    let client = db::clients::insert(
        &tx,
        &db::clients::NewClient {
            business_name: "Load Test Salon".into(),
            business_phone: E164::parse("5552120987").map_err(anyhow::Error::msg)?,
            business_type: None,
            website_url: None,
            timezone: "America/New_York".into(),
            owner_name: None,
            owner_email: Some("owner@load.test".into()),
            ringlypro_number: Some(E164::parse("+15553004000").map_err(anyhow::Error::msg)?),
        },
        now,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.execute(
        "UPDATE clients SET business_hours = ?2, min_notice_minutes = 0, booking_horizon_days = 730, sms_notifications = 0 WHERE id = ?1",
        rusqlite::params![client.get(), r#"{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]}"#],
    )?;
    let email = Email::parse("owner@load.test").map_err(anyhow::Error::msg)?;
    db::auth::insert(
        &tx,
        &db::auth::NewUser {
            client_id: client,
            email: &email,
            password_hash: &hash,
            first_name: Some("Load"),
            last_name: Some("Owner"),
            phone_number: None,
            role: "owner",
            language: "en",
            terms_accepted: true,
        },
        now,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit()?;
    let first = [
        "Ada", "Grace", "Alan", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "John",
    ];
    let last = [
        "Smith", "Johnson", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Taylor", "Moore",
        "Martin", "Lee", "Perez",
    ];
    let mut i = 0;
    while i < contacts {
        let tx = conn.transaction()?;
        for _ in 0..10_000.min(contacts - i) {
            let c = db::contacts::NewContact {
                first_name: first[i % first.len()].into(),
                last_name: format!("{}{}", last[(i / first.len()) % last.len()], i / 1000),
                phone: E164::parse(&format!(
                    "+1{}{:03}{:04}",
                    200 + (i / 10_000_000) % 800,
                    200 + (i / 10_000) % 800,
                    i % 10_000
                ))
                .map_err(anyhow::Error::msg)?,
                email: None,
                notes: None,
                source: "import".into(),
                language: None,
            };
            db::contacts::insert(&tx, client, &c, now).map_err(|e| anyhow::anyhow!("{e}"))?;
            i += 1;
        }
        tx.commit()?;
    }
    let tx = conn.transaction()?;
    let start = now.date_naive() + chrono::Duration::days(400);
    for k in 0..appointments {
        let day = start + chrono::Duration::days((k / 48) as i64);
        let minute = (k % 48) * 30;
        let req = booking::Request {
            customer_name: format!("Seeded {k}"),
            customer_phone: E164::parse(&format!("+1555{:07}", 3_000_000 + k))
                .map_err(anyhow::Error::msg)?,
            customer_email: None,
            date: day,
            time: chrono::NaiveTime::from_hms_opt((minute / 60) as u32, (minute % 60) as u32, 0)
                .unwrap_or_default(),
            duration: Some(30),
            purpose: None,
            notes: None,
            source: "manual".into(),
            language: None,
            call_sid: None,
            owner_override: true,
            actor: "seed".into(),
        };
        booking::book(&tx, client, &req, now)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .map_err(|r| anyhow::anyhow!("{}", r.reason))?;
    }
    tx.commit()?;
    println!(
        "seeded {} with {contacts} contacts and {appointments} appointments",
        dir.display()
    );
    Ok(())
}
