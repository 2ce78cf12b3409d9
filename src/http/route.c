/*
 * route.c - the route table: compile patterns once, match each request.
 *
 * A pattern is "/literal/{name}/..." split at '/'. Matching works on the raw
 * (still percent-encoded) path, so an encoded slash inside a parameter
 * ("a%2Fb") stays inside that parameter; parameters are decoded after the
 * match and a decoded NUL byte rejects the request. HTTP_PREFIX lets the last
 * parameter take the rest of the path, slashes included. One trailing slash
 * is ignored on both sides ("/x/" and "/x" are the same route).
 *
 * When several routes match, the most specific wins: more literal segments
 * first, then a fixed-length route over a prefix route, then table order.
 * HEAD falls back to a GET route; the Allow list feeds 405 and OPTIONS.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_int.h"

#define PATH_SEGS 64

struct span {
    const char *p;
    size_t len;
};

/* Split "/a/b/" into spans; a trailing slash adds no segment. Returns the
 * count, which may exceed max (only the first max are stored). */
static int split_path(const char *path, struct span *out, int max)
{
    const char *p = path[0] == '/' ? path + 1 : path;
    int n = 0;
    if (*p == '\0')
        return 0;
    for (;;) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n < max)
            out[n] = (struct span){p, len};
        n++;
        if (!e || e[1] == '\0')
            return n;
        p = e + 1;
    }
}

static enum kr_code compile_one(struct http_croute *cr, struct kr_err *err)
{
    struct span sp[HTTP_MAX_SEGS + 1];
    const char *pat = cr->r.pattern;
    int n, nparams = 0, literals = 0;

    if (!pat || pat[0] != '/' || !cr->r.method || !*cr->r.method || !cr->r.handler)
        return kr_fail(err, KRS_BAD_ROUTE, "route %s: needs method, '/pattern', handler",
                       pat ? pat : "(null)");
    n = split_path(pat, sp, HTTP_MAX_SEGS + 1);
    if (n > HTTP_MAX_SEGS)
        return kr_fail(err, KRS_BAD_ROUTE, "route %s: too many segments", pat);
    for (int i = 0; i < n; i++) {
        struct http_seg *s = &cr->segs[i];
        int param = sp[i].len > 2 && sp[i].p[0] == '{' && sp[i].p[sp[i].len - 1] == '}';
        s->is_param = param;
        s->text = param ? sp[i].p + 1 : sp[i].p;
        s->len = param ? sp[i].len - 2 : sp[i].len;
        if (memchr(s->text, '{', s->len) || memchr(s->text, '}', s->len))
            return kr_fail(err, KRS_BAD_ROUTE, "route %s: bad segment", pat);
        nparams += param;
        literals += !param;
    }
    cr->nsegs = n;
    if (nparams > HTTP_MAX_PARAMS)
        return kr_fail(err, KRS_BAD_ROUTE, "route %s: too many params", pat);
    if ((cr->r.flags & HTTP_PREFIX) && (n == 0 || !cr->segs[n - 1].is_param))
        return kr_fail(err, KRS_BAD_ROUTE, "route %s: HTTP_PREFIX needs a last {param}", pat);
    cr->score = literals * 2 + !(cr->r.flags & HTTP_PREFIX);
    return KR_OK;
}

enum kr_code http__routes_compile(const struct http_route *in, size_t n, struct http_croute **out,
                                 struct kr_err *err)
{
    struct http_croute *cr = calloc(n ? n : 1, sizeof *cr);
    if (!cr)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "route table");
    for (size_t i = 0; i < n; i++) {
        cr[i].r = in[i];
        if (compile_one(&cr[i], err) != KR_OK) {
            free(cr);
            return err ? err->code : KR_EINVAL;
        }
        if (!cr[i].r.name)
            cr[i].r.name = cr[i].r.pattern;
        cr[i].metric_id = http__metrics_route_id(cr[i].r.method, cr[i].r.name);
    }
    *out = cr;
    return KR_OK;
}

/* Does the route's shape fit the path? Literal segments must be equal. */
static int shape_matches(const struct http_croute *cr, const struct span *sp, int n)
{
    int prefix = (cr->r.flags & HTTP_PREFIX) != 0;
    if (prefix ? n < cr->nsegs : n != cr->nsegs)
        return 0;
    for (int i = 0; i < cr->nsegs; i++) {
        const struct http_seg *s = &cr->segs[i];
        if (i >= PATH_SEGS)
            return 0;
        if (s->is_param ? sp[i].len == 0
                        : (sp[i].len != s->len || memcmp(sp[i].p, s->text, s->len) != 0))
            return 0;
    }
    return 1;
}

static void allow_add(char *allow, const char *method)
{
    size_t ml = strlen(method), al = strlen(allow);
    for (const char *p = allow; *p;) {
        size_t l = strcspn(p, ",");
        if (l == ml && strncmp(p, method, ml) == 0)
            return;
        p += l;
        p += strspn(p, ", ");
    }
    if (al + ml + 3 < HTTP_ALLOW_LEN)
        snprintf(allow + al, HTTP_ALLOW_LEN - al, "%s%s", al ? ", " : "", method);
}

static int method_fits(const char *route_method, const char *method, int *via_get)
{
    if (strcasecmp(route_method, method) == 0)
        return 1;
    *via_get = strcmp(method, "HEAD") == 0 && strcasecmp(route_method, "GET") == 0;
    return *via_get;
}

/* Decode the winner's params into the arena; 0 if one holds a NUL byte. */
static int take_params(const struct http_croute *cr, const struct span *sp, struct http_arena *a,
                       struct http_match *m)
{
    m->nparams = 0;
    for (int i = 0; i < cr->nsegs; i++) {
        const struct http_seg *s = &cr->segs[i];
        int rest = i == cr->nsegs - 1 && (cr->r.flags & HTTP_PREFIX);
        size_t len = rest ? strlen(sp[i].p) : sp[i].len;
        char *v;
        if (!s->is_param)
            continue;
        v = http__arena_strndup(a, sp[i].p, len);
        if (!v)
            return 0;
        len = http__pct_decode(v, len, 0);
        if (memchr(v, '\0', len))
            return 0;
        m->params[m->nparams].name = http__arena_strndup(a, s->text, s->len);
        m->params[m->nparams++].value = v;
    }
    return 1;
}

enum http_match_result http__route_match(const struct http_croute *routes, size_t n,
                                        const char *method, const char *path, struct http_arena *a,
                                        struct http_match *m)
{
    struct span sp[PATH_SEGS];
    int nsp = split_path(path, sp, PATH_SEGS), best = -1, saw_get = 0, saw_head = 0;

    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        int via_get = 0;
        if (!shape_matches(&routes[i], sp, nsp))
            continue;
        allow_add(m->allow, routes[i].r.method);
        saw_get |= strcasecmp(routes[i].r.method, "GET") == 0;
        saw_head |= strcasecmp(routes[i].r.method, "HEAD") == 0;
        if (!method_fits(routes[i].r.method, method, &via_get))
            continue;
        /* an exact HEAD route beats a GET used for HEAD */
        if (best < 0 || routes[i].score > routes[best].score ||
            (routes[i].score == routes[best].score && !via_get &&
             strcasecmp(routes[best].r.method, method) != 0))
            best = (int)i;
    }
    if (m->allow[0] == '\0')
        return HTTP_MATCH_NONE;
    if (saw_get && !saw_head)
        allow_add(m->allow, "HEAD");
    allow_add(m->allow, "OPTIONS");
    if (best < 0)
        return HTTP_MATCH_METHOD;
    m->route = &routes[best];
    return take_params(m->route, sp, a, m) ? HTTP_MATCH_OK : HTTP_MATCH_BAD;
}

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

size_t http__pct_decode(char *s, size_t n, int plus)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)s[i + 2])) >= 0) {
            s[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            s[o++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    s[o] = '\0';
    return o;
}

int http__query_parse(struct http_arena *a, const char *q, struct http_kv *out, int max)
{
    int n = 0;
    while (q && *q && n < max) {
        size_t len = strcspn(q, "&");
        const char *eq = memchr(q, '=', len);
        size_t klen = eq ? (size_t)(eq - q) : len;
        size_t vlen = eq ? len - klen - 1 : 0;
        char *k = http__arena_strndup(a, q, klen),
             *v = http__arena_strndup(a, eq ? eq + 1 : "", vlen);
        if (!k || !v)
            return n;
        klen = http__pct_decode(k, klen, 1);
        vlen = http__pct_decode(v, vlen, 1);
        if (memchr(k, '\0', klen) || memchr(v, '\0', vlen))
            return -1;
        if (*k)
            out[n++] = (struct http_kv){k, v};
        q += len;
        q += *q == '&';
    }
    return n;
}
