#!/usr/bin/env bash
# Start time against the size of the mail folder: `muster serve` on the same small data folder
# with no emails, and with COUNT (100,000) delivered .eml files (half in a day's folder, half
# directly in mail/ as versions before day folders wrote them), started RUNS (5) times each in
# turn; the time from the process's start to `/readyz` answering 200, median and range.
#
#   Benchmarks/mail-start.sh        (after `swift build -c release --product muster`)
# Environment: MUSTER (.build/release/muster), COUNT, RUNS, PORT (18091).
set -euo pipefail
cd "$(dirname "$0")/.."
MUSTER=${MUSTER:-.build/release/muster}
[ -x "$MUSTER" ] || { echo "no $MUSTER: run swift build -c release --product muster first" >&2; exit 64; }
WORK=$(mktemp -d /tmp/muster-mailstart.XXXXXX)
trap 'pkill -f "muster serve --data-dir $WORK" 2>/dev/null || true; rm -rf "$WORK"' EXIT
MUSTER="$MUSTER" WORK="$WORK" python3 - <<'PY'
import os, shutil, subprocess, time, urllib.request, statistics
MUSTER, WORK = os.environ["MUSTER"], os.environ["WORK"]
COUNT, RUNS, PORT = int(os.environ.get("COUNT", "100000")), int(os.environ.get("RUNS", "5")), int(os.environ.get("PORT", "18091"))

def start(folder):
    started = time.monotonic()
    process = subprocess.Popen([MUSTER, "serve", "--data-dir", folder, "--port", str(PORT), "--log-level", "error"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=1) as answer:
                if answer.status == 200: break
        except Exception:
            time.sleep(0.005)
    ready = time.monotonic() - started
    process.terminate(); process.wait()
    return ready

empty = os.path.join(WORK, "empty")
start(empty)  # makes the folder: log, secrets, journals
full = os.path.join(WORK, "full")
shutil.copytree(empty, full)
message = b"Message-ID: <x@muster>\r\nTo: someone@example.org\r\nSubject: Hello\r\n\r\nA delivered email.\r\n"
day = os.path.join(full, "mail", "2026-12-05")
os.makedirs(day, exist_ok=True)
for index in range(COUNT):
    folder = day if index % 2 == 0 else os.path.join(full, "mail")
    with open(os.path.join(folder, f"{index}-0.eml"), "wb") as file: file.write(message)
    if index % 2 == 0: os.chmod(os.path.join(folder, f"{index}-0.eml"), 0o644)
times = {"no emails": [], f"{COUNT:,} emails": []}
for _ in range(RUNS):
    times["no emails"].append(start(empty))
    times[f"{COUNT:,} emails"].append(start(full))
for name, values in times.items():
    print(f"{name}: ready after median {statistics.median(values) * 1000:.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f}) over {RUNS} starts")
PY
