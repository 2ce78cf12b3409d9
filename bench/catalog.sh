#!/bin/sh
# catalog.sh - the catalog pipeline's numbers for docs/BENCHMARKS.md
# ("Catalog pipeline").
#
#   bench/catalog.sh [--build DIR] [--products N] [--delay MS] [--offline N] [--no-baseline]
#
# 1. End to end through `karat serve`: one synchronous POST /catalog-ai of N
#    (default 100) photo URLs against an in-process fake provider answering
#    every call after MS (default 500) ms; KARAT_JOB_WORKERS=8,
#    KARAT_AI_CONCURRENCY=4 (the defaults). Baseline in the same run: the
#    same request with one worker and one call in flight per provider
#    (sequential, as the original processed photos, without its sleeps).
#    The original's own pacing for N photos is COMPUTED, not measured, from
#    its rules (its catalog loop): per photo one Gemini call and
#    one GPT call in sequence, plus time.sleep(30) after photos 4, 9, 14, ...
# 2. Offline: N (default 1000) synthetic 1200x1200 JPEGs under
#    bench/out/catalog_photos (made on first use), one catalog job with the
#    offline provider, nproc workers and, as the baseline, one worker.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD="$ROOT/build"
N=100
DELAY=500
OFFLINE=1000
BASELINE=1

while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --products) N=$2; shift 2 ;;
    --delay) DELAY=$2; shift 2 ;;
    --offline) OFFLINE=$2; shift 2 ;;
    --no-baseline) BASELINE=0; shift ;;
    *) echo "usage: $0 [--build DIR] [--products N] [--delay MS] [--offline N] [--no-baseline]" >&2
       exit 2 ;;
    esac
done

cmake --build "$BUILD" --target karat bench_catalog_pipeline >/dev/null
mkdir -p "$ROOT/bench/out"
export KARAT_LOG_LEVEL=warn
B="$BUILD/bench_catalog_pipeline"

bench_header
"$B" server "$N" "$DELAY" "$BUILD/karat" 8 4
if [ "$BASELINE" = 1 ]; then
    "$B" server "$N" "$DELAY" "$BUILD/karat" 1 1
fi
# The original: N x (Gemini + GPT) in sequence, 30 s after photos 4, 9, 14, ...
awk -v n="$N" -v d="$DELAY" 'BEGIN {
    sleeps = int((n + 1) / 5);
    printf "mode=original_computed products=%d provider_delay_ms=%d calls_s=%.1f sleeps=%d " \
           "sleep_s=%d wall_s=%.1f (computed from its rules, not measured)\n",
           n, d, n * 2 * d / 1000, sleeps, sleeps * 30, n * 2 * d / 1000 + sleeps * 30 }'
"$B" offline "$OFFLINE" "$ROOT/bench/out/catalog_photos" "$(nproc)"
"$B" offline "$OFFLINE" "$ROOT/bench/out/catalog_photos" 1
bench_load_after
