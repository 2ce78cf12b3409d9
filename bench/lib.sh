# lib.sh - sourced by the bench scripts: fetching the Debian packages their
# test data is made from. Needs DATA (the git-ignored bench/data folder).
#
#   bench_fetch PKG   PKG's .deb into $DATA/debs and its files into
#                     $DATA/x/PKG, each step only once; prints nothing.
#   bench_deb PKG     the path of PKG's downloaded .deb (after bench_fetch).

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
