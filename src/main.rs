//! The `ringlypro` binary: parses the command line and runs it.

use clap::Parser;

fn main() {
    let cli = ringlypro::cli::Cli::parse();
    match ringlypro::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}
