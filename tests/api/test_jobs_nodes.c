/*
 * test_jobs_nodes.c - two `karat serve` nodes on one PostgreSQL database
 * and one S3 server (each with its own data folder), kill -9 of the node
 * running a catalog job mid-job: the other node finishes it after the lease
 * runs out, and no product is done twice.
 *
 * Both nodes run from the start. The job (6 photos) goes to node A, whose
 * 6 workers take every item at once (so node B, which looks for free work
 * every lease/3, finds none). The fake Gemini answers two attribute
 * requests at once and holds the other four, so at the kill exactly two
 * products are finished and four are in flight on A (leases held). B takes
 * those over once A's 2 s leases have run out. Every product's copy
 * (OpenAI, asked only after its attributes arrive) must be asked exactly
 * once: 6, never 7. Gemini sees 6 + the re-run ones (4 unless B took items
 * before A could). Any node answers GET /jobs/{id}: B reports the job
 * while A runs it. Always on PostgreSQL (the .pg variant would be the same
 * test, so there is none).
 */
#include "catalog_api.h"

#include <signal.h>
#include <sys/wait.h>

#include "pgtest.h"
#include "s3_server.h"

static void test_kill_node_mid_job(void **state)
{
    static char gbase[128], obase[128], db[1200], url[1024];
    char dir_a[256], dir_b[256], id[64], path[128];
    struct tu_server a, b;
    struct s3srv s3;
    struct fake_ai *gem = fake_ai_start(), *oai = fake_ai_start();
    json_t *st, *j;
    long code;
    int status;
    (void)state;

    unsetenv("KARAT_TEST_STORE"); /* one shared database, made here */
    unsetenv("GOOGLE_API_KEY2");
    assert_int_equal(s3srv_start(&s3), 0);
    s3srv_setenv(&s3, "S3RVER"); /* both nodes' blobs in one S3 server */
    unsetenv("KARAT_BUCKETS");
    tu_pg_create_db(url, sizeof url);
    snprintf(db, sizeof db, "KARAT_DATABASE_URL=%s", url);
    snprintf(gbase, sizeof gbase, "GEMINI_BASE_URL=%s", fake_ai_base(gem));
    snprintf(obase, sizeof obase, "OPENAI_BASE_URL=%s", fake_ai_base(oai));
    const char *const env[] = {CA_FAKE_PROVIDERS,
                               "KARAT_JOB_WORKERS=6",
                               "KARAT_AI_CONCURRENCY=16",
                               "KARAT_JOB_LEASE_MS=2000",
                               "KARAT_AI_TIMEOUT=120",
                               "KARAT_STORE=postgres",
                               db,
                               gbase,
                               obase,
                               NULL};
    tu_tmpdir(dir_a, sizeof dir_a);
    tu_tmpdir(dir_b, sizeof dir_b);
    ca_push_gemini(gem, 2, 0);
    ca_push_gemini(gem, 4, -1); /* held until released */
    ca_push_openai(oai, 6);
    assert_int_equal(tu_server_start(&a, dir_a, env), 0);
    assert_int_equal(tu_server_start(&b, dir_b, env), 0);

    j = ca_post_photos(&a, "?async=1", 6, 300, "earrings", "amazon", "N-0,N-1,N-2,N-3,N-4,N-5",
                       NULL, &code);
    assert_int_equal(code, 202);
    snprintf(id, sizeof id, "%s", ca_str(j, "job_id"));
    json_decref(j);
    st = ca_poll(&b, id, 2, 60); /* node B answers for a job A runs */
    json_decref(st);
    for (int i = 0; i < 1200 && fake_ai_count(gem) < 6; i++)
        usleep(50000);
    assert_int_equal(fake_ai_count(gem), 6); /* two answered, four held */
    st = ca_poll(&a, id, 2, 5);
    assert_int_equal(json_integer_value(json_object_get(st, "done")), 2);
    json_decref(st);
    assert_int_equal(fake_ai_count(oai), 2);

    assert_int_equal(kill(a.pid, SIGKILL), 0);
    waitpid(a.pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    ca_push_gemini(gem, 4, 0); /* for the items B takes over */
    fake_ai_release(gem);      /* the held replies go to A's dead connections */

    st = ca_poll(&b, id, 0, 120);
    assert_string_equal(ca_str(st, "status"), "done");
    assert_int_equal(json_integer_value(json_object_get(st, "succeeded")), 6);
    assert_int_equal(json_array_size(json_object_get(json_object_get(st, "result"), "results")), 6);
    assert_int_equal(fake_ai_count(oai), 6); /* each product's copy exactly once */
    assert_true(fake_ai_count(gem) >= 7 && fake_ai_count(gem) <= 10);
    json_decref(st);
    /* the store's view, from node B, is the final one; nothing left to take */
    snprintf(path, sizeof path, "/jobs/%s", id);
    st = ca_get_json(&b, path, &code);
    assert_int_equal(code, 200);
    assert_int_equal(json_integer_value(json_object_get(st, "failed")), 0);
    json_decref(st);
    assert_int_equal(tu_pg_exec(url, "DO $$ BEGIN IF EXISTS (SELECT 1 FROM job_claims"
                                     " WHERE NOT done) THEN RAISE 'open claims'; END IF; END $$"),
                     0);

    assert_int_equal(tu_server_stop(&b), 0); /* no crash, no leak at exit */
    fake_ai_stop(gem);
    fake_ai_stop(oai);
    s3srv_stop(&s3);
    tu_pg_drop_db(url);
    tu_rmrf(dir_a);
    tu_rmrf(dir_b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_node_mid_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
