#!/usr/bin/env bash
# Every performance target of the restart-and-hot-path work measured in one run, side by side
# with its peer, then a table of target, figure and whether it is met: the HTTP stack's
# hello-world ceiling and Muster's invitations, reads and bulk invitations (http.sh);
# PostgreSQL's invite() under pgbench (peers/postgres.sh); Redis loading the same rows as a
# generated folder (peers/redis.sh); and a start from the log alone on that folder.
#
#   Benchmarks/targets.sh <folder made by MusterMeasure generate>   (from the repository root,
#                                                                    after both release builds)
# Environment: DURATION seconds per HTTP scenario (10). The outputs stay in the folder printed
# first. Takes about ten minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
FOLDER=${1:?usage: Benchmarks/targets.sh <folder made by MusterMeasure generate>}
[ -f "$FOLDER/generated.txt" ] || { echo "$FOLDER was not made by MusterMeasure generate" >&2; exit 1; }
MEASURE=Benchmarks/.build/release/MusterMeasure
OUT=$(mktemp -d /tmp/muster-targets.XXXXXX)
echo "outputs in $OUT; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ); $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

SCENARIOS="hello invite invite-half caseload workspace bulk" Benchmarks/http.sh | tee "$OUT/http.txt"
Benchmarks/peers/postgres.sh | tee "$OUT/postgres.txt"
Benchmarks/peers/redis.sh "$FOLDER" | tee "$OUT/redis.txt"
"$MEASURE" recover "$FOLDER" .build/release/muster log | tee "$OUT/log.txt"

# A field of a scenario's RESULT line in http.sh's output (the nth run of that scenario).
result() { awk -v s="$1" -v f="$2" -v n="${3:-1}" '/^RESULT/ && $2 == "scenario="s { if (++seen == n) for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) { printf "%d", kv[2]; exit } } }' "$OUT/http.txt"; }
field() { sed -n "s/.*$2\([0-9.]*\).*/\1/p" "$OUT/$1" | head -1; }
HELLO=$(result hello requests_per_s)
INVITE=$(result invite requests_per_s)
HALF_P99=$(awk '/^RESULT/ && $2 == "scenario=invite" { if (++seen == 2) for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "p99_ms") print kv[2] } }' "$OUT/http.txt")
CASELOAD=$(result caseload requests_per_s)
WORKSPACE=$(result workspace requests_per_s)
BULK=$(result bulk ops_per_s)
PG_INVITE=$(awk '/invite\(\): / { print $2; exit }' "$OUT/postgres.txt")
REDIS_SECONDS=$(sed -n 's/.*loaded at start in \([0-9.]*\) s.*/\1/p' "$OUT/redis.txt")
MUSTER_SECONDS=$(sed -n 's/.*ready in \([0-9.]*\) s;.*/\1/p' "$OUT/redis.txt")
PER_RECORD=$(sed -n 's/.*; \([0-9]*\) bytes per record.*/\1/p' "$OUT/redis.txt")
REDIS_PER_RECORD=$(sed -n 's/.* = \([0-9]*\) bytes per record/\1/p' "$OUT/redis.txt")
LOG_SECONDS=$(field log.txt "seconds=")
EVENTS=$(awk '$1 == "events" { print $2 }' "$FOLDER/generated.txt")

row() { # target, figure, met (an awk condition on a and b)
    printf "| %s | %s | %s |\n" "$1" "$2" "$(awk -v a="$3" -v b="$4" "BEGIN { print ($5) ? \"**yes**\" : \"no\" }")"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo
echo "| target | measured in this run | met? |"
echo "|---|---|---|"
row "single invitations over HTTP ≥ 0.65 × hello-world" "$INVITE vs $HELLO/s = $(ratio "$INVITE" "$HELLO")×" "$INVITE" "$HELLO" "a >= 0.65 * b"
row "… ≥ 4 × PostgreSQL's invite()" "$INVITE vs $PG_INVITE/s = $(ratio "$INVITE" "$PG_INVITE")×" "$INVITE" "$PG_INVITE" "a >= 4 * b"
row "… p99 ≤ 10 ms at half the closed-loop rate" "p99 $HALF_P99 ms" "$HALF_P99" 0 "a <= 10"
row "caseload reads ≥ 0.8 × hello-world" "$CASELOAD/s = $(ratio "$CASELOAD" "$HELLO")×" "$CASELOAD" "$HELLO" "a >= 0.8 * b"
row "workspace reads ≥ 0.8 × hello-world" "$WORKSPACE/s = $(ratio "$WORKSPACE" "$HELLO")×" "$WORKSPACE" "$HELLO" "a >= 0.8 * b"
row "bulk invitations ≥ 200,000/s over HTTP" "$BULK/s" "$BULK" 0 "a >= 200000"
row "ready from a snapshot ≤ 1.0 s" "$MUSTER_SECONDS s" "$MUSTER_SECONDS" 0 "a <= 1.0"
row "… ≥ 4 × faster than Redis loading the same rows" "Redis $REDIS_SECONDS s = $(ratio "$REDIS_SECONDS" "$MUSTER_SECONDS")×" "$REDIS_SECONDS" "$MUSTER_SECONDS" "a >= 4 * b"
row "≤ 300 B resident per collaborator-or-invitation" "$PER_RECORD B (Redis $REDIS_PER_RECORD B)" "$PER_RECORD" 0 "a <= 300"
row "log-only recovery ≥ 1,000,000 events/s" "$EVENTS events in $LOG_SECONDS s = $(awk -v e="$EVENTS" -v s="$LOG_SECONDS" 'BEGIN { printf "%d", e / s }')/s" "$EVENTS" "$LOG_SECONDS" "a / b >= 1000000"
