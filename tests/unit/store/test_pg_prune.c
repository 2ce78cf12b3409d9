/*
 * test_pg_prune.c - pruning the postgres store's change feed and finished
 * jobs' claims (store.h, "pruning"), with two store handles as two nodes.
 *
 * The rule under test: a change goes only when it is older than the
 * retention and every live node has replayed it, never the newest one; a
 * node whose report is older than the TTL holds nothing back and is
 * forgotten; a node asking for changes after a pruned seq gets
 * changes_pruned; claims go only for jobs whose finish step is done. Ages
 * are made with the retention (0 = everything is old enough, a day =
 * nothing is), and node silence by back-dating its report in SQL, so
 * nothing waits for the clock.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_fx.h"
#include "store/store.h"
#include "store_test.h"

#define DAY_MS (86400LL * 1000)

/* Insert images id0..id0+n-1; the change head after. */
static int64_t add_images(struct store *s, int id0, int n)
{
    struct kr_err err = {0};
    int64_t head = 0;
    for (int i = 0; i < n; i++) {
        struct store_image img;
        char key[32];
        snprintf(key, sizeof key, "k%d.jpg", id0 + i);
        make_image(&img, id0 + i, key, 1);
        assert_int_equal(store_image_insert(s, &img, &err), KR_OK);
    }
    assert_int_equal(store_change_head(s, &head, &err), KR_OK);
    return head;
}

static void test_changes_wait_for_live_nodes(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_prune keep_day = {DAY_MS, 60000, DAY_MS}, now = {0, 60000, DAY_MS};
    struct store_prune_res res;
    struct store_change page[8];
    int n = 0;
    int64_t h5 = add_images(f->a, 1, 5), h10;

    /* nothing is older than a day */
    assert_int_equal(store_prune(f->a, &keep_day, &res, &err), KR_OK);
    assert_int_equal(res.changes, 0);
    /* node a replayed up to 3, node b up to the 5th change: only 1..3 may go */
    assert_int_equal(store_sync_report(f->a, "node-a", h5 - 2, &err), KR_OK);
    assert_int_equal(store_sync_report(f->b, "node-b", h5, &err), KR_OK);
    assert_int_equal(store_prune(f->b, &now, &res, &err), KR_OK);
    assert_int_equal(res.changes, 3);
    assert_int_equal(res.pruned_seq, h5 - 2);
    assert_int_equal(tu_pg_query_num(f->url, "SELECT count(*) FROM image_changes"), 2);
    /* a node after the mark reads on; one before it is told to reload */
    assert_int_equal(store_changes(f->a, h5 - 2, page, 8, &n, &err), KR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_changes(f->a, h5 - 3, page, 8, &n, &err), KR_ECONFLICT);
    assert_int_equal(err.slug_id, KRS_CHANGES_PRUNED);
    assert_int_equal(n, 0);

    /* node a catches up: everything but the newest change may go */
    h10 = add_images(f->a, 6, 5);
    assert_int_equal(store_sync_report(f->a, "node-a", h10, &err), KR_OK);
    assert_int_equal(store_sync_report(f->b, "node-b", h10, &err), KR_OK);
    assert_int_equal(store_prune(f->a, &now, &res, &err), KR_OK);
    assert_int_equal(res.changes, 6);
    assert_int_equal(tu_pg_query_num(f->url, "SELECT count(*) FROM image_changes"), 1);
    assert_int_equal(store_change_head(f->b, &h5, &err), KR_OK);
    assert_int_equal(h5, h10); /* the head stays readable */
    assert_int_equal(store_changes(f->b, h10, page, 8, &n, &err), KR_OK);
    assert_int_equal(n, 0);
}

static void test_silent_node_is_forgotten(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_prune now = {0, 60000, DAY_MS};
    struct store_prune_res res;
    int64_t h = add_images(f->a, 1, 4);

    assert_int_equal(store_sync_report(f->a, "node-a", h, &err), KR_OK);
    assert_int_equal(store_sync_report(f->b, "stalled", 0, &err), KR_OK);
    assert_int_equal(store_prune(f->a, &now, &res, &err), KR_OK);
    assert_int_equal(res.changes, 0); /* "stalled" replayed nothing yet */
    assert_int_equal(res.nodes_forgotten, 0);
    /* its last report is now two minutes old: past the TTL */
    assert_int_equal(tu_pg_exec(f->url, "UPDATE sync_nodes SET seen_ms = seen_ms - 120000"
                                        " WHERE node = 'stalled'"),
                     0);
    assert_int_equal(store_prune(f->a, &now, &res, &err), KR_OK);
    assert_int_equal(res.changes, 3);
    assert_int_equal(res.nodes_forgotten, 1);
    assert_int_equal(tu_pg_query_num(f->url, "SELECT count(*) FROM sync_nodes"), 1);
    /* with no live node at all, only the retention counts */
    assert_int_equal(tu_pg_exec(f->url, "DELETE FROM sync_nodes"), 0);
    add_images(f->a, 10, 2);
    assert_int_equal(store_prune(f->a, &now, &res, &err), KR_OK);
    assert_int_equal(res.changes, 2);
}

static struct store_claim claim(const char *job, int index)
{
    return (struct store_claim){job, index, "node-a", 60000, 0};
}

static void finish(struct store *s, const char *job, int index)
{
    struct kr_err err = {0};
    struct store_claim c = claim(job, index);
    char key[16];
    struct store_claim_doc d = {"job_items:x", key, "{}"};
    snprintf(key, sizeof key, "%s.%d", job, index);
    assert_int_equal(store_claim_take(s, &c, &err), KR_OK);
    assert_int_equal(store_claim_complete(s, &c, &d, &err), KR_OK);
}

static void test_claims_of_finished_jobs_only(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_prune keep_day = {DAY_MS, 60000, DAY_MS}, now = {DAY_MS, 60000, 0};
    struct store_prune_res res;

    assert_int_equal(store_claim_add(f->a, "done-job", 2, &err), KR_OK);
    assert_int_equal(store_claim_add(f->a, "open-job", 2, &err), KR_OK);
    finish(f->a, "done-job", 0);
    finish(f->a, "done-job", 1);
    finish(f->a, "done-job", STORE_CLAIM_FINISH);
    finish(f->a, "open-job", 0); /* one item and the finish step left */
    assert_int_equal(store_prune(f->a, &keep_day, &res, &err), KR_OK);
    assert_int_equal(res.claims, 0); /* finished, but not a day ago */
    assert_int_equal(store_prune(f->a, &now, &res, &err), KR_OK);
    assert_int_equal(res.claims, 3);
    assert_int_equal(tu_pg_query_num(f->url, "SELECT count(*) FROM job_claims"), 3);
    assert_int_equal(
        tu_pg_query_num(f->url, "SELECT count(*) FROM job_claims WHERE job_id = 'done-job'"), 0);
    /* the finished job's documents stay */
    assert_int_equal(
        tu_pg_query_num(f->url, "SELECT count(*) FROM docs WHERE \"key\" LIKE 'done-job%'"), 3);
}

static void test_embedded_store_has_no_pruning(void **state)
{
    struct kr_err err = {0};
    struct store *s;
    struct store_prune p = {0, 1000, 0};
    struct store_prune_res res;
    char dir[256], loc[400];
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    snprintf(loc, sizeof loc, "%s/k.db", dir);
    assert_int_equal(store_open("sqlite", loc, &s, &err), KR_OK);
    assert_int_equal(store_prune(s, &p, &res, &err), KR_EUNSUPPORTED);
    assert_int_equal(store_sync_report(s, "n", 0, &err), KR_EUNSUPPORTED);
    store_close(s);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_changes_wait_for_live_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_node_is_forgotten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claims_of_finished_jobs_only, setup, teardown),
        cmocka_unit_test(test_embedded_store_has_no_pruning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
