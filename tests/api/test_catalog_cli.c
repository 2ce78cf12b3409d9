/*
 * test_catalog_cli.c - `karat catalog` (no server): offline photos -> the
 * .xlsx and .csv it writes, read back cell by cell; a bad photo makes exit
 * status 1 and leaves the good rows; --template fills a copy of the seller's
 * workbook and leaves the template file alone; usage errors exit 2.
 */
#include "catalog_api.h"

static char dir[256];

static const char *const env[] = {"KARAT_ATTR_PROVIDER=offline", "KARAT_COPY_PROVIDER=offline",
                                  "KARAT_IMAGE_PROVIDER=offline", "KARAT_LOG_LEVEL=warn", NULL};

/* A synthetic photo (as ca_photo makes) saved as dir/name; its path in path. */
static void photo(const char *name, int seed, char *path, size_t n)
{
    struct tu_img_opts o = {.width = 800, .height = 800, .seed = seed};
    tu_write_image(dir, name, &o);
    snprintf(path, n, "%s/%s", dir, name);
}

static char *cell_of(const char *path, const char *sheet, int col, int row)
{
    char ref[16];
    ca_ref(col, row, ref, sizeof ref);
    return tu_xlsx_cell(path, sheet, ref);
}

static void assert_cell(const char *path, int col, int row, const char *want)
{
    char *got = cell_of(path, "Template", col, row);
    if (strcmp(got ? got : "", want))
        fail_msg("%s: column %d row %d: got '%s', want '%s'", path, col, row, got ? got : "", want);
    free(got);
}

static int run(const char *const *argv)
{
    return tu_run(argv, env, NULL);
}

static void test_cli_catalog(void **state)
{
    char a[512], b[512], bad[512], out[512], csv[512], out2[512], out3[512];
    const char *bin = getenv("KARAT_BIN");
    size_t n, n2;
    unsigned char *before, *after, *text;
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    photo("ring-a.jpg", 201, a, sizeof a);
    photo("ring-b.jpg", 202, b, sizeof b);
    snprintf(bad, sizeof bad, "%s/broken.jpg", dir);
    tu_write_file(bad, "garbage", 7);
    snprintf(out, sizeof out, "%s/out.xlsx", dir);
    snprintf(csv, sizeof csv, "%s/out.csv", dir);

    /* two photos, SKUs given */
    const char *argv1[] = {
        bin,     "catalog", "--marketplace", "amazon", "--type", "earrings", "--sku",
        "CLI-1", "--sku",   "CLI-2",         "-o",     out,      a,          b,
        NULL};
    assert_int_equal(run(argv1), 0);
    assert_cell(out, 1, 3, "item_sku");
    assert_cell(out, 1, 4, "CLI-1");
    assert_cell(out, 1, 5, "CLI-2");
    assert_cell(out, 1, 6, "");
    assert_cell(out, 0, 4, "earrings");
    text = tu_read_file(csv, &n);
    assert_non_null(text);
    assert_non_null(strstr((char *)text, "\r\nearrings,CLI-1,"));
    free(text);

    /* a broken photo: exit 1, the others still written (SKUs from file names) */
    snprintf(out2, sizeof out2, "%s/out2.xlsx", dir);
    const char *argv2[] = {
        bin, "catalog", "--marketplace", "amazon", "--type", "earrings", "-o", out2, a, bad,
        b,   NULL};
    assert_int_equal(run(argv2), 1);
    assert_cell(out2, 1, 4, "ring-a");
    assert_cell(out2, 1, 5, "ring-b");
    assert_cell(out2, 1, 6, "");

    /* the first output as the seller's template: filled into a new file */
    before = tu_read_file(out, &n);
    snprintf(out3, sizeof out3, "%s/filled.xlsx", dir);
    const char *argv3[] = {
        bin,        "catalog", "--marketplace", "amazon", "--type", "earrings", "--template", out,
        "--append", "--skus",  "NEW-1",         "-o",     out3,     a,          NULL};
    assert_int_equal(run(argv3), 0);
    assert_cell(out3, 1, 4, "CLI-1");
    assert_cell(out3, 1, 5, "CLI-2");
    assert_cell(out3, 1, 6, "NEW-1");
    after = tu_read_file(out, &n2);
    assert_int_equal(n, n2);
    assert_memory_equal(before, after, n);
    free(before);
    free(after);

    /* usage errors */
    const char *argv4[] = {bin, "catalog", "--type", "earrings", "-o", out, a, NULL};
    assert_int_equal(run(argv4), 2);
    const char *argv5[] = {bin,      "catalog",  "--marketplace",
                           "amazon", "--type",   "earrings",
                           "--sku",  "ONLY-ONE", "-o",
                           out,      a,          b,
                           NULL};
    assert_int_equal(run(argv5), 1); /* two photos, one SKU: refused, nothing written */
    tu_rmrf(dir);
}

/* The column whose header (row 3) is name; -1 if none. */
static int column_of(const char *path, const char *name)
{
    for (int col = 0; col < 400; col++) {
        char *h = cell_of(path, "Template", col, 3);
        int hit = h && !strcmp(h, name);
        free(h);
        if (hit)
            return col;
    }
    return -1;
}

/* --height / --width fill the size columns of every row, in the sheet's
 * unit (Amazon: centimetres); a bad length is a usage error. */
static void test_cli_catalog_sizes(void **state)
{
    char a[512], b[512], out[512];
    const char *bin = getenv("KARAT_BIN");
    int hcol, wcol;
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    photo("stud-a.jpg", 211, a, sizeof a);
    photo("stud-b.jpg", 212, b, sizeof b);
    snprintf(out, sizeof out, "%s/sized.xlsx", dir);
    const char *argv1[] = {bin,        "catalog", "--marketplace", "amazon", "--type",
                           "earrings", "--height", "32mm",         "--width", "1.8cm",
                           "-o",       out,        a,              b,        NULL};
    assert_int_equal(run(argv1), 0);
    hcol = column_of(out, "item_height");
    wcol = column_of(out, "item_width");
    assert_true(hcol >= 0 && wcol >= 0);
    assert_cell(out, hcol, 4, "3.2");
    assert_cell(out, hcol, 5, "3.2");
    assert_cell(out, wcol, 4, "1.8");
    const char *argv2[] = {bin,        "catalog", "--marketplace", "amazon", "--type",
                           "earrings", "--height", "3 inches",     "-o",     out,
                           a,          NULL};
    assert_int_equal(run(argv2), 1);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_catalog),
        cmocka_unit_test(test_cli_catalog_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
