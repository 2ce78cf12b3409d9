/*
 * bills.c - POST /further_req: refine a bill's rows (the original's
 * RequestModel {"data": [...], "columns": "...", "manual": "..."}).
 *
 * The original sent the rows to Gemini with the two sentences; Karat does
 * it offline: `columns` keeps the named columns (comma-separated, matched
 * ignoring case and spaces) and `manual` is the row filter language of
 * doc/expr.c. A filter or column list that is not understood goes to the
 * AI layer's copy provider when one is configured (doc_refine_ai), else it
 * is a 400 bad_filter naming what was not understood. The answer is the refined rows array, as the
 * original's; the result is stored as a document version (a new document,
 * or a version of "id" when the body names one, with that document's
 * extras: the body has only rows) whose id is in the X-Document-Id header,
 * and pushed onto the client's undo history.
 */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"

/* A string field of the body (required); -1 after the 400. */
static int text_field(json_t *body, const char *name, struct http_response *res, const char **out)
{
    json_t *v = json_object_get(body, name);

    *out = json_string_value(v);
    if (*out)
        return 0;
    if (!v)
        http_res_error(res, KRS_MISSING_FIELD, "%s is required", name);
    else
        http_res_error(res, KRS_BAD_JSON, "%s must be a string", name);
    return -1;
}

struct refine_args {
    json_t *data;
    const char *columns, *manual, *id;
};

static int refine_args(struct http_request *req, struct http_response *res, struct refine_args *a)
{
    json_t *body = http_req_json(req, res), *id;

    if (!body)
        return -1;
    if (!json_is_object(body)) {
        http_res_error(res, KRS_BAD_JSON,
                       "expected {\"data\": [...], \"columns\": \"...\", "
                       "\"manual\": \"...\"}");
        return -1;
    }
    a->data = json_object_get(body, "data");
    if (!a->data) {
        http_res_error(res, KRS_MISSING_FIELD, "data is required");
        return -1;
    }
    if (text_field(body, "columns", res, &a->columns) ||
        text_field(body, "manual", res, &a->manual))
        return -1;
    id = json_object_get(body, "id");
    a->id = json_string_value(id);
    if (id && !json_is_null(id) && !a->id) {
        http_res_error(res, KRS_BAD_JSON, "id must be a string");
        return -1;
    }
    return 0;
}

/* Offline first; what Karat's language cannot parse goes to the provider
 * when one is configured. */
static enum kr_code refine(struct app *app, const struct doc_table *in, const struct refine_args *a,
                           struct doc_table *out, struct kr_err *err)
{
    enum kr_code rc = doc_refine(in, a->columns, a->manual, out, err);

    if (rc && err->slug_id == KRS_BAD_FILTER && doc_refine_ai_ready(app->ai))
        rc = doc_refine_ai(app->ai, in, a->columns, a->manual, out, err);
    return rc;
}

/* A refinement of a stored document (id) keeps its extras: the body carries
 * only rows, and its next version must not lose the invoice's totals. */
static enum kr_code keep_extras(struct app *app, const char *id, struct doc_table *out,
                                struct kr_err *err)
{
    struct doc_state st;
    enum kr_code rc;

    if (!id || !*id || out->nextras)
        return KR_OK;
    if ((rc = doc_store_get(app->store, id, 0, &st, err)))
        return rc;
    free(out->extras);
    out->extras = st.table.extras;
    out->nextras = st.table.nextras;
    st.table.extras = NULL;
    st.table.nextras = 0;
    doc_state_free(&st);
    return KR_OK;
}

void api_further_req(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct refine_args a = {0};
    struct doc_table in = {0}, out = {0};
    struct doc_saved saved;
    struct kr_err err = {0};
    char client[ADMIT_CLIENT_LEN];

    if (api__doc_store(app, res) || refine_args(req, res, &a))
        return;
    http_req_client(req, client, sizeof client);
    if (doc_table_from_json(a.data, NULL, &in, &err) || refine(app, &in, &a, &out, &err) ||
        keep_extras(app, a.id, &out, &err) ||
        doc_store_save(app->store, &(struct doc_save_req){a.id, &out, DOC_SRC_REFINE, client, NULL, 0},
                       &saved, &err)) {
        http_res_from_err(res, &err);
        goto out;
    }
    snprintf(res->extra_headers, sizeof res->extra_headers, "X-Document-Id: %s\r\n", saved.id);
    http_res_json(res, 200, doc_rows_json(&out));
out:
    doc_table_free(&in);
    doc_table_free(&out);
}
