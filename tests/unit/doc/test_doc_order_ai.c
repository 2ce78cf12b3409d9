/*
 * test_doc_order_ai.c - an order invoice's fields the rules did not find,
 * asked of a provider (the fake server of tests/support/fake_ai.h in
 * Gemini's and OpenAI's wire formats).
 *
 * The invoice text names Amazon and its order number in the rules' words,
 * but the buyer and the courier number under labels the rules do not know.
 * Only the empty fields are asked (the schema names them, the invoice text
 * is in the request); a value the invoice shows is taken, one it does not
 * show (a made-up date) is dropped, and the rules' own values stay even
 * when the model says otherwise. A provider that fails leaves the offline
 * result; the offline provider is never asked.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "core/config.h"
#include "doc/doc.h"
#include "fake_ai.h"
#include "fake_ai_open.h"

static struct fake_ai *srv;

static struct ai *open_ai(const char *provider)
{
    return fake_ai_open_copy(srv, provider);
}

static int setup(void **state)
{
    (void)state;
    setenv("GOOGLE_API_KEY", "g-key-one", 1);
    setenv("OPENAI_API_KEY", "sk-test-one", 1);
    srv = fake_ai_start();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_ai_stop(srv);
    unsetenv("GOOGLE_API_KEY");
    unsetenv("OPENAI_API_KEY");
    return 0;
}

/* amazon.in / Order Number: 171-1 / Consignee - Priya Sharma / Courier AWB 99887766
 * / Description Qty / Silver Ring (ring7) 2 */
static enum kr_code read_invoice(struct ai *ai, struct doc_order *o, struct kr_err *err)
{
    static char a[] = "amazon.in", b[] = "Order Number: 171-1", c[] = "Consignee - Priya Sharma",
                g[] = "Courier AWB 99887766", d[] = "Description", e[] = "Qty",
                f[] = "Silver Ring (ring7)", h[] = "2";
    struct ocr_phrase ph[] = {{0, 0, 200, 40, a},    {0, 100, 500, 140, b},
                              {0, 150, 500, 190, c}, {0, 200, 500, 240, g},
                              {0, 300, 300, 340, d}, {600, 300, 700, 340, e},
                              {0, 400, 400, 440, f}, {600, 400, 630, 440, h}};
    struct ocr_text_line ln[] = {{0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {0, 4, 2}, {0, 6, 2}};
    struct ocr_text t = {ph, 8, ln, 6, 1};
    return doc_order_parse(&t, ai, o, err);
}

static const char REPLY[] = "{\"customer_name\": \"Priya Sharma\", \"tracking_id\": \"99887766\", "
                            "\"order_date\": \"01.01.2025\", \"order_id\": \"999-9\"}";

/* The request: the empty fields in the schema (not the order number the rules found). */
static void check_request(const char *props_path, size_t at)
{
    json_t *body = fake_req_json(fake_ai_request(srv, at)), *props;
    char *dump = json_dumps(body, 0);
    assert_non_null(dump);
    assert_non_null(strstr(dump, "Courier AWB 99887766"));
    props = !strcmp(props_path, "gemini")
                ? json_object_get(json_object_get(json_object_get(body, "generationConfig"),
                                                  "responseSchema"),
                                  "properties")
                : json_object_get(json_object_get(json_object_get(json_object_get(
                                                      body, "response_format"),
                                                  "json_schema"),
                                  "schema"),
                                  "properties");
    assert_non_null(json_object_get(props, "tracking_id"));
    assert_non_null(json_object_get(props, "customer_name"));
    assert_null(json_object_get(props, "order_id"));
    assert_null(json_object_get(props, "marketplace"));
    assert_null(json_object_get(props, "item_lines")); /* the rules found the item */
    free(dump);
    json_decref(body);
}

static void expect_filled(const struct doc_order *o)
{
    assert_string_equal(o->f[DOC_ORD_ORDER_ID], "171-1");     /* the rules' value stays */
    assert_string_equal(o->f[DOC_ORD_CUSTOMER], "Priya Sharma"); /* on the invoice: taken */
    assert_string_equal(o->f[DOC_ORD_TRACKING], "99887766");
    assert_string_equal(o->f[DOC_ORD_DATE], ""); /* not on the invoice: dropped */
    assert_string_equal(o->f[DOC_ORD_MARKETPLACE], "Amazon");
    assert_int_equal(o->nitems, 1);
    assert_string_equal(o->items[0].f[DOC_ITEM_SKU], "ring7");
}

/* One call to provider (its reply body given), the empty fields filled. */
static void fills_missing(const char *provider, char *reply)
{
    struct ai *ai = open_ai(provider);
    struct doc_order o = {0};
    struct kr_err err = {0};
    size_t before = fake_ai_count(srv);

    fake_ai_push(srv, 200, reply);
    free(reply);
    assert_int_equal(read_invoice(ai, &o, &err), KR_OK);
    assert_int_equal(fake_ai_count(srv) - before, 1);
    if (!strcmp(provider, "openai"))
        assert_non_null(strstr(fake_ai_request(srv, before)->url, "/chat/completions"));
    check_request(provider, before);
    expect_filled(&o);
    doc_order_free(&o);
    ai_close(ai);
}

static void test_gemini_fills_missing(void **state)
{
    (void)state;
    fills_missing("gemini", fake_gemini_text(REPLY));
}

static void test_openai_fills_missing(void **state)
{
    (void)state;
    fills_missing("openai", fake_openai_chat(REPLY));
}

/* A provider that fails (500, then an unusable reply) or none: the rules' result. */
static void test_failure_keeps_offline(void **state)
{
    struct ai *ai = open_ai("gemini"), *off = open_ai("offline");
    struct doc_order o = {0};
    struct kr_err err = {0};
    char *bad = fake_gemini_text("[\"not an object\"]");
    size_t before;
    (void)state;

    for (int round = 0; round < 3; round++) {
        before = fake_ai_count(srv);
        if (round == 0)
            fake_ai_push(srv, 500, "{\"error\": {\"code\": 500, \"message\": \"down\"}}");
        else if (round == 1)
            fake_ai_push(srv, 200, bad), fake_ai_push(srv, 200, bad);
        assert_int_equal(read_invoice(round == 2 ? off : ai, &o, &err), KR_OK);
        assert_string_equal(o.f[DOC_ORD_ORDER_ID], "171-1");
        assert_string_equal(o.f[DOC_ORD_CUSTOMER], "");
        assert_string_equal(o.f[DOC_ORD_TRACKING], "");
        assert_int_equal(o.nitems, 1);
        if (round == 2)
            assert_int_equal(fake_ai_count(srv), before); /* offline: nobody asked */
        doc_order_free(&o);
    }
    assert_int_equal(fake_ai_pending(srv), 0); /* the unusable reply was asked again */
    free(bad);
    ai_close(ai);
    ai_close(off);
}

/* No item table the rules know (no Qty header): the item lines are asked as
 * well, and an item is taken only when its description and quantity are on
 * the invoice (its other values only when they are). */
static void test_items_asked_when_rules_find_none(void **state)
{
    static char a[] = "amazon.in", b[] = "Order Number: 171-1", c[] = "Silver Ring (ring7)",
                d[] = "2 pcs at \xe2\x82\xb9" "499.00", e[] = "Paid \xe2\x82\xb9" "998.00";
    struct ocr_phrase ph[] = {{0, 0, 200, 40, a},
                              {0, 100, 500, 140, b},
                              {0, 200, 400, 240, c},
                              {0, 250, 400, 290, d},
                              {0, 300, 400, 340, e}};
    struct ocr_text_line ln[] = {{0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {0, 4, 1}};
    struct ocr_text t = {ph, 5, ln, 5, 1};
    struct ai *ai = open_ai("gemini"), *off = open_ai("offline");
    struct doc_order o = {0};
    struct kr_err err = {0};
    size_t before = fake_ai_count(srv);
    json_t *body, *props;
    char *reply = fake_gemini_text(
        "{\"item_lines\": [\"Silver Ring | ring7 | 2 | \xe2\x82\xb9" "499.00 | \xe2\x82\xb9" "998.00\", "
        "\"Gold Chain | chain9 | 1 | 5,000 | 5,000\", \"Silver Ring | ring7 | two | - | -\"]}");
    (void)state;

    fake_ai_push(srv, 200, reply);
    free(reply);
    assert_int_equal(doc_order_parse(&t, ai, &o, &err), KR_OK);
    assert_int_equal(fake_ai_count(srv) - before, 1);
    body = fake_req_json(fake_ai_request(srv, before));
    props = json_object_get(
        json_object_get(json_object_get(body, "generationConfig"), "responseSchema"), "properties");
    assert_non_null(json_object_get(props, "item_lines"));
    json_decref(body);
    assert_int_equal(o.nitems, 1); /* the chain is not on the invoice; "two" is no quantity */
    assert_string_equal(o.items[0].f[DOC_ITEM_DESC], "Silver Ring");
    assert_string_equal(o.items[0].f[DOC_ITEM_SKU], "ring7");
    assert_string_equal(o.items[0].f[DOC_ITEM_TYPE], "ring");
    assert_string_equal(o.items[0].f[DOC_ITEM_SKU_ID], "7");
    assert_string_equal(o.items[0].f[DOC_ITEM_QTY], "2");
    assert_string_equal(o.items[0].f[DOC_ITEM_PRICE], "\xe2\x82\xb9" "499.00");
    assert_string_equal(o.items[0].f[DOC_ITEM_TOTAL], "\xe2\x82\xb9" "998.00");
    assert_string_equal(o.items[0].f[DOC_ITEM_HSN], "");
    doc_order_free(&o);
    /* a provider with nothing usable, or none: no item line, the invoice is incomplete */
    fake_ai_push(srv, 200, reply = fake_gemini_text("{\"item_lines\": [\"Gold Chain | c | 1 | - | -\"]}"));
    free(reply);
    assert_int_equal(doc_order_parse(&t, ai, &o, &err), KR_EINVAL);
    assert_string_equal(err.slug, "incomplete_invoice");
    assert_int_equal(doc_order_parse(&t, off, &o, &err), KR_EINVAL);
    assert_string_equal(err.slug, "incomplete_invoice");
    assert_int_equal(fake_ai_pending(srv), 0);
    ai_close(ai);
    ai_close(off);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemini_fills_missing),
        cmocka_unit_test(test_openai_fills_missing),
        cmocka_unit_test(test_failure_keeps_offline),
        cmocka_unit_test(test_items_asked_when_rules_find_none),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
