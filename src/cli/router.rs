//! `ringlypro router serve|node|number|host|queue|backup`: run the router and
//! manage its database directly (safe beside a running router, which picks
//! up the changes within one health interval).

use crate::domain::E164;
use crate::router::{self, db};
use clap::{Args, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct RouterArgs {
    /// The router's data directory (router.db, admin_token).
    /// Default: $RINGLYPRO_ROUTER_DATA_DIR, systemd's $STATE_DIRECTORY, /var/lib/ringlypro-router
    /// when it holds router.db (the installed service), or ./ringlypro-router-data.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: RouterCommand,
}

#[derive(Subcommand, Debug)]
pub enum RouterCommand {
    /// Run the router (settings from flags or environment variables; see --help).
    Serve(Box<router::ServeArgs>),
    /// Manage the nodes webhooks are forwarded to.
    #[command(subcommand)]
    Node(NodeCommand),
    /// Point Twilio numbers at nodes.
    #[command(subcommand)]
    Number(NumberCommand),
    /// Route dashboard host names to nodes.
    #[command(subcommand)]
    Host(HostCommand),
    /// Show the webhooks held for each node.
    Queue,
    /// Write a consistent copy of the router database to FILE.
    Backup { file: PathBuf },
}

#[derive(Subcommand, Debug)]
pub enum NodeCommand {
    /// Add a node: a name and its base URL, e.g. `node add salon-1 http://10.0.0.5:3000`.
    Add {
        name: String,
        url: String,
        /// Read the Twilio subaccount auth token of this node's numbers from standard input
        /// (never from the command line, where other users could see it).
        #[arg(long)]
        auth_token_stdin: bool,
    },
    /// Remove a node that serves no number or host and has nothing waiting.
    Remove { name: String },
    /// List nodes with their last known health.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum NumberCommand {
    /// Send a number's webhooks to a node (moves it when it was elsewhere).
    Assign {
        number: String,
        node: String,
        /// Phone a call is forwarded to while the node is down (otherwise: voicemail).
        #[arg(long)]
        fallback: Option<String>,
    },
    /// Stop routing a number.
    Unassign { number: String },
    /// List numbers and their nodes.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum HostCommand {
    /// Serve a dashboard host name (e.g. crm.salon.example) from a node.
    Set { host: String, node: String },
    /// Stop routing a host name.
    Remove { host: String },
    /// List host names.
    List,
}

pub fn run(args: RouterArgs) -> anyhow::Result<()> {
    let dir = router::data_dir(args.data_dir.as_deref());
    if let RouterCommand::Serve(settings) = args.command {
        return router::run(*settings, &dir);
    }
    let conn = db::open(&router::db_path(&dir))?;
    let now = chrono::Utc::now();
    let e = |e: crate::AppError| anyhow::anyhow!("{}", e.public_message_for_cli());
    match args.command {
        RouterCommand::Serve(_) => {}
        RouterCommand::Node(NodeCommand::Add {
            name,
            url,
            auth_token_stdin,
        }) => {
            let token = if auth_token_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                let t = line.trim().to_string();
                if t.is_empty() {
                    anyhow::bail!("--auth-token-stdin: standard input was empty");
                }
                Some(t)
            } else {
                None
            };
            db::add_node(&conn, &name, &url, token.as_deref(), now).map_err(e)?;
            println!("node {name} added ({})", url.trim_end_matches('/'));
        }
        RouterCommand::Node(NodeCommand::Remove { name }) => {
            db::remove_node(&conn, &name).map_err(e)?;
            println!("node {name} removed");
        }
        RouterCommand::Node(NodeCommand::List { json }) => {
            let nodes = db::list_nodes(&conn).map_err(e)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&nodes)?);
            } else {
                println!(
                    "{:<20} {:<32} {:<8} {:<10} LAST ERROR",
                    "NAME", "URL", "HEALTHY", "OWN TOKEN"
                );
                for n in nodes {
                    println!(
                        "{:<20} {:<32} {:<8} {:<10} {}",
                        n.name,
                        n.base_url,
                        if n.healthy { "yes" } else { "no" },
                        if n.has_own_auth_token { "yes" } else { "no" },
                        n.last_error.as_deref().unwrap_or("-")
                    );
                }
            }
        }
        RouterCommand::Number(NumberCommand::Assign {
            number,
            node,
            fallback,
        }) => {
            let number = E164::parse(&number).map_err(|m| anyhow::anyhow!("{m}"))?;
            let fallback = fallback
                .map(|f| E164::parse(&f))
                .transpose()
                .map_err(|m| anyhow::anyhow!("--fallback: {m}"))?;
            db::assign_number(&conn, &number, &node, fallback.as_ref(), now).map_err(e)?;
            println!(
                "{number} → {node}{}",
                fallback
                    .map(|f| format!(" (fallback {f})"))
                    .unwrap_or_default()
            );
        }
        RouterCommand::Number(NumberCommand::Unassign { number }) => {
            let number = E164::parse(&number).map_err(|m| anyhow::anyhow!("{m}"))?;
            db::unassign_number(&conn, &number).map_err(e)?;
            println!("{number} is no longer routed");
        }
        RouterCommand::Number(NumberCommand::List { json }) => {
            let rows = db::list_numbers(&conn).map_err(e)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!("{:<16} {:<20} FALLBACK", "NUMBER", "NODE");
                for n in rows {
                    println!(
                        "{:<16} {:<20} {}",
                        n.number,
                        n.node,
                        n.fallback_phone.as_deref().unwrap_or("voicemail")
                    );
                }
            }
        }
        RouterCommand::Host(HostCommand::Set { host, node }) => {
            db::set_host(&conn, &host, &node, now).map_err(e)?;
            println!("{} → {node}", host.to_ascii_lowercase());
        }
        RouterCommand::Host(HostCommand::Remove { host }) => {
            db::remove_host(&conn, &host).map_err(e)?;
            println!("{host} is no longer routed");
        }
        RouterCommand::Host(HostCommand::List) => {
            for h in db::list_hosts(&conn).map_err(e)? {
                println!("{:<40} {}", h.host, h.node);
            }
        }
        RouterCommand::Queue => {
            println!(
                "{:<20} {:>8} {:>10} {:>7}  OLDEST PENDING",
                "NODE", "PENDING", "DELIVERED", "FAILED"
            );
            for q in db::queue_summary(&conn).map_err(e)? {
                println!(
                    "{:<20} {:>8} {:>10} {:>7}  {}",
                    q.node,
                    q.pending,
                    q.delivered,
                    q.failed,
                    q.oldest_pending.as_deref().unwrap_or("-")
                );
            }
        }
        RouterCommand::Backup { file } => {
            if file.exists() {
                anyhow::bail!("{} already exists; choose a new file name", file.display());
            }
            let target = file
                .to_str()
                .ok_or_else(|| anyhow::anyhow!("the backup path must be valid UTF-8"))?;
            db::backup_into(&conn, target).map_err(e)?;
            println!("router database backed up to {}", file.display());
        }
    }
    Ok(())
}
