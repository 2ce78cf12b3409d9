#!/bin/sh
# segment_iou.sh - segmentation quality of the image studio on a set built
# here, at bench time, from a Debian package (nothing is committed).
#
#   bench/segment_iou.sh [--build DIR] [-- ARGS for bench_segment_iou]
#
# 1. `apt-get download tuxpaint-stamps-default` + `dpkg -x` into bench/data/
#    (git-ignored); skipped when already there.
# 2. bench_segment_iou (bench/segment_iou.c) takes every stamp of the food,
#    animals, plants, household and vehicles folders (transparent PNGs: the
#    alpha channel is the true mask), composites each on white, off-white,
#    gradient and lightly textured backgrounds with sensor noise and a JPEG
#    round trip, segments with studio_segment() and prints mean IoU per
#    background and per category.
# Extra args go to the C driver, e.g. `-- --limit 50 --dump /tmp/segdump`.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA="$ROOT/bench/data"
. "$ROOT/bench/lib.sh"
PKG=tuxpaint-stamps-default
bench_build_args "$@"
shift "$BENCH_USED"

STAMPS="$DATA/x/$PKG/usr/share/tuxpaint/stamps"
bench_fetch "$PKG"
[ -x "$BUILD/bench_segment_iou" ] || cmake --build "$BUILD" --target bench_segment_iou

bench_header
echo "package: $(dpkg-deb -f "$(bench_deb "$PKG")" Package Version | tr '\n' ' ')"
"$BUILD/bench_segment_iou" "$STAMPS" "$@"
