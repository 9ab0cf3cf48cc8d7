//! A minimal SMTP server on 127.0.0.1:0 (plain text, no TLS, no auth) for the
//! SMTP mailer test: it speaks enough of RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA,
//! RSET, NOOP, QUIT) for a real client, and keeps each message it accepted.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct Message {
    pub from: String,
    pub to: Vec<String>,
    /// The DATA section as received (headers and MIME body).
    pub data: String,
}

pub struct FakeSmtp {
    addr: std::net::SocketAddr,
    messages: Arc<Mutex<Vec<Message>>>,
}

fn session(stream: TcpStream, messages: Arc<Mutex<Vec<Message>>>) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 fake-smtp ESMTP ready\r\n")?;
    let mut current = Message::default();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            out.write_all(b"250-fake-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?;
        } else if upper.starts_with("HELO") {
            out.write_all(b"250 fake-smtp\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            current = Message {
                from: cmd[10..].trim().to_string(),
                ..Message::default()
            };
            out.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            current.to.push(cmd[8..].trim().to_string());
            out.write_all(b"250 OK\r\n")?;
        } else if upper == "DATA" {
            out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            current.data = data;
            messages.lock().unwrap().push(std::mem::take(&mut current));
            out.write_all(b"250 OK: queued\r\n")?;
        } else if upper == "RSET" || upper == "NOOP" {
            out.write_all(b"250 OK\r\n")?;
        } else if upper == "QUIT" {
            out.write_all(b"221 Bye\r\n")?;
            return Ok(());
        } else {
            out.write_all(b"502 Command not implemented\r\n")?;
        }
    }
}

impl FakeSmtp {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake smtp");
        let addr = listener.local_addr().unwrap();
        let messages: Arc<Mutex<Vec<Message>>> = Arc::default();
        let m = messages.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let m = m.clone();
                std::thread::spawn(move || {
                    let _ = session(stream, m);
                });
            }
        });
        Self { addr, messages }
    }

    /// The URL to put in `RINGLYPRO_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn messages(&self) -> Vec<Message> {
        self.messages.lock().unwrap().clone()
    }
}
