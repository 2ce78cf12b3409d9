#!/bin/sh
# run.sh - `make bench`: every benchmark driver, one line each. Each driver
# prints what its docs/BENCHMARKS.md section quotes (command, machine, date).
# Drivers that download data (bench/dedup_quality.sh) are run on their own.
#
#   bench/run.sh [BUILD_DIR]     (default: build)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-"$ROOT/build"}

sh "$ROOT/bench/storage.sh" --build "$BUILD" # index latency/memory, sqlite store rates
