/*
 * documents.c - stored bills: GET/PUT /documents/{id} and GET /undo_invoice.
 *
 * Every extraction, refinement (/further_req) and manual edit (PUT) is a
 * version of a document in the record store (doc/persist.c); GET answers
 * the latest with its warnings checked again under today's settings.
 * /undo_invoice is the original's undo: per client (API key digest, or the
 * address without keys) it drops the last result and answers the one
 * before it, in the shape the result had ({"table", "extras", ...} for an
 * extraction or an edit, the rows array for a refinement); with nothing to
 * undo it answers the original's JSON strings. Unlike the original, the
 * only entry can be undone.
 */
#include "api/api_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"

void api__doc_check_opts(const struct app *app, struct doc_check_opts *o)
{
    o->min_conf = app->cfg->doc_min_confidence;
    o->tolerance = app->cfg->doc_tolerance;
}

enum kr_code api__doc_json(const struct app *app, const struct doc_table *t, json_t **out,
                           struct kr_err *err)
{
    struct doc_check_opts co;
    struct doc_warnings w = {0};
    enum kr_code rc;

    api__doc_check_opts(app, &co);
    if ((rc = doc_check(t, &co, &w, err)))
        return rc;
    *out = json_pack("{s:o, s:o, s:o}", "table", doc_rows_json(t), "extras", doc_extras_json(t),
                     "warnings", doc_warnings_json(t, &w));
    doc_warnings_free(&w);
    return *out ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
}

int api__doc_store(struct app *app, struct http_response *res)
{
    if (app->store)
        return 0;
    http_res_error(res, KRS_NO_STORE, "documents need the server's store");
    return -1;
}

static void reply_state(struct app *app, struct http_response *res, const struct doc_state *st)
{
    struct kr_err err = {0};
    json_t *o = NULL;

    if (api__doc_json(app, &st->table, &o, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    json_object_set_new(o, "id", json_string(st->id));
    json_object_set_new(o, "version", json_integer(st->version));
    json_object_set_new(o, "source", json_string(doc_source_name(st->source)));
    json_object_set_new(o, "created_ms", json_integer(st->created_ms));
    http_res_json(res, 200, o);
}

void api_get_document(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct doc_state st;
    struct kr_err err = {0};
    int version;

    if (api__doc_store(app, res) ||
        api__int_arg(req, res, &(struct api_int_spec){"version", 0, 0, 1 << 30}, &version))
        return;
    if (doc_store_get(app->store, http_req_param(req, "id"), version, &st, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    reply_state(app, res, &st);
    doc_state_free(&st);
}

/* A row with no cells (`{}`) carries nothing a version could keep: refused
 * (400 invalid_argument naming the row) rather than stored as a blank line.
 * Rows that are not objects are left to doc_table_from_json. Returns -1 after
 * answering, else 0. */
static int refuse_empty_rows(const json_t *rows, struct http_response *res)
{
    size_t i;
    const json_t *row;

    json_array_foreach(rows, i, row)
    {
        if (json_is_object(row) && !json_object_size(row)) {
            http_res_error(res, KRS_INVALID_ARGUMENT,
                           "table row %zu has no cells: a row is {\"header\": \"value\", ...}; "
                           "leave out a row to delete it", i + 1);
            return -1;
        }
    }
    return 0;
}

/* PUT /documents/{id}: {"table": [...], "extras": {...}} -> a new version. */
void api_put_document(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct doc_table t = {0};
    struct doc_saved saved;
    struct doc_state st;
    struct kr_err err = {0};
    char client[ADMIT_CLIENT_LEN];
    json_t *body, *base;

    if (api__doc_store(app, res) || !(body = http_req_json(req, res)))
        return;
    if (!json_is_object(body) || !json_object_get(body, "table")) {
        http_res_error(res, KRS_MISSING_FIELD, "expected {\"table\": [...], \"extras\": {...}}");
        return;
    }
    base = json_object_get(body, "version");
    if (base && (!json_is_integer(base) || json_integer_value(base) < 1 ||
                 json_integer_value(base) > INT_MAX)) {
        http_res_error(res, KRS_INVALID_ARGUMENT,
                       "\"version\" must be a version number (1, 2, ...)");
        return;
    }
    if (refuse_empty_rows(json_object_get(body, "table"), res))
        return;
    http_req_client(req, client, sizeof client);
    if (doc_table_from_json(json_object_get(body, "table"), json_object_get(body, "extras"), &t,
                            &err) ||
        doc_store_save(app->store,
                       &(struct doc_save_req){http_req_param(req, "id"), &t, DOC_SRC_EDIT, client,
                                              NULL, base ? (int)json_integer_value(base) : 0},
                       &saved, &err) ||
        doc_store_get(app->store, saved.id, saved.version, &st, &err)) {
        doc_table_free(&t);
        http_res_from_err(res, &err);
        return;
    }
    doc_table_free(&t);
    reply_state(app, res, &st);
    doc_state_free(&st);
}

void api_undo_invoice(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct doc_state st;
    struct kr_err err = {0};
    char client[ADMIT_CLIENT_LEN];
    enum doc_undo what;
    static const char *words[] = {"Undo file does not exist.", "No actions to undo.",
                                  "no file to undo"};

    if (api__doc_store(app, res))
        return;
    http_req_client(req, client, sizeof client);
    if (doc_store_undo(app->store, client, &what, &st, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    if (what != DOC_UNDO_STATE) { /* a bare JSON string, as the original answered */
        json_t *j = json_string(words[what]);
        char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
        json_decref(j);
        if (text)
            http_res_bytes(res, 200, "application/json", text, strlen(text));
        else
            http_res_error(res, KRS_OUT_OF_MEMORY, "out of memory");
        free(text);
        return;
    }
    if (st.source == DOC_SRC_REFINE)
        http_res_json(res, 200, doc_rows_json(&st.table));
    else
        reply_state(app, res, &st);
    doc_state_free(&st);
}
