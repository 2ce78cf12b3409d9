/*
 * test_nodes.c - server mode as deployed: two real `karat serve` processes
 * on one throwaway PostgreSQL database and one S3 server (s3rver behind the
 * SigV4-verifying proxy), reached directly and through nginx running the
 * shipped deploy/nginx.conf (nginx_lb.h: only the node addresses and the
 * listen port are replaced).
 *
 * 1. 100 groups x 4 near-duplicates of one photo, uploaded concurrently,
 *    each group's variants through the balancer and straight to both nodes:
 *    exactly 100 stored (responses, rows, objects, both nodes' indexes).
 * 2. kill -9 of one node while uploads run through it: `karat fsck` is clean
 *    at once (objects without a row are younger than KARAT_FSCK_GRACE); past
 *    the grace period (2 s here, through the config) it lists only objects
 *    without a row, `--repair` deletes them, then it is clean and the bucket
 *    holds exactly one photo object per row. The balancer keeps answering
 *    through the surviving node.
 * (A kill -9 during a catalog job, with real processes: test_jobs_nodes.c.)
 *
 * Nothing waits for a fixed time except the grace period itself; every
 * "eventually" polls with a deadline of minutes (a loaded 2-core machine).
 */
#include "testutil.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dup_seeds.h"
#include "image/image.h"
#include "nginx_lb.h"
#include "pgtest.h"
#include "s3_server.h"

#define WORKERS   8
#define KILL_JOBS 40
#define GRACE_S   2

static struct s3srv s3;
static struct tu_server node[2];
static struct nginx_lb lb;
static char url[1024], db_env[1100], dirs[2][256], fsck_dir[256];
static int seeds[DS_GROUPS];

static const char *const node_env[] = {"KARAT_STORE=postgres", db_env,
                                       "KARAT_TRUSTED_PROXIES=127.0.0.1", NULL};

static int setup(void **state)
{
    struct kr_err err = {0};
    (void)state;
    unsetenv("KARAT_TEST_STORE"); /* one shared database, made here */
    if (image_init("test", &err))
        return -1;
    ds_pick_seeds(seeds);
    if (s3srv_start(&s3))
        return -1;
    s3srv_setenv(&s3, "S3RVER"); /* both nodes' blobs in one S3 server */
    unsetenv("KARAT_BUCKETS");
    tu_pg_create_db(url, sizeof url);
    snprintf(db_env, sizeof db_env, "KARAT_DATABASE_URL=%s", url);
    for (int i = 0; i < 2; i++) {
        tu_tmpdir(dirs[i], sizeof dirs[i]);
        if (tu_server_start(&node[i], dirs[i], node_env))
            return -1;
    }
    tu_tmpdir(fsck_dir, sizeof fsck_dir);
    return nginx_lb_start(&lb, node[0].port, node[1].port);
}

static int teardown(void **state)
{
    int rc = 0;
    (void)state;
    nginx_lb_stop(&lb);
    for (int i = 0; i < 2; i++)
        if (node[i].pid > 0 && tu_server_stop(&node[i]) != 0)
            rc = -1; /* a crash or a leak at exit */
    s3srv_stop(&s3);
    tu_pg_drop_db(url);
    for (int i = 0; i < 2; i++)
        tu_rmrf(dirs[i]);
    tu_rmrf(fsck_dir);
    return rc;
}

/* POST one photo to base; the HTTP status (0: no answer) and, on 200,
 * whether it was stored (not called a duplicate). */
static long post_photo(const char *base, const unsigned char *p, size_t n, const char *query,
                       int *stored)
{
    char u[256];
    struct tu_part part = {"file", "x.jpg", "image/jpeg", p, n};
    struct tu_resp r;
    long st;
    snprintf(u, sizeof u, "%s/image_similarity_search%s", base, query);
    *stored = 0;
    if (tu_post_multipart(u, &part, 1, NULL, &r) != 0) {
        tu_resp_free(&r);
        return 0;
    }
    st = r.status;
    if (st == 200) {
        json_t *j = json_loads(r.body, 0, NULL);
        *stored = j && json_is_false(json_object_get(j, "duplicate_found"));
        json_decref(j);
    }
    tu_resp_free(&r);
    return st;
}

static json_t *health(const struct tu_server *s)
{
    char u[128];
    struct tu_resp r;
    json_t *j = NULL;
    snprintf(u, sizeof u, "%s/health", s->base);
    if (tu_get(u, NULL, &r) == 0 && r.status == 200)
        j = json_loads(r.body, 0, NULL);
    tu_resp_free(&r);
    return j;
}

/* Wait until node s's index holds `want` photos and it is caught up. */
static void wait_indexed(const struct tu_server *s, long long want)
{
    long long have = -1, lag = -1;
    for (int i = 0; i < 1200; i++) {
        json_t *j = health(s);
        have = json_integer_value(json_object_get(j, "images_indexed"));
        lag = json_integer_value(json_object_get(json_object_get(j, "index_sync"), "lag"));
        json_decref(j);
        if (have == want && lag == 0)
            return;
        usleep(100000);
    }
    fail_msg("node %s: %lld photos indexed, lag %lld; want %lld", s->base, have, lag, want);
}

/* Node s's photo count once its index has caught up with the store. */
static long long caught_up_count(const struct tu_server *s)
{
    for (int i = 0; i < 1200; i++) {
        json_t *j = health(s);
        json_t *lag = json_object_get(json_object_get(j, "index_sync"), "lag");
        long long have = json_integer_value(json_object_get(j, "images_indexed"));
        int done = json_is_integer(lag) && json_integer_value(lag) == 0;
        json_decref(j);
        if (done)
            return have;
        usleep(100000);
    }
    fail_msg("node %s never caught up", s->base);
    return -1;
}

/* Fail unless the images table holds exactly n rows. */
static void assert_rows(long long n)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "DO $$ BEGIN IF (SELECT count(*) FROM images) <> %lld THEN "
             "RAISE 'images: %% rows', (SELECT count(*) FROM images); END IF; END $$",
             n);
    assert_int_equal(tu_pg_exec(url, sql), 0);
}

struct race {
    const char *base[3]; /* the balancer, node A, node B */
    unsigned char *bytes[DS_GROUPS * DS_VARIANTS];
    size_t len[DS_GROUPS * DS_VARIANTS];
    atomic_int next, stored, failed;
};

/* Item k: group k / 4, variant k % 4; the variants of a group are in
 * flight at once, through the balancer and both nodes. */
static void *racer(void *arg)
{
    struct race *x = arg;
    int k, stored;
    while ((k = atomic_fetch_add(&x->next, 1)) < DS_GROUPS * DS_VARIANTS) {
        const char *base = x->base[(k / DS_VARIANTS + k % DS_VARIANTS) % 3];
        long st = post_photo(base, x->bytes[k], x->len[k], "", &stored);
        if (st != 200) {
            fprintf(stderr, "upload %d through %s: status %ld\n", k, base, st);
            atomic_fetch_add(&x->failed, 1);
        }
        atomic_fetch_add(&x->stored, stored);
    }
    return NULL;
}

static void test_near_duplicates_through_balancer_and_nodes(void **state)
{
    static struct race x;
    pthread_t th[WORKERS];
    (void)state;
    memset(&x, 0, sizeof x);
    x.base[0] = lb.base;
    x.base[1] = node[0].base;
    x.base[2] = node[1].base;
    for (int k = 0; k < DS_GROUPS * DS_VARIANTS; k++)
        x.bytes[k] = ds_variant(seeds[k / DS_VARIANTS], k % DS_VARIANTS, &x.len[k]);
    for (int i = 0; i < WORKERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, racer, &x), 0);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);
    for (int k = 0; k < DS_GROUPS * DS_VARIANTS; k++)
        free(x.bytes[k]);
    assert_int_equal(atomic_load(&x.failed), 0);
    assert_int_equal(atomic_load(&x.stored), DS_GROUPS);
    assert_rows(DS_GROUPS);
    assert_int_equal(s3srv_photo_objects(), DS_GROUPS);
    wait_indexed(&node[0], DS_GROUPS);
    wait_indexed(&node[1], DS_GROUPS);
    /* the balancer sent uploads to both nodes (its access log) */
    printf("balancer: %ld request(s) to node A, %ld to node B\n",
           nginx_lb_upstream_hits(&lb, node[0].port), nginx_lb_upstream_hits(&lb, node[1].port));
    assert_true(nginx_lb_upstream_hits(&lb, node[0].port) > 0);
    assert_true(nginx_lb_upstream_hits(&lb, node[1].port) > 0);
}

struct killrun {
    atomic_int next, ok_b;
};

/* Distinct photos (no duplicate check) straight to node B until KILL_JOBS
 * are sent (those after the kill fail at once). */
static void *killer_load(void *arg)
{
    struct killrun *x = arg;
    int k, stored;
    while ((k = atomic_fetch_add(&x->next, 1)) < KILL_JOBS) {
        struct tu_img_opts o = {.width = 900, .height = 900, .seed = 9000 + k, .quality = 90};
        size_t n;
        unsigned char *p = tu_make_image(&o, &n);
        if (post_photo(node[1].base, p, n, "?check_duplicate=no", &stored) == 200)
            atomic_fetch_add(&x->ok_b, 1);
        free(p);
    }
    return NULL;
}

/* Through the balancer, with node B dead: the first try may meet nginx
 * finding B gone; then every upload is answered (by node A). */
static void balancer_survives(void)
{
    int stored, rc = 0;
    size_t n;
    unsigned char *p = ds_variant(seeds[0], 1, &n);
    for (int i = 0; i < 10 && (rc = (int)post_photo(lb.base, p, n, "", &stored)) != 200; i++)
        usleep(200000);
    free(p);
    assert_int_equal(rc, 200);
    assert_false(stored); /* a near-duplicate of group 0 */
    for (int k = 0; k < 6; k++) {
        struct tu_img_opts o = {.width = 700, .height = 700, .seed = 9500 + k, .quality = 90};
        p = tu_make_image(&o, &n);
        assert_int_equal(post_photo(lb.base, p, n, "?check_duplicate=no", &stored), 200);
        assert_true(stored);
        free(p);
    }
}

/* `karat fsck [--repair]` as an operator runs it (server mode), with
 * KARAT_FSCK_GRACE=grace (NULL: the default); its report into *out. */
static int fsck(int repair, const char *grace, char **out)
{
    char dd[300], g[64];
    const char *argv[] = {getenv("KARAT_BIN"), "fsck", dd, repair ? "--repair" : NULL, NULL};
    const char *env[] = {"KARAT_STORE=postgres", db_env, g, NULL};
    snprintf(dd, sizeof dd, "--data=%s", fsck_dir);
    snprintf(g, sizeof g, "KARAT_FSCK_GRACE=%s", grace ? grace : "3600");
    return tu_run(argv, env, out);
}

/* Every problem fsck reported is an object without a row. */
static void assert_only_orphans(const char *out)
{
    const char *line = out;
    while (line && *line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < 511 ? len : 511), line);
        if (!strstr(buf, "problem(s)") && !strstr(buf, "no row refers to it") &&
            !strstr(buf, "left alone"))
            fail_msg("fsck reported more than objects without a row:\n%s", out);
        line = nl ? nl + 1 : NULL;
    }
}

/* Lines of out containing what. */
static int count_lines(const char *out, const char *what)
{
    int n = 0;
    for (const char *p = out; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

static void test_kill_node_during_uploads(void **state)
{
    static struct killrun x;
    pthread_t th[4];
    char *out = NULL;
    int status, rc;
    long long rows;
    (void)state;
    memset(&x, 0, sizeof x);
    s3srv_reset(&s3);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, killer_load, &x), 0);
    for (int i = 0; i < 6000 && atomic_load(&x.ok_b) < 4; i++)
        usleep(20000);
    assert_true(atomic_load(&x.ok_b) >= 4); /* node B is storing photos */
    /* the next two photo PUTs reach S3 but B does not hear back in time: it
     * dies with two objects stored and their rows never committed */
    s3srv_stall_after(&s3, "PUT", 2, 20);
    for (int i = 0; i < 6000 && s3srv_count(&s3, "stalled") < 2; i++)
        usleep(20000);
    assert_int_equal(s3srv_count(&s3, "stalled"), 2);
    assert_int_equal(kill(node[1].pid, SIGKILL), 0);
    waitpid(node[1].pid, &status, 0);
    node[1].pid = -1;
    assert_true(WIFSIGNALED(status));
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    balancer_survives();

    rc = fsck(0, NULL, &out); /* at once: what B left is in its grace period */
    if (rc != 0 || !strstr(out, " 0 problem(s)") ||
        count_lines(out, "younger than KARAT_FSCK_GRACE (left alone)") < 2)
        fail_msg("fsck right after the kill (status %d):\n%s", rc, out);
    free(out);
    sleep(GRACE_S + 1);
    rc = fsck(0, "2", &out); /* past the grace period: the objects B left */
    printf("after the grace period fsck (status %d):\n%s", rc, out);
    assert_int_equal(rc, 1);
    assert_only_orphans(out);
    assert_true(count_lines(out, "no row refers to it") >= 2);
    free(out);
    assert_int_equal(fsck(1, "2", &out), 1);
    assert_non_null(strstr(out, "repaired"));
    free(out);
    assert_int_equal(fsck(0, "2", &out), 0);
    assert_non_null(strstr(out, " 0 problem(s)"));
    free(out);
    /* one photo object per row, and node A's index holds every row */
    rows = caught_up_count(&node[0]);
    assert_true(rows >= DS_GROUPS + 4 + 6);
    assert_rows(rows);
    assert_int_equal(s3srv_photo_objects(), rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_near_duplicates_through_balancer_and_nodes),
        cmocka_unit_test(test_kill_node_during_uploads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
