/*
 * test_catalog_resume.c - kill -9 of the real server during an async
 * catalog job, restart on the same data folder, and the job finishes
 * without redoing the products that had finished.
 *
 * The fake Gemini answers the first four attribute requests at once and
 * the next two only after 8 s, so at the moment of the kill exactly four
 * products are finished and two are in flight (KARAT_JOB_WORKERS=2). After
 * the restart the fakes must see exactly the six unfinished products once
 * more: Gemini 6 + 6 requests, OpenAI (copy, asked only after attributes
 * succeed) 4 + 6 = 10, one per product. KARAT_PUBLIC_URL is fixed so the
 * uploaded photos' URLs stay valid on the new port.
 */
#include "catalog_api.h"

#include <signal.h>
#include <sys/wait.h>

static void test_kill_and_resume(void **state)
{
    static char gbase[128], obase[128];
    char dir[256], id[64], skus[256] = "";
    struct tu_server s;
    struct fake_ai *gem = fake_ai_start(), *oai = fake_ai_start();
    json_t *st, *result, *j, *rows;
    long code;
    unsigned char *x;
    size_t n;
    int status;
    (void)state;

    unsetenv("GOOGLE_API_KEY2");
    snprintf(gbase, sizeof gbase, "GEMINI_BASE_URL=%s", fake_ai_base(gem));
    snprintf(obase, sizeof obase, "OPENAI_BASE_URL=%s", fake_ai_base(oai));
    const char *const env[] = {CA_FAKE_PROVIDERS,
                               "KARAT_JOB_WORKERS=2",
                               "KARAT_JOB_LEASE_MS=3000", /* .pg: the dead node's leases */
                               "KARAT_AI_TIMEOUT=60",
                               "KARAT_PUBLIC_URL=" CA_PUBLIC,
                               gbase,
                               obase,
                               NULL};
    tu_tmpdir(dir, sizeof dir);
    ca_push_gemini(gem, 4, 0);
    ca_push_gemini(gem, 2, 8000);
    ca_push_openai(oai, 10);
    assert_int_equal(tu_server_start(&s, dir, env), 0);
    for (int i = 0; i < 10; i++)
        snprintf(skus + strlen(skus), sizeof skus - strlen(skus), "%sP-%d", i ? "," : "", i);
    j = ca_post_photos(&s, "?async=1", 10, 100, "earrings", "amazon", skus, NULL, &code);
    assert_int_equal(code, 202);
    snprintf(id, sizeof id, "%s", ca_str(j, "job_id"));
    json_decref(j);

    st = ca_poll(&s, id, 4, 30);
    json_decref(st);
    for (int i = 0; i < 100 && fake_ai_count(gem) < 6; i++)
        usleep(20000);
    assert_int_equal(fake_ai_count(gem), 6); /* four answered, two hanging */
    st = ca_poll(&s, id, 4, 5);
    assert_int_equal(json_integer_value(json_object_get(st, "done")), 4);
    assert_int_equal(json_integer_value(json_object_get(st, "running")), 2);
    json_decref(st);
    assert_int_equal(kill(s.pid, SIGKILL), 0);
    waitpid(s.pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(fake_ai_count(oai), 4);

    /* restart: the job resumes by itself */
    ca_push_gemini(gem, 6, 0);
    assert_int_equal(tu_server_start(&s, dir, env), 0);
    st = ca_poll(&s, id, 0, 60);
    assert_string_equal(ca_str(st, "status"), "done");
    assert_int_equal(json_integer_value(json_object_get(st, "succeeded")), 10);
    assert_int_equal(fake_ai_count(gem), 12); /* 6 unfinished products, once each */
    assert_int_equal(fake_ai_count(oai), 10); /* every product's copy exactly once */

    result = json_object_get(st, "result");
    assert_int_equal(json_array_size(json_object_get(result, "results")), 10);
    x = ca_download(&s, ca_str(result, "excel_file"), &n);
    rows = tu_xlsx_rows_mem(x, n, "Template");
    for (int i = 0; i < 10; i++) {
        char want[16];
        json_t *a = json_object_get(json_array_get(json_object_get(result, "results"), (size_t)i),
                                    "attributes");
        snprintf(want, sizeof want, "P-%d", i);
        assert_string_equal(tu_xlsx_at(rows, 1, 4 + i), want);
        ca_assert_row_in(rows, "Template", 3, 4 + i, a);
        assert_string_equal(ca_str(a, "color_map"), "Gold");
    }
    json_decref(rows);
    free(x);
    json_decref(st);
    assert_int_equal(tu_server_stop(&s), 0); /* no crash, no leak at exit */
    fake_ai_stop(gem);
    fake_ai_stop(oai);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_and_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
