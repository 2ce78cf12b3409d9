/*
 * pipeline.c - the catalog pipeline's frame: the struct catalog, its schema
 * cache, and the two callbacks of the "catalog" job kind.
 *
 * A job's params name the marketplace and product type (canonical names,
 * checked at submit) and, optionally, a template; its items are
 * {"url", "sku"}. The item callback hands off to item.c; the finish callback
 * builds one validated row per successful item in input order; its ending
 * (catalog__finish, shared with the variations kind) writes the files (second
 * half of this file) and assembles the response the original returned:
 * {"results": [{"attributes", "warnings"}...], "excel_file", "csv_file"}.
 *
 * The output step (rows, result entries, files) follows the job callbacks.
 */
#include "catalog/catalog_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/util.h"

const char *catalog__str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

void catalog_opts_from_config(const struct config *cfg, struct catalog_opts *o)
{
    o->schema_dir = cfg->marketplaces_dir;
    o->tmp_dir = config_tmp_dir(cfg);
    o->max_image_bytes = (size_t)cfg->max_upload_bytes;
    o->max_template_bytes = (size_t)cfg->max_upload_bytes;
    o->max_pixels = cfg->max_pixels;
    o->max_template_unpacked = (size_t)cfg->template_max_unpacked;
    o->max_template_ratio = (unsigned)cfg->template_max_ratio;
    o->template_concurrency = cfg->template_concurrency;
}

enum kr_code catalog_open(const struct catalog_opts *o, struct catalog **out, struct kr_err *err)
{
    struct catalog *c;

    if (!o || !o->ai || !o->io.read || !o->io.save)
        return kr_fail(err, KRS_BAD_OPTION, "catalog: an AI instance and io callbacks are needed");
    if (!o->max_image_bytes || !o->max_template_bytes || o->max_pixels <= 0 ||
        !o->max_template_unpacked || !o->max_template_ratio || o->template_concurrency <= 0)
        return kr_fail(err, KRS_BAD_OPTION,
                       "catalog: every limit must be set (catalog_opts_from_config)");
    if (!o->schema_dir || !*o->schema_dir || !o->tmp_dir || !*o->tmp_dir)
        return kr_fail(err, KRS_BAD_OPTION, "catalog: the schema and temporary folders must be set");
    c = calloc(1, sizeof *c);
    if (!c)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    c->o = *o;
    c->o.schema_dir = strdup(o->schema_dir); /* the caller's config may go first */
    c->o.tmp_dir = strdup(o->tmp_dir);
    if (!c->o.schema_dir || !c->o.tmp_dir) {
        free((char *)c->o.schema_dir);
        free((char *)c->o.tmp_dir);
        free(c);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    c->o.profile = json_incref(o->profile);
    c->tpl_limits = (struct sheet_tpl_limits){o->max_template_unpacked, o->max_template_ratio};
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->tpl_cv, NULL);
    *out = c;
    return KR_OK;
}

void catalog_close(struct catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nschemas; i++)
        sheet_schema_free(c->schemas[i].s);
    json_decref(c->o.profile);
    free((char *)c->o.schema_dir);
    free((char *)c->o.tmp_dir);
    pthread_cond_destroy(&c->tpl_cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

enum kr_code catalog_template_admit(struct catalog *c, int wait, struct kr_err *err)
{
    enum kr_code rc = KR_OK;

    pthread_mutex_lock(&c->mu);
    while (wait && c->tpl_busy >= c->o.template_concurrency)
        pthread_cond_wait(&c->tpl_cv, &c->mu);
    if (c->tpl_busy < c->o.template_concurrency)
        c->tpl_busy++;
    else
        rc = kr_fail(err, KRS_BUSY, "%d templates are being processed; try again shortly",
                     c->o.template_concurrency);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void catalog_template_release(struct catalog *c)
{
    pthread_mutex_lock(&c->mu);
    assert(c->tpl_busy > 0); /* a release without its admit is a bug */
    c->tpl_busy--;
    pthread_cond_signal(&c->tpl_cv);
    pthread_mutex_unlock(&c->mu);
}

static enum kr_code load_schema(struct catalog *c, const char *mp, const char *type,
                                struct sheet_schema **out, struct kr_err *err)
{
    enum kr_code rc = sheet_schema_load(c->o.schema_dir, mp, type, out, err);

    if (rc == KR_OK && c->o.profile && (rc = sheet_apply_profile(*out, c->o.profile, err))) {
        sheet_schema_free(*out);
        *out = NULL;
    }
    return rc;
}

enum kr_code catalog__schema(struct catalog *c, const char *marketplace, const char *type,
                             const struct sheet_schema **out, struct kr_err *err)
{
    char code[SHEET_CODE_LEN];
    struct sheet_schema *s = NULL;
    enum kr_code rc = KR_OK;

    if (!marketplace || !type || !*marketplace || !*type || strlen(marketplace) > 64 ||
        strlen(type) > 64)
        return kr_fail(err, KRS_MISSING_ARGUMENT, "marketplace and type are required");
    sheet_code_of(marketplace, type, code);
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->nschemas && !s; i++)
        if (strcmp(c->schemas[i].code, code) == 0)
            s = c->schemas[i].s;
    if (!s && (rc = load_schema(c, marketplace, type, &s, err)) == KR_OK) {
        if (c->nschemas < CATALOG_MAX_SCHEMAS) {
            util_strlcpy(c->schemas[c->nschemas].code, code, sizeof c->schemas[0].code);
            c->schemas[c->nschemas++].s = s;
        } else { /* cannot happen with the shipped schemas; refuse rather than leak */
            sheet_schema_free(s);
            s = NULL;
            rc = kr_fail(err, KRS_TOO_MANY_SCHEMAS, "too many marketplace schemas");
        }
    }
    pthread_mutex_unlock(&c->mu);
    *out = s;
    return rc;
}

/* ---- the "catalog" job kind ---- */

enum kr_code catalog__job_item(void *ctx, const struct jobs_work_item *w, json_t **result,
                               struct kr_err *err)
{
    struct catalog *c = ctx;
    json_t *params = w->params, *item = w->item;
    const struct sheet_schema *s;
    enum kr_code rc;

    rc = catalog__schema(c, catalog__str(params, "marketplace"),
                         catalog__str(params, "product_type"), &s, err);
    if (rc == KR_OK)
        rc = catalog__item_run(c, s, item, result, err);
    if (rc == KR_OK && c->o.io.listed)
        c->o.io.listed(c->o.io.ctx,
                       &(struct catalog_listed){catalog__str(item, "url"), catalog__str(item, "sku"),
                                                sheet_marketplace(s), sheet_product_type(s),
                                                json_object_get(*result, "values")});
    atomic_fetch_add(rc ? &c->items_failed : &c->items_ok, 1);
    return rc;
}

/* Rows and result entries for every item, in input order. */
static enum kr_code collect_rows(struct catalog_out *o, json_t *inputs,
                                 const struct jobs_item *items, size_t n, struct kr_err *err)
{
    for (size_t i = 0; i < n; i++) {
        json_t *in = json_array_get(inputs, i), *row = NULL, *warnings = NULL;
        json_t *values = json_object_get(items[i].result, "values");
        const char *url = catalog__str(in, "url"), *sku = catalog__str(in, "sku");
        enum kr_code rc;

        if (items[i].status != JOBS_ITEM_DONE) {
            json_array_append_new(o->results, catalog__failed_entry(o, url, sku, &items[i]));
            continue;
        }
        rc = catalog__row(o->s, &(struct catalog_row_src){sku, values, NULL}, &row, &warnings, err);
        if (rc)
            return rc;
        catalog__add_review(warnings, json_object_get(items[i].result, "notes"));
        if (sheet_check_analysis(o->s, row, json_object_get(items[i].result, "analysis"),
                                 warnings)) {
            json_decref(row);
            json_decref(warnings);
            return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        }
        json_array_append(o->rows, row);
        json_array_append_new(o->results, catalog__result_entry(o->s, url, sku, row, warnings));
        json_decref(row);
        json_decref(warnings);
    }
    return KR_OK;
}

enum kr_code catalog__job_finish(void *ctx, const struct jobs_finished *f, json_t **result,
                                 struct kr_err *err)
{
    return catalog__finish(ctx, "catalog", f, collect_rows, result, err);
}

enum kr_code catalog__finish(struct catalog *c, const char *kind, const struct jobs_finished *f,
                             catalog_rows_fn rows, json_t **result, struct kr_err *err)
{
    json_t *params = f->params;
    struct catalog_out o = {.params = params, .rows = json_array(), .results = json_array()};
    enum kr_code rc;

    rc = catalog__schema(c, catalog__str(params, "marketplace"),
                         catalog__str(params, "product_type"), &o.s, err);
    o.out = rc ? NULL : json_pack("{s:O}", "results", o.results);
    if (!rc && (!o.rows || !o.results || !o.out))
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if (!rc)
        rc = rows(&o, f->inputs, f->items, f->n, err);
    if (!rc && json_array_size(o.rows) == 0)
        rc = kr_fail(err, KRS_NO_ROWS, "no product could be processed (first error: %s)",
                     o.first_error ? o.first_error : "none");
    if (!rc) {
        json_object_set_new(o.out, "marketplace", json_string(sheet_marketplace(o.s)));
        json_object_set_new(o.out, "product_type", json_string(sheet_product_type(o.s)));
        json_object_set_new(o.out, "rows", json_integer((json_int_t)json_array_size(o.rows)));
        rc = catalog__write_files(c, &o, err);
    }
    if (!rc)
        log_info("%s job %s: %zu rows written", kind, f->job_id, json_array_size(o.rows));
    json_decref(o.rows);
    json_decref(o.results);
    if (rc)
        json_decref(o.out);
    else
        *result = o.out;
    return rc;
}

enum kr_code catalog_register_jobs(struct catalog *c, struct jobs *j, struct kr_err *err)
{
    enum kr_code rc;

    c->kinds[0] = (struct jobs_kind){CATALOG_JOB, c, catalog__job_item, catalog__job_finish};
    c->kinds[1] =
        (struct jobs_kind){CATALOG_VARIATIONS_JOB, c, catalog__job_item, catalog__var_finish};
    rc = jobs_register(j, &c->kinds[0], err);
    return rc ? rc : jobs_register(j, &c->kinds[1], err);
}

void catalog_get_stats(struct catalog *c, struct catalog_stats *out)
{
    out->extract_calls = atomic_load(&c->extract_calls);
    out->copy_calls = atomic_load(&c->copy_calls);
    out->copy_reasks = atomic_load(&c->copy_reasks);
    out->cache_hits = atomic_load(&c->cache_hits);
    out->cache_misses = atomic_load(&c->cache_misses);
    out->items_ok = atomic_load(&c->items_ok);
    out->items_failed = atomic_load(&c->items_failed);
}

/*
 * Output: from item values to what the client gets: validated rows,
 * result entries in the original's response shape, and the two files.
 *
 * The workbook is either fresh (sheet_write_xlsx: the marketplace layout) or
 * the seller's template filled in place (sheet_template_fill), read from the
 * ref captured in the job's params when the job was submitted, so a
 * template replaced or cleared meanwhile does not change a running job. The
 * stored template itself is never modified here: the filled copy is a new
 * file, and so is the CSV. That is the fix for the original, which cleared
 * the one shared template in S3 before processing and then wrote into it.
 */

enum kr_code catalog__row(const struct sheet_schema *s, const struct catalog_row_src *src,
                          json_t **row, json_t **warnings, struct kr_err *err)
{
    const char *sku = src->sku;
    json_t *values = src->values, *overrides = src->overrides;
    json_t *empty = NULL, *v;
    const char *name;
    enum kr_code rc;

    if (!json_is_object(values))
        values = empty = json_object();
    rc = sheet_row_build(s, sku, values, row, err);
    json_decref(empty);
    if (rc)
        return rc;
    json_object_foreach(overrides, name, v)
    {
        if (sheet_find_column(s, name))
            json_object_set(*row, name, v);
    }
    rc = sheet_validate_row(s, *row, warnings, err);
    if (rc) {
        json_decref(*row);
        *row = NULL;
    }
    return rc;
}

const char *catalog__copy_column(const struct sheet_schema *s, enum sheet_copy_role role)
{
    for (size_t i = 0; i < sheet_ncolumns(s); i++) {
        const struct sheet_column *col = sheet_column(s, i);
        if (col->source == SHEET_SRC_COPY && col->copy == role)
            return col->name;
    }
    return NULL;
}

void catalog__add_review(json_t *warnings, json_t *notes)
{
    const char *k;
    size_t i;
    json_t *v, *w;
    json_object_foreach(notes, k, v)
    {
        const char *why = json_string_value(v);
        int done = 0;
        if (!why)
            continue;
        /* a required field the provider left blank with a reason: the seller's to fill */
        json_array_foreach(warnings, i,
                           w) if (!strcmp(catalog__str(w, "column"), k) &&
                                  !strcmp(catalog__str(w, "problem"), "missing_required"))
        {
            json_object_set_new(w, "problem", json_string("needs_review"));
            json_object_set_new(w, "value", json_string(why));
            done = 1;
        }
        if (!done && strncmp(why, "needs review", 12) == 0)
            json_array_append_new(warnings, json_pack("{s:s, s:s, s:s}", "column", k, "problem",
                                                      "needs_review", "value", why));
    }
}

/* The row's quality from its warnings: each warning gets its severity, the
 * row its score and reasons (for the CSV); returns {"score", "passed",
 * "reasons"}. */
static json_t *quality(json_t *row, json_t *warnings)
{
    int failed = 0, score = sheet_row_score(warnings, &failed);
    json_t *reasons = json_array(), *w;
    struct buf text;
    char num[16];
    size_t i;

    buf_init(&text, 0);
    json_array_foreach(warnings, i, w)
    {
        const char *problem = catalog__str(w, "problem"), *col = catalog__str(w, "column");
        json_object_set_new(w, "severity", json_string(sheet_problem_severity(problem)));
        json_array_append_new(reasons, json_sprintf("%s: %s", col, problem));
        buf_appendf(&text, "%s%s: %s", text.len ? "; " : "", col, problem);
    }
    snprintf(num, sizeof num, "%d", score);
    json_object_set_new(row, SHEET_KEY_SCORE, json_string(num));
    json_object_set_new(row, SHEET_KEY_REASONS, json_string(text.len ? (char *)text.data : ""));
    buf_release(&text);
    return json_pack("{s:i, s:b, s:o}", "score", score, "passed", !failed, "reasons", reasons);
}

json_t *catalog__result_entry(const struct sheet_schema *s, const char *url, const char *sku,
                              json_t *row, json_t *warnings)
{
    const char *desc = catalog__copy_column(s, SHEET_COPY_DESCRIPTION);
    json_t *attrs = json_pack("{s:s, s:s, s:s}", "filename", url, "description",
                              desc ? catalog__str(row, desc) : "", "skuid", sku);
    json_t *q = quality(row, warnings);

    if (!attrs || !q) {
        json_decref(attrs);
        json_decref(q);
        return NULL;
    }
    json_object_update(attrs, row);
    json_object_del(attrs, SHEET_KEY_SCORE);
    json_object_del(attrs, SHEET_KEY_REASONS);
    return json_pack("{s:o, s:o, s:o}", "attributes", attrs, "warnings",
                     warnings ? json_incref(warnings) : json_array(), "quality", q);
}

json_t *catalog__failed_entry(struct catalog_out *o, const char *url, const char *sku,
                              const struct jobs_item *it)
{
    json_t *error = it->error;
    json_t *e = error ? json_incref(error) : json_pack("{s:s}", "message", "failed");

    if (!o->first_error)
        o->first_error = catalog__str(error, "message");
    return json_pack("{s:{s:s, s:s}, s:o, s:[]}", "attributes", "filename", url ? url : "", "skuid",
                     sku ? sku : "", "error", e, "warnings");
}

static enum kr_code fill_template(struct catalog *c, const struct catalog_out *o, struct buf *xlsx,
                                  struct kr_err *err)
{
    const struct sheet_schema *s = o->s;
    json_t *params = o->params, *rows = o->rows, *result = o->out;
    const char *ref = catalog__str(params, "template");
    enum sheet_fill_mode mode =
        json_is_true(json_object_get(params, "append")) ? SHEET_FILL_APPEND : SHEET_FILL_REPLACE;
    struct buf tpl;
    json_t *missing = NULL;
    enum kr_code rc;

    buf_init(&tpl, c->o.max_template_bytes);
    rc = c->o.io.read(c->o.io.ctx, ref, &tpl, err);
    if (rc) {
        kr_err_prefix(err, "template: ");
    } else if (!(rc = catalog_template_admit(c, 1, err))) {
        rc = sheet_template_fill(
            s, &(struct sheet_fill_req){tpl.data, tpl.len, &c->tpl_limits, rows, mode}, xlsx,
            &missing, err);
        catalog_template_release(c);
    }
    buf_release(&tpl);
    if (!rc)
        json_object_set_new(result, "template",
                            json_pack("{s:s, s:s, s:o}", "url", ref, "mode",
                                      mode == SHEET_FILL_APPEND ? "append" : "replace",
                                      "missing_columns", missing ? missing : json_array()));
    return rc;
}

static enum kr_code save(struct catalog *c, const char *ext, struct buf *b, const char *key,
                         json_t *result, struct kr_err *err)
{
    char where[2048];
    enum kr_code rc = c->o.io.save(c->o.io.ctx, &(struct catalog_file){ext, b->data, b->len}, where,
                                   sizeof where, err);

    if (rc)
        kr_err_prefix(err, "saving the %s file: ", ext);
    else
        json_object_set_new(result, key, json_string(where));
    return rc;
}

enum kr_code catalog__write_files(struct catalog *c, const struct catalog_out *o,
                                  struct kr_err *err)
{
    const struct sheet_schema *s = o->s;
    json_t *params = o->params, *rows = o->rows, *result = o->out;
    struct buf xlsx, csv;
    enum kr_code rc;

    buf_init(&xlsx, 0);
    buf_init(&csv, 0);
    if (*catalog__str(params, "template"))
        rc = fill_template(c, o, &xlsx, err);
    else
        rc = sheet_write_xlsx(s, rows, c->o.tmp_dir, &xlsx, err);
    if (!rc)
        rc = sheet_write_csv(s, rows, &csv, err);
    if (!rc)
        rc = save(c, "xlsx", &xlsx, "excel_file", result, err);
    if (!rc)
        rc = save(c, "csv", &csv, "csv_file", result, err);
    buf_release(&xlsx);
    buf_release(&csv);
    return rc;
}
