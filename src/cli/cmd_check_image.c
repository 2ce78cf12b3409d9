/*
 * cmd_check_image.c - `karat check-image IMAGE [--marketplace amazon]`:
 * does a photo pass the marketplace's main-image rules?
 *
 * Prints the same report that travels with every generated image as its
 * "compliance" (background purity, fill ratio, pixel size, format, colour
 * space, transparency; see studio/compliance.c) and exits 0 when every check
 * passes, 1 when one fails, 2 when the file cannot be read as an image.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "image/image.h"
#include "studio/studio.h"

#define USAGE "karat check-image IMAGE [--marketplace amazon|flipkart|meesho]"

static const struct cli_opt opts[] = {
    {"--marketplace", 1, "rules to check against: amazon (default), flipkart or meesho"},
    {"--data", 1, "data folder (for karat.conf: KARAT_MAX_PIXELS, KARAT_MAX_UPLOAD_BYTES)"},
    {NULL, 0, NULL},
};

static int check(const struct config *cfg, const char *path, const char *market)
{
    struct buf b;
    struct kr_err err = {0};
    json_t *report = NULL;
    int ok = 0, rc = 2;

    buf_init(&b, (size_t)cfg->max_upload_bytes);
    if (buf_read_file(&b, path, &err) ||
        studio_check_image(&(struct studio_check_req){b.data, b.len, market, cfg->max_pixels},
                           &report, &ok, &err)) {
        fprintf(stderr, "karat check-image: %s: %s\n", path, err.msg);
        goto out;
    }
    json_object_set_new(report, "file", json_string(path));
    json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    fputc('\n', stdout);
    rc = ok ? 0 : 1;
out:
    json_decref(report);
    buf_release(&b);
    return rc;
}

int cli_cmd_check_image(int argc, char **argv)
{
    struct cli_args a;
    struct config cfg;
    const char *m;
    int rc = cli_parse(argc, argv, opts, USAGE, &a);

    if (rc)
        return rc;
    m = cli_get(&a, opts, "--marketplace");
    if (a.npos != 1 || (m && !studio_marketplace_ok(m))) {
        fprintf(stderr, "usage: %s\n", USAGE);
        return 2;
    }
    if (cli_start(&cfg, cli_get(&a, opts, "--data")))
        return 2;
    rc = check(&cfg, a.pos[0], m ? m : "amazon");
    cli_finish(&cfg);
    return rc;
}
