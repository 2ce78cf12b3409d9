/*
 * api_int.h - helpers shared by the handler files of api/ (not public).
 *
 * The one return convention of api/ (routes.c lists the handlers):
 * - A handler is `void name(req, res, app)` (http_handler): it returns
 *   nothing and always leaves its answer, success or error, in res.
 * - A step of a handler that may answer the request itself (an argument
 *   check, admission, reading the source photo) returns int: 0 = go on, -1
 *   = it has written the error answer into res; the handler then only
 *   gives back what it took (admission slot, buffers) and returns. Values
 *   such a step produces go to an out parameter, never in the return value.
 * - A step that does not touch res returns enum kr_code with a struct
 *   kr_err, like every module below api/; the handler answers a failure
 *   with http_res_from_err() (or an answer of its own kind, e.g. a 200 that
 *   reports a per-item error).
 * - reply_* / respond_* functions write a final answer and return void.
 * http/'s own getters that answer (http_req_json: NULL after its 400/413)
 * are the one exception, as they belong to http/.
 */
#ifndef KARAT_API_INT_H
#define KARAT_API_INT_H

#include <jansson.h>

#include "api/api.h"
#include "core/admit.h"
#include "repo/repo.h"

/* An integer argument: its name, its value when absent, and its bounds. */
struct api_int_spec {
    const char *name;
    int def, lo, hi;
};
/* Integer argument from query or form; writes a 400 and returns -1 when bad. */
int api__int_arg(struct http_request *req, struct http_response *res,
                 const struct api_int_spec *spec, int *out);
/* yes/no (true/false, 1/0) argument; 400 and -1 when neither. */
int api__bool_arg(struct http_request *req, struct http_response *res, const char *name, int def,
                 int *out);
/* The uploaded file in `field` into *out; -1 after writing a 400 when it is
 * missing or empty, a 415 when the body is not a form. */
int api__image_file(struct http_request *req, struct http_response *res, const char *field,
                    const struct http_file **out);
/* The client's file name reduced to a display name: no folders, control
 * bytes as '_', invalid UTF-8 as U+FFFD (so it always fits in JSON; the
 * name is cleaned rather than refused), cut on a character boundary. */
void api__display_name(const char *filename, char *out, size_t n);
/* Take a slot of `work` for the requesting client before any side effect;
 * on refusal writes 429 (with Retry-After) and returns -1. Give it back with
 * api__release() with the same client string. */
int api__admit(struct app *app, enum app_work work, struct http_request *req,
              struct http_response *res, char client[ADMIT_CLIENT_LEN]);
void api__release(struct app *app, enum app_work work, const char client[ADMIT_CLIENT_LEN]);
/* The error fields of an answer that carries more than an error:
 * "error" and "detail" (the message; FastAPI clients read detail), "code". */
void api__error_fields(json_t *o, const char *msg, enum kr_slug slug);
/* {"id", ["score",] "distance", "path"} */
json_t *api__match_json(const struct repo_match *m, int with_score);

/* captions_legacy.c: /generate_caption's 2024 form (several photos in
 * `files`, CSV when Accept asks for text/csv). Returns 1 when it answered,
 * 0 when the request is not that form (then nothing was written). */
int api__caption_legacy(struct app *app, struct http_request *req, struct http_response *res);

/* documents.c, shared with bills.c: the check settings from the config;
 * {"table", "extras", "warnings"} of a table; 0, or -1 after a 400 when the
 * app has no store. */
struct doc_check_opts;
struct doc_table;
void api__doc_check_opts(const struct app *app, struct doc_check_opts *o);
enum kr_code api__doc_json(const struct app *app, const struct doc_table *t, json_t **out,
                           struct kr_err *err);
int api__doc_store(struct app *app, struct http_response *res);

#endif
