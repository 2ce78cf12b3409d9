/*
 * test_orders.c - POST /create_order and `karat order` on the real binary.
 *
 * Generated Amazon.in, Flipkart and Meesho invoices (tests/support/order_pdf.c,
 * 3 items each) come back as {"parsed_data", "products_data"} with every
 * field and one object per item; bad uploads get their 4xx JSON errors (not
 * a PDF is 400 not_a_pdf where the original answered 200, 0 bytes, a
 * damaged, encrypted or over-page-limit PDF, a missing field, another shop's
 * invoice). With a (fake) Gemini as the text provider only the field the
 * rules left empty (Amazon prints no tracking number) is asked; a value
 * not on the invoice is dropped and a failing provider changes nothing; an
 * invoice whose item table the rules cannot read gets its item lines from
 * the provider (those the invoice shows).
 * The CLI prints the same JSON with --json and exits 2 on a refusal.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ai.h"
#include "order_pdf.h"
#include "testutil.h"

static json_t *post(const struct tu_server *s, const char *field, const void *data, size_t n,
                    long want, const char *code)
{
    char url[256];
    struct tu_part parts[] = {{field, "invoice.pdf", "application/pdf", data, n}};
    struct tu_resp r;
    json_error_t je;
    json_t *j;

    snprintf(url, sizeof url, "%s/create_order", s->base);
    assert_int_equal(tu_post_multipart(url, parts, 1, NULL, &r), 0);
    if (r.status != want)
        fail_msg("create_order: %ld %s (want %ld)", r.status, r.body, want);
    j = json_loads(r.body, 0, &je);
    assert_non_null(j);
    if (code && strcmp(json_string_value(json_object_get(j, "code")), code))
        fail_msg("create_order: %s (want code %s)", r.body, code);
    tu_resp_free(&r);
    return j;
}

static void check_order(json_t *j, const struct opdf *w)
{
    json_t *pd = json_object_get(j, "parsed_data"), *items = json_object_get(j, "products_data");
    const char *const keys[] = {"order_id", "customer_name", "order_date", "order_time",
                                "shipping_address", "tracking_id", "payment_method",
                                "marketplace", "total_price_order"};
    const char *const vals[] = {w->order_id, w->customer, w->date, w->time, w->address,
                                w->tracking, w->payment, w->marketplace, w->total};
    for (size_t k = 0; k < 9; k++)
        if (strcmp(json_string_value(json_object_get(pd, keys[k])), vals[k]))
            fail_msg("%s: %s = %s, want %s", w->marketplace, keys[k],
                     json_string_value(json_object_get(pd, keys[k])), vals[k]);
    assert_int_equal(json_array_size(items), w->n);
    for (size_t i = 0; i < w->n; i++) {
        json_t *it = json_array_get(items, i);
        assert_string_equal(json_string_value(json_object_get(it, "product_price")),
                            w->items[i].price);
        assert_string_equal(json_string_value(json_object_get(it, "item_type")),
                            w->items[i].item_type);
        assert_string_equal(json_string_value(json_object_get(it, "sku_id")), w->items[i].sku_id);
        assert_string_equal(json_string_value(json_object_get(it, "quantity")), w->items[i].qty);
    }
}

static void test_create_order(void **state)
{
    struct tu_server s;
    static const char *const env[] = {"KARAT_OCR_MAX_PAGES=3", NULL};
    struct opdf w;
    struct buf b;
    (void)state;

    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    for (int m = OPDF_AMAZON; m <= OPDF_MEESHO; m++) {
        order_pdf_sample(m, 3, &w);
        assert_int_equal(order_pdf_make(&w, &b), 0);
        json_t *j = post(&s, "file", b.data, b.len, 200, NULL);
        check_order(j, &w);
        json_decref(j);
        if (m == OPDF_AMAZON) { /* encrypted (when qpdf is installed) */
            size_t n = 0;
            unsigned char *enc = opdf_encrypt(b.data, b.len, &n);
            if (enc)
                json_decref(post(&s, "file", enc, n, 400, "encrypted_pdf"));
            free(enc);
            json_decref(post(&s, "image", b.data, b.len, 400, "missing_file"));
        }
        buf_release(&b);
    }
    order_pdf_sample(OPDF_OTHER, 1, &w);
    assert_int_equal(order_pdf_make(&w, &b), 0);
    json_decref(post(&s, "file", b.data, b.len, 400, "unknown_invoice"));
    buf_release(&b);
    json_decref(post(&s, "file", "\x89PNG\r\n\x1a\nnot a pdf", 17, 400, "not_a_pdf"));
    json_decref(post(&s, "file", "", 0, 400, "empty_file"));
    json_decref(post(&s, "file", "%PDF-1.7 broken", 15, 400, "corrupt_pdf"));
    /* four pages, the limit is three */
    struct buf pages;
    buf_init(&pages, 1u << 20);
    buf_appendf(&pages, "%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                        "2 0 obj<</Type/Pages/Count 4/Kids[3 0 R 3 0 R 3 0 R 3 0 R]>>endobj\n"
                        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>endobj\n"
                        "trailer<</Root 1 0 R>>\n%%%%EOF\n");
    json_decref(post(&s, "file", pages.data, pages.len, 413, "too_many_pages"));
    buf_release(&pages);
    assert_int_equal(tu_server_finish(&s), 0);
}

/* Amazon's invoice has no tracking number: the provider is asked for it
 * alone; its made-up answer is dropped, its failure leaves the same order. */
static void test_provider_missing_fields(void **state)
{
    struct tu_server s;
    struct fake_ai *f = fake_ai_start();
    char base[160];
    const char *const env[] = {"GOOGLE_API_KEY=g-test", base, "KARAT_COPY_PROVIDER=gemini",
                               "KARAT_AI_TIMEOUT=10", NULL};
    char *reply = fake_gemini_text("{\"tracking_id\": \"AWB-MADE-UP-1\"}");
    struct opdf w;
    struct buf b;
    (void)state;

    snprintf(base, sizeof base, "GEMINI_BASE_URL=%s", fake_ai_base(f));
    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    order_pdf_sample(OPDF_AMAZON, 3, &w);
    assert_int_equal(order_pdf_make(&w, &b), 0);
    fake_ai_push(f, 200, reply);
    json_t *j = post(&s, "file", b.data, b.len, 200, NULL);
    check_order(j, &w);
    json_decref(j);
    assert_int_equal(fake_ai_count(f), 1);
    json_t *req = fake_req_json(fake_ai_request(f, 0));
    json_t *props = json_object_get(
        json_object_get(json_object_get(req, "generationConfig"), "responseSchema"), "properties");
    assert_int_equal(json_object_size(props), 1);
    assert_non_null(json_object_get(props, "tracking_id"));
    json_decref(req);
    j = post(&s, "file", b.data, b.len, 200, NULL); /* nothing queued: the fake answers 500 */
    check_order(j, &w);
    json_decref(j);
    assert_true(fake_ai_count(f) >= 2);
    free(reply);
    buf_release(&b);
    assert_int_equal(tu_server_finish(&s), 0);
    fake_ai_stop(f);
}

/* An Amazon invoice whose quantity header the rules do not know ("Pcs"): they
 * find no item line, so the provider is asked for the item lines too; the
 * items the invoice shows are taken, a made-up one is dropped. Without a
 * provider the same invoice is 400 incomplete_invoice. */
static void test_provider_item_lines(void **state)
{
    struct tu_server s, plain;
    struct fake_ai *f = fake_ai_start();
    char base[160];
    const char *const env[] = {"GOOGLE_API_KEY=g-test", base, "KARAT_COPY_PROVIDER=gemini",
                               "KARAT_AI_TIMEOUT=10", NULL};
    struct opdf w;
    struct buf b;
    json_t *lines = json_array(), *o, *j, *req, *props;
    char *text, *reply;
    (void)state;

    order_pdf_sample(OPDF_AMAZON, 2, &w);
    w.qty_header = "Pcs";
    for (size_t i = 0; i < w.n; i++) {
        char line[300];
        snprintf(line, sizeof line, "%s | %s | %s | %s | %s", w.items[i].title, w.items[i].sku,
                 w.items[i].qty, w.items[i].price, w.items[i].total);
        json_array_append_new(lines, json_string(line));
    }
    json_array_append_new(lines, json_string("Gold Chain | chain9 | 1 | 5,000.00 | 5,000.00"));
    o = json_pack("{s:s, s:s, s:o}", "tracking_id", "", "total_price_order", w.total,
                  "item_lines", lines);
    text = json_dumps(o, JSON_COMPACT);
    reply = fake_gemini_text(text);
    snprintf(base, sizeof base, "GEMINI_BASE_URL=%s", fake_ai_base(f));
    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    assert_int_equal(order_pdf_make(&w, &b), 0);
    fake_ai_push(f, 200, reply);
    j = post(&s, "file", b.data, b.len, 200, NULL);
    check_order(j, &w); /* both items, every field; the chain is not on the invoice */
    json_decref(j);
    req = fake_req_json(fake_ai_request(f, 0));
    props = json_object_get(
        json_object_get(json_object_get(req, "generationConfig"), "responseSchema"), "properties");
    assert_non_null(json_object_get(props, "item_lines"));
    json_decref(req);
    assert_int_equal(tu_server_finish(&s), 0);
    assert_int_equal(tu_server_start_tmp(&plain, NULL), 0);
    json_decref(post(&plain, "file", b.data, b.len, 400, "incomplete_invoice"));
    assert_int_equal(tu_server_finish(&plain), 0);
    buf_release(&b);
    free(reply);
    free(text);
    json_decref(o);
    fake_ai_stop(f);
}

static void test_cli_order(void **state)
{
    char dir[512], path[600], bad[600], *out = NULL;
    static const char *const env[] = {NULL};
    struct opdf w;
    struct buf b;
    json_error_t je;
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/order.pdf", dir);
    snprintf(bad, sizeof bad, "%s/photo.png", dir);
    order_pdf_sample(OPDF_FLIPKART, 3, &w);
    assert_int_equal(order_pdf_make(&w, &b), 0);
    tu_write_file(path, b.data, b.len);
    buf_release(&b);
    const char *argv[] = {getenv("KARAT_BIN"), "order", path, "--json", NULL};
    assert_int_equal(tu_run(argv, env, &out), 0);
    json_t *j = json_loads(out, 0, &je);
    assert_non_null(j);
    check_order(j, &w);
    json_decref(j);
    free(out);
    const char *argv_text[] = {getenv("KARAT_BIN"), "order", path, NULL};
    assert_int_equal(tu_run(argv_text, env, &out), 0);
    assert_non_null(strstr(out, "order_id: OD432198765432101234\n"));
    assert_non_null(strstr(out, "item 3: product_price=499.00 item_type=bangles sku_id=3"));
    free(out);
    tu_write_file(bad, "\x89PNG\r\n\x1a\nnot a pdf", 17);
    const char *argv_bad[] = {getenv("KARAT_BIN"), "order", bad, NULL};
    assert_int_equal(tu_run(argv_bad, env, NULL), 2);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_order),
        cmocka_unit_test(test_provider_missing_fields),
        cmocka_unit_test(test_provider_item_lines),
        cmocka_unit_test(test_cli_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
