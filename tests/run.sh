#!/usr/bin/env bash
# The test command of the README: installs what the tests need, then runs them.
# Works on a machine that has only Rust and this repository.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "cargo is required: install Rust from https://rustup.rs" >&2; exit 1; }

# The dashboard's browser tests (tests/e2e.rs) drive Debian's Chromium through
# chromedriver. Install both when missing (needs root or sudo and apt-get).
if ! command -v chromedriver >/dev/null || ! { [ -x /usr/bin/chromium ] || command -v chromium >/dev/null; }; then
  if command -v apt-get >/dev/null; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "installing chromium and chromium-driver for the browser tests..." >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
  else
    echo "warning: apt-get not found; install Chromium and chromedriver yourself, or the browser tests fail" >&2
  fi
fi

cargo test --locked --all-targets "$@"
