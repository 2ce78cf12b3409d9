/*
 * test_pipeline.c - the catalog pipeline end to end with the offline
 * provider: photos -> job -> rows -> .xlsx and .csv checked cell by cell;
 * one bad photo does not lose the others; the SKU cache stops repeat model
 * calls and is keyed by marketplace and photo; the seller's template is
 * filled (replace and append) without changing the template; requests are
 * checked before any job exists.
 */
#include <pthread.h>

#include "pipeline_test.h"

#include "core/util.h"

static void test_amazon_sheet_cell_by_cell(void **state)
{
    struct pt t;
    char p[3][700];
    const char *skus_v[] = {"ER-1.5", "ER-2", "ER-3"};
    json_t *refs, *skus, *st, *result, *results, *cells;
    struct sheet_schema *s;
    const char *xlsx, *csv_path;
    size_t csv_len;
    char *csv;
    (void)state;

    pt_open(&t, 1, NULL);
    for (int i = 0; i < 3; i++)
        pt_photo(&t, i == 0 ? "a.jpg" : i == 1 ? "b.jpg" : "c.jpg", i + 1, p[i], sizeof p[i]);
    const char *refs_v[] = {p[0], p[1], p[2]};
    refs = pt_strings(refs_v, 3);
    skus = pt_strings(skus_v, 3);
    st = pt_catalog(&t, "Amazon", "earring", refs, skus, NULL, 0);
    assert_string_equal(pt_str(st, "status"), "done");
    result = json_object_get(st, "result");
    results = json_object_get(result, "results");
    assert_int_equal(json_array_size(results), 3);
    assert_int_equal(json_integer_value(json_object_get(result, "rows")), 3);
    assert_string_equal(pt_str(result, "marketplace"), "amazon");
    assert_string_equal(pt_str(result, "product_type"), "earrings");
    xlsx = pt_str(result, "excel_file");
    csv_path = pt_str(result, "csv_file");
    assert_true(util_file_exists(xlsx));

    s = pt_schema(&t, "amazon", "earrings");
    /* the header row carries the column keys, in schema order */
    cells = tu_xlsx_rows(xlsx, sheet_sheet_name(s));
    for (size_t i = 0; i < sheet_ncolumns(s); i++)
        pt_cell_is(cells, sheet_sheet_name(s), i, sheet_header_row(s), sheet_column(s, i)->name);
    json_decref(cells);
    for (int r = 0; r < 3; r++) {
        json_t *a = json_object_get(json_array_get(results, (size_t)r), "attributes");
        /* the SKU is kept whole (the original cut "ER-1.5" at the dot) */
        assert_string_equal(pt_str(a, "item_sku"), skus_v[r]);
        assert_string_equal(pt_str(a, "skuid"), skus_v[r]);
        assert_string_equal(pt_str(a, "filename"), p[r]);
        assert_string_equal(pt_str(a, "feed_product_type"), "earrings");
        assert_string_equal(pt_str(a, "brand_name"), "Alya Jewels");
        assert_true(strlen(pt_str(a, "item_name")) > 0); /* the title reaches its column */
        assert_string_equal(pt_str(a, "description"), pt_str(a, "product_description"));
        assert_non_null(json_object_get(json_array_get(results, (size_t)r), "warnings"));
        /* issue 12: the offline row passes the row check (score and reasons in the result) */
        json_t *q = json_object_get(json_array_get(results, (size_t)r), "quality");
        if (!json_is_true(json_object_get(q, "passed")))
            fail_msg("offline row fails: %s",
                     json_dumps(json_object_get(json_array_get(results, (size_t)r), "warnings"), 0));
        assert_true(json_integer_value(json_object_get(q, "score")) > 0);
        assert_null(json_object_get(a, "quality_score")); /* not a sheet column */
        pt_assert_row(xlsx, s, sheet_first_data_row(s) + r, a);
    }
    /* nothing after the last row */
    pt_assert_cell(xlsx, sheet_sheet_name(s), 1, sheet_first_data_row(s) + 3, "");

    /* CSV: header line of column names, then the SKUs in order */
    csv = (char *)tu_read_file(csv_path, &csv_len);
    assert_non_null(csv);
    assert_int_equal(strncmp(csv, "feed_product_type,item_sku,", 27), 0);
    assert_non_null(strstr(csv, "\r\nearrings,ER-1.5,"));
    assert_true(strstr(csv, "ER-2,") > strstr(csv, "ER-1.5,"));
    assert_true(strstr(csv, "ER-3,") > strstr(csv, "ER-2,"));
    assert_non_null(strstr(csv, ",quality_score,quality_reasons\r\n"));
    free(csv);
    sheet_schema_free(s);
    json_decref(st);
    json_decref(refs);
    json_decref(skus);
    pt_close(&t);
}

static void test_one_bad_photo_keeps_the_rest(void **state)
{
    struct pt t;
    char good1[700], good2[700], text[700], missing[700];
    json_t *refs, *st, *result, *results, *items;
    struct sheet_schema *s;
    (void)state;

    pt_open(&t, 0, NULL);
    pt_photo(&t, "SKU-A.jpg", 3, good1, sizeof good1);
    pt_photo(&t, "SKU-D.png", 4, good2, sizeof good2);
    snprintf(text, sizeof text, "%s/SKU-B.jpg", t.dir);
    tu_write_file(text, "not an image at all", 19);
    snprintf(missing, sizeof missing, "%s/SKU-C.jpg", t.dir);
    const char *v[] = {good1, text, missing, good2};
    refs = pt_strings(v, 4);
    st = pt_catalog(&t, "flipkart", "earrings", refs, NULL, NULL, 0);
    assert_string_equal(pt_str(st, "status"), "done");
    assert_int_equal(json_integer_value(json_object_get(st, "failed")), 2);
    items = json_object_get(st, "items");
    assert_string_equal(pt_str(json_object_get(json_array_get(items, 1), "error"), "code"),
                        "not_an_image");
    assert_string_equal(pt_str(json_array_get(items, 2), "status"), "failed");
    result = json_object_get(st, "result");
    results = json_object_get(result, "results");
    assert_int_equal(json_array_size(results), 4);
    assert_int_equal(json_integer_value(json_object_get(result, "rows")), 2);
    /* catalog_io.listed heard of the two listed photos only (products/) */
    assert_int_equal(__atomic_load_n(&t.listed, __ATOMIC_SEQ_CST), 2);
    /* failed entries keep their SKU (from the file name) and carry the error */
    assert_string_equal(pt_str(json_object_get(json_array_get(results, 1), "attributes"), "skuid"),
                        "SKU-B");
    assert_non_null(json_object_get(json_array_get(results, 1), "error"));
    assert_null(json_object_get(json_array_get(results, 0), "error"));
    /* the sheet has the two good rows, in order, on the Flipkart data sheet */
    s = pt_schema(&t, "flipkart", "earrings");
    {
        size_t sku_col = 0;
        while (strcmp(sheet_column(s, sku_col)->name, "Seller SKU ID"))
            sku_col++;
        pt_assert_cell(pt_str(result, "excel_file"), sheet_sheet_name(s), sku_col,
                       sheet_first_data_row(s), "SKU-A");
        pt_assert_cell(pt_str(result, "excel_file"), sheet_sheet_name(s), sku_col,
                       sheet_first_data_row(s) + 1, "SKU-D");
        pt_assert_cell(pt_str(result, "excel_file"), sheet_sheet_name(s), sku_col,
                       sheet_first_data_row(s) + 2, "");
    }
    pt_assert_row(pt_str(result, "excel_file"), s, sheet_first_data_row(s),
                  json_object_get(json_array_get(results, 0), "attributes"));
    sheet_schema_free(s);
    json_decref(st);
    json_decref(refs);
    pt_close(&t);
}

static void test_all_bad_fails_job(void **state)
{
    struct pt t;
    char text[700];
    json_t *refs, *st;
    (void)state;

    pt_open(&t, 0, NULL);
    snprintf(text, sizeof text, "%s/x.jpg", t.dir);
    tu_write_file(text, "nope", 4);
    const char *v[] = {text};
    refs = pt_strings(v, 1);
    st = pt_catalog(&t, "meesho", "necklace", refs, NULL, NULL, 0);
    assert_string_equal(pt_str(st, "status"), "failed");
    assert_string_equal(pt_str(json_object_get(st, "error"), "code"), "no_rows");
    assert_int_equal(t.saves, 0); /* no file written */
    json_decref(st);
    json_decref(refs);
    pt_close(&t);
}

static json_t *values_of(json_t *st, size_t i)
{
    return json_object_get(
        json_array_get(json_object_get(json_object_get(st, "result"), "results"), i), "attributes");
}

static void test_sku_cache(void **state)
{
    struct pt t;
    char p1[700], p2[700], p1b[700];
    const char *skus_v[] = {"CACHE-1", "CACHE-2"};
    json_t *refs, *skus, *st1, *st2, *st3, *st4, *refs_b;
    struct catalog_stats a, b, c, d;
    (void)state;

    pt_open(&t, 1, NULL);
    pt_photo(&t, "p1.jpg", 5, p1, sizeof p1);
    pt_photo(&t, "p2.jpg", 6, p2, sizeof p2);
    pt_photo(&t, "p1b.jpg", 9, p1b, sizeof p1b);
    const char *v[] = {p1, p2}, *vb[] = {p1b, p2};
    refs = pt_strings(v, 2);
    refs_b = pt_strings(vb, 2);
    skus = pt_strings(skus_v, 2);

    st1 = pt_catalog(&t, "amazon", "necklace", refs, skus, NULL, 0);
    catalog_get_stats(t.cat, &a);
    assert_int_equal(a.extract_calls, 2);
    assert_true(a.copy_calls >= 2);
    /* the same SKUs again: attributes and copy from the cache */
    st2 = pt_catalog(&t, "amazon", "necklace", refs, skus, NULL, 0);
    catalog_get_stats(t.cat, &b);
    assert_int_equal(b.extract_calls, a.extract_calls);
    for (size_t i = 0; i < 2; i++) {
        json_t *r = json_object_get(
            json_object_get(json_array_get(json_object_get(st2, "items"), i), "item"), "sku");
        assert_string_equal(json_string_value(r), skus_v[i]);
        assert_true(json_equal(values_of(st1, i), values_of(st2, i)));
    }
    /* a new photo for CACHE-1: its attributes are read again, its copy is not */
    st3 = pt_catalog(&t, "amazon", "necklace", refs_b, skus, NULL, 0);
    catalog_get_stats(t.cat, &c);
    assert_int_equal(c.extract_calls, b.extract_calls + 1);
    /* another marketplace never reuses Amazon's answers */
    st4 = pt_catalog(&t, "flipkart", "necklace", refs, skus, NULL, 0);
    catalog_get_stats(t.cat, &d);
    assert_int_equal(d.extract_calls, c.extract_calls + 2);
    assert_true(d.copy_calls >= c.copy_calls + 2);
    json_decref(st1);
    json_decref(st2);
    json_decref(st3);
    json_decref(st4);
    json_decref(refs);
    json_decref(refs_b);
    json_decref(skus);
    pt_close(&t);
}

/* A seller template: the fresh workbook of one example row. */
static void make_template(struct pt *t, const struct sheet_schema *s, char *path, size_t n)
{
    json_t *rows = json_array(), *row = json_object();
    json_object_set_new(row, "item_sku", json_string("EXAMPLE-1"));
    json_object_set_new(row, "item_name", json_string("Example row the seller keeps"));
    json_array_append_new(rows, row);
    snprintf(path, n, "%s/seller_template.xlsx", t->dir);
    assert_int_equal(sheet_write_xlsx_file(s, rows, path, NULL), KR_OK);
    json_decref(rows);
}

static void test_template_fill(void **state)
{
    struct pt t;
    char p1[700], tpl[700];
    const char *skus_v[] = {"TPL-1"};
    json_t *refs, *skus, *st;
    struct sheet_schema *s;
    unsigned char *before, *after;
    size_t nb, na;
    const char *out;
    int first;
    (void)state;

    pt_open(&t, 0, NULL);
    s = pt_schema(&t, "amazon", "bracelet");
    first = sheet_first_data_row(s);
    make_template(&t, s, tpl, sizeof tpl);
    before = tu_read_file(tpl, &nb);
    pt_photo(&t, "b1.jpg", 7, p1, sizeof p1);
    const char *v[] = {p1};
    refs = pt_strings(v, 1);
    skus = pt_strings(skus_v, 1);

    /* replace: the example row is gone, ours is at the first data row */
    st = pt_catalog(&t, "amazon", "bracelet", refs, skus, tpl, 0);
    assert_string_equal(pt_str(st, "status"), "done");
    out = pt_str(json_object_get(st, "result"), "excel_file");
    assert_string_equal(pt_str(json_object_get(json_object_get(st, "result"), "template"), "mode"),
                        "replace");
    pt_assert_cell(out, sheet_sheet_name(s), 1, first, "TPL-1");
    pt_assert_cell(out, sheet_sheet_name(s), 1, first + 1, "");
    pt_assert_row(out, s, first, values_of(st, 0));
    json_decref(st);

    /* append: the example row stays, ours follows */
    st = pt_catalog(&t, "amazon", "bracelet", refs, skus, tpl, 1);
    out = pt_str(json_object_get(st, "result"), "excel_file");
    pt_assert_cell(out, sheet_sheet_name(s), 1, first, "EXAMPLE-1");
    pt_assert_cell(out, sheet_sheet_name(s), 1, first + 1, "TPL-1");
    json_decref(st);

    /* the template file itself never changes */
    after = tu_read_file(tpl, &na);
    assert_int_equal(na, nb);
    assert_memory_equal(before, after, nb);
    free(before);
    free(after);
    sheet_schema_free(s);
    json_decref(refs);
    json_decref(skus);
    pt_close(&t);
}

/* Issue 12 §1: the seller's height / width (request, mm) fill the size
 * columns in each column's unit, reach the copy, and a size no earring has
 * (16 cm) is flagged by the row check. */
static json_t *sized_run(struct pt *t, const char *mp, json_t *refs, double h, double w)
{
    json_t *sizes = json_pack("[{s:f, s:f}, {s:f, s:f}]", "height_mm", h, "width_mm", w,
                              "height_mm", 160.0, "width_mm", w);
    struct catalog_req r = {mp, "earrings", refs, NULL, 0, NULL, 0, NULL, sizes};
    json_t *params = NULL, *items = NULL, *st;
    struct kr_err err = {0};
    assert_int_equal(catalog_job_input(t->cat, &r, &params, &items, &err), KR_OK);
    st = pt_run(t, CATALOG_JOB, params, items);
    json_decref(params);
    json_decref(items);
    json_decref(sizes);
    return st;
}

static int has_warning(json_t *entry, const char *column, const char *problem)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(entry, "warnings"), i, w)
    {
        if (!strcmp(pt_str(w, "column"), column) && !strcmp(pt_str(w, "problem"), problem))
            return 1;
    }
    return 0;
}

static void test_given_sizes(void **state)
{
    struct pt t;
    char p[2][700];
    json_t *refs, *st, *res, *a;
    (void)state;
    pt_open(&t, 1, NULL); /* with the store, so the SKU cache is on */
    pt_photo(&t, "s1.jpg", 1, p[0], sizeof p[0]);
    pt_photo(&t, "s2.jpg", 2, p[1], sizeof p[1]);
    const char *refs_v[] = {p[0], p[1]};
    refs = pt_strings(refs_v, 2);

    /* the same SKUs listed first without a size: their copy is cached, and a
     * size given later must still reach the bullets (not the cached copy) */
    {
        struct catalog_req r0 = {"amazon", "earrings", refs, NULL, 0, NULL, 0, NULL, NULL};
        json_t *params = NULL, *items = NULL;
        struct kr_err err = {0};
        assert_int_equal(catalog_job_input(t.cat, &r0, &params, &items, &err), KR_OK);
        st = pt_run(&t, CATALOG_JOB, params, items);
        assert_string_equal(pt_str(st, "status"), "done");
        json_decref(st);
        json_decref(params);
        json_decref(items);
    }
    st = sized_run(&t, "amazon", refs, 32, 18);
    assert_string_equal(pt_str(st, "status"), "done");
    res = json_object_get(json_object_get(st, "result"), "results");
    a = json_object_get(json_array_get(res, 0), "attributes");
    assert_string_equal(pt_str(a, "item_height"), "3.2"); /* cm, as item_height_unit_of_measure */
    assert_string_equal(pt_str(a, "item_width"), "1.8");
    /* the size bullet states it */
    char *row = json_dumps(a, 0);
    assert_non_null(strstr(row, "about 1.8 x 3.2 cm") ? row : strstr(row, "about 3.2 x 1.8 cm"));
    free(row);
    assert_false(has_warning(json_array_get(res, 0), "item_height", "implausible_number"));
    assert_true(has_warning(json_array_get(res, 1), "item_height", "implausible_number"));
    json_decref(st);

    st = sized_run(&t, "flipkart", refs, 32, 18);
    res = json_object_get(json_object_get(st, "result"), "results");
    a = json_object_get(json_array_get(res, 0), "attributes");
    assert_string_equal(pt_str(a, "Height (mm)"), "32");
    assert_string_equal(pt_str(a, "Width (mm)"), "18");
    assert_true(has_warning(json_array_get(res, 1), "Height (mm)", "implausible_number"));
    json_decref(st);
    json_decref(refs);
    pt_close(&t);
}

static void test_request_checks(void **state)
{
    struct pt t;
    struct kr_err err = {0};
    json_t *arr = json_array(), *v, *params = NULL, *items = NULL;
    const char *two[] = {"a.jpg", "b.jpg"}, *one[] = {"S1"};
    json_t *refs = pt_strings(two, 2), *skus = pt_strings(one, 1), *none = json_array();
    struct catalog_req r = {"amazon", "earrings", refs, skus, 0, NULL, 0, NULL, NULL};
    (void)state;

    pt_open(&t, 0, NULL);
    v = json_string(" a, b ,,c ");
    assert_int_equal(catalog_list_arg(v, 10, 64, "x", arr, &err), KR_OK);
    assert_int_equal(json_array_size(arr), 3);
    assert_string_equal(json_string_value(json_array_get(arr, 1)), "b");
    assert_int_equal(catalog_list_arg(v, 2, 64, "x", none, &err), KR_ELIMIT);
    json_decref(v);
    v = json_string("ok,bad\x01value");
    assert_int_equal(catalog_list_arg(v, 10, 64, "x", arr, &err), KR_EINVAL);
    json_decref(v);
    v = json_integer(3);
    assert_int_equal(catalog_list_arg(v, 10, 64, "x", arr, &err), KR_EINVAL);
    json_decref(v);

    /* counts must match (the original silently dropped the extra photo) */
    assert_int_equal(catalog_job_input(t.cat, &r, &params, &items, &err), KR_EINVAL);
    assert_string_equal(err.slug, "sku_count_mismatch");
    assert_null(params);
    r.marketplace = "etsy";
    assert_int_equal(catalog_job_input(t.cat, &r, &params, &items, &err), KR_EINVAL);
    assert_string_equal(err.slug, "unknown_marketplace");
    r.marketplace = "amazon";
    r.refs = none;
    assert_int_equal(catalog_job_input(t.cat, &r, &params, &items, &err), KR_EINVAL);
    /* without SKUs: the file names */
    r.refs = refs;
    r.skus = NULL;
    assert_int_equal(catalog_job_input(t.cat, &r, &params, &items, &err), KR_OK);
    assert_string_equal(pt_str(json_array_get(items, 1), "sku"), "b");
    assert_string_equal(pt_str(params, "product_type"), "earrings");
    assert_null(json_object_get(params, "template"));
    json_decref(params);
    json_decref(items);
    /* one file name in two folders: the second SKU gets a suffix; the same
     * SKU given twice by the seller is refused */
    {
        const char *same[] = {"https://x/a/ring.jpg", "https://x/b/ring.jpg",
                              "https://x/ring-2.png"};
        const char *dup[] = {"R1", "R2", "R1"};
        json_t *refs3 = pt_strings(same, 3), *skus3 = pt_strings(dup, 3);
        r.refs = refs3;
        assert_int_equal(catalog_job_input(t.cat, &r, &params, &items, &err), KR_OK);
        assert_string_equal(pt_str(json_array_get(items, 0), "sku"), "ring");
        assert_string_equal(pt_str(json_array_get(items, 1), "sku"), "ring-2");
        assert_string_equal(pt_str(json_array_get(items, 2), "sku"), "ring-2-2");
        json_decref(params);
        json_decref(items);
        r.skus = skus3;
        assert_int_equal(catalog_job_input(t.cat, &r, &params, &items, &err), KR_EINVAL);
        assert_string_equal(err.slug, "duplicate_sku");
        assert_null(items);
        r.refs = refs;
        r.skus = NULL;
        json_decref(refs3);
        json_decref(skus3);
    }
    json_decref(arr);
    json_decref(refs);
    json_decref(skus);
    json_decref(none);
    pt_close(&t);
}

/* A fixture with a store and the bytes of an Amazon earrings template. */
static unsigned char *open_with_template(struct pt *t, struct sheet_schema **s, size_t *n)
{
    char tpl[700];
    pt_open(t, 1, NULL);
    *s = pt_schema(t, "amazon", "earrings");
    make_template(t, *s, tpl, sizeof tpl);
    return tu_read_file(tpl, n);
}

static void test_stored_template_records(void **state)
{
    struct pt t;
    struct kr_err err = {0};
    json_t *doc = NULL, *got = NULL, *cleared = NULL;
    struct sheet_schema *s;
    unsigned char *bytes;
    size_t n;
    (void)state;

    bytes = open_with_template(&t, &s, &n);
    assert_int_equal(catalog_template_get(t.cat, "amazon", "earrings", &got, &err), KR_ENOTFOUND);
    assert_int_equal(
        catalog_template_put(
            t.cat, &(struct catalog_template_upload){"Amazon", "earring", "not a zip", 9, "x.xlsx"},
            &doc, &err),
        KR_EINVAL);
    assert_int_equal(catalog_template_put(t.cat,
                                          &(struct catalog_template_upload){"Amazon", "earring",
                                                                            bytes, n, "mine.xlsx"},
                                          &doc, &err),
                     KR_OK);
    assert_string_equal(pt_str(doc, "marketplace"), "amazon");
    assert_string_equal(pt_str(doc, "filename"), "mine.xlsx");
    assert_int_equal(catalog_template_get(t.cat, "amazon", "earrings", &got, &err), KR_OK);
    assert_string_equal(pt_str(got, "url"), pt_str(doc, "url"));
    /* clearing writes a new file without the example row and repoints the record */
    assert_int_equal(catalog_template_clear(t.cat, "amazon", "earrings", &cleared, &err), KR_OK);
    assert_string_not_equal(pt_str(cleared, "url"), pt_str(doc, "url"));
    pt_assert_cell(pt_str(cleared, "url"), sheet_sheet_name(s), 1, sheet_first_data_row(s), "");
    pt_assert_cell(pt_str(doc, "url"), sheet_sheet_name(s), 1, sheet_first_data_row(s),
                   "EXAMPLE-1");
    json_decref(got);
    assert_int_equal(catalog_template_get(t.cat, "amazon", "earrings", &got, &err), KR_OK);
    assert_string_equal(pt_str(got, "url"), pt_str(cleared, "url"));
    free(bytes);
    json_decref(doc);
    json_decref(got);
    json_decref(cleared);
    sheet_schema_free(s);
    pt_close(&t);
}

static void *admit_waiting(void *cat)
{
    assert_int_equal(catalog_template_admit(cat, 1, NULL), KR_OK);
    return NULL;
}

/* Template slots: full means 429 for uploads with nothing saved, and a
 * waiting admit (job output) gets the next free slot. Names must be text. */
static void test_template_admission(void **state)
{
    struct pt t;
    struct kr_err err = {0};
    json_t *doc = NULL;
    struct sheet_schema *s;
    unsigned char *bytes;
    size_t n;
    pthread_t waiter;
    (void)state;

    bytes = open_with_template(&t, &s, &n);
    assert_int_equal(catalog_template_put(t.cat,
                                          &(struct catalog_template_upload){
                                              "amazon", "earrings", bytes, n, "bad\xff.xlsx"},
                                          &doc, &err),
                     KR_EINVAL);
    assert_string_equal(err.slug, "bad_filename");
    assert_int_equal(catalog_template_admit(t.cat, 0, &err), KR_OK);
    assert_int_equal(catalog_template_admit(t.cat, 0, &err), KR_OK); /* default: 2 */
    assert_int_equal(catalog_template_admit(t.cat, 0, &err), KR_ERATELIMIT);
    assert_string_equal(err.slug, "busy");
    assert_int_equal(catalog_template_put(t.cat,
                                          &(struct catalog_template_upload){"amazon", "earrings",
                                                                            bytes, n, "mine.xlsx"},
                                          &doc, &err),
                     KR_ERATELIMIT);
    assert_null(doc);
    assert_int_equal(t.saves, 0);
    assert_int_equal(catalog_template_get(t.cat, "amazon", "earrings", &doc, &err), KR_ENOTFOUND);
    assert_int_equal(pthread_create(&waiter, NULL, admit_waiting, t.cat), 0);
    catalog_template_release(t.cat);
    assert_int_equal(pthread_join(waiter, NULL), 0); /* it took the freed slot */
    assert_int_equal(catalog_template_admit(t.cat, 0, &err), KR_ERATELIMIT);
    catalog_template_release(t.cat);
    catalog_template_release(t.cat);
    assert_int_equal(catalog_template_put(t.cat,
                                          &(struct catalog_template_upload){"amazon", "earrings",
                                                                            bytes, n, "mine.xlsx"},
                                          &doc, &err),
                     KR_OK);
    assert_int_equal(t.saves, 1);
    json_decref(doc);
    free(bytes);
    sheet_schema_free(s);
    pt_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amazon_sheet_cell_by_cell),
        cmocka_unit_test(test_one_bad_photo_keeps_the_rest),
        cmocka_unit_test(test_all_bad_fails_job),
        cmocka_unit_test(test_sku_cache),
        cmocka_unit_test(test_template_fill),
        cmocka_unit_test(test_request_checks),
        cmocka_unit_test(test_given_sizes),
        cmocka_unit_test(test_stored_template_records),
        cmocka_unit_test(test_template_admission),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
