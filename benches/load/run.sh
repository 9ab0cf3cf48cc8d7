#!/usr/bin/env bash
# The load benchmark: one command (see benches/README.md).
#   bash benches/load/run.sh            # 10,000 contacts, then 1,000,000 for list and search
#   DURATION=5 QUICK=1 bash benches/load/run.sh   # a short smoke run
# Seeds fresh data through the product's own code, starts the release binary,
# drives it with wrk at 1, 32 and 256 connections per scenario, measures a
# minimal axum server as the ceiling in the same run, and writes
# benches/load/results.json and the table in benches/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10}
CONNS=${CONNS:-"1 32 256"}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked --bin ringlypro --example hello --example load_seed
BIN=target/release/ringlypro
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
OUT=$WORK/out; mkdir -p "$OUT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$1/status 2>/dev/null || echo 0; }
# Private memory (anonymous pages: heap, stacks, relocated data), without the
# executable's and libraries' clean file pages that RSS also counts.
anon_kb() { awk '/^Pss_Anon/ {print $2}' /proc/$1/smaps_rollup 2>/dev/null || echo 0; }
cpu_ticks() { awk '{print $14+$15}' /proc/$1/stat 2>/dev/null || echo 0; }

start_node() { # data dir, port
  PORT=$2 RINGLYPRO_DATA_DIR=$1 RINGLYPRO_LOG=warn RINGLYPRO_OUTBOX_POLL_MS=0 \
  TWILIO_ACCOUNT_SID=ACloadtest TWILIO_AUTH_TOKEN=load-test-auth-token WEBHOOK_BASE_URL=http://127.0.0.1:$2 \
    "$BIN" serve >"$WORK/node-$2.log" 2>&1 &
  NODE=$!
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$2/health" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "node did not start"; cat "$WORK/node-$2.log"; exit 1
}

run_wrk() { # name, pid, url, script, conns
  local name=$1 pid=$2 url=$3 lua=$4 c=$5 t=2
  [ "$c" -lt 2 ] && t=1
  local peak_file=$OUT/$name-$c.peak; echo 0 >"$peak_file"
  ( while kill -0 "$pid" 2>/dev/null; do r=$(rss_kb "$pid"); p=$(cat "$peak_file"); [ "$r" -gt "$p" ] && echo "$r" >"$peak_file"; sleep 0.2; done ) &
  local sampler=$!
  local c0; c0=$(cpu_ticks "$pid")
  wrk -t$t -c"$c" -d"${DURATION}s" --latency ${lua:+-s "$lua"} "$url" -- $t >"$OUT/$name-$c.wrk" 2>&1 || true
  local c1; c1=$(cpu_ticks "$pid")
  kill "$sampler" 2>/dev/null || true
  echo "$((c1 - c0))" >"$OUT/$name-$c.cpu"
  rss_kb "$pid" >"$OUT/$name-$c.after"
  echo "  $name c=$c: $(grep -E 'Requests/sec' "$OUT/$name-$c.wrk" | awk '{print $2}') req/s $(grep CHECK "$OUT/$name-$c.wrk" || true)"
}

# The ceiling.
HP=$(free_port)
target/release/examples/hello "127.0.0.1:$HP" & HELLO=$!
sleep 0.3
echo "ceiling (axum hello):"
for c in $CONNS; do run_wrk hello $HELLO "http://127.0.0.1:$HP/" "" "$c"; done
kill $HELLO

# 10,000 contacts and 2,000 appointments.
target/release/examples/load_seed "$WORK/data10k" 10000 2000
P=$(free_port)
T0=$(date +%s%N); start_node "$WORK/data10k" "$P"; T1=$(date +%s%N)
echo "$(( (T1 - T0) / 1000000 ))" >"$OUT/start_ms"
sleep 1; rss_kb "$NODE" >"$OUT/idle_rss"; anon_kb "$NODE" >"$OUT/idle_anon"
ls -l "$BIN" | awk '{print $5}' >"$OUT/binary_bytes"
python3 benches/load/gen.py prepare "http://127.0.0.1:$P" "$WORK" "$CONNS" "$([ -n "${QUICK:-}" ] && echo quick || echo full)"
echo "node (10k contacts):"
for c in $CONNS; do run_wrk health $NODE "http://127.0.0.1:$P/health" "$WORK/health.lua" "$c"; done
for c in $CONNS; do run_wrk voice_entry $NODE "http://127.0.0.1:$P" "$WORK/voice_entry-c$c.lua" "$c"; done
for c in $CONNS; do run_wrk speech_turn $NODE "http://127.0.0.1:$P" "$WORK/speech_turn-c$c.lua" "$c"; done
for c in $CONNS; do run_wrk contacts $NODE "http://127.0.0.1:$P" "$WORK/contacts.lua" "$c"; done
for c in $CONNS; do run_wrk contacts_deep $NODE "http://127.0.0.1:$P" "$WORK/contacts_deep.lua" "$c"; done
for c in $CONNS; do run_wrk login $NODE "http://127.0.0.1:$P" "$WORK/login.lua" "$c"; done
echo "complete booking calls (64 simulated callers):"
python3 benches/load/gen.py calls "http://127.0.0.1:$P" 64 ${CALLS_PER_CALLER:-5} "$OUT/calls.json"

# Memory over a long run: resident size before and after a million more requests
# (the API page and /health at 256 connections), each read after the node idled.
sleep 2; rss_kb "$NODE" >"$OUT/soak_before_rss"
wrk -t2 -c256 -d"${SOAK_SECONDS:-20}s" -s "$WORK/health.lua" "http://127.0.0.1:$P/health" -- 2 >"$OUT/soak-health.txt" 2>&1 || true
wrk -t2 -c256 -d"${SOAK_SECONDS:-20}s" -s "$WORK/contacts_deep.lua" "http://127.0.0.1:$P" -- 2 >"$OUT/soak-contacts.txt" 2>&1 || true
sleep 2; rss_kb "$NODE" >"$OUT/final_rss"; anon_kb "$NODE" >"$OUT/final_anon"
cat "$OUT"/soak-*.txt | awk '/requests in/ {n += $1} END {print n+0}' >"$OUT/soak_requests"
echo "  soak: $(cat "$OUT/soak_requests") requests, RSS $(cat "$OUT/soak_before_rss") kB -> $(cat "$OUT/final_rss") kB"
kill -TERM $NODE; wait $NODE || true

if [ -z "${QUICK:-}" ]; then
  target/release/examples/load_seed "$WORK/data1m" 1000000 2000
  P=$(free_port); start_node "$WORK/data1m" "$P"
  mkdir -p "$WORK/m"
  python3 benches/load/gen.py prepare "http://127.0.0.1:$P" "$WORK/m" "$CONNS" api
  echo "node (1,000,000 contacts):"
  for c in $CONNS; do run_wrk contacts_1m $NODE "http://127.0.0.1:$P" "$WORK/m/contacts.lua" "$c"; done
  for c in $CONNS; do run_wrk search_1m $NODE "http://127.0.0.1:$P" "$WORK/m/search.lua" "$c"; done
  kill -TERM $NODE; wait $NODE || true
fi
python3 benches/load/report.py "$OUT" "$DURATION"
