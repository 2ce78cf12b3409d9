#!/bin/sh
# load.sh - the server under load for docs/BENCHMARKS.md ("Load").
#
#   bench/load.sh [--build DIR] [--photos N] [--seconds S] [--conns C] [--threads T]
#
# A real `karat serve` on a loopback port and a fresh data folder, driven by
# wrk with C (default 64) connections for S (default 60) seconds each:
# 1. GET /health;
# 2. POST /image_similarity_search (bench/load.lua), cycling through N
#    (default 32) distinct synthetic 640x480 photos and a re-encoding of
#    each (quality 70, 90 % size), every connection from its own place in
#    the list, so each photo and its copy arrive many times, often at once;
#    then the same again (round 2: every photo is known by then), so memory
#    that keeps growing shows apart from what the first round settled at.
# Correct means: no socket error, no 5xx, exactly N "stored" replies, and N
# rows in the images table afterwards (read with sqlite3 once the server has
# stopped): no lost and no doubled store. Before the load, a calibration
# pass on a throwaway server sends each file once, in order, and checks the
# duplicate rule itself stores every original and matches every copy, so a
# wrong count under load can only come from concurrency.
# Prints the machine, the date and the load average, wrk's own report of
# each run (throughput, latency distribution), the counts, and VmRSS/VmHWM
# of the server at start, after /health and after each photo round.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD="$ROOT/build"
PHOTOS=32
SECONDS_=60
CONNS=64
THREADS=2

while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --photos) PHOTOS=$2; shift 2 ;;
    --seconds) SECONDS_=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--photos N] [--seconds S] [--conns C] [--threads T]" >&2
       exit 2 ;;
    esac
done
for tool in wrk sqlite3 convert curl; do
    command -v $tool >/dev/null || { echo "load.sh: $tool is missing (make bootstrap)" >&2; exit 2; }
done
cmake --build "$BUILD" --target karat >/dev/null

OUT="$ROOT/bench/out/load"
PH="$OUT/photos-$PHOTOS"
LIST="$OUT/list.txt"
mkdir -p "$PH"
i=1
while [ "$i" -le "$PHOTOS" ]; do
    [ -f "$PH/p$i.jpg" ] ||
        convert -size 640x480 -seed "$i" plasma:fractal -blur 0x2 -quality 90 "$PH/p$i.jpg"
    [ -f "$PH/p$i-re.jpg" ] ||
        convert "$PH/p$i.jpg" -resize 90% -quality 70 "$PH/p$i-re.jpg"
    i=$((i + 1))
done
ls "$PH"/p*.jpg >"$LIST"

PID=""
DATA=""
stop_server() {
    if [ -n "$PID" ]; then
        kill -TERM "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    PID=""
}
cleanup() {
    stop_server
    [ -n "$DATA" ] && rm -rf "$DATA"
}
trap cleanup EXIT INT TERM

# A loopback port nothing answers on.
free_port() {
    p=$((20000 + $$ % 20000))
    while curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/"; do p=$((p + 1)); done
    echo "$p"
}

# start_server DIR: karat serve on a free port; sets PID, PORT, URL.
start_server() {
    PORT=$(free_port)
    URL="http://127.0.0.1:$PORT"
    KARAT_LOG_LEVEL=warn "$BUILD/karat" serve --listen "127.0.0.1:$PORT" --data "$1" \
        2>>"$OUT/server.log" &
    PID=$!
    n=0
    until curl -sf -o /dev/null "$URL/health"; do
        n=$((n + 1))
        [ "$n" -lt 300 ] || { echo "load.sh: server did not start (see $OUT/server.log)" >&2; exit 1; }
        sleep 0.1
    done
}

post() { # post FILE -> the reply body
    curl -s -F "file=@$1;type=image/jpeg" "$URL/image_similarity_search"
}

rss() { # VmRSS and VmHWM of the server, in MiB
    awk '/^VmRSS|^VmHWM/ { printf "%s %.1f MiB  ", $1, $2 / 1024 }' "/proc/$PID/status"
    echo
}

: >"$OUT/server.log"
bench_header
echo "photos: $PHOTOS distinct + $PHOTOS re-encodings; wrk -t$THREADS -c$CONNS -d${SECONDS_}s"
echo

# Calibration: the duplicate rule on these files, one at a time.
DATA=$(mktemp -d "${TMPDIR:-/tmp}/karat-load.XXXXXX")
start_server "$DATA"
bad=0
i=1
while [ "$i" -le "$PHOTOS" ]; do
    post "$PH/p$i.jpg" | grep -q '"duplicate_found": *false' || bad=$((bad + 1))
    post "$PH/p$i-re.jpg" | grep -q '"duplicate_found": *true' || bad=$((bad + 1))
    i=$((i + 1))
done
stop_server
rm -rf "$DATA"
echo "calibration: $bad of $((2 * PHOTOS)) files judged wrongly one at a time (must be 0)"
[ "$bad" -eq 0 ] || exit 1

DATA=$(mktemp -d "${TMPDIR:-/tmp}/karat-load.XXXXXX")
start_server "$DATA"
echo "server at start: $(rss)"
echo
echo "## GET /health"
wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_}s" --latency "$URL/health"
echo "server after /health: $(rss)"
echo
for round in 1 2; do
    echo "## POST /image_similarity_search, round $round"
    LOAD_LIST="$LIST" wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_}s" --timeout 60s --latency \
        -s "$ROOT/bench/load.lua" "$URL/image_similarity_search" | tee "$OUT/wrk-photos-$round.txt"
    echo "server after photo round $round: $(rss)"
    echo
done
indexed=$(curl -s "$URL/health" | sed 's/.*"images_indexed": *\([0-9]*\).*/\1/')
stop_server
rows=$(sqlite3 "$DATA/karat.db" 'SELECT COUNT(*) FROM images')
distinct=$(sqlite3 "$DATA/karat.db" 'SELECT COUNT(DISTINCT sha256) FROM images')
stored=$(cat "$OUT"/wrk-photos-*.txt | sed -n 's/.* stored=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s }')
echo
echo "distinct photos sent: $PHOTOS; stored replies (both rounds): $stored; rows afterwards: $rows" \
    "(distinct sha256: $distinct); /health images_indexed before stopping: $indexed"
if [ "$rows" -eq "$PHOTOS" ] && [ "$stored" -eq "$PHOTOS" ]; then
    echo "stores: OK (none lost, none doubled)"
else
    echo "stores: WRONG"
fi
bench_load_after
