#!/bin/sh
# storage.sh - the storage layer's numbers for docs/BENCHMARKS.md
# ("Index latency and memory").
#
#   bench/storage.sh [--build DIR] [--queries N] [--store-rows N] [--reload-rows N]
#                    [--sizes "N1 N2 ..."]
#
# 1. bench_index_latency at each size (default 10^4, 10^5, 10^6), one process
#    per size so VmRSS/VmHWM belong to that size alone: duplicate-check
#    (idx_find_dups) and top-5 (idx_search) latency percentiles over N
#    queries (default 2000; half near duplicates, half random), each query
#    with 4 rotation probes of unrelated hashes (the slowest case); at the
#    largest size also without probes (the baseline), with typical probes
#    (near the photo's hash, as measured on real photos), and with the
#    kernels a CPU without AVX-512 runs (scan=avx2) and the plain C one
#    (scan=generic).
# 2. bench_store_rate at --store-rows (default 10^5): sqlite inserts per
#    second (synchronous=FULL, as shipped, and NORMAL as the baseline) and
#    image_each rows per second; then the start-up path (image_each ->
#    idx_add) over --reload-rows (default 10^6). Databases go under bench/out/.
# Prints the machine, the date and the load average first (other work on
# the machine shows up in the tail latencies), then two markdown tables.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD="$ROOT/build"
QUERIES=2000
ROWS=100000
RELOAD=1000000
SIZES="10000 100000 1000000"

while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --queries) QUERIES=$2; shift 2 ;;
    --store-rows) ROWS=$2; shift 2 ;;
    --reload-rows) RELOAD=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--queries N] [--store-rows N] [--reload-rows N]" \
        "[--sizes LIST]" >&2; exit 2 ;;
    esac
done

cmake --build "$BUILD" --target bench_index_latency bench_store_rate >/dev/null
mkdir -p "$ROOT/bench/out"

bench_header
echo

# key=value lines -> a markdown table of the chosen keys
table() {
    awk -v keys="$1" '
        BEGIN { n = split(keys, k, " "); h = "|"; s = "|"
                for (i = 1; i <= n; i++) { h = h " " k[i] " |"; s = s "---|" }
                print h; print s }
        { delete v
          for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
          r = "|"; for (i = 1; i <= n; i++) r = r " " v[k[i]] " |"; print r }'
}

LAST=""
for n in $SIZES; do LAST=$n; done
{
    for n in $SIZES; do
        "$BUILD/bench_index_latency" "$n" "$QUERIES"
    done
    # at the largest size, in the same run: the photo's own hash only (the
    # baseline the probes are measured against), typical probes (4t), and
    # the AVX2 and plain C scans with worst-case and typical probes
    "$BUILD/bench_index_latency" "$LAST" "$QUERIES" embedded 0
    "$BUILD/bench_index_latency" "$LAST" "$QUERIES" embedded 4t
    for k in avx2 generic; do
        for p in 4 4t; do
            "$BUILD/bench_index_latency" "$LAST" "$QUERIES" embedded $p scan=$k |
                sed "s/^/scan=$k /"
        done
    done
} | table "scan n probes load_s rss_mb hwm_mb dup_p50_ms dup_p99_ms dup_max_ms top5_p50_ms top5_p99_ms top5_max_ms dups_found false_dups top5_top1"
echo
"$BUILD/bench_store_rate" "$ROWS" "$ROOT/bench/out" "$RELOAD" |
    table "n insert_full_per_s insert_normal_per_s normal_speedup each_rows_per_s each_s reload_n reload_s"
bench_load_after
