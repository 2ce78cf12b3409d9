/*
 * import.c - products from a file (CSV or JSON) or an upstream URL.
 *
 * JSON: the original system's products API shape {"data": [{"id",
 * "product_name", "description", "attributes", "color", ...}]}, or a bare
 * array of products. CSV (RFC 4180: quoted fields, doubled quotes, CRLF or
 * LF) with a header row naming the columns (see product.h); unknown
 * columns are ignored, photo_ids is a list of integers separated by
 * spaces, commas or semicolons. Either way every record is normalised
 * first and the file is refused as a whole if one is bad, so an import
 * never half-happens because of its input. Rows are stored in
 * transactions of STORE_PRODUCT_BATCH_MAX (one fsync each, not one per
 * row); a store failure part way stops with that error, earlier batches
 * kept (re-running the import is idempotent: rows are upserts by id).
 *
 * The upstream URL (KARAT_PRODUCTS_URL) is fetched with net_fetch(), the
 * SSRF-guarded fetch: a form POST of the filters, as the original's
 * staging products API expects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "net/net.h"
#include "product/product_int.h"

#define CSV_COLS_MAX 64

/* One CSV field at *p (advanced past it and its separator) into b;
 * *eol set when the record ended. -1 on an unterminated quote. */
static int csv_field(const char **p, const char *end, struct buf *b, int *eol)
{
    const char *s = *p;

    b->len = 0;
    *eol = 0;
    if (s < end && *s == '"') {
        for (s++;; s++) {
            if (s >= end)
                return -1;
            if (*s == '"' && s + 1 < end && s[1] == '"')
                s++;
            else if (*s == '"')
                break;
            if (buf_append(b, s, 1))
                return -1;
        }
        s++;
    } else {
        const char *f = s;
        while (s < end && *s != ',' && *s != '\n' && *s != '\r')
            s++;
        if (buf_append(b, f, (size_t)(s - f)))
            return -1;
    }
    if (buf_append(b, "", 1))
        return -1;
    if (s < end && *s == ',') {
        s++;
    } else {
        if (s < end && *s == '\r')
            s++;
        if (s < end && *s == '\n')
            s++;
        *eol = 1;
        if (s < end && s == *p) /* an empty line */
            *eol = 1;
    }
    *p = s;
    return 0;
}

/* photo_ids text "12 34;56" as an array (NULL if malformed). */
static json_t *id_list(const char *s)
{
    json_t *a = json_array();
    char *end;

    while (*s) {
        if (*s == ' ' || *s == ',' || *s == ';') {
            s++;
            continue;
        }
        long long v = strtoll(s, &end, 10);
        if (end == s || v < 1) {
            json_decref(a);
            return NULL;
        }
        json_array_append_new(a, json_integer(v));
        s = end;
    }
    return a;
}

/* One CSV record (fields under the header's names) as a JSON object. */
static json_t *csv_record(const char **p, const char *end, char hdr[][64], int ncol, struct buf *b)
{
    json_t *o = json_object();
    int eol = 0;

    for (int c = 0; !eol; c++) {
        if (csv_field(p, end, b, &eol)) {
            json_decref(o);
            return NULL;
        }
        if (c >= ncol || !*hdr[c])
            continue;
        const char *v = (const char *)b->data;
        if (!strcmp(hdr[c], "photo_ids")) {
            json_t *a = id_list(v);
            json_object_set_new(o, "photo_ids", a ? a : json_string(v)); /* refused later */
        } else if (*v) {
            json_object_set_new(o, hdr[c], json_string(v));
        }
    }
    return o;
}

static enum kr_code parse_csv(const char *data, size_t n, json_t *out, struct kr_err *err)
{
    const char *p = data, *end = data + n;
    char hdr[CSV_COLS_MAX][64];
    struct buf b;
    int ncol = 0, eol = 0;
    enum kr_code rc = KR_OK;

    buf_init(&b, STORE_PRODUCT_TEXT_MAX + 1);
    while (!eol && ncol < CSV_COLS_MAX) {
        if (csv_field(&p, end, &b, &eol)) {
            rc = kr_fail(err, KRS_BAD_IMPORT, "CSV: malformed header");
            goto out;
        }
        snprintf(hdr[ncol], sizeof hdr[0], "%s", (const char *)b.data);
        for (char *c = hdr[ncol]; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        ncol++;
    }
    for (int line = 2; p < end; line++) {
        if (*p == '\n' || *p == '\r') {
            p++;
            continue;
        }
        json_t *rec = csv_record(&p, end, hdr, ncol, &b);
        if (!rec) {
            rc = kr_fail(err, KRS_BAD_IMPORT, "CSV record %d: malformed (a quote not closed?)",
                         line);
            goto out;
        }
        json_array_append_new(out, rec);
    }
out:
    buf_release(&b);
    return rc;
}

/* The records of data into an array of normalised products. */
static enum kr_code parse_all(const char *data, size_t n, json_t **out, struct kr_err *err)
{
    json_t *raw = NULL, *norm = json_array(), *v;
    json_error_t je;
    enum kr_code rc = KR_OK;
    size_t i, k = 0;

    while (k < n && (data[k] == ' ' || data[k] == '\n' || data[k] == '\r' || data[k] == '\t'))
        k++;
    if (k < n && (data[k] == '{' || data[k] == '[')) {
        json_t *doc = json_loadb(data, n, JSON_REJECT_DUPLICATES, &je);
        raw = json_is_object(doc) ? json_incref(json_object_get(doc, "data")) : json_incref(doc);
        json_decref(doc);
        if (!json_is_array(raw))
            rc = kr_fail(err, KRS_BAD_IMPORT, "JSON: expected {\"data\": [...]} or a list (%s)",
                         doc ? "no data list" : je.text);
    } else {
        raw = json_array();
        rc = parse_csv(data, n, raw, err);
    }
    if (!rc && json_array_size(raw) > PRODUCT_IMPORT_MAX)
        rc = kr_fail(err, KRS_BAD_IMPORT, "more than %d products", PRODUCT_IMPORT_MAX);
    json_array_foreach(raw, i, v)
    {
        json_t *p = NULL;
        if (rc)
            break;
        struct kr_err why = {0};
        rc = product__normalise(v, NULL, &p, &why);
        if (rc)
            rc = kr_fail(err, KRS_BAD_IMPORT, "record %zu: %s", i + 1, why.msg);
        json_array_append_new(norm, p);
    }
    json_decref(raw);
    if (rc)
        json_decref(norm);
    else
        *out = norm;
    return rc;
}

enum kr_code product_import(struct store *s, const char *data, size_t n,
                            struct product_import_stats *st, struct kr_err *err)
{
    json_t *all = NULL;
    enum kr_code rc = parse_all(data, n, &all, err);
    size_t total = rc ? 0 : json_array_size(all);

    st->imported = 0;
    for (size_t i = 0; !rc && i < total; i += STORE_PRODUCT_BATCH_MAX) {
        int k = total - i < STORE_PRODUCT_BATCH_MAX ? (int)(total - i) : STORE_PRODUCT_BATCH_MAX;
        rc = product__store_many(s, all, i, k, err);
        if (!rc)
            st->imported += k;
    }
    json_decref(all);
    return rc;
}

/* name=value& of a form body, value percent-encoded. */
static enum kr_code form_add(struct buf *b, const char *name, const char *v)
{
    enum kr_code rc = buf_appendf(b, "%s%s=", b->len ? "&" : "", name);

    for (const unsigned char *p = (const unsigned char *)(v ? v : ""); !rc && *p; p++)
        rc = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                     *p == '-' || *p == '.' || *p == '_'
                 ? buf_append(b, p, 1)
                 : buf_appendf(b, "%%%02X", *p);
    return rc;
}

enum kr_code product_sync(struct store *s, const char *url, const struct net_fetch_opts *o,
                          const struct product_filter *f, struct product_import_stats *st,
                          struct kr_err *err)
{
    struct net_fetch_opts fo = *o;
    struct buf form, body;
    enum kr_code rc = KR_OK;

    st->imported = 0;
    if (!url || !*url)
        return kr_fail(err, KRS_NO_PRODUCTS_URL, "no upstream products URL (KARAT_PRODUCTS_URL)");
    buf_init(&form, 16384);
    buf_init(&body, 0);
    if (form_add(&form, "start_date", f->from) || form_add(&form, "end_date", f->to) ||
        form_add(&form, "start_price", f->min_price) ||
        form_add(&form, "end_price", f->max_price) || form_add(&form, "category", f->category))
        rc = kr_fail(err, KRS_BAD_ARGUMENT, "sync filters are too long");
    if (!rc) {
        fo.post_form = (const char *)form.data;
        rc = net_fetch(url, &fo, &body, NULL, 0, err);
    }
    if (!rc)
        rc = body.len ? product_import(s, (const char *)body.data, body.len, st, err)
                      : kr_fail(err, KRS_BAD_IMPORT, "the products URL answered nothing");
    buf_release(&form);
    buf_release(&body);
    return rc;
}
