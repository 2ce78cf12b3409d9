#!/bin/sh
# index_throughput.sh - `karat index` on 12 MP JPEGs next to the decode
# floor (`djpeg -scale 1/8` over the same files, same number of parallel
# streams), in one run.
#
#   bench/index_throughput.sh [--build DIR] [--count N] [--threads T] [--karat-threads K]
#                             [--set scenes|catalog]
# T = parallel djpeg processes for the floor (default 2, the core count);
# K = karat index threads (default: karat's own, 3 per core).
#
# The N distinct 12 MP files (4000x3000 baseline q90 4:2:0) come from Debian
# packages fetched at bench time, into bench/data/ (git-ignored):
#   scenes:  mate-backgrounds photos, each cropped at different offsets and
#            scales (busy full-frame photos: the slowest JPEGs to decode);
#   catalog: tuxpaint-stamps-default object photos composited on a white
#            canvas, the object 70 % of the height (what sellers upload).
# Each `karat index` run starts from an empty data folder on the same disk.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA="$ROOT/bench/data"
. "$ROOT/bench/lib.sh"
BUILD="$ROOT/build"
COUNT=200
THREADS=2
KTHREADS=""  # karat's default: 3 threads per core (I/O waits overlap)
SET=scenes
while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --count) COUNT=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --karat-threads) KTHREADS="--threads $2"; shift 2 ;;
    --set) SET=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--count N] [--threads T] [--set scenes|catalog]" >&2; exit 2 ;;
    esac
done

make_scenes() {
    bench_fetch mate-backgrounds
    SRC=$(ls "$DATA/x/mate-backgrounds"/usr/share/backgrounds/mate/*/*.jpg | head -40)
    NSRC=$(echo "$SRC" | wc -l)
    i=0
    while [ $i -lt "$COUNT" ]; do
        out="$OUTDIR/$(printf 'i%04d' $i).jpg"
        if [ ! -s "$out" ]; then
            f=$(echo "$SRC" | sed -n "$((i % NSRC + 1))p")
            k=$((i / NSRC))
            # a different crop per k: 60..95 % of the photo from a shifting corner
            pct=$((95 - (k * 7) % 36))
            convert "$f" -gravity northwest -crop "${pct}%x${pct}%+$((k * 13))+$((k * 11))" \
                +repage -resize '4000x3000!' -quality 90 -sampling-factor 2x2 -interlace none "$out"
        fi
        i=$((i + 1))
    done
}

make_catalog() {
    bench_fetch tuxpaint-stamps-default
    # distinct pictures only (the package ships some stamps twice)
    SRC=$(find "$DATA/x/tuxpaint-stamps-default/usr/share/tuxpaint/stamps" -name '*.png' \
        -size +20k | sort | xargs md5sum | sort -k1,1 -u | awk '{print $2}' | sort | head -n "$COUNT")
    i=0
    for f in $SRC; do
        out="$OUTDIR/$(printf 'c%04d' $i).jpg"
        [ -s "$out" ] || convert -size 4000x3000 xc:white \( "$f" -background white -flatten \
            -resize x2100 \) -gravity center -composite -quality 90 -sampling-factor 2x2 \
            -interlace none "$out"
        i=$((i + 1))
    done
    COUNT=$i
}

OUTDIR="$DATA/index12mp-$SET"
mkdir -p "$OUTDIR"
case "$SET" in
scenes) make_scenes ;;
catalog) make_catalog ;;
*) echo "unknown set $SET" >&2; exit 2 ;;
esac
FILES=$(ls "$OUTDIR"/*.jpg | head -n "$COUNT")


bench_header
echo "files ($SET): $COUNT distinct 4000x3000 baseline q90 JPEGs, $(du -ch $FILES | tail -1 | cut -f1) total"

cat $FILES >/dev/null # page cache warm for both contenders
FLOOR=0
for run in 1 2 3; do # best of 3, like karat below
    t0=$(now)
    echo "$FILES" | xargs -n1 -P "$THREADS" djpeg -scale 1/8 -outfile /dev/null
    t1=$(now)
    R=$(rate "$COUNT" "$t0" "$t1")
    FLOOR=$(echo "$FLOOR $R" | awk '{print ($2 > $1) ? $2 : $1}')
done
echo "floor: djpeg -scale 1/8, $THREADS parallel processes, best of 3: $FLOOR images/s"

best=0
for run in 1 2 3; do
    D=$(mktemp -d "$DATA/index-run-XXXXXX")
    t0=$(now)
    "$BUILD/karat" index $FILES --data "$D" $KTHREADS >"$D.out" # the files the floor decoded
    t1=$(now)
    R=$(rate "$COUNT" "$t0" "$t1")
    echo "karat index run $run: $R images/s ($(tail -1 "$D.out" | cut -c1-80))"
    best=$(echo "$best $R" | awk '{print ($2 > $1) ? $2 : $1}')
    rm -rf "$D" "$D.out"
done
echo "karat index best: $best images/s"
echo "time per image vs the floor: $(echo "$FLOOR $best" | awk '{printf "%.2fx", $1 / $2}') (target <= 1.5x)"
