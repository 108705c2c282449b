#!/usr/bin/env bash
# Redis 7 side by side with Muster on the same records: the invitations and collaborators of a
# folder made by `MusterMeasure generate` are loaded into a throw-away redis-server as hashes
# and sets (MusterMeasure redis-export); prints Redis's resident memory per record and the
# time to load its RDB snapshot at start, then Muster's restart from a snapshot of the same
# folder, and the ratios.
#
#   Benchmarks/peers/redis.sh <generated folder>     (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
FOLDER=${1:?usage: Benchmarks/peers/redis.sh <folder made by MusterMeasure generate>}
MUSTER=.build/release/muster
MEASURE=Benchmarks/.build/release/MusterMeasure
PORT=56379
command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
WORK=$(mktemp -d /tmp/muster-vs-redis.XXXXXX)
REDIS_PID=""
cleanup() {
    [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
CLI=(redis-cli -p $PORT)
start_redis() {
    redis-server --port $PORT --dir "$WORK" --dbfilename dump.rdb --save "" --appendonly no --daemonize no --logfile "$WORK/redis.log" &
    REDIS_PID=$!
}
now() { date +%s.%N; }

"$MEASURE" redis-export "$FOLDER" "$WORK/records.resp"
RECORDS=$(awk '/records/ { print $2 }' "$WORK/records.resp.records")
start_redis
until "${CLI[@]}" ping 2>/dev/null | grep -q PONG; do sleep 0.05; done
BASE_RSS=$(awk '/VmRSS/ { print $2 }' /proc/$REDIS_PID/status)
"${CLI[@]}" --pipe < "$WORK/records.resp" | tail -1
rm "$WORK/records.resp"
RSS=$(awk '/VmRSS/ { print $2 }' /proc/$REDIS_PID/status)
USED=$("${CLI[@]}" info memory | awk -F: '/^used_memory:/ { print $2 }' | tr -d '\r')
KEYS=$("${CLI[@]}" dbsize)
"${CLI[@]}" save >/dev/null
"${CLI[@]}" shutdown nosave >/dev/null 2>&1 || true
wait "$REDIS_PID" 2>/dev/null || true
RDB_BYTES=$(stat -c %s "$WORK/dump.rdb")
STARTED=$(now)
start_redis
until "${CLI[@]}" ping 2>/dev/null | grep -q PONG; do sleep 0.005; done
LOADED=$(now)
REDIS_SECONDS=$(awk -v a="$STARTED" -v b="$LOADED" 'BEGIN { printf "%.3f", b - a }')
REDIS_PER_RECORD=$(( (RSS - BASE_RSS) * 1024 / RECORDS ))
echo "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2): $RECORDS records in $KEYS keys"
echo "  resident $((RSS / 1024)) MB ($((USED / 1024 / 1024)) MB used_memory) = $REDIS_PER_RECORD bytes per record"
echo "  RDB $((RDB_BYTES / 1024 / 1024)) MB, loaded at start in $REDIS_SECONDS s"
kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true; REDIS_PID=""

MUSTER_LINE=$("$MEASURE" recover "$FOLDER" "$MUSTER" snapshot | grep '^RESULT')
MUSTER_SECONDS=$(echo "$MUSTER_LINE" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
MUSTER_PER_RECORD=$(echo "$MUSTER_LINE" | sed 's/.*bytes_per_record=\([0-9]*\).*/\1/')
echo "Muster: restart from a snapshot of the same folder ready in $MUSTER_SECONDS s; $MUSTER_PER_RECORD bytes per record (whole process)"
echo "Ratios (targets: restart ≥ 4× faster than Redis; ≤ 300 bytes per record)"
awk -v r="$REDIS_SECONDS" -v m="$MUSTER_SECONDS" 'BEGIN { printf "  restart: Muster is %.2f× as fast as Redis\n", r / m }'
awk -v r="$REDIS_PER_RECORD" -v m="$MUSTER_PER_RECORD" 'BEGIN { printf "  memory per record: Muster %d B, Redis %d B (%.2f×)\n", m, r, m / r }'
