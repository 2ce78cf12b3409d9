#!/bin/sh
# tests/deploy/walkthrough.sh - docs/DEPLOY.md's walk-through, run step by step
# with the files it ships (deploy/), so the page stays something a newcomer can
# follow: two nodes, PostgreSQL, an S3 server and nginx on one machine.
#
# What differs from the page, and why:
# - no systemd: each node is started the way deploy/karat@.service says (its
#   EnvironmentFile=, Environment= and ExecStart= lines, read from the unit,
#   with %i and /etc/karat mapped into a scratch folder); the unit itself is
#   checked with `systemd-analyze verify` where that exists;
# - PostgreSQL is the suite's throwaway cluster (fixture "pg"), and the role
#   and database names carry this run's pid; the commands are the page's;
# - ports are free ones instead of 8000-8002 and 9000; nginx runs unprivileged
#   in a scratch prefix with the shipped site file (only those ports replaced).
#
# Environment (set by CMake): KARAT_BIN, KARAT_SOURCE_DIR, KARAT_NGINX,
# KARAT_TEST_PG_STATE.
set -eu
src=${KARAT_SOURCE_DIR:?}
karat=${KARAT_BIN:?}
nginx=${KARAT_NGINX:-/usr/sbin/nginx}
state=${KARAT_TEST_PG_STATE:?}

T=$(mktemp -d "${TMPDIR:-/tmp}/karat-walk.XXXXXX")
chmod 755 "$T"
step=0
pids=""
fail() {
    echo "walkthrough: step $step: $*" >&2
    for f in "$T"/node-*.log "$T"/s3.log "$T"/nginx/error.log; do
        [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
    done
    exit 1
}
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    if [ -n "${PGHOST:-}" ]; then
        for d in "$db" "$db"_restored; do dropdb --if-exists "$d" >/dev/null 2>&1 || true; done
        dropuser --if-exists "$role" >/dev/null 2>&1 || true
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# wait_for URL [SECONDS]: until URL answers 200
wait_for() {
    n=$((${2:-120} * 10))
    while [ "$n" -gt 0 ]; do
        curl -sf -o /dev/null "$1" && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}
# photo FILE SEED: a 320x240 PNG of random coloured blocks (stdlib only)
photo() {
    python3 - "$1" "$2" <<'EOF'
import random, struct, sys, zlib
path, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
w, h, b = 320, 240, 20
blocks = [[bytes(rnd.randrange(256) for _ in range(3)) for _ in range(w // b)] for _ in range(h // b)]
raw = b"".join(b"\0" + b"".join(blocks[y // b][x // b] for x in range(w)) for y in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(path, "wb").write(png)
EOF
}
# set_var FILE NAME VALUE: replace NAME's line, which must be there
set_var() {
    grep -q "^$2=" "$1" || fail "$(basename "$1") has no $2= line"
    sed -i "s#^$2=.*#$2=\"$3\"#" "$1"
}
# upload URL FILE: print the JSON answer of /image_similarity_search
upload() {
    curl -s -H "X-API-Key: $key" -F "file=@$2" "$1/image_similarity_search"
}

# ---- 2. PostgreSQL: a role and a database owned by it ----------------------
step=2
admin=$(grep -v '^#' "$state" | tail -n 1)
PGHOST=$(printf '%s\n' "$admin" | sed -n 's/.*host=\([^ ]*\).*/\1/p')
PGPORT=$(printf '%s\n' "$admin" | sed -n 's/.*port=\([^ ]*\).*/\1/p')
PGUSER=$(printf '%s\n' "$admin" | sed -n 's/.*user=\([^ ]*\).*/\1/p')
export PGHOST PGPORT PGUSER PGDATABASE=postgres
role=karat_walk_$$
db=karat_walk_$$
createuser "$role" || fail "createuser"
createdb --owner="$role" --encoding=UTF8 "$db" || fail "createdb"

# ---- 3. an S3 server and two buckets (deploy/s3-local) ---------------------
step=3
s3port=$(free_port)
secret=a-long-secret-for-karat-$$
mkdir -p "$T/s3"
: >"$T/s3.log"
"$src/deploy/s3-local" --dir "$T/s3" --access-key karat --secret "$secret" \
    --bucket alyaimg --bucket blyskimg --port "$s3port" >"$T/s3.log" 2>&1 &
pids="$pids $!"
n=600
until grep -q "^PORT $s3port" "$T/s3.log"; do
    n=$((n - 1)); [ "$n" -gt 0 ] || fail "deploy/s3-local did not start"; sleep 0.1
done
# anonymous clients may read images and nothing else (deploy/bucket-policy.json)
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$s3port/alyaimg?list-type=2")
[ "$code" = 403 ] || fail "an anonymous bucket listing answered $code, not 403"

# ---- 4. shared settings and secrets ----------------------------------------
step=4
# systemd reads the file (EnvironmentFile=) and so does sh (`set -a; . FILE`
# before a karat command): a value with a space must be in double quotes
bad=$(grep -v -e '^#' -e '^$' -e '^[A-Z0-9_]*="[^"]*"$' -e '^[A-Z0-9_]*=[^ "]*$' \
    "$src/deploy/karat.env.example" || true)
[ -z "$bad" ] || fail "karat.env.example lines sh and systemd read differently: $bad"
lbport=$(free_port); p1=$(free_port); p2=$(free_port)
key=walkthrough-key-$$
mkdir -p "$T/etc/karat"
cp "$src/deploy/karat.env.example" "$T/etc/karat/karat.env"
env="$T/etc/karat/karat.env"
set_var "$env" KARAT_DATABASE_URL "host=$PGHOST port=$PGPORT dbname=$db user=$role"
set_var "$env" AWS_ENDPOINT_URL "http://127.0.0.1:$s3port"
set_var "$env" AWS_SECRET_ACCESS_KEY "$secret"
set_var "$env" KARAT_PUBLIC_URL "http://127.0.0.1:$lbport"
set_var "$env" KARAT_ALLOWED_HOSTS "127.0.0.1"
set_var "$env" KARAT_API_KEYS "$key"
printf 'KARAT_LISTEN=127.0.0.1:%s\n' "$p1" >"$T/etc/karat/node-1.env"
printf 'KARAT_LISTEN=127.0.0.1:%s\n' "$p2" >"$T/etc/karat/node-2.env"
grep -q 'CHANGE-ME' "$env" && fail "karat.env still has a CHANGE-ME value the page says to fill"

# ---- 5. two nodes, started as deploy/karat@.service starts them ------------
step=5
unit="$src/deploy/karat@.service"
if command -v systemd-analyze >/dev/null 2>&1; then
    sed "s#^ExecStart=/usr/local/bin/karat#ExecStart=$karat#" "$unit" >"$T/karat@.service"
    systemd-analyze verify "$T/karat@.service" >"$T/verify.log" 2>&1 || fail "systemd-analyze verify failed"
    [ ! -s "$T/verify.log" ] || fail "systemd-analyze verify: $(cat "$T/verify.log")"
fi
unit_lines() { sed -n "s/^$1=//p" "$unit"; }
[ "$(unit_lines ExecStart)" = "/usr/local/bin/karat serve" ] || fail "ExecStart is not karat serve"
start_node() { # N
    (
        for f in $(unit_lines EnvironmentFile); do
            f=$(printf '%s' "$f" | sed "s#^/etc/karat#$T/etc/karat#; s#%i#$1#g")
            set -a; . "$f"; set +a
        done
        for e in $(unit_lines Environment); do
            e=$(printf '%s' "$e" | sed "s#/var/lib/karat#$T/var/lib/karat#; s#%i#$1#g")
            export "${e?}"
        done
        mkdir -p "$KARAT_DATA_DIR"
        exec "$karat" serve
    ) >>"$T/node-$1.log" 2>&1 &
    eval "node$1=$!"
    pids="$pids $!"
}
start_node 1
start_node 2
for p in "$p1" "$p2"; do
    wait_for "http://127.0.0.1:$p/health" 120 || fail "node on port $p has no healthy /health"
    h=$(curl -s "http://127.0.0.1:$p/health")
    [ "$(printf '%s' "$h" | jq -r .status)" = ok ] || fail "/health: $h"
    [ "$(printf '%s' "$h" | jq -r .backends.store.ok)" = true ] || fail "store: $h"
    [ "$(printf '%s' "$h" | jq -r .backends.blob.ok)" = true ] || fail "blob: $h"
done

# ---- 6. nginx in front, with deploy/nginx.conf -----------------------------
step=6
mkdir -p "$T/nginx"
python3 - "$src/deploy/nginx.conf" "$T/nginx/site.conf" "$p1" "$p2" "$lbport" <<'EOF' || fail "nginx.conf"
import sys
text = open(sys.argv[1]).read()
for old, new in (("server 127.0.0.1:8001 ", "server 127.0.0.1:%s " % sys.argv[3]),
                 ("server 127.0.0.1:8002 ", "server 127.0.0.1:%s " % sys.argv[4]),
                 ("listen 8000;", "listen 127.0.0.1:%s;" % sys.argv[5])):
    if text.count(old) != 1:
        sys.exit("deploy/nginx.conf: %r not found once" % old)
    text = text.replace(old, new)
open(sys.argv[2], "w").write(text)
EOF
d="$T/nginx"
cat >"$d/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $d/body; proxy_temp_path $d/proxy; fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi; scgi_temp_path $d/scgi;
  include $d/site.conf;
}
EOF
if [ "$(id -u)" = 0 ]; then
    chown -R nobody "$d"
    runuser -u nobody -- "$nginx" -p "$d" -c "$d/nginx.conf" -e "$d/error.log" 2>>"$T/nginx-run.log" &
else
    "$nginx" -p "$d" -c "$d/nginx.conf" -e "$d/error.log" &
fi
pids="$pids $!"
lb="http://127.0.0.1:$lbport"
wait_for "$lb/health" 60 || fail "nginx does not answer /health"

# ---- 7. the same photo through the balancer and through node 2 -------------
step=7
photo "$T/ring.png" 1
a=$(upload "$lb" "$T/ring.png")
[ "$(printf '%s' "$a" | jq -r .duplicate_found)" = false ] || fail "first upload: $a"
url=$(printf '%s' "$a" | jq -r .s3_url)
case "$url" in "http://127.0.0.1:$s3port/alyaimg/"*) ;; *) fail "public URL $url" ;; esac
curl -sf -o "$T/fetched.png" "$url" || fail "the public URL $url cannot be fetched anonymously"
cmp -s "$T/fetched.png" "$T/ring.png" || fail "the public URL serves other bytes"
b=$(upload "http://127.0.0.1:$p2" "$T/ring.png")
[ "$(printf '%s' "$b" | jq -r .duplicate_found)" = true ] || fail "through node 2: $b"

# ---- 8. an embedded data folder moved in (karat migrate-to-server) ---------
step=8
mkdir -p "$T/photos"
photo "$T/photos/bangle.png" 2
env -u KARAT_STORE -u KARAT_BLOB "$karat" index "$T/photos" --data "$T/embedded" \
    >"$T/index.log" 2>&1 || fail "karat index: $(cat "$T/index.log")"
( set -a; . "$env"; set +a
  exec "$karat" migrate-to-server --from "$T/embedded" --data "$T/scratch" ) \
    >"$T/migrate.log" 2>&1 || fail "migrate-to-server: $(cat "$T/migrate.log")"
grep -q 'rows verified 1' "$T/migrate.log" || fail "migrate-to-server: $(cat "$T/migrate.log")"
n=300
until [ "$(upload "$lb" "$T/photos/bangle.png" | jq -r .duplicate_found)" = true ]; do
    n=$((n - 1)); [ "$n" -gt 0 ] || fail "the migrated photo is not a duplicate through nginx"
    sleep 0.2
done

# ---- 9. backups: a dump restored into an empty database checks clean -------
step=9
pg_dump --format=custom --username="$role" "$db" >"$T/karat.dump" || fail "pg_dump"
createdb --owner="$role" "$db"_restored || fail "createdb for the restore"
pg_restore --username="$role" --dbname="$db"_restored "$T/karat.dump" || fail "pg_restore"
( set -a; . "$env"; set +a
  KARAT_DATABASE_URL="host=$PGHOST port=$PGPORT dbname=${db}_restored user=$role"
  exec "$karat" fsck --data "$T/fsck" ) >"$T/fsck-restored.log" 2>&1 ||
    fail "fsck of the restored database: $(cat "$T/fsck-restored.log")"

# ---- 10. upgrades: restart the nodes one at a time, nginx keeps answering ---
step=10
# nginx skips a node that refused a connection for fail_timeout (the page says
# to wait that long after a node's /health before restarting the next one)
ft=$(sed -n 's/.*server 127.0.0.1:8001 .*fail_timeout=\([0-9]*\)s.*/\1/p' "$src/deploy/nginx.conf")
[ -n "$ft" ] || fail "deploy/nginx.conf has no fail_timeout for the first node"
for i in 1 2; do
    eval "pid=\$node$i"
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    for _ in 1 2 3 4 5; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "$lb/health")
        [ "$code" = 200 ] || fail "nginx answered $code while node $i restarted"
    done
    start_node "$i"
    eval "p=\$p$i"
    wait_for "http://127.0.0.1:$p/health" 120 || fail "node $i did not come back"
    sleep $((ft + 1))
done
c=$(upload "$lb" "$T/ring.png")
[ "$(printf '%s' "$c" | jq -r .duplicate_found)" = true ] || fail "after the restarts: $c"

# ---- 11. checks: fsck and /metrics ------------------------------------------
step=11
( set -a; . "$env"; set +a; exec "$karat" fsck --data "$T/fsck" ) >"$T/fsck.log" 2>&1 ||
    fail "fsck: $(cat "$T/fsck.log")"
for p in "$p1" "$p2"; do
    curl -sf -H "X-API-Key: $key" "http://127.0.0.1:$p/metrics" | grep -q . ||
        fail "no /metrics on port $p"
done
# everything went into the database the settings name
[ -z "$(psql -d template1 -Atc 'select 1 from pg_tables where schemaname = $$public$$ limit 1')" ] ||
    fail "tables appeared in template1"
# the nodes stopped so far (step 10) ran clean (this matters under ASan/UBSan)
if grep -l 'Sanitizer\|runtime error:' "$T"/node-*.log "$T"/*.log 2>/dev/null; then
    fail "a sanitizer reported an error"
fi
echo "walkthrough: steps 2-11 passed"
