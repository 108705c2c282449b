#!/usr/bin/env bash
# "Ready means ready": the latency of the mixed load in the first minute after a restart on a
# large data folder, beside the same load on a fresh, empty server. The folder is copied (its
# files stay in the page cache, a warm restart), `muster serve` is started on the copy, and as
# soon as `/readyz` answers the mix's set-up and a 60-second open-loop run at RATE begin.
#
#   Benchmarks/restart-latency.sh /tmp/big    (a folder from `MusterMeasure generate`, after
#                                             `swift build -c release` in both packages)
# Environment: RATE requests/s (3000), DURATION seconds (60), MUSTER (the server binary).
set -euo pipefail
cd "$(dirname "$0")/.."
FOLDER=${1:?usage: Benchmarks/restart-latency.sh GENERATED_FOLDER}
RATE=${RATE:-3000}
DURATION=${DURATION:-60}
MUSTER=${MUSTER:-.build/release/muster}
LOAD=Benchmarks/.build/release/MusterLoad
WORK=$(mktemp -d /tmp/muster-restart.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
for run in restarted fresh; do
    rm -rf "$WORK/data"
    if [ "$run" = restarted ]; then cp -a "$FOLDER" "$WORK/data"; rm -f "$WORK/data/LOCK"; else mkdir "$WORK/data"; fi
    started=$(date +%s.%N)
    "$MUSTER" serve --data-dir "$WORK/data" --port 18082 --admin-token "$TOKEN" --log-level error & PID=$!
    until curl -sf http://127.0.0.1:18082/readyz >/dev/null; do sleep 0.05; done
    echo "$run: ready after $(echo "$(date +%s.%N) - $started" | bc | cut -c1-5) s; the mix's set-up and run start now"
    "$LOAD" mix --connections 64 --duration "$DURATION" --warmup 0 --rate "$RATE" --data "$WORK/data" --admin-token "$TOKEN" \
        --url http://127.0.0.1:18082 | sed "s/^/  /"
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
done
