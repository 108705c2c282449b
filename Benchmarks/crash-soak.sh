#!/usr/bin/env bash
# The crash soak: ROUNDS times, `muster serve` is started on one data folder, mixed writes pour
# in from WRITERS clients (single invitations, tenants, collaborators with their emailed links,
# revocations), and at a random moment the server is killed with SIGKILL. Every restart must
# become ready; at the end every acknowledged change must be there and every acknowledged
# invitation and collaborator must have exactly one email in the mail folder.
#
#   Benchmarks/crash-soak.sh 100        (after `swift build -c release --product muster`)
# Environment: MUSTER (the server binary, .build/release/muster), WRITERS (16),
# MIN_MS / MAX_MS (how long each round writes before the kill: 200 / 3000), PORT (18090).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-100}
MUSTER=${MUSTER:-.build/release/muster}
[ -x "$MUSTER" ] || { echo "no $MUSTER: run swift build -c release --product muster first" >&2; exit 64; }
WORK=$(mktemp -d /tmp/muster-soak.XXXXXX)
trap 'pkill -9 -f "muster serve --data-dir $WORK" 2>/dev/null || true; rm -rf "$WORK"' EXIT
MUSTER="$MUSTER" WORK="$WORK" ROUNDS="$ROUNDS" python3 - <<'PY'
import json, os, random, signal, subprocess, threading, time, urllib.error, urllib.request, glob, collections

MUSTER, WORK, ROUNDS = os.environ["MUSTER"], os.environ["WORK"], int(os.environ["ROUNDS"])
WRITERS = int(os.environ.get("WRITERS", "16"))
MIN_MS, MAX_MS = int(os.environ.get("MIN_MS", "200")), int(os.environ.get("MAX_MS", "3000"))
PORT = int(os.environ.get("PORT", "18090"))
BASE = f"http://127.0.0.1:{PORT}"
DATA = os.path.join(WORK, "data")
TOKEN = os.urandom(16).hex()

def call(method, path, body=None, token=TOKEN, timeout=10):
    request = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as refusal:
        return refusal.code, None

def start():
    log = open(os.path.join(WORK, "server.log"), "ab")
    process = subprocess.Popen([MUSTER, "serve", "--data-dir", DATA, "--port", str(PORT), "--admin-token", TOKEN,
                                "--log-level", "error", "--webhook-allow-private-networks"], stdout=log, stderr=log)
    started = time.monotonic()
    while time.monotonic() - started < 60:
        if process.poll() is not None:
            return process, None, f"exited with {process.returncode} before it was ready"
        try:
            with urllib.request.urlopen(BASE + "/readyz", timeout=1) as answer:
                if answer.status == 200:
                    return process, time.monotonic() - started, None
        except Exception:
            pass
        time.sleep(0.02)
    return process, None, "not ready within 60 s"

acknowledged = {"invitations": set(), "tenants": set(), "collaborators": set(), "revoked": set()}
lock = threading.Lock()
orgs = []

def writer(number, round_, stop):
    rng = random.Random(f"{round_}-{number}")
    sequence = 0
    while not stop.is_set():
        sequence += 1
        org = rng.choice(orgs)
        kind = rng.random()
        try:
            if kind < 0.6:
                email = f"r{round_}w{number}n{sequence}@soak.example"
                status, answer = call("POST", f"/v1/orgs/{org}/invitations", {"email": email, "role": "viewer"})
                if status == 201:
                    with lock: acknowledged["invitations"].add((org, email, answer["id"]))
                    if rng.random() < 0.1:
                        status, _ = call("POST", f"/v1/orgs/{org}/invitations/{answer['id']}/revoke", {"reason": "soak"})
                        if status == 200:
                            with lock: acknowledged["revoked"].add(answer["id"])
            elif kind < 0.85:
                name = f"tenant r{round_}w{number}n{sequence}"
                status, answer = call("POST", f"/v1/orgs/{org}/tenants", {"name": name})
                if status == 201:
                    with lock: acknowledged["tenants"].add((org, answer["id"]))
            else:
                status, tenant = call("POST", f"/v1/orgs/{org}/tenants", {"name": f"case r{round_}w{number}n{sequence}"})
                if status != 201: continue
                with lock: acknowledged["tenants"].add((org, tenant["id"]))
                email = f"c{round_}w{number}n{sequence}@support.example"
                status, answer = call("POST", f"/v1/orgs/{org}/tenants/{tenant['id']}/collaborators",
                                      {"mode": "full", "email": email, "full_name": "Soak Worker"})
                if status == 201:
                    with lock: acknowledged["collaborators"].add((org, tenant["id"], email, answer["id"]))
        except Exception:
            pass  # refused or cut off by the kill: not acknowledged

failures = []
ready_times = []
process, ready, error = start()
assert error is None, error
for index in range(4):
    status, answer = call("POST", "/v1/orgs", {"name": f"Soak {index}"})
    assert status == 201, status
    orgs.append(answer["id"])
for round_ in range(ROUNDS):
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(n, round_, stop)) for n in range(WRITERS)]
    for thread in threads: thread.start()
    time.sleep(random.uniform(MIN_MS, MAX_MS) / 1000)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stop.set()
    for thread in threads: thread.join()
    process, ready, error = start()
    if error:
        failures.append(f"round {round_}: {error}")
        print(f"round {round_}: RESTART FAILED: {error}", flush=True)
        break
    ready_times.append(ready)
    if round_ % 10 == 9:
        print(f"round {round_ + 1}: ready after {ready:.3f} s; acknowledged so far: "
              + ", ".join(f"{len(v)} {k}" for k, v in acknowledged.items()), flush=True)

# Every acknowledged change is there.
lost = collections.Counter()
for org, email, invitation in acknowledged["invitations"]:
    status, answer = call("GET", f"/v1/orgs/{org}/invitations/{invitation}")
    if status != 200: lost["invitations"] += 1
    elif invitation in acknowledged["revoked"] and answer.get("status") != "revoked": lost["revocations"] += 1
for org, tenant in acknowledged["tenants"]:
    if call("GET", f"/v1/orgs/{org}/tenants/{tenant}")[0] != 200: lost["tenants"] += 1
for org, tenant, email, row in acknowledged["collaborators"]:
    status, answer = call("GET", f"/v1/orgs/{org}/tenants/{tenant}/collaborators")
    if status != 200 or row not in [item["id"] for item in answer["items"]]: lost["collaborators"] += 1

# Every acknowledged invitation and collaborator has exactly one email, once the outbox drains.
deadline = time.monotonic() + 300
while time.monotonic() < deadline:
    status, outbox = call("GET", "/v1/outbox")
    if status == 200 and outbox["pending"] == 0 and outbox["lag_records"] == 0: break
    time.sleep(0.5)
received = collections.Counter()
for path in glob.glob(os.path.join(DATA, "mail", "*", "*.eml")):
    with open(path, "rb") as file:
        for line in file.read().split(b"\r\n"):
            if line.startswith(b"To: "): received[line[4:].decode()] += 1; break
            if not line: break
expected = [email for _, email, _ in acknowledged["invitations"]] + [email for _, _, email, _ in acknowledged["collaborators"]]
missing = sum(1 for email in expected if received[email] == 0)
doubled = sum(1 for email in expected if received[email] > 1)
process.send_signal(signal.SIGTERM)
process.wait()

ready_times.sort()
total = sum(len(acknowledged[k]) for k in ("invitations", "tenants", "collaborators", "revoked"))
print(f"rounds: {len(ready_times)} of {ROUNDS} restarts ready"
      + (f" (ready after median {ready_times[len(ready_times) // 2]:.3f} s, max {ready_times[-1]:.3f} s)" if ready_times else ""))
print(f"acknowledged changes: {total} ({', '.join(f'{len(v)} {k}' for k, v in acknowledged.items())}); lost: {sum(lost.values())} {dict(lost)}")
print(f"emails expected: {len(expected)}; missing: {missing}; doubled: {doubled}")
ok = not failures and len(ready_times) == ROUNDS and not lost and missing == 0 and doubled == 0
print(f"{'1 passed, 0 failed' if ok else '0 passed, 1 failed'}")
raise SystemExit(0 if ok else 1)
PY
