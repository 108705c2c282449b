#!/usr/bin/env bash
# The cluster side by side with one machine and with PostgreSQL itself, in one run: a
# throw-away PostgreSQL (scripts/postgres-local, fsync and synchronous commit on) holding both
# PostgreSQL's own invite() (the peers' schema, under pgbench) and the log of three Muster nodes
# on loopback.
#
#   Benchmarks/cluster.sh          (from the repository root, after `swift build -c release`
#                                   in both packages)
#
# It measures, in order:
#   1. single invitations over HTTP through the leader (the log in PostgreSQL), beside one
#      `muster serve` on its file log and pgbench's invite(), same connections;
#   2. caseload reads on a follower while the leader takes invitations, and the followers' lag;
#   3. failover: KILLS times (10), the leader is `kill -9`ed while a client writes through a
#      follower; the time from the kill to the first acknowledged write. The killed node is
#      started again before the next round.
# Environment: CONNECTIONS (64), DURATION seconds (10), KILLS (10).
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10}
KILLS=${KILLS:-10}
MUSTER=$PWD/.build/release/muster
LOAD=$PWD/Benchmarks/.build/release/MusterLoad
for tool in "$MUSTER" "$LOAD"; do
    [ -x "$tool" ] || { echo "build first: swift build -c release && swift build -c release --package-path Benchmarks" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/muster-cluster-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=(0 0 0)
SINGLE_PID=""
cleanup() {
    for pid in "${PIDS[@]}" $SINGLE_PID; do [ "$pid" != 0 ] && kill -9 "$pid" 2>/dev/null || true; done
    scripts/postgres-local stop "$WORK/pg" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=$(scripts/postgres-local start "$WORK/pg" "$PG_PORT")
PSQL=(psql -q -X -v ON_ERROR_STOP=1 "$URL")
"${PSQL[@]}" -c "CREATE DATABASE bench" -c "CREATE DATABASE cluster" >/dev/null
BENCH_URL=${URL%/*}/bench
CLUSTER_URL=${URL%/*}/cluster
psql -q -X -v ON_ERROR_STOP=1 "$BENCH_URL" -f Benchmarks/peers/postgres-schema.sql >/dev/null

TOKEN=mkadmin_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$WORK/shared/mail"
echo "$TOKEN" > "$WORK/shared/admin-token"
BASE=18180
start_node() {  # index
    local port=$((BASE + $1 + 1))
    "$MUSTER" serve --port "$port" --data-dir "$WORK/node-$1" --postgres-url "$CLUSTER_URL" --node-name "node-$1" \
        --advertise-url "http://127.0.0.1:$port" --mail-dir "$WORK/shared/mail" --admin-token "$TOKEN" --log-level warning \
        >> "$WORK/node-$1.log" 2>&1 &
    PIDS[$1]=$!
    disown "$!"  # killed on purpose: no "Killed" notices
}
wait_ready() { until curl -sf "http://127.0.0.1:$((BASE + $1 + 1))/readyz" >/dev/null; do sleep 0.05; done; }
leader() {  # prints the leader's index
    local name
    for _ in $(seq 1 200); do
        for i in 0 1 2; do
            name=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$((BASE + i + 1))/v1/cluster" 2>/dev/null \
                | python3 -c 'import json,sys; print(json.load(sys.stdin)["leader"] or "")' 2>/dev/null || true)
            if [ -n "$name" ]; then echo "${name#node-}"; return; fi
        done
        sleep 0.05
    done
    echo "no leader" >&2; exit 1
}
for i in 0 1 2; do start_node $i; done
for i in 0 1 2; do wait_ready $i; done
L=$(leader)
F=$(( (L + 1) % 3 ))
echo "Three nodes on PostgreSQL $(psql -X -At "$URL" -c 'SHOW server_version'), leader node-$L; $CONNECTIONS connections, $DURATION s each"

result() { awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "ops_per_s") print kv[2] } }'; }
latency() { awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "p99_ms") print kv[2] } }' "$1"; }

# 1. Single invitations.
"$LOAD" invite --url "http://127.0.0.1:$((BASE + L + 1))" --data "$WORK/shared" --admin-token "$TOKEN" --connections "$CONNECTIONS" \
    --duration "$DURATION" > "$WORK/invite-leader.load"
C_INVITE=$(result < "$WORK/invite-leader.load")
echo "  invitations through the leader (log in PostgreSQL): $C_INVITE/s, p99 $(latency "$WORK/invite-leader.load") ms"
"$LOAD" invite --url "http://127.0.0.1:$((BASE + F + 1))" --data "$WORK/shared" --admin-token "$TOKEN" --connections "$CONNECTIONS" \
    --duration "$DURATION" > "$WORK/invite-follower.load"
echo "  invitations through a follower (forwarded):         $(result < "$WORK/invite-follower.load")/s, p99 $(latency "$WORK/invite-follower.load") ms"
mkdir -p "$WORK/single"
"$MUSTER" serve --port $((BASE + 9)) --data-dir "$WORK/single" --admin-token "$TOKEN" --log-level warning > "$WORK/single.log" 2>&1 &
SINGLE_PID=$!
until curl -sf "http://127.0.0.1:$((BASE + 9))/readyz" >/dev/null; do sleep 0.05; done
"$LOAD" invite --url "http://127.0.0.1:$((BASE + 9))" --data "$WORK/single" --admin-token "$TOKEN" --connections "$CONNECTIONS" \
    --duration "$DURATION" > "$WORK/invite-single.load"
S_INVITE=$(result < "$WORK/invite-single.load")
echo "  invitations on one machine (file log):              $S_INVITE/s, p99 $(latency "$WORK/invite-single.load") ms"
kill "$SINGLE_PID"; wait "$SINGLE_PID" 2>/dev/null || true; SINGLE_PID=""
PG_INVITE=$(pgbench -n "$BENCH_URL" -c "$CONNECTIONS" -j 2 -T "$DURATION" -f Benchmarks/peers/pgbench-invite.sql 2>&1 | awk '/^tps = / { printf "%d", $3 }')
echo "  PostgreSQL's invite() under pgbench:                $PG_INVITE/s"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "n/a" }'; }
echo "  leader ÷ invite(): $(ratio "$C_INVITE" "$PG_INVITE"); leader ÷ file log: $(ratio "$C_INVITE" "$S_INVITE")"

# 2. Reads on a follower while the leader takes writes; the followers' lag meanwhile.
"$LOAD" invite --url "http://127.0.0.1:$((BASE + L + 1))" --data "$WORK/shared" --admin-token "$TOKEN" --connections 32 \
    --duration $((DURATION + 6)) > "$WORK/invite-background.load" &
WRITER=$!
sleep 1
MAXLAG=0
( for _ in $(seq 1 $((DURATION * 4))); do
    curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$((BASE + L + 1))/v1/cluster" \
        | python3 -c 'import json,sys; print(max(n["lag_records"] for n in json.load(sys.stdin)["nodes"] if n["role"] == "follower"))' 2>/dev/null || true
    sleep 0.25
  done ) > "$WORK/lag.txt" &
LAGGER=$!
"$LOAD" caseload --url "http://127.0.0.1:$((BASE + F + 1))" --data "$WORK/shared" --admin-token "$TOKEN" --connections "$CONNECTIONS" \
    --duration "$DURATION" > "$WORK/caseload-follower.load"
wait "$WRITER" "$LAGGER" || true
MAXLAG=$(sort -n "$WORK/lag.txt" | tail -1)
echo "  caseload reads on a follower, leader taking invitations: $(result < "$WORK/caseload-follower.load")/s, p99 $(latency "$WORK/caseload-follower.load") ms"
echo "    (the leader meanwhile: $(result < "$WORK/invite-background.load") invitations/s); follower lag sampled every 250 ms: max $MAXLAG records"

# 3. Failover.
ORG=$(curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "http://127.0.0.1:$((BASE + F + 1))/v1/orgs" \
    -d '{"name":"Failover"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
TIMES=()
for round in $(seq 1 "$KILLS"); do
    L=$(leader)
    F=$(( (L + 1) % 3 ))
    sleep 0.5
    KILLED_AT=$(date +%s.%N)
    kill -9 "${PIDS[$L]}"
    n=0
    while true; do
        n=$((n + 1))
        code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
            "http://127.0.0.1:$((BASE + F + 1))/v1/orgs/$ORG/invitations" -d "{\"email\":\"failover-$round-$n@example.org\",\"role\":\"viewer\"}")
        [ "$code" = 201 ] && break
        sleep 0.02
    done
    T=$(awk -v a="$(date +%s.%N)" -v b="$KILLED_AT" 'BEGIN { printf "%.2f", a - b }')
    TIMES+=("$T")
    echo "  failover $round: node-$L killed, writes answered again after $T s"
    while kill -0 "${PIDS[$L]}" 2>/dev/null; do sleep 0.02; done
    start_node "$L"
    wait_ready "$L"
done
printf '%s\n' "${TIMES[@]}" | sort -n | awk '{ t[NR] = $1 } END { printf "  failover over %d kills: median %.2f s, max %.2f s\n", NR, t[int((NR + 1) / 2)], t[NR] }'
