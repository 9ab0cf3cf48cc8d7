//! Contact search at scale: seeds a fresh database with N contacts (default
//! 1,000,000) through the product's own insert code (FTS triggers included),
//! then times the same search the API runs (`db::contacts::list` with a search
//! term, page of 50, total count) for a mix of name, email and phone queries,
//! and prints p50/p90/p99. Run: `cargo bench --bench contacts_search`
//! (`RINGLYPRO_BENCH_CONTACTS=100000` for a quicker run).

use ringlypro::db::contacts::{self, ListQuery, NewContact, SortBy};
use ringlypro::domain::{ClientId, E164, Email};
use std::time::{Duration, Instant};

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "John",
    "Radia",
    "Tim",
    "Hedy",
    "Edsger",
    "Katherine",
    "Donald",
    "Mary",
    "Niklaus",
    "Sophie",
    "Guido",
    "Inés",
    "Ramón",
    "Lucía",
    "José",
    "María",
    "Carmen",
    "Jorge",
    "Elena",
    "Pablo",
    "Sofía",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
];

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("RINGLYPRO_BENCH_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { n.min(2_000) } else { n };
    let dir = tempfile::tempdir().expect("tempdir");
    // RINGLYPRO_BENCH_DB keeps the seeded database between runs (seeding 1 M takes a while).
    let keep = std::env::var("RINGLYPRO_BENCH_DB").ok().filter(|_| !quick);
    let path = keep
        .clone()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    let reuse = keep.is_some() && path.exists();
    let mut conn = ringlypro::db::open_connection(&path).expect("open");
    ringlypro::db::migrate(&mut conn).expect("migrate");
    let now = chrono::Utc::now();
    let client = if reuse {
        ClientId::from_trusted(
            conn.query_row("SELECT min(id) FROM clients", [], |r| r.get(0))
                .expect("client"),
        )
    } else {
        let tx = conn.transaction().expect("tx");
        let c = ringlypro::db::clients::insert(
            &tx,
            &ringlypro::db::clients::NewClient {
                business_name: "Bench".into(),
                business_phone: E164::parse("5552120987").expect("phone"),
                business_type: None,
                website_url: None,
                timezone: "America/New_York".into(),
                owner_name: None,
                owner_email: None,
                ringlypro_number: None,
            },
            now,
        )
        .expect("client");
        tx.commit().expect("commit");
        c
    };
    let t0 = Instant::now();
    let mut i = if reuse { n } else { 0usize };
    while i < n {
        let tx = conn.transaction().expect("tx");
        for _ in 0..10_000.min(n - i) {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len()) % LAST.len()];
            let phone = format!(
                "+1{}{:03}{:04}",
                200 + (i / 10_000_000) % 800,
                200 + (i / 10_000) % 800,
                i % 10_000
            );
            let c = NewContact {
                first_name: first.into(),
                last_name: format!("{last}{}", if i.is_multiple_of(7) { "-Ortiz" } else { "" }),
                phone: E164::parse(&phone).expect("phone"),
                email: Email::parse(&format!(
                    "{}.{}{}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    i
                ))
                .ok(),
                notes: i
                    .is_multiple_of(5)
                    .then(|| "prefers mornings, referred by a friend".to_string()),
                source: "import".into(),
                language: None,
            };
            contacts::insert(&tx, client, &c, now).expect("insert");
            i += 1;
        }
        tx.commit().expect("commit");
    }
    let seed = t0.elapsed();
    let queries = [
        "smith",
        "Garcia",
        "ada",
        "maría lópez",
        "margaret.king",
        "555-212",
        "2120987",
        "0042",
        "mornings",
        "Hernandez-Ortiz",
        "zzzz",
        "tim rob",
    ];
    let conn = ringlypro::db::open_read_only(&path).expect("reader");
    let rounds = if quick { 5 } else { 200 };
    let mut times: Vec<Duration> = Vec::with_capacity(queries.len() * rounds);
    let mut hits = 0i64;
    let mut per_query: Vec<(&str, Duration, i64)> =
        queries.iter().map(|q| (*q, Duration::ZERO, 0)).collect();
    for _ in 0..rounds {
        for (k, q) in queries.iter().enumerate() {
            let lq = ListQuery {
                page: 1,
                limit: 50,
                search: Some(q.to_string()),
                sort_by: SortBy::CreatedAt,
                descending: true,
            };
            let t = Instant::now();
            let (rows, total) = contacts::list(&conn, client, &lq).expect("search");
            let took = t.elapsed();
            times.push(took);
            per_query[k].1 = per_query[k].1.max(took);
            per_query[k].2 = total;
            hits += total.min(1) + rows.len().min(1) as i64;
        }
    }
    for (q, worst, total) in &per_query {
        println!(
            "  {q:<18} total {total:>6}  worst {:.2} ms",
            worst.as_secs_f64() * 1000.0
        );
    }
    times.sort();
    let pct = |p: f64| {
        times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0
    };
    println!(
        "seeded {n} contacts in {:.1} s; {} searches ({} query kinds, page 50 + total):",
        seed.as_secs_f64(),
        times.len(),
        queries.len()
    );
    println!(
        "search p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms (hits {hits})",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    let _ = ClientId::get;
}
