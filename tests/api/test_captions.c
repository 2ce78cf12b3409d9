/*
 * test_captions.c - /generate_caption, /regenerate and /regenerate_title on
 * the real server: offline (no keys) and with the attribute job on a fake
 * Gemini and the copy job on a fake OpenAI (both the fake_ai server).
 * Checks the original's response keys, quality in A/B/C, the duplicate
 * answer, cheap checks before storing, and the error that carries the
 * stored s3_url when captioning fails after the photo was stored; and the
 * 2024 form (several `files`, CSV when asked for).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ai.h"
#include "testutil.h"

static struct tu_server off, on;
static struct fake_ai *fake;

static int setup(void **state)
{
    static char gbase[128], obase[128];
    static const char *const env_off[] = {
        "KARAT_ATTR_PROVIDER=", "KARAT_COPY_PROVIDER=", "KARAT_IMAGE_PROVIDER=", NULL};
    (void)state;
    unsetenv("GOOGLE_API_KEY");
    unsetenv("GOOGLE_API_KEY2");
    unsetenv("OPENAI_API_KEY");
    unsetenv("API_KEY_GPT");
    fake = fake_ai_start();
    snprintf(gbase, sizeof gbase, "GEMINI_BASE_URL=%s", fake_ai_base(fake));
    snprintf(obase, sizeof obase, "OPENAI_BASE_URL=%s", fake_ai_base(fake));
    const char *const env_on[] = {"GOOGLE_API_KEY=g-test",
                                  "OPENAI_API_KEY=sk-test",
                                  gbase,
                                  obase,
                                  "KARAT_AI_TIMEOUT=10",
                                  NULL};
    if (tu_server_start_tmp(&off, env_off) || tu_server_start_tmp(&on, env_on))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = tu_server_finish(&off) | tu_server_finish(&on);
    fake_ai_stop(fake);
    return rc;
}

static json_t *post_caption(const struct tu_server *s, const void *img, size_t n, const char *type,
                            const char *website, long *status)
{
    char url[256];
    struct tu_part parts[4] = {{"file", "ring photo.jpg", "image/jpeg", img, n}};
    size_t np = 1;
    struct tu_resp r;
    json_t *j;
    if (type)
        parts[np++] = (struct tu_part){"type", NULL, NULL, type, 0};
    if (website)
        parts[np++] = (struct tu_part){"website", NULL, NULL, website, 0};
    snprintf(url, sizeof url, "%s/generate_caption", s->base);
    assert_int_equal(tu_post_multipart(url, parts, np, NULL, &r), 0);
    *status = r.status;
    j = json_loads(r.body, 0, NULL);
    tu_resp_free(&r);
    assert_non_null(j);
    return j;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void test_offline_caption_and_duplicate(void **state)
{
    struct tu_img_opts o = {.width = 1200, .height = 1200, .seed = 2};
    size_t n;
    unsigned char *img = tu_make_image(&o, &n);
    long st;
    const char *keys[] = {"display_name", "generated_name", "quality", "description",
                          "attributes",   "prompt",         "color",   "s3_url"};
    (void)state;

    json_t *j = post_caption(&off, img, n, "earrings", NULL, &st);
    assert_int_equal(st, 200);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_non_null(json_object_get(j, keys[i]));
    assert_string_equal(str(j, "display_name"), "ring photo.jpg");
    assert_string_equal(str(j, "quality"), "A");
    assert_string_equal(str(j, "color"), "Rose Gold");
    assert_non_null(strstr(str(j, "generated_name"), "Earrings"));
    assert_true(tu_file_url_in(str(j, "s3_url"), "alyaimg"));
    char *url = strdup(str(j, "s3_url"));
    json_decref(j);

    /* the stored photo is served back */
    struct tu_resp r;
    assert_int_equal(tu_get(url, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, n);
    tu_resp_free(&r);

    /* the same photo again: the original's duplicate answer, nothing stored */
    j = post_caption(&off, img, n, "earrings", NULL, &st);
    assert_int_equal(st, 200);
    assert_string_equal(str(j, "duplicate"), "duplicate found");
    assert_string_equal(str(j, "s3_url"), url);
    assert_non_null(str(j, "display_name"));
    assert_null(json_object_get(j, "quality"));
    json_decref(j);
    free(url);
    free(img);
}

static void test_cheap_checks_first(void **state)
{
    struct tu_img_opts o = {.width = 900, .height = 900, .seed = 9};
    size_t n;
    unsigned char *img = tu_make_image(&o, &n);
    long st;
    (void)state;
    json_t *j = post_caption(&off, img, n, "earrings", "ebay", &st);
    assert_int_equal(st, 400);
    assert_non_null(strstr(str(j, "error"), "Invalid website"));
    json_decref(j);
    j = post_caption(&off, img, n, NULL, NULL, &st);
    assert_int_equal(st, 400);
    json_decref(j);
    j = post_caption(&off, "this is not a photo", 19, "earrings", NULL, &st);
    assert_int_equal(st, 400);
    assert_non_null(str(j, "code"));
    json_decref(j);
    /* nothing of the above was stored: the photo is new */
    j = post_caption(&off, img, n, "necklace", "BLYSK", &st);
    assert_int_equal(st, 200);
    assert_null(json_object_get(j, "duplicate"));
    assert_true(tu_file_url_in(str(j, "s3_url"), "blyskimg"));
    json_decref(j);
    free(img);
}

static json_t *post_form(const struct tu_server *s, const char *path, const struct tu_part *p,
                         size_t np, long *status)
{
    char url[256];
    struct tu_resp r;
    json_t *j;
    snprintf(url, sizeof url, "%s%s", s->base, path);
    assert_int_equal(tu_post_multipart(url, p, np, NULL, &r), 0);
    *status = r.status;
    j = json_loads(r.body, JSON_DECODE_ANY, NULL);
    tu_resp_free(&r);
    assert_non_null(j);
    return j;
}

static void test_regenerate_offline(void **state)
{
    long st;
    struct tu_part rp[] = {{"previous_prompt", NULL, NULL, "A bright gold hoop.", 0},
                           {"style", NULL, NULL, "Romance", 0}};
    struct tu_part tp[] = {{"previous_title", NULL, NULL, "Gold Hoops", 0},
                           {"color", NULL, NULL, "Gold", 0},
                           {"attributes", NULL, NULL, "hoop, polished", 0}};
    (void)state;
    json_t *j = post_form(&off, "/regenerate", rp, 2, &st);
    assert_int_equal(st, 200);
    assert_true(json_is_string(j));
    assert_non_null(strstr(json_string_value(j), "A bright gold hoop."));
    json_decref(j);
    j = post_form(&off, "/regenerate", rp, 1, &st);
    assert_int_equal(st, 400);
    json_decref(j);
    j = post_form(&off, "/regenerate_title", tp, 3, &st);
    assert_int_equal(st, 200);
    assert_true(json_is_string(j));
    assert_string_not_equal(json_string_value(j), "Gold Hoops");
    json_decref(j);
}

static void push(int status, char *body)
{
    fake_ai_push(fake, status, body);
    free(body);
}

static void test_with_models(void **state)
{
    struct tu_img_opts o = {.width = 1000, .height = 1000, .seed = 4};
    size_t n, n2;
    unsigned char *img = tu_make_image(&o, &n);
    long st;
    (void)state;

    push(200, fake_gemini_text("{\"quality\":\"C\",\"color\":\"Purple\",\"attributes\":["
                               "\"drop shape\",\"stud back\"],\"styles\":[\"Charm\"]}"));
    push(200, fake_openai_chat("{\"name\":\"Violet Drop Studs\",\"final_caption\":\"Purple drops "
                               "with a stud back.\"}"));
    json_t *j = post_caption(&on, img, n, "earrings", NULL, &st);
    assert_int_equal(st, 200);
    assert_string_equal(str(j, "quality"), "C");
    assert_string_equal(str(j, "color"), "Purple");
    assert_string_equal(str(j, "generated_name"), "Violet Drop Studs");
    assert_string_equal(str(j, "description"), "Purple drops with a stud back.");
    assert_int_equal(json_array_size(json_object_get(j, "attributes")), 2);
    json_decref(j);
    size_t base = fake_ai_count(fake) - 2;
    const struct fake_request *g = fake_ai_request(fake, base),
                              *c = fake_ai_request(fake, base + 1);
    assert_non_null(strstr(g->url, ":generateContent"));
    assert_string_equal(fake_req_header(g, "x-goog-api-key"), "g-test");
    assert_string_equal(c->url, "/v1/chat/completions");
    assert_string_equal(fake_req_header(c, "Authorization"), "Bearer sk-test");

    /* captioning fails after storing: a JSON error with the stored URL */
    struct tu_img_opts o2 = {.width = 1000, .height = 1000, .seed = 5};
    unsigned char *img2 = tu_make_image(&o2, &n2);
    push(200, fake_gemini_blocked("PROHIBITED_CONTENT"));
    j = post_caption(&on, img2, n2, "earrings", NULL, &st);
    assert_int_equal(st, 502);
    assert_string_equal(str(j, "code"), "blocked_prompt");
    assert_true(tu_file_url_in(str(j, "s3_url"), "alyaimg"));
    struct tu_resp r;
    assert_int_equal(tu_get(str(j, "s3_url"), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    json_decref(j);

    /* /regenerate through the copy provider */
    push(200, fake_openai_chat("{\"text\":\"A romantic gold hoop.\"}"));
    struct tu_part rp[] = {{"previous_prompt", NULL, NULL, "A gold hoop.", 0},
                           {"style", NULL, NULL, "Romance", 0}};
    j = post_form(&on, "/regenerate", rp, 2, &st);
    assert_int_equal(st, 200);
    assert_string_equal(json_string_value(j), "A romantic gold hoop.");
    json_t *body = fake_req_json(fake_ai_request(fake, fake_ai_count(fake) - 1));
    const char *user = json_string_value(json_object_get(
        json_array_get(
            json_object_get(json_array_get(json_object_get(body, "messages"), 1), "content"), 0),
        "text"));
    assert_non_null(strstr(user, "BEGIN SELLER DATA"));
    assert_non_null(strstr(user, "\"Romance\""));
    json_decref(body);
    json_decref(j);
    free(img);
    free(img2);
}

/* The 2024 contract: several photos in `files`, CSV when asked for. */
static void test_legacy_files_csv(void **state)
{
    struct tu_img_opts o1 = {.width = 900, .height = 900, .seed = 41},
                       o2 = {.width = 900, .height = 900, .seed = 42};
    size_t n1, n2;
    unsigned char *a = tu_make_image(&o1, &n1), *b = tu_make_image(&o2, &n2);
    struct tu_part parts[2] = {{"files", "a, one.jpg", "image/jpeg", a, n1},
                               {"files", "b.jpg", "image/jpeg", b, n2}};
    const char *csv[] = {"Accept: text/csv", NULL};
    char url[256], *line2;
    struct tu_resp r;
    json_t *j, *rows;
    (void)state;

    snprintf(url, sizeof url, "%s/generate_caption", off.base);
    assert_int_equal(tu_post_multipart(url, parts, 2, csv, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "text/csv"));
    assert_true(strncmp(r.body, "display_name,generated_name,quality,description,attributes,prompt\r\n",
                        67) == 0);
    line2 = strstr(r.body, "\r\n") + 2;
    assert_true(strncmp(line2, "\"a, one.jpg\",", 13) == 0); /* quoted as RFC 4180 */
    assert_non_null(strstr(line2, "Caption: \"\"")); /* quotes doubled */
    assert_non_null(strstr(line2, "\r\nb.jpg,"));
    tu_resp_free(&r);

    /* again, without asking for CSV: JSON rows, both duplicates now, one row each */
    assert_int_equal(tu_post_multipart(url, parts, 2, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body, 0, NULL);
    tu_resp_free(&r);
    rows = json_object_get(j, "results");
    assert_int_equal(json_array_size(rows), 2);
    assert_string_equal(str(json_array_get(rows, 1), "display_name"), "b.jpg");
    assert_non_null(strstr(str(json_array_get(rows, 1), "description"), "duplicate of "));
    json_decref(j);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offline_caption_and_duplicate),
        cmocka_unit_test(test_cheap_checks_first),
        cmocka_unit_test(test_regenerate_offline),
        cmocka_unit_test(test_legacy_files_csv),
        cmocka_unit_test(test_with_models),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
