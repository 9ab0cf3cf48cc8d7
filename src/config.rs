//! Settings. Every option is declared once in [`OPTIONS`] with its environment
//! name (the original system's names where it had one), default and meaning; the
//! same table drives the optional TOML file (keys are the names in lower case),
//! `config check` and the README. Precedence: environment > file > default.
//! With no configuration at all the node still starts: it creates its data
//! directory and generates a 256-bit JWT secret there (mode 0600).

use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

/// One declared option.
pub struct Opt {
    pub env: &'static str,
    pub default: Option<&'static str>,
    pub secret: bool,
    pub doc: &'static str,
}

const fn opt(
    env: &'static str,
    default: Option<&'static str>,
    secret: bool,
    doc: &'static str,
) -> Opt {
    Opt {
        env,
        default,
        secret,
        doc,
    }
}

/// Every option the program reads, in the order `config check` prints them.
pub const OPTIONS: &[Opt] = &[
    opt("PORT", Some("3000"), false, "TCP port of the HTTP listener"),
    opt(
        "RINGLYPRO_HOST",
        Some("127.0.0.1"),
        false,
        "address to listen on; 0.0.0.0 to accept connections from other machines",
    ),
    opt(
        "RINGLYPRO_DATA_DIR",
        Some("./ringlypro-data"),
        false,
        "directory for the database, the generated secret and caches (systemd's $STATE_DIRECTORY when set)",
    ),
    opt(
        "DATABASE_URL",
        None,
        false,
        "sqlite:PATH to put the database elsewhere than DATA_DIR/ringlypro.db; postgres:// is refused",
    ),
    opt(
        "RINGLYPRO_ENV",
        Some("production"),
        false,
        "production or development (development enables the test credit routes)",
    ),
    opt(
        "RINGLYPRO_LOG_FORMAT",
        Some("text"),
        false,
        "text or json log lines on stderr",
    ),
    opt(
        "RINGLYPRO_LOG",
        Some("info"),
        false,
        "log filter, e.g. info or ringlypro=debug",
    ),
    opt(
        "JWT_SECRET",
        None,
        true,
        "secret for signing session tokens, at least 32 bytes; generated into DATA_DIR/jwt_secret when unset",
    ),
    opt(
        "WEBHOOK_BASE_URL",
        None,
        false,
        "public base URL Twilio calls (e.g. https://crm.example.com); used to verify signatures",
    ),
    opt(
        "FRONTEND_URL",
        None,
        false,
        "public base URL of the dashboard, used in emailed links (default http://HOST:PORT)",
    ),
    opt(
        "TWILIO_ACCOUNT_SID",
        None,
        false,
        "Twilio account SID (AC...)",
    ),
    opt(
        "TWILIO_AUTH_TOKEN",
        None,
        true,
        "Twilio auth token; without it webhooks accept loopback requests only",
    ),
    opt(
        "TWILIO_PHONE_NUMBER",
        None,
        false,
        "default Twilio number to send SMS from",
    ),
    opt(
        "TWILIO_MESSAGING_SERVICE_SID",
        None,
        false,
        "Twilio messaging service SID (MG...), used instead of a from-number when set",
    ),
    opt(
        "TWILIO_API_BASE",
        Some("https://api.twilio.com"),
        false,
        "Twilio REST base URL",
    ),
    opt(
        "ELEVENLABS_API_KEY",
        None,
        true,
        "ElevenLabs key; enables natural voices (otherwise Twilio <Say>)",
    ),
    opt(
        "ELEVENLABS_API_BASE",
        Some("https://api.elevenlabs.io"),
        false,
        "ElevenLabs base URL",
    ),
    opt(
        "STRIPE_SECRET_KEY",
        None,
        true,
        "Stripe secret key; enables credit top-ups",
    ),
    opt(
        "STRIPE_PUBLISHABLE_KEY",
        None,
        false,
        "Stripe publishable key for the payment form",
    ),
    opt(
        "STRIPE_WEBHOOK_SECRET",
        None,
        true,
        "Stripe webhook signing secret (whsec_...)",
    ),
    opt(
        "STRIPE_API_BASE",
        Some("https://api.stripe.com"),
        false,
        "Stripe REST base URL",
    ),
    opt(
        "SENDGRID_API_KEY",
        None,
        true,
        "SendGrid key; enables email",
    ),
    opt(
        "SENDGRID_API_BASE",
        Some("https://api.sendgrid.com"),
        false,
        "SendGrid base URL",
    ),
    opt(
        "FROM_EMAIL",
        Some("noreply@ringlypro.local"),
        false,
        "sender address of outgoing email",
    ),
    opt(
        "RINGLYPRO_SMTP_URL",
        None,
        true,
        "SMTP server for email when SendGrid is not used, e.g. smtp://user:pass@mail.example.com:587?tls=required or smtps://user:pass@host:465",
    ),
    opt(
        "RINGLYPRO_MAILER",
        Some("auto"),
        false,
        "auto (SendGrid when SENDGRID_API_KEY is set, else SMTP when RINGLYPRO_SMTP_URL is set, else none), sendgrid, smtp or none; without a mailer email stays in the outbox and shows in the dashboard",
    ),
    opt(
        "RINGLYPRO_AUTO_RELOAD_POLL_SECS",
        Some("60"),
        false,
        "how often the billing job looks for balances below their auto-reload threshold (and paused tenants whose free minutes came back); 0 turns it off (tests)",
    ),
    opt(
        "RINGLYPRO_TRUST_PROXY",
        Some("false"),
        false,
        "true when behind a reverse proxy: take the client IP from X-Forwarded-For",
    ),
    opt(
        "RINGLYPRO_MAX_BODY_BYTES",
        Some("1048576"),
        false,
        "largest accepted request body",
    ),
    opt(
        "RINGLYPRO_SHUTDOWN_GRACE_SECS",
        Some("10"),
        false,
        "how long in-flight requests may finish after SIGTERM",
    ),
    opt(
        "RINGLYPRO_METRICS_TOKEN",
        None,
        true,
        "bearer token that unlocks Prometheus /metrics on the main listener; unset: /metrics is not served there",
    ),
    opt(
        "RINGLYPRO_METRICS_LISTEN",
        None,
        false,
        "separate address (e.g. 127.0.0.1:9464) serving /metrics without a token, for a local Prometheus",
    ),
    opt(
        "RINGLYPRO_OUTBOX_POLL_MS",
        Some("2000"),
        false,
        "how often the outbox worker looks for due SMS/email (it also wakes when something is queued); 0 turns the worker off (tests)",
    ),
    opt(
        "RINGLYPRO_TTS_CACHE_MB",
        Some("256"),
        false,
        "disk space for cached ElevenLabs audio; the oldest files are evicted beyond it",
    ),
    opt(
        "RINGLYPRO_TTS_TIMEOUT_MS",
        Some("1500"),
        false,
        "how long a call turn waits for new ElevenLabs audio before speaking with <Say> instead",
    ),
    opt(
        "RINGLYPRO_LOGIN_RATE_LIMIT",
        Some("10"),
        false,
        "login attempts allowed per IP and per account in 15 minutes",
    ),
    opt(
        "RINGLYPRO_REGISTER_RATE_LIMIT",
        Some("10"),
        false,
        "registrations allowed per IP per hour",
    ),
    opt(
        "RINGLYPRO_RESET_RATE_LIMIT",
        Some("5"),
        false,
        "password-reset requests allowed per IP and per account per hour",
    ),
    opt(
        "RINGLYPRO_ARGON2_MEMORY_KIB",
        Some("19456"),
        false,
        "argon2id memory cost in KiB (19 MiB, the OWASP baseline)",
    ),
    opt(
        "RINGLYPRO_ARGON2_ITERATIONS",
        Some("5"),
        false,
        "argon2id passes; 5 gives about 45 ms a hash on 2 cores",
    ),
];

/// Where an effective value came from, for `config check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Env,
    Generated,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::File => "config file",
            Self::Env => "environment",
            Self::Generated => "generated",
        }
    }
}

/// The raw layer: option name → (value, source).
#[derive(Debug, Clone, Default)]
pub struct RawConfig {
    pub values: BTreeMap<&'static str, (String, Source)>,
    pub file: Option<PathBuf>,
}

impl RawConfig {
    /// Reads defaults, then the TOML file (if any), then the given environment.
    pub fn load(file: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut raw = RawConfig::default();
        for o in OPTIONS {
            if let Some(d) = o.default {
                raw.values.insert(o.env, (d.to_string(), Source::Default));
            }
        }
        // systemd's StateDirectory: a better default than the working directory.
        if let Some(dir) = env("STATE_DIRECTORY").filter(|d| !d.is_empty()) {
            let first = dir.split(':').next().unwrap_or(&dir).to_string();
            raw.values
                .insert("RINGLYPRO_DATA_DIR", (first, Source::Default));
        }
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            let table: toml::Table = toml::from_str(&text)
                .with_context(|| format!("config file {} is not valid TOML", path.display()))?;
            for (key, value) in table {
                let Some(o) = OPTIONS.iter().find(|o| o.env.eq_ignore_ascii_case(&key)) else {
                    bail!(
                        "config file {}: unknown setting '{key}' (settings are the environment names in lower case, e.g. port, jwt_secret)",
                        path.display()
                    );
                };
                let text = match value {
                    toml::Value::String(s) => s,
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    other => bail!(
                        "config file {}: '{key}' must be a string, number or boolean, not {}",
                        path.display(),
                        other.type_str()
                    ),
                };
                raw.values.insert(o.env, (text, Source::File));
            }
            raw.file = Some(path.to_path_buf());
        }
        for o in OPTIONS {
            if let Some(v) = env(o.env).filter(|v| !v.is_empty()) {
                raw.values.insert(o.env, (v, Source::Env));
            }
        }
        Ok(raw)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|(v, _)| v.as_str())
    }

    fn parse<T: std::str::FromStr>(&self, name: &str) -> anyhow::Result<T> {
        let v = self.get(name).unwrap_or_default();
        v.trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}='{v}' is not a valid value"))
    }

    fn flag(&self, name: &str) -> anyhow::Result<bool> {
        match self
            .get(name)
            .unwrap_or("false")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" | "" => Ok(false),
            other => bail!("{name}='{other}' must be true or false"),
        }
    }

    /// The effective configuration, one line per option, secrets masked.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        if let Some(f) = &self.file {
            out.push_str(&format!("# config file: {}\n", f.display()));
        }
        for o in OPTIONS {
            let line = match self.values.get(o.env) {
                None => format!("{:<32} (unset)\n", o.env),
                Some((v, src)) => {
                    let shown = if o.secret { mask(v) } else { v.clone() };
                    format!("{:<32} {}  [{}]\n", o.env, shown, src.label())
                }
            };
            out.push_str(&line);
        }
        out
    }
}

/// Shows that a secret is set without showing any of it.
pub fn mask(secret: &str) -> String {
    format!("******** ({} chars)", secret.chars().count())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Keys of one external service; `None` when it is switched off.
#[derive(Clone, Default)]
pub struct Twilio {
    pub account_sid: String,
    pub auth_token: String,
    pub phone_number: Option<String>,
    pub messaging_service_sid: Option<String>,
}

/// Which mailer delivers email (see `RINGLYPRO_MAILER`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailerChoice {
    /// SendGrid with this API key.
    SendGrid(String),
    /// SMTP at this URL.
    Smtp(String),
    None,
}

#[derive(Clone, Default)]
pub struct Stripe {
    pub secret_key: String,
    pub publishable_key: Option<String>,
    pub webhook_secret: Option<String>,
}

/// The typed, validated configuration the program runs with.
#[derive(Clone)]
pub struct Config {
    pub host: IpAddr,
    pub port: u16,
    pub data_dir: PathBuf,
    pub database_path: PathBuf,
    pub development: bool,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// None until [`Config::ensure_jwt_secret`] has run.
    pub jwt_secret: Option<Vec<u8>>,
    pub webhook_base_url: Option<String>,
    pub frontend_url: String,
    pub twilio: Option<Twilio>,
    pub twilio_api_base: String,
    pub elevenlabs_api_key: Option<String>,
    pub elevenlabs_api_base: String,
    pub stripe: Option<Stripe>,
    pub stripe_api_base: String,
    pub sendgrid_api_key: Option<String>,
    pub sendgrid_api_base: String,
    pub from_email: String,
    pub smtp_url: Option<String>,
    /// auto, sendgrid, smtp or none.
    pub mailer_mode: String,
    /// Poll interval of the auto-reload job; 0 = no background job.
    pub auto_reload_poll_secs: u64,
    pub trust_proxy: bool,
    pub max_body_bytes: usize,
    pub shutdown_grace_secs: u64,
    /// Bearer token for `/metrics` on the main listener (None: not served there).
    pub metrics_token: Option<String>,
    /// A second listener that serves only `/metrics`, without a token.
    pub metrics_listen: Option<SocketAddr>,
    /// Poll interval of the outbox worker; 0 = no background worker.
    pub outbox_poll_ms: u64,
    pub tts_cache_mb: u64,
    pub tts_timeout_ms: u64,
    pub login_rate_limit: u32,
    pub register_rate_limit: u32,
    pub reset_rate_limit: u32,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets, even in debug output.
        f.debug_struct("Config")
            .field("listen", &self.listen_addr())
            .field("data_dir", &self.data_dir)
            .field("database_path", &self.database_path)
            .finish_non_exhaustive()
    }
}

fn non_empty(raw: &RawConfig, name: &str) -> Option<String> {
    raw.get(name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

fn base_url(raw: &RawConfig, name: &str) -> anyhow::Result<Option<String>> {
    let Some(v) = non_empty(raw, name) else {
        return Ok(None);
    };
    if !(v.starts_with("http://") || v.starts_with("https://")) {
        bail!("{name}='{v}' must start with http:// or https://");
    }
    Ok(Some(v.trim_end_matches('/').to_string()))
}

impl Config {
    /// Validates the raw values. Errors say which setting is wrong and why.
    pub fn from_raw(raw: &RawConfig) -> anyhow::Result<Self> {
        let port: u16 = raw.parse("PORT")?;
        let host: IpAddr = raw
            .get("RINGLYPRO_HOST")
            .unwrap_or("127.0.0.1")
            .trim()
            .parse()
            .map_err(|_| {
                anyhow::anyhow!("RINGLYPRO_HOST must be an IP address such as 127.0.0.1 or 0.0.0.0")
            })?;
        let data_dir = PathBuf::from(raw.get("RINGLYPRO_DATA_DIR").unwrap_or("./ringlypro-data"));
        let database_path = match non_empty(raw, "DATABASE_URL") {
            None => data_dir.join("ringlypro.db"),
            Some(url) => database_path_from_url(&url)?,
        };
        let development = match raw.get("RINGLYPRO_ENV").unwrap_or("production").trim() {
            "production" => false,
            "development" => true,
            other => bail!("RINGLYPRO_ENV='{other}' must be production or development"),
        };
        let log_format = match raw.get("RINGLYPRO_LOG_FORMAT").unwrap_or("text").trim() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => bail!("RINGLYPRO_LOG_FORMAT='{other}' must be text or json"),
        };
        let jwt_secret = match non_empty(raw, "JWT_SECRET") {
            Some(s) if s.len() < 32 => bail!(
                "JWT_SECRET is {} bytes long; it must be at least 32 bytes (or unset it and a random one is generated in the data directory)",
                s.len()
            ),
            Some(s) => Some(s.into_bytes()),
            None => None,
        };
        let twilio = match (
            non_empty(raw, "TWILIO_ACCOUNT_SID"),
            non_empty(raw, "TWILIO_AUTH_TOKEN"),
        ) {
            (Some(sid), Some(token)) => Some(Twilio {
                account_sid: sid,
                auth_token: token,
                phone_number: non_empty(raw, "TWILIO_PHONE_NUMBER"),
                messaging_service_sid: non_empty(raw, "TWILIO_MESSAGING_SERVICE_SID"),
            }),
            (None, None) => None,
            (Some(_), None) => {
                bail!("TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is not; set both or neither")
            }
            (None, Some(_)) => {
                bail!("TWILIO_AUTH_TOKEN is set but TWILIO_ACCOUNT_SID is not; set both or neither")
            }
        };
        let stripe = non_empty(raw, "STRIPE_SECRET_KEY").map(|k| Stripe {
            secret_key: k,
            publishable_key: non_empty(raw, "STRIPE_PUBLISHABLE_KEY"),
            webhook_secret: non_empty(raw, "STRIPE_WEBHOOK_SECRET"),
        });
        let frontend_url = base_url(raw, "FRONTEND_URL")?.unwrap_or_else(|| {
            let shown_host = if host.is_unspecified() {
                "localhost".to_string()
            } else {
                host.to_string()
            };
            format!("http://{shown_host}:{port}")
        });
        let cfg = Config {
            host,
            port,
            data_dir,
            database_path,
            development,
            log_format,
            log_filter: raw.get("RINGLYPRO_LOG").unwrap_or("info").to_string(),
            jwt_secret,
            webhook_base_url: base_url(raw, "WEBHOOK_BASE_URL")?,
            frontend_url,
            twilio,
            twilio_api_base: base_url(raw, "TWILIO_API_BASE")?.unwrap_or_default(),
            elevenlabs_api_key: non_empty(raw, "ELEVENLABS_API_KEY"),
            elevenlabs_api_base: base_url(raw, "ELEVENLABS_API_BASE")?.unwrap_or_default(),
            stripe,
            stripe_api_base: base_url(raw, "STRIPE_API_BASE")?.unwrap_or_default(),
            sendgrid_api_key: non_empty(raw, "SENDGRID_API_KEY"),
            sendgrid_api_base: base_url(raw, "SENDGRID_API_BASE")?.unwrap_or_default(),
            from_email: raw.get("FROM_EMAIL").unwrap_or_default().trim().to_string(),
            smtp_url: non_empty(raw, "RINGLYPRO_SMTP_URL"),
            mailer_mode: raw
                .get("RINGLYPRO_MAILER")
                .unwrap_or("auto")
                .trim()
                .to_ascii_lowercase(),
            auto_reload_poll_secs: raw.parse("RINGLYPRO_AUTO_RELOAD_POLL_SECS")?,
            trust_proxy: raw.flag("RINGLYPRO_TRUST_PROXY")?,
            max_body_bytes: raw.parse("RINGLYPRO_MAX_BODY_BYTES")?,
            shutdown_grace_secs: raw.parse("RINGLYPRO_SHUTDOWN_GRACE_SECS")?,
            metrics_token: non_empty(raw, "RINGLYPRO_METRICS_TOKEN"),
            metrics_listen: non_empty(raw, "RINGLYPRO_METRICS_LISTEN")
                .map(|v| {
                    v.parse::<SocketAddr>().map_err(|_| {
                        anyhow::anyhow!(
                            "RINGLYPRO_METRICS_LISTEN='{v}' must be an address with a port, e.g. 127.0.0.1:9464"
                        )
                    })
                })
                .transpose()?,
            outbox_poll_ms: raw.parse("RINGLYPRO_OUTBOX_POLL_MS")?,
            tts_cache_mb: raw.parse("RINGLYPRO_TTS_CACHE_MB")?,
            tts_timeout_ms: raw.parse("RINGLYPRO_TTS_TIMEOUT_MS")?,
            login_rate_limit: raw.parse("RINGLYPRO_LOGIN_RATE_LIMIT")?,
            register_rate_limit: raw.parse("RINGLYPRO_REGISTER_RATE_LIMIT")?,
            reset_rate_limit: raw.parse("RINGLYPRO_RESET_RATE_LIMIT")?,
            argon2_memory_kib: raw.parse("RINGLYPRO_ARGON2_MEMORY_KIB")?,
            argon2_iterations: raw.parse("RINGLYPRO_ARGON2_ITERATIONS")?,
        };
        if cfg.max_body_bytes < 1024 {
            bail!("RINGLYPRO_MAX_BODY_BYTES must be at least 1024");
        }
        if cfg.metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
            bail!("RINGLYPRO_METRICS_TOKEN must be at least 16 characters");
        }
        if cfg.argon2_memory_kib < 8 || cfg.argon2_iterations < 1 {
            bail!(
                "RINGLYPRO_ARGON2_MEMORY_KIB must be at least 8 and RINGLYPRO_ARGON2_ITERATIONS at least 1"
            );
        }
        if cfg.login_rate_limit == 0 || cfg.register_rate_limit == 0 || cfg.reset_rate_limit == 0 {
            bail!("rate limits must be at least 1");
        }
        match cfg.mailer_mode.as_str() {
            "auto" | "none" => {}
            "sendgrid" if cfg.sendgrid_api_key.is_none() => {
                bail!("RINGLYPRO_MAILER=sendgrid needs SENDGRID_API_KEY")
            }
            "smtp" if cfg.smtp_url.is_none() => {
                bail!("RINGLYPRO_MAILER=smtp needs RINGLYPRO_SMTP_URL")
            }
            "sendgrid" | "smtp" => {}
            other => bail!("RINGLYPRO_MAILER='{other}' must be auto, sendgrid, smtp or none"),
        }
        if let Some(url) = &cfg.smtp_url
            && let Err(e) = lettre::SmtpTransport::from_url(url)
        {
            bail!(
                "RINGLYPRO_SMTP_URL is not a valid SMTP URL ({e}); e.g. smtp://user:pass@mail.example.com:587?tls=required"
            );
        }
        if !cfg.from_email.contains('@') {
            bail!("FROM_EMAIL='{}' must be an email address", cfg.from_email);
        }
        Ok(cfg)
    }

    /// Loads from a file (or `RINGLYPRO_CONFIG`) and the process environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<(Self, RawConfig)> {
        let env_file = std::env::var("RINGLYPRO_CONFIG")
            .ok()
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
        let file = file.map(Path::to_path_buf).or(env_file);
        let raw = RawConfig::load(file.as_deref(), &|k| std::env::var(k).ok())?;
        let cfg = Self::from_raw(&raw)?;
        Ok((cfg, raw))
    }

    pub fn listen_addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }

    /// Creates the data directory and, when no JWT_SECRET is configured, reads or
    /// generates `DATA_DIR/jwt_secret` (64 hex chars = 256 bits, mode 0600).
    /// Returns true when a new secret was generated.
    pub fn ensure_jwt_secret(&mut self) -> anyhow::Result<bool> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create data directory {}", self.data_dir.display()))?;
        if self.jwt_secret.is_some() {
            return Ok(false);
        }
        let path = self.data_dir.join("jwt_secret");
        match std::fs::read_to_string(&path) {
            Ok(s) => {
                let s = s.trim();
                if s.len() < 32 {
                    bail!(
                        "{} is shorter than 32 bytes; delete it to generate a new one (this logs everyone out)",
                        path.display()
                    );
                }
                self.jwt_secret = Some(s.as_bytes().to_vec());
                Ok(false)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret = crate::auth::random_hex(32);
                write_private_file(&path, secret.as_bytes())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                self.jwt_secret = Some(secret.into_bytes());
                Ok(true)
            }
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// The JWT secret; `ensure_jwt_secret` must have run.
    pub fn jwt_secret(&self) -> &[u8] {
        self.jwt_secret.as_deref().unwrap_or_default()
    }

    /// Which external services are switched on (for `/health` and `config check`).
    pub fn providers(&self) -> Providers {
        Providers {
            twilio: self.twilio.is_some(),
            stripe: self.stripe.is_some(),
            stripe_webhooks: self
                .stripe
                .as_ref()
                .is_some_and(|s| s.webhook_secret.is_some()),
            sendgrid: matches!(self.mailer(), MailerChoice::SendGrid(_)),
            smtp: matches!(self.mailer(), MailerChoice::Smtp(_)),
            elevenlabs: self.elevenlabs_api_key.is_some(),
        }
    }

    /// The mailer the configuration selects.
    pub fn mailer(&self) -> MailerChoice {
        let sendgrid = || self.sendgrid_api_key.clone().map(MailerChoice::SendGrid);
        let smtp = || self.smtp_url.clone().map(MailerChoice::Smtp);
        match self.mailer_mode.as_str() {
            "none" => None,
            "sendgrid" => sendgrid(),
            "smtp" => smtp(),
            _ => sendgrid().or_else(smtp),
        }
        .unwrap_or(MailerChoice::None)
    }

    /// A configuration for tests and tools: everything default, data in `dir`.
    pub fn for_data_dir(dir: &Path) -> Self {
        let raw = RawConfig::load(None, &|_| None).unwrap_or_default();
        let mut cfg = Self::from_raw(&raw).unwrap_or_else(|_| unreachable!("defaults are valid"));
        cfg.data_dir = dir.to_path_buf();
        cfg.database_path = dir.join("ringlypro.db");
        cfg
    }
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Providers {
    pub twilio: bool,
    pub stripe: bool,
    #[serde(rename = "stripeWebhooks")]
    pub stripe_webhooks: bool,
    pub sendgrid: bool,
    pub smtp: bool,
    pub elevenlabs: bool,
}

fn database_path_from_url(url: &str) -> anyhow::Result<PathBuf> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        bail!(
            "DATABASE_URL points at PostgreSQL, but this build of RinglyPro uses its embedded SQLite database. \
             Unset DATABASE_URL (the database lives in the data directory) or set it to sqlite:/path/to/ringlypro.db"
        );
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| anyhow::anyhow!("DATABASE_URL='{url}' must start with sqlite: (e.g. sqlite:/var/lib/ringlypro/ringlypro.db)"))?;
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        bail!(
            "DATABASE_URL must name a database file, e.g. sqlite:/var/lib/ringlypro/ringlypro.db"
        );
    }
    Ok(PathBuf::from(path))
}

/// Writes a file readable by its owner only, refusing to replace an existing one.
pub fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(env: &[(&str, &str)]) -> anyhow::Result<Config> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let raw = RawConfig::load(None, &|k| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })?;
        Config::from_raw(&raw)
    }

    #[test]
    fn defaults_are_valid() {
        let c = load(&[]).unwrap();
        assert_eq!(c.port, 3000);
        assert!(c.jwt_secret.is_none());
        assert!(!c.providers().twilio);
    }

    #[test]
    fn short_jwt_secret_is_refused() {
        let e = load(&[("JWT_SECRET", "short")]).err().unwrap().to_string();
        assert!(e.contains("at least 32 bytes"), "{e}");
    }

    #[test]
    fn postgres_url_is_refused_not_ignored() {
        let e = load(&[("DATABASE_URL", "postgres://u:p@h/db")])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("embedded SQLite"), "{e}");
        let c = load(&[("DATABASE_URL", "sqlite:/tmp/x.db")]).unwrap();
        assert_eq!(c.database_path, PathBuf::from("/tmp/x.db"));
    }

    #[test]
    fn half_configured_twilio_is_an_error() {
        assert!(load(&[("TWILIO_ACCOUNT_SID", "AC1")]).is_err());
        assert!(
            load(&[("TWILIO_ACCOUNT_SID", "AC1"), ("TWILIO_AUTH_TOKEN", "t")])
                .unwrap()
                .providers()
                .twilio
        );
    }

    #[test]
    fn env_overrides_file_and_secrets_are_masked() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "port = 4000\nstripe_secret_key = \"sk_test_abcdef\"\n").unwrap();
        let raw =
            RawConfig::load(Some(&f), &|k| (k == "PORT").then(|| "5000".to_string())).unwrap();
        assert_eq!(Config::from_raw(&raw).unwrap().port, 5000);
        let shown = raw.describe();
        assert!(!shown.contains("sk_test_abcdef"), "{shown}");
        assert!(shown.contains("STRIPE_SECRET_KEY"));
    }

    #[test]
    fn mailer_is_chosen_by_configuration() {
        assert_eq!(load(&[]).unwrap().mailer(), MailerChoice::None);
        let both = [
            ("SENDGRID_API_KEY", "SG.x"),
            ("RINGLYPRO_SMTP_URL", "smtp://localhost:25"),
        ];
        assert_eq!(
            load(&both).unwrap().mailer(),
            MailerChoice::SendGrid("SG.x".into())
        );
        let mut smtp = both.to_vec();
        smtp.push(("RINGLYPRO_MAILER", "smtp"));
        assert_eq!(
            load(&smtp).unwrap().mailer(),
            MailerChoice::Smtp("smtp://localhost:25".into())
        );
        assert!(load(&[("RINGLYPRO_MAILER", "smtp")]).is_err());
        assert!(load(&[("RINGLYPRO_MAILER", "pigeon")]).is_err());
        assert!(load(&[("RINGLYPRO_SMTP_URL", "not a url")]).is_err());
        assert_eq!(
            load(&[("RINGLYPRO_MAILER", "none"), ("SENDGRID_API_KEY", "SG.x")])
                .unwrap()
                .mailer(),
            MailerChoice::None
        );
    }

    #[test]
    fn unknown_file_keys_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "prot = 4000\n").unwrap();
        let e = RawConfig::load(Some(&f), &|_| None)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("unknown setting 'prot'"), "{e}");
    }
}

#[cfg(test)]
mod readme_tests {
    /// The README's configuration table lists every option the program reads.
    #[test]
    fn readme_documents_every_option() {
        let readme = include_str!("../README.md");
        for o in super::OPTIONS {
            assert!(
                readme.contains(&format!("| `{}` |", o.env)),
                "README lacks {}",
                o.env
            );
        }
    }
}
