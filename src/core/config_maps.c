/*
 * config_maps.c - settings whose values are lists or maps: the website ->
 * bucket map (KARAT_BUCKETS, S3_BUCKET), "name=value" maps such as
 * KARAT_S3_PUBLIC_BASE, and numbered environment key pools
 * (GOOGLE_API_KEY, GOOGLE_API_KEY2, ...). The table and the loaders are in
 * config.c; this file only reads values already loaded (or the environment,
 * for the key pools, which are secrets never kept in struct config).
 */
#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

/* Walk the "a=b,c=d" pairs of map; cb returns nonzero to stop. */
static int each_pair(const char *map, int (*cb)(const char *name, const char *value, void *ctx),
                     void *ctx)
{
    char copy[1024], *save = NULL;
    util_strlcpy(copy, map ? map : "", sizeof copy);
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (cb(util_trim(tok), util_trim(eq + 1), ctx))
            return 1;
    }
    return 0;
}

static int each_bucket(const struct config *cfg,
                       int (*cb)(const char *site, const char *bucket, void *ctx), void *ctx)
{
    return each_pair(cfg->buckets, cb, ctx);
}

struct bucket_query {
    const char *want;
    char *out;
    size_t n;
    int by_bucket;
};

static int match_bucket(const char *site, const char *bucket, void *ctx)
{
    struct bucket_query *q = ctx;
    if (q->by_bucket)
        return strcmp(bucket, q->want) == 0;
    if (!util_streq_ci(site, q->want) || !*bucket)
        return 0;
    util_strlcpy(q->out, bucket, q->n);
    return 1;
}

const char *config_map_get(const char *map, const char *name, char *out, size_t n)
{
    struct bucket_query q = {name, out, n, 0};
    if (!name)
        return NULL;
    return each_pair(map, match_bucket, &q) ? out : NULL;
}

const char *config_bucket_for(const struct config *cfg, const char *website, char *out, size_t n)
{
    struct bucket_query q = {website, out, n, 0};
    if (!website)
        return NULL;
    return each_bucket(cfg, match_bucket, &q) ? out : NULL;
}

int config_bucket_known(const struct config *cfg, const char *bucket)
{
    struct bucket_query q = {bucket, NULL, 0, 1};
    if (!bucket || !*bucket)
        return 0;
    if (cfg->default_bucket && strcmp(bucket, cfg->default_bucket) == 0)
        return 1;
    return each_bucket(cfg, match_bucket, &q);
}

struct list_ctx {
    char *out;
    size_t n;
    int count;
};

static int add_site(const char *site, const char *bucket, void *ctx)
{
    struct list_ctx *l = ctx;
    size_t len = strlen(l->out);
    (void)bucket;
    snprintf(l->out + len, l->n - len, "%s'%s'", l->count ? " or " : "", site);
    l->count++;
    return 0;
}

void config_website_list(const struct config *cfg, char *out, size_t n)
{
    struct list_ctx l = {out, n, 0};
    out[0] = '\0';
    each_bucket(cfg, add_site, &l);
}

int config_env_key_pool(const char *base, char **out, int max)
{
    int n = 0;
    char name[128];
    for (int i = 1; i <= 64 && n < max; i++) {
        const char *v;
        if (i == 1)
            util_fmt(name, sizeof name, "%s", base);
        else
            util_fmt(name, sizeof name, "%s%d", base, i);
        v = getenv(name);
        if (!v || !*v)
            continue;
        int dup = 0;
        for (int j = 0; j < n; j++)
            dup |= strcmp(out[j], v) == 0;
        if (!dup)
            out[n++] = (char *)v;
    }
    return n;
}
