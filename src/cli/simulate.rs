//! `ringlypro simulate-call`: plays a caller against a running server. Caller
//! lines come from stdin or a script file (`#5` presses keys, `(silence)` says
//! nothing, `(no-answer)`/`(answered)` ends a transfer, anything else is
//! speech). Each request is signed exactly as Twilio signs it, sent to the
//! action URL of the previous answer, and what the receptionist says and does
//! is printed in words with the time each turn took.

use crate::http::webhooks::twilio::twilio_signature;
use clap::Args;
use std::io::BufRead;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The server to call, e.g. http://127.0.0.1:3000.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// The business's Twilio number (who is being called).
    #[arg(long)]
    pub to: String,
    /// The caller's number.
    #[arg(long, default_value = "+15555550100")]
    pub from: String,
    /// en enters at /voice/rachel/, es at /voice/lina/.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Caller lines, one per line; standard input when not given.
    #[arg(long)]
    pub script: Option<std::path::PathBuf>,
    /// Auth token to sign with (defaults to TWILIO_AUTH_TOKEN; unsigned without one,
    /// which a zero-config server accepts from this machine only).
    #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub auth_token: Option<String>,
    /// The public base URL the server verifies signatures against (WEBHOOK_BASE_URL); defaults to --url.
    #[arg(long, env = "WEBHOOK_BASE_URL")]
    pub webhook_base_url: Option<String>,
}

pub use crate::voice::readback::{Answer, read_twiml};

fn form(params: &[(String, String)]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let lines: Vec<String> = match &args.script {
        Some(p) => std::fs::read_to_string(p)?
            .lines()
            .map(String::from)
            .collect(),
        None => std::io::stdin().lock().lines().collect::<Result<_, _>>()?,
    };
    let base = args.url.trim_end_matches('/').to_string();
    let public = args
        .webhook_base_url
        .clone()
        .unwrap_or_else(|| base.clone())
        .trim_end_matches('/')
        .to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let call_sid = format!("CA{}", crate::auth::random_hex(16));
    let started = Instant::now();
    let post = |path: &str, extra: &[(&str, String)]| -> anyhow::Result<(u16, String, f64)> {
        let mut params: Vec<(String, String)> = vec![
            ("CallSid".into(), call_sid.clone()),
            ("AccountSid".into(), "ACsimulated".into()),
            ("From".into(), args.from.clone()),
            ("To".into(), args.to.clone()),
            ("CallStatus".into(), "in-progress".into()),
            ("Direction".into(), "inbound".into()),
        ];
        params.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        let mut req = agent
            .post(&format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(token) = &args.auth_token {
            let sig = twilio_signature(
                token,
                &format!("{public}{path}"),
                params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            req = req.header("x-twilio-signature", &sig);
        }
        let t0 = Instant::now();
        let mut res = req.send(form(&params))?;
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        let status = res.status().as_u16();
        Ok((status, res.body_mut().read_to_string()?, ms))
    };
    let entry = if args.lang == "es" {
        "/voice/lina/"
    } else {
        "/voice/rachel/"
    };
    println!(
        "calling {} from {} (CallSid {call_sid})",
        args.to, args.from
    );
    let (status, body, ms) = post(entry, &[])?;
    let mut answer = show(status, &body, ms);
    let mut lines = lines
        .into_iter()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//"));
    while !answer.hangup {
        let Some(action) = answer.action.clone() else {
            break;
        };
        let Some(line) = lines.next() else {
            println!("(caller hangs up)");
            break;
        };
        let line = line.trim().to_string();
        println!("caller: {line}");
        let extra: Vec<(&str, String)> = if answer.next.contains("transfers") {
            let status = if line.contains("answered") {
                "completed"
            } else {
                "no-answer"
            };
            vec![("DialCallStatus", status.to_string())]
        } else if answer.next.contains("voicemail") {
            vec![
                (
                    "RecordingUrl",
                    "https://api.twilio.com/simulated/recording".to_string(),
                ),
                ("RecordingSid", format!("RE{}", crate::auth::random_hex(16))),
                (
                    "RecordingDuration",
                    line.split_whitespace().count().max(1).to_string(),
                ),
            ]
        } else if let Some(keys) = line.strip_prefix('#') {
            vec![
                ("Digits", keys.trim().to_string()),
                ("SpeechResult", String::new()),
            ]
        } else if line == "(silence)" {
            vec![("SpeechResult", String::new())]
        } else {
            vec![
                ("SpeechResult", line.clone()),
                ("Confidence", "0.92".to_string()),
            ]
        };
        let (status, body, ms) = post(&action, &extra)?;
        answer = show(status, &body, ms);
    }
    let secs = started.elapsed().as_secs().max(1).to_string();
    let _ = post(
        "/webhook/twilio/status",
        &[("CallStatus", "completed".into()), ("CallDuration", secs)],
    );
    Ok(())
}

fn show(status: u16, body: &str, ms: f64) -> Answer {
    let a = read_twiml(body);
    if status != 200 {
        println!("  (HTTP {status})");
    }
    for s in &a.said {
        println!("receptionist: {s}");
    }
    println!("  {} ({ms:.1} ms)", a.next);
    a
}
