/*
 * test_sqlite.c - what only the "sqlite" backend has: a too-long value
 * written behind its back is refused on read, durability settings, open
 * errors. The shared contract is test_contract.c.
 */
#include "testutil.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite.h"
#include "store/store.h"
#include "store_test.h"

struct fx {
    char dir[512];
    char db[600];
    struct store *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct kr_err err = {0};

    tu_tmpdir(f->dir, sizeof f->dir);
    snprintf(f->db, sizeof f->db, "%s/karat.db", f->dir);
    assert_int_equal(store_open("sqlite", f->db, &f->s, &err), KR_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    tu_rmrf(f->dir);
    free(f);
    return 0;
}

static void test_bad_row(void **state)
{
    struct fx *f = *state;
    struct store_image out;
    struct kr_err err = {0};

    /* a value in the database that does not fit its field is refused on read */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO images VALUES (7, 'x', zeroblob(32), 0, "
                                  "zeroblob(256), printf('%.40c', 'w'), 'b', 'k', 'u', 'f', 'm', "
                                  "1, 1, 1, 1, NULL)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_image_get(f->s, 7, &out, &err), KR_EINVAL);
    assert_string_equal(err.slug, "store_value_too_long");
}

/* Every connection runs WAL with synchronous=FULL (2). */
static void test_durability_settings(void **state)
{
    struct fx *f = *state;
    struct sq_store *q = store_sq_of(f->s);
    struct sq_conn *c[2];
    struct kr_err err = {0};

    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st;
        assert_int_equal(store_sq_acquire(q, &c[i], &err), KR_OK);
        assert_int_equal(sqlite3_prepare_v2(c[i]->db, "PRAGMA synchronous", -1, &st, NULL), 0);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 2);
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_prepare_v2(c[i]->db, "PRAGMA journal_mode", -1, &st, NULL), 0);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
    }
    assert_ptr_not_equal(c[0], c[1]);
    store_sq_release(q, c[0]);
    store_sq_release(q, c[1]);
}

static void test_open_errors(void **state)
{
    struct store *s = NULL;
    struct kr_err err = {0};
    char dir[512], path[600];
    (void)state;

    assert_int_equal(store_open("sqlite", ":memory:", &s, &err), KR_EINVAL);
    assert_int_equal(store_open("sqlite", "", &s, &err), KR_EINVAL);
    assert_int_equal(store_open("nosql", "/tmp/x.db", &s, &err), KR_EUNSUPPORTED);
    assert_int_equal(store_open("sqlite", "/nonexistent-dir/x/karat.db", &s, &err), KR_EIO);
    assert_int_equal(store_open("sqlite", "busy_ms=0;/tmp/x.db", &s, &err), KR_EINVAL);
    assert_int_equal(store_open("sqlite", "busy_ms=;/tmp/x.db", &s, &err), KR_EINVAL);
    tu_tmpdir(dir, sizeof dir);
    /* store_location()'s form: the writer wait (KARAT_SQLITE_BUSY_MS), then the path */
    snprintf(path, sizeof path, "busy_ms=250;%s/k.db", dir);
    assert_int_equal(store_open("sqlite", path, &s, &err), KR_OK);
    assert_int_equal(store_sq_of(s)->busy_ms, 250);
    store_close(s);
    s = NULL;
    snprintf(path, sizeof path, "%s/not-a-db", dir);
    tu_write_file(path, "this is not a database file, just some text....", 48);
    assert_int_equal(store_open("sqlite", path, &s, &err), KR_EIO);
    assert_null(s);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durability_settings, setup, teardown),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
