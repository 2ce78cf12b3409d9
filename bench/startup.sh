#!/bin/sh
# startup.sh - how long a server-mode node takes to be ready with many
# stored photos, for docs/BENCHMARKS.md ("Server mode: start-up").
#
#   bench/startup.sh [--build DIR] [--rows "N1 N2 ..."] [--repeat R]
#
# A throwaway PostgreSQL 15 cluster (tests/pg/cluster.sh). A first node
# stores 16 photos made here (so their signatures are real ones); then the
# images table is filled with synthetic rows up to each N (default 100000
# and 1000000) by one INSERT ... SELECT in the database: each row gets a
# random 256-bit hash, the 64-float descriptor and quality of one of the 16
# real photos, and url/key/filename/sha256 of realistic lengths (the same
# trigger as a real insert logs each in image_changes). After VACUUM
# ANALYZE, a fresh node (its own empty data folder, local blobs: only the
# store is read at start-up) is started R times (default 3); printed per
# start: seconds from exec to the first 200 from GET /health, the index
# size it reports (must be N) and its VmRSS then.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD="$ROOT/build"
ROWS="100000 1000000"
REPEAT=3
while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --rows) ROWS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--rows \"N1 N2 ...\"] [--repeat R]" >&2; exit 2 ;;
    esac
done
for tool in convert curl python3 psql; do
    command -v $tool >/dev/null || { echo "startup.sh: $tool is missing (make bootstrap)" >&2; exit 2; }
done
cmake --build "$BUILD" --target karat >/dev/null

OUT="$ROOT/bench/out/startup"
mkdir -p "$OUT/photos"
: >"$OUT/seed.txt"
i=1
while [ "$i" -le 16 ]; do
    f="$OUT/photos/s$i.jpg"
    [ -s "$f" ] || MAGICK_THREAD_LIMIT=1 convert -size 640x480 -seed $((30000 + i)) plasma:fractal \
        -blur 0x2 -quality 90 "$f"
    echo "$f" >>"$OUT/seed.txt"
    i=$((i + 1))
done

PGSTATE="$OUT/pg.state"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/karat-startup.XXXXXX")
PID=""
stop_node() {
    [ -z "$PID" ] || { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
    PID=""
}
cleanup() {
    stop_node
    sh "$ROOT/tests/pg/cluster.sh" stop "$PGSTATE" || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ADMIN=$(sh "$ROOT/tests/pg/cluster.sh" start "$PGSTATE" | tail -n 1)
PGDIR=$(echo "$ADMIN" | sed -n 's/.*host=\([^ ]*\).*/\1/p')
DBURL="postgresql://karat@/startup?host=$PGDIR&port=5432"
sql() { psql -X -q -A -t -d "$DBURL" -c "$1"; }
psql -X -q -d "$ADMIN" -c "CREATE DATABASE startup"
PORT=$((22000 + $$ % 20000))
while curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/"; do PORT=$((PORT + 1)); done
URL="http://127.0.0.1:$PORT"

# start_node: a fresh node; sets PID and READY ("seconds indexed rss")
start_node() {
    rm -rf "$TMP/data"
    mkdir -p "$TMP/data"
    t0=$(now)
    KARAT_STORE=postgres KARAT_DATABASE_URL="$DBURL" KARAT_BLOB=local KARAT_LOG_LEVEL=warn \
        "$BUILD/karat" serve --listen "127.0.0.1:$PORT" --data "$TMP/data" \
        >/dev/null 2>>"$OUT/server.log" &
    PID=$!
    until curl -sf -o "$TMP/health.json" "$URL/health"; do
        kill -0 "$PID" 2>/dev/null || { echo "startup.sh: the node died (see $OUT/server.log)" >&2; exit 1; }
        sleep 0.05
    done
    t1=$(now)
    READY="$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')"
    READY="$READY $(sed 's/.*"images_indexed": *\([0-9]*\).*/\1/' "$TMP/health.json")"
    READY="$READY $(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$PID/status")"
}

: >"$OUT/server.log"
bench_header
start_node
python3 "$ROOT/bench/upload.py" send "$URL" "$OUT/seed.txt" 1
stop_node
sql "CREATE TABLE seed AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, quality, \"desc\"
     FROM images"
[ "$(sql 'SELECT count(*) FROM seed')" = 16 ] || { echo "startup.sh: seed photos not stored" >&2; exit 1; }

have=16
for n in $ROWS; do
    t0=$(now)
    sql "INSERT INTO images (id, sha256, hash, quality, \"desc\", website, bucket, \"key\", url,
                             filename, mime, bytes, width, height, created_ms)
         SELECT 1000000000000 + g, md5(g::text) || md5((g + 1)::text),
                decode(md5((-g)::text) || md5((g * 7)::text), 'hex'), s.quality, s.\"desc\",
                'alya', 'alyaimg', '20261202' || lpad(g::text, 10, '0') || 'a1b2c3d4.jpg',
                'https://alyaimg.s3.amazonaws.com/20261202' || lpad(g::text, 10, '0') || 'a1b2c3d4.jpg',
                'IMG_' || g || '.jpg', 'image/jpeg', 3400000, 4000, 3000, 1764633600000 + g
         FROM generate_series($have + 1 - 16, $n - 16) g JOIN seed s ON s.k = g % 16"
    sql "VACUUM ANALYZE images" >/dev/null
    sql "VACUUM ANALYZE image_changes" >/dev/null
    t1=$(now)
    have=$n
    echo
    echo "rows: $(sql 'SELECT count(*) FROM images') (filled in $(echo "$t0 $t1" |
        awk '{ printf "%.0f", $2 - $1 }') s; images table $(sql \
        "SELECT pg_size_pretty(pg_total_relation_size('images'))"))"
    echo "start  seconds_to_ready  images_indexed  rss_mib"
    r=1
    while [ "$r" -le "$REPEAT" ]; do
        start_node
        echo "$r $READY"
        stop_node
        r=$((r + 1))
    done
done
bench_load_after
