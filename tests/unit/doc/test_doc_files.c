/*
 * test_doc_files.c - a bill's files: the legacy CSV pair quoted as Python's
 * csv.writer does, and the workbook's two sheets.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "doc/doc.h"
#include "xlsx_read.h"

static void load(struct doc_table *t)
{
    json_error_t je;
    json_t *r =
        json_loads("[{\"Svc Dt\":\"10/10/21\",\"Description\":\"HC \\\"ED\\\" VISIT\","
                   "\"Amount\":\"$2,579.90\"},"
                   "{\"Svc Dt\":\"10/11/21\",\"Description\":\"two\\nlines\",\"Amount\":\"\"}]",
                   0, &je);
    json_t *e = json_loads("{\"Patient\":\"Jane R. Doe\",\"Total Charges\":\"$3,954.75\","
                           "\"Account\":\"12345678901\"}",
                           0, &je);
    struct kr_err err = {0};

    assert_int_equal(doc_table_from_json(r, e, t, &err), KR_OK);
    json_decref(r);
    json_decref(e);
}

static void test_legacy_csv(void **state)
{
    struct doc_table t;
    struct buf b;
    struct kr_err err = {0};
    (void)state;
    load(&t);
    buf_init(&b, 1 << 20);
    assert_int_equal(doc_csv_table(&t, &b, &err), KR_OK);
    assert_int_equal(b.len, strlen("Svc Dt,Description,Amount\r\n"
                                   "10/10/21,\"HC \"\"ED\"\" VISIT\",\"$2,579.90\"\r\n"
                                   "10/11/21,\"two\nlines\",\r\n"));
    assert_memory_equal(b.data,
                        "Svc Dt,Description,Amount\r\n"
                        "10/10/21,\"HC \"\"ED\"\" VISIT\",\"$2,579.90\"\r\n"
                        "10/11/21,\"two\nlines\",\r\n",
                        b.len);
    b.len = 0;
    assert_int_equal(doc_csv_extras(&t, &b, &err), KR_OK);
    assert_int_equal(b.len, strlen("Patient,Total Charges,Account\r\n"
                                   "Jane R. Doe,\"$3,954.75\",12345678901\r\n"));
    assert_memory_equal(
        b.data, "Patient,Total Charges,Account\r\nJane R. Doe,\"$3,954.75\",12345678901\r\n",
        b.len);
    /* a buffer limit is reported, not a cut file */
    buf_release(&b);
    buf_init(&b, 10);
    assert_int_not_equal(doc_csv_table(&t, &b, &err), KR_OK);
    buf_release(&b);
    doc_table_free(&t);
}

static void test_xlsx(void **state)
{
    struct doc_table t;
    struct buf b;
    struct kr_err err = {0};
    char dir[512];
    (void)state;
    load(&t);
    tu_tmpdir(dir, sizeof dir);
    buf_init(&b, 16 << 20);
    assert_int_equal(doc_xlsx(&t, dir, &b, &err), KR_OK);
    assert_true(b.len > 1000);
    assert_memory_equal(b.data, "PK", 2);
    {
        json_t *rows = tu_xlsx_rows_mem(b.data, b.len, "Table");
        json_t *ex = tu_xlsx_rows_mem(b.data, b.len, "Extras");
        assert_non_null(rows);
        assert_non_null(ex);
        assert_string_equal(tu_xlsx_at(rows, 0, 1), "Svc Dt");
        assert_string_equal(tu_xlsx_at(rows, 2, 2), "$2,579.90");
        assert_string_equal(tu_xlsx_at(rows, 1, 3), "two\nlines");
        assert_string_equal(tu_xlsx_at(ex, 0, 1), "Key");
        assert_string_equal(tu_xlsx_at(ex, 0, 3), "Total Charges");
        assert_string_equal(tu_xlsx_at(ex, 1, 3), "$3,954.75");
        json_decref(rows);
        json_decref(ex);
    }
    buf_release(&b);
    tu_rmrf(dir);
    assert_int_not_equal(doc_xlsx(&t, "/nonexistent-karat-dir", &b, &err), KR_OK);
    doc_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_csv),
        cmocka_unit_test(test_xlsx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
