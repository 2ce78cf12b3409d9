/*
 * test_lint_sheet.c - `karat lint-sheet` (issue 12 §3): an offline sheet
 * of every marketplace x type passes with nothing but "needs review"
 * fields; a seller's sheet with promotional text, a URL, too many search
 * terms, a pearl grade without pearls and a 16 cm earring fails (exit 1)
 * with those reasons; usage errors exit 2.
 */
#include "catalog_api.h"
#include "xlsx_make.h"

static char dir[256];

static const char *const env[] = {"KARAT_ATTR_PROVIDER=offline", "KARAT_COPY_PROVIDER=offline",
                                  "KARAT_IMAGE_PROVIDER=offline", "KARAT_LOG_LEVEL=warn", NULL};

/* Problems other than needs_review in a lint report, as "column:problem;...". */
static void problems(json_t *report, char *out, size_t n)
{
    size_t i, k;
    json_t *r, *w;
    out[0] = '\0';
    json_array_foreach(json_object_get(report, "results"), i, r)
    {
        json_array_foreach(json_object_get(r, "warnings"), k, w)
        {
            const char *p = json_string_value(json_object_get(w, "problem"));
            if (strcmp(p, "needs_review") != 0)
                snprintf(out + strlen(out), n - strlen(out), "%s:%s;",
                         json_string_value(json_object_get(w, "column")), p);
        }
    }
}

static void test_offline_sheets_pass(void **state)
{
    static const char *const mps[] = {"amazon", "flipkart", "meesho", "shopsy"};
    static const char *const types[] = {"earrings", "necklace", "bracelet"};
    const char *bin = getenv("KARAT_BIN");
    char photo[512], out[512], profile[512], found[4096];
    struct tu_img_opts o = {.width = 800, .height = 800, .seed = 7};
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    tu_write_image(dir, "piece.jpg", &o);
    snprintf(photo, sizeof photo, "%s/piece.jpg", dir);
    snprintf(profile, sizeof profile, "%s/data/profiles/example.json", getenv("KARAT_SOURCE_DIR"));
    for (size_t m = 0; m < 4; m++)
        for (size_t t = 0; t < 3; t++) {
            char *text = NULL;
            snprintf(out, sizeof out, "%s/%s-%s.xlsx", dir, mps[m], types[t]);
            const char *cat[] = {bin,      "catalog", "--marketplace", mps[m],
                                 "--type", types[t],  "--profile",     profile,
                                 "-o",     out,       photo,           NULL};
            assert_int_equal(tu_run(cat, env, NULL), 0);
            const char *lint[] = {bin,    "lint-sheet", out,      "--marketplace",
                                  mps[m], "--type",     types[t], NULL};
            int rc = tu_run(lint, env, &text);
            json_t *report = json_loads(text ? text : "", 0, NULL);
            assert_non_null(report);
            problems(report, found, sizeof found);
            if (rc != 0 || found[0])
                fail_msg("%s %s: exit %d, %s", mps[m], types[t], rc, found);
            assert_int_equal(json_integer_value(json_object_get(report, "rows")), 1);
            json_decref(report);
            free(text);
        }
    tu_rmrf(dir);
}

#define CELL(ref, text) "<c r=\"" ref "\" t=\"inlineStr\"><is><t>" text "</t></is></c>"
static const char bad_sheet[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
    "<row r=\"1\">" CELL("A1", "Seller SKU ID") CELL("B1", "Description")
        CELL("C1", "Search Keywords") CELL("D1", "Pearl Grade") CELL("E1", "Color")
            CELL("F1", "Height (mm)") "</row>"
                                      "<row r=\"5\">" CELL("A5", "E-9")
                                          CELL("B5", "Best seller. Visit www.shop.example today.")
                                              CELL("C5", "a::b::c::d::e::f") CELL("D5", "A")
                                                  CELL("E5", "Gold") CELL(
                                                      "F5", "160") "</row></sheetData></worksheet>";

static void test_bad_sheet_fails(void **state)
{
    const char *bin = getenv("KARAT_BIN");
    struct tu_xlsx_parts p = {.sheet = bad_sheet};
    size_t n;
    unsigned char *x = tu_xlsx_min(&p, &n);
    char path[512], found[4096], *text = NULL;
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/seller.xlsx", dir);
    tu_write_file(path, x, n);
    free(x);
    const char *lint[] = {bin,        "lint-sheet", path,       "--marketplace",
                          "flipkart", "--type",     "earrings", NULL};
    assert_int_equal(tu_run(lint, env, &text), 1);
    json_t *report = json_loads(text, 0, NULL);
    assert_non_null(report);
    json_t *row = json_array_get(json_object_get(report, "results"), 0);
    assert_int_equal(json_integer_value(json_object_get(row, "row")), 5);
    assert_string_equal(json_string_value(json_object_get(row, "sku")), "E-9");
    assert_false(json_is_true(json_object_get(row, "passed")));
    problems(report, found, sizeof found);
    assert_non_null(strstr(found, "Description:promotional;"));
    assert_non_null(strstr(found, "Description:url;"));
    assert_non_null(strstr(found, "Search Keywords:too_many_keywords;"));
    assert_non_null(strstr(found, "Pearl Grade:pearls_disagree;"));
    assert_non_null(strstr(found, "Height (mm):implausible_number;"));
    json_decref(report);
    free(text);

    const char *usage[] = {bin, "lint-sheet", path, NULL};
    assert_int_equal(tu_run(usage, env, NULL), 2);
    const char *unknown[] = {bin,    "lint-sheet", path,    "--marketplace",
                             "etsy", "--type",     "rings", NULL};
    assert_int_equal(tu_run(unknown, env, NULL), 2);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offline_sheets_pass),
        cmocka_unit_test(test_bad_sheet_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
