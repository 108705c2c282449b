#!/usr/bin/env bash
# The server's CPU for each single invitation and its email: `muster serve` on a fresh folder,
# MusterLoad's `invite` scenario for DURATION seconds, then a wait until the mail folder stops
# growing (every email written); the process's user and system time from /proc, per email.
# Throughput moves with this VM's noise; CPU per email is steadier, so two builds compare here.
#
#   Benchmarks/invite-cpu.sh BUILD...   (after `swift build -c release` in both packages)
# Environment: DURATION seconds (10), CONNECTIONS (64), ROUNDS (1; builds alternate).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-1}
LOAD=Benchmarks/.build/release/MusterLoad
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
ticks=$(getconf CLK_TCK)
for _ in $(seq "$ROUNDS"); do
    for muster in "$@"; do
        work=$(mktemp -d /tmp/muster-invite-cpu.XXXXXX)
        "$muster" serve --data-dir "$work" --port 18094 --admin-token "$TOKEN" --log-level warning > /dev/null 2>&1 &
        pid=$!
        until curl -sf http://127.0.0.1:18094/readyz > /dev/null; do sleep 0.1; done
        read -r -a before < "/proc/$pid/stat"
        result=$("$LOAD" invite --connections "$CONNECTIONS" --duration "$DURATION" --data "$work" --admin-token "$TOKEN" --url http://127.0.0.1:18094 | grep RESULT)
        previous=-1
        while true; do
            emails=$(find "$work/mail" -name '*.eml' | wc -l)
            [ "$emails" = "$previous" ] && break
            previous=$emails
            sleep 2
        done
        read -r -a after < "/proc/$pid/stat"
        user=$(( (after[13] - before[13]) * 1000000 / ticks / emails ))
        system=$(( (after[14] - before[14]) * 1000000 / ticks / emails ))
        rate=$(echo "$result" | grep -o 'requests_per_s=[0-9]*')
        echo "RESULT muster=$muster $rate emails=$emails user_us_per_email=$user system_us_per_email=$system"
        kill "$pid"
        wait "$pid" 2> /dev/null || true
        rm -rf "$work"
    done
done
