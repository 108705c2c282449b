#!/usr/bin/env bash
# The outbox under a burst of invitations: MusterLoad's `invite` scenario for DURATION (10)
# seconds at full speed on a fresh server writing .eml files, then at once a sign-in link for a
# person who already has an account. Reports the invitations acknowledged per second, how long
# the sign-in email took to reach the mail folder behind the backlog, and the rate at which the
# outbox wrote the invitations' emails until none waited.
#
#   Benchmarks/mail-backlog.sh   (after `swift build -c release --product muster` and
#                                 `swift build -c release --package-path Benchmarks`)
# Environment: MUSTER (.build/release/muster), DURATION, CONNECTIONS (64), PORT (18092).
set -euo pipefail
cd "$(dirname "$0")/.."
MUSTER=${MUSTER:-.build/release/muster}
LOAD=${LOAD:-Benchmarks/.build/release/MusterLoad}
[ -x "$MUSTER" ] && [ -x "$LOAD" ] || { echo "build $MUSTER and $LOAD in release first" >&2; exit 64; }
WORK=$(mktemp -d /tmp/muster-backlog.XXXXXX)
trap 'pkill -f "muster serve --data-dir $WORK" 2>/dev/null || true; rm -rf "$WORK"' EXIT
MUSTER="$MUSTER" LOAD="$LOAD" WORK="$WORK" python3 - <<'PY'
import glob, json, os, quopri, re, subprocess, time, urllib.request
MUSTER, LOAD, WORK = os.environ["MUSTER"], os.environ["LOAD"], os.environ["WORK"]
DURATION, CONNECTIONS, PORT = os.environ.get("DURATION", "10"), os.environ.get("CONNECTIONS", "64"), int(os.environ.get("PORT", "18092"))
BASE, DATA, TOKEN = f"http://127.0.0.1:{PORT}", os.path.join(WORK, "data"), os.urandom(16).hex()

def call(method, path, body=None, token=TOKEN):
    request = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"null")

def emails_to(address, kind):
    found = []
    for path in glob.glob(os.path.join(DATA, "mail", "*", "*.eml")):
        # The bodies are quoted-printable: a link's `=` is `=3D`, and a long line is wrapped.
        text = quopri.decodestring(open(path, "rb").read()).decode(errors="replace")
        if f"\r\nTo: {address}\r\n" in text and f"X-Muster-Mail-Kind: {kind}" in text: found.append(text)
    return found

server = subprocess.Popen([MUSTER, "serve", "--data-dir", DATA, "--port", str(PORT), "--admin-token", TOKEN, "--log-level", "error"])
try:
    while True:
        try:
            urllib.request.urlopen(BASE + "/readyz", timeout=1); break
        except Exception: time.sleep(0.05)
    org = call("POST", "/v1/orgs", {"name": "Backlog"})["id"]
    call("POST", f"/v1/orgs/{org}/invitations", {"email": "waiting@bench.example", "role": "viewer"})
    while not emails_to("waiting@bench.example", "invitation"): time.sleep(0.05)
    token = re.search(r"token=([A-Za-z0-9._~-]+)", emails_to("waiting@bench.example", "invitation")[0]).group(1)
    call("POST", "/v1/invitations/accept", {"token": token}, token=None)

    load = subprocess.run([LOAD, "invite", "--url", BASE, "--admin-token", TOKEN, "--connections", CONNECTIONS,
                           "--duration", DURATION, "--warmup", "0"], capture_output=True, text=True)
    burst_end = time.monotonic()
    result = [line for line in load.stdout.splitlines() if line.startswith("RESULT")]
    outbox = call("GET", "/v1/outbox")
    call("POST", "/v1/auth/magic-link", {"email": "waiting@bench.example"}, token=None)
    asked = time.monotonic()
    while not emails_to("waiting@bench.example", "sign_in_link"): time.sleep(0.005)
    waited = time.monotonic() - asked
    print(load.stdout.strip().splitlines()[-2] if len(load.stdout.strip().splitlines()) > 1 else "")
    print(result[0] if result else load.stdout + load.stderr)
    print(f"when the burst ended: {outbox['pending']} emails read and waiting, {outbox['lag_records']} log records behind")
    print(f"the sign-in email reached the mail folder {waited * 1000:.0f} ms after it was asked for")
    while True:
        outbox = call("GET", "/v1/outbox")
        if outbox["pending"] == 0 and outbox["lag_records"] == 0: break
        time.sleep(0.1)
    drained = time.monotonic() - burst_end
    delivered = outbox["delivered"]
    rate = re.search(r"ops_per_s=([0-9.]+)", result[0]).group(1) if result else "?"
    print(f"invitations acknowledged: {rate}/s; the outbox wrote {delivered} emails, the last {drained:.1f} s after the burst ended")
    print(f"drain rate over the whole run: {delivered / (float(DURATION) + drained):.0f} emails/s")
finally:
    server.terminate(); server.wait()
PY
