/*
 * test_config_dsn.c - KARAT_DATABASE_URL: `karat config` (config_dump)
 * shows it with the password masked in every libpq form, and
 * KARAT_STORE=postgres without a URL is refused; store_location() builds
 * the postgres backend's location from the pool settings.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "store/store.h"

static void check_mask(const char *in, const char *want)
{
    char out[512];
    config_mask_dsn(in, out, sizeof out);
    assert_string_equal(out, want);
}

static void test_mask_forms(void **state)
{
    (void)state;
    check_mask("host=db dbname=karat password=hunter2 user=k",
               "host=db dbname=karat password=**** user=k");
    check_mask("password = 'hun ter\\' 2' host=db", "password = **** host=db");
    check_mask("host=db passwordx=keep", "host=db passwordx=keep");
    check_mask("postgresql://karat:hunter2@db.internal:5432/karat?sslmode=require",
               "postgresql://karat:****@db.internal:5432/karat?sslmode=require");
    check_mask("postgres://karat@db/karat?password=hunter2&sslmode=disable",
               "postgres://karat@db/karat?password=****&sslmode=disable");
    check_mask("postgresql://u:p%40ss@h/db", "postgresql://u:****@h/db");
    check_mask("postgresql:///karat?host=/run/postgresql", "postgresql:///karat?host=/run/postgresql");
    check_mask("", "");
}

static void test_dump_and_validation(void **state)
{
    struct config c;
    struct kr_err e = {0};
    struct buf out;
    char loc[256];
    (void)state;

    setenv("KARAT_STORE", "postgres", 1);
    unsetenv("KARAT_DATABASE_URL");
    assert_int_equal(config_load(&c, &e), KR_EINVAL);
    config_release(&c);
    setenv("KARAT_DATABASE_URL", "postgresql://karat:hunter2@db/karat", 1);
    setenv("KARAT_DB_POOL_SIZE", "3", 1);
    assert_int_equal(config_load(&c, &e), KR_OK);
    buf_init(&out, 1 << 20);
    assert_int_equal(config_dump(&c, &out), KR_OK);
    assert_int_equal(buf_append(&out, "", 1), KR_OK);
    assert_null(strstr((char *)out.data, "hunter2"));
    assert_non_null(
        strstr((char *)out.data, "KARAT_DATABASE_URL=postgresql://karat:****@db/karat\n"));
    buf_release(&out);
    assert_int_equal(store_location(&c, loc, sizeof loc, &e), KR_OK);
    assert_string_equal(loc, "pool=3;wait_ms=10000;postgresql://karat:hunter2@db/karat");
    assert_int_equal(config_set(&c, "KARAT_DB_POOL_SIZE", "0", &e), KR_EINVAL);
    assert_int_equal(config_set(&c, "KARAT_DB_POOL_WAIT_MS", "0", &e), KR_EINVAL);
    assert_int_equal(config_set(&c, "KARAT_STORE", "sqlite", &e), KR_OK);
    assert_int_equal(store_location(&c, loc, sizeof loc, &e), KR_OK);
    assert_non_null(strstr(loc, "/karat.db"));
    assert_int_equal(strncmp(loc, "busy_ms=10000;", 14), 0); /* KARAT_SQLITE_BUSY_MS */
    config_release(&c);
    unsetenv("KARAT_STORE");
    unsetenv("KARAT_DATABASE_URL");
    unsetenv("KARAT_DB_POOL_SIZE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask_forms),
        cmocka_unit_test(test_dump_and_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
