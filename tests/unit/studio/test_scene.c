/*
 * test_scene.c - AI scene types against the fake OpenAI / Gemini servers.
 *
 * The fake "model" answers with a scene in which the piece was redrawn: moved,
 * scaled and tinted blue. The studio must find it, put the real (gold)
 * pixels back at that place and scale, and deliver 2000 x 2000. Also: the
 * provider cut-out for busy photos, items failing independently, and a
 * scene without the piece.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "core/pool.h"
#include "fake_ai.h"
#include "studio/studio_int.h"
#include "synth.h"
#include "testutil.h"

static struct fake_ai *srv;
static struct studio_cutout cut; /* the hoops */
static struct pool *pool;

static int setup(void **state)
{
    struct kr_err err;
    size_t n;
    unsigned char *jpg;
    (void)state;
    if (image_init("test", &err))
        return -1;
    unsetenv("GOOGLE_API_KEY");
    unsetenv("API_KEY_GPT");
    setenv("OPENAI_API_KEY", "sk-test", 1);
    setenv("GOOGLE_API_KEY", "g-test", 1);
    jpg = syn_photo(SYN_HOOPS, SYN_WHITE, 1400, 1000, 8, "jpeg", &n);
    if (studio_cutout_make(jpg, n, 0, 900, &cut, &err) ||
        pool_create(4, image_thread_cleanup, &pool, &err))
        return -1;
    free(jpg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    studio_cutout_release(&cut);
    pool_destroy(pool);
    return 0;
}

static int each_setup(void **state)
{
    (void)state;
    srv = fake_ai_start();
    return 0;
}

static int each_teardown(void **state)
{
    (void)state;
    fake_ai_stop(srv);
    return 0;
}

static struct ai *open_ai(const char *image_provider)
{
    struct config cfg;
    struct ai *ai = NULL;
    struct kr_err err;
    struct ai_tuning t = {.max_attempts = 2,
                          .backoff_base_ms = 10,
                          .backoff_cap_ms = 20,
                          .max_wait_ms = 500,
                          .timeout_ms = 10000};
    assert_int_equal(config_load(&cfg, &err), KR_OK);
    config_set(&cfg, "KARAT_IMAGE_PROVIDER", image_provider, NULL);
    config_set(&cfg, "OPENAI_BASE_URL", fake_ai_base(srv), NULL);
    config_set(&cfg, "GEMINI_BASE_URL", fake_ai_base(srv), NULL);
    config_set(&cfg, "KARAT_AI_CONCURRENCY", "2", NULL);
    assert_int_equal(ai_open(&cfg, &ai, &err), KR_OK);
    config_release(&cfg);
    ai_set_tuning(ai, &t);
    return ai;
}

/* A 1024 scene: lilac gradient, the cut-out at (x, y) with long side `len`,
 * tinted blue like a model's redraw (or no piece when len == 0). PNG bytes. */
static unsigned char *scene_png(int x, int y, int len, size_t *n)
{
    int side = 1024, lng = cut.rgba.width > cut.rgba.height ? cut.rgba.width : cut.rgba.height;
    unsigned char *px = malloc((size_t)side * side * 3), *out = NULL;
    struct image_px sc = {side, side, 3, px};
    struct kr_err err;
    for (int i = 0; i < side * side; i++) {
        px[i * 3] = (unsigned char)(200 + (i / side) / 30);
        px[i * 3 + 1] = 190;
        px[i * 3 + 2] = (unsigned char)(220 - (i % side) / 40);
    }
    if (len) {
        struct studio_place p = {x, y, (double)len / lng, 1};
        struct studio_cutout tinted = cut;
        unsigned char *copy = malloc((size_t)cut.rgba.width * cut.rgba.height * 4);
        memcpy(copy, cut.rgba.data, (size_t)cut.rgba.width * cut.rgba.height * 4);
        for (int i = 0; i < cut.rgba.width * cut.rgba.height; i++) {
            unsigned char *q = copy + i * 4;
            q[0] = (unsigned char)(q[0] * 0.8);
            q[2] = (unsigned char)(q[2] * 0.6 + 90); /* gold drawn bluish */
        }
        tinted.rgba.data = copy;
        assert_int_equal(studio_paste(&sc, &tinted, &p, &err), KR_OK);
        free(copy);
    }
    assert_int_equal(image_encode(&sc, "png", 0, &out, n, &err), KR_OK);
    free(px);
    return out;
}

static void test_locate_finds_piece(void **state)
{
    size_t n;
    unsigned char *png = scene_png(300, 420, 520, &n);
    struct image_load_opts lo = {0};
    struct image_px sc, sq;
    struct studio_place p;
    struct kr_err err;
    double k = 2000.0 / 1024;
    (void)state;
    assert_int_equal(image_load(png, n, &lo, &sc, NULL, &err), KR_OK);
    assert_int_equal(studio_square(&sc, 2000, &sq, &err), KR_OK);
    assert_int_equal(studio_locate(&sq, &cut, 0.55, &p, &err), KR_OK);
    assert_true(fabs(p.x - 300 * k) < 6);
    assert_true(fabs(p.y - 420 * k) < 6);
    assert_true(fabs(p.scale * cut.rgba.width - 520 * k) < 0.03 * 520 * k);
    assert_true(p.score > 0.8);
    image_px_release(&sc);
    free(sq.data);
    free(png);
    png = scene_png(0, 0, 0, &n); /* no piece at all */
    assert_int_equal(image_load(png, n, &lo, &sc, NULL, &err), KR_OK);
    assert_int_equal(studio_locate(&sc, &cut, 0.55, &p, &err), KR_ENOTFOUND);
    assert_string_equal(err.slug, "piece_not_in_scene");
    image_px_release(&sc);
    free(png);
}

/* The real gold is back where the bluish redraw was. */
static void check_gold_at(const struct image_px *out, double x, double y)
{
    const unsigned char *p = out->data + ((size_t)y * out->width + (size_t)x) * 3;
    assert_true(p[0] > p[2] + 60);
}

static void scene_case(const char *provider, int gemini)
{
    struct ai *ai = open_ai(provider);
    size_t n;
    unsigned char *png = scene_png(250, 300, 600, &n);
    char *body = gemini ? fake_gemini_image(png, n, "image/png") : fake_openai_image(png, n);
    struct image_px out;
    struct kr_err err;
    const struct fake_request *rq;
    double k = 2000.0 / 1024, s = 600 * k / cut.rgba.width;

    fake_ai_push(srv, 200, body);
    assert_int_equal(
        studio_scene_make(ai, &(struct studio_scene_req){STUDIO_HAND, STUDIO_EARRINGS, &cut, 0, 0},
                          &out, &err),
        KR_OK);
    assert_int_equal(out.width, STUDIO_SIDE);
    assert_int_equal(out.height, STUDIO_SIDE);
    /* on the metal of the left hoop: the ring at 0.86 of its radius */
    check_gold_at(&out, 250 * k + (0.34 * 1400 - cut.box_x + 0.86 * 200) * s,
                  300 * k + (500 - cut.box_y) * s);
    assert_int_equal(fake_ai_count(srv), 1);
    rq = fake_ai_request(srv, 0);
    if (gemini) {
        json_t *j = fake_req_json(rq);
        char *dump = json_dumps(j, 0);
        assert_non_null(strstr(rq->url, ":generateContent"));
        assert_non_null(strstr(dump, "inlineData"));
        assert_non_null(strstr(dump, "exactly as it is"));
        free(dump);
        json_decref(j);
    } else {
        const struct fake_part *prompt = fake_req_part(rq, "prompt", 0);
        assert_non_null(strstr(rq->url, "/images/edits"));
        assert_non_null(fake_req_part(rq, "image[]", 0));
        assert_non_null(prompt);
        assert_non_null(memmem(prompt->data, prompt->len, "open, relaxed palm-up hand", 26));
    }
    free(out.data);
    free(body);
    free(png);
    ai_close(ai);
}

static void test_scene_openai(void **state)
{
    (void)state;
    scene_case("openai", 0);
}

static void test_scene_gemini(void **state)
{
    (void)state;
    scene_case("gemini", 1);
}

/* size 1080x1440: the scene is re-composed around the piece (a 3:4 window,
 * scaled evenly: the gold stays where the geometry says), and a piece too wide
 * for the window is letterboxed instead of cut. */
static void test_scene_portrait(void **state)
{
    struct ai *ai = open_ai("openai");
    size_t n;
    unsigned char *png = scene_png(250, 300, 600, &n);
    char *body = fake_openai_image(png, n);
    struct image_px out, sq, lb;
    struct kr_err err;
    double k = 2000.0 / 1024, s = 600 * k / cut.rgba.width, q = 1440.0 / 2000;
    double x = 250 * k + (0.34 * 1400 - cut.box_x + 0.86 * 200) * s;
    double y = 300 * k + (500 - cut.box_y) * s, x0 = (250 * k + 850 * k) / 2 - 750;
    (void)state;
    fake_ai_push(srv, 200, body);
    assert_int_equal(studio_scene_make(ai,
                                       &(struct studio_scene_req){STUDIO_HAND, STUDIO_EARRINGS,
                                                                  &cut, 0, STUDIO_SIZE_PORTRAIT},
                                       &out, &err),
                     KR_OK);
    assert_int_equal(out.width, 1080);
    assert_int_equal(out.height, 1440);
    check_gold_at(&out, (x - x0) * q, y * q);
    free(out.data);
    assert_int_equal(studio__px_alloc(&sq, 2000, 2000, 3, 40, &err), KR_OK);
    assert_int_equal(studio_portrait(&sq, &(struct studio_box){100, 900, 1900, 1100},
                                     (const int[2]){1080, 1440}, &lb, &err),
                     KR_OK);
    assert_int_equal(lb.width * 10000 + lb.height, 1080 * 10000 + 1440);
    assert_int_equal(lb.data[0], 255);                              /* white band on top */
    assert_int_equal(lb.data[((size_t)720 * 1080 + 540) * 3], 40); /* the scene in the middle */
    free(lb.data);
    free(sq.data);
    free(body);
    free(png);
    ai_close(ai);
}

static void test_scene_without_piece(void **state)
{
    struct ai *ai = open_ai("openai");
    size_t n;
    unsigned char *png = scene_png(0, 0, 0, &n);
    char *body = fake_openai_image(png, n);
    struct image_px out;
    struct kr_err err;
    (void)state;
    fake_ai_push(srv, 200, body);
    fake_ai_push(srv, 200, body);
    assert_int_equal(
        studio_scene_make(
            ai, &(struct studio_scene_req){STUDIO_LIFESTYLE, STUDIO_EARRINGS, &cut, 0, 0}, &out, &err),
        KR_ENOTFOUND);
    assert_string_equal(err.slug, "piece_not_in_scene");
    assert_int_equal(fake_ai_count(srv), 2); /* asked once more, then gave up */
    assert_null(out.data);
    free(body);
    free(png);
    ai_close(ai);
}

static void test_generate_with_provider(void **state)
{
    struct ai *ai = open_ai("openai");
    struct studio_env env = {.max_pixels = 50000000, .ai = ai, .pool = pool};
    struct studio_store *st;
    char dir[512];
    size_t n, pn;
    unsigned char *jpg = syn_photo(SYN_HOOPS, SYN_WHITE, 1400, 1000, 8, "jpeg", &n);
    unsigned char *png = scene_png(200, 260, 640, &pn);
    char *body = fake_openai_image(png, pn);
    struct studio_source src = {jpg, n, "url", "hoops.jpg"};
    struct studio_request r = {.product = STUDIO_EARRINGS, .types = {1, 2, 4, 5}, .ntypes = 4};
    json_t *res, *it;
    struct kr_err err;
    size_t i;
    int ok = 0, failed = 0;
    (void)state;
    strcpy(r.marketplace, "amazon");
    tu_tmpdir(dir, sizeof dir);
    assert_int_equal(studio_store_dir_open(dir, &st, &err), KR_OK);
    fake_ai_push(srv, 200, body);
    fake_ai_push(srv, 400,
                 "{\"error\":{\"message\":\"bad prompt\",\"type\":\"invalid_request_error\","
                 "\"param\":null,\"code\":null}}");
    fake_ai_push(srv, 200, body);
    assert_int_equal(studio_generate(&env, &src, &r, st, &res, &err), KR_OK);
    json_array_foreach(json_object_get(res, "gen_images"), i, it)
    {
        if (json_object_get(it, "error"))
            failed++;
        else
            ok++;
    }
    assert_int_equal(ok, 3);     /* type 1 and two scenes */
    assert_int_equal(failed, 1); /* the scene whose call got the 400 */
    assert_true(fake_ai_max_inflight(srv) <= 2);
    {
        size_t zn;
        unsigned char *zip = tu_read_file(json_string_value(json_object_get(res, "zip_url")), &zn);
        json_t *names;
        assert_int_equal(studio_zip_names(zip, zn, &names, &err), KR_OK);
        assert_int_equal(json_array_size(names), 3);
        json_decref(names);
        free(zip);
    }
    json_decref(res);
    studio_store_close(st);
    tu_rmrf(dir);
    free(body);
    free(png);
    free(jpg);
    ai_close(ai);
}

static void test_busy_photo_cut_by_provider(void **state)
{
    struct ai *ai = open_ai("openai");
    struct studio_env env = {.max_pixels = 50000000, .ai = ai, .pool = pool};
    struct studio_store *st;
    char dir[512];
    size_t n, wn;
    unsigned char *busy = syn_photo(SYN_PENDANT, SYN_BUSY, 1000, 1200, 3, "jpeg", &n);
    unsigned char *white = syn_photo(SYN_PENDANT, SYN_WHITE, 1024, 1024, 3, "png", &wn);
    char *body = fake_openai_image(white, wn);
    struct studio_source src = {busy, n, "url", "worn.jpg"};
    struct studio_request r = {.product = STUDIO_NECKLACE, .types = {1}, .ntypes = 1};
    json_t *res;
    struct kr_err err;
    (void)state;
    strcpy(r.marketplace, "amazon");
    tu_tmpdir(dir, sizeof dir);
    assert_int_equal(studio_store_dir_open(dir, &st, &err), KR_OK);
    fake_ai_push(srv, 200, body);
    assert_int_equal(studio_generate(&env, &src, &r, st, &res, &err), KR_OK);
    {
        json_t *it = json_array_get(json_object_get(res, "gen_images"), 0);
        assert_null(json_object_get(it, "error"));
        assert_true(json_is_true(json_object_get(json_object_get(it, "compliance"), "ok")));
    }
    assert_int_equal(fake_ai_count(srv), 1);
    json_decref(res);
    studio_store_close(st);
    tu_rmrf(dir);
    free(body);
    free(busy);
    free(white);
    ai_close(ai);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_locate_finds_piece),
        cmocka_unit_test_setup_teardown(test_scene_openai, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_scene_gemini, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_scene_without_piece, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_scene_portrait, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_generate_with_provider, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_busy_photo_cut_by_provider, each_setup, each_teardown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
