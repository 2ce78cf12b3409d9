/*
 * test_copy_reask.c - issue 12 §3: listing copy from a model that breaks
 * the marketplace's rules is asked for once more with the problems listed
 * (fake OpenAI server); a reply that obeys ends the row with no rule
 * violations, and one that still breaks them is kept with its warnings.
 */
#include <stdlib.h>

#include "fake_ai.h"
#pragma GCC diagnostic ignored "-Wunused-function" /* the fixture's other helpers */
#include "pipeline_test.h"

#define BAD_COPY                                                                                   \
    "{\"item_name\": \"Alya Jewels Dome Jhumka Earrings, Best Seller\","                           \
    " \"product_description\": \"Dome jhumkas. Visit www.example.in today.\","                     \
    " \"bullet_point1\": \"LOOK: dome jhumkas\", \"bullet_point2\": \"LOOK: dome jhumkas\","       \
    " \"bullet_point3\": \"PEARLS: drops\", \"bullet_point4\": \"COMFORT: light\","                \
    " \"bullet_point5\": \"GIFTING: festive\", \"generic_keywords\": \"jhumka dome\"}"
#define GOOD_COPY                                                                                  \
    "{\"item_name\": \"Alya Jewels Dome Jhumka Earrings with Pearl Drops\","                       \
    " \"product_description\": \"Traditional jhumkas with a dome shape. Pearls hang below.\","     \
    " \"bullet_point1\": \"LOOK: a dome outline\", \"bullet_point2\": \"FINISH: even tone\","      \
    " \"bullet_point3\": \"PEARLS: small drops\", \"bullet_point4\": \"COMFORT: light\","          \
    " \"bullet_point5\": \"CARE: keep dry\", \"generic_keywords\": \"traditional festive "         \
    "ethnic\"}"

static struct ai *copy_by_openai(struct fake_ai *f)
{
    struct config cfg;
    struct ai *ai = NULL;
    setenv("OPENAI_API_KEY", "sk-test", 1);
    assert_int_equal(config_load(&cfg, NULL), KR_OK);
    config_set(&cfg, "KARAT_ATTR_PROVIDER", "offline", NULL);
    config_set(&cfg, "KARAT_COPY_PROVIDER", "openai", NULL);
    config_set(&cfg, "KARAT_IMAGE_PROVIDER", "offline", NULL);
    config_set(&cfg, "OPENAI_BASE_URL", fake_ai_base(f), NULL);
    config_set(&cfg, "KARAT_AI_ATTEMPTS", "1", NULL);
    assert_int_equal(ai_open(&cfg, &ai, NULL), KR_OK);
    config_release(&cfg);
    return ai;
}

static void push_copy(struct fake_ai *f, const char *content)
{
    char *body = fake_openai_chat(content);
    fake_ai_push(f, 200, body);
    free(body);
}

/* One Amazon earrings row; returns its result entry (new reference). */
static json_t *one_row(struct pt *t, const char *sku)
{
    char photo[700];
    const char *refs_v[1], *skus_v[] = {sku};
    pt_photo(t, "p.jpg", 2, photo, sizeof photo);
    refs_v[0] = photo;
    json_t *refs = pt_strings(refs_v, 1), *skus = pt_strings(skus_v, 1);
    json_t *st = pt_catalog(t, "amazon", "earrings", refs, skus, NULL, 0);
    json_t *e = json_array_get(json_object_get(json_object_get(st, "result"), "results"), 0);
    json_incref(e);
    json_decref(st);
    json_decref(refs);
    json_decref(skus);
    return e;
}

static int has_problem(json_t *entry, const char *problem)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(entry, "warnings"), i, w)
    {
        if (strcmp(json_string_value(json_object_get(w, "problem")), problem) == 0)
            return 1;
    }
    return 0;
}

/* A bad reply, then second; one row through the catalog: two copy calls. */
static json_t *run_with(struct fake_ai **f, struct pt *t, const char *second, const char *sku)
{
    *f = fake_ai_start();
    push_copy(*f, BAD_COPY);
    push_copy(*f, second);
    pt_open_ai(t, 0, NULL, copy_by_openai(*f));
    json_t *e = one_row(t, sku);
    assert_int_equal(fake_ai_count(*f), 2);
    return e;
}

static void test_reask_then_obeys(void **state)
{
    struct fake_ai *f;
    struct pt t;
    struct catalog_stats st;
    (void)state;
    json_t *e = run_with(&f, &t, GOOD_COPY, "JH-1");
    const struct fake_request *rq = fake_ai_request(f, 1);
    char *body = strndup((const char *)rq->body, rq->body_len);
    assert_non_null(strstr(body, "problems_in_last_reply"));
    assert_non_null(strstr(body, "duplicate_bullet"));
    assert_non_null(strstr(body, "promotional"));
    free(body);
    json_t *q = json_object_get(e, "quality");
    if (!json_is_true(json_object_get(q, "passed")))
        fail_msg("row fails: %s", json_dumps(json_object_get(e, "warnings"), 0));
    catalog_get_stats(t.cat, &st);
    assert_int_equal(st.copy_reasks, 1);
    json_decref(e);
    pt_close(&t);
    fake_ai_stop(f);
}

static void test_reask_then_kept_with_warnings(void **state)
{
    struct fake_ai *f;
    struct pt t;
    (void)state;
    json_t *e = run_with(&f, &t, BAD_COPY, "JH-2"); /* asked once more, not again */
    assert_false(json_is_true(json_object_get(json_object_get(e, "quality"), "passed")));
    assert_true(has_problem(e, "promotional"));
    assert_true(has_problem(e, "duplicate_bullet"));
    assert_true(has_problem(e, "url"));
    assert_true(has_problem(e, "keyword_repeats_title"));
    json_decref(e);
    pt_close(&t);
    fake_ai_stop(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reask_then_obeys),
        cmocka_unit_test(test_reask_then_kept_with_warnings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
