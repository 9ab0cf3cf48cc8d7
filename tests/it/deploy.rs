//! Installing and supervising: the systemd units pass `systemd-analyze verify`
//! (skipped with a message where it is missing), the binary speaks systemd's
//! notify protocol (READY, watchdog pings, STOPPING), the .deb metadata names
//! files that exist, the default config documents every option, and the
//! daily backup keeps only the newest copies.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn systemd_units_pass_systemd_analyze_verify() {
    let units = [
        "ringlypro.service",
        "ringlypro-router.service",
        "ringlypro-backup.service",
        "ringlypro-backup.timer",
    ];
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        println!(
            "SKIPPED: systemd-analyze is not installed here; the unit files were not verified"
        );
        return;
    }
    // verify checks that ExecStart exists: point it at the binary under test.
    let dir = tempfile::tempdir().unwrap();
    for u in units {
        let text = std::fs::read_to_string(repo().join("systemd").join(u)).unwrap();
        std::fs::write(
            dir.path().join(u),
            text.replace("/usr/bin/ringlypro", bin().to_str().unwrap()),
        )
        .unwrap();
    }
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(units)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Unknown keys and bad values are only warnings (exit 0): any line about our files fails.
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| units.iter().any(|u| l.contains(u)))
        .collect();
    assert!(out.status.success() && ours.is_empty(), "{stderr}");
    for u in &units[..3] {
        let text = std::fs::read_to_string(repo().join("systemd").join(u)).unwrap();
        for key in [
            "User=ringlypro",
            "StateDirectory=",
            "ProtectSystem=strict",
            "ProtectHome=yes",
            "PrivateTmp=yes",
            "NoNewPrivileges=yes",
            "RestrictAddressFamilies=",
            "SystemCallFilter=@system-service",
            "CapabilityBoundingSet=\n",
            "MemoryDenyWriteExecute=yes",
        ] {
            assert!(text.contains(key), "{u} lacks {key:?}");
        }
    }
    for u in &units[..2] {
        let text = std::fs::read_to_string(repo().join("systemd").join(u)).unwrap();
        for key in ["Type=notify", "WatchdogSec=", "Restart=on-failure"] {
            assert!(text.contains(key), "{u} lacks {key}");
        }
    }
}

/// Receives notify datagrams on a socket standing in for systemd's.
fn notify_socket(dir: &Path) -> (std::os::unix::net::UnixDatagram, PathBuf) {
    let path = dir.join("notify.sock");
    let sock = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    (sock, path)
}

fn wait_for(sock: &std::os::unix::net::UnixDatagram, what: &str, got: &mut Vec<String>) {
    let t0 = Instant::now();
    let mut buf = [0u8; 512];
    while !got.iter().any(|m| m.contains(what)) {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "no {what} from the server; got {got:?}"
        );
        if let Ok(n) = sock.recv(&mut buf) {
            got.push(String::from_utf8_lossy(&buf[..n]).to_string());
        }
    }
}

#[test]
fn the_node_and_the_router_notify_systemd_ready_watchdog_and_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let (sock, path) = notify_socket(dir.path());
    let mut c = command(dir.path());
    c.env("NOTIFY_SOCKET", &path).env("WATCHDOG_USEC", "300000");
    let p = Proc::serve(c);
    let mut got = Vec::new();
    wait_for(&sock, "READY=1", &mut got);
    wait_for(&sock, "WATCHDOG=1", &mut got);
    assert_eq!(p.terminate(), 0);
    wait_for(&sock, "STOPPING=1", &mut got);

    let rdir = tempfile::tempdir().unwrap();
    let (rsock, rpath) = notify_socket(rdir.path());
    let mut c = bare_command(rdir.path());
    c.args(["router", "serve"])
        .env("RINGLYPRO_ROUTER_LISTEN", "127.0.0.1:0")
        .env("RINGLYPRO_ROUTER_ADMIN_LISTEN", "127.0.0.1:0")
        .env("NOTIFY_SOCKET", &rpath)
        .env("WATCHDOG_USEC", "300000");
    let r = Proc::spawn_until(c, "router is ready: public http://");
    let mut got = Vec::new();
    wait_for(&rsock, "READY=1", &mut got);
    wait_for(&rsock, "WATCHDOG=1", &mut got);
    assert!(
        rdir.path()
            .join("ringlypro-router-data/admin_token")
            .is_file(),
        "an admin token is generated when none is configured"
    );
    assert_eq!(r.terminate(), 0);
}

#[test]
fn deb_metadata_names_existing_files_and_the_default_config_documents_every_option() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("Cargo.toml")).unwrap()).unwrap();
    let deb = &manifest["package"]["metadata"]["deb"];
    let assets = deb["assets"].as_array().unwrap();
    let mut targets = Vec::new();
    for a in assets {
        let a = a.as_array().unwrap();
        let src = a[0].as_str().unwrap();
        targets.push(a[1].as_str().unwrap().to_string());
        if !src.starts_with("target/") {
            assert!(repo().join(src).is_file(), "deb asset {src} is missing");
        }
    }
    for t in [
        "usr/bin/",
        "etc/ringlypro/ringlypro.toml",
        "etc/ringlypro/router.env",
    ] {
        assert!(targets.iter().any(|x| x == t), "the .deb installs {t}");
    }
    assert!(
        targets
            .iter()
            .filter(|t| t.starts_with("lib/systemd/system/"))
            .count()
            == 4
    );
    for s in ["postinst", "prerm", "postrm"] {
        let p = repo().join("packaging/debian").join(s);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert!(mode & 0o111 != 0, "{s} is executable");
        }
        let st = Command::new("sh").arg("-n").arg(&p).status().unwrap();
        assert!(st.success(), "{s} is valid shell");
    }
    let postinst = std::fs::read_to_string(repo().join("packaging/debian/postinst")).unwrap();
    assert!(postinst.contains("useradd --system"));

    // The commented default config lists every option, and uncommented it is valid.
    let conf = std::fs::read_to_string(repo().join("packaging/ringlypro.toml")).unwrap();
    for o in ringlypro::config::OPTIONS {
        let key = o.env.to_ascii_lowercase();
        assert!(
            conf.lines()
                .any(|l| l.starts_with(&format!("# {key} = "))
                    || l.starts_with(&format!("{key} = "))),
            "packaging/ringlypro.toml lacks {}",
            o.env
        );
    }
    let defaults: String = conf
        .lines()
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .filter(|l| {
            l.split_once(" = ").is_some_and(|(k, _)| {
                ringlypro::config::OPTIONS
                    .iter()
                    .any(|o| o.env.eq_ignore_ascii_case(k) && o.default.is_some())
            })
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.toml");
    std::fs::write(&f, defaults).unwrap();
    let out = bare_command(dir.path())
        .args(["--config", f.to_str().unwrap(), "config", "check"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The container file builds the binary and runs it as a non-root user with a volume.
    let cf = std::fs::read_to_string(repo().join("packaging/Containerfile")).unwrap();
    for needle in [
        "AS build",
        "cargo build --release --locked",
        "USER 65532",
        "VOLUME [\"/var/lib/ringlypro\"]",
    ] {
        assert!(cf.contains(needle), "Containerfile lacks {needle}");
    }
}

#[test]
fn timed_backups_rotate_and_keep_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .args([
            "tenant",
            "create",
            "--name",
            "Backup Co",
            "--phone",
            "555-212-0987",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let backups = dir.path().join("ringlypro-data/backups");
    std::fs::create_dir_all(&backups).unwrap();
    for old in [
        "ringlypro-20200101T000000Z.db",
        "ringlypro-20210101T000000Z.db",
        "keep-me.db",
    ] {
        std::fs::write(backups.join(old), b"old").unwrap();
    }
    let out = command(dir.path())
        .args(["backup", "--keep", "2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(
        names[0], "keep-me.db",
        "files it did not write are left alone"
    );
    assert_eq!(names[1], "ringlypro-20210101T000000Z.db");
    assert!(names[2].starts_with("ringlypro-20") && names[2] > names[1]);
    let conn = ringlypro::db::open_read_only(&backups.join(&names[2])).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM clients", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1, "the new backup is a real copy");
}
