//! systemd's readiness protocol (`sd_notify`), in a few lines instead of a
//! crate: a datagram such as `READY=1` sent to the unix socket named by
//! `$NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace). With
//! `Type=notify` systemd waits for READY before it counts the service as
//! started, and with `WatchdogSec=` it restarts a server whose runtime stops
//! pinging. Outside systemd (no `$NOTIFY_SOCKET`) every call does nothing.

use std::time::Duration;

/// Sends one notification (e.g. `READY=1\nSTATUS=serving`). Returns true when
/// it was delivered to a supervisor.
pub fn notify(state: &str) -> bool {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return false;
    };
    send(&path, state).is_ok()
}

#[cfg(unix)]
fn send(path: &std::ffi::OsStr, state: &str) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::UnixDatagram;
    let sock = UnixDatagram::unbound()?;
    let bytes = path.as_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            sock.send_to_addr(state.as_bytes(), &addr)?;
            return Ok(());
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = name;
            return Err(std::io::Error::other("abstract sockets need Linux"));
        }
    }
    sock.send_to(state.as_bytes(), std::path::Path::new(path))?;
    Ok(())
}

#[cfg(not(unix))]
fn send(_path: &std::ffi::OsStr, _state: &str) -> std::io::Result<()> {
    Err(std::io::Error::other("sd_notify needs unix sockets"))
}

/// How often to ping the watchdog: half of `$WATCHDOG_USEC`, when systemd set
/// it for this process (`$WATCHDOG_PID` absent or ours).
pub fn watchdog_interval() -> Option<Duration> {
    if let Ok(pid) = std::env::var("WATCHDOG_PID")
        && pid.trim().parse::<u32>().ok() != Some(std::process::id())
    {
        return None;
    }
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.trim().parse().ok()?;
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}

/// Tells systemd the server is ready and starts the watchdog pings on the
/// current tokio runtime (a stalled runtime stops pinging and gets restarted).
pub fn ready(status: &str) -> Option<tokio::task::JoinHandle<()>> {
    notify(&format!(
        "READY=1\nSTATUS={status}\nMAINPID={}",
        std::process::id()
    ));
    let every = watchdog_interval()?;
    tracing::info!(
        every_ms = every.as_millis() as u64,
        "systemd watchdog pings on"
    );
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            notify("WATCHDOG=1");
        }
    }))
}

/// Tells systemd the server is shutting down.
pub fn stopping() {
    notify("STOPPING=1");
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn sends_datagrams_to_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let rx = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        send(path.as_os_str(), "READY=1").unwrap();
        let mut buf = [0u8; 64];
        let n = rx.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
    }
}
