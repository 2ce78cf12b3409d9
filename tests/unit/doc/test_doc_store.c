/*
 * test_doc_store.c - documents as versions in the record store (SQLite, and
 * PostgreSQL as unit.doc.test_doc_store.pg): versions and the latest one,
 * duplicate uploads and tables, the per-client undo history (its limit of
 * DOC_HISTORY_MAX, the original's empty answers, undoing the only entry),
 * and two nodes saving one document at once (test_concurrent_saves).
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"
#include "fault.h"
#include "pgtest.h"
#include "store/store.h"

struct fx {
    char dir[512];
    char loc[1200];
    struct store *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct kr_err err = {0};

    tu_tmpdir(f->dir, sizeof f->dir);
    if (tu_pg_mode())
        tu_pg_create_db(f->loc, sizeof f->loc);
    else
        snprintf(f->loc, sizeof f->loc, "%s/karat.db", f->dir);
    assert_int_equal(store_open(tu_pg_mode() ? "postgres" : "sqlite", f->loc, &f->s, &err), KR_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    if (tu_pg_mode())
        tu_pg_drop_db(f->loc);
    tu_rmrf(f->dir);
    free(f);
    return 0;
}

static void table(const char *rows, struct doc_table *t)
{
    json_error_t je;
    json_t *r = json_loads(rows, 0, &je), *e = json_pack("{s:s}", "Invoice No", "42");
    struct kr_err err = {0};

    assert_int_equal(doc_table_from_json(r, e, t, &err), KR_OK);
    json_decref(r);
    json_decref(e);
}

static void test_versions(void **state)
{
    struct fx *f = *state;
    struct doc_table t, t2;
    struct doc_saved a, b;
    struct doc_state st;
    struct kr_err err = {0};
    char id[DOC_ID_LEN];

    table("[{\"Item\":\"Ring\",\"Qty\":\"1\",\"Amount\":\"\xe2\x82\xb9 500\"}]", &t);
    doc_cell_at(&t, 0, 1)->conf = 37;
    doc_cell_at(&t, 0, 2)->read_as = strdup("2 500"); /* doc_fix_ocr's note */
    t.extras[0].read_as = strdup("Z42");
    assert_int_equal(
        doc_store_save(f->s, &(struct doc_save_req){NULL, &t, DOC_SRC_EXTRACT, "addr:a", "abc", 0}, &a,
                       &err),
        KR_OK);
    assert_int_equal(strlen(a.id), 32);
    assert_int_equal(a.version, 1);
    assert_string_equal(a.duplicate_of, "");
    table("[{\"Item\":\"Ring\",\"Qty\":\"2\",\"Amount\":\"\xe2\x82\xb9 1000\"}]", &t2);
    assert_int_equal(doc_store_save(f->s,
                                    &(struct doc_save_req){a.id, &t2, DOC_SRC_EDIT, "addr:a", NULL, 0},
                                    &b, &err),
                     KR_OK);
    assert_string_equal(b.id, a.id);
    assert_int_equal(b.version, 2);
    assert_int_equal(doc_store_get(f->s, a.id, 0, &st, &err), KR_OK);
    assert_int_equal(st.version, 2);
    assert_int_equal(st.source, DOC_SRC_EDIT);
    assert_string_equal(doc_cell_at(&st.table, 0, 1)->text, "2");
    assert_string_equal(st.table.extras[0].value, "42");
    assert_null(st.table.extras[0].read_as); /* an edit is what the person typed */
    doc_state_free(&st);
    assert_int_equal(doc_store_get(f->s, a.id, 1, &st, &err), KR_OK);
    assert_int_equal(doc_cell_at(&st.table, 0, 1)->conf, 37);
    assert_int_equal(doc_cell_at(&st.table, 0, 1)->v.kind, DOC_NUMBER);
    assert_string_equal(doc_cell_at(&st.table, 0, 2)->read_as, "2 500"); /* notes kept */
    assert_string_equal(st.table.extras[0].read_as, "Z42");
    assert_null(doc_cell_at(&st.table, 0, 1)->read_as);
    doc_state_free(&st);
    assert_int_equal(doc_store_get(f->s, a.id, 3, &st, &err), KR_ENOTFOUND);
    assert_int_equal(doc_store_get(f->s, "0123456789abcdef0123456789abcdef", 0, &st, &err),
                     KR_ENOTFOUND);
    assert_string_equal(err.slug, "doc_not_found");
    assert_int_equal(doc_store_get(f->s, "../x", 0, &st, &err), KR_ENOTFOUND);
    assert_int_equal(doc_store_save(f->s,
                                    &(struct doc_save_req){"0123456789abcdef0123456789abcdef", &t2,
                                                           DOC_SRC_EDIT, "addr:a", NULL, 0},
                                    &b, &err),
                     KR_ENOTFOUND);
    /* the same upload, and the same table from another upload */
    assert_int_equal(doc_store_find_upload(f->s, "abc", id, &err), KR_OK);
    assert_string_equal(id, a.id);
    assert_int_equal(doc_store_find_upload(f->s, "abd", id, &err), KR_OK);
    assert_string_equal(id, "");
    assert_int_equal(
        doc_store_save(f->s, &(struct doc_save_req){NULL, &t, DOC_SRC_EXTRACT, "addr:b", "abd", 0}, &b,
                       &err),
        KR_OK);
    assert_string_equal(b.duplicate_of, a.id);
    doc_table_free(&t);
    doc_table_free(&t2);
}

static void save_n(struct store *s, const char *client, int n, struct doc_saved *last)
{
    struct kr_err err = {0};
    char rows[128];
    struct doc_table t;

    for (int i = 0; i < n; i++) {
        snprintf(rows, sizeof rows, "[{\"Item\":\"Ring %d\",\"Qty\":\"%d\"}]", i, i);
        table(rows, &t);
        assert_int_equal(
            doc_store_save(s, &(struct doc_save_req){NULL, &t, DOC_SRC_REFINE, client, NULL, 0}, last,
                           &err),
            KR_OK);
        doc_table_free(&t);
    }
}

static void test_undo(void **state)
{
    struct fx *f = *state;
    struct doc_saved last;
    struct doc_state st;
    struct kr_err err = {0};
    enum doc_undo what;

    assert_int_equal(doc_store_undo(f->s, "key:1", &what, &st, &err), KR_OK);
    assert_int_equal(what, DOC_UNDO_NO_HISTORY);
    save_n(f->s, "key:1", 12, &last); /* only the last 10 are kept */
    save_n(f->s, "key:2", 1, &last);  /* another client's history is its own */
    for (int i = 10; i >= 2; i--) {
        assert_int_equal(doc_store_undo(f->s, "key:1", &what, &st, &err), KR_OK);
        assert_int_equal(what, DOC_UNDO_STATE);
        char want[32];
        snprintf(want, sizeof want, "Ring %d", i);
        assert_string_equal(doc_cell_at(&st.table, 0, 0)->text, want);
        doc_state_free(&st);
    }
    assert_int_equal(doc_store_undo(f->s, "key:1", &what, &st, &err), KR_OK);
    assert_int_equal(what, DOC_UNDO_LAST_GONE); /* the only entry can be undone */
    assert_int_equal(doc_store_undo(f->s, "key:1", &what, &st, &err), KR_OK);
    assert_int_equal(what, DOC_UNDO_EMPTY);
    assert_int_equal(doc_store_undo(f->s, "key:2", &what, &st, &err), KR_OK);
    assert_int_equal(what, DOC_UNDO_LAST_GONE);
}

/* A table with headers and no rows keeps its headers. */
static void test_empty_table(void **state)
{
    struct fx *f = *state;
    struct doc_table t = {0};
    struct doc_saved s;
    struct doc_state st;
    struct kr_err err = {0};
    char *h[] = {"Item", "Qty"};

    t.ncols = 2;
    t.headers = h;
    assert_int_equal(
        doc_store_save(f->s, &(struct doc_save_req){NULL, &t, DOC_SRC_EXTRACT, "", NULL, 0}, &s, &err),
        KR_OK);
    assert_int_equal(doc_store_get(f->s, s.id, 0, &st, &err), KR_OK);
    assert_int_equal(st.table.ncols, 2);
    assert_int_equal(st.table.nrows, 0);
    assert_string_equal(st.table.headers[1], "Qty");
    doc_state_free(&st);
}

/* The largest table a request may bring is read back whole. */
static void test_max_rows(void **state)
{
    struct fx *f = *state;
    struct doc_table t;
    struct doc_saved s;
    struct doc_state st;
    struct kr_err err = {0};
    json_t *rows = json_array();

    for (int i = 0; i < DOC_MAX_ROWS; i++)
        json_array_append_new(rows, json_pack("{s:i}", "No", i));
    assert_int_equal(doc_table_from_json(rows, NULL, &t, &err), KR_OK);
    json_decref(rows);
    assert_int_equal(
        doc_store_save(f->s, &(struct doc_save_req){NULL, &t, DOC_SRC_EXTRACT, "", NULL, 0}, &s, &err),
        KR_OK);
    assert_int_equal(doc_store_get(f->s, s.id, 0, &st, &err), KR_OK);
    assert_int_equal(st.table.nrows, DOC_MAX_ROWS);
    assert_string_equal(doc_cell_at(&st.table, DOC_MAX_ROWS - 1, 0)->text, "4999");
    doc_state_free(&st);
    doc_table_free(&t);
}

static void save_edit(struct store *s, const char *id, const char *rows, int base,
                      struct doc_saved *out, enum kr_code want)
{
    struct doc_table t;
    struct kr_err err = {0};

    table(rows, &t);
    assert_int_equal(
        doc_store_save(s, &(struct doc_save_req){id, &t, DOC_SRC_EDIT, "addr:n", NULL, base}, out,
                       &err),
        want);
    if (want == KR_ECONFLICT)
        assert_string_equal(err.slug, "doc_changed");
    doc_table_free(&t);
}

static int latest_of(struct store *s, const char *id)
{
    struct doc_state st;
    struct kr_err err = {0};
    int v;

    assert_int_equal(doc_store_get(s, id, 0, &st, &err), KR_OK);
    v = st.version;
    doc_state_free(&st);
    return v;
}

/* Another node saved version 2 but its head write has not landed (or lost
 * to ours): readers still see 2, a save takes 3 instead of overwriting it,
 * and an edit that started from a version that is no longer the latest is
 * refused (doc_changed) without writing anything. Then the store's insert
 * clashes (injected: another node took the number between our read and our
 * write): a plain save steps to the next number, a based edit is refused. */
static void test_concurrent_saves(void **state)
{
    struct fx *f = *state;
    struct doc_saved a, b;
    struct kr_err err = {0};
    struct store *fs = NULL;
    char key[64], *v1 = NULL, floc[1300];

    save_edit(f->s, NULL, "[{\"Item\":\"Ring\",\"Qty\":\"1\"}]", 0, &a, KR_OK);
    snprintf(key, sizeof key, "%s/000001", a.id);
    assert_int_equal(store_doc_get(f->s, "doc_version", key, &v1, &err), KR_OK);
    snprintf(key, sizeof key, "%s/000002", a.id); /* node B's version, no head yet */
    assert_int_equal(store_doc_add(f->s, "doc_version", key, v1, &err), KR_OK);
    free(v1);
    assert_int_equal(latest_of(f->s, a.id), 2);
    save_edit(f->s, a.id, "[{\"Item\":\"Ring\",\"Qty\":\"3\"}]", 0, &b, KR_OK);
    assert_int_equal(b.version, 3);
    save_edit(f->s, a.id, "[{\"Item\":\"Ring\",\"Qty\":\"9\"}]", 2, &b, KR_ECONFLICT);
    assert_int_equal(latest_of(f->s, a.id), 3);
    save_edit(f->s, a.id, "[{\"Item\":\"Ring\",\"Qty\":\"4\"}]", 3, &b, KR_OK);
    assert_int_equal(b.version, 4);

    fault_register(); /* over postgres when its location is a server one */
    snprintf(floc, sizeof floc, "%s%s", tu_pg_mode() ? "pool=2;wait_ms=10000;" : "", f->loc);
    assert_int_equal(store_open("fault", floc, &fs, &err), KR_OK);
    fault_arm("store.doc_add", 1, KR_ECONFLICT);
    save_edit(fs, a.id, "[{\"Item\":\"Ring\",\"Qty\":\"5\"}]", 0, &b, KR_OK);
    assert_int_equal(b.version, 6); /* 5 was "taken" */
    assert_int_equal(fault_fired("store.doc_add"), 1);
    fault_arm("store.doc_add", 1, KR_ECONFLICT);
    save_edit(fs, a.id, "[{\"Item\":\"Ring\",\"Qty\":\"7\"}]", 6, &b, KR_ECONFLICT);
    fault_reset();
    assert_int_equal(latest_of(fs, a.id), 6);
    store_close(fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_saves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_rows, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
