/*
 * test_bills_image.c - POST /process-image-and-prompt/ and GET /download/
 * on the real server.
 *
 * Without a provider the plain server reads bills offline (ocr/): the real
 * photographed bill comes back with its columns and rows, a photo with no
 * table is 400 no_table_found, and bad uploads get their 4xx. The rest of the pipeline runs on `karat_fault` with
 * KARAT_FAKE_BILL_ROWS=120, which reads every bill as a generated
 * 120-row jewellery GST bill with one wrong amount (row 3): the whole
 * table comes back, the wrong row is flagged, the legacy CSVs and the
 * workbook are stored and served, the same upload again is recognised as
 * a duplicate, and /download/ serves the client's last extras CSV. With a
 * (fake) Gemini configured, a 120-row bill is read in five bands and comes
 * back whole, and a filter Karat cannot parse goes to the provider; when the
 * provider fails, the offline reader's result is the answer.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>

#include "fake_ai.h"
#include "order_pdf.h"
#include "testutil.h"
#include "xlsx_read.h"

static int group_setup(void **state)
{
    (void)state;
    return VIPS_INIT("test") ? -1 : 0;
}

static int start(struct tu_server *s, const char *bin, const char *const *env)
{
    char *karat = strdup(getenv("KARAT_BIN"));
    int rc;

    setenv("KARAT_BIN", getenv(bin), 1);
    rc = tu_server_start_tmp(s, env);
    setenv("KARAT_BIN", karat, 1);
    free(karat);
    return rc;
}

static json_t *upload(const struct tu_server *s, const void *data, size_t n, long want,
                      const char *code)
{
    char url[256];
    struct tu_part parts[] = {{"image", "bill.png", "image/png", data, n},
                              {"prompt", NULL, NULL, "extract the table", 0}};
    struct tu_resp r;
    json_error_t je;
    json_t *j;

    snprintf(url, sizeof url, "%s/process-image-and-prompt/", s->base);
    assert_int_equal(tu_post_multipart(url, parts, 2, NULL, &r), 0);
    if (r.status != want)
        fail_msg("upload: %ld %s (want %ld)", r.status, r.body, want);
    j = json_loads(r.body, 0, &je);
    assert_non_null(j);
    if (code)
        assert_string_equal(json_string_value(json_object_get(j, "code")), code);
    tu_resp_free(&r);
    return j;
}

static unsigned char *photo(int seed, size_t *n)
{
    struct tu_img_opts o = {.width = 320, .height = 240, .seed = seed, .format = "png"};
    return tu_make_image(&o, n);
}

/* GET a URL this server handed out (its path on s). */
static void fetch(const struct tu_server *s, const char *url, struct tu_resp *r)
{
    char u[1600];
    const char *path = strstr(url, "/files/");

    assert_non_null(path);
    snprintf(u, sizeof u, "%s%s", s->base, path);
    assert_int_equal(tu_get(u, NULL, r), 0);
    assert_int_equal(r->status, 200);
}

/* Without a provider the offline reader (ocr/) reads the real photographed
 * bill: its seven columns and eleven rows, a version stored, warnings listed. */
static void test_offline_reads_real_bill(void **state)
{
    struct tu_server s;
    static const char *const env[] = {NULL};
    char path[1024];
    const char *src = getenv("KARAT_SOURCE_DIR");
    size_t n;
    unsigned char *png;
    json_t *j, *table;
    (void)state;

    snprintf(path, sizeof path, "%s/tests/data/bill_sample.png", src ? src : ".");
    assert_non_null(png = tu_read_file(path, &n));
    assert_int_equal(start(&s, "KARAT_BIN", env), 0);
    j = upload(&s, png, n, 200, NULL);
    table = json_object_get(j, "table");
    assert_int_equal(json_array_size(table), 11);
    assert_int_equal(json_object_size(json_array_get(table, 0)), 7);
    assert_non_null(json_object_get(json_array_get(table, 0), "Description"));
    assert_true(json_is_array(json_object_get(j, "warnings")));
    assert_true(json_is_string(json_object_get(j, "id")));
    assert_true(json_object_size(json_object_get(j, "extras")) >= 5);
    json_decref(j);
    free(png);
    assert_int_equal(tu_server_finish(&s), 0);
}

static void test_no_reader_and_bad_uploads(void **state)
{
    struct tu_server s;
    static const char *const env[] = {NULL};
    size_t n;
    unsigned char *png = photo(1, &n);
    char url[256];
    struct tu_resp r;
    (void)state;

    assert_int_equal(start(&s, "KARAT_BIN", env), 0);
    json_decref(upload(&s, png, n, 400, "no_table_found")); /* a photo, but no table on it */
    json_decref(upload(&s, "hello, not a bill", 17, 400, "not_an_image"));
    json_decref(upload(&s, "", 0, 400, "empty_file"));
    { /* a 52.5 MP photo: refused from its header, before it is decoded */
        VipsImage *black = NULL;
        void *big = NULL;
        size_t bn = 0;
        assert_int_equal(vips_black(&black, 7500, 7000, NULL), 0);
        assert_int_equal(vips_pngsave_buffer(black, &big, &bn, "bitdepth", 1, NULL), 0);
        g_object_unref(black);
        json_decref(upload(&s, big, bn, 413, "too_many_pixels"));
        g_free(big);
    }
    snprintf(url, sizeof url, "%s/process-image-and-prompt/", s.base);
    assert_int_equal(tu_post(url, "application/json", "{}", 2, NULL, &r), 0);
    assert_int_equal(r.status, 415);
    tu_resp_free(&r);
    snprintf(url, sizeof url, "%s/download/", s.base);
    assert_int_equal(tu_get(url, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"error\":\"File not found\"}");
    tu_resp_free(&r);
    free(png);
    assert_int_equal(tu_server_finish(&s), 0);
}

static void check_files(const struct tu_server *s, json_t *j)
{
    struct tu_resp r;
    size_t lines = 0;

    const char *head = "Sl No,Description,HSN,Purity,Net Wt,Rate/g,Making,Amount\r\n"
                       "1,22K Gold Ring,7113,22K,1.500 g,\"6,000\",500,9500.00\r\n";
    const char *extras = "Seller,Invoice No,Taxable Value,CGST @ 1.5%,SGST @ 1.5%,"
                         "Grand Total\r\nShree Karigar Works,";

    fetch(s, json_string_value(json_object_get(j, "csv_file")), &r);
    if (strncmp(r.body, head, strlen(head)))
        fail_msg("products CSV begins %.200s", r.body);
    for (const char *p = r.body; (p = strstr(p, "\r\n")); p += 2)
        lines++;
    assert_int_equal(lines, 121);
    tu_resp_free(&r);
    fetch(s, json_string_value(json_object_get(j, "extras_csv_file")), &r);
    if (strncmp(r.body, extras, strlen(extras)))
        fail_msg("extras CSV begins %.200s", r.body);
    tu_resp_free(&r);
    fetch(s, json_string_value(json_object_get(j, "xlsx_file")), &r);
    assert_true(r.len > 1000 && !memcmp(r.body, "PK", 2));
    tu_resp_free(&r);
}

static void test_whole_bill_files_duplicate_download(void **state)
{
    struct tu_server s;
    static const char *const env[] = {"KARAT_FAKE_BILL_ROWS=120", NULL};
    size_t n, n2;
    unsigned char *png = photo(1, &n), *other = photo(2, &n2);
    char url[256], id[64];
    struct tu_resp r;
    json_t *j, *w;
    (void)state;

    assert_int_equal(start(&s, "KARAT_FAULT_BIN", env), 0);
    j = upload(&s, png, n, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "table")), 120);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "table"), 119), "Sl No")),
                        "120");
    w = json_object_get(j, "warnings");
    assert_int_equal(json_array_size(w), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(w, 0), "kind")),
                        "line_weight");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(w, 0), "row")), 3);
    assert_null(json_object_get(j, "duplicate_of"));
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(j, "id")));
    check_files(&s, j);
    json_decref(j);
    /* the same bytes again: recognised, answered from the stored document */
    j = upload(&s, png, n, 200, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "duplicate_of")), id);
    assert_string_equal(json_string_value(json_object_get(j, "id")), id);
    assert_int_equal(json_array_size(json_object_get(j, "table")), 120);
    json_decref(j);
    j = upload(&s, other, n2, 200, NULL);
    assert_string_not_equal(json_string_value(json_object_get(j, "id")), id);
    json_decref(j);
    snprintf(url, sizeof url, "%s/download/", s.base);
    assert_int_equal(tu_get(url, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "text/csv"));
    assert_int_equal(strncmp(r.body, "Seller,Invoice No,", 18), 0);
    tu_resp_free(&r);
    free(png);
    free(other);
    assert_int_equal(tu_server_finish(&s), 0);
}

/* The note of kind on row in warnings, or NULL. */
static json_t *warning_on(json_t *warnings, const char *kind, int row)
{
    size_t i;
    json_t *w;

    json_array_foreach(warnings, i, w)
    {
        if (!strcmp(json_string_value(json_object_get(w, "kind")), kind) &&
            json_integer_value(json_object_get(w, "row")) == row)
            return w;
    }
    return NULL;
}

/* An OCR'd bill whose row 6 amount reads "239550.00" for "₹39550.00" (the
 * column prints "₹", and the sum only adds up without the "2"): answered
 * corrected, with an "ocr_corrected" note on that cell, in the upload's answer
 * and in GET /documents/{id}; the real wrong amount (row 4) is still flagged. */
static void test_ocr_rupee_corrected(void **state)
{
    struct tu_server s;
    static const char *const env[] = {"KARAT_FAKE_BILL_ROWS=8", "KARAT_FAKE_BILL_OCR=1", NULL};
    size_t n;
    unsigned char *png = photo(3, &n);
    char url[256];
    struct tu_resp r;
    json_t *j, *note;
    (void)state;

    assert_int_equal(start(&s, "KARAT_FAULT_BIN", env), 0);
    j = upload(&s, png, n, 200, NULL);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "table"), 5), "Amount")),
                        "\xe2\x82\xb9" "39550.00");
    assert_non_null(warning_on(json_object_get(j, "warnings"), "line_weight", 3));
    assert_null(warning_on(json_object_get(j, "warnings"), "line_weight", 5));
    note = warning_on(json_object_get(j, "warnings"), "ocr_corrected", 5);
    assert_non_null(note);
    assert_string_equal(json_string_value(json_object_get(note, "column")), "Amount");
    assert_string_equal(json_string_value(json_object_get(note, "read_as")), "239550.00");
    assert_int_equal(json_array_size(json_object_get(j, "warnings")), 2);
    snprintf(url, sizeof url, "%s/documents/%s", s.base,
             json_string_value(json_object_get(j, "id")));
    json_decref(j);
    assert_int_equal(tu_get(url, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    note = warning_on(json_object_get(j, "warnings"), "ocr_corrected", 5);
    assert_non_null(note);
    assert_string_equal(json_string_value(json_object_get(note, "read_as")), "239550.00");
    json_decref(j);
    tu_resp_free(&r);
    free(png);
    assert_int_equal(tu_server_finish(&s), 0);
}

/* Gemini's reply with rows first..first+n-1 of a two-column bill. */
static void push_band(struct fake_ai *f, int first, int n, int more)
{
    json_t *rows = json_array(), *o;
    char no[16], *text, *body;

    for (int i = first; i < first + n; i++) {
        snprintf(no, sizeof no, "%d", i);
        json_array_append_new(rows, json_pack("[s,s]", no, "Rs. 100/-"));
    }
    o = json_pack("{s:[s,s],s:o,s:[],s:b}", "headers", "No", "Amount", "rows", rows, "extras",
                  "more", more);
    text = json_dumps(o, JSON_COMPACT);
    body = fake_gemini_text(text);
    fake_ai_push(f, 200, body);
    free(body);
    free(text);
    json_decref(o);
}

static void test_provider_reads_long_bill(void **state)
{
    struct tu_server s;
    struct fake_ai *f = fake_ai_start();
    char base[160], url[256];
    const char *const env[] = {"GOOGLE_API_KEY=g-test",      base,
                               "KARAT_ATTR_PROVIDER=gemini", "KARAT_COPY_PROVIDER=gemini",
                               "KARAT_AI_TIMEOUT=10",        NULL};
    size_t n;
    unsigned char *png = photo(3, &n);
    struct tu_resp r;
    json_t *j;
    const char *body = "{\"data\": [{\"No\": \"1\"}, {\"No\": \"2\"}], \"columns\": \"\", "
                       "\"manual\": \"the second one\"}";
    (void)state;

    snprintf(base, sizeof base, "GEMINI_BASE_URL=%s", fake_ai_base(f));
    assert_int_equal(start(&s, "KARAT_BIN", env), 0);
    for (int b = 0; b < 4; b++)
        push_band(f, 1 + 25 * b, 25, 1);
    push_band(f, 101, 20, 0);
    j = upload(&s, png, n, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "table")), 120);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "table"), 119), "No")),
        "120");
    assert_int_equal(fake_ai_count(f), 5);
    json_decref(j);
    /* a filter Karat cannot parse goes to the provider */
    push_band(f, 2, 1, 0);
    snprintf(url, sizeof url, "%s/further_req", s.base);
    assert_int_equal(tu_post(url, "application/json", body, strlen(body), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"No\":\"2\""));
    tu_resp_free(&r);
    free(png);
    assert_int_equal(tu_server_finish(&s), 0);
    fake_ai_stop(f);
}

/* A provider that fails (the fake answers 500: nothing queued) leaves the
 * bill to the offline reader: a Meesho invoice PDF, sent to Gemini first,
 * comes back read from its text layer. */
static void test_provider_fails_offline_reads(void **state)
{
    struct tu_server s;
    struct fake_ai *f = fake_ai_start();
    char base[160];
    const char *const env[] = {"GOOGLE_API_KEY=g-test",      base,
                               "KARAT_ATTR_PROVIDER=gemini", "KARAT_AI_ATTEMPTS=1",
                               "KARAT_AI_TIMEOUT=10",        NULL};
    struct tu_part part = {"image", "invoice.pdf", "application/pdf", NULL, 0};
    struct tu_resp r;
    struct opdf o;
    struct buf b;
    char url[256];
    json_t *j, *row;
    (void)state;

    snprintf(base, sizeof base, "GEMINI_BASE_URL=%s", fake_ai_base(f));
    assert_int_equal(start(&s, "KARAT_BIN", env), 0);
    order_pdf_sample(OPDF_MEESHO, 2, &o);
    assert_int_equal(order_pdf_make(&o, &b), 0);
    part.data = b.data;
    part.len = b.len;
    snprintf(url, sizeof url, "%s/process-image-and-prompt/", s.base);
    assert_int_equal(tu_post_multipart(url, &part, 1, NULL, &r), 0);
    if (r.status != 200)
        fail_msg("upload: %ld %s", r.status, r.body);
    assert_true(fake_ai_count(f) >= 1); /* the provider was asked first */
    assert_non_null(j = json_loads(r.body, 0, NULL));
    assert_int_equal(json_array_size(json_object_get(j, "table")), 2);
    row = json_array_get(json_object_get(j, "table"), 1);
    assert_string_equal(json_string_value(json_object_get(row, "Total")), o.items[1].total);
    json_decref(j);
    tu_resp_free(&r);
    buf_release(&b);
    assert_int_equal(tu_server_finish(&s), 0);
    fake_ai_stop(f);
}

/* karat bill: the same reading from the command line, with --json, --csv
 * and --xlsx (a Table and an Extras sheet), and the products CSV on stdout
 * without --json. */
static void test_cli_bill(void **state)
{
    struct fake_ai *f = fake_ai_start();
    char base[160], dir[512], path[600], csv[600], xlsx[600], *out = NULL, *cell;
    const char *const env[] = {"GOOGLE_API_KEY=g-test", base, "KARAT_ATTR_PROVIDER=gemini",
                               "KARAT_AI_TIMEOUT=10", NULL};
    const char *const off[] = {
        "GOOGLE_API_KEY=", "OPENAI_API_KEY=", "API_KEY_GPT=", "KARAT_ATTR_PROVIDER=offline", NULL};
    size_t n;
    unsigned char *png = photo(4, &n), *file;
    json_error_t je;
    json_t *j;
    (void)state;

    snprintf(base, sizeof base, "GEMINI_BASE_URL=%s", fake_ai_base(f));
    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/bill.png", dir);
    snprintf(csv, sizeof csv, "%s/bill.csv", dir);
    snprintf(xlsx, sizeof xlsx, "%s/bill.xlsx", dir);
    tu_write_file(path, png, n);
    push_band(f, 1, 25, 1);
    push_band(f, 26, 5, 0);
    const char *argv[] = {getenv("KARAT_BIN"), "bill", path, "--json", "--csv", csv,
                          "--xlsx", xlsx, NULL};
    assert_int_equal(tu_run(argv, env, &out), 0);
    j = json_loads(out, 0, &je);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "table")), 30);
    json_decref(j);
    free(out);
    file = tu_read_file(csv, &n);
    assert_non_null(file);
    assert_int_equal(strncmp((char *)file, "No,Amount\r\n1,Rs. 100/-\r\n", 24), 0);
    free(file);
    /* the workbook: a Table sheet (headers, then the 30 rows as printed), an Extras sheet */
    const char *const want[][3] = {{"Table", "A1", "No"},       {"Table", "B1", "Amount"},
                                   {"Table", "A31", "30"},      {"Table", "B31", "Rs. 100/-"},
                                   {"Extras", "A1", "Key"},     {"Extras", "B1", "Value"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cell = tu_xlsx_cell(xlsx, want[i][0], want[i][1]);
        if (!cell || strcmp(cell, want[i][2]))
            fail_msg("%s!%s is %s, want %s", want[i][0], want[i][1], cell ? cell : "absent",
                     want[i][2]);
        free(cell);
    }
    assert_null(cell = tu_xlsx_cell(xlsx, "Table", "A32"));
    /* without --json: the products CSV on stdout */
    push_band(f, 1, 2, 0);
    const char *argv_csv[] = {getenv("KARAT_BIN"), "bill", path, NULL};
    assert_int_equal(tu_run(argv_csv, env, &out), 0);
    assert_string_equal(out, "No,Amount\r\n1,Rs. 100/-\r\n2,Rs. 100/-\r\n");
    free(out);
    /* no provider: the offline reader finds no table on this photo, exit 2 */
    const char *argv2[] = {getenv("KARAT_BIN"), "bill", path, NULL};
    assert_int_equal(tu_run(argv2, off, NULL), 2);
    free(png);
    tu_rmrf(dir);
    fake_ai_stop(f);
}

struct held {
    const struct tu_server *s;
    const unsigned char *png;
    size_t n;
    long status;
};

static void *upload_thread(void *arg)
{
    struct held *h = arg;
    char url[256];
    struct tu_part part = {"image", "bill.png", "image/png", h->png, h->n};
    struct tu_resp r;

    snprintf(url, sizeof url, "%s/process-image-and-prompt/", h->s->base);
    if (tu_post_multipart(url, &part, 1, NULL, &r) == 0) {
        h->status = r.status;
        tu_resp_free(&r);
    }
    return NULL;
}

/* A client reading KARAT_BILL_SLOTS_PER_CLIENT bills gets 429 for one more. */
static void test_admission(void **state)
{
    struct tu_server s;
    struct fake_ai *f = fake_ai_start();
    char base[160];
    const char *const env[] = {"GOOGLE_API_KEY=g-test",         base,
                               "KARAT_ATTR_PROVIDER=gemini",    "KARAT_AI_TIMEOUT=30",
                               "KARAT_BILL_SLOTS_PER_CLIENT=1", NULL};
    size_t n, n2;
    unsigned char *png = photo(5, &n), *other = photo(6, &n2);
    struct held h = {&s, png, n, 0};
    json_t *o =
        json_pack("{s:[s],s:[[s]],s:[],s:b}", "headers", "No", "rows", "1", "extras", "more", 0);
    char *text = json_dumps(o, JSON_COMPACT), *body = fake_gemini_text(text);
    struct fake_reply held_reply = {200, body, 0, NULL, NULL, -1};
    pthread_t th;
    (void)state;

    snprintf(base, sizeof base, "GEMINI_BASE_URL=%s", fake_ai_base(f));
    assert_int_equal(start(&s, "KARAT_BIN", env), 0);
    fake_ai_push_reply(f, &held_reply);
    assert_int_equal(pthread_create(&th, NULL, upload_thread, &h), 0);
    for (int i = 0; i < 3000 && fake_ai_count(f) < 1; i++) /* the first holds its slot */
        usleep(10000);
    assert_int_equal(fake_ai_count(f), 1);
    json_decref(upload(&s, other, n2, 429, "client_busy"));
    fake_ai_release(f);
    pthread_join(th, NULL);
    assert_int_equal(h.status, 200);
    free(text);
    free(body);
    json_decref(o);
    free(png);
    free(other);
    assert_int_equal(tu_server_finish(&s), 0);
    fake_ai_stop(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_reader_and_bad_uploads),
        cmocka_unit_test(test_offline_reads_real_bill),
        cmocka_unit_test(test_whole_bill_files_duplicate_download),
        cmocka_unit_test(test_ocr_rupee_corrected),
        cmocka_unit_test(test_provider_reads_long_bill),
        cmocka_unit_test(test_provider_fails_offline_reads),
        cmocka_unit_test(test_cli_bill),
        cmocka_unit_test(test_admission),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
