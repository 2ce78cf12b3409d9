/*
 * config_mask.c - masking a database connection string for display. (The
 * table and loaders are in config.c; maps and key pools in config_maps.c.)
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
