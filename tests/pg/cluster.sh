#!/bin/sh
# A throwaway PostgreSQL cluster for the tests (Debian's postgresql-15).
#
#   cluster.sh start STATEFILE [OPTS]
#                                initdb in a new folder under $TMPDIR (or /tmp),
#                                start it listening on a Unix socket in that
#                                folder only (no TCP port), write the admin
#                                connection string into STATEFILE, print it;
#                                OPTS: more server options ("-c name=value",
#                                e.g. what bench/server.sh preloads)
#   cluster.sh stop STATEFILE    stop the cluster STATEFILE names and remove
#                                its folder and STATEFILE (quietly if absent)
#
# PostgreSQL refuses to run as root, and CI runs as root: then the server
# runs as the unprivileged user "nobody" (runuser), which owns the folder.
# Authentication is "trust" over the socket only, so nothing else can
# reach the cluster. Settings favour speed (fsync off): test data only.
set -eu
cmd=${1:?usage: cluster.sh start|stop STATEFILE}
state=${2:?usage: cluster.sh start|stop STATEFILE}
extra=${3:-}

bindir=""
for v in 15 16 17 14 13; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then bindir=/usr/lib/postgresql/$v/bin; break; fi
done
[ -n "$bindir" ] || { echo "cluster.sh: PostgreSQL server not installed (scripts/bootstrap installs postgresql-15)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

stop() {
    [ -f "$state" ] || return 0
    dir=$(sed -n 's/^# dir=//p' "$state")
    if [ -n "$dir" ] && [ -d "$dir/data" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$dir" in */karat-pg.*) rm -rf "$dir" ;; esac
    rm -f "$state"
}

case "$cmd" in
stop) stop ;;
start)
    stop # a cluster left by an interrupted run
    dir=$(mktemp -d "${TMPDIR:-/tmp}/karat-pg.XXXXXX")
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then chown nobody "$dir"; fi
    printf '# dir=%s\n' "$dir" >"$state"
    if ! as_owner "$bindir/initdb" -D "$dir/data" -U karat -A trust -E UTF8 --locale=C.UTF-8 \
            --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2; stop; exit 1
    fi
    opts="-k $dir -c listen_addresses= -c port=5432 -c fsync=off -c synchronous_commit=off"
    opts="$opts -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB $extra"
    if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 -o "$opts" \
            start >/dev/null; then
        cat "$dir/server.log" >&2; stop; exit 1
    fi
    printf 'host=%s port=5432 user=karat dbname=postgres\n' "$dir" >>"$state"
    printf 'host=%s port=5432 user=karat dbname=postgres\n' "$dir"
    ;;
*) echo "usage: cluster.sh start|stop STATEFILE" >&2; exit 2 ;;
esac
