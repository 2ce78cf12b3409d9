/*
 * store_rate.c - how fast the sqlite store takes rows one call at a time,
 * and how fast image_each streams them back (the start-up load path).
 *
 *   bench_store_rate N [DIR] [RELOAD_N]
 *
 * In a fresh database under DIR (default $TMPDIR or /tmp): N image_insert
 * calls (each its own transaction, as repo/ does), timed; then the store is
 * closed and reopened and one image_each over all rows is timed (the page
 * cache is warm: this is the CPU cost of decoding, not disk reads). As a
 * baseline in the same run, a second fresh database takes N inserts with
 * synchronous=NORMAL instead of the shipped FULL, to show what the
 * per-commit fsync costs.
 *
 * With RELOAD_N, a third database is filled with RELOAD_N rows (with
 * synchronous=OFF, only to build it quickly) and the start-up path is
 * timed on it: image_each feeding idx_add of an "embedded" index opened
 * with capacity=RELOAD_N. One line of key=value pairs goes to stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "index/index.h"
#include "store/sqlite.h"
#include "store/store.h"

static void make_row(struct store_image *img, long i)
{
    memset(img, 0, sizeof *img);
    img->id = i + 1;
    snprintf(img->sha256, sizeof img->sha256, "%064lx", (unsigned long)i * 2654435761u);
    for (int b = 0; b < DEDUP_HASH_BYTES; b++)
        img->sig.hash[b] = (uint8_t)(i * 131 + b);
    img->sig.quality = 90;
    for (int d = 0; d < DEDUP_DESC_DIM; d++)
        img->sig.desc[d] = (float)((i + d) % 17) / 17.0f - 0.5f;
    snprintf(img->website, sizeof img->website, "alya");
    snprintf(img->bucket, sizeof img->bucket, "alyaimg");
    snprintf(img->key, sizeof img->key, "2026010112%010ld.jpg", i);
    snprintf(img->url, sizeof img->url, "https://alyaimg.s3.amazonaws.com/%s", img->key);
    snprintf(img->filename, sizeof img->filename, "IMG_%06ld.JPG", i);
    snprintf(img->mime, sizeof img->mime, "image/jpeg");
    img->bytes = 2000000 + i;
    img->width = 3000;
    img->height = 4000;
    img->created_ms = 1767225600000LL + i;
}

/* Set synchronous on the pooled connection this single thread will reuse. */
static void set_sync(struct store *s, const char *mode)
{
    struct sq_conn *c;
    struct kr_err err = {0};
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA synchronous = %s", mode);
    if (store_sq_acquire(store_sq_of(s), &c, &err) == KR_OK) {
        sqlite3_exec(c->db, sql, NULL, NULL, NULL);
        store_sq_release(store_sq_of(s), c);
    }
}

static double insert_rows(const char *path, long n, const char *sync)
{
    struct store *s;
    struct store_image img;
    struct kr_err err = {0};

    if (store_open("sqlite", path, &s, &err) != KR_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        exit(1);
    }
    if (sync)
        set_sync(s, sync);
    double t0 = util_now_ms();
    for (long i = 0; i < n; i++) {
        make_row(&img, i);
        if (store_image_insert(s, &img, &err) != KR_OK) {
            fprintf(stderr, "insert: %s\n", err.msg);
            exit(1);
        }
    }
    double secs = (util_now_ms() - t0) / 1e3;
    store_close(s);
    return secs;
}

struct reload {
    struct idx *ix;
    long n;
};

static int reload_cb(const struct store_image *img, void *ctx)
{
    struct reload *r = ctx;
    struct kr_err err = {0};
    r->n += idx_add(r->ix, img->id, &img->sig, &err) == KR_OK;
    return 0;
}

/* Seconds to load a RELOAD_N-row store into a fresh index (start-up). */
static double reload(const char *dir, long n)
{
    char path[600], opts[64];
    struct store *s;
    struct kr_err err = {0};
    struct reload r = {0};

    snprintf(path, sizeof path, "%s/reload.db", dir);
    insert_rows(path, n, "OFF");
    snprintf(opts, sizeof opts, "capacity=%ld", n);
    if (store_open("sqlite", path, &s, &err) != KR_OK || idx_open("embedded", opts, &r.ix, &err))
        exit(1);
    double t0 = util_now_ms();
    if (store_image_each(s, reload_cb, &r, &err) != KR_OK || r.n != n) {
        fprintf(stderr, "reload: %s (%ld of %ld rows)\n", err.msg, r.n, n);
        exit(1);
    }
    double secs = (util_now_ms() - t0) / 1e3;
    idx_close(r.ix);
    store_close(s);
    return secs;
}

static int count_cb(const struct store_image *img, void *ctx)
{
    long long *sum = ctx;
    *sum += img->id;
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    long reload_n = argc > 3 ? atol(argv[3]) : 0;
    const char *base = argc > 2 ? argv[2] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[512], full[600], normal[600], cmd[700];
    struct store *s;
    struct kr_err err = {0};
    long long sum = 0;

    snprintf(dir, sizeof dir, "%s/karat-store-bench-XXXXXX", base);
    if (n < 1 || !mkdtemp(dir)) {
        fprintf(stderr, "usage: %s N [DIR]\n", argv[0]);
        return 2;
    }
    snprintf(full, sizeof full, "%s/full.db", dir);
    snprintf(normal, sizeof normal, "%s/normal.db", dir);
    double ins_full = insert_rows(full, n, NULL);
    double ins_normal = insert_rows(normal, n, "NORMAL");

    if (store_open("sqlite", full, &s, &err) != KR_OK)
        return 1;
    double t0 = util_now_ms();
    if (store_image_each(s, count_cb, &sum, &err) != KR_OK) {
        fprintf(stderr, "each: %s\n", err.msg);
        return 1;
    }
    double each_s = (util_now_ms() - t0) / 1e3;
    store_close(s);
    if (sum != (long long)n * (n + 1) / 2) {
        fprintf(stderr, "image_each returned the wrong rows\n");
        return 1;
    }
    double reload_s = reload_n > 0 ? reload(dir, reload_n) : 0;
    printf("n=%ld insert_full_per_s=%.0f insert_normal_per_s=%.0f normal_speedup=%.1f "
           "each_rows_per_s=%.0f each_s=%.3f reload_n=%ld reload_s=%.2f\n",
           n, n / ins_full, n / ins_normal, ins_full / ins_normal, n / each_s, each_s, reload_n,
           reload_s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
