/*
 * gate.c - who may pass: API keys and CORS origins.
 *
 * Both lists come from comma-separated settings (KARAT_API_KEYS,
 * KARAT_CORS_ORIGINS) and are split once when the server starts.
 *
 * Keys are checked before anything listens (http__keys_parse): a setting
 * that is not empty must give at least one key, and every key must have
 * HTTP_MIN_KEY_LEN characters. Otherwise the setting is an error: a typo
 * such as "," must never turn authentication off, and a short key can be
 * guessed. An empty setting means no keys (server.c then refuses to listen
 * beyond loopback unless told explicitly).
 *
 * Auth: a request carries its key as "Authorization: Bearer KEY" or
 * "X-API-Key: KEY". Every configured key is compared in constant time (the
 * loop never stops early), so timing says nothing about which key or how
 * many bytes matched. With no keys configured every request passes.
 *
 * CORS: an Origin is echoed back only if it is in the list (compared without
 * case). "*" in the list allows any origin and is sent back as "*"; the
 * server never sends Access-Control-Allow-Credentials, so a wildcard never
 * comes with credentials.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "http/http_int.h"

#define KEY_MAX 512

int http__split_list(const char *s, char **out, int max)
{
    char *copy, *save = NULL;
    int n = 0;
    if (!s || !*s)
        return 0;
    copy = strdup(s);
    if (!copy)
        return -1;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        t = util_trim(t);
        if (!*t)
            continue;
        if (n == max || (out[n] = strdup(t)) == NULL) {
            http__free_list(out, n);
            n = -1;
            break;
        }
        n++;
    }
    free(copy);
    return n;
}

void http__free_list(char **list, int n)
{
    for (int i = 0; i < n; i++) {
        free(list[i]);
        list[i] = NULL;
    }
}

enum kr_code http__keys_parse(const char *s, char **out, int *n, struct kr_err *err)
{
    *n = http__split_list(s, out, HTTP_MAX_LIST);
    if (*n < 0) {
        *n = 0;
        return kr_fail(err, KRS_BAD_API_KEYS, "KARAT_API_KEYS: more than %d keys, or out of memory",
                       HTTP_MAX_LIST);
    }
    if (s && *s && *n == 0)
        return kr_fail(err, KRS_BAD_API_KEYS,
                       "KARAT_API_KEYS is set but holds no key (only commas or spaces); "
                       "leave it empty to run without keys");
    for (int i = 0; i < *n; i++) {
        size_t len = strlen(out[i]);
        if (len >= HTTP_MIN_KEY_LEN && len <= KEY_MAX)
            continue;
        http__free_list(out, *n);
        *n = 0;
        return kr_fail(err, KRS_BAD_API_KEYS,
                       "KARAT_API_KEYS: key %d is %zu characters long; keys need %d to %d", i + 1,
                       len, HTTP_MIN_KEY_LEN, KEY_MAX);
    }
    return KR_OK;
}

/* 1 if a equals b; time depends only on the length of b (the secret). */
static int ct_equal(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    unsigned char d = (unsigned char)(alen != blen);
    for (size_t i = 0; i < blen; i++)
        d |= (unsigned char)(b[i] ^ (alen ? a[i < alen ? i : 0] : 0));
    return d == 0;
}

/* The key in one header (trimmed), or NULL if absent/empty/too long. */
static const char *presented_key(struct MHD_Connection *c, int bearer, size_t *len)
{
    const char *h = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, bearer ? MHD_HTTP_HEADER_AUTHORIZATION : "X-API-Key");
    if (!h)
        return NULL;
    if (bearer) {
        if (strncasecmp(h, "Bearer ", 7) != 0)
            return NULL;
        h += 7;
    }
    while (*h == ' ' || *h == '\t')
        h++;
    *len = strlen(h);
    while (*len && (h[*len - 1] == ' ' || h[*len - 1] == '\t'))
        (*len)--;
    return *len && *len <= KEY_MAX ? h : NULL;
}

int http__auth_ok(const struct http_server *s, struct MHD_Connection *c)
{
    int ok = 0;
    if (s->nkeys == 0)
        return 1;
    for (int bearer = 0; bearer < 2; bearer++) {
        size_t len = 0;
        const char *key = presented_key(c, bearer, &len);
        for (int i = 0; key && i < s->nkeys; i++)
            ok |= ct_equal(key, len, s->keys[i]);
    }
    return ok;
}

const char *http__cors_origin(const struct http_server *s, struct MHD_Connection *c)
{
    const char *o;
    if (s->norigins == 0)
        return NULL;
    o = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (!o || !*o || strlen(o) > 256 || strpbrk(o, "\r\n"))
        return NULL;
    for (int i = 0; i < s->norigins; i++) {
        if (strcmp(s->origins[i], "*") == 0)
            return "*";
        if (strcasecmp(s->origins[i], o) == 0)
            return o;
    }
    return NULL;
}
