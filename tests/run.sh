#!/usr/bin/env bash
# The test command of the README: installs what the tests need, then runs them.
# Works on a machine that has only Rust and this repository.
set -euo pipefail
cd "$(dirname "$0")/.."

# The tests use only crates from crates.io (fetched by cargo) and the tools of
# a stock Rust toolchain; nothing else to install yet.
command -v cargo >/dev/null || { echo "cargo is required: install Rust from https://rustup.rs" >&2; exit 1; }

cargo test --locked --all-targets "$@"
