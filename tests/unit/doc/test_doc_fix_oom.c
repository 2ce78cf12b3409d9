/*
 * test_doc_fix_oom.c - doc_fix_ocr() (doc/fix.c) when memory runs out.
 *
 * The rupee correction calls doc_check() once per trial; doc_check() may fail
 * (out of memory) after it has appended some warnings. Every allocation of
 * a fix is failed in turn (the n-th malloc/calloc/realloc after the table is
 * loaded): the call must then return doc_check's own failure (a filled
 * struct kr_err, code KR_ENOMEM, slug out_of_memory), or KR_OK when the
 * failed allocation did not matter, and nothing may leak (the live
 * allocations after doc_table_free() are those before the load). The
 * allocator is wrapped here through glibc's __libc_* entry points, so this
 * test counts only in a build without AddressSanitizer (whose allocator
 * cannot be wrapped that way); under ASan it runs the fix once, unfailed.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "doc/doc.h"

#if defined(__SANITIZE_ADDRESS__)
#define WRAPPED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WRAPPED 0
#endif
#endif
#ifndef WRAPPED
#define WRAPPED 1
#endif

static long live;      /* blocks allocated and not freed */
static long countdown; /* > 0: the allocation that brings it to 0 fails */
static long fired;

#if WRAPPED
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static int fail_now(void)
{
    if (countdown > 0 && --countdown == 0) {
        fired++;
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    void *p = fail_now() ? NULL : __libc_malloc(n);
    live += p != NULL;
    return p;
}

void *calloc(size_t n, size_t m)
{
    void *p = fail_now() ? NULL : __libc_calloc(n, m);
    live += p != NULL;
    return p;
}

void *realloc(void *old, size_t n)
{
    void *p;

    if (fail_now())
        return NULL;
    p = __libc_realloc(old, n);
    live += old == NULL && p != NULL;
    live -= old != NULL && n == 0 && p == NULL;
    return p;
}

void free(void *p)
{
    live -= p != NULL;
    __libc_free(p);
}
#endif

static const struct doc_check_opts opts = {.min_conf = 60, .tolerance = 1.0};

/* rows/extras as if read by OCR (every cell at confidence 90) */
static void ocr_load(const char *rows, const char *extras, struct doc_table *t)
{
    json_error_t je;
    json_t *r = json_loads(rows, 0, &je), *e = json_loads(extras, 0, &je);
    struct kr_err err = {0};

    if (!r || !e)
        fail_msg("test JSON: %s", je.text);
    assert_int_equal(doc_table_from_json(r, e, t, &err), KR_OK);
    json_decref(r);
    json_decref(e);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        t->cells[i].conf = 90;
}

/* Line 2's amount and the CGST, SGST and grand total read with "2" for "₹";
 * line 3 is a real slip (so doc_check appends warnings before it fails). */
#define ROWS                                                                                       \
    "[{\"Item\":\"Ring\",\"Qty\":\"2\",\"Rate\":\"300.00\",\"Amount\":\"₹600.00\"},"               \
    "{\"Item\":\"Chain\",\"Qty\":\"3\",\"Rate\":\"511.13\",\"Amount\":\"21,533.39\"},"             \
    "{\"Item\":\"Bangle\",\"Qty\":\"1\",\"Rate\":\"2,000.00\",\"Amount\":\"₹2,100.00\"}]"
#define EXTRAS                                                                                     \
    "{\"Sub Total\":\"₹4,133.39\",\"CGST 1.5%\":\"262.00\",\"SGST 1.5%\":\"262.00\","             \
    "\"Grand Total\":\"24,257.39\"}"

/* One fix with the n-th allocation failed (0: none); returns its code. */
static enum kr_code fix_failing(long n, struct doc_table *t, struct kr_err *err)
{
    enum kr_code rc;

    ocr_load(ROWS, EXTRAS, t);
    countdown = n;
    rc = doc_fix_ocr(t, &opts, err);
    countdown = 0;
    return rc;
}

static void test_every_allocation_failed(void **state)
{
    struct doc_table t, want;
    struct kr_err err;
    long failed = 0;
    (void)state;

    memset(&err, 0, sizeof err);
    assert_int_equal(fix_failing(0, &want, &err), KR_OK);
    assert_string_equal(doc_cell_at(&want, 1, 3)->text, "₹1,533.39"); /* fixed by arithmetic */
    for (long n = 1; WRAPPED && n < 100000; n++) {
        long before = live, fired_before = fired;
        memset(&err, 0, sizeof err);
        enum kr_code rc = fix_failing(n, &t, &err);
        if (fired == fired_before) { /* the fix made fewer than n allocations: done */
            assert_int_equal(rc, KR_OK);
            for (size_t i = 0; i < t.nrows * t.ncols; i++)
                assert_string_equal(t.cells[i].text, want.cells[i].text);
            doc_table_free(&t);
            break;
        }
        if (rc != KR_OK) {
            assert_int_equal(rc, KR_ENOMEM);
            assert_int_equal(err.code, KR_ENOMEM);
            assert_non_null(err.slug);
            assert_string_equal(err.slug, "out_of_memory");
            failed++;
        }
        doc_table_free(&t);
        if (live != before)
            fail_msg("allocation %ld failed: %ld blocks leaked", n, live - before);
    }
    if (WRAPPED)
        assert_true(failed > 10); /* the trials' doc_checks did fail */
    doc_table_free(&want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
