//! Start-to-healthy time of the release binary on an existing database: spawn
//! `ringlypro serve`, poll `GET /health` until it answers 200, record the time,
//! stop it with SIGTERM; repeat. Run: `cargo bench --bench startup`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn health_ok(addr: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(
        format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .is_err()
    {
        return false;
    }
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.starts_with("HTTP/1.1 200")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(39123)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; nothing to list.
    }
    let bin = env!("CARGO_BIN_EXE_ringlypro");
    let dir = tempfile::tempdir().expect("tempdir");
    // First start creates the database and secret; it is not measured.
    let runs = 30;
    let mut times = Vec::with_capacity(runs);
    for i in 0..=runs {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let t0 = Instant::now();
        let mut child = Command::new(bin)
            .arg("serve")
            .env_clear()
            .env("PORT", port.to_string())
            .env("RINGLYPRO_LOG", "warn")
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        while !health_ok(&addr) {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "server did not become healthy"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
        let took = t0.elapsed();
        if i > 0 {
            times.push(took);
        }
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let status = child.wait().expect("wait");
        if !status.success() {
            let mut err = String::new();
            if let Some(e) = child.stderr.take() {
                for l in BufReader::new(e).lines().map_while(Result::ok) {
                    err.push_str(&l);
                    err.push('\n');
                }
            }
            panic!("server exited with {status}: {err}");
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "start to healthy /health over {runs} runs (existing database): min {:.1} ms, median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        ms(times[0]),
        ms(times[runs / 2]),
        ms(times[runs * 9 / 10]),
        ms(times[runs - 1])
    );
}
