#!/usr/bin/env bash
# PostgreSQL side by side with Muster, in one run, at the same concurrency, durable commits on
# both sides: a throw-away PostgreSQL in a temporary folder with the tables and PL/pgSQL
# functions of postgres-schema.sql, driven by pgbench; a fresh `muster serve` driven by
# MusterLoad; and the engine alone (MusterMeasure). Prints each figure and the ratios.
#
#   Benchmarks/peers/postgres.sh          (from the repository root, after
#                                          `swift build -c release` in both packages)
# Environment: CONNECTIONS (64), DURATION seconds (10).
set -euo pipefail
cd "$(dirname "$0")/../.."
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10}
PORT=55432
MUSTER=.build/release/muster
LOAD=Benchmarks/.build/release/MusterLoad
MEASURE=Benchmarks/.build/release/MusterMeasure
for tool in "$MUSTER" "$LOAD" "$MEASURE"; do
    [ -x "$tool" ] || { echo "build first: swift build -c release && swift build -c release --package-path Benchmarks" >&2; exit 1; }
done
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/muster-vs-postgres.XXXXXX)
chmod 755 "$WORK"
AS_PG=()
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK"; AS_PG=(runuser -u postgres --); fi
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# PostgreSQL: durable commits (fsync on, synchronous_commit on), enough connections.
"${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pg" -U muster --auth=trust >/dev/null
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w start -o \
    "-p $PORT -k $WORK -c listen_addresses='' -c max_connections=$((CONNECTIONS + 20)) -c shared_buffers=1GB -c fsync=on -c synchronous_commit=on -c wal_level=minimal -c max_wal_senders=0" >/dev/null
PSQL=(psql -q -X -v ON_ERROR_STOP=1 -h "$WORK" -p $PORT -U muster)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench" >/dev/null
"${PSQL[@]}" -d bench -f Benchmarks/peers/postgres-schema.sql >/dev/null
pgbench_tps() {  # script → transactions per second
    pgbench -n -h "$WORK" -p $PORT -U muster -c "$CONNECTIONS" -j 2 -T "$DURATION" -f "Benchmarks/peers/$1" bench 2>&1 \
        | tee "$WORK/$1.out" | awk '/^tps = / { printf "%d", $3 }'
}
pgbench_latency() { awk '/latency average/ { print $4 }' "$WORK/$1.out"; }
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), $CONNECTIONS connections, $DURATION s each"
PG_INVITE=$(pgbench_tps pgbench-invite.sql);          echo "  invite():               $PG_INVITE invitations/s (latency avg $(pgbench_latency pgbench-invite.sql) ms)"
PG_BULK_TX=$(pgbench_tps pgbench-invite-bulk.sql);    PG_BULK=$((PG_BULK_TX * 1000))
echo "  1000 × invite() per tx: $PG_BULK invitations/s"
PG_ONBOARD=$(pgbench_tps pgbench-onboard.sql);        echo "  invite_accept_assign(): $PG_ONBOARD onboardings/s"
PG_CASELOAD=$(pgbench_tps pgbench-caseload.sql);      echo "  caseload():             $PG_CASELOAD reads/s (latency avg $(pgbench_latency pgbench-caseload.sql) ms)"
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null

# Muster over HTTP, group commit, on a fresh data folder.
mkdir -p "$WORK/muster"
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
"$MUSTER" serve --data-dir "$WORK/muster" --port 18081 --admin-token "$TOKEN" --log-level warning &
SERVER_PID=$!
until curl -sf http://127.0.0.1:18081/readyz >/dev/null; do sleep 0.1; done
load() {  # scenario → operations per second
    "$LOAD" "$1" --url http://127.0.0.1:18081 --data "$WORK/muster" --admin-token "$TOKEN" --connections "$CONNECTIONS" --duration "$DURATION" \
        | tee "$WORK/$1.load" | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "ops_per_s") print kv[2] } }'
}
echo "Muster over HTTP, $CONNECTIONS connections, $DURATION s each"
M_INVITE=$(load invite);       echo "  POST invitations:       $M_INVITE invitations/s"
# The caseload before the bulk: its people sign in through links read from mail/, which the
# bulk run fills with 400,000 emails.
M_CASELOAD=$(load caseload);   echo "  GET me/caseload:        $M_CASELOAD reads/s"
M_BULK=$(load bulk);           echo "  POST invitations/batch: $M_BULK invitations/s"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
echo "Muster's engine alone (no HTTP), group commit, 256 clients"
engine() { "$MEASURE" throughput "$WORK/engine-$1" "$1" | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "ops_per_s") print kv[2] } }'; }
M_ENGINE_INVITE=$(engine invite)
echo "  invite:                 $M_ENGINE_INVITE invitations/s"
M_ENGINE_ONBOARD=$(engine onboard)
echo "  invite+accept+assign:   $M_ENGINE_ONBOARD onboardings/s"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f×", a / b; else print "n/a" }'; }
echo "Ratios (Muster ÷ PostgreSQL; targets: HTTP ≥ 4×, bulk and engine ≥ 10×)"
echo "  single invitations over HTTP: $(ratio "$M_INVITE" "$PG_INVITE")"
echo "  bulk invitations over HTTP:   $(ratio "$M_BULK" "$PG_BULK")"
echo "  invitations in the engine:    $(ratio "$M_ENGINE_INVITE" "$PG_INVITE")"
echo "  onboarding in the engine:     $(ratio "$M_ENGINE_ONBOARD" "$PG_ONBOARD")"
echo "  caseload reads over HTTP:     $(ratio "$M_CASELOAD" "$PG_CASELOAD")"
