/*
 * test_gemini.c - the Gemini provider against the fake server speaking the
 * real wire format: request shape, key in a header, success, 429 with
 * RetryInfo, per-day quota on one key, malformed replies (retried once),
 * blocked prompt, timeout, 503 backoff, image model, bounded concurrency.
 */
#include <pthread.h>

#include "ai/ai_int.h"
#include "ai_test.h"
#include "core/util.h"
#include "image/image.h"
#include "net/net.h"

static struct fake_ai *srv;
static unsigned char *photo;
static size_t photo_len;

static const char *const colours[] = {"Gold", "Silver", "Rose Gold"};
static const struct ai_field fields[] = {
    {"color", "main colour", colours, 3, 0, 0},
    {"name", "a short name", NULL, 0, 20, 0},
    {"stone_type", "stone", NULL, 0, 0, 0},
};

static int setup(void **state)
{
    (void)state;
    ait_clear_keys();
    setenv("GOOGLE_API_KEY", "g-key-one", 1);
    setenv("GOOGLE_API_KEY2", "g-key-two", 1);
    photo = ait_photo(2, &photo_len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(photo);
    ait_clear_keys();
    return 0;
}

static int each_setup(void **state)
{
    (void)state;
    srv = fake_ai_start();
    return 0;
}

static int each_teardown(void **state)
{
    (void)state;
    fake_ai_stop(srv);
    return 0;
}

static enum kr_code extract(struct ai *ai, json_t **out, json_t **notes, struct kr_err *err)
{
    struct ai_image im = {photo, photo_len, "image/jpeg"};
    struct ai_extract_req req = {
        .images = &im, .nimages = 1, .product_type = "earrings", .fields = fields, .nfields = 3};
    return ai_extract(ai, &req, out, notes, err);
}

static void push_text(const char *json_text)
{
    char *body = fake_gemini_text(json_text);
    fake_ai_push(srv, 200, body);
    free(body);
}

static struct ai *open_gemini(void)
{
    struct kr_err err = {0};
    struct ai *ai = ait_open("gemini", "gemini", "gemini", fake_ai_base(srv), 4, &err);
    assert_non_null(ai);
    assert_string_equal(ai_provider_name(ai, AI_ROLE_ATTR), "gemini");
    return ai;
}

static void test_success_and_wire_format(void **state)
{
    struct ai *ai = open_gemini();
    json_t *out = NULL, *notes = NULL, *body;
    struct kr_err err = {0};
    (void)state;

    push_text("{\"color\":\"rose gold\",\"name\":\"Rose Drop Earrings\",\"stone_type\":null}");
    assert_int_equal(extract(ai, &out, &notes, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(out, "color")), "Rose Gold");
    assert_string_equal(json_string_value(json_object_get(out, "name")), "Rose Drop Earrings");
    assert_null(json_object_get(out, "stone_type"));
    assert_non_null(json_object_get(notes, "stone_type"));

    const struct fake_request *r = fake_ai_request(srv, 0);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->url, "/v1beta/models/gemini-test:generateContent");
    assert_null(strstr(r->url, "key"));
    assert_string_equal(fake_req_header(r, "x-goog-api-key"), "g-key-one");
    assert_non_null(strstr(fake_req_header(r, "Content-Type"), "application/json"));
    body = fake_req_json(r);
    assert_non_null(body);
    json_t *parts = json_object_get(json_array_get(json_object_get(body, "contents"), 0), "parts");
    assert_int_equal(json_array_size(parts), 2);
    const char *user = json_string_value(json_object_get(json_array_get(parts, 0), "text"));
    assert_non_null(strstr(user, "BEGIN SELLER DATA"));
    assert_non_null(strstr(user, "\"earrings\""));
    json_t *inl = json_object_get(json_array_get(parts, 1), "inlineData");
    assert_string_equal(json_string_value(json_object_get(inl, "mimeType")), "image/jpeg");
    char *b64 = fake_b64(photo, photo_len);
    assert_string_equal(json_string_value(json_object_get(inl, "data")), b64);
    free(b64);
    json_t *gc = json_object_get(body, "generationConfig");
    assert_string_equal(json_string_value(json_object_get(gc, "responseMimeType")),
                        "application/json");
    json_t *schema = json_object_get(gc, "responseSchema");
    assert_string_equal(json_string_value(json_object_get(schema, "type")), "OBJECT");
    json_t *color = json_object_get(json_object_get(schema, "properties"), "color");
    assert_int_equal(json_array_size(json_object_get(color, "enum")), 3);
    assert_int_equal(json_array_size(json_object_get(schema, "required")), 3);
    assert_non_null(json_object_get(json_object_get(body, "systemInstruction"), "parts"));
    assert_null(json_object_get(body, "safetySettings"));
    json_decref(body);
    json_decref(out);
    json_decref(notes);
    ai_close(ai);
}

static void test_429_retry_delay_honoured(void **state)
{
    struct ai *ai = open_gemini();
    json_t *out = NULL;
    struct kr_err err = {0};
    char *e429 = fake_gemini_429("0.3s", 0);
    double t0;
    (void)state;

    /* both keys rate limited for 0.3 s, then an answer */
    fake_ai_push(srv, 429, e429);
    fake_ai_push(srv, 429, e429);
    push_text("{\"color\":\"Gold\",\"name\":\"x\",\"stone_type\":null}");
    t0 = util_now_ms();
    assert_int_equal(extract(ai, &out, NULL, &err), KR_OK);
    assert_true(util_now_ms() - t0 >= 280);
    assert_int_equal(fake_ai_count(srv), 3);
    assert_string_equal(fake_req_header(fake_ai_request(srv, 0), "x-goog-api-key"), "g-key-one");
    assert_string_equal(fake_req_header(fake_ai_request(srv, 1), "x-goog-api-key"), "g-key-two");
    free(e429);
    json_decref(out);
    ai_close(ai);
}

static void test_daily_quota_on_one_key(void **state)
{
    struct ai *ai = open_gemini();
    json_t *out = NULL;
    struct kr_err err = {0};
    char *day = fake_gemini_429("30s", 1);
    (void)state;

    fake_ai_push(srv, 429, day);
    push_text("{\"color\":\"Gold\",\"name\":\"a\",\"stone_type\":null}");
    push_text("{\"color\":\"Silver\",\"name\":\"b\",\"stone_type\":null}");
    assert_int_equal(extract(ai, &out, NULL, &err), KR_OK);
    json_decref(out);
    assert_int_equal(extract(ai, &out, NULL, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(out, "color")), "Silver");
    assert_int_equal(fake_ai_count(srv), 3);
    assert_string_equal(fake_req_header(fake_ai_request(srv, 0), "x-goog-api-key"), "g-key-one");
    /* key one is out for the day: both later calls use key two */
    assert_string_equal(fake_req_header(fake_ai_request(srv, 1), "x-goog-api-key"), "g-key-two");
    assert_string_equal(fake_req_header(fake_ai_request(srv, 2), "x-goog-api-key"), "g-key-two");

    /* key two runs out too: quota error, not a wait */
    json_decref(out);
    fake_ai_push(srv, 429, day);
    assert_int_equal(extract(ai, &out, NULL, &err), KR_EQUOTA);
    assert_null(out);
    assert_null(strstr(err.msg, "g-key"));
    free(day);
    ai_close(ai);
}

static void test_malformed_reply_retried_once(void **state)
{
    struct ai *ai = open_gemini();
    json_t *out = NULL;
    struct kr_err err = {0};
    (void)state;

    push_text("{\"color\": \"Gold\", \"name\": ");                          /* truncated JSON */
    push_text("{\"color\":\"Purple\",\"name\":\"x\",\"stone_type\":null}"); /* not allowed */
    assert_int_equal(extract(ai, &out, NULL, &err), KR_EUPSTREAM);
    assert_string_equal(err.slug, "bad_model_reply");
    assert_int_equal(fake_ai_count(srv), 2);

    /* a bad reply followed by a good one succeeds; fenced JSON is accepted */
    fake_ai_push(srv, 200, "{\"candidates\": \"nonsense\"}");
    push_text("```json\n{\"color\":\"GOLD\",\"name\":\"A very long earring name that goes on\","
              "\"stone_type\":\"\"}\n```");
    json_t *notes = NULL;
    assert_int_equal(extract(ai, &out, &notes, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(out, "color")), "Gold");
    assert_true(strlen(json_string_value(json_object_get(out, "name"))) <= 20);
    assert_non_null(json_object_get(notes, "name")); /* shortened */
    json_decref(out);
    json_decref(notes);
    ai_close(ai);
}

static void test_blocked_prompt(void **state)
{
    struct ai *ai = open_gemini();
    json_t *out = NULL;
    struct kr_err err = {0};
    char *blocked = fake_gemini_blocked("SAFETY");
    (void)state;
    fake_ai_push(srv, 200, blocked);
    assert_int_equal(extract(ai, &out, NULL, &err), KR_EUPSTREAM);
    assert_string_equal(err.slug, "blocked_prompt");
    assert_non_null(strstr(err.msg, "SAFETY"));
    assert_int_equal(fake_ai_count(srv), 1); /* not retried */
    free(blocked);
    ai_close(ai);
}

static void test_timeout(void **state)
{
    struct ai *ai = open_gemini();
    json_t *out = NULL;
    struct kr_err err = {0};
    struct ai_tuning t = {.timeout_ms = 300};
    char *ok = fake_gemini_text("{\"color\":\"Gold\",\"name\":\"a\",\"stone_type\":null}");
    struct fake_reply slow = {200, ok, 0, NULL, NULL, 2000};
    double t0 = util_now_ms();
    (void)state;
    ai_set_tuning(ai, &t);
    fake_ai_push_reply(srv, &slow);
    assert_int_equal(extract(ai, &out, NULL, &err), KR_ETIMEOUT);
    assert_true(util_now_ms() - t0 < 1500);
    free(ok);
    ai_close(ai);
}

static void assert_same_tuning(const struct ai_tuning *a, const struct ai_tuning *b)
{
    assert_int_equal(a->max_attempts, b->max_attempts);
    assert_int_equal(a->backoff_base_ms, b->backoff_base_ms);
    assert_int_equal(a->backoff_cap_ms, b->backoff_cap_ms);
    assert_int_equal(a->max_wait_ms, b->max_wait_ms);
    assert_int_equal(a->timeout_ms, b->timeout_ms);
    assert_int_equal(a->max_response, b->max_response);
    assert_int_equal(a->key_out_ms, b->key_out_ms);
    assert_int_equal(a->honour_max_ms, b->honour_max_ms);
    assert_int_equal(a->connect_timeout_ms, b->connect_timeout_ms);
}

/* ai_set_tuning: a zero field keeps the current value, a set one replaces
 * it, and every field can be set. */
static void test_set_tuning(void **state)
{
    struct ai *ai = open_gemini();
    struct ai_tuning before = ai->tune, all = {2, 3, 4, 5, 6, 7, 8, 9, 10};
    (void)state;
    ai_set_tuning(ai, &(struct ai_tuning){.timeout_ms = 300, .max_response = 1234});
    before.timeout_ms = 300;
    before.max_response = 1234;
    assert_same_tuning(&ai->tune, &before);
    ai_set_tuning(ai, &all);
    assert_same_tuning(&ai->tune, &all);
    ai_set_tuning(ai, &(struct ai_tuning){0});
    assert_same_tuning(&ai->tune, &all);
    ai_close(ai);
}

static void test_503_backoff_then_ok_and_bad_key(void **state)
{
    struct ai *ai = open_gemini();
    json_t *out = NULL;
    struct kr_err err = {0};
    (void)state;
    fake_ai_push(srv, 503,
                 "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":"
                 "\"UNAVAILABLE\"}}");
    push_text("{\"color\":\"Gold\",\"name\":\"a\",\"stone_type\":null}");
    assert_int_equal(extract(ai, &out, NULL, &err), KR_OK);
    assert_int_equal(fake_ai_count(srv), 2);
    json_decref(out);

    const char *bad = "{\"error\":{\"code\":400,\"message\":\"API key not valid.\",\"status\":"
                      "\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/"
                      "google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\"}]}}";
    fake_ai_push(srv, 400, bad);
    fake_ai_push(srv, 400, bad);
    assert_int_equal(extract(ai, &out, NULL, &err), KR_EUPSTREAM);
    assert_string_equal(err.slug, "ai_auth");
    assert_int_equal(fake_ai_count(srv), 4);

    /* any other 4xx is reported with the provider's message, not retried */
    ai_close(ai);
    ai = open_gemini();
    fake_ai_push(srv, 404, "{\"error\":{\"code\":404,\"message\":\"model not found\"}}");
    assert_int_equal(extract(ai, &out, NULL, &err), KR_EUPSTREAM);
    assert_non_null(strstr(err.msg, "model not found"));
    assert_int_equal(fake_ai_count(srv), 5);
    ai_close(ai);
}

static void test_image_model(void **state)
{
    struct ai *ai = open_gemini();
    struct kr_err err = {0};
    struct ai_image im = {photo, photo_len, "image/jpeg"};
    struct ai_image_req req = {&im, 1, "Place the piece on a white background", 900, 1200};
    struct ai_image_out out;
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3};
    char *reply = fake_gemini_image(png, sizeof png, "image/png");
    (void)state;

    fake_ai_push(srv, 200, reply);
    assert_int_equal(ai_image(ai, &req, &out, &err), KR_OK);
    assert_int_equal(out.len, sizeof png);
    assert_memory_equal(out.data, png, sizeof png);
    assert_string_equal(out.mime, "image/png");
    json_t *body = fake_req_json(fake_ai_request(srv, 0));
    assert_string_equal(fake_ai_request(srv, 0)->url,
                        "/v1beta/models/gemini-image-test:generateContent");
    json_t *gc = json_object_get(body, "generationConfig");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(gc, "responseModalities"), 1)), "IMAGE");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(gc, "imageConfig"), "aspectRatio")),
        "3:4");
    json_decref(body);
    ai_image_out_release(&out);

    /* text only, no image: a clear error */
    char *text = fake_gemini_text("I cannot do that");
    fake_ai_push(srv, 200, text);
    assert_int_equal(ai_image(ai, &req, &out, &err), KR_EUPSTREAM);
    assert_string_equal(err.slug, "no_image");
    free(text);
    free(reply);
    ai_close(ai);
}

static void *worker(void *arg)
{
    struct ai *ai = arg;
    json_t *out = NULL;
    struct kr_err err = {0};
    if (extract(ai, &out, NULL, &err) == KR_OK)
        json_decref(out);
    image_thread_cleanup();
    return NULL;
}

static void test_bounded_concurrency(void **state)
{
    struct kr_err err = {0};
    struct ai *ai = ait_open("gemini", NULL, NULL, fake_ai_base(srv), 2, &err);
    pthread_t th[6];
    char *ok = fake_gemini_text("{\"color\":\"Gold\",\"name\":\"a\",\"stone_type\":null}");
    struct fake_reply slow = {200, ok, 0, NULL, NULL, 150};
    (void)state;
    assert_non_null(ai);
    for (int i = 0; i < 6; i++)
        fake_ai_push_reply(srv, &slow);
    for (int i = 0; i < 6; i++)
        pthread_create(&th[i], NULL, worker, ai);
    for (int i = 0; i < 6; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(fake_ai_count(srv), 6);
    assert_int_equal(fake_ai_max_inflight(srv), 2);
    assert_int_equal(ai_calls_made(ai, "gemini"), 6);
    free(ok);
    ai_close(ai);
}

static void test_big_photo_shrunk_before_sending(void **state)
{
    struct ai *ai = open_gemini();
    struct tu_img_opts o = {.width = 3000, .height = 2000, .seed = 7, .format = "png"};
    size_t n, dn;
    unsigned char *big = tu_make_image(&o, &n);
    struct ai_image im = {big, n, "image/png"};
    struct ai_extract_req req = {.images = &im, .nimages = 1, .fields = fields, .nfields = 3};
    struct image_info info;
    json_t *out = NULL;
    struct kr_err err = {0};
    (void)state;

    push_text("{\"color\":\"Gold\",\"name\":\"a\",\"stone_type\":null}");
    assert_int_equal(ai_extract(ai, &req, &out, NULL, &err), KR_OK);
    json_t *body = fake_req_json(fake_ai_request(srv, 0));
    json_t *inl = json_object_get(
        json_array_get(
            json_object_get(json_array_get(json_object_get(body, "contents"), 0), "parts"), 1),
        "inlineData");
    const char *b64 = json_string_value(json_object_get(inl, "data"));
    unsigned char *sent = ai__b64_decode(b64, strlen(b64), &dn);
    assert_non_null(sent);
    assert_int_equal(image_probe(sent, dn, 0, &info, &err), KR_OK);
    assert_int_equal(info.width, 2048);
    assert_string_equal(json_string_value(json_object_get(inl, "mimeType")), "image/jpeg");
    free(sent);
    json_decref(body);
    json_decref(out);
    free(big);

    /* bytes that are not an image never reach the provider */
    struct ai_image junk = {(const unsigned char *)"junk", 4, "image/jpeg"};
    req.images = &junk;
    assert_int_equal(ai_extract(ai, &req, &out, NULL, &err), KR_EINVAL);
    assert_int_equal(fake_ai_count(srv), 1);
    ai_close(ai);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_success_and_wire_format, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_429_retry_delay_honoured, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_daily_quota_on_one_key, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_reply_retried_once, each_setup,
                                        each_teardown),
        cmocka_unit_test_setup_teardown(test_blocked_prompt, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_timeout, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_set_tuning, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_503_backoff_then_ok_and_bad_key, each_setup,
                                        each_teardown),
        cmocka_unit_test_setup_teardown(test_image_model, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_bounded_concurrency, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_big_photo_shrunk_before_sending, each_setup,
                                        each_teardown),
    };
    net_global_init(NULL);
    image_init("test_gemini", NULL);
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    image_shutdown();
    net_global_cleanup();
    return rc;
}
