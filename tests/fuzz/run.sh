#!/bin/sh
# Run one libFuzzer target for SECONDS over its corpus:
#   sh tests/fuzz/run.sh BUILD/fuzz_NAME SECONDS ARTIFACT_DIR
# New inputs go to a temporary work folder (listed first, so libFuzzer writes
# there) and are thrown away with TMPDIR; tests/fuzz/corpus/NAME is only read. A crash,
# a sanitizer report, a leak, a timeout (one input over 25 s) or an
# out-of-memory (over 2 GiB) fails the run and leaves the input in
# ARTIFACT_DIR/NAME/. Extra libFuzzer flags: FUZZ_FLAGS.
set -eu
bin=$1 seconds=$2 artifacts=$3
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$bin"); name=${name#fuzz_}
corpus=$here/corpus/$name
[ -d "$corpus" ] || { echo "run.sh: no corpus $corpus" >&2; exit 2; }
mkdir -p "$artifacts/$name"
work=$(mktemp -d "${TMPDIR:-/tmp}/karat-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/corpus" "$work/tmp"
export TMPDIR="$work/tmp" # whatever the target makes (fuzz_json_bodies: a data folder) goes too
dict=""
[ -f "$here/$name.dict" ] && dict="-dict=$here/$name.dict"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# the process-lifetime caches of system libraries (fontconfig's, under
# poppler and cairo, is reported at exit), as in the ctest runs
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/../lsan.supp:print_suppressions=0}"
export VIPS_WARNING=0
echo "fuzz $name: ${seconds}s, corpus $corpus ($(ls "$corpus" | wc -l) inputs)"
# shellcheck disable=SC2086
"$bin" -max_total_time="$seconds" -detect_leaks=1 -timeout=25 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name/" $dict \
    ${FUZZ_FLAGS:-} "$work/corpus" "$corpus"
