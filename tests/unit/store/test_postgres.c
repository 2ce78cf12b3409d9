/*
 * test_postgres.c - what only the "postgres" backend has: two nodes
 * opening a fresh database at once migrate it once (advisory lock), the
 * pool is bounded (a caller waits, then KR_ETIMEOUT, never forever), a
 * broken connection is replaced, a failed query is never a miss, SQLSTATE
 * mapping, rows written behind the store's back that do not fit are
 * refused, a newer schema is refused, bad locations, the tests' fault
 * decorator on top of postgres, a page of the change feed costing one
 * round trip, and the start-up signature stream equal to the stored rows. The shared contract is
 * test_contract.c (run here too by the unit.store.test_contract.pg variant).
 */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "pgtest.h"
#include "store/postgres.h"
#include "store/store.h"
#include "store_test.h"

struct fx {
    char url[1024];
    char loc[1200];
    struct store *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    tu_pg_create_db(f->url, sizeof f->url);
    snprintf(f->loc, sizeof f->loc, "pool=2;wait_ms=500;%s", f->url);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    tu_pg_drop_db(f->url);
    free(f);
    return 0;
}

static void open_fx(struct fx *f)
{
    struct kr_err err = {0};
    assert_int_equal(store_open("postgres", f->loc, &f->s, &err), KR_OK);
}

/* The first column of the first row of sql on url, as a number. */
struct opener {
    const char *loc;
    struct store *s;
    enum kr_code rc;
};

static void *open_one(void *arg)
{
    struct opener *o = arg;
    struct kr_err err = {0};
    o->rc = store_open("postgres", o->loc, &o->s, &err);
    return NULL;
}

static void test_concurrent_opens_migrate_once(void **state)
{
    struct fx *f = *state;
    struct opener o[4];
    pthread_t t[4];

    for (int i = 0; i < 4; i++) {
        o[i] = (struct opener){.loc = f->loc};
        pthread_create(&t[i], NULL, open_one, &o[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(o[i].rc, KR_OK);
        store_close(o[i].s);
    }
    assert_int_equal(tu_pg_query_num(f->url, "SELECT count(*) FROM schema_version"),
                     store_pg__latest());
    open_fx(f); /* and again: nothing to do */
    assert_int_equal(tu_pg_query_num(f->url, "SELECT count(*) FROM schema_version"),
                     store_pg__latest());
}

static void test_pool_is_bounded(void **state)
{
    struct fx *f = *state;
    struct pg_conn *c[2];
    struct kr_err err = {0};
    long long n = -1;

    open_fx(f);
    struct pg_store *q = store_pg__of(f->s);
    assert_int_equal(store_pg__acquire(q, &c[0], &err), KR_OK);
    assert_int_equal(store_pg__acquire(q, &c[1], &err), KR_OK);
    /* both busy: the call waits wait_ms, then fails; never a miss */
    assert_int_equal(store_image_count(f->s, &n, &err), KR_ETIMEOUT);
    assert_string_equal(err.slug, "store_busy");
    char *json = NULL;
    assert_int_equal(store_doc_get(f->s, "jobs", "x", &json, &err), KR_ETIMEOUT);
    store_pg__release(q, c[0], 0);
    assert_int_equal(store_image_count(f->s, &n, &err), KR_OK);
    assert_int_equal(n, 0);
    store_pg__release(q, c[1], 0);
}

static void terminate_others(const char *url)
{
    char sql[512];
    const char *db = strstr(url, "dbname=") + 7;
    snprintf(sql, sizeof sql,
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '%s'",
             db);
    assert_true(tu_pg_query_num(tu_pg_admin(), sql) >= 1);
}

static void test_broken_connection_replaced(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    char *json = NULL;
    long long n = -1;

    open_fx(f);
    assert_int_equal(store_doc_put(f->s, "jobs", "a", "{}", &err), KR_OK);
    terminate_others(f->url);
    /* a read on the dead connection is tried again on a new one */
    assert_int_equal(store_doc_get(f->s, "jobs", "a", &json, &err), KR_OK);
    assert_string_equal(json, "{}");
    free(json);
    terminate_others(f->url);
    /* a write is not retried (it may have committed): KR_EIO, then fine */
    assert_int_equal(store_doc_put(f->s, "jobs", "b", "{}", &err), KR_EIO);
    assert_string_equal(err.slug, "store_io");
    assert_int_equal(store_doc_put(f->s, "jobs", "b", "{}", &err), KR_OK);
    assert_int_equal(store_image_count(f->s, &n, &err), KR_OK);
}

static void test_failure_is_not_a_miss(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_image out;
    char *json = NULL, sql[256];

    open_fx(f);
    assert_int_equal(tu_pg_exec(f->url, "DROP TABLE docs"), 0);
    assert_int_equal(store_doc_get(f->s, "jobs", "a", &json, &err), KR_EIO);
    assert_int_equal(store_doc_delete(f->s, "jobs", "a", &err), KR_EIO);
    snprintf(sql, sizeof sql, "DROP DATABASE \"%s\" WITH (FORCE)", strstr(f->url, "dbname=") + 7);
    assert_int_equal(tu_pg_exec(tu_pg_admin(), sql), 0);
    assert_int_equal(store_image_get(f->s, 1, &out, &err), KR_EIO);
}

static void test_errors_mapped(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_image img, out;

    open_fx(f);
    make_image(&img, 1, "a.jpg", 1);
    assert_int_equal(store_image_insert(f->s, &img, &err), KR_OK);
    assert_int_equal(store_image_insert(f->s, &img, &err), KR_ECONFLICT);
    assert_string_equal(err.slug, "store_conflict");
    make_image(&img, 2, "b.jpg", 1);
    snprintf(img.filename, sizeof img.filename, "bad\xff\xfe.jpg"); /* not UTF-8 */
    assert_int_equal(store_image_insert(f->s, &img, &err), KR_EINVAL);
    assert_int_equal(store_image_get(f->s, 2, &out, &err), KR_ENOTFOUND);
    /* a value written behind the store's back that does not fit is refused */
    assert_int_equal(tu_pg_exec(f->url, "INSERT INTO images VALUES (7, 'x', '\\x"
                                        "0000000000000000000000000000000000000000000000000000000000"
                                        "000000', 0, decode(repeat('00', 256), 'hex'), "
                                        "repeat('w', 40), 'b', 'k', 'u', 'f', 'm', 1, 1, 1, 1)"),
                     0);
    assert_int_equal(store_image_get(f->s, 7, &out, &err), KR_EINVAL);
    assert_string_equal(err.slug, "store_value_too_long");
}

static void test_newer_schema_refused(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};

    open_fx(f);
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(tu_pg_exec(f->url, "INSERT INTO schema_version VALUES (999, 0)"), 0);
    assert_int_equal(store_open("postgres", f->loc, &f->s, &err), KR_EUNSUPPORTED);
    assert_null(f->s);
}

static void test_bad_locations(void **state)
{
    struct store *s = NULL;
    struct kr_err err = {0};
    (void)state;

    assert_int_equal(store_open("postgres", "", &s, &err), KR_EINVAL);
    assert_int_equal(store_open("postgres", "pool=0;host=/tmp", &s, &err), KR_EINVAL);
    assert_int_equal(store_open("postgres", "pool=2;", &s, &err), KR_EINVAL);
    assert_int_equal(store_open("postgres", "no_such_keyword=1 password=hunter2", &s, &err),
                     KR_EINVAL);
    assert_null(strstr(err.msg, "hunter2"));
    assert_int_equal(store_open("postgres", "host=/nonexistent-karat port=1", &s, &err), KR_EIO);
    assert_null(s);
}

static int count_row(const struct store_image *img, void *ctx)
{
    (void)img;
    ++*(int *)ctx;
    return 0;
}

/* A page of changes comes in one round trip with each row (not one more
 * per change): the rows exactly as stored, a deleted row as gone, and an
 * update as the row as it is now. So do the rows of ten ids (the index's
 * candidate read). */
static void test_change_page_one_round_trip(void **state)
{
    struct fx *f = *state;
    struct store_change *ch = calloc(STORE_CHANGES_MAX, sizeof *ch);
    struct store_image img[10];
    struct kr_err err = {0};
    int64_t head = -1;
    long long before;
    int n = 0;

    open_fx(f);
    assert_int_equal(store_change_head(f->s, &head, &err), KR_OK);
    for (int i = 0; i < 10; i++) {
        char key[32];
        snprintf(key, sizeof key, "k%d.jpg", i);
        make_image(&img[i], 100 + i, key, 1000 + i);
        assert_int_equal(store_image_insert(f->s, &img[i], &err), KR_OK);
    }
    assert_int_equal(store_image_delete(f->s, 103, &err), KR_OK);
    img[5].sig.quality = 12;
    assert_int_equal(store_image_update_sig(f->s, 105, &img[5].sig, &err), KR_OK);
    assert_int_equal(store_changes(f->s, head, ch, 64, &n, &err), KR_OK); /* prepares */
    before = store_pg__round_trips(f->s);
    assert_int_equal(store_changes(f->s, head, ch, 64, &n, &err), KR_OK);
    assert_int_equal(store_pg__round_trips(f->s) - before, 1);
    assert_int_equal(n, 12);
    /* the index's candidate read: ten ids, one round trip (after its prepare) */
    int64_t ids[10];
    int got = 0;
    for (int i = 0; i < 10; i++)
        ids[i] = 100 + i;
    assert_int_equal(store_image_get_ids(f->s, ids, 10, count_row, &got, &err), KR_OK);
    before = store_pg__round_trips(f->s);
    got = 0;
    assert_int_equal(store_image_get_ids(f->s, ids, 10, count_row, &got, &err), KR_OK);
    assert_int_equal(store_pg__round_trips(f->s) - before, 1);
    assert_int_equal(got, 9); /* 103 was deleted */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ch[i].id, 100 + i);
        assert_int_equal(ch[i].gone, i == 3);
        if (i != 3)
            assert_same_image(&ch[i].img, &img[i]); /* 5: the updated row */
    }
    assert_true(ch[10].id == 103 && ch[10].gone);
    assert_true(ch[11].id == 105 && !ch[11].gone && ch[11].img.sig.quality == 12);
    for (int i = 1; i < n; i++)
        assert_true(ch[i].seq > ch[i - 1].seq);
    free(ch);
}

struct sigs_seen {
    int n, stop_at;
    struct store_image *v;
};

static int collect_sig(const struct store_image *img, void *ctx)
{
    struct sigs_seen *seen = ctx;
    seen->v[seen->n++] = *img;
    return seen->n == seen->stop_at;
}

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const struct store_image *)a)->id, y = ((const struct store_image *)b)->id;
    return (x > y) - (x < y);
}

/* What start-up loads the index from: every stored row's id and signature
 * exactly (more rows than a scan page), in one streamed round trip; a
 * callback that stops leaves the store working. */
static void test_image_sigs_equal_rows(void **state)
{
    enum { N = 1234 };
    struct fx *f = *state;
    struct sigs_seen seen = {0, 0, calloc(N, sizeof *seen.v)};
    struct store_image want;
    struct kr_err err = {0};
    long long before, n = 0;

    open_fx(f);
    for (int i = 0; i < N; i++) {
        char key[32];
        snprintf(key, sizeof key, "s%d.jpg", i);
        make_image(&want, 5000 + 3 * i, key, i);
        assert_int_equal(store_image_insert(f->s, &want, &err), KR_OK);
    }
    before = store_pg__round_trips(f->s);
    assert_int_equal(store_image_sigs(f->s, collect_sig, &seen, &err), KR_OK);
    assert_int_equal(store_pg__round_trips(f->s) - before, 1);
    assert_int_equal(seen.n, N);
    qsort(seen.v, N, sizeof *seen.v, by_id);
    for (int i = 0; i < N; i++) {
        make_image(&want, 5000 + 3 * i, "", i);
        assert_int_equal(seen.v[i].id, want.id);
        assert_memory_equal(seen.v[i].sig.hash, want.sig.hash, DEDUP_HASH_BYTES);
        assert_memory_equal(seen.v[i].sig.desc, want.sig.desc, sizeof want.sig.desc);
        assert_int_equal(seen.v[i].sig.quality, want.sig.quality);
    }
    seen = (struct sigs_seen){0, 10, seen.v};
    assert_int_equal(store_image_sigs(f->s, collect_sig, &seen, &err), KR_OK);
    assert_int_equal(seen.n, 10);
    assert_int_equal(store_image_count(f->s, &n, &err), KR_OK);
    assert_int_equal(n, N);
    free(seen.v);
}

static void test_fault_decorator_on_postgres(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_image img, out;

    fault_register();
    assert_int_equal(store_open("fault", f->loc, &f->s, &err), KR_OK);
    make_image(&img, 5, "f.jpg", 1);
    assert_int_equal(store_image_insert(f->s, &img, &err), KR_OK);
    fault_arm("store.image_get", 1, KR_EIO);
    assert_int_equal(store_image_get(f->s, 5, &out, &err), KR_EIO);
    assert_int_equal(store_image_get(f->s, 5, &out, &err), KR_OK);
    assert_same_image(&img, &out);
    fault_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_concurrent_opens_migrate_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_connection_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_is_not_a_miss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_mapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test(test_bad_locations),
        cmocka_unit_test_setup_teardown(test_fault_decorator_on_postgres, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_page_one_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_sigs_equal_rows, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
