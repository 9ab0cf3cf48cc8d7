#!/usr/bin/env python3
"""Turns the wrk outputs of benches/load/run.sh into benches/load/results.json
and the table between the load markers in benches/README.md."""
import datetime, glob, json, os, platform, re, sys

out, duration = sys.argv[1], int(sys.argv[2])
TICK_US = 1_000_000 / os.sysconf("SC_CLK_TCK")

def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    if not m: return None
    x = float(m.group(1))
    return {"us": x / 1000, "ms": x, "s": x * 1000}[m.group(2)]

def read(path, default="0"):
    try: return open(path).read().strip()
    except OSError: return default

rows = {}
for f in sorted(glob.glob(os.path.join(out, "*.wrk"))):
    name, conns = os.path.basename(f)[:-4].rsplit("-", 1)
    text = open(f).read()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    lat = {p: ms(v) for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", text, re.M)}
    check = re.search(r"CHECK (\{.*\})", text)
    c = json.loads(check.group(1)) if check else None
    reqs = int(total.group(1)) if total else 0
    cpu = int(read(os.path.join(out, f"{name}-{conns}.cpu")))
    rows[(name, int(conns))] = {
        "scenario": name, "connections": int(conns), "req_per_s": float(rps.group(1)) if rps else 0.0,
        "p50_ms": lat.get("50"), "p90_ms": lat.get("90"), "p99_ms": lat.get("99"), "requests": reqs,
        "correct": (c["ok"] / max(1, c["ok"] + c["bad"])) if c else None, "status_429": c["s429"] if c else 0,
        # Webhook cells must send every request once: a resent one is answered from the stored reply.
        "resent": c.get("reused", 0) if c and c.get("fresh") else 0,
        "peak_rss_kb": int(read(os.path.join(out, f"{name}-{conns}.peak"))),
        "cpu_us_per_request": round(cpu * TICK_US / reqs, 1) if reqs else None,
    }
for (name, c), r in rows.items():
    ceil = rows.get(("hello", c))
    r["pct_of_ceiling"] = round(100 * r["req_per_s"] / ceil["req_per_s"], 1) if ceil and ceil["req_per_s"] else None
    r["correct_req_per_s"] = round(r["req_per_s"] * r["correct"], 1) if r["correct"] is not None else None

calls = json.loads(read(os.path.join(out, "calls.json"), "{}"))
summary = {
    "date": datetime.date.today().isoformat(), "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()}",
    "duration_s": duration, "start_to_healthy_ms": int(read(os.path.join(out, "start_ms"))),
    "idle_rss_kb": int(read(os.path.join(out, "idle_rss"))), "final_rss_kb": int(read(os.path.join(out, "final_rss"))),
    "idle_anon_kb": int(read(os.path.join(out, "idle_anon"))), "final_anon_kb": int(read(os.path.join(out, "final_anon"))),
    "soak_before_rss_kb": int(read(os.path.join(out, "soak_before_rss"))), "soak_requests": int(read(os.path.join(out, "soak_requests"))),
    "binary_bytes": int(read(os.path.join(out, "binary_bytes"))), "booking_calls": calls,
    "scenarios": sorted(rows.values(), key=lambda r: (r["scenario"], r["connections"])),
}
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "results.json"), "w") as f:
    json.dump(summary, f, indent=1)

def fmt(v, d=1):
    return "–" if v is None else f"{v:,.{d}f}"

lines = [f"Run {summary['date']} on {summary['machine']}, `bash benches/load/run.sh` (wrk, {duration} s per cell). "
         f"Start to healthy {summary['start_to_healthy_ms']} ms (process start, script-measured); idle RSS {summary['idle_rss_kb']/1024:.1f} MB "
         f"(of which private {summary['idle_anon_kb']/1024:.1f} MB; the rest is the executable's and libraries' clean file pages), "
         f"idle after the scenarios {summary['soak_before_rss_kb']/1024:.1f} MB and again after {summary['soak_requests']:,} more requests "
         f"{summary['final_rss_kb']/1024:.1f} MB (private {summary['final_anon_kb']/1024:.1f} MB); release binary {summary['binary_bytes']/1e6:.1f} MB.", "",
         "| scenario | conns | req/s | correct | p50 ms | p90 ms | p99 ms | % of ceiling | peak RSS MB | CPU µs/req |",
         "|---|---|---|---|---|---|---|---|---|---|"]
for r in summary["scenarios"]:
    corr = "–" if r["correct"] is None else f"{100*r['correct']:.1f}%" + (f" ({r['status_429']} × 429)" if r["status_429"] else "")
    if r["resent"]:
        corr += f" ({r['resent']} resent: too few prepared requests)"
    lines.append(f"| {r['scenario']} | {r['connections']} | {fmt(r['req_per_s'])} | {corr} | {fmt(r['p50_ms'],2)} | {fmt(r['p90_ms'],2)} | {fmt(r['p99_ms'],2)} | {fmt(r['pct_of_ceiling'])} | {r['peak_rss_kb']/1024:.1f} | {fmt(r['cpu_us_per_request'])} |")
if calls:
    lines += ["", f"Complete booking calls (entry → keypad → date and time → name → number → confirm), {calls['callers']} simulated callers at once: "
              f"{calls['calls']} calls, {calls['booked']} confirmed bookings, {calls['failed']} failed, {calls['calls_per_s']} calls/s ({calls['turns_per_s']} turns/s)."]
table = "\n".join(lines)
readme = os.path.join(here, "..", "README.md")
text = open(readme).read()
start, end = "<!-- load:start -->", "<!-- load:end -->"
if start in text and end in text:
    text = text[:text.index(start) + len(start)] + "\n" + table + "\n" + text[text.index(end):]
else:
    text += f"\n## Load benchmark\n\n{start}\n{table}\n{end}\n"
open(readme, "w").write(text)
print(table)
