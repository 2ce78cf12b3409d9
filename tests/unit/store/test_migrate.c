/*
 * test_migrate.c - the sqlite store's schema migrations: a database left
 * at an old version is upgraded on open with its rows intact, a database
 * newer than the build is refused, and reopening applies nothing twice.
 */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite.h"
#include "store/store.h"

static int count_rows(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int n = -1;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* A database as a v1 build left it, with one image row written raw. */
static void make_v1(const char *path)
{
    sqlite3 *db;
    struct kr_err err = {0};
    int version = -1;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(store_sqlite_version(db, &version, &err), KR_OK);
    assert_int_equal(version, 0);
    assert_int_equal(store_sqlite_migrate(db, 1, &err), KR_OK);
    assert_int_equal(store_sqlite_version(db, &version, &err), KR_OK);
    assert_int_equal(version, 1);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO images VALUES (42, printf('%.64c', 'a'), "
                                  "zeroblob(32), 90, zeroblob(256), 'alya', 'alyaimg', 'old.jpg', "
                                  "'https://x/old.jpg', 'old.jpg', 'image/jpeg', 10, 20, 30, 1)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
}

static void test_old_version_migrates(void **state)
{
    char dir[512], path[600], sha[65];
    struct store *s = NULL;
    struct store_image img;
    struct kr_err err = {0};
    char *json = NULL;
    (void)state;

    assert_true(store_sqlite_latest() >= 2);
    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/karat.db", dir);
    make_v1(path);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM sqlite_master WHERE name = 'docs'"), 0);

    assert_int_equal(store_open("sqlite", path, &s, &err), KR_OK);
    /* the row survived, and what v2 added works */
    assert_int_equal(store_image_get(s, 42, &img, &err), KR_OK);
    assert_string_equal(img.key, "old.jpg");
    assert_int_equal(img.sig.quality, 90);
    memset(sha, 'a', 64);
    sha[64] = '\0';
    assert_int_equal(store_image_find_sha(s, sha, &img, &err), KR_OK);
    assert_int_equal(img.id, 42);
    assert_int_equal(store_doc_put(s, "jobs", "j1", "{}", &err), KR_OK);
    assert_int_equal(store_doc_get(s, "jobs", "j1", &json, &err), KR_OK);
    free(json);
    store_close(s);

    assert_int_equal(count_rows(path, "SELECT max(version) FROM schema_version"),
                     store_sqlite_latest());
    assert_int_equal(count_rows(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                      "AND name IN ('images_sha256', 'images_url')"),
                     2);
    /* reopening applies nothing twice */
    assert_int_equal(store_open("sqlite", path, &s, &err), KR_OK);
    store_close(s);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM schema_version"),
                     store_sqlite_latest());
    tu_rmrf(dir);
}

static void test_newer_version_refused(void **state)
{
    char dir[512], path[600];
    struct store *s = NULL;
    struct kr_err err = {0};
    sqlite3 *db;
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/karat.db", dir);
    assert_int_equal(store_open("sqlite", path, &s, &err), KR_OK);
    store_close(s);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "INSERT INTO schema_version VALUES (999, 0)", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open("sqlite", path, &s, &err), KR_EUNSUPPORTED);
    assert_string_equal(err.slug, "store_too_new");
    assert_null(s);
    tu_rmrf(dir);
}

/* A failing step rolls the whole upgrade back. */
static void test_failed_step_rolls_back(void **state)
{
    char dir[512], path[600];
    struct store *s = NULL;
    struct kr_err err = {0};
    sqlite3 *db;
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/karat.db", dir);
    make_v1(path);
    /* v2 creates index images_url: make that name taken */
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE images_url (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open("sqlite", path, &s, &err), KR_EIO);
    assert_non_null(strstr(err.msg, "schema v2"));
    assert_int_equal(count_rows(path, "SELECT max(version) FROM schema_version"), 1);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM sqlite_master WHERE name = 'docs'"), 0);
    tu_rmrf(dir);
}

static void test_bad_target(void **state)
{
    sqlite3 *db;
    struct kr_err err = {0};
    (void)state;

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(store_sqlite_migrate(db, 0, &err), KR_EINVAL);
    assert_int_equal(store_sqlite_migrate(db, store_sqlite_latest() + 1, &err), KR_EINVAL);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_old_version_migrates),
        cmocka_unit_test(test_newer_version_refused),
        cmocka_unit_test(test_failed_step_rolls_back),
        cmocka_unit_test(test_bad_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
