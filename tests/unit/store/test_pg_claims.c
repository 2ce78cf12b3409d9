/*
 * test_pg_claims.c - job claims of the postgres store (store.h, "job
 * claims") with two "nodes": two store handles on one database, short
 * leases. A take is exclusive; a lease that runs out is taken over by the
 * other node and the first node's complete is then refused (fencing), so
 * its result is never written; a done item is never taken again; renew
 * keeps a lease; claim_jobs lists only jobs with free work; racing takes
 * of one item give it to exactly one node. No test depends on timing
 * except "a lease of 1 ms has run out", polled with a generous deadline.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_fx.h"
#include "store/store.h"

static struct store_claim claim(const char *owner, int index, long lease_ms)
{
    return (struct store_claim){"job1", index, owner, lease_ms, 0};
}

static const struct store_claim_doc item_doc = {"job_items:job1", "000000", "{\"r\":1}"};

/* Take c, retrying while busy for up to 30 s (a lease running out). */
static enum kr_code take_within(struct store *s, struct store_claim *c)
{
    struct kr_err err = {0};
    enum kr_code rc = KR_ECONFLICT;
    for (int i = 0; i < 3000 && rc == KR_ECONFLICT; i++) {
        rc = store_claim_take(s, c, &err);
        if (rc == KR_ECONFLICT)
            nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
    }
    return rc;
}

static void test_take_is_exclusive_and_done_is_final(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_claim ca = claim("node-a", 0, 60000), cb = claim("node-b", 0, 60000);
    char *json = NULL;

    assert_int_equal(store_has_claims(f->a), 1);
    assert_int_equal(store_claim_add(f->a, "job1", 2, &err), KR_OK);
    assert_int_equal(store_claim_add(f->b, "job1", 2, &err), KR_OK); /* idempotent */
    assert_int_equal(store_claim_take(f->a, &ca, &err), KR_OK);
    assert_true(ca.token > 0);
    assert_int_equal(store_claim_take(f->b, &cb, &err), KR_ECONFLICT);
    assert_int_equal(err.slug_id, KRS_CLAIM_BUSY);
    assert_int_equal(store_claim_complete(f->a, &ca, &item_doc, &err), KR_OK);
    assert_int_equal(store_doc_get(f->b, item_doc.ns, item_doc.key, &json, &err), KR_OK);
    assert_string_equal(json, "{\"r\":1}");
    free(json);
    /* done: nobody takes it again, and a second complete changes nothing */
    assert_int_equal(store_claim_take(f->b, &cb, &err), KR_ECONFLICT);
    assert_int_equal(store_claim_complete(f->a, &ca, &item_doc, &err), KR_ECONFLICT);
    assert_int_equal(err.slug_id, KRS_CLAIM_LOST);
    /* an unknown item has no row: busy, never taken */
    cb = claim("node-b", 7, 60000);
    assert_int_equal(store_claim_take(f->b, &cb, &err), KR_ECONFLICT);
}

static void test_expired_lease_is_fenced(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_claim ca = claim("node-a", 0, 1), cb = claim("node-b", 0, 60000);
    const struct store_claim_doc late = {"job_items:job1", "000000", "{\"late\":true}"};
    char *json = NULL;

    assert_int_equal(store_claim_add(f->a, "job1", 1, &err), KR_OK);
    assert_int_equal(store_claim_take(f->a, &ca, &err), KR_OK);
    /* node a "dies": its 1 ms lease runs out and node b takes the item over */
    assert_int_equal(take_within(f->b, &cb), KR_OK);
    assert_true(cb.token > ca.token);
    /* node a comes back: its result is refused and not written */
    assert_int_equal(store_claim_complete(f->a, &ca, &late, &err), KR_ECONFLICT);
    assert_int_equal(err.slug_id, KRS_CLAIM_LOST);
    assert_int_equal(store_doc_get(f->a, late.ns, late.key, &json, &err), KR_ENOTFOUND);
    /* its heartbeat does not win the item back either */
    assert_int_equal(store_claim_renew(f->a, "node-a", 60000, &err), KR_OK);
    assert_int_equal(store_claim_complete(f->a, &ca, &late, &err), KR_ECONFLICT);
    assert_int_equal(store_claim_complete(f->b, &cb, &item_doc, &err), KR_OK);
    assert_int_equal(store_doc_get(f->a, item_doc.ns, item_doc.key, &json, &err), KR_OK);
    assert_string_equal(json, "{\"r\":1}");
    free(json);
}

static void test_renew_keeps_the_lease(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_claim ca = claim("node-a", 0, 1), cb = claim("node-b", 0, 60000);

    assert_int_equal(store_claim_add(f->a, "job1", 1, &err), KR_OK);
    assert_int_equal(store_claim_take(f->a, &ca, &err), KR_OK);
    /* the heartbeat extends even a lease that just ran out, while still ours */
    assert_int_equal(store_claim_renew(f->a, "node-a", 60000, &err), KR_OK);
    assert_int_equal(store_claim_take(f->b, &cb, &err), KR_ECONFLICT);
    assert_int_equal(store_claim_complete(f->a, &ca, &item_doc, &err), KR_OK);
}

static int collect(const char *job_id, void *ctx)
{
    char *seen = ctx;
    strncat(seen, job_id, 200 - strlen(seen) - 2);
    strcat(seen, ",");
    return 0;
}

static void jobs_seen(struct store *s, char seen[200])
{
    struct kr_err err = {0};
    seen[0] = '\0';
    assert_int_equal(store_claim_jobs(s, collect, seen, &err), KR_OK);
}

static void test_claim_jobs_lists_free_work(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_claim c0 = claim("node-a", 0, 60000), c1 = claim("node-a", 1, 60000);
    struct store_claim fin = claim("node-b", STORE_CLAIM_FINISH, 60000);
    const struct store_claim_doc d1 = {"job_items:job1", "000001", "{}"};
    const struct store_claim_doc job = {"jobs", "job1", "{\"state\":\"done\"}"};
    char seen[200];

    assert_int_equal(store_claim_add(f->a, "job1", 2, &err), KR_OK);
    jobs_seen(f->b, seen);
    assert_string_equal(seen, "job1,");
    assert_int_equal(store_claim_take(f->a, &c0, &err), KR_OK);
    assert_int_equal(store_claim_take(f->a, &c1, &err), KR_OK);
    jobs_seen(f->b, seen); /* all held; the finish step waits for the items */
    assert_string_equal(seen, "");
    assert_int_equal(store_claim_take(f->b, &fin, &err), KR_OK); /* allowed, but ... */
    assert_int_equal(store_claim_complete(f->a, &c0, &item_doc, &err), KR_OK);
    assert_int_equal(store_claim_complete(f->a, &c1, &d1, &err), KR_OK);
    jobs_seen(f->a, seen); /* ... b holds the finish step */
    assert_string_equal(seen, "");
    assert_int_equal(store_claim_complete(f->b, &fin, &job, &err), KR_OK);
    jobs_seen(f->a, seen);
    assert_string_equal(seen, "");
}

struct racer {
    struct store *s;
    struct store_claim c;
    enum kr_code rc;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct kr_err err = {0};
    r->rc = store_claim_take(r->s, &r->c, &err);
    return NULL;
}

static void test_racing_takes_one_winner(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    const int n = 40;

    assert_int_equal(store_claim_add(f->a, "job1", n, &err), KR_OK);
    for (int i = 0; i < n; i++) {
        struct racer r[2] = {{f->a, claim("node-a", i, 60000), 0},
                             {f->b, claim("node-b", i, 60000), 0}};
        pthread_t t[2];
        for (int k = 0; k < 2; k++)
            assert_int_equal(pthread_create(&t[k], NULL, race, &r[k]), 0);
        for (int k = 0; k < 2; k++)
            pthread_join(t[k], NULL);
        assert_int_equal((r[0].rc == KR_OK) + (r[1].rc == KR_OK), 1);
        assert_true(r[0].rc == KR_OK || r[0].rc == KR_ECONFLICT);
        assert_true(r[1].rc == KR_OK || r[1].rc == KR_ECONFLICT);
    }
}

static void test_sqlite_has_no_claims(void **state)
{
    char dir[256], path[300];
    struct store *s = NULL;
    struct kr_err err = {0};
    struct store_claim c = claim("node-a", 0, 1000);
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/k.db", dir);
    assert_int_equal(store_open("sqlite", path, &s, &err), KR_OK);
    assert_int_equal(store_has_claims(s), 0);
    assert_int_equal(store_claim_take(s, &c, &err), KR_EUNSUPPORTED);
    store_close(s);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_take_is_exclusive_and_done_is_final, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_lease_is_fenced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renew_keeps_the_lease, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_jobs_lists_free_work, setup, teardown),
        cmocka_unit_test_setup_teardown(test_racing_takes_one_winner, setup, teardown),
        cmocka_unit_test(test_sqlite_has_no_claims),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
