/*
 * config_mask.c - the configuration's string helpers: masking a database
 * connection string, and reading "name=value,..." maps (KARAT_BUCKETS) and
 * numbered environment key pools. (The table and loaders are in config.c.)
 *
 * config_mask_dsn hides the password inside a database connection string
 * for `karat config` (KARAT_DATABASE_URL), keeping the rest readable.
 *
 * libpq takes two forms, both handled:
 *   key=value:  host=db password=secret     -> host=db password=****
 *               password = 'it''s \' quoted' -> password = ****
 *   URI:        postgresql://u:secret@h/db   -> postgresql://u:****@h/db
 *               postgres://h/db?password=x&a -> postgres://h/db?password=****&a
 * The output is cut to n bytes (always NUL-terminated); a masked value is
 * never partly shown.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/util.h"

struct out {
    char *p;
    size_t n, len;
};

static void put(struct out *o, const char *s, size_t k)
{
    while (k-- && o->len + 1 < o->n)
        o->p[o->len++] = *s++;
    o->p[o->len] = '\0';
}

static const char *const MASK = "****";

/* Mask every "password=VALUE" of a URI query (q: just after the '?'). */
static void mask_query(struct out *o, const char *q)
{
    while (*q) {
        size_t k = strcspn(q, "&");
        if (strncmp(q, "password=", 9) == 0) {
            put(o, q, 9);
            put(o, MASK, 4);
        } else {
            put(o, q, k);
        }
        q += k;
        if (*q)
            put(o, q++, 1);
    }
}

static void mask_uri(struct out *o, const char *s)
{
    const char *auth = strstr(s, "://") + 3;
    size_t alen = strcspn(auth, "/?");
    const char *at = NULL, *colon;

    for (const char *c = auth; c < auth + alen; c++)
        if (*c == '@')
            at = c;
    colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon) {
        put(o, s, (size_t)(colon + 1 - s));
        put(o, MASK, 4);
        s = at;
    }
    {
        const char *q = strchr(s, '?');
        put(o, s, q ? (size_t)(q - s) : strlen(s));
        if (q) {
            put(o, q, 1);
            mask_query(o, q + 1);
        }
    }
}

/* The end of a key=value value starting at v (quoted or bare). */
static const char *value_end(const char *v)
{
    if (*v != '\'') {
        while (*v && !isspace((unsigned char)*v))
            v++;
        return v;
    }
    for (v++; *v && *v != '\''; v++)
        if (*v == '\\' && v[1])
            v++;
    return *v ? v + 1 : v;
}

static void mask_keywords(struct out *o, const char *s)
{
    while (*s) {
        const char *key = s, *eq, *v, *end;
        size_t klen;

        while (isspace((unsigned char)*s))
            s++;
        put(o, key, (size_t)(s - key));
        key = s;
        while (*s && *s != '=' && !isspace((unsigned char)*s))
            s++;
        klen = (size_t)(s - key);
        eq = s;
        while (isspace((unsigned char)*eq))
            eq++;
        if (*eq != '=') { /* not key=value: copy as is */
            put(o, key, (size_t)(eq - key));
            s = eq;
            continue;
        }
        v = eq + 1;
        while (isspace((unsigned char)*v))
            v++;
        end = value_end(v);
        put(o, key, (size_t)(v - key));
        if (klen == 8 && strncmp(key, "password", 8) == 0)
            put(o, MASK, 4);
        else
            put(o, v, (size_t)(end - v));
        s = end;
    }
}

void config_mask_dsn(const char *dsn, char *out, size_t n)
{
    struct out o = {out, n, 0};

    if (!n)
        return;
    out[0] = '\0';
    if (!dsn)
        return;
    if (strncmp(dsn, "postgresql://", 13) == 0 || strncmp(dsn, "postgres://", 11) == 0)
        mask_uri(&o, dsn);
    else
        mask_keywords(&o, dsn);
}

/* ---- name=value maps and key pools ---------------------------------------- */

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
