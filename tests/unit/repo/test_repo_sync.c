/*
 * test_repo_sync.c - two nodes on one PostgreSQL store (server mode): each
 * keeps its own in-memory index current from the store's change feed, and
 * the duplicate lock keeps concurrent near-duplicate uploads through
 * different nodes down to one stored photo.
 *
 * The nodes are two repositories in this process, each with its own data
 * folder (so its own flock and its own local blob folder) and the same
 * database: everything they share goes through PostgreSQL, as between two
 * `karat serve` processes. Local blobs are a test-only shortcut here: the
 * duplicate rule needs rows and index entries, never another node's bytes
 * (a real deployment shares an S3 bucket). The cluster comes from the ctest
 * fixture "pg" (tests/support/pgtest.h).
 *
 * Nothing waits for a fixed time: every "eventually" polls with a deadline
 * of a minute, so a loaded 2-core machine only makes it slower. The
 * visibility test prints the measured delay (p50/p99) for docs/BENCHMARKS.md.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "dup_seeds.h"
#include "image/image.h"
#include "repo/repo_int.h" /* to hold a node's catch-up (sync.mu) */
#include "pgtest.h"
#include "repo/repo.h"

#define DEADLINE_MS 60000
#define UPLOADS     50
#define GROUPS      DS_GROUPS
#define VARIANTS    DS_VARIANTS
#define WORKERS     8

static char url[1024], dir[2][256];
static struct config cfg[2];

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void nap_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static int setup(void **state)
{
    struct kr_err err = {0};
    (void)state;
    if (image_init("test", &err))
        return -1;
    tu_pg_create_db(url, sizeof url);
    for (int i = 0; i < 2; i++) {
        tu_tmpdir(dir[i], sizeof dir[i]);
        if (config_load(&cfg[i], &err) || config_set(&cfg[i], "KARAT_DATA_DIR", dir[i], &err) ||
            config_set(&cfg[i], "KARAT_STORE", "postgres", &err) ||
            config_set(&cfg[i], "KARAT_DATABASE_URL", url, &err))
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        config_release(&cfg[i]);
        tu_rmrf(dir[i]);
    }
    tu_pg_drop_db(url);
    return 0;
}

static struct repo *open_node(int i)
{
    struct repo *r = NULL;
    struct kr_err err = {0};
    if (repo_open(&cfg[i], "http://127.0.0.1:8000", &r, &err))
        fail_msg("repo_open node %d: %s", i, err.msg);
    return r;
}

static int seeds[GROUPS]; /* items the duplicate rule tells apart (dup_seeds.h) */

static enum kr_code upload(struct repo *r, const unsigned char *p, size_t n,
                           struct repo_ingest_res *res)
{
    struct repo_ingest_req req = {p, n, "x.jpg", "alyaimg", "alya", 1, 3, NULL};
    struct kr_err err = {0};
    enum kr_code rc = repo_ingest(r, &req, res, &err);
    if (rc)
        print_error("ingest: %s\n", err.msg);
    return rc;
}

/* 1 once node r's own index (no store lock, no catch-up) finds id. */
static int indexed(struct repo *r, const unsigned char *p, size_t n, int64_t id)
{
    struct repo_match hit[8];
    struct kr_err err = {0};
    int nh = 0, found = 0;
    assert_int_equal(repo_search(r, &(struct repo_search_req){p, n, 8}, hit, &nh, &err), KR_OK);
    for (int i = 0; i < nh; i++)
        found |= hit[i].id == id;
    return found;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The status of a node once its lag is 0, or fail after the deadline. */
static void wait_caught_up(struct repo *r)
{
    struct repo_sync_status st;
    struct kr_err err = {0};
    double until = now_ms() + DEADLINE_MS;
    do {
        assert_int_equal(repo_sync_status(r, &st, &err), KR_OK);
        assert_int_equal(st.on, 1);
        if (st.lag == 0 && st.since_ms >= 0)
            return;
        nap_ms(5);
    } while (now_ms() < until);
    fail_msg("node still %lld changes behind", st.lag);
}

/* A photo stored through A is in B's index within a bounded delay (B's
 * catch-up thread, woken by the notification); then B calls a re-encoding
 * of it a duplicate. A delete through A leaves B's index too. */
static void test_stored_on_a_is_duplicate_on_b(void **state)
{
    struct repo *a = open_node(0), *b = open_node(1);
    double delay[UPLOADS];
    struct repo_ingest_res res;
    struct store_image first = {0};
    (void)state;
    for (int i = 0; i < UPLOADS; i++) {
        size_t n;
        unsigned char *p = ds_variant(seeds[i], 0, &n);
        double t0, until;
        assert_int_equal(upload(a, p, n, &res), KR_OK);
        assert_false(res.duplicate);
        if (i == 0)
            first = res.image;
        t0 = now_ms();
        until = t0 + DEADLINE_MS;
        while (!indexed(b, p, n, res.image.id) && now_ms() < until)
            nap_ms(1);
        delay[i] = now_ms() - t0;
        assert_true(indexed(b, p, n, res.image.id));
        free(p);
        p = ds_variant(seeds[i], 2, &n);
        assert_int_equal(upload(b, p, n, &res), KR_OK);
        assert_true(res.duplicate);
        free(p);
    }
    qsort(delay, UPLOADS, sizeof delay[0], cmp_double);
    printf("cross-node duplicate visibility over %d uploads: p50 %.1f ms, p99 %.1f ms, "
           "max %.1f ms\n",
           UPLOADS, delay[UPLOADS / 2], delay[(UPLOADS * 99 + 99) / 100 - 1], delay[UPLOADS - 1]);
    wait_caught_up(b);
    assert_int_equal(repo_index_count(b), UPLOADS);
    assert_int_equal(repo_delete_url(a, first.url, NULL, &(struct kr_err){0}), KR_OK);
    for (double until = now_ms() + DEADLINE_MS;
         repo_index_count(b) != UPLOADS - 1 && now_ms() < until;)
        nap_ms(5);
    assert_int_equal(repo_index_count(b), UPLOADS - 1);
    repo_close(b);
    repo_close(a);
}

struct race {
    struct repo *node[2];
    unsigned char *bytes[GROUPS * VARIANTS];
    size_t len[GROUPS * VARIANTS];
    atomic_int next, stored, failed;
};

/* Item k: group k / VARIANTS, variant k % VARIANTS, so the variants of a
 * group are in flight at once, and through both nodes. */
static void *racer(void *arg)
{
    struct race *x = arg;
    struct repo_ingest_res *res = malloc(sizeof *res);
    int k;
    while ((k = atomic_fetch_add(&x->next, 1)) < GROUPS * VARIANTS) {
        struct repo *r = x->node[(k / VARIANTS + k % VARIANTS) % 2];
        if (upload(r, x->bytes[k], x->len[k], res) != KR_OK)
            atomic_fetch_add(&x->failed, 1);
        else if (!res->duplicate)
            atomic_fetch_add(&x->stored, 1);
    }
    free(res);
    return NULL;
}

static void test_concurrent_near_duplicates_across_nodes(void **state)
{
    static struct race x;
    pthread_t th[WORKERS];
    long long rows = -1;
    (void)state;
    memset(&x, 0, sizeof x);
    x.node[0] = open_node(0);
    x.node[1] = open_node(1);
    for (int k = 0; k < GROUPS * VARIANTS; k++)
        x.bytes[k] = ds_variant(seeds[k / VARIANTS], k % VARIANTS, &x.len[k]);
    for (int i = 0; i < WORKERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, racer, &x), 0);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&x.failed), 0);
    assert_int_equal(atomic_load(&x.stored), GROUPS);
    assert_int_equal(store_image_count(repo_store(x.node[0]), &rows, &(struct kr_err){0}), KR_OK);
    assert_int_equal(rows, GROUPS);
    for (int i = 0; i < 2; i++) {
        wait_caught_up(x.node[i]);
        assert_int_equal(repo_index_count(x.node[i]), GROUPS);
    }
    for (int k = 0; k < GROUPS * VARIANTS; k++)
        free(x.bytes[k]);
    repo_close(x.node[1]);
    repo_close(x.node[0]);
}

/* A node started after rows exist loads them, and replays what another
 * node commits while it runs; the embedded store has no sync at all. */
static void test_late_node_and_embedded(void **state)
{
    struct repo *a = open_node(0), *b;
    struct repo_ingest_res res;
    struct repo_sync_status st;
    struct kr_err err = {0};
    struct config solo;
    char solo_dir[256];
    size_t n;
    unsigned char *p = ds_variant(seeds[0], 0, &n);
    (void)state;
    assert_int_equal(upload(a, p, n, &res), KR_OK);
    b = open_node(1);
    assert_int_equal(repo_index_count(b), 1);
    free(p);
    p = ds_variant(seeds[1], 0, &n);
    assert_int_equal(upload(a, p, n, &res), KR_OK);
    wait_caught_up(b);
    assert_int_equal(repo_index_count(b), 2);
    free(p);
    repo_close(b);
    repo_close(a);
    tu_tmpdir(solo_dir, sizeof solo_dir);
    assert_int_equal(config_load(&solo, &err), KR_OK);
    assert_int_equal(config_set(&solo, "KARAT_DATA_DIR", solo_dir, &err), KR_OK);
    assert_int_equal(repo_open(&solo, "http://127.0.0.1:8000", &a, &err), KR_OK);
    assert_int_equal(repo_sync_status(a, &st, &err), KR_OK);
    assert_int_equal(st.on, 0);
    repo_close(a);
    config_release(&solo);
    tu_rmrf(solo_dir);
}

/* A node stalled past KARAT_SYNC_NODE_TTL while the change feed was pruned
 * (here: both nodes' catch-ups held, their progress reports deleted, then
 * a prune with retention 0) finds the changes it needs gone; it reloads its
 * index from the rows: the photo deleted meanwhile leaves it, the one
 * added arrives, and /health's reloads counts it. */
static void test_pruned_past_node_reloads(void **state)
{
    struct repo *a = open_node(0), *b = open_node(1);
    struct repo_ingest_res res;
    struct repo_sync_status st;
    struct store_prune now = {0, 60000, 86400000};
    struct store_prune_res pr;
    struct kr_err err = {0};
    struct store_image first = {0};
    int64_t added;
    unsigned char *p;
    size_t n;
    (void)state;
    for (int i = 0; i < 5; i++) {
        p = ds_variant(seeds[i], 0, &n);
        assert_int_equal(upload(a, p, n, &res), KR_OK);
        if (i == 0)
            first = res.image;
        free(p);
    }
    wait_caught_up(b);
    assert_int_equal(repo_index_count(b), 5);

    pthread_mutex_lock(&b->sync.mu); /* B stalls: it replays nothing from here */
    nap_ms(200);                     /* a report B was making is done */
    assert_int_equal(repo_delete_url(a, first.url, NULL, &err), KR_OK);
    p = ds_variant(seeds[5], 0, &n);
    assert_int_equal(upload(a, p, n, &res), KR_OK);
    added = res.image.id;
    pthread_mutex_lock(&a->sync.mu); /* and A reports nothing either */
    nap_ms(200);
    assert_int_equal(tu_pg_exec(url, "DELETE FROM sync_nodes"), 0); /* both silent too long */
    assert_int_equal(store_prune(repo_store(a), &now, &pr, &err), KR_OK);
    assert_true(pr.changes >= 6);
    pthread_mutex_unlock(&a->sync.mu);
    pthread_mutex_unlock(&b->sync.mu);

    wait_caught_up(b);
    assert_int_equal(repo_sync_status(b, &st, &err), KR_OK);
    assert_int_equal(st.reloads, 1);
    assert_int_equal(repo_index_count(b), 5);
    assert_true(indexed(b, p, n, added));
    free(p);
    p = ds_variant(seeds[0], 0, &n);
    assert_false(indexed(b, p, n, first.id));
    free(p);
    assert_int_equal(repo_sync_status(a, &st, &err), KR_OK);
    assert_int_equal(st.reloads, 0); /* A had replayed everything */
    repo_close(b);
    repo_close(a);
}

static int group_setup(void **state)
{
    struct kr_err err = {0};
    (void)state;
    if (image_init("test", &err))
        return -1;
    ds_pick_seeds(seeds);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_late_node_and_embedded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stored_on_a_is_duplicate_on_b, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_near_duplicates_across_nodes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pruned_past_node_reloads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
