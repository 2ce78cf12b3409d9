/*
 * test_ocr_tess.c - the tesseract handle ocr/ reads pixels with
 * (ocr__tess_open in ocr_read.c): the settings that keep a page's CPU down
 * are on the handle (no table finder inside tesseract's layout; single
 * column; LSTM only), and a language without its traineddata is
 * ocr_unavailable with no handle left behind. Speed itself is measured by
 * bench/bill_quality.sh, not asserted here (a shared 2-core machine).
 */
#include "testutil.h"

#include <string.h>

#include <tesseract/capi.h>

#include "ocr/ocr.h"
#include "ocr/ocr_int.h"

static void test_handle_settings(void **state)
{
    (void)state;
    struct ocr_opts o = {.langs = "eng"};
    struct kr_err err = {0};
    TessBaseAPI *api = NULL;
    assert_int_equal(ocr__tess_open(&o, &api, &err), KR_OK);
    assert_non_null(api);
    int v = -1;
    assert_true(TessBaseAPIGetBoolVariable(api, "textord_tabfind_find_tables", &v));
    assert_int_equal(v, 0);
    assert_int_equal(TessBaseAPIGetPageSegMode(api), PSM_SINGLE_COLUMN);
    assert_int_equal(TessBaseAPIOem(api), OEM_LSTM_ONLY);
    ocr__tess_close(api);
    ocr__tess_close(NULL);
}

static void test_missing_language(void **state)
{
    (void)state;
    struct ocr_opts o = {.langs = "zzz"};
    struct kr_err err = {0};
    TessBaseAPI *api = (TessBaseAPI *)&o; /* must come back NULL */
    assert_int_not_equal(ocr__tess_open(&o, &api, &err), KR_OK);
    assert_null(api);
    assert_string_equal(err.slug, "ocr_unavailable");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handle_settings),
        cmocka_unit_test(test_missing_language),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
