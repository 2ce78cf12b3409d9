#!/bin/sh
# server.sh - embedded vs server mode, in one run, for docs/BENCHMARKS.md
# ("Server mode").
#
#   bench/server.sh [--build DIR] [--big N] [--small N] [--conns C] [--visible N]
#                   [--rounds R]
#
# Makes its photos at run time (ImageMagick plasma, one seed per photo, so
# all are distinct to the duplicate rule): N (default 12) 12 MP JPEGs
# (4000x3000 from 1000x750 with noise, about 3.4 MB: what a phone photo weighs), N (default
# 48) 1 MP catalog shots (1000x1000) and N (default 300) small 480x360
# photos for the visibility delay. Then, one after the other on this
# machine, each on a fresh store:
#   embedded   `karat serve` with its data folder (sqlite + local files);
#   server x1  one node: KARAT_STORE=postgres (a throwaway PostgreSQL 15
#              cluster, tests/pg/cluster.sh) and KARAT_BLOB=s3 (s3rver from
#              tests/s3 on loopback, no verifying proxy: what is measured is
#              Karat's S3 client, not the tests' Python proxy);
#   server x2  two nodes on the same database and bucket, files sent to
#              them alternately.
# Statements are counted per pass from a pg_stat_statements reset: what the
# uploads cost plus each node's periodic catch-up (one query per
# KARAT_SYNC_INTERVAL_MS), which the longer passes make small.
# In each: the 12 MP set, then the 1 MP set (every photo stored), then both
# again (every photo a duplicate), C (default 4) uploads at a time with
# bench/upload.py. The three modes take turns, R rounds (default 3), each
# on fresh stores, so a change in the machine's load hits all of them; the
# median rate of each pass and mode and its ratio to embedded's end it. The
# server runs also report PostgreSQL statements per upload
# (pg_stat_statements, every client connection of the node counted: pool,
# LISTEN and catch-up), and x2's last round ends with the visibility delay:
# each small photo stored through node A, then searched through node B
# until B finds it (bench/upload.py visible).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD="$ROOT/build"
BIG=12
SMALL=48
VIS=300
CONNS=4
ROUNDS=3
while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --big) BIG=$2; shift 2 ;;
    --small) SMALL=$2; shift 2 ;;
    --visible) VIS=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--big N] [--small N] [--conns C] [--visible N] [--rounds R]" >&2
       exit 2 ;;
    esac
done
for tool in convert curl node python3 psql; do
    command -v $tool >/dev/null || { echo "server.sh: $tool is missing (make bootstrap)" >&2; exit 2; }
done
cmake --build "$BUILD" --target karat >/dev/null

OUT="$ROOT/bench/out/server"
mkdir -p "$OUT/photos"
# photos KIND COUNT SEED0 SIZE EXTRA...: $OUT/KIND.txt lists them
photos() {
    kind=$1 count=$2 seed=$3 size=$4
    shift 4
    : >"$OUT/$kind.txt"
    i=1
    while [ "$i" -le "$count" ]; do
        f="$OUT/photos/$kind-$i.jpg"
        if [ ! -s "$f" ]; then
            MAGICK_THREAD_LIMIT=1 convert -size "$size" -seed $((seed + i)) plasma:fractal "$@" "$f.part.jpg"
            mv "$f.part.jpg" "$f"
        fi
        echo "$f" >>"$OUT/$kind.txt"
        i=$((i + 1))
    done
}
photos big "$BIG" 1000 1000x750 -attenuate 0.5 +noise Gaussian -resize 4000x3000 -quality 92
photos small "$SMALL" 5000 1000x1000 -blur 0x1 -quality 90
photos vis "$VIS" 20000 480x360 -blur 0x2 -quality 90

PIDS=""
PGSTATE="$OUT/pg.state"
S3PID=""
TMP=$(mktemp -d "${TMPDIR:-/tmp}/karat-srvbench.XXXXXX")
stop_nodes() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
    for p in $PIDS; do wait "$p" 2>/dev/null || true; done
    PIDS=""
}
cleanup() {
    stop_nodes
    [ -n "$S3PID" ] && { kill -TERM "$S3PID" 2>/dev/null || true; wait "$S3PID" 2>/dev/null || true; }
    sh "$ROOT/tests/pg/cluster.sh" stop "$PGSTATE" || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

NEXT_PORT=$((21000 + $$ % 20000))
free_port() { # a loopback port nothing answers on
    while curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$NEXT_PORT/"; do
        NEXT_PORT=$((NEXT_PORT + 1))
    done
    echo "$NEXT_PORT"
    NEXT_PORT=$((NEXT_PORT + 1))
}

# start_node NAME [VAR=VALUE...]: karat serve on a free port, its own data
# folder; appends its URL to $URLS and its pid to $PIDS. A port another
# program took meanwhile (the node exits at once) is retried with another.
start_node() {
    name=$1
    shift
    mkdir -p "$TMP/$name"
    tries=0
    while :; do
        port=$(free_port)
        env "$@" KARAT_LOG_LEVEL=warn "$BUILD/karat" serve --listen "127.0.0.1:$port" \
            --data "$TMP/$name" >/dev/null 2>>"$OUT/server.log" &
        pid=$!
        n=0
        until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do
            kill -0 "$pid" 2>/dev/null || break
            n=$((n + 1))
            [ "$n" -lt 600 ] || { echo "server.sh: $name did not start (see $OUT/server.log)" >&2; exit 1; }
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && break
        wait "$pid" 2>/dev/null || true
        tries=$((tries + 1))
        [ "$tries" -lt 5 ] || { echo "server.sh: $name did not start (see $OUT/server.log)" >&2; exit 1; }
    done
    PIDS="$PIDS $pid"
    URLS="${URLS:+$URLS,}http://127.0.0.1:$port"
}

: >"$OUT/server.log"
bench_header
echo "photos: $BIG of 12 MP ($(du -ch $(cat "$OUT/big.txt") | tail -n1 | cut -f1)), $SMALL of 1 MP" \
    "($(du -ch $(cat "$OUT/small.txt") | tail -n1 | cut -f1)), $VIS small; $CONNS uploads at a time"

ADMIN=$(sh "$ROOT/tests/pg/cluster.sh" start "$PGSTATE" \
    "-c shared_preload_libraries=pg_stat_statements" | tail -n 1)
S3PORT=$(free_port)
mkdir -p "$TMP/s3"
NODE_OPTIONS=--openssl-legacy-provider node "$ROOT/tests/s3/node_modules/s3rver/bin/s3rver.js" \
    -d "$TMP/s3" -a 127.0.0.1 -p "$S3PORT" --silent \
    --configure-bucket alyaimg --configure-bucket blyskimg >/dev/null 2>>"$OUT/server.log" &
S3PID=$!
n=0
until curl -s -o /dev/null "http://127.0.0.1:$S3PORT/"; do
    n=$((n + 1))
    [ "$n" -lt 600 ] || { echo "server.sh: s3rver did not start" >&2; exit 1; }
    sleep 0.1
done

sql() { # sql DB STATEMENT: one value
    psql -X -q -A -t -d "$(echo "$ADMIN" | sed "s/dbname=postgres/dbname=$1/")" -c "$2"
}
PGDIR=$(echo "$ADMIN" | sed -n 's/.*host=\([^ ]*\).*/\1/p')
server_env() { # server_env DB: the settings of a server-mode node, one word each
    echo "KARAT_STORE=postgres KARAT_DATABASE_URL=postgresql://karat@/$1?host=$PGDIR&port=5432" \
        "KARAT_BLOB=s3 AWS_ENDPOINT_URL=http://127.0.0.1:$S3PORT AWS_ACCESS_KEY_ID=S3RVER" \
        "AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 KARAT_BUCKETS=alya=alyaimg,blysk=blyskimg"
}
statements() { # statements DB: top-level statements run so far, LISTEN and all
    sql "$1" "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
              WHERE query NOT LIKE '%pg_stat_statements%'"
}

breakdown() { # breakdown DB FILES: calls per upload of each statement since the reset
    sql "$1" "SELECT round(sum(calls)::numeric / $2, 2) || '  ' ||
                     left(regexp_replace(regexp_replace(query, '\s+', ' ', 'g'),
                                         'id, sha256, hash, .*?created_ms', '<image row>'), 110)
              FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
              GROUP BY query ORDER BY sum(calls) DESC"
}

# run MODE DB: the four upload passes against $URLS; lines into $OUT/MODE.txt
run() {
    mode=$1 db=$2
    for pass in "stored big" "stored small" "duplicate big" "duplicate small"; do
        set -- $pass
        [ -z "$db" ] || sql "$db" "SELECT pg_stat_statements_reset()" >/dev/null
        line=$(python3 "$ROOT/bench/upload.py" send "$URLS" "$OUT/$2.txt" "$CONNS")
        per=""
        if [ -n "$db" ]; then
            files=$(echo "$line" | sed 's/.*files=\([0-9]*\).*/\1/')
            per=$(echo "$(statements "$db") $files" |
                awk '{ printf " pg_statements_per_upload=%.2f", $1 / $2 }')
            breakdown "$db" "$files" >"$OUT/$mode-$1-$2.statements"
        fi
        echo "$1 $2 $line$per" | tee -a "$OUT/$mode.txt" | sed "s/^/$mode round $ROUND: /"
    done
}

# server NODES ROUND: NODES server-mode nodes on a fresh database
server() {
    db="n$1r$2"
    sql postgres "CREATE DATABASE $db" >/dev/null
    sql "$db" "CREATE EXTENSION pg_stat_statements" >/dev/null
    URLS=""
    i=1
    while [ "$i" -le "$1" ]; do
        # shellcheck disable=SC2046 # one word per setting
        start_node "node$1-$i-r$2" $(server_env "$db")
        i=$((i + 1))
    done
    run "server$1" "$db"
    if [ "$1" = 2 ] && [ "$2" = "$ROUNDS" ]; then
        python3 "$ROOT/bench/upload.py" visible "${URLS%%,*}" "${URLS##*,}" "$OUT/vis.txt" |
            tee "$OUT/visible.txt"
    fi
    stop_nodes
}

: >"$OUT/embedded.txt"
: >"$OUT/server1.txt"
: >"$OUT/server2.txt"
ROUND=1
while [ "$ROUND" -le "$ROUNDS" ]; do
    echo
    URLS=""
    start_node "embedded-r$ROUND" KARAT_STORE=sqlite KARAT_BLOB=local
    run embedded ""
    stop_nodes
    server 1 "$ROUND"
    server 2 "$ROUND"
    ROUND=$((ROUND + 1))
done

echo
for pass in stored-small duplicate-small; do
    echo "## server1 (last round), $pass: PostgreSQL statements per upload, by statement"
    cat "$OUT/server1-$pass.statements"
done
echo
echo "## median rate (uploads/s) over $ROUNDS rounds, and its ratio to embedded's"
for mode in embedded server1 server2; do
    sed "s/^/$mode /" "$OUT/$mode.txt"
done | awk '{
    for (i = 1; i <= NF; i++) if ($i ~ /^rate=/) { v = substr($i, 6); sub("/s", "", v) }
    k = $1 " " $2 " " $3; n[k]++; r[k, n[k]] = v + 0; if (!(($2 " " $3) in seen)) { seen[$2 " " $3] = 1; order[++np] = $2 " " $3 }
} END {
    split("embedded server1 server2", modes, " ")
    for (p = 1; p <= np; p++) {
        line = order[p]
        for (m = 1; m <= 3; m++) {
            k = modes[m] " " order[p]; c = n[k]
            for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (r[k, j] < r[k, i]) { t = r[k, i]; r[k, i] = r[k, j]; r[k, j] = t }
            med[m] = c % 2 ? r[k, (c + 1) / 2] : (r[k, c / 2] + r[k, c / 2 + 1]) / 2
            line = line sprintf("  %s %.2f/s", modes[m], med[m])
            if (m > 1) line = line sprintf(" (%.2fx)", med[m] / med[1])
        }
        print line
    }
}'
bench_load_after
