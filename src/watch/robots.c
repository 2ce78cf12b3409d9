/*
 * robots.c - robots.txt (RFC 9309) for the market fetcher.
 *
 * Parsing keeps only what applies to us: a group is a run of User-agent
 * lines followed by its rules; the rules of every group naming our product
 * token are used, and only when there is none those of the "*" groups.
 * Matching follows the RFC: each Allow/Disallow pattern is matched against
 * the start of the path (with its query), '*' standing for any run of
 * characters and a final '$' for the end; the longest matching pattern wins,
 * Allow winning a tie; an empty Disallow allows everything; no matching rule
 * allows. The wildcard match is the linear-time single-backtrack kind, so a
 * hostile pattern cannot make it slow.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "watch/watch_int.h"

#define RULE_MAX 2048 /* longest pattern kept */

void watch__ua_token(const char *ua, char *out, size_t n)
{
    size_t i = 0;
    while (ua && ua[i] && ua[i] != '/' && ua[i] != ' ' && ua[i] != ';' && i + 1 < n) {
        out[i] = ua[i];
        i++;
    }
    out[i] = '\0';
}

void watch__robots_release(struct watch_robots *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->rules[i].pattern);
    free(r->rules);
    memset(r, 0, sizeof *r);
}

static enum kr_code add_rule(struct watch_robots *r, int allow, const char *v, size_t vn,
                             struct kr_err *err)
{
    char *p;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct watch_rule *nr = realloc(r->rules, cap * sizeof *nr);
        if (!nr)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "robots.txt: out of memory");
        r->rules = nr;
        r->cap = cap;
    }
    p = strndup(v, vn);
    if (!p)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "robots.txt: out of memory");
    r->rules[r->n++] = (struct watch_rule){allow, p};
    return KR_OK;
}

/* Parsing state across lines. */
struct parse {
    const char *token;
    int in_agents; /* the previous meaningful line was a User-agent */
    int cur_mine, cur_star;
    int seen_mine; /* some group names our token */
    struct watch_robots mine, star;
};

/* One "key: value" line (comment already cut, both trimmed). */
static enum kr_code on_line(struct parse *ps, const char *k, size_t kn, const char *v, size_t vn,
                            struct kr_err *err)
{
    enum kr_code rc = KR_OK;
    int allow = kn == 5 && strncasecmp(k, "allow", 5) == 0;
    if (kn == 10 && strncasecmp(k, "user-agent", 10) == 0) {
        if (!ps->in_agents)
            ps->cur_mine = ps->cur_star = 0;
        ps->in_agents = 1;
        if (vn == 1 && v[0] == '*')
            ps->cur_star = 1;
        else if (vn && strlen(ps->token) == vn && strncasecmp(v, ps->token, vn) == 0)
            ps->cur_mine = ps->seen_mine = 1;
        return KR_OK;
    }
    if (!allow && !(kn == 8 && strncasecmp(k, "disallow", 8) == 0))
        return KR_OK; /* sitemap, crawl-delay, ...: not group rules we use */
    ps->in_agents = 0;
    if (vn == 0 || vn > RULE_MAX)
        return KR_OK;
    if (ps->cur_mine)
        rc = add_rule(&ps->mine, allow, v, vn, err);
    if (!rc && ps->cur_star)
        rc = add_rule(&ps->star, allow, v, vn, err);
    return rc;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

enum kr_code watch__robots_parse(const char *text, size_t len, const char *token,
                                 struct watch_robots *out, struct kr_err *err)
{
    struct parse ps = {.token = token};
    enum kr_code rc = KR_OK;
    size_t i = 0;

    memset(out, 0, sizeof *out);
    while (i < len && !rc) {
        const char *line = text + i, *nl = memchr(line, '\n', len - i), *hash, *colon;
        size_t n = nl ? (size_t)(nl - line) : len - i;
        i += n + 1;
        hash = memchr(line, '#', n);
        if (hash)
            n = (size_t)(hash - line);
        colon = memchr(line, ':', n);
        if (!colon)
            continue;
        {
            const char *k = line, *v = colon + 1;
            size_t kn = (size_t)(colon - line), vn = n - kn - 1;
            trim(&k, &kn);
            trim(&v, &vn);
            rc = on_line(&ps, k, kn, v, vn, err);
        }
    }
    if (!rc) {
        *out = ps.seen_mine ? ps.mine : ps.star;
        memset(ps.seen_mine ? &ps.mine : &ps.star, 0, sizeof ps.mine);
    }
    watch__robots_release(&ps.mine);
    watch__robots_release(&ps.star);
    return rc;
}

/* Does pattern p match a prefix of s (all of s when p ends in '$')? */
static int pattern_match(const char *p, const char *s)
{
    size_t pn = strlen(p), sn = strlen(s), pi = 0, si = 0, star = SIZE_MAX, mark = 0;
    int anchored = pn && p[pn - 1] == '$';
    if (anchored)
        pn--;
    while (si < sn) {
        if (pi == pn && !anchored)
            return 1;
        if (pi < pn && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < pn && p[pi] == s[si]) {
            pi++;
            si++;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            si = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < pn && p[pi] == '*')
        pi++;
    return pi == pn;
}

int watch__robots_allowed(const struct watch_robots *r, const char *path)
{
    size_t best = 0;
    int found = 0, allow = 1;
    if (strcmp(path, "/robots.txt") == 0)
        return 1;
    for (size_t i = 0; i < r->n; i++) {
        size_t len = strlen(r->rules[i].pattern);
        if (!pattern_match(r->rules[i].pattern, path))
            continue;
        if (!found || len > best || (len == best && r->rules[i].allow)) {
            allow = r->rules[i].allow;
            best = len;
            found = 1;
        }
    }
    return allow;
}
