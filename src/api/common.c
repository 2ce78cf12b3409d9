/*
 * common.c - argument helpers every handler file shares: the website ->
 * bucket rule, bounded integer and yes/no arguments, the uploaded file.
 */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "jobs/jobs.h"

int api_bucket_arg(struct app *app, struct http_request *req, struct http_response *res,
                   char *bucket, size_t n)
{
    const char *site = http_req_arg(req, "website");
    char names[256];

    if (!site || !*site)
        site = "alya";
    if (config_bucket_for(app->cfg, site, bucket, n))
        return 0;
    config_website_list(app->cfg, names, sizeof names);
    http_res_error(res, KRS_INVALID_WEBSITE, "Invalid website. Use %s", names);
    return -1;
}

int api__int_arg(struct http_request *req, struct http_response *res,
                 const struct api_int_spec *spec, int *out)
{
    const char *name = spec->name;
    int def = spec->def, lo = spec->lo, hi = spec->hi;
    const char *v = http_req_arg(req, name);
    char *end;
    long n;

    if (!v || !*v) {
        *out = def;
        return 0;
    }
    n = strtol(v, &end, 10);
    if (*end || n < lo || n > hi) {
        http_res_error(res, KRS_INVALID_ARGUMENT, "%s must be an integer from %d to %d", name, lo,
                       hi);
        return -1;
    }
    *out = (int)n;
    return 0;
}

int api__bool_arg(struct http_request *req, struct http_response *res, const char *name, int def,
                 int *out)
{
    const char *v = http_req_arg(req, name);
    int b;
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    b = util_parse_bool(v);
    if (b < 0) {
        http_res_error(res, KRS_INVALID_ARGUMENT, "%s must be yes or no", name);
        return -1;
    }
    *out = b;
    return 0;
}

int api__image_file(struct http_request *req, struct http_response *res, const char *field,
                    const struct http_file **out)
{
    const struct http_file *f = http_req_file(req, field);
    *out = f;
    if (!f) {
        if (http_req_is_form(req))
            http_res_error(res, KRS_MISSING_FILE, "missing file field '%s'", field);
        else
            http_res_error(res, KRS_UNSUPPORTED_MEDIA_TYPE,
                           "send the image as multipart/form-data in the field '%s'", field);
        return -1;
    }
    if (f->len == 0) {
        http_res_error(res, KRS_EMPTY_FILE, "the uploaded file '%s' is empty", field);
        return -1;
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid:
 * overlongs, surrogates and code points past U+10FFFF are invalid. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned cp;
    size_t n = s[0] < 0x80                   ? 1
               : s[0] >= 0xC2 && s[0] < 0xE0 ? 2
               : s[0] >= 0xE0 && s[0] < 0xF0 ? 3
               : s[0] >= 0xF0 && s[0] < 0xF5 ? 4
                                             : 0;
    if (n <= 1)
        return n;
    cp = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

void api__display_name(const char *filename, char *out, size_t n)
{
    const char *base = filename ? filename : "";
    const char *s1 = strrchr(base, '/'), *s2 = strrchr(base, '\\');
    const unsigned char *p;
    size_t k = 0;

    if (s1 || s2)
        base = (s1 > s2 ? s1 : s2) + 1;
    if (!*base)
        base = "upload";
    for (p = (const unsigned char *)base; *p && n;) {
        size_t len = utf8_len(p);
        const char *put = len ? (const char *)p : "\xEF\xBF\xBD"; /* U+FFFD */
        size_t plen = len ? len : 3;
        if (k + plen >= n)
            break;
        memcpy(out + k, put, plen);
        if (len == 1 && (*p < 0x20 || *p == 0x7F))
            out[k] = '_';
        k += plen;
        p += len ? len : 1;
    }
    if (n)
        out[k] = '\0';
}

json_t *api__match_json(const struct repo_match *m, int with_score)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(m->id));
    if (with_score)
        json_object_set_new(o, "score", json_real(m->score));
    json_object_set_new(o, "distance", json_real(m->distance));
    json_object_set_new(o, "path", json_string(m->url));
    return o;
}

/* ---- admission: bounded expensive work ---- */

int api__admit(struct app *app, enum app_work work, struct http_request *req,
              struct http_response *res, char client[ADMIT_CLIENT_LEN])
{
    struct kr_err err = {0};
    enum kr_code rc;

    http_req_client(req, client, ADMIT_CLIENT_LEN);
    if (work == APP_WORK_JOBS)
        rc = app->jobs ? jobs_reserve(app->jobs, client, &err) : KR_OK;
    else
        rc = app->admit[work] ? admit_enter(app->admit[work], client, &err) : KR_OK;
    if (!rc)
        return 0;
    http_res_from_err(res, &err);
    return -1;
}

void api__release(struct app *app, enum app_work work, const char client[ADMIT_CLIENT_LEN])
{
    if (work == APP_WORK_JOBS) {
        if (app->jobs)
            jobs_unreserve(app->jobs, client);
    } else if (app->admit[work]) {
        admit_leave(app->admit[work], client);
    }
}

void api__error_fields(json_t *o, const char *msg, enum kr_slug slug)
{
    json_object_set_new(o, "error", json_string(msg));
    json_object_set_new(o, "code", json_string(kr_slug_text(slug)));
    json_object_set_new(o, "detail", json_string(msg));
}

void api_request_scope(const struct http_request *r, int enter)
{
    repo_request_base(enter ? http_req_base_url(r) : NULL);
}
