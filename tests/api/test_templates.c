/*
 * test_templates.c - hostile seller templates against the real server.
 *
 * Workbooks are built in memory (xlsx_make.h): the worksheet as the last
 * zip entry (once a crash and a stored copy full of heap pointers), a part
 * with a DOCTYPE, a zip bomb, a corrupt central directory. A bad upload must
 * answer 400/413 and change nothing: no file in the blob store, no record.
 * Also: use_template must be a yes/no, and a file name that is not UTF-8
 * is cleaned (U+FFFD) before anything is saved, in templates and captions.
 */
#include <ftw.h>

#include "catalog_api.h"
#include "xlsx_make.h"

static struct tu_server srv;

static int setup(void **state)
{
    const char *const env[] = {"KARAT_ATTR_PROVIDER=offline", "KARAT_COPY_PROVIDER=offline",
                               "KARAT_IMAGE_PROVIDER=offline", NULL};
    (void)state;
    return tu_server_start_tmp(&srv, env);
}

static int teardown(void **state)
{
    (void)state;
    return tu_server_finish(&srv);
}

static int nfiles;
static int count_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path, (void)st, (void)ftw;
    nfiles += flag == FTW_F;
    return 0;
}

/* Files under the server's data folder but its database (the blob store). */
static int stored_files(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/blobs", srv.data_dir);
    nfiles = 0;
    nftw(dir, count_one, 16, FTW_PHYS);
    return nfiles;
}

/* POST /templates/<pair> with x as the file named name; the answer. */
static json_t *upload(const char *pair, const void *x, size_t n, const char *name, long *status,
                      struct tu_resp *keep)
{
    char url[256];
    struct tu_resp r;
    struct tu_part p = {"file", name, "application/octet-stream", x, n};
    json_t *j;
    snprintf(url, sizeof url, "%s/templates/%s", srv.base, pair);
    assert_int_equal(tu_post_multipart(url, &p, 1, NULL, &r), 0);
    *status = r.status;
    j = ca_json(&r);
    if (keep)
        *keep = r;
    else
        tu_resp_free(&r);
    return j;
}

/* The worksheet first, in the middle and last: 201, the stored copy is the
 * upload byte for byte, and clear and a catalog job then use it. */
static void test_sheet_anywhere_in_the_zip(void **state)
{
    (void)state;
    for (int pos = -1; pos <= 1; pos++) {
        size_t n, got;
        unsigned char *x = tu_xlsx_min(&(struct tu_xlsx_parts){.sheet_pos = pos}, &n), *back;
        long st;
        json_t *t = upload("flipkart/earrings", x, n, "mine.xlsx", &st, NULL), *b, *c;
        assert_int_equal(st, 201);
        assert_true(stored_files() > 0);
        back = ca_download(&srv, ca_str(t, "url"), &got);
        assert_int_equal(got, n);
        assert_memory_equal(back, x, n);
        free(back);
        b = json_pack("{s:s, s:s}", "type", "earrings", "marketplace", "flipkart");
        c = ca_post_json(&srv, "/clear_excel_file", b, &st);
        assert_int_equal(st, 200);
        back = ca_download(&srv, ca_str(c, "excel_file"), &got);
        char *v = ca_cell(back, got, "earring", 0, 1);
        assert_string_equal(v, "Seller SKU ID");
        free(v);
        free(back);
        json_decref(c);
        json_decref(b);
        c = ca_post_photos(&srv, NULL, 1, 70 + pos, "earrings", "flipkart", "POS-SKU", NULL, &st);
        assert_int_equal(st, 200);
        back = ca_download(&srv, ca_str(c, "excel_file"), &got);
        v = ca_cell(back, got, "earring", 0, 5);
        assert_string_equal(v, "POS-SKU");
        free(v);
        free(back);
        json_decref(c);
        json_decref(t);
        free(x);
    }
}

static unsigned char *bomb(size_t *n)
{
    size_t len = 16u << 20;
    char *sheet = malloc(len);
    const char *head = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
                       "main\"><sheetData>",
               *tail = "</sheetData></worksheet>";
    unsigned char *x;
    memset(sheet, ' ', len);
    memcpy(sheet, head, strlen(head));
    memcpy(sheet + len - strlen(tail), tail, strlen(tail));
    x = tu_xlsx_min(&(struct tu_xlsx_parts){.sheet = sheet, .sheet_len = len, .sheet_pos = -1}, n);
    free(sheet);
    return x;
}

static void expect_refused(const unsigned char *x, size_t n, long want, const char *code)
{
    long st;
    int before = stored_files();
    json_t *j = upload("flipkart/bracelet", x, n, "bad.xlsx", &st, NULL);
    if (st != want || strcmp(ca_str(j, "code"), code))
        fail_msg("got %ld %s (%s), want %ld %s", st, ca_str(j, "code"), ca_str(j, "error"), want,
                 code);
    json_decref(j);
    assert_int_equal(stored_files(), before);
    j = ca_get_json(&srv, "/templates/flipkart/bracelet", &st);
    assert_int_equal(st, 404);
    json_decref(j);
}

static void test_hostile_uploads_change_nothing(void **state)
{
    size_t n;
    char *wb = tu_xml_laughs("<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"
                             "2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/"
                             "officeDocument/2006/relationships\"><sheets><sheet name=\"",
                             "\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>", 10000, 2000);
    unsigned char *x;
    (void)state;
    x = tu_xlsx_min(&(struct tu_xlsx_parts){.workbook = wb, .sheet_pos = -1}, &n);
    expect_refused(x, n, 400, "bad_template");
    free(x);
    free(wb);
    x = bomb(&n);
    assert_true(n < 100 * 1024);
    expect_refused(x, n, 413, "template_too_large");
    free(x);
    x = tu_xlsx_min(&(struct tu_xlsx_parts){.sheet_pos = 1}, &n);
    assert_int_equal(tu_zip_break_offset(x, n, "[Content_Types].xml"), 0);
    expect_refused(x, n, 400, "bad_template");
    free(x);
}

/* A multipart POST to path on the server; the answer's status and JSON. */
static json_t *post_form(const char *path, const struct tu_part *parts, size_t n, long *status)
{
    struct tu_resp r;
    char url[256];
    json_t *j;
    snprintf(url, sizeof url, "%s%s", srv.base, path);
    assert_int_equal(tu_post_multipart(url, parts, n, NULL, &r), 0);
    *status = r.status;
    j = ca_json(&r);
    tu_resp_free(&r);
    return j;
}

static void test_use_template_is_yes_or_no(void **state)
{
    long st;
    int before = stored_files();
    json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "image_urls", "https://example.com/a.jpg",
                          "marketplace", "amazon", "type", "earrings", "use_template", "maybe");
    json_t *j = ca_post_json(&srv, "/catalog-ai", b, &st);
    (void)state;
    assert_int_equal(st, 400);
    assert_non_null(strstr(ca_str(j, "error"), "use_template"));
    json_decref(j);
    json_decref(b);
    /* a form with a photo: refused before the photo is saved */
    size_t n;
    unsigned char *img = ca_photo(80, &n);
    struct tu_part parts[] = {{"files", "p.jpg", "image/jpeg", img, n},
                              {"type", NULL, NULL, "earrings", 0},
                              {"marketplace", NULL, NULL, "amazon", 0},
                              {"append", NULL, NULL, "sometimes", 0}};
    j = post_form("/catalog-ai", parts, 4, &st);
    assert_int_equal(st, 400);
    assert_non_null(strstr(ca_str(j, "error"), "append"));
    json_decref(j);
    free(img);
    assert_int_equal(stored_files(), before);
}

static void test_bad_utf8_file_names_cleaned(void **state)
{
    size_t n;
    unsigned char *x = tu_xlsx_min(&(struct tu_xlsx_parts){.sheet_pos = 0}, &n), *img;
    long st;
    json_t *j = upload("shopsy/earrings", x, n, "t\xff\xc3.xlsx", &st, NULL);
    (void)state;
    assert_int_equal(st, 201);
    assert_string_equal(ca_str(j, "filename"), "t\xef\xbf\xbd\xef\xbf\xbd.xlsx");
    json_decref(j);
    free(x);
    /* captions keep display_name */
    img = ca_photo(81, &n);
    struct tu_part parts[] = {{"file", "ring\xed\xa0\x80.jpg", "image/jpeg", img, n},
                              {"type", NULL, NULL, "earrings", 0}};
    j = post_form("/generate_caption", parts, 2, &st);
    assert_int_equal(st, 200);
    assert_string_equal(ca_str(j, "display_name"), "ring\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.jpg");
    json_decref(j);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sheet_anywhere_in_the_zip),
        cmocka_unit_test(test_hostile_uploads_change_nothing),
        cmocka_unit_test(test_use_template_is_yes_or_no),
        cmocka_unit_test(test_bad_utf8_file_names_cleaned),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
