#!/usr/bin/env python3
"""Prepares the wrk scenarios of the load benchmark against a running node:
signs Twilio webhook requests exactly as Twilio does (HMAC-SHA1 over the URL and
the sorted form parameters), creates live call sessions for the speech-turn
scenario, signs in for the API scenarios, and writes one wrk Lua script per
scenario. Each script checks every response body and reports how many were
correct. `calls` runs complete booking calls with many simulated callers."""
import base64, hashlib, hmac, json, sys, threading, time, urllib.parse, urllib.request

TOKEN = "load-test-auth-token"
NUMBER = "+15553004000"

def sign(base, path, params):
    data = base + path + "".join(k + v for k, v in sorted(params))
    return base64.b64encode(hmac.new(TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()

def post_form(base, path, params):
    body = urllib.parse.urlencode(params).encode()
    req = urllib.request.Request(base + path, data=body, method="POST", headers={
        "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sign(base, path, params)})
    with urllib.request.urlopen(req) as r:
        return r.read().decode()

def lua_str(s):
    return json.dumps(s)  # JSON strings are valid Lua strings for our ASCII content

CHECK = """
ok, bad, s429 = 0, 0, 0
local threads = {}
function setup(thread)
  thread:set("TID", #threads)
  table.insert(threads, thread)
end
function response(status, headers, body)
  if status == 429 then s429 = s429 + 1 end
  if status == EXPECT_STATUS and string.find(body, EXPECT_BODY, 1, true) then ok = ok + 1
  elseif ALSO_OK_429 and status == 429 then ok = ok + 1
  else bad = bad + 1 end
end
function done(summary, latency, requests)
  local o, b, t, r = 0, 0, 0, 0
  for _, th in ipairs(threads) do
    o = o + (th:get("ok") or 0); b = b + (th:get("bad") or 0)
    t = t + (th:get("s429") or 0); r = r + (th:get("reused") or 0)
  end
  io.write(string.format('CHECK {"ok":%d,"bad":%d,"s429":%d,"reused":%d,"fresh":%s}\\n', o, b, t, r, tostring(FRESH)))
end
"""

def script(path, requests, expect_status, expect_body, also_429=False, fresh=False):
    """`requests`: list of (method, path, headers dict, body).
    They go to a data file (a Lua table literal of hundreds of thousands of
    signed requests would exceed Lua's constant limit). wrk thread k of n sends
    the requests k, k+n, k+2n, ... in order. `fresh` scenarios (new calls, new
    turns) must never send one twice: the script counts every request sent
    again after a thread ran out ("reused"), and the report marks such a cell."""
    data = path + ".data"
    with open(data, "w") as f:
        for m, p, h, b in requests:
            f.write("\t".join([m, p, h.get("X-Twilio-Signature", ""), h.get("Authorization", ""), h.get("Content-Type", ""), b or ""]) + "\n")
    with open(path, "w") as f:
        f.write("EXPECT_STATUS = %d\nEXPECT_BODY = %s\nALSO_OK_429 = %s\nFRESH = %s\nDATA = %s\n" % (
            expect_status, lua_str(expect_body), "true" if also_429 else "false", "true" if fresh else "false", lua_str(data)))
        f.write(LOADER)
        f.write(CHECK)

LOADER = """
local reqs = {}
reused = 0
function init(args)
  local n = tonumber(args[1]) or 1
  local k = 0
  for line in io.lines(DATA) do
    if k % n == (TID or 0) then
      local m, p, sig, auth, ct, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local h = {}
      if sig ~= "" then h["X-Twilio-Signature"] = sig end
      if auth ~= "" then h["Authorization"] = auth end
      if ct ~= "" then h["Content-Type"] = ct end
      if body == "" then body = nil end
      table.insert(reqs, wrk.format(m, p, h, body))
    end
    k = k + 1
  end
end
local i, wrapped = 0, false
function request()
  i = i + 1
  if i > #reqs then i = 1; wrapped = true end
  if wrapped then reused = reused + 1 end
  return reqs[i]
end
"""
def signed(base, path, params):
    return ("POST", path, {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sign(base, path, params)}, urllib.parse.urlencode(params))

def prepare(base, out, conns, mode):
    """Writes every scenario's script. Webhook scenarios get their own requests
    for each connection count (`<name>-c<conns>.lua`): every voice entry is a new
    call and every speech turn the next turn of a live call, so no cell is
    answered from a stored reply of an earlier one. `mode`: full, quick (small
    webhook sets for a smoke run) or api (no webhook scenarios)."""
    quick = mode == "quick"
    req = urllib.request.Request(base + "/api/auth/login", data=json.dumps({"email": "owner@load.test", "password": "load test passphrase"}).encode(), method="POST", headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        token = json.loads(r.read())["token"]
    auth = {"Authorization": "Bearer " + token}
    script(out + "/health.lua", [("GET", "/health", {}, None)], 200, '"status":"ok"')
    for cell, c in enumerate(conns if mode != "api" else []):
        # Enough for 10 s at the rates measured (about 3k/s at 1 connection, 30k/s at 32 or more).
        entries = 5_000 if quick else (60_000 if c == 1 else 450_000)
        sessions, rounds = (200, 10) if quick else ((1_000, 60) if c == 1 else (2_000, 200))
        reqs = []
        for n in range(entries):
            p = [("CallSid", "CAentry%d%011d" % (cell, n)), ("From", "+1555%07d" % (n % 10_000_000)), ("To", NUMBER), ("CallStatus", "ringing")]
            reqs.append(signed(base, "/voice/rachel/", p))
        script(out + "/voice_entry-c%d.lua" % c, reqs, 200, "<Gather", fresh=True)
        # Live calls past the language menu, then one question per turn, turns in order.
        reqs = []
        for s in range(sessions):
            sid = "CAturn%d%011d" % (cell, s)
            base_p = [("CallSid", sid), ("From", "+1556%07d" % (cell * 100_000 + s)), ("To", NUMBER)]
            post_form(base, "/voice/rachel/", base_p)
            post_form(base, "/voice/gather?turn=2", base_p + [("Digits", "1")])
        for r in range(rounds):
            for s in range(sessions):
                path = "/voice/gather?turn=%d" % (3 + r)
                p = [("CallSid", "CAturn%d%011d" % (cell, s)), ("From", "+1556%07d" % (cell * 100_000 + s)), ("To", NUMBER), ("SpeechResult", "What are your hours today?"), ("Confidence", "0.9")]
                reqs.append(signed(base, path, p))
        script(out + "/speech_turn-c%d.lua" % c, reqs, 200, "open from", fresh=True)
    # The list as the dashboard opens it (first page of 50, newest first: what the
    # original was measured on), and paging through all of it (pages 1-100).
    script(out + "/contacts.lua", [("GET", "/api/contacts?page=1&limit=50", auth, None)], 200, '"success":true')
    script(out + "/contacts_deep.lua", [("GET", "/api/contacts?page=%d&limit=50" % (1 + k % 100), auth, None) for k in range(100)], 200, '"success":true')
    terms = ["smith", "garcia", "ada", "lee4", "martin12", "555-300", "0042", "grace miller", "ken", "perez9"]
    script(out + "/search.lua", [("GET", "/api/contacts?search=%s&limit=50" % urllib.parse.quote(t), auth, None) for t in terms], 200, '"success":true')
    body = json.dumps({"email": "owner@load.test", "password": "load test passphrase"})
    script(out + "/login.lua", [("POST", "/api/auth/login", {"Content-Type": "application/json"}, body)], 200, '"token"', also_429=True)
    print("prepared scenarios in", out)

def calls(base, callers, per_caller, out):
    """Complete booking calls (entry, keypad, date and time, name, caller's number, confirm)."""
    booked, failed = [0], [0]
    lock = threading.Lock()
    def caller(c):
        for k in range(per_caller):
            n = c * per_caller + k
            sid = "CAbook%012d" % n
            p = [("CallSid", sid), ("From", "+1555%07d" % (4_000_000 + n)), ("To", NUMBER)]
            day, slot = 30 + n // 48, n % 48
            when = "in %d days at %d:%s" % (day, slot // 2 if slot // 2 else 12, "30" if slot % 2 else "00")
            when += " am" if slot // 2 < 12 else " pm"
            try:
                post_form(base, "/voice/rachel/", p)
                steps = [("Digits", "1"), ("SpeechResult", "I'd like to book an appointment " + when), ("SpeechResult", "My name is Ada Lovelace"), ("SpeechResult", "yes"), ("SpeechResult", "yes")]
                last = ""
                for t, (k2, v) in enumerate(steps):
                    last = post_form(base, "/voice/gather?turn=%d" % (t + 2), p + [(k2, v)])
                ok = "all set" in last
            except Exception:
                ok = False
            with lock:
                if ok: booked[0] += 1
                else: failed[0] += 1
    t0 = time.time()
    threads = [threading.Thread(target=caller, args=(c,)) for c in range(callers)]
    for t in threads: t.start()
    for t in threads: t.join()
    took = time.time() - t0
    res = {"callers": callers, "calls": callers * per_caller, "booked": booked[0], "failed": failed[0], "seconds": round(took, 2), "calls_per_s": round(callers * per_caller / took, 1), "turns_per_s": round(callers * per_caller * 6 / took, 1)}
    with open(out, "w") as f:
        json.dump(res, f)
    print(json.dumps(res))

if __name__ == "__main__":
    cmd, base = sys.argv[1], sys.argv[2]
    if cmd == "prepare":
        prepare(base, sys.argv[3], [int(c) for c in sys.argv[4].split()], sys.argv[5])
    elif cmd == "calls":
        calls(base, int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
