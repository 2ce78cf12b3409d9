/*
 * s3url.c - the S3 half of the one own-URL rule, and S3 public URLs.
 *
 * When the blob backend serves objects at public URLs (KARAT_BLOB=s3,
 * BLOB_PUBLIC_URLS), an image's URL is, in this order of choice:
 *   KARAT_S3_PUBLIC_BASE's base for the bucket (a CDN):   BASE/KEY
 *   with AWS_ENDPOINT_URL set, that endpoint path-style:  ENDPOINT/BUCKET/KEY
 *   otherwise what the original system wrote:            https://BUCKET.s3.amazonaws.com/KEY
 * Only images are public (the bucket policy of docs/DEPLOY.md): other files
 * (spreadsheets, ZIPs) keep their /files/ URL on this server, which reads
 * them from the bucket with its own credentials. These forms are recognised as Karat's own (for every configured
 * bucket: S3_BUCKET and the buckets of KARAT_BUCKETS, nothing else):
 *   - the configured public base of the bucket;
 *   - the endpoint's path-style and virtual-hosted forms (scheme, host and
 *     port must match it);
 *   - AWS: BUCKET.s3.amazonaws.com (global), BUCKET.s3.REGION.amazonaws.com
 *     and BUCKET.s3-REGION.amazonaws.com (regional, legacy dash), and the
 *     path-style s3[.-]REGION.amazonaws.com/BUCKET, over http or https on
 *     the default port.
 * The key may be percent-encoded (the original quoted keys it listed, and
 * left the keys it uploaded as they were): it is decoded once, then must
 * be a valid key (blob_name_ok). A URL with a query or fragment, user
 * info or an odd port is not Karat's.
 */
#include "repo/repo_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

/* Where a parsed URL's bucket and key go. */
struct dest {
    char *bucket;
    size_t blen;
    char *key;
    size_t klen;
};

static int s3_mode(struct repo *r)
{
    return (blob_caps(r->blob) & BLOB_PUBLIC_URLS) != 0;
}

static void trim_slashes(char *s)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == '/')
        s[--n] = '\0';
}

int repo__s3_url_for(struct repo *r, const char *bucket, const char *key, char *out, size_t n)
{
    char base[512];
    const struct config *cfg = r->cfg;

    if (!s3_mode(r) || strncmp(util_content_type(key), "image/", 6) != 0)
        return 0;
    if (config_map_get(cfg->s3_public_base, bucket, base, sizeof base)) {
        trim_slashes(base);
        snprintf(out, n, "%s/%s", base, key);
    } else if (cfg->aws_endpoint_url && *cfg->aws_endpoint_url) {
        util_strlcpy(base, cfg->aws_endpoint_url, sizeof base);
        trim_slashes(base);
        snprintf(out, n, "%s/%s/%s", base, bucket, key);
    } else {
        snprintf(out, n, "https://%s.s3.amazonaws.com/%s", bucket, key);
    }
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode p (up to its end) into key; -1 if malformed or too long,
 * or if what it names is not a valid key. */
static int decode_key(const char *p, const struct dest *d)
{
    char *key = d->key;
    size_t klen = d->klen;
    size_t o = 0;

    if (strpbrk(p, "?#"))
        return -1;
    for (; *p; p++) {
        char c = *p;
        if (c == '%') {
            int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
            if (lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            p += 2;
        }
        if (o + 1 >= klen)
            return -1;
        key[o++] = c;
    }
    key[o] = '\0';
    return blob_name_ok(key, 1) ? 0 : -1;
}

/* bucket (len bn) -> out, if it is a configured bucket. */
static int known_bucket(struct repo *r, const char *b, size_t bn, const struct dest *d)
{
    char *out = d->bucket;
    size_t blen = d->blen;

    if (bn == 0 || bn >= blen)
        return -1;
    memcpy(out, b, bn);
    out[bn] = '\0';
    return blob_name_ok(out, 0) && config_bucket_known(r->cfg, out) ? 0 : -1;
}

/* "BUCKET/KEY..." (path-style) into bucket and key. */
static int split_bucket_key(struct repo *r, const char *p, const struct dest *d)
{
    const char *slash = strchr(p, '/');
    if (!slash || known_bucket(r, p, (size_t)(slash - p), d))
        return -1;
    return decode_key(slash + 1, d);
}

/* A configured public base (a CDN) of some bucket: BASE/KEY. */
static int by_public_base(struct repo *r, const char *url, const struct dest *d)
{
    char copy[1024], *save = NULL;

    util_strlcpy(copy, r->cfg->s3_public_base ? r->cfg->s3_public_base : "", sizeof copy);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '='), *b, *base;
        size_t bl;
        if (!eq)
            continue;
        *eq = '\0';
        b = util_trim(t);
        base = util_trim(eq + 1);
        trim_slashes(base);
        bl = strlen(base);
        if (bl && strncasecmp(url, base, bl) == 0 && url[bl] == '/' &&
            known_bucket(r, b, strlen(b), d) == 0)
            return decode_key(url + bl + 1, d);
    }
    return -1;
}

/* AWS_ENDPOINT_URL's path-style (ENDPOINT/BUCKET/KEY) or virtual-hosted
 * (SCHEME://BUCKET.HOST[:PORT]/PREFIX/KEY) form. */
static int by_endpoint(struct repo *r, const struct repo_origin *u, const char *path,
                       const struct dest *d)
{
    struct repo_origin e;
    const char *epath;
    char prefix[512];
    size_t pl, hl, ul;

    if (!r->cfg->aws_endpoint_url || !*r->cfg->aws_endpoint_url ||
        repo__parse_origin(r->cfg->aws_endpoint_url, &e, &epath) || u->https != e.https ||
        u->port != e.port)
        return -1;
    util_strlcpy(prefix, epath, sizeof prefix);
    trim_slashes(prefix);
    pl = strlen(prefix);
    if (strncmp(path, prefix, pl) != 0 || path[pl] != '/')
        return -1;
    if (strcmp(u->host, e.host) == 0)
        return split_bucket_key(r, path + pl + 1, d);
    hl = strlen(e.host);
    ul = strlen(u->host);
    if (ul > hl + 1 && u->host[ul - hl - 1] == '.' && strcmp(u->host + ul - hl, e.host) == 0 &&
        known_bucket(r, u->host, ul - hl - 1, d) == 0)
        return decode_key(path + pl + 1, d);
    return -1;
}

/* "s3", "s3.REGION" or "s3-REGION" (REGION: [a-z0-9.-]). */
static int s3_label(const char *h, size_t n)
{
    if (n < 2 || strncmp(h, "s3", 2) != 0)
        return 0;
    if (n == 2)
        return 1;
    if ((h[2] != '.' && h[2] != '-') || n == 3)
        return 0;
    for (size_t i = 3; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.-", h[i]))
            return 0;
    return 1;
}

/* The amazonaws.com forms, global, regional, path-style and virtual-hosted. */
static int by_aws(struct repo *r, const struct repo_origin *u, const char *path,
                  const struct dest *d)
{
    static const char suffix[] = ".amazonaws.com";
    size_t hl = strlen(u->host), sl = sizeof suffix - 1, n;
    const char *dot;

    if (u->port != (u->https ? 443 : 80) || hl <= sl ||
        strcmp(u->host + hl - sl, suffix) != 0 || path[0] != '/')
        return -1;
    n = hl - sl; /* host without the suffix */
    if (s3_label(u->host, n))
        return split_bucket_key(r, path + 1, d);
    /* BUCKET.s3...: the first ".s3" label after a configured bucket name */
    for (dot = u->host; (dot = strstr(dot, ".s3")) != NULL && (size_t)(dot - u->host) < n; dot++)
        if (s3_label(dot + 1, n - (size_t)(dot + 1 - u->host)) &&
            known_bucket(r, u->host, (size_t)(dot - u->host), d) == 0)
            return decode_key(path + 1, d);
    return -1;
}

int repo__s3_parse(struct repo *r, const char *url, char *bucket, size_t blen, char *key,
                   size_t klen)
{
    struct repo_origin u;
    const char *path;
    const struct dest d = {bucket, blen, key, klen};

    if (!s3_mode(r) || !url)
        return -1;
    if (by_public_base(r, url, &d) == 0)
        return 0;
    if (repo__parse_origin(url, &u, &path))
        return -1;
    if (by_endpoint(r, &u, path, &d) == 0)
        return 0;
    return by_aws(r, &u, path, &d);
}
