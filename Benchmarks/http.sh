#!/usr/bin/env bash
# Every HTTP workload of MusterLoad in one run, against a fresh `muster serve` (group commit,
# data in a temporary folder) and, for the HTTP stack's ceiling, HelloServer on the same
# machine. Single durable invitations run twice: flat out, then open loop at half that rate
# for the latency target.
#
#   Benchmarks/http.sh         (from the repository root, after `swift build -c release`
#                               in both packages)
# Environment: CONNECTIONS (64), DURATION seconds (10), SCENARIOS (all; bulk last, since the
# 300,000 emails it causes slow the link lookups of the scenarios after it), MUSTER (the server
# binary), SETTLE (the longest wait, in seconds, for the outbox to finish the emails of the
# scenarios before a read scenario; 300).
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10}
SCENARIOS=${SCENARIOS:-"hello healthz invite invite-half accept collaborator end caseload workspace check check-batch mix bulk"}
MUSTER=${MUSTER:-.build/release/muster}   # another build of the server, to compare two in one run
LOAD=Benchmarks/.build/release/MusterLoad
HELLO=Benchmarks/.build/release/HelloServer
for tool in "$MUSTER" "$LOAD" "$HELLO"; do
    [ -x "$tool" ] || { echo "build first: swift build -c release && swift build -c release --package-path Benchmarks" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/muster-http.XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
"$HELLO" 8090 >/dev/null 2>&1 & PIDS+=($!)
"$MUSTER" serve --data-dir "$WORK" --port 18080 --admin-token "$TOKEN" --log-level warning & PIDS+=($!)
until curl -sf http://127.0.0.1:18080/readyz >/dev/null && curl -sf http://127.0.0.1:8090/hello >/dev/null; do sleep 0.1; done
echo "$(nproc) cores, $CONNECTIONS connections, $DURATION s per scenario, $(date -u +%Y-%m-%dT%H:%MZ)"
INVITE_RATE=0
# Waits (up to SETTLE seconds, 300 by default) until the outbox has written every email the
# scenarios before caused, so a read scenario measures reads and not reads beside a backlog of
# email files; says how long that took, and what was left if it never settled.
settle() {
    local waited=0 lag
    while :; do
        lag=$(curl -sf http://127.0.0.1:18080/metrics | awk '/^muster_outbox_(lag_records|pending)/ { sum += $2 } END { print sum + 0 }')
        if [ "${lag%.*}" = 0 ] || [ "$waited" -ge "${SETTLE:-300}" ]; then break; fi
        sleep 1
        waited=$((waited + 1))
    done
    echo "SETTLE before=$1 waited_s=$waited outbox_left=$lag"
}
for scenario in $SCENARIOS; do
    case $scenario in
        caseload | workspace | check | check-batch) settle "$scenario" ;;
    esac
    args=(--connections "$CONNECTIONS" --duration "$DURATION" --data "$WORK" --admin-token "$TOKEN" --url http://127.0.0.1:18080)
    case $scenario in
        hello) args+=(--url http://127.0.0.1:8090) ;;
        invite-half) scenario=invite; args+=(--rate $((INVITE_RATE / 2))) ;;
    esac
    output=$("$LOAD" "$scenario" "${args[@]}")
    echo "$output"
    if [ "$scenario" = invite ] && [ "$INVITE_RATE" = 0 ]; then
        INVITE_RATE=$(echo "$output" | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "requests_per_s") print int(kv[2]) } }')
    fi
done
