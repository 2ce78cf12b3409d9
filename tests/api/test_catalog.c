/*
 * test_catalog.c - POST /catalog-ai and friends on the real server.
 *
 * Two servers: "off" uses the offline provider and the default fetch rules
 * (loopback refused); "cloud" sends attributes to a fake Gemini and copy to
 * a fake OpenAI (two fake_ai servers, so each sees one wire format) with
 * two Gemini keys, and may fetch from loopback (KARAT_FETCH_ALLOW_PRIVATE).
 * Checked: the response shape, workbooks downloaded and read cell by cell,
 * CSVs, Karat URLs read from the blob store while loopback URLs are refused,
 * failure isolation, async jobs and GET /jobs, seller templates and
 * /clear_excel_file, input errors, the SKU cache (the fakes
 * count requests), and a 429 on one Gemini key moving to the next.
 */
#include "catalog_api.h"

#include <ftw.h>
#include <signal.h>

static struct tu_server off, cloud;
static struct fake_ai *gem, *oai, *img_srv;

static int setup(void **state)
{
    static char gbase[128], obase[128];
    const char *const env_off[] = {"KARAT_ATTR_PROVIDER=offline", "KARAT_COPY_PROVIDER=offline",
                                   "KARAT_IMAGE_PROVIDER=offline", NULL};
    (void)state;
    unsetenv("GOOGLE_API_KEY");
    unsetenv("GOOGLE_API_KEY2");
    unsetenv("OPENAI_API_KEY");
    unsetenv("API_KEY_GPT");
    gem = fake_ai_start();
    oai = fake_ai_start();
    img_srv = fake_ai_start();
    snprintf(gbase, sizeof gbase, "GEMINI_BASE_URL=%s", fake_ai_base(gem));
    snprintf(obase, sizeof obase, "OPENAI_BASE_URL=%s", fake_ai_base(oai));
    const char *const env_cloud[] = {"GOOGLE_API_KEY=g-key-one",
                                     "GOOGLE_API_KEY2=g-key-two",
                                     "OPENAI_API_KEY=sk-test",
                                     "KARAT_ATTR_PROVIDER=gemini",
                                     "KARAT_COPY_PROVIDER=openai",
                                     "KARAT_IMAGE_PROVIDER=offline",
                                     "KARAT_FETCH_ALLOW_PRIVATE=1",
                                     "KARAT_AI_TIMEOUT=20",
                                     gbase,
                                     obase,
                                     NULL};
    if (tu_server_start_tmp(&off, env_off) || tu_server_start_tmp(&cloud, env_cloud))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = tu_server_finish(&off) | tu_server_finish(&cloud);
    fake_ai_stop(gem);
    fake_ai_stop(oai);
    fake_ai_stop(img_srv);
    return rc;
}

static json_t *attrs_at(json_t *resp, size_t i)
{
    return json_object_get(json_array_get(json_object_get(resp, "results"), i), "attributes");
}

static void test_offline_upload_sync_cell_by_cell(void **state)
{
    long st;
    size_t n, csv_n;
    unsigned char *x, *csv;
    json_t *j;
    (void)state;

    j = ca_post_photos(&off, NULL, 3, 21, "earrings", "amazon", "AJ-1, AJ-2,AJ-3", NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(j, "results")), 3);
    assert_non_null(strstr(ca_str(j, "excel_file"), "/files/alyaimg/excel_files/"));
    assert_non_null(strstr(ca_str(j, "csv_file"), ".csv"));
    assert_true(strlen(ca_str(j, "job_id")) == 32);
    x = ca_download(&off, ca_str(j, "excel_file"), &n);
    for (int i = 0; i < 3; i++) {
        json_t *a = attrs_at(j, (size_t)i);
        char want[16];
        snprintf(want, sizeof want, "AJ-%d", i + 1);
        assert_string_equal(ca_str(a, "item_sku"), want);
        assert_string_equal(ca_str(a, "skuid"), want);
        assert_non_null(strstr(ca_str(a, "filename"), "/files/alyaimg/catalog_uploads/"));
        assert_true(ca_assert_row(x, n, "Template", 3, 4 + i, a) > 50);
    }
    {
        char *after = ca_cell(x, n, "Template", 1, 7);
        assert_true(!after || !*after);
        free(after);
    }
    csv = ca_download(&off, ca_str(j, "csv_file"), &csv_n);
    assert_int_equal(strncmp((char *)csv, "feed_product_type,item_sku,", 27), 0);
    assert_non_null(strstr((char *)csv, "\r\nearrings,AJ-1,"));
    free(csv);
    free(x);
    json_decref(j);
}

static void test_karat_urls_direct_and_ssrf_refused(void **state)
{
    char *u1 = ca_upload(&off, 31), *u2 = ca_upload(&off, 32), ext[256], list[2048];
    long st;
    size_t n;
    unsigned char *x;
    json_t *body, *j;
    (void)state;

    /* a loopback URL: the offline server must refuse to fetch it */
    snprintf(ext, sizeof ext, "%s/photo.jpg", fake_ai_base(img_srv));
    snprintf(list, sizeof list, "%s,%s,%s", u1, ext, u2);
    body = json_pack("{s:s, s:s, s:s, s:s}", "image_urls", list, "type", "necklace", "marketplace",
                     "flipkart", "skuids", "NK-1,NK-2,NK-3");
    j = ca_post_json(&off, "/catalog-ai", body, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "rows")), 2);
    assert_string_equal(
        ca_str(json_object_get(json_array_get(json_object_get(j, "results"), 1), "error"), "code"),
        "url_refused");
    assert_int_equal(fake_ai_count(img_srv), 0); /* never contacted */
    assert_string_equal(ca_str(attrs_at(j, 0), "filename"), u1);
    assert_string_equal(ca_str(attrs_at(j, 2), "Seller SKU ID"), "NK-3");
    x = ca_download(&off, ca_str(j, "excel_file"), &n);
    ca_assert_row(x, n, "necklace_chain", 1, 5, attrs_at(j, 0));
    ca_assert_row(x, n, "necklace_chain", 1, 6, attrs_at(j, 2));
    free(x);
    json_decref(j);
    json_decref(body);
    free(u1);
    free(u2);
}

static void test_async_job_status(void **state)
{
    long st;
    char path[128];
    json_t *j, *s;
    (void)state;

    j = ca_post_photos(&off, "?async=1", 4, 41, "bracelet", "meesho", NULL, NULL, &st);
    assert_int_equal(st, 202);
    assert_int_equal(strlen(ca_str(j, "job_id")), 32);
    snprintf(path, sizeof path, "/jobs/%s", ca_str(j, "job_id"));
    assert_string_equal(ca_str(j, "status_url"), path);
    s = ca_poll(&off, ca_str(j, "job_id"), 0, 60);
    assert_string_equal(ca_str(s, "status"), "done");
    assert_int_equal(json_integer_value(json_object_get(s, "total")), 4);
    assert_int_equal(json_integer_value(json_object_get(s, "done")), 4);
    assert_int_equal(json_array_size(json_object_get(s, "items")), 4);
    assert_string_equal(ca_str(json_array_get(json_object_get(s, "items"), 3), "status"), "done");
    /* SKUs default to the client's file names; file URLs at the top */
    assert_string_equal(
        ca_str(json_object_get(json_array_get(json_object_get(s, "items"), 2), "item"), "sku"),
        "photo-2");
    assert_non_null(strstr(ca_str(s, "excel_file"), "/excel_files/"));
    assert_string_equal(ca_str(s, "excel_file"),
                        ca_str(json_object_get(s, "result"), "excel_file"));
    json_decref(s);
    json_decref(j);
    s = ca_get_json(&off, "/jobs/0123456789abcdef0123456789abcdef", &st);
    assert_int_equal(st, 404);
    json_decref(s);
    s = ca_get_json(&off, "/jobs/..%2f..%2fetc", &st);
    assert_int_equal(st, 404);
    json_decref(s);
}

static void test_bad_requests(void **state)
{
    long st;
    json_t *b, *j;
    (void)state;

    b = json_pack("{s:s, s:s, s:s, s:s}", "image_urls", "http://x.example/a.jpg", "type",
                  "earrings", "marketplace", "etsy", "skuids", "A");
    j = ca_post_json(&off, "/catalog-ai", b, &st);
    assert_int_equal(st, 400);
    assert_string_equal(ca_str(j, "code"), "unknown_marketplace");
    json_decref(j);
    json_decref(b);
    b = json_pack("{s:s, s:s, s:s, s:s}", "image_urls", "http://x.example/a.jpg,http://x/b.jpg",
                  "type", "earrings", "marketplace", "amazon", "skuids", "A");
    j = ca_post_json(&off, "/catalog-ai", b, &st);
    assert_int_equal(st, 400);
    assert_string_equal(ca_str(j, "code"), "sku_count_mismatch");
    json_decref(j);
    json_decref(b);
    b = json_pack("{s:s}", "type", "earrings");
    j = ca_post_json(&off, "/catalog-ai", b, &st);
    assert_int_equal(st, 400);
    json_decref(j);
    json_decref(b);
    /* every photo bad: the job fails, with a client status (not a 502) */
    b = json_pack("{s:s, s:s, s:s}", "image_urls", "file:///etc/passwd", "type", "earrings",
                  "marketplace", "amazon");
    j = ca_post_json(&off, "/catalog-ai", b, &st);
    assert_int_equal(st, 400);
    assert_string_equal(ca_str(j, "code"), "no_rows");
    json_decref(j);
    json_decref(b);
}

/* POST path as multipart: one photo and the text fields given (name, value
 * pairs, NULL-terminated); the status and error code. */
static long post_one_photo(const char *path, const char *const *fields, char *code, size_t cn)
{
    struct tu_part parts[12];
    size_t np = 0, len;
    unsigned char *img = ca_photo(77, &len);
    char url[256];
    struct tu_resp r;
    json_t *j;
    long st;

    parts[np++] = (struct tu_part){"files", "ring.jpg", "image/jpeg", img, len};
    for (; *fields && np < 12; fields += 2)
        parts[np++] = (struct tu_part){fields[0], NULL, NULL, fields[1], 0};
    snprintf(url, sizeof url, "%s%s", off.base, path);
    assert_int_equal(tu_post_multipart(url, parts, np, NULL, &r), 0);
    free(img);
    st = r.status;
    j = ca_json(&r);
    snprintf(code, cn, "%s", ca_str(j, "code"));
    json_decref(j);
    tu_resp_free(&r);
    return st;
}

/* Issue 12: height / width in the request fill the size columns (JSON: one
 * for all, or a list; multipart: the same as text fields); a bad length or
 * a list of the wrong count is a 400. */
static void test_given_sizes(void **state)
{
    char *u1 = ca_upload(&off, 41), *u2 = ca_upload(&off, 42), list[1024], code[64];
    long st;
    json_t *b, *j;
    static const char *const bad_unit[] = {"type",   "earrings",   "marketplace", "flipkart",
                                           "height", "3 furlongs", NULL};
    (void)state;

    snprintf(list, sizeof list, "%s,%s", u1, u2);
    b = json_pack("{s:s, s:s, s:s, s:s, s:[s,s]}", "image_urls", list, "type", "earrings",
                  "marketplace", "flipkart", "height", "3.2cm", "width", "18", "20mm");
    j = ca_post_json(&off, "/catalog-ai", b, &st);
    assert_int_equal(st, 200);
    assert_string_equal(ca_str(attrs_at(j, 0), "Height (mm)"), "32");
    assert_string_equal(ca_str(attrs_at(j, 1), "Height (mm)"), "32");
    assert_string_equal(ca_str(attrs_at(j, 0), "Width (mm)"), "18");
    assert_string_equal(ca_str(attrs_at(j, 1), "Width (mm)"), "20");
    json_decref(j);
    json_decref(b);
    b = json_pack("{s:s, s:s, s:s, s:s}", "image_urls", list, "type", "earrings", "marketplace",
                  "flipkart", "width", "1mm,2mm,3mm");
    j = ca_post_json(&off, "/catalog-ai", b, &st);
    assert_int_equal(st, 400);
    assert_string_equal(ca_str(j, "code"), "bad_size_value");
    json_decref(j);
    json_decref(b);
    assert_int_equal(post_one_photo("/catalog-ai", bad_unit, code, sizeof code), 400);
    assert_string_equal(code, "bad_size_unit");
    free(u1);
    free(u2);
}

/* A request refused for any of its arguments writes no upload: every
 * argument is checked before the photos are saved (they used to be saved
 * first, leaving a file for each refused request). */
static void test_bad_arguments_store_nothing(void **state)
{
    const char *const bad_mp[] = {"type", "earrings", "marketplace", "etsy", NULL};
    const char *const bad_type[] = {"type", "hats", "marketplace", "amazon", NULL};
    const char *const bad_var[] = {"type",        "earrings", "marketplace",         "amazon",
                                   "group_sizes", "two",      "variations_category", "color",
                                   NULL};
    const char *const bad_mp_var[] = {
        "type",        "earrings", "marketplace",         "etsy",  "skuids", "R-1",
        "group_sizes", "1",        "variations_category", "color", NULL};
    char code[64];
    int before;
    (void)state;

    before = ca_upload_files(&off);
    assert_int_equal(post_one_photo("/catalog-ai", bad_mp, code, sizeof code), 400);
    assert_string_equal(code, "unknown_marketplace");
    assert_int_equal(post_one_photo("/catalog-ai", bad_type, code, sizeof code), 400);
    assert_string_equal(code, "unknown_marketplace");
    assert_int_equal(post_one_photo("/catalog_ai_variations", bad_var, code, sizeof code), 400);
    assert_string_equal(code, "bad_group_sizes");
    assert_int_equal(post_one_photo("/catalog_ai_variations", bad_mp_var, code, sizeof code), 400);
    assert_string_equal(code, "unknown_marketplace");
    assert_int_equal(ca_upload_files(&off), before);
}

/* Two uploads with one file name get SKUs of their own; one SKU given
 * twice is refused. */
static void test_sku_per_photo(void **state)
{
    long st;
    json_t *j;
    (void)state;
    j = ca_post_photos(&off, NULL, 2, 41, "earrings", "amazon", NULL, "IMG_0001.jpg", &st);
    assert_int_equal(st, 200);
    assert_string_equal(ca_str(attrs_at(j, 0), "item_sku"), "IMG_0001");
    assert_string_equal(ca_str(attrs_at(j, 1), "item_sku"), "IMG_0001-2");
    json_decref(j);
    j = ca_post_photos(&off, NULL, 2, 41, "earrings", "amazon", "R-1,R-1", "IMG_0001.jpg", &st);
    assert_int_equal(st, 400);
    assert_string_equal(ca_str(j, "code"), "duplicate_sku");
    json_decref(j);
}

static void test_templates_and_clear(void **state)
{
    long st;
    size_t n, n2, n3;
    unsigned char *tpl, *out, *cleared;
    char url[256];
    struct tu_resp r;
    json_t *j, *t, *c, *b;
    (void)state;

    /* a workbook with one row becomes the seller's template */
    j = ca_post_photos(&off, NULL, 1, 51, "earrings", "amazon", "TEMPLATE-ROW", NULL, &st);
    assert_int_equal(st, 200);
    tpl = ca_download(&off, ca_str(j, "excel_file"), &n);
    json_decref(j);
    struct tu_part p = {"file", "earrings_amz.xlsx",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", tpl,
                        n};
    snprintf(url, sizeof url, "%s/templates/amazon/earrings", off.base);
    assert_int_equal(tu_post_multipart(url, &p, 1, NULL, &r), 0);
    assert_int_equal(r.status, 201);
    t = ca_json(&r);
    tu_resp_free(&r);
    assert_non_null(strstr(ca_str(t, "url"), "/excel_files/"));
    assert_string_equal(ca_str(t, "filename"), "earrings_amz.xlsx");

    /* the next catalog fills a copy: our row replaces the template's */
    j = ca_post_photos(&off, NULL, 1, 52, "earrings", "amazon", "FILLED-1", NULL, &st);
    assert_int_equal(st, 200);
    assert_string_equal(ca_str(json_object_get(j, "template"), "url"), ca_str(t, "url"));
    out = ca_download(&off, ca_str(j, "excel_file"), &n2);
    ca_assert_row(out, n2, "Template", 3, 4, attrs_at(j, 0));
    free(out);
    json_decref(j);
    /* the stored template still has its row */
    out = ca_download(&off, ca_str(t, "url"), &n2);
    {
        char *v = ca_cell(out, n2, "Template", 1, 4);
        assert_string_equal(v, "TEMPLATE-ROW");
        free(v);
    }
    free(out);

    /* clear: a new, empty template; GET shows it */
    b = json_pack("{s:s, s:s}", "type", "earrings", "marketplace", "amazon");
    c = ca_post_json(&off, "/clear_excel_file", b, &st);
    assert_int_equal(st, 200);
    assert_string_not_equal(ca_str(c, "excel_file"), ca_str(t, "url"));
    assert_non_null(strstr(ca_str(c, "message"), "Cleared rows from row 4"));
    cleared = ca_download(&off, ca_str(c, "excel_file"), &n3);
    {
        char *v = ca_cell(cleared, n3, "Template", 1, 4);
        assert_true(!v || !*v);
        free(v);
        v = ca_cell(cleared, n3, "Template", 1, 3);
        assert_string_equal(v, "item_sku");
        free(v);
    }
    free(cleared);
    json_decref(t);
    t = ca_get_json(&off, "/templates/amazon/earrings", &st);
    assert_int_equal(st, 200);
    assert_string_equal(ca_str(t, "url"), ca_str(c, "excel_file"));
    json_decref(t);
    json_decref(c);
    json_decref(b);
    /* no template for this pair */
    b = json_pack("{s:s, s:s}", "type", "necklace", "marketplace", "meesho");
    c = ca_post_json(&off, "/clear_excel_file", b, &st);
    assert_int_equal(st, 404);
    json_decref(c);
    json_decref(b);
    free(tpl);
}

static void test_cloud_cache_prevents_second_call(void **state)
{
    long st;
    size_t g0, o0, n;
    unsigned char *x;
    json_t *j1, *j2;
    (void)state;

    ca_push_gemini(gem, 2, 0);
    ca_push_openai(oai, 2);
    g0 = fake_ai_count(gem);
    o0 = fake_ai_count(oai);
    j1 = ca_post_photos(&cloud, NULL, 2, 71, "earrings", "amazon", "CL-1,CL-2", NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(fake_ai_count(gem) - g0, 2);
    assert_int_equal(fake_ai_count(oai) - o0, 2);
    assert_string_equal(ca_str(attrs_at(j1, 0), "color_map"), "Gold");
    assert_string_equal(ca_str(attrs_at(j1, 0), "item_type_name"), "Jhumkis");
    /* the generated title reaches item_name on the first run (original bug) */
    assert_string_equal(ca_str(attrs_at(j1, 1), "item_name"),
                        "Alya Jewels Antique Gold Jhumka Earrings with Pearl Drops");
    assert_string_equal(ca_str(attrs_at(j1, 1), "bullet_point5"), "GIFTING: festive");
    x = ca_download(&cloud, ca_str(j1, "excel_file"), &n);
    ca_assert_row(x, n, "Template", 3, 4, attrs_at(j1, 0));
    ca_assert_row(x, n, "Template", 3, 5, attrs_at(j1, 1));
    free(x);
    /* the same SKUs and photos again: no provider request at all */
    j2 = ca_post_photos(&cloud, NULL, 2, 71, "earrings", "amazon", "CL-1,CL-2", NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(fake_ai_count(gem) - g0, 2);
    assert_int_equal(fake_ai_count(oai) - o0, 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *a = json_deep_copy(attrs_at(j1, i)), *b = json_deep_copy(attrs_at(j2, i));
        json_object_del(a, "filename"); /* each request stores its own upload */
        json_object_del(b, "filename");
        assert_true(json_equal(a, b));
        json_decref(a);
        json_decref(b);
    }
    /* wire format: the photo went to Gemini inline, the key in the header */
    {
        const struct fake_request *rq = fake_ai_request(gem, g0);
        json_t *body = fake_req_json(rq);
        assert_non_null(strstr(rq->url, ":generateContent"));
        assert_non_null(fake_req_header(rq, "x-goog-api-key"));
        assert_non_null(json_object_get(body, "contents"));
        json_decref(body);
    }
    json_decref(j1);
    json_decref(j2);
}

static void test_cloud_429_moves_to_next_key(void **state)
{
    long st;
    size_t g0;
    char *quota = fake_gemini_429("1s", 1);
    json_t *j;
    (void)state;

    g0 = fake_ai_count(gem);
    fake_ai_push(gem, 429, quota);
    ca_push_gemini(gem, 1, 0);
    ca_push_openai(oai, 1);
    j = ca_post_photos(&cloud, NULL, 1, 81, "earrings", "amazon", "Q-1", NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(fake_ai_count(gem) - g0, 2);
    const char *k1 = fake_req_header(fake_ai_request(gem, g0), "x-goog-api-key");
    const char *k2 = fake_req_header(fake_ai_request(gem, g0 + 1), "x-goog-api-key");
    assert_non_null(k1);
    assert_non_null(k2);
    assert_string_not_equal(k1, k2);
    assert_string_equal(ca_str(attrs_at(j, 0), "color_map"), "Gold");
    json_decref(j);
    free(quota);
}

static void test_cloud_fetches_loopback_when_allowed(void **state)
{
    size_t n;
    unsigned char *img = ca_photo(91, &n);
    struct fake_reply r = {200, (const char *)img, n, "image/jpeg", NULL, 0};
    char url[256];
    long st;
    json_t *b, *j;
    (void)state;

    fake_ai_push_reply(img_srv, &r);
    ca_push_gemini(gem, 1, 0);
    ca_push_openai(oai, 1);
    snprintf(url, sizeof url, "%s/shop/RING-9.jpg?v=2", fake_ai_base(img_srv));
    b = json_pack("{s:s, s:s, s:s}", "image_urls", url, "type", "earrings", "marketplace",
                  "amazon");
    j = ca_post_json(&cloud, "/catalog-ai", b, &st);
    assert_int_equal(st, 200);
    assert_int_equal(fake_ai_count(img_srv), 1);
    assert_string_equal(ca_str(attrs_at(j, 0), "skuid"), "RING-9"); /* from the URL's name */
    json_decref(j);
    json_decref(b);
    free(img);
}

/* Issue 12 §3: a variation job with a provider whose attributes contradict
 * the offline analysis (pearls where the photo has none) carries the
 * disagreement and the "needs review" notes into the job result's
 * warnings, the quality reasons and the CSV, as a plain catalog job does. */
#define PEARL_ATTRS                                                                                \
    "{\"Color\": \"Gold\", \"Pearl Type\": \"Freshwater\", \"Pearl Grade\": \"AAA\"}"
#define FK_COPY                                                                                    \
    "{\"Description\": \"Round earrings in a warm gold tone for everyday wear. They are light "    \
    "enough for a full day and pair well with ethnic and western outfits.\", \"Search "            \
    "Keywords\": \"everyday::office::gift\", \"Key Features\": \"Lightweight::Warm tone\"}"
static void test_variations_flag_provider_disagreement(void **state)
{
    char *u = ca_upload(&cloud, 51), *g = fake_gemini_text(PEARL_ATTRS),
         *o = fake_openai_chat(FK_COPY), *csv;
    long st;
    size_t n;
    json_t *b, *j, *entry, *w;
    int disagree = 0, review = 0;
    (void)state;

    fake_ai_push(gem, 200, g);
    for (int i = 0; i < 2; i++) /* the copy may be asked once more */
        fake_ai_push(oai, 200, o);
    b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "group_sizes", "1", "image_urls", u,
                  "variations_category", "color", "size_available", "S", "type", "earrings",
                  "marketplace", "flipkart", "skuids", "PV-1");
    j = ca_post_json(&cloud, "/catalog_ai_variations", b, &st);
    assert_int_equal(st, 200);
    size_t i;
    json_array_foreach(json_object_get(j, "results"), i, entry)
    {
        size_t k;
        json_array_foreach(json_object_get(entry, "warnings"), k, w)
        {
            disagree += !strcmp(ca_str(w, "problem"), "pearls_disagree");
            review += !strcmp(ca_str(w, "problem"), "needs_review");
        }
    }
    if (!disagree)
        fail_msg("no pearls_disagree: %s", json_dumps(j, 0));
    csv = (char *)ca_download(&cloud, ca_str(j, "csv_file"), &n);
    csv = realloc(csv, n + 1);
    csv[n] = '\0';
    assert_non_null(strstr(csv, "Pearl Type: pearls_disagree"));
    free(csv);
    json_decref(j);
    /* offline: the fields the photo cannot give are "needs review" on the child row */
    json_decref(b);
    free(u);
    u = ca_upload(&off, 52);
    b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "group_sizes", "1", "image_urls", u,
                  "variations_category", "color", "size_available", "S", "type", "earrings",
                  "marketplace", "flipkart", "skuids", "PV-2");
    j = ca_post_json(&off, "/catalog_ai_variations", b, &st);
    assert_int_equal(st, 200);
    json_array_foreach(json_object_get(j, "results"), i, entry)
    {
        size_t k;
        json_array_foreach(json_object_get(entry, "warnings"), k, w)
        {
            review += !strcmp(ca_str(w, "problem"), "needs_review");
        }
    }
    if (!review)
        fail_msg("no needs_review: %s", json_dumps(j, 0));
    json_decref(j);
    json_decref(b);
    free(g);
    free(o);
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offline_upload_sync_cell_by_cell),
        cmocka_unit_test(test_karat_urls_direct_and_ssrf_refused),
        cmocka_unit_test(test_async_job_status),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_given_sizes),
        cmocka_unit_test(test_bad_arguments_store_nothing),
        cmocka_unit_test(test_sku_per_photo),
        cmocka_unit_test(test_templates_and_clear),
        cmocka_unit_test(test_cloud_cache_prevents_second_call),
        cmocka_unit_test(test_cloud_429_moves_to_next_key),
        cmocka_unit_test(test_cloud_fetches_loopback_when_allowed),
        cmocka_unit_test(test_variations_flag_provider_disagreement),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
