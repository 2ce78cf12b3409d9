/*
 * test_generate.c - whole requests into a folder store, offline: types 1 and
 * 3 made, scene types refused per item, complex photos refused per item, the
 * ZIP holding exactly the good items, unique names, request validation, and
 * regeneration that either replaces image + ZIP entry or changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "studio/studio.h"
#include "synth.h"
#include "testutil.h"

struct fx {
    char dir[512];
    struct studio_store *st;
    struct config cfg;
    struct pool *pool;
    struct studio_env env;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct kr_err err;
    if (image_init("test", &err))
        return -1;
    tu_tmpdir(f->dir, sizeof f->dir);
    if (studio_store_dir_open(f->dir, &f->st, &err))
        return -1;
    if (config_load(&f->cfg, &err) || pool_create(f->cfg.studio_workers, image_thread_cleanup, &f->pool, &err))
        return -1;
    studio_env_from_config(&f->cfg, NULL, f->pool, &f->env);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    studio_store_close(f->st);
    pool_destroy(f->pool);
    config_release(&f->cfg);
    tu_rmrf(f->dir);
    free(f);
    return 0;
}

static struct studio_request request(const char *types, int sizes)
{
    struct studio_request r = {.product = STUDIO_EARRINGS};
    struct kr_err err;
    assert_int_equal(studio_types_parse(types, r.types, &r.ntypes, &err), KR_OK);
    strcpy(r.marketplace, "amazon");
    if (sizes) {
        studio_length_parse("25mm", &r.height, &err);
        studio_length_parse("12mm", &r.width, &err);
    }
    return r;
}

/* A whole request with sizes that must succeed; its response. */
static json_t *generate_ok(struct fx *f, const struct studio_source *src, const char *types)
{
    struct studio_request r = request(types, 1);
    json_t *res = NULL;
    struct kr_err err;
    assert_int_equal(studio_generate(&f->env, src, &r, f->st, &res, &err), KR_OK);
    return res;
}

static json_t *item(json_t *res, size_t i)
{
    return json_array_get(json_object_get(res, "gen_images"), i);
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The ZIP's entries are exactly the good items, byte for byte. */
static void check_zip(json_t *res, size_t want)
{
    size_t zn, n, seen = 0;
    unsigned char *zip = tu_read_file(str(res, "zip_url"), &zn);
    json_t *names, *it;
    struct kr_err err;
    size_t i;
    assert_non_null(zip);
    assert_int_equal(studio_zip_names(zip, zn, &names, &err), KR_OK);
    assert_int_equal(json_array_size(names), want);
    json_array_foreach(json_object_get(res, "gen_images"), i, it)
    {
        const char *url = str(it, "image_url"), *base;
        unsigned char *file;
        struct buf b;
        if (!url)
            continue;
        base = strrchr(url, '/') + 1;
        assert_string_equal(json_string_value(json_array_get(names, seen++)), base);
        file = tu_read_file(url, &n);
        buf_init(&b, 0);
        assert_int_equal(studio_zip_read(zip, zn, base, &b, &err), KR_OK);
        assert_int_equal(b.len, n);
        assert_memory_equal(b.data, file, n);
        buf_release(&b);
        free(file);
    }
    assert_int_equal(seen, want);
    json_decref(names);
    free(zip);
}

static void test_offline_types(void **state)
{
    struct fx *f = *state;
    size_t n;
    unsigned char *jpg = syn_photo(SYN_HOOPS, SYN_OFFWHITE, 1600, 1000, 1, "jpeg", &n);
    struct studio_source src = {jpg, n, "http://x/files/alyaimg/hoops.jpg", "hoops.jpg"};
    json_t *res = generate_ok(f, &src, "1,3,2"), *c;

    assert_string_equal(str(res, "original_image_url"), src.url);
    assert_int_equal(json_array_size(json_object_get(res, "gen_images")), 3);
    assert_int_equal(json_integer_value(json_object_get(item(res, 0), "image_type")), 1);
    assert_string_equal(str(item(res, 0), "image_type_name"), "White Background");
    assert_int_equal(json_integer_value(json_object_get(item(res, 1), "prompt_index")), 1);
    assert_non_null(strstr(str(item(res, 0), "image_url"), "hoops_"));
    assert_non_null(strstr(str(item(res, 0), "image_url"), "_type1.jpg"));
    c = json_object_get(item(res, 0), "compliance");
    assert_true(json_is_true(json_object_get(c, "ok")));
    assert_string_equal(str(c, "role"), "main");
    assert_non_null(strstr(str(item(res, 1), "image_url"), "_type3.jpg"));
    assert_string_equal(str(json_object_get(item(res, 1), "compliance"), "role"), "secondary");
    /* the scene type fails on its own, with a clear code */
    assert_true(json_is_null(json_object_get(item(res, 2), "image_url"))); /* present, null */
    assert_string_equal(str(item(res, 2), "code"), "image_provider_offline");
    assert_non_null(strstr(str(item(res, 2), "error"), "KARAT_IMAGE_PROVIDER"));
    check_zip(res, 2);
    { /* the same source name again: new names, nothing overwritten */
        json_t *res2 = generate_ok(f, &src, "1,3,2");
        assert_string_not_equal(str(item(res, 0), "image_url"), str(item(res2, 0), "image_url"));
        assert_string_not_equal(str(res, "zip_url"), str(res2, "zip_url"));
        check_zip(res, 2); /* the first request's files are still what its ZIP holds */
        check_zip(res2, 2);
        json_decref(res2);
    }
    json_decref(res);
    free(jpg);
}

static void test_complex_photo_per_item(void **state)
{
    struct fx *f = *state;
    size_t n;
    unsigned char *jpg = syn_photo(SYN_HOOPS, SYN_BUSY, 1200, 1000, 2, "jpeg", &n);
    struct studio_source src = {jpg, n, "u", "worn.jpg"};
    json_t *res = generate_ok(f, &src, "1,3");

    for (int i = 0; i < 2; i++) {
        assert_string_equal(str(item(res, i), "code"), "background_too_complex");
        assert_non_null(strstr(str(item(res, i), "error"), "plain light background"));
    }
    check_zip(res, 0);
    json_decref(res);
    free(jpg);
}

static void test_bad_sources(void **state)
{
    struct fx *f = *state;
    size_t n;
    unsigned char *jpg = syn_photo(SYN_PENDANT, SYN_WHITE, 1000, 1000, 3, "jpeg", &n);
    struct studio_source src = {"hello, world", 12, "u", "x.jpg"};
    struct studio_request r = request("1", 0);
    json_t *res = NULL;
    struct kr_err err;

    assert_int_equal(studio_generate(&f->env, &src, &r, f->st, &res, &err), KR_EINVAL);
    assert_string_equal(err.slug, "not_an_image");
    assert_null(res);
    f->env.max_pixels = 100000; /* the 1 MP photo is now "huge" */
    src = (struct studio_source){jpg, n, "u", "big.jpg"};
    assert_int_equal(studio_generate(&f->env, &src, &r, f->st, &res, &err), KR_ELIMIT);
    assert_string_equal(err.slug, "too_many_pixels");
    f->env.max_pixels = f->cfg.max_pixels;
    r = request("3", 0); /* type 3 without sizes */
    assert_int_equal(studio_generate(&f->env, &src, &r, f->st, &res, &err), KR_EINVAL);
    assert_string_equal(err.slug, "dimensions_required");
    free(jpg);
}

static enum kr_code parse(const char *json, const struct studio_env *env, struct studio_request *r,
                          struct kr_err *err)
{
    json_t *j = json_loads(json, 0, NULL);
    enum kr_code rc;
    assert_non_null(j);
    rc = studio_request_from_json(j, env, r, err);
    json_decref(j);
    return rc;
}

static void test_request_json(void **state)
{
    struct fx *f = *state;
    struct studio_env env = f->env, *fe = &f->env;
    struct studio_request r;
    struct kr_err err;
    /* the config table's defaults */
    assert_int_equal(parse("{\"product_type\":\"earrings\"}", fe, &r, &err), KR_OK);
    assert_int_equal(r.ntypes, 4);
    assert_int_equal(r.types[0] * 1000 + r.types[1] * 100 + r.types[2] * 10 + r.types[3], 1245);
    assert_int_equal(parse("{\"product_type\":\"Bracelet\"}", fe, &r, &err), KR_OK);
    assert_int_equal(r.types[0] * 1000 + r.types[1] * 100 + r.types[2] * 10 + r.types[3], 1672);
    env.default_types[STUDIO_NECKLACE] = "1,5";
    assert_int_equal(parse("{\"product_type\":\"nec\"}", &env, &r, &err), KR_OK);
    assert_int_equal(r.ntypes, 2);
    assert_int_equal(r.types[1], 5);
    assert_int_equal(parse("{\"product_type\":\"ear\",\"image_types\":[1,3],\"height\":25,"
                           "\"width\":\"1.2cm\",\"num_images\":1,\"marketplace\":\"Meesho\"}",
                           fe, &r, &err),
                     KR_OK);
    assert_int_equal(r.ntypes, 1);
    assert_string_equal(r.marketplace, "meesho");
    assert_true(r.height.value == 25 && !strcmp(r.height.unit, "mm"));
    assert_true(r.width.value == 1.2 && !strcmp(r.width.unit, "cm"));
    assert_int_equal(parse("{\"product_type\":\"ear\",\"image_types\":[1,9]}", fe, &r, &err),
                     KR_EINVAL);
    assert_string_equal(err.slug, "unknown_image_type");
    assert_non_null(strstr(err.msg, "5 Model Wearing"));
    assert_int_equal(parse("{\"product_type\":\"ear\",\"image_types\":\"3\"}", fe, &r, &err),
                     KR_EINVAL);
    assert_string_equal(err.slug, "dimensions_required");
    assert_int_equal(parse("{\"product_type\":\"ring\"}", fe, &r, &err), KR_EINVAL);
    assert_string_equal(err.slug, "invalid_product_type");
    assert_int_equal(parse("{\"product_type\":\"ear\",\"num_images\":5}", fe, &r, &err), KR_EINVAL);
    assert_int_equal(parse("{\"product_type\":\"ear\",\"image_types\":[1,1]}", fe, &r, &err),
                     KR_EINVAL);
    assert_int_equal(parse("{\"product_type\":\"ear\",\"height\":\"25 inch\"}", fe, &r, &err),
                     KR_EINVAL);
    assert_string_equal(err.slug, "bad_size_unit");
    assert_int_equal(parse("{\"product_type\":\"ear\",\"height\":-3}", fe, &r, &err), KR_EINVAL);
    /* no defaults of its own: a missing option is refused */
    env.default_types[STUDIO_NECKLACE] = NULL;
    assert_int_equal(parse("{\"product_type\":\"nec\"}", &env, &r, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
}

/* studio_generate refuses an environment without a pool or a pixel limit. */
static void test_env_options(void **state)
{
    struct fx *f = *state;
    struct studio_env env = f->env;
    size_t n;
    unsigned char *jpg = syn_photo(SYN_PENDANT, SYN_WHITE, 600, 600, 3, "jpeg", &n);
    struct studio_source src = {jpg, n, "u", "x.jpg"};
    struct studio_request r = request("1", 0);
    json_t *res = NULL;
    struct kr_err err;

    env.pool = NULL;
    assert_int_equal(studio_generate(&env, &src, &r, f->st, &res, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    env = f->env;
    env.max_pixels = 0;
    assert_int_equal(studio_generate(&env, &src, &r, f->st, &res, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    assert_null(res);
    free(jpg);
}

static void test_regenerate(void **state)
{
    struct fx *f = *state;
    size_t n1, n2, n3, len;
    unsigned char *hoops = syn_photo(SYN_HOOPS, SYN_WHITE, 1400, 1000, 4, "jpeg", &n1);
    unsigned char *pend = syn_photo(SYN_PENDANT, SYN_WHITE, 1000, 1200, 5, "jpeg", &n2);
    unsigned char *busy = syn_photo(SYN_PENDANT, SYN_BUSY, 1000, 1200, 6, "jpeg", &n3);
    struct studio_source src = {hoops, n1, "u", "ring.jpg"};
    struct studio_regen_request rq = {.product = STUDIO_EARRINGS, .prompt_index = 0};
    unsigned char *img0, *zip0, *img1, *zip1;
    size_t li0, lz0, li1, lz1;
    json_t *res = generate_ok(f, &src, "1,3"), *out;
    struct kr_err err;
    enum kr_code rc;

    rq.old_generated_url = str(item(res, 0), "image_url");
    rq.old_zip_url = str(res, "zip_url");
    img0 = tu_read_file(rq.old_generated_url, &li0);
    zip0 = tu_read_file(rq.old_zip_url, &lz0);

    /* failure while generating: a photo that cannot be cut out -> nothing changes */
    src = (struct studio_source){busy, n3, "u", "busy.jpg"};
    /* either refusal means "cannot be cut out" (which one depends on
     * libvips' arithmetic: with its vector code off this photo reads as
     * having no piece rather than a too-complex background) */
    rc = studio_regenerate(&f->env, &src, &rq, f->st, &out, &err);
    assert_true(rc != KR_OK);
    assert_true(err.slug_id == KRS_BACKGROUND_TOO_COMPLEX || err.slug_id == KRS_NO_PIECE_FOUND);
    img1 = tu_read_file(rq.old_generated_url, &li1);
    zip1 = tu_read_file(rq.old_zip_url, &lz1);
    assert_int_equal(li1, li0);
    assert_memory_equal(img1, img0, li0);
    assert_int_equal(lz1, lz0);
    assert_memory_equal(zip1, zip0, lz0);
    free(img1);
    free(zip1);

    /* read-back limits come from the caller (KARAT_STUDIO_MAX_*_BYTES); a ZIP over the limit
     * is refused and nothing changes */
    {
        struct studio_env env = f->env;
        env.read_max.zip_bytes = 0;
        assert_int_equal(studio_regenerate(&env, &src, &rq, f->st, &out, &err), KR_EINVAL);
        assert_string_equal(err.slug, "bad_option");
        env.read_max.zip_bytes = (long long)lz0 - 1;
        assert_int_equal(studio_regenerate(&env, &src, &rq, f->st, &out, &err), KR_ELIMIT);
        assert_string_equal(err.slug, "too_large");
    }

    /* URLs that are not this store's generated files are refused */
    rq.old_generated_url = "/etc/passwd";
    assert_int_equal(studio_regenerate(&f->env, &src, &rq, f->st, &out, &err), KR_EINVAL);
    assert_string_equal(err.slug, "not_generated_file");
    rq.old_generated_url = str(item(res, 0), "image_url");
    rq.old_zip_url = str(item(res, 1), "image_url"); /* not a ZIP */
    assert_int_equal(studio_regenerate(&f->env, &src, &rq, f->st, &out, &err), KR_EINVAL);
    rq.old_zip_url = str(res, "zip_url");

    /* success: the pendant replaces the hoops in the file and in the ZIP, in place */
    src = (struct studio_source){pend, n2, "u", "pendant.jpg"};
    assert_int_equal(studio_regenerate(&f->env, &src, &rq, f->st, &out, &err), KR_OK);
    assert_string_equal(str(out, "image_url"), rq.old_generated_url);
    assert_string_equal(str(out, "zip_url"), rq.old_zip_url);
    assert_int_equal(json_integer_value(json_object_get(out, "image_type")), 1);
    assert_true(json_is_true(json_object_get(json_object_get(out, "compliance"), "ok")));
    json_decref(out);
    img1 = tu_read_file(rq.old_generated_url, &li1);
    assert_true(li1 != li0 || memcmp(img1, img0, li0) != 0);
    check_zip(res, 2); /* the ZIP entry now equals the new file, order unchanged */
    len = 0;
    free(tu_read_file(str(item(res, 1), "image_url"), &len)); /* type 3 untouched */
    assert_true(len > 0);

    /* type 3 needs its sizes again */
    rq.old_generated_url = str(item(res, 1), "image_url");
    assert_int_equal(studio_regenerate(&f->env, &src, &rq, f->st, &out, &err), KR_EINVAL);
    assert_string_equal(err.slug, "dimensions_required");
    json_decref(res);
    free(img0);
    free(zip0);
    free(img1);
    free(hoops);
    free(pend);
    free(busy);
}

/* w x h of a stored image, by its path. */
static void dims_of(const char *path, int *w, int *h)
{
    size_t n;
    unsigned char *b = tu_read_file(path, &n);
    struct image_info in;
    struct kr_err err;
    assert_non_null(b);
    assert_int_equal(image_probe(b, n, 0, &in, &err), KR_OK);
    *w = in.oriented_width;
    *h = in.oriented_height;
    free(b);
}

/* size 1080x1440: the piece re-composed on a 3:4 canvas (never stretched),
 * Meesho's rules pass, Flipkart only warns; regenerating keeps the size. */
static void test_portrait_size(void **state)
{
    struct fx *f = *state;
    size_t n;
    unsigned char *jpg = syn_photo(SYN_HOOPS, SYN_WHITE, 1400, 1000, 4, "jpeg", &n);
    struct studio_source src = {jpg, n, "u", "hoops.jpg"};
    struct studio_request r = request("1,3", 1);
    struct studio_regen_request rq = {.product = STUDIO_EARRINGS};
    json_t *res = NULL, *out = NULL, *c;
    struct kr_err err;
    int w, h;

    r.size = STUDIO_SIZE_PORTRAIT;
    strcpy(r.marketplace, "meesho");
    assert_int_equal(studio_generate(&f->env, &src, &r, f->st, &res, &err), KR_OK);
    for (size_t i = 0; i < 2; i++) {
        dims_of(str(item(res, i), "image_url"), &w, &h);
        assert_int_equal(w, 1080);
        assert_int_equal(h, 1440);
        c = json_object_get(item(res, i), "compliance");
        assert_true(json_is_true(json_object_get(c, "ok")));
    }
    check_zip(res, 2);
    rq.old_generated_url = str(item(res, 0), "image_url");
    rq.old_zip_url = str(res, "zip_url");
    strcpy(rq.marketplace, "flipkart");
    assert_int_equal(studio_regenerate(&f->env, &src, &rq, f->st, &out, &err), KR_OK);
    dims_of(rq.old_generated_url, &w, &h);
    assert_int_equal(w * 10000 + h, 1080 * 10000 + 1440);
    c = json_object_get(out, "compliance");
    assert_true(json_is_true(json_object_get(c, "ok")));
    assert_true(json_array_size(json_object_get(c, "warnings")) >= 1); /* 1:1 preferred */
    json_decref(out);
    json_decref(res);
    /* the JSON option */
    assert_int_equal(parse("{\"product_type\":\"ear\",\"image_types\":[1],"
                           "\"size\":\"1080x1440\"}",
                           &f->env, &r, &err),
                     KR_OK);
    assert_int_equal(r.size, STUDIO_SIZE_PORTRAIT);
    assert_int_equal(parse("{\"product_type\":\"ear\",\"image_types\":[1]}", &f->env, &r, &err),
                     KR_OK);
    assert_int_equal(r.size, STUDIO_SIZE_SQUARE);
    assert_int_equal(parse("{\"product_type\":\"ear\",\"size\":\"1080x1080\"}", &f->env, &r, &err),
                     KR_EINVAL);
    assert_string_equal(err.slug, "bad_image_size");
    assert_int_equal(parse("{\"product_type\":\"ear\",\"size\":34}", &f->env, &r, &err), KR_EINVAL);
    free(jpg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offline_types), cmocka_unit_test(test_complex_photo_per_item),
        cmocka_unit_test(test_bad_sources),   cmocka_unit_test(test_request_json),
        cmocka_unit_test(test_regenerate),    cmocka_unit_test(test_env_options),
        cmocka_unit_test(test_portrait_size),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
