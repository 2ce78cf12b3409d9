/*
 * studio_speed.c - how long the offline studio takes on a 12 MP photo.
 *
 * The photo is synthesised here (tests/unit/studio/synth.h): 4000 x 3000,
 * two gold hoops on off-white paper with a gentle gradient and sensor noise,
 * JPEG quality 92 (about the size of a phone photo). Measured, median of N
 * runs each:
 *   type1      - cut-out + 2000x2000 white canvas + JPEG encode
 *   type1+chk  - the same plus the compliance check of the encoded JPEG
 *   generate   - a whole offline request, types 1 and 3 (cut-out once, both
 *                items rendered, checked, stored in a temp folder, ZIP built
 *                and stored), as `karat images --types 1,3` does
 * Run it on one core with: VIPS_CONCURRENCY=1 taskset -c 0 bench_studio_speed
 * Usage: bench_studio_speed [RUNS] [--source FILE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/unit/studio/synth.h"
#include "core/buf.h"
#include "core/pool.h"
#include "core/util.h"
#include "studio/studio.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static int type1(const unsigned char *jpg, size_t n, int check)
{
    struct studio_cutout c;
    struct studio_compose_opts o = {0};
    struct image_px canvas;
    unsigned char *out;
    size_t len;
    struct kr_err err;
    int ok = 0;
    if (studio_cutout_make(jpg, n, 0, 1700, &c, &err) ||
        studio_compose_white(&c, &o, &canvas, NULL, &err) ||
        image_encode(&canvas, "jpeg", 92, &out, &len, &err)) {
        fprintf(stderr, "type1: %s\n", err.msg);
        return -1;
    }
    if (check) {
        json_t *rep;
        if (studio_check_image(&(struct studio_check_req){out, len, "amazon", 0}, &rep, &ok, &err))
            return -1;
        json_decref(rep);
    }
    free(out);
    free(canvas.data);
    studio_cutout_release(&c);
    return 0;
}

/* As `karat images` sets it up: the config table's options, one pool. */
static struct studio_env env;

static int generate(const unsigned char *jpg, size_t n, const char *dir)
{
    struct studio_store *st;
    struct studio_source src = {jpg, n, "photo.jpg", "photo.jpg"};
    struct studio_request r = {.product = STUDIO_EARRINGS, .types = {1, 3}, .ntypes = 2};
    json_t *res;
    struct kr_err err;
    strcpy(r.marketplace, "amazon");
    studio_length_parse("25mm", &r.height, &err);
    studio_length_parse("12mm", &r.width, &err);
    if (studio_store_dir_open(dir, &st, &err) || studio_generate(&env, &src, &r, st, &res, &err)) {
        fprintf(stderr, "generate: %s\n", err.msg);
        return -1;
    }
    for (int i = 0; i < 2; i++)
        if (json_object_get(json_array_get(json_object_get(res, "gen_images"), i), "error")) {
            fprintf(stderr, "generate: item %d failed\n", i);
            return -1;
        }
    json_decref(res);
    studio_store_close(st);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : 5;
    const char *source = NULL;
    unsigned char *jpg;
    size_t n;
    double t1[64], t2[64], t3[64];
    char dir[] = "/tmp/karat-studio-speed-XXXXXX";
    struct config cfg;
    struct pool *pool;
    struct kr_err err;

    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--source") && i + 1 < argc)
            source = argv[++i];
    runs = runs > 64 ? 64 : runs;
    if (image_init(argv[0], &err) || !mkdtemp(dir) || config_load(&cfg, &err) ||
        pool_create(cfg.studio_workers, image_thread_cleanup, &pool, &err))
        return 2;
    studio_env_from_config(&cfg, NULL, pool, &env);
    if (source) {
        struct buf b;
        buf_init(&b, 0);
        if (buf_read_file(&b, source, &err))
            return 2;
        jpg = buf_detach(&b, &n);
    } else {
        jpg = syn_photo(SYN_HOOPS, SYN_OFFWHITE, 4000, 3000, 12, "jpeg", &n);
    }
    if (!jpg)
        return 2;
    type1(jpg, n, 0); /* warm caches (fonts, vips operation table) */
    generate(jpg, n, dir);
    for (int r = 0; r < runs; r++) {
        double t = util_now_ms();
        if (type1(jpg, n, 0))
            return 1;
        t1[r] = util_now_ms() - t;
        t = util_now_ms();
        if (type1(jpg, n, 1))
            return 1;
        t2[r] = util_now_ms() - t;
        t = util_now_ms();
        if (generate(jpg, n, dir))
            return 1;
        t3[r] = util_now_ms() - t;
    }
    printf("source: %s, %zu bytes; %d runs, median ms\n",
           source ? source : "synthetic 4000x3000 JPEG q92", n, runs);
    printf("| step | median ms |\n|---|---|\n");
    printf("| type 1 (cut-out + canvas + JPEG) | %.0f |\n", median(t1, runs));
    printf("| type 1 + compliance check | %.0f |\n", median(t2, runs));
    printf("| whole request, types 1 and 3 (stored + ZIP) | %.0f |\n", median(t3, runs));
    {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd)) {
        }
    }
    free(jpg);
    pool_destroy(pool);
    config_release(&cfg);
    image_shutdown();
    return 0;
}
