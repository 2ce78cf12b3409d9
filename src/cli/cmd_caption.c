/*
 * cmd_caption.c - `karat caption IMAGE [--type earrings]`: caption one photo
 * from the command line and print the JSON /generate_caption returns.
 *
 * Uses the same code as the endpoint (caption_describe, then the endpoint's
 * JSON shape, api_caption_json) and the same AI configuration (providers,
 * keys, base URLs). Nothing is stored, so
 * "s3_url" is null; "display_name" is the file's base name.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "app/app.h"
#include "caption/caption.h"

static const struct cli_opt opts[] = {
    {"--type", 1, "jewellery type used in the copy (default: earrings)"},
    {"--data", 1, "data folder (for karat.conf; nothing is written)"},
    {NULL, 0, NULL},
};

static int caption_file(const struct config *cfg, const char *path, const char *type)
{
    struct kr_err err = {0};
    const struct app_opts o = {APP_AI, NULL, NULL, NULL};
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
    int rc = cli_parse(argc, argv, opts, "karat caption IMAGE [--type earrings]", &a);

    if (rc)
        return rc;
    if (a.npos != 1) {
        fprintf(stderr, "usage: karat caption IMAGE [--type earrings]\n");
        return 2;
    }
    type = cli_get(&a, opts, "--type");
    if ((rc = cli_start(&cfg, cli_get(&a, opts, "--data"))) != 0)
        return rc;
    rc = caption_file(&cfg, a.pos[0], type && *type ? type : "earrings");
    cli_finish(&cfg);
    return rc;
}
