#!/usr/bin/env bash
# Times `muster serve` to /readyz on fresh copies of a generated folder, builds alternating,
# and reads each process's CPU time (user + system) from /proc once it is ready.
#
#   Benchmarks/starts.sh <generated folder> <snapshot|log> <rounds> <muster binary>...
#
# snapshot: each binary first writes its own snapshot of the copy (`muster snapshot`), then
# starts from it; log: the copy's snapshots are removed and the start replays the whole log.
# The copy is synced before the start, so the kernel's writeback of it does not share the
# start's cores.
set -euo pipefail
folder=$1 mode=$2 rounds=$3
shift 3
copy=$(mktemp -d /tmp/muster-starts.XXXXXX)
trap 'rm -rf "$copy"' EXIT
port=18998
ticks=$(getconf CLK_TCK)
for _ in $(seq "$rounds"); do
    for muster in "$@"; do
        rm -rf "$copy" && cp -a "$folder" "$copy"
        case $mode in
        log) rm -rf "$copy/snapshots" ;;
        snapshot) "$muster" snapshot --data-dir "$copy" > /dev/null ;;
        *) echo "mode is snapshot or log" >&2; exit 2 ;;
        esac
        sync
        sleep 1
        started=$(date +%s.%N)
        "$muster" serve --data-dir "$copy" --port $port --admin-token "$(printf 'b%.0s' {1..32})" --log-level warning > /dev/null 2>&1 &
        pid=$!
        until curl -sf "localhost:$port/readyz" > /dev/null; do
            kill -0 $pid 2> /dev/null || { echo "$muster exited before it was ready" >&2; exit 1; }
            sleep 0.01
        done
        ready=$(date +%s.%N)
        read -r -a stat < "/proc/$pid/stat"
        cpu=$(echo "scale=2; (${stat[13]} + ${stat[14]}) / $ticks" | bc)
        wall=$(echo "$ready - $started" | bc)
        printf 'RESULT start=%s muster=%s seconds=%.2f cpu_seconds=%s\n' "$mode" "$muster" "$wall" "$cpu"
        kill $pid
        wait $pid 2> /dev/null || true
    done
done
