# lib.sh - sourced by the bench scripts: the header every result starts
# with, timing, and fetching the Debian packages test data is made from
# (those need DATA, the git-ignored bench/data folder).
#
#   bench_header      "date: ...; nproc: ...; cpu: ...; load average before: ..."
#   bench_load_after  "load average after: ..."
#   now               seconds since the epoch, with nanoseconds
#   rate N T0 T1      N / (T1 - T0), one decimal
#   bench_fetch PKG   PKG's .deb into $DATA/debs and its files into
#                     $DATA/x/PKG, each step only once; prints nothing.
#   bench_deb PKG     the path of PKG's downloaded .deb (after bench_fetch).
#   bench_bill_args "$@"  the bill benches' options: sets BUILD, SEED, QUICK, REPEAT
#                     (--build DIR, --seed N, --quick, --repeat N), exits 2 on another.
#   bench_build_args "$@"  --build DIR, then "--" before the C driver's own
#                     arguments: sets BUILD and BENCH_USED (the caller shifts
#                     that many), exits 2 on anything else.

bench_header() {
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ); nproc: $(nproc);" \
        "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');" \
        "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
}

bench_load_after() {
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

bench_bill_args() {
    BUILD="$ROOT/build"
    SEED=13
    QUICK=""
    REPEAT=1
    while [ $# -gt 0 ]; do
        case "$1" in
        --build) BUILD="$2"; shift 2 ;;
        --quick) QUICK=--quick; shift ;;
        --seed) SEED="$2"; shift 2 ;;
        --repeat) REPEAT="$2"; shift 2 ;;
        *) echo "usage: $0 [--build DIR] [--quick] [--seed N] [--repeat N]" >&2; exit 2 ;;
        esac
    done
    case "$REPEAT" in
    '' | *[!0-9]* | 0) echo "$0: --repeat wants a count of at least 1" >&2; exit 2 ;;
    esac
}

bench_build_args() {
    BUILD="$ROOT/build"
    BENCH_USED=0
    while [ $# -gt 0 ]; do
        case "$1" in
        --build) BUILD="$2"; shift 2; BENCH_USED=$((BENCH_USED + 2)) ;;
        --) BENCH_USED=$((BENCH_USED + 1)); return 0 ;;
        *) echo "usage: $0 [--build DIR] [-- ARGS]" >&2; exit 2 ;;
        esac
    done
}

now() { date +%s.%N; }
rate() { echo "$1 $2 $3" | awk '{printf "%.1f", $1 / ($3 - $2)}'; }

bench_deb() {
    ls "$DATA/debs/${1}_"*.deb 2>/dev/null | head -n 1
}

bench_fetch() {
    mkdir -p "$DATA/debs" "$DATA/x"
    [ -n "$(bench_deb "$1")" ] || (cd "$DATA/debs" && apt-get download "$1")
    if [ ! -d "$DATA/x/$1" ]; then
        mkdir -p "$DATA/x/$1"
        dpkg -x "$(bench_deb "$1")" "$DATA/x/$1"
    fi
}
