#!/bin/sh
# bill_identical.sh - does a karat build read the bench bills exactly as another?
#
#   bench/bill_identical.sh REF_BINARY [--build DIR] [--data DIR] [--jobs N]
#
# For every bench bill image in DATA (default bench/data/bills/13: the 70
# renders bench/bill_quality.sh made) and tests/data/bill_sample.png, the
# output of `karat bill --json` (and its exit status) of BUILD/karat is
# compared byte for byte with REF_BINARY's (KARAT_OCR_LANGS=eng unless set,
# as bill_quality.sh does). REF_BINARY's outputs are kept under
# ${TMPDIR:-/tmp}/karat-identical-<hash of the binary, DATA and the languages>/, so a second run
# against the same reference only runs BUILD/karat. Prints each image that
# differs and a summary; exit 0 when all are identical, 1 otherwise.
# For a speed change that must not change a cell.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 REF_BINARY [--build DIR] [--data DIR] [--jobs N]" >&2; exit 2; }
REF=$1
shift
BUILD="$ROOT/build"
DATA="$ROOT/bench/data/bills/13"
JOBS=1
while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    *) echo "usage: $0 REF_BINARY [--build DIR] [--data DIR] [--jobs N]" >&2; exit 2 ;;
    esac
done
export KARAT_OCR_LANGS="${KARAT_OCR_LANGS:-eng}"
DATA=$(cd "$DATA" && pwd)
# the reference's outputs depend on the binary, the images and the languages
SUM=$( (sha256sum "$REF" | cut -c1-64; echo "$DATA $KARAT_OCR_LANGS") | sha256sum | cut -c1-16)
CACHE="${TMPDIR:-/tmp}/karat-identical-$SUM"
NEW=$(mktemp -d)
trap 'rm -rf "$NEW"' EXIT
mkdir -p "$CACHE"
{ find "$DATA" -maxdepth 1 -type f \( -name '*.png' -o -name '*.jpg' \) | sort
  echo "$ROOT/tests/data/bill_sample.png"; } > "$NEW/list"
[ "$(wc -l < "$NEW/list")" -gt 1 ] || { echo "no images in $DATA" >&2; exit 2; }
# one image: BIN FILE OUTDIR -> OUTDIR/<name>.out (the JSON, then the exit
# status), written aside and moved into place so an interrupted run leaves no
# half output that a later run would take for the reference's
read_one='out="$3/$(basename "$2").out"; rc=0; "$1" bill --json "$2" > "$out.part" 2>/dev/null || rc=$?; echo "exit $rc" >> "$out.part"; mv "$out.part" "$out"'
missing=$(while read -r f; do [ -f "$CACHE/$(basename "$f").out" ] || echo "$f"; done < "$NEW/list")
[ -z "$missing" ] || echo "$missing" | xargs -P "$JOBS" -I{} sh -c "$read_one" sh "$REF" {} "$CACHE"
xargs -P "$JOBS" -I{} sh -c "$read_one" sh "$BUILD/karat" {} "$NEW" < "$NEW/list"
n=0
bad=0
while read -r f; do
    b=$(basename "$f")
    n=$((n + 1))
    cmp -s "$CACHE/$b.out" "$NEW/$b.out" || { echo "differs: $b"; bad=$((bad + 1)); }
done < "$NEW/list"
echo "$((n - bad)) of $n identical ($BUILD/karat against $REF)"
[ "$bad" -eq 0 ]
