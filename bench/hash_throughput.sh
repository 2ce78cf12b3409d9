#!/bin/sh
# hash_throughput.sh - decode + signature throughput on 12 MP JPEGs, next to
# the JPEG decode floor (`djpeg -scale 1/8`) over the same files, same run.
#
#   bench/hash_throughput.sh [--build DIR] [--threads N] [--reps R]
#
# The 12 MP files (4000x3000, baseline, q90, 4:2:0) are made from the
# mate-backgrounds photos with ImageMagick into bench/data/throughput/
# (git-ignored). The floor runs N djpeg processes in parallel, each file
# R times; djpeg's process start-up is measured on a 16x16 JPEG and printed
# so it can be subtracted by the reader.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA="$ROOT/bench/data"
. "$ROOT/bench/lib.sh"
BUILD="$ROOT/build"
THREADS=2
REPS=5
while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--threads N] [--reps R]" >&2; exit 2 ;;
    esac
done

mkdir -p "$DATA/throughput"
p=mate-backgrounds
bench_fetch "$p"
for f in "$DATA/x/$p"/usr/share/backgrounds/mate/nature/*.jpg; do
    out="$DATA/throughput/$(basename "$f" .jpg)-12mp.jpg"
    [ -s "$out" ] || convert "$f" -resize '4000x3000!' -quality 90 -sampling-factor 2x2 \
        -interlace none "$out"
done
FILES=$(ls "$DATA"/throughput/*-12mp.jpg)
N=$(echo "$FILES" | wc -l)
convert -size 16x16 xc:gray jpg:"$DATA/throughput/tiny.jpeg"


bench_header
echo "files: $N x 4000x3000 baseline q90 4:2:0 JPEG, $(du -ch $FILES | tail -1 | cut -f1) total"

# djpeg start-up cost
t0=$(now)
i=0
while [ $i -lt 50 ]; do djpeg -outfile /dev/null "$DATA/throughput/tiny.jpeg"; i=$((i + 1)); done
t1=$(now)
echo "djpeg start-up (16x16 JPEG): $(echo "$t0 $t1" | awk '{printf "%.2f", ($2 - $1) * 1000 / 50}') ms/process"

# decode floor: THREADS parallel djpeg -scale 1/8 streams
list() { r=0; while [ $r -lt "$REPS" ]; do echo "$FILES"; r=$((r + 1)); done; }
list | head -n "$N" | xargs -n1 -P "$THREADS" djpeg -scale 1/8 -outfile /dev/null # warm
t0=$(now)
list | xargs -n1 -P "$THREADS" djpeg -scale 1/8 -outfile /dev/null
t1=$(now)
FLOOR=$(rate $((N * REPS)) "$t0" "$t1")
t0=$(now)
list | xargs -n1 -P 1 djpeg -scale 1/8 -outfile /dev/null
t1=$(now)
FLOOR1=$(rate $((N * REPS)) "$t0" "$t1")
echo "floor, djpeg -scale 1/8, 1 process at a time: $FLOOR1 images/s"
echo "floor, djpeg -scale 1/8, $THREADS in parallel: $FLOOR images/s"

OUT=$("$BUILD/bench_hash_throughput" --threads "$THREADS" --reps "$REPS" $FILES)
echo "$OUT"
OURS=$(echo "$OUT" | awk -v t="$THREADS" '$0 ~ "decode\\+signature, " t " threads" {print $(NF-1)}')
OURS1=$(echo "$OUT" | awk '/decode\+signature, 1 thread:/ {print $4}')
echo "ratio to the floor, 1 thread: $(echo "$OURS1 $FLOOR1" | awk '{printf "%.2f", $1 / $2}')"
echo "ratio to the floor, $THREADS threads: $(echo "$OURS $FLOOR" | awk '{printf "%.2f", $1 / $2}')"
