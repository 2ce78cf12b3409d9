/*
 * cmd_dedup.c - `karat dedup [--json] PATH...`: duplicates among files.
 *
 * Touches no store. Signatures are computed on all cores; every pair is
 * judged with dedup_match(), the rule the server uses (identical bytes are
 * duplicates at distance 0, as the server's sha256 short-circuit). Groups
 * are the connected components of the duplicate pairs.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/walk.h"
#include "core/util.h"
#include "dedup/dedup.h"
#include "image/image.h"

static const struct cli_opt opts[] = {
    {"--json", 0, "print one JSON object {images, groups, pairs, errors}"},
    {"--threads", 1, "worker threads (default: all cores)"},
    {NULL, 0, NULL},
};

struct item {
    struct dedup_sig sig;
    char sha[65];
    char *error;
};

struct run {
    struct cli_walk_list files;
    struct item *items;
    struct dedup_rule rule;
    long long max_pixels, max_bytes;
    int *parent; /* union-find */
};

static void sign_one(size_t i, void *ctx)
{
    struct run *r = ctx;
    struct buf b;
    struct kr_err err = {0};
    buf_init(&b, (size_t)r->max_bytes);
    if (buf_read_file(&b, r->files.v[i], &err) == KR_OK &&
        dedup_compute_bytes(b.data, b.len, r->max_pixels, &r->items[i].sig, NULL, &err) == KR_OK)
        util_sha256_hex(b.data, b.len, r->items[i].sha);
    else
        r->items[i].error = strdup(err.msg);
    buf_release(&b);
}

static int find(int *p, int i)
{
    while (p[i] != i)
        i = p[i] = p[p[i]];
    return i;
}

static json_t *pairs_json(struct run *r)
{
    json_t *pairs = json_array();
    for (size_t a = 0; a < r->files.n; a++) {
        if (r->items[a].error)
            continue;
        for (size_t b = a + 1; b < r->files.n; b++) {
            float d = 0;
            if (r->items[b].error)
                continue;
            if (strcmp(r->items[a].sha, r->items[b].sha) != 0 &&
                !dedup_match(&r->items[a].sig, &r->items[b].sig, &r->rule, &d))
                continue;
            r->parent[find(r->parent, (int)a)] = find(r->parent, (int)b);
            json_array_append_new(pairs, json_pack("{s:s, s:s, s:f}", "a", r->files.v[a], "b",
                                                   r->files.v[b], "distance", (double)d));
        }
    }
    return pairs;
}

static json_t *groups_json(struct run *r)
{
    json_t *groups = json_array();
    for (size_t root = 0; root < r->files.n; root++) {
        json_t *g = json_array();
        for (size_t i = 0; i < r->files.n; i++)
            if (!r->items[i].error && find(r->parent, (int)i) == (int)root)
                json_array_append_new(g, json_string(r->files.v[i]));
        if (json_array_size(g) > 1)
            json_array_append_new(groups, g);
        else
            json_decref(g);
    }
    return groups;
}

static void print_human(json_t *o)
{
    size_t i, j;
    json_t *g, *p;
    printf("%lld image(s), %zu duplicate group(s)\n",
           (long long)json_integer_value(json_object_get(o, "images")),
           json_array_size(json_object_get(o, "groups")));
    json_array_foreach(json_object_get(o, "groups"), i, g)
    {
        printf("group %zu:\n", i + 1);
        json_array_foreach(g, j, p) printf("  %s\n", json_string_value(p));
    }
    json_array_foreach(json_object_get(o, "errors"), i, g)
        fprintf(stderr, "skipped %s: %s\n", json_string_value(json_object_get(g, "path")),
                json_string_value(json_object_get(g, "error")));
}

static json_t *result(struct run *r)
{
    json_t *o = json_object(), *errors = json_array();
    json_object_set_new(o, "images", json_integer((json_int_t)r->files.n));
    json_object_set_new(o, "pairs", pairs_json(r));
    json_object_set_new(o, "groups", groups_json(r));
    for (size_t i = 0; i < r->files.n; i++)
        if (r->items[i].error)
            json_array_append_new(
                errors, json_pack("{s:s, s:s}", "path", r->files.v[i], "error", r->items[i].error));
    json_object_set_new(o, "errors", errors);
    return o;
}

static int run(struct cli_args *a, struct config *cfg, int threads, int as_json)
{
    struct run r = {0};
    json_t *o;

    if (cli_walk_collect(a->pos, a->npos, &r.files))
        return 2;
    dedup_rule_default(&r.rule, cfg->dedup_hash_max, cfg->dedup_desc_min);
    r.max_pixels = cfg->max_pixels;
    r.max_bytes = cfg->max_upload_bytes * 8;
    r.items = calloc(r.files.n + 1, sizeof *r.items);
    r.parent = calloc(r.files.n + 1, sizeof *r.parent);
    for (size_t i = 0; i < r.files.n; i++)
        r.parent[i] = (int)i;
    util_malloc_keep_large();
    cli_walk_parallel(r.files.n, threads, as_json ? NULL : "hashing", sign_one, &r);
    o = result(&r);
    if (as_json) {
        json_dumpf(o, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        print_human(o);
    }
    json_decref(o);
    for (size_t i = 0; i < r.files.n; i++)
        free(r.items[i].error);
    free(r.items);
    free(r.parent);
    cli_walk_free(&r.files);
    return 0;
}

int cli_cmd_dedup(int argc, char **argv)
{
    struct cli_args a;
    struct config cfg;
    int rc = cli_parse(argc, argv, opts, "karat dedup [--json] [--threads N] PATH...", &a);

    if (rc)
        return rc;
    if (a.npos < 1) {
        fprintf(stderr, "karat dedup: which files or folders? (see --help)\n");
        return 2;
    }
    if (cli_start(&cfg, NULL))
        return 2;
    if (cli_set(&cfg, "KARAT_THREADS", cli_get(&a, opts, "--threads"))) {
        cli_finish(&cfg);
        return 2;
    }
    rc = run(&a, &cfg, cfg.threads, cli_get(&a, opts, "--json") != NULL);
    cli_finish(&cfg);
    return rc;
}
