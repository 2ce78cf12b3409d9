/*
 * test_core.c - core/: errors and the error vocabulary (including: every
 * slug is in docs/API.md's error table), bounded buffers, utilities and the
 * configuration table (including: every variable is documented in
 * docs/CONFIG.md).
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/util.h"

static void test_err(void **state)
{
    struct kr_err e = {0};
    (void)state;
    assert_int_equal(kr_fail(&e, KRS_BAD_SIZE, "value %d", 7), KR_EINVAL);
    assert_string_equal(e.slug, "bad_size");
    assert_int_equal(e.slug_id, KRS_BAD_SIZE);
    assert_string_equal(e.msg, "value 7");
    kr_err_prefix(&e, "store: ");
    assert_string_equal(e.msg, "store: value 7");
    assert_int_equal(kr_fail(NULL, KRS_STORE_IO, "x"), KR_EIO);
    kr_fail(&e, KRS_NOT_FOUND, NULL); /* no message: the slug's meaning */
    assert_int_equal(e.code, KR_ENOTFOUND);
    assert_string_equal(e.slug, "not_found");
    assert_string_equal(e.msg, kr_slug_meaning(KRS_NOT_FOUND));
    kr_fail(&e, (enum kr_slug) - 1, "x"); /* out of range: internal */
    assert_int_equal(e.slug_id, KRS_INTERNAL);
    assert_int_equal(e.code, KR_EINTERNAL);
    assert_int_equal(kr_slug_grow(KR_ELIMIT), KRS_TOO_LARGE);
    assert_int_equal(kr_slug_grow(KR_ENOMEM), KRS_OUT_OF_MEMORY);
    assert_string_equal(kr_code_name(KR_ELIMIT), "limit_exceeded");
    assert_string_equal(kr_code_name((enum kr_code)999), "unknown");
}

/* Retrying is decided by a typed flag, not by the slug text: kr_retryable()
 * marks the failure just recorded, every new kr_fail() starts unmarked, and a
 * success leaves nothing to mark. */
static void test_err_retry(void **state)
{
    struct kr_err e = {0};
    (void)state;
    assert_int_equal(kr_retryable(&e, kr_fail(&e, KRS_BAD_MODEL_REPLY, "x")), KR_EUPSTREAM);
    assert_int_equal(e.retry, 1);
    kr_fail(&e, KRS_BAD_MODEL_REPLY, "y");
    assert_int_equal(e.retry, 0);
    assert_int_equal(kr_retryable(&e, KR_OK), KR_OK);
    assert_int_equal(e.retry, 0);
    assert_int_equal(kr_retryable(NULL, KR_EIO), KR_EIO);
}

/* docs/<name> of the source tree (KARAT_SOURCE_DIR), NUL-terminated; free() it. */
static char *read_doc(const char *name)
{
    char path[1024];
    size_t n;
    unsigned char *doc;
    const char *src = getenv("KARAT_SOURCE_DIR");
    assert_non_null(src);
    snprintf(path, sizeof path, "%s/docs/%s", src, name);
    doc = tu_read_file(path, &n);
    assert_non_null(doc);
    return (char *)doc;
}

/* Is `status` what a failure of `code` may answer with? */
static int status_fits(enum kr_code code, int status)
{
    switch (code) {
    case KR_EINVAL:
        return status == 400;
    case KR_EUNSUPPORTED: /* cannot be done as asked or here: 400, 405, 415, 501, 503 */
        return status == 400 || status == 405 || status == 415 || status == 501 || status == 503;
    case KR_EAUTH:
        return status == 401 || status == 403;
    case KR_ENOTFOUND:
        return status == 404;
    case KR_ECONFLICT:
        return status == 409;
    case KR_ELIMIT:
        return status == 413;
    case KR_ERATELIMIT:
        return status == 429;
    case KR_EUPSTREAM:
        return status == 502;
    case KR_EQUOTA:
        return status == 503;
    case KR_ETIMEOUT:
        return status == 504;
    case KR_ENOMEM:
    case KR_EIO:
    case KR_EINTERNAL:
        return status == 500;
    default:
        return 0;
    }
}

/* The vocabulary: texts unique and well-formed, each status fits its code,
 * a zeroed error means internal, and texts read back to their slug. */
static void test_err_slug_table(void **state)
{
    (void)state;
    assert_int_equal(KRS_INTERNAL, 0);
    assert_string_equal(kr_slug_text(KRS_OUT_OF_MEMORY), "out_of_memory");
    for (int i = 0; i < KRS_COUNT; i++) {
        enum kr_slug s = (enum kr_slug)i;
        const char *t = kr_slug_text(s);
        assert_true(t[0] && strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(t));
        assert_true(kr_slug_meaning(s)[0]);
        if (!status_fits(kr_slug_code(s), kr_slug_status(s)))
            fail_msg("%s: status %d does not fit code %s", t, kr_slug_status(s),
                     kr_code_name(kr_slug_code(s)));
        for (int j = 0; j < i; j++)
            if (strcmp(t, kr_slug_text((enum kr_slug)j)) == 0)
                fail_msg("slug text %s is used twice", t);
        assert_int_equal(kr_slug_find(t), i);
        if (kr_slug_code(s) == KR_ENOMEM)
            assert_int_equal(s, KRS_OUT_OF_MEMORY); /* out of memory is one slug */
    }
    assert_int_equal(kr_slug_find("no_such_slug"), -1);
    assert_int_equal(kr_slug_find(NULL), -1);
}

/* docs/API.md's error table lists every slug with its status:
 * "| `slug` | status | meaning |". */
static void test_err_slugs_documented(void **state)
{
    char *doc = read_doc("API.md");
    (void)state;
    for (int i = 0; i < KRS_COUNT; i++) {
        char needle[128];
        snprintf(needle, sizeof needle, "| `%s` | %d |", kr_slug_text((enum kr_slug)i),
                 kr_slug_status((enum kr_slug)i));
        if (!strstr(doc, needle))
            fail_msg("docs/API.md's error table lacks the row \"%s\" (run scripts/gen_errors)",
                     needle);
    }
    free(doc);
}

static void test_buf_limit(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 10);
    assert_int_equal(buf_append(&b, "12345", 5), KR_OK);
    assert_int_equal(buf_appendf(&b, "%s", "678"), KR_OK);
    assert_string_equal((char *)b.data, "12345678");
    assert_int_equal(buf_append(&b, "abc", 3), KR_ELIMIT);
    assert_int_equal(b.len, 8); /* unchanged by the refused append */
    buf_release(&b);
    assert_null(b.data);
}

static void test_util(void **state)
{
    char hex[65], s[32] = "  padded \t\n";
    (void)state;
    util_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_string_equal(util_trim(s), "padded");
    assert_int_equal(util_parse_bool("YES"), 1);
    assert_int_equal(util_parse_bool("off"), 0);
    assert_int_equal(util_parse_bool("maybe"), -1);
    assert_int_equal(util_parse_size("25MiB"), 25 << 20);
    assert_int_equal(util_parse_size("512k"), 512 << 10);
    assert_int_equal(util_parse_size("12"), 12);
    assert_int_equal(util_parse_size("-1"), -1);
    assert_int_equal(util_parse_size("5 parsecs"), -1);
    /* not numbers (fuzz_config: "nan" was cast to an integer, undefined) */
    assert_int_equal(util_parse_size("nan"), -1);
    assert_int_equal(util_parse_size("-NaN k"), -1);
    assert_int_equal(util_parse_size("inf"), -1);
    assert_int_equal(util_fmt(s, 4, "%s", "toolong"), KR_ELIMIT);
}

static void test_atomic_write(void **state)
{
    char dir[256], path[300];
    struct kr_err e = {0};
    size_t n;
    unsigned char *back;
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/a/b", dir);
    assert_int_equal(util_mkdirs(path, &e), KR_OK);
    snprintf(path, sizeof path, "%s/a/b/c.txt", dir);
    assert_int_equal(util_write_file_atomic(path, "hello", 5, &e), KR_OK);
    assert_int_equal(util_write_file_atomic(path, "bye", 3, &e), KR_OK);
    back = tu_read_file(path, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(back, "bye", 3);
    free(back);
    tu_rmrf(dir);
}

/* buf_read_file: whole files of any size up to the limit, one byte more
 * refused, a missing file and a directory reported. */
static void test_buf_read_file(void **state)
{
    char dir[256], path[300];
    const size_t sizes[] = {0, 1, 255, 65535, 65536, 65537, 300000};
    unsigned char *data = malloc(300001);
    struct kr_err e = {0};
    struct buf b;
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/f", dir);
    for (size_t i = 0; i < 300001; i++)
        data[i] = (unsigned char)(i * 7 + 3);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        assert_int_equal(util_write_file_atomic(path, data, n, &e), KR_OK);
        buf_init(&b, n); /* exactly at the limit: fine */
        assert_int_equal(buf_read_file(&b, path, &e), KR_OK);
        assert_int_equal(b.len, n);
        assert_true(n == 0 || memcmp(b.data, data, n) == 0);
        buf_release(&b);
        if (n <= 1)
            continue;        /* a limit of 0 means none */
        buf_init(&b, n - 1); /* one byte over the limit */
        assert_int_equal(buf_read_file(&b, path, &e), KR_ELIMIT);
        assert_string_equal(e.slug, "too_large");
        buf_release(&b);
    }
    buf_init(&b, 0);
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(buf_read_file(&b, path, &e), KR_ENOTFOUND);
    assert_int_equal(buf_read_file(&b, dir, &e), KR_EIO); /* a directory */
    buf_release(&b);
    free(data);
    tu_rmrf(dir);
}

static void test_config_sources(void **state)
{
    struct config c;
    struct kr_err e = {0};
    char dir[256], file[300], b[64], names[128];
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/k.conf", dir);
    const char *conf = "# comment\nKARAT_MAX_UPLOAD_BYTES = 2MiB\nS3_BUCKET=fromfile\n";
    tu_write_file(file, conf, strlen(conf));
    setenv("KARAT_CONFIG", file, 1);
    setenv("S3_BUCKET", "fromenv", 1);
    assert_int_equal(config_load(&c, &e), KR_OK);
    assert_int_equal(c.max_upload_bytes, 2 << 20);    /* file beats default */
    assert_string_equal(c.default_bucket, "fromenv"); /* environment beats file */
    assert_int_equal(config_set(&c, "KARAT_MAX_JSON_DEPTH", "deep", &e), KR_EINVAL);
    assert_int_equal(config_set(&c, "NO_SUCH_VAR", "1", &e), KR_EINVAL);
    /* bounded variables refuse values outside their range */
    assert_int_equal(config_set(&c, "KARAT_TEMPLATE_MAX_RATIO", "9", &e), KR_EINVAL);
    assert_non_null(strstr(e.msg, "10..10000"));
    assert_int_equal(config_set(&c, "KARAT_TEMPLATE_MAX_UNPACKED", "2GiB", &e), KR_EINVAL);
    assert_int_equal(config_set(&c, "KARAT_TEMPLATE_CONCURRENCY", "0", &e), KR_EINVAL);
    assert_int_equal(config_set(&c, "KARAT_TEMPLATE_MAX_UNPACKED", "8MiB", &e), KR_OK);
    assert_int_equal(c.template_max_unpacked, 8 << 20);
    assert_string_equal(config_bucket_for(&c, "BLYSK", b, sizeof b), "blyskimg");
    assert_null(config_bucket_for(&c, "amazon", b, sizeof b));
    assert_true(config_bucket_known(&c, "alyaimg"));
    assert_false(config_bucket_known(&c, "../x"));
    config_website_list(&c, names, sizeof names);
    assert_string_equal(names, "'alya' or 'blysk'");
    config_release(&c);
    unsetenv("S3_BUCKET");
    unsetenv("KARAT_CONFIG");
    tu_rmrf(dir);
}

static void test_config_secrets_and_keys(void **state)
{
    struct config c;
    struct kr_err e = {0};
    struct buf out;
    (void)state;
    setenv("KARAT_API_KEYS", "alpha, beta", 1);
    assert_int_equal(config_load(&c, &e), KR_OK);
    /* bounded integers: outside the row's range is an error, the bounds are fine */
    assert_int_equal(config_set(&c, "KARAT_HEADER_TIMEOUT", "0", &e), KR_EINVAL);
    assert_non_null(strstr(e.msg, "outside 1..3600"));
    assert_int_equal(config_set(&c, "KARAT_SHUTDOWN_TIMEOUT", "3601", &e), KR_EINVAL);
    assert_int_equal(config_set(&c, "KARAT_HEADER_TIMEOUT", "1", &e), KR_OK);
    assert_int_equal(c.header_timeout_s, 1);
    assert_int_equal(config_set(&c, "KARAT_DEDUP_HASH_MAX", "-1", &e), KR_OK);
    /* every number has a range: no negative worker count, no 0-byte upload limit, no NaN */
    assert_int_equal(config_set(&c, "KARAT_JOB_WORKERS", "-3", &e), KR_EINVAL);
    assert_int_equal(config_set(&c, "KARAT_THREADS", "-1", &e), KR_EINVAL);
    assert_int_equal(config_set(&c, "KARAT_MAX_UPLOAD_BYTES", "0", &e), KR_EINVAL);
    assert_int_equal(config_set(&c, "KARAT_DEDUP_DESC_MIN", "nan", &e), KR_EINVAL);
    assert_int_equal(config_set(&c, "KARAT_DEDUP_DESC_MIN", "2", &e), KR_EINVAL);
    assert_int_equal(config_set(&c, "KARAT_DEDUP_DESC_MIN", "0.9", &e), KR_OK);
    for (const struct config_var *v = config_vars(); v->name; v++)
        if (v->type == CONFIG_INT || v->type == CONFIG_SIZE || v->type == CONFIG_DOUBLE)
            assert_int_equal(config_set(&c, v->name, v->def, &e), KR_OK); /* has a range */
    /* the S3 secret key and session token are masked too */
    assert_int_equal(config_set(&c, "AWS_SECRET_ACCESS_KEY", "s3-secret-value", &e), KR_OK);
    assert_int_equal(config_set(&c, "AWS_SESSION_TOKEN", "s3-token-value", &e), KR_OK);
    assert_int_equal(config_set(&c, "KARAT_S3_PART_BYTES", "4MiB", &e), KR_EINVAL);
    buf_init(&out, 0);
    config_dump(&c, &out);
    assert_null(strstr((char *)out.data, "alpha"));
    assert_non_null(strstr((char *)out.data, "KARAT_API_KEYS=****(set)"));
    assert_null(strstr((char *)out.data, "s3-secret-value"));
    assert_null(strstr((char *)out.data, "s3-token-value"));
    assert_non_null(strstr((char *)out.data, "AWS_SESSION_TOKEN=****(set)"));
    char map[64];
    assert_string_equal(config_map_get(" a = https://x/ , b=y", "a", map, sizeof map), "https://x/");
    assert_null(config_map_get("a=x", "c", map, sizeof map));
    buf_release(&out);
    config_release(&c);
    unsetenv("KARAT_API_KEYS");
}

/* Every variable of the table must be documented in docs/CONFIG.md. */
static void test_config_documented(void **state)
{
    char *doc = read_doc("CONFIG.md");
    (void)state;
    for (const struct config_var *v = config_vars(); v->name; v++) {
        char needle[128];
        snprintf(needle, sizeof needle, "`%s`", v->name);
        if (!strstr(doc, needle))
            fail_msg("docs/CONFIG.md does not document %s", v->name);
    }
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err),
        cmocka_unit_test(test_err_retry),
        cmocka_unit_test(test_err_slug_table),
        cmocka_unit_test(test_err_slugs_documented),
        cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_util),
        cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_buf_read_file),
        cmocka_unit_test(test_config_sources),
        cmocka_unit_test(test_config_secrets_and_keys),
        cmocka_unit_test(test_config_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
