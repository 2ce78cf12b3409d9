/*
 * test_admission.c - expensive work is admitted in bounded slots, per kind
 * and per API key, against the real server:
 *   - image studio: with 2 slots and 1 per key, a second request of the same
 *     key is refused while its first waits on the (slow, fake) provider, a
 *     second key is served, a third key finds every slot busy (the provider
 *     holds its answers until the test releases them, so nothing depends on
 *     timing); refusals are
 *     429 with the configured Retry-After and a JSON body; the slots come
 *     back when the requests end;
 *   - catalog jobs: a key with a job still running gets 429 for the next one
 *     before anything of it is stored (no new photo in the index);
 *   - GET /metrics shows each kind's slots in use and its bound.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog_api.h"
#include "fake_ai.h"
#include "testutil.h"

#define KEY_A "key-a-0123456789abcdef"
#define KEY_B "key-b-0123456789abcdef"
#define KEY_C "key-c-0123456789abcdef"
#define HELD (-1) /* the provider answers only when the test releases it */

static struct tu_server srv;
static struct fake_ai *fake;

static int setup(void **state)
{
    char gbase[128];
    (void)state;
    fake = fake_ai_start();
    snprintf(gbase, sizeof gbase, "GEMINI_BASE_URL=%s", fake_ai_base(fake));
    const char *const env[] = {"KARAT_API_KEYS=" KEY_A "," KEY_B "," KEY_C,
                               "GOOGLE_API_KEY=g-key-one",
                               gbase,
                               "KARAT_IMAGE_PROVIDER=gemini",
                               "KARAT_ATTR_PROVIDER=gemini",
                               "KARAT_COPY_PROVIDER=offline",
                               "KARAT_AI_TIMEOUT=60",
                               "KARAT_STUDIO_SLOTS=2",
                               "KARAT_STUDIO_SLOTS_PER_CLIENT=1",
                               "KARAT_MAX_JOBS_PER_CLIENT=1",
                               "KARAT_RETRY_AFTER=7",
                               NULL};
    return tu_server_start_tmp(&srv, env);
}

static int teardown(void **state)
{
    int rc;
    (void)state;
    rc = tu_server_finish(&srv);
    fake_ai_stop(fake);
    return rc;
}

struct call {
    const char *key, *path;
    char body[1024];
    struct tu_resp r;
    pthread_t t;
};

static void *post_thread(void *arg)
{
    struct call *c = arg;
    char url[256], auth[128];
    const char *hdr[] = {auth, NULL};
    snprintf(url, sizeof url, "%s%s", srv.base, c->path);
    snprintf(auth, sizeof auth, "X-API-Key: %s", c->key);
    if (tu_post(url, "application/json", c->body, strlen(c->body), hdr, &c->r) != 0)
        c->r.status = -1;
    return NULL;
}

static void call_start(struct call *c, const char *key, const char *path, const char *body)
{
    memset(&c->r, 0, sizeof c->r);
    c->key = key;
    c->path = path;
    snprintf(c->body, sizeof c->body, "%s", body);
    assert_int_equal(pthread_create(&c->t, NULL, post_thread, c), 0);
}

static void call_join(struct call *c)
{
    pthread_join(c->t, NULL);
}

/* Wait until the fake provider has received n requests (a request holding a
 * slot is then blocked on its slow answer). */
static void wait_provider(size_t n)
{
    for (int i = 0; i < 3000 && fake_ai_count(fake) < n; i++)
        usleep(10000);
    assert_true(fake_ai_count(fake) >= n);
}

static void expect_429(struct call *c, const char *code)
{
    char v[32];
    json_t *j;
    call_join(c);
    if (c->r.status != 429)
        fprintf(stderr, "got %ld %s\n", c->r.status, c->r.body ? c->r.body : "");
    assert_int_equal(c->r.status, 429);
    assert_non_null(tu_resp_header(&c->r, "Retry-After", v, sizeof v));
    assert_string_equal(v, "7");
    j = ca_json(&c->r);
    assert_string_equal(ca_str(j, "code"), code);
    json_decref(j);
    tu_resp_free(&c->r);
}

/* The value of one /metrics series, -1 when it is missing. */
static double metric(const char *series)
{
    const char *hdr[] = {"X-API-Key: " KEY_A, NULL};
    char url[256];
    struct tu_resp r;
    double v = -1;
    const char *at;
    snprintf(url, sizeof url, "%s/metrics", srv.base);
    assert_int_equal(tu_get(url, hdr, &r), 0);
    assert_int_equal(r.status, 200);
    at = r.body ? strstr(r.body, series) : NULL;
    if (at && at[strlen(series)] == ' ')
        v = strtod(at + strlen(series) + 1, NULL);
    tu_resp_free(&r);
    return v;
}

static void push_slow(int n)
{
    for (int i = 0; i < n; i++) {
        struct fake_reply r = {400, "{\"error\": {\"code\": 400, \"message\": \"no\"}}", 0, NULL,
                               NULL, HELD};
        fake_ai_push_reply(fake, &r);
    }
}

static void test_studio_slots(void **state)
{
    const char *hdr[] = {"X-API-Key: " KEY_A, NULL};
    char *src = ca_upload_as(&srv, 11, hdr), body[1024];
    struct call a1, a2, b1, c1, c2;
    size_t base = fake_ai_count(fake);
    (void)state;

    snprintf(body, sizeof body,
             "{\"s3_urls\": \"%s\", \"product_type\": \"earrings\", \"image_types\": [2]}", src);
    push_slow(2);
    call_start(&a1, KEY_A, "/generate-images", body);
    wait_provider(base + 1);
    call_start(&a2, KEY_A, "/generate-images", body); /* A holds its one slot */
    expect_429(&a2, "client_busy");
    call_start(&b1, KEY_B, "/generate-images", body); /* B has its own share */
    wait_provider(base + 2);
    call_start(&c1, KEY_C, "/generate-images", body); /* both slots taken */
    expect_429(&c1, "busy");
    assert_true(metric("karat_admission_in_use{work=\"studio\"}") == 2);
    assert_true(metric("karat_admission_slots{work=\"studio\"}") == 2);
    assert_true(metric("karat_admission_in_use{work=\"templates\"}") == 0);
    assert_true(metric("karat_admission_slots{work=\"jobs\"}") == 64);
    fake_ai_release(fake);
    call_join(&a1);
    call_join(&b1);
    assert_int_not_equal(a1.r.status, 429);
    assert_int_not_equal(b1.r.status, 429);
    tu_resp_free(&a1.r);
    tu_resp_free(&b1.r);
    /* the slots are back */
    fake_ai_push(fake, 400, "{\"error\": {\"code\": 400, \"message\": \"no\"}}");
    call_start(&c2, KEY_C, "/generate-images", body);
    call_join(&c2);
    assert_int_not_equal(c2.r.status, 429);
    tu_resp_free(&c2.r);
    /* a slot is given back as its handler returns: poll for the last one */
    for (int i = 0; i < 500 && metric("karat_admission_in_use{work=\"studio\"}") != 0; i++)
        usleep(10000);
    assert_true(metric("karat_admission_in_use{work=\"studio\"}") == 0);
    free(src);
}

static void test_job_slots(void **state)
{
    size_t n;
    unsigned char *img = ca_photo(21, &n), *img2 = ca_photo(22, &n);
    struct tu_part parts[] = {{"files", "p.jpg", "image/jpeg", img, n},
                              {"type", NULL, NULL, "earrings", 0},
                              {"marketplace", NULL, NULL, "amazon", 0}};
    char url[256];
    const char *hdr_a[] = {"X-API-Key: " KEY_A, NULL};
    struct tu_resp r;
    long before;
    json_t *j;
    (void)state;

    ca_push_gemini(fake, 1, HELD);
    snprintf(url, sizeof url, "%s/catalog-ai?async=1", srv.base);
    assert_int_equal(tu_post_multipart(url, parts, 3, hdr_a, &r), 0);
    assert_int_equal(r.status, 202);
    tu_resp_free(&r);
    before = ca_upload_files(&srv);
    assert_int_equal(before, 1);
    parts[0].data = img2;
    assert_int_equal(tu_post_multipart(url, parts, 3, hdr_a, &r), 0);
    assert_int_equal(r.status, 429);
    j = ca_json(&r);
    assert_string_equal(ca_str(j, "code"), "client_busy");
    json_decref(j);
    tu_resp_free(&r);
    assert_int_equal(ca_upload_files(&srv), before); /* refused before anything was stored */
    fake_ai_release(fake); /* the first job may finish */
    free(img);
    free(img2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_studio_slots),
        cmocka_unit_test(test_job_slots),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
