#!/bin/sh
# run.sh - `make bench`: every benchmark driver, one line each. Each driver
# prints what its docs/BENCHMARKS.md section quotes (command, machine, date).
# bench/dedup_quality.sh (about 40 min the first time) is run on its own.
#
#   bench/run.sh [BUILD_DIR]     (default: build)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-"$ROOT/build"}

sh "$ROOT/bench/storage.sh" --build "$BUILD" # index latency/memory, sqlite store rates
"$BUILD/bench_xlsx_write" 10000 100 5                    # spreadsheet writer
"$BUILD/bench_template_fill" 5                             # seller template fill, 1/16/60 MiB
sh "$ROOT/bench/catalog.sh" --build "$BUILD"              # catalog pipeline: fake provider, offline
"$BUILD/bench_studio_speed" 7                              # image studio: type 1, types 1+3
sh "$ROOT/bench/segment_iou.sh" --build "$BUILD"          # segmentation IoU (fetches tuxpaint stamps)
sh "$ROOT/bench/hash_throughput.sh" --build "$BUILD"      # decode + signature vs djpeg floor
sh "$ROOT/bench/index_throughput.sh" --build "$BUILD" --set catalog # karat index vs floor
sh "$ROOT/bench/index_throughput.sh" --build "$BUILD" --set scenes
sh "$ROOT/bench/dedup_frames.sh" --build "$BUILD"       # video frames under the rule (information)
sh "$ROOT/bench/server.sh" --build "$BUILD"               # embedded vs server mode, visibility, round trips
sh "$ROOT/bench/startup.sh" --build "$BUILD"              # server-mode node start-up at 10^5 and 10^6 rows
