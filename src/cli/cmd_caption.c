/*
 * cmd_caption.c - `karat caption IMAGE [--type earrings]`: caption one photo
 * from the command line and print the JSON /generate_caption returns.
 *
 * Uses the same code as the endpoint (caption_describe, then the endpoint's
 * JSON shape, api_caption_json) and the same AI configuration (providers,
 * keys, base URLs). The photo is not stored, so "s3_url" is null;
 * "display_name" is the file's base name. With --data (or KARAT_DATA_DIR)
 * the caption is recorded as a product in that folder's store, as the
 * server's /generate_caption does, named by --sku (default: the file's
 * base name without its extension).
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "app/app.h"
#include "caption/caption.h"

static const struct cli_opt opts[] = {
    {"--type", 1, "jewellery type used in the copy (default: earrings)"},
    {"--data", 1, "data folder: karat.conf, and the store the product is recorded in"},
    {"--sku", 1, "the product's SKU in the store (default: the file name without extension)"},
    {NULL, 0, NULL},
};

/* record: the product goes into the data folder's store. */
static int caption_file(const struct config *cfg, const char *path, const char *type,
                        const char *sku, int record)
{
    struct kr_err err = {0};
    const struct app_opts o = {APP_AI | (record ? APP_STORE : 0), NULL, NULL, NULL};
    struct app *app = NULL;
    struct buf b;
    json_t *out = NULL;
    struct caption_result c = {0};
    const char *base = strrchr(path, '/');
    int rc = 2; /* 1 means "--help shown" to cli_main */

    buf_init(&b, (size_t)cfg->max_upload_bytes);
    if (buf_read_file(&b, path, &err) || app_open(cfg, &o, &app, &err) ||
        caption_describe(app->ai, cfg->max_pixels,
                         &(struct caption_req){.data = b.data, .len = b.len, .type = type}, &c,
                         &err)) {
        fprintf(stderr, "karat caption: %s (%s)\n", err.msg, err.slug ? err.slug : "error");
        goto out;
    }
    if (app->store) {  /* best effort, as the server's: a failure is logged */
        char def[256]; /* the base name without its extension, as karat catalog's SKUs */
        const char *name = base ? base + 1 : path, *dot = strrchr(name, '.');
        snprintf(def, sizeof def, "%.*s",
                 (int)(dot && dot > name ? dot - name : (long)strlen(name)), name);
        app_note_caption_sku(app, path, sku && *sku ? sku : def, &c, type);
    }
    out = api_caption_json(&c, type);
    json_object_set_new(out, "display_name", json_string(base ? base + 1 : path));
    json_object_set_new(out, "s3_url", json_null());
    json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    rc = 0;
out:
    json_decref(out);
    caption_result_free(&c);
    app_close(app);
    buf_release(&b);
    return rc;
}

int cli_cmd_caption(int argc, char **argv)
{
    struct cli_args a;
    struct config cfg;
    const char *type;
    int rc = cli_parse(argc, argv, opts,
                       "karat caption IMAGE [--type earrings] [--sku S] [--data DIR]", &a);

    if (rc)
        return rc;
    if (a.npos != 1) {
        fprintf(stderr, "usage: karat caption IMAGE [--type earrings] [--sku S] [--data DIR]\n");
        return 2;
    }
    type = cli_get(&a, opts, "--type");
    if ((rc = cli_start(&cfg, cli_get(&a, opts, "--data"))) != 0)
        return rc;
    rc = caption_file(&cfg, a.pos[0], type && *type ? type : "earrings", cli_get(&a, opts, "--sku"),
                      cli_get(&a, opts, "--data") || getenv("KARAT_DATA_DIR"));
    cli_finish(&cfg);
    return rc;
}
