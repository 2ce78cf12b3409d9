/*
 * extract.c - a bill's bytes -> its table: who reads it.
 *
 * With a provider for photos (the AI layer's attribute provider is Gemini
 * or OpenAI) a photographed bill is read in bands: each call returns at
 * most AI_TABLE_ROWS rows and says whether more follow, and the next call
 * asks for the rows after those already read, so no output cap can cut a
 * table; every band must have the first band's columns, the rows are
 * joined and the extras merged (the first value of a key wins); a PDF goes
 * to Gemini only (inline, every page). When the provider fails (or for a
 * PDF with OpenAI), the
 * offline reader answers: doc__extract_offline (offline.c), or a fake a
 * test harness registered in its place (doc_extract_fake). When the
 * offline reader is not available either, the provider's failure is the
 * answer. After reading, every cell's value is parsed from its string and
 * a rupee sign the OCR misread is put right (doc_fix_ocr, fix.c).
 * doc_refine_ai() uses the same bands to refine rows given as text.
 */
#include "doc/doc_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "ai/ai.h"

static _Atomic(doc_extract_fn) fake;

void doc_extract_fake(doc_extract_fn fn)
{
    atomic_store(&fake, fn);
}

/* The band's headers as object keys: unique ("Amount", "Amount (2)"). */
static json_t *unique_keys(json_t *headers)
{
    json_t *keys = json_array(), *seen = json_object(), *h;
    char name[DOC_MAX_CELL + 16];
    size_t i;

    json_array_foreach(headers, i, h)
    {
        snprintf(name, sizeof name, "%s", json_string_value(h));
        for (int n = 2; json_object_get(seen, name); n++)
            snprintf(name, sizeof name, "%.*s (%d)", DOC_MAX_CELL, json_string_value(h), n);
        json_object_set_new(seen, name, json_true());
        json_array_append_new(keys, json_string(name));
    }
    json_decref(seen);
    return keys;
}

/* Append one band to rows/extras; *keys set from the first band. */
static enum kr_code add_band(json_t *reply, json_t **keys, json_t *rows, json_t *extras,
                             struct kr_err *err)
{
    json_t *h = json_object_get(reply, "headers"), *r, *e;
    size_t i, j;

    if (!*keys)
        *keys = unique_keys(h);
    else if (json_array_size(h) != json_array_size(*keys))
        return kr_fail(err, KRS_BAD_MODEL_REPLY,
                       "a later part of the bill has %zu columns, the "
                       "first had %zu",
                       json_array_size(h), json_array_size(*keys));
    json_array_foreach(json_object_get(reply, "rows"), i, r)
    {
        json_t *o = json_object();
        for (j = 0; j < json_array_size(*keys); j++)
            json_object_set(o, json_string_value(json_array_get(*keys, j)), json_array_get(r, j));
        json_array_append_new(rows, o);
    }
    json_array_foreach(json_object_get(reply, "extras"), i, e)
    {
        const char *k = json_string_value(json_object_get(e, "key"));
        if (*k && !json_object_get(extras, k) && json_object_size(extras) < DOC_MAX_EXTRAS)
            json_object_set(extras, k, json_object_get(e, "value"));
    }
    if (json_array_size(rows) > DOC_MAX_ROWS)
        return kr_fail(err, KRS_BAD_MODEL_REPLY, "the bill has more than %d rows", DOC_MAX_ROWS);
    return KR_OK;
}

/* Ask for bands (tmpl with `after` moved on) until no more follow. */
static enum kr_code bands(struct ai *ai, const struct ai_table_req *tmpl, struct doc_table *out,
                          struct kr_err *err)
{
    json_t *keys = NULL, *rows = json_array(), *extras = json_object(), *reply = NULL;
    enum kr_code rc = KR_OK;
    int more = 1;

    for (int call = 0; more && call <= DOC_MAX_ROWS / AI_TABLE_ROWS; call++) {
        struct ai_table_req tr = *tmpl;
        tr.after = json_array_size(rows);
        if ((rc = ai_table(ai, &tr, &reply, err)) ||
            (rc = add_band(reply, &keys, rows, extras, err)))
            break;
        more = json_is_true(json_object_get(reply, "more")) &&
               json_array_size(json_object_get(reply, "rows")) > 0;
        json_decref(reply);
        reply = NULL;
    }
    if (!rc && keys && !json_array_size(rows)) { /* headers only: keep them */
        json_t *blank = json_object();
        size_t i;
        json_t *k;
        json_array_foreach(keys, i, k)
        {
            json_object_set_new(blank, json_string_value(k), json_string(""));
        }
        json_array_append_new(rows, blank);
        rc = doc_table_from_json(rows, extras, out, err);
        for (size_t c = 0; !rc && c < out->ncols; c++)
            free(out->cells[c].text);
        if (!rc)
            out->nrows = 0;
    } else if (!rc) {
        rc = doc_table_from_json(rows, extras, out, err);
    }
    json_decref(reply);
    json_decref(keys);
    json_decref(rows);
    json_decref(extras);
    return rc;
}

static enum kr_code read_with_provider(const struct doc_extract_req *req, struct doc_table *out,
                                       struct kr_err *err)
{
    struct ai_image im = {req->bytes, req->len, req->mime};
    struct ai_table_req tr = {&im, 1, req->prompt, 0, NULL};

    return bands(req->ai, &tr, out, err);
}

int doc_refine_ai_ready(struct ai *ai)
{
    return ai && strcmp(ai_provider_name(ai, AI_ROLE_COPY), "offline") != 0;
}

enum kr_code doc_refine_ai(struct ai *ai, const struct doc_table *in, const char *columns,
                           const char *manual, struct doc_table *out, struct kr_err *err)
{
    json_t *rows = doc_rows_json(in);
    char *data = rows ? json_dumps(rows, JSON_COMPACT) : NULL, *task = NULL;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    json_decref(rows);
    if (!data ||
        asprintf(&task, "columns to keep: %s; rows to keep: %s",
                 columns && *columns ? columns : "all", manual && *manual ? manual : "all") < 0) {
        free(data);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    rc = bands(ai, &(struct ai_table_req){NULL, 0, task, 0, data}, out, err);
    free(task);
    free(data);
    if (!rc)
        for (size_t i = 0; i < out->nrows * out->ncols; i++)
            doc_parse_value(out->cells[i].text, &out->cells[i].v);
    return rc;
}

static enum kr_code read_offline(const struct doc_extract_req *req, struct doc_table *out,
                                 struct kr_err *err)
{
    doc_extract_fn fn = atomic_load(&fake);

    return fn ? fn(req, out, err) : doc__extract_offline(req, out, err);
}

/* A photo goes to Gemini or OpenAI; a PDF only to Gemini (which reads every
 * page of an inline PDF; OpenAI's chat images cannot be PDFs). */
static int provider_reads(const struct doc_extract_req *req)
{
    const char *name = req->ai ? ai_provider_name(req->ai, AI_ROLE_ATTR) : "offline";

    return strcmp(name, "offline") && (!req->is_pdf || !strcmp(name, "gemini"));
}

enum kr_code doc_extract(const struct doc_extract_req *req, struct doc_table *out,
                         struct kr_err *err)
{
    struct kr_err perr = {0};
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (provider_reads(req)) {
        if ((rc = read_with_provider(req, out, &perr)) == KR_OK)
            goto parsed;
        doc_table_free(out);
        rc = read_offline(req, out, err);
        if (rc && err && err->slug_id == KRS_OCR_UNAVAILABLE) {
            *err = perr; /* no offline reader: the provider's failure says more */
            rc = perr.code;
        }
    } else {
        rc = read_offline(req, out, err);
    }
    if (rc)
        return rc;
parsed:
    for (size_t i = 0; i < out->nrows * out->ncols; i++)
        doc_parse_value(out->cells[i].text, &out->cells[i].v);
    if (req->check && (rc = doc_fix_ocr(out, req->check, err)))
        doc_table_free(out);
    return rc;
}
