/*
 * cmd_images.c - `karat images [--types 1,3] [--height 25mm --width 12mm]
 * -o DIR IMAGE`: the image studio from the command line.
 *
 * Runs the same request as POST /generate-images (studio_generate) on a
 * local photo, writes the images and the ZIP into DIR under fresh unique
 * names, and prints the same JSON, with file paths where the endpoint has
 * URLs. Scene types (2, 4-8) use the configured image provider
 * (KARAT_IMAGE_PROVIDER and its key); offline they fail per item.
 * Exit status: 0 when every item was made, 1 when some failed (the JSON
 * says which and why), 2 for usage errors and unreadable or invalid photos.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/util.h"
#include "studio/studio.h"

#define USAGE                                                                                      \
    "karat images [--types 1,3] [--product earrings] [--height 25mm --width 12mm] [--shadow] "     \
    "[--marketplace amazon] [--size 2000x2000|1080x1440] -o DIR IMAGE"

static const struct cli_opt opts[] = {
    {"--output", 1, "folder for the images and the ZIP (also -o)"},
    {"--types", 1, "image types, e.g. 1,3 (default: the product's set, KARAT_IMAGE_TYPES_*)"},
    {"--product", 1, "earrings (default), bracelet or necklace"},
    {"--height", 1, "piece height for type 3, e.g. 25mm or 2.5cm"},
    {"--width", 1, "piece width for type 3"},
    {"--shadow", 0, "soft contact shadow under the piece on types 1 and 3"},
    {"--marketplace", 1, "compliance rules: amazon (default), flipkart or meesho"},
    {"--size", 1, "2000x2000 (default) or 1080x1440 (3:4, for Meesho): re-composed, never stretched"},
    {"--data", 1, "data folder (for karat.conf; nothing is stored there)"},
    {NULL, 0, NULL},
};

/* -o DIR is the one short option: rewrite it for cli_parse. */
static char **long_opts(int argc, char **argv)
{
    char **v = calloc((size_t)argc + 1, sizeof *v);
    for (int i = 0; v && i < argc; i++)
        v[i] = strcmp(argv[i], "-o") == 0 ? "--output" : argv[i];
    return v;
}

static int build_request(const struct cli_args *a, const struct studio_env *env,
                         struct studio_request *r, struct kr_err *err)
{
    const char *types = cli_get(a, opts, "--types"), *h = cli_get(a, opts, "--height");
    const char *w = cli_get(a, opts, "--width"), *m = cli_get(a, opts, "--marketplace");
    const char *p = cli_get(a, opts, "--product"), *size = cli_get(a, opts, "--size");

    memset(r, 0, sizeof *r);
    util_strlcpy(r->marketplace, m && *m ? m : STUDIO_MARKETPLACE, sizeof r->marketplace);
    r->shadow = cli_get(a, opts, "--shadow") != NULL;
    if (studio_product_parse(p && *p ? p : "earrings", &r->product, err))
        return -1;
    if (size && studio_size_parse(size, &r->size, err))
        return -1;
    if (types ? studio_types_parse(types, r->types, &r->ntypes, err)
              : studio_default_types(env, r->product, r->types, &r->ntypes, err))
        return -1;
    if ((h && studio_length_parse(h, &r->height, err)) ||
        (w && studio_length_parse(w, &r->width, err)))
        return -1;
    return studio_request_check(r, err) ? -1 : 0;
}

static int failed_items(json_t *res)
{
    json_t *it;
    size_t i;
    int n = 0;
    json_array_foreach(json_object_get(res, "gen_images"), i, it) n +=
        json_object_get(it, "error") != NULL;
    return n;
}

static int run(const struct config *cfg, const struct cli_args *a, const char *out_dir)
{
    struct studio_request r;
    struct studio_store *st = NULL;
    struct studio_env env;
    const struct app_opts o = {APP_AI | APP_POOL, NULL, NULL, NULL};
    struct app *app = NULL;
    struct buf b;
    json_t *res = NULL;
    struct kr_err err = {0};
    int rc = 2;

    buf_init(&b, (size_t)cfg->max_upload_bytes);
    studio_env_from_config(cfg, NULL, NULL, &env);
    if (build_request(a, &env, &r, &err) || buf_read_file(&b, a->pos[0], &err) ||
        app_open(cfg, &o, &app, &err) || studio_store_dir_open(out_dir, &st, &err)) {
        fprintf(stderr, "karat images: %s\n", err.msg);
        goto out;
    }
    env.ai = app->ai;
    env.pool = app->pool;
    {
        struct studio_source src = {b.data, b.len, a->pos[0], a->pos[0]};
        if (studio_generate(&env, &src, &r, st, &res, &err)) {
            fprintf(stderr, "karat images: %s (%s)\n", err.msg, err.slug ? err.slug : "error");
            goto out;
        }
    }
    json_dumpf(res, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    fputc('\n', stdout);
    rc = failed_items(res) ? 1 : 0;
out:
    json_decref(res);
    app_close(app);
    studio_store_close(st);
    buf_release(&b);
    return rc;
}

int cli_cmd_images(int argc, char **argv)
{
    struct cli_args a;
    struct config cfg;
    char **v = long_opts(argc, argv);
    const char *out_dir;
    int rc;

    if (!v)
        return 2;
    rc = cli_parse(argc, v, opts, USAGE, &a);
    out_dir = rc ? NULL : cli_get(&a, opts, "--output");
    if (!rc && (a.npos != 1 || !out_dir || !*out_dir)) {
        fprintf(stderr, "usage: %s\n", USAGE);
        rc = 2;
    }
    if (!rc && cli_start(&cfg, cli_get(&a, opts, "--data")))
        rc = 2;
    else if (!rc) {
        rc = run(&cfg, &a, out_dir);
        cli_finish(&cfg);
    }
    free(v);
    return rc;
}
