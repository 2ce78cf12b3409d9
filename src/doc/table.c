/*
 * table.c - the document table: freeing, copying, and its wire form.
 *
 * The wire form is the original system's: rows are objects keyed by the
 * table's own headers, extras one flat object. Headers are the rows' keys
 * in order of first appearance, so rows that lack a key (or a provider
 * that adds one halfway) still give one rectangular table. Every string is
 * bounded (DOC_MAX_CELL bytes, DOC_MAX_ROWS x DOC_MAX_COLS, DOC_MAX_EXTRAS)
 * and anything that is not a string, number or null is refused by name.
 */
#include "doc/doc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void doc_table_free(struct doc_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->headers[i]);
    for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++) {
        free(t->cells[i].text);
        free(t->cells[i].read_as);
    }
    for (size_t i = 0; i < t->nextras; i++) {
        free(t->extras[i].key);
        free(t->extras[i].value);
        free(t->extras[i].read_as);
    }
    free(t->headers);
    free(t->cells);
    free(t->extras);
    memset(t, 0, sizeof *t);
}

static enum kr_code oom(struct doc_table *t, struct kr_err *err)
{
    doc_table_free(t);
    return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
}

int doc__dup_read_as(char **s)
{
    return *s && !(*s = strdup(*s)) ? 1 : 0;
}

/* Room for the shape, every string NULL. */
static int table_alloc(struct doc_table *t, size_t ncols, size_t nrows, size_t nextras)
{
    t->headers = calloc(ncols ? ncols : 1, sizeof *t->headers);
    t->cells = calloc(nrows && ncols ? nrows * ncols : 1, sizeof *t->cells);
    t->extras = calloc(nextras ? nextras : 1, sizeof *t->extras);
    return t->headers && t->cells && t->extras ? 0 : -1;
}

enum kr_code doc_table_copy(const struct doc_table *src, struct doc_table *out, struct kr_err *err)
{
    struct doc_table t = {0};
    int bad = 0;

    if (table_alloc(&t, src->ncols, src->nrows, src->nextras))
        return oom(&t, err);
    t.ncols = src->ncols;
    t.nrows = src->nrows;
    t.nextras = src->nextras;
    t.pages = src->pages;
    for (size_t i = 0; i < t.ncols; i++)
        bad |= !(t.headers[i] = strdup(src->headers[i]));
    for (size_t i = 0; i < t.nrows * t.ncols; i++) {
        t.cells[i] = src->cells[i];
        bad |= !(t.cells[i].text = strdup(src->cells[i].text));
        bad |= doc__dup_read_as(&t.cells[i].read_as);
    }
    for (size_t i = 0; i < t.nextras; i++) {
        bad |= !(t.extras[i].key = strdup(src->extras[i].key));
        bad |= !(t.extras[i].value = strdup(src->extras[i].value));
        t.extras[i].read_as = src->extras[i].read_as;
        bad |= doc__dup_read_as(&t.extras[i].read_as);
    }
    if (bad)
        return oom(&t, err);
    *out = t;
    return KR_OK;
}

/* A scalar's text: strings as they are, numbers as JSON prints them. */
static enum kr_code scalar_text(const json_t *v, const char *what, char **out, struct kr_err *err)
{
    char num[64];
    const char *s;

    if (json_is_string(v))
        s = json_string_value(v);
    else if (json_is_integer(v))
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)), s = num;
    else if (json_is_real(v))
        snprintf(num, sizeof num, "%.15g", json_real_value(v)), s = num;
    else if (!v || json_is_null(v))
        s = "";
    else
        return kr_fail(err, KRS_BAD_JSON, "%s must be a string or a number", what);
    if (strlen(s) > DOC_MAX_CELL)
        return kr_fail(err, KRS_BAD_JSON, "%s is longer than %d bytes", what, DOC_MAX_CELL);
    if (!(*out = strdup(s)))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    return KR_OK;
}

/* The union of the rows' keys, in order of first appearance. */
static enum kr_code collect_headers(const json_t *rows, json_t *keys, struct kr_err *err)
{
    size_t i;
    const json_t *row;
    const char *k;
    json_t *v;

    json_array_foreach(rows, i, row)
    {
        if (!json_is_object(row))
            return kr_fail(err, KRS_BAD_JSON, "row %zu must be an object", i);
        json_object_foreach((json_t *)row, k, v)
        {
            if (json_object_get(keys, k))
                continue;
            if (json_object_size(keys) >= DOC_MAX_COLS)
                return kr_fail(err, KRS_BAD_JSON, "more than %d columns", DOC_MAX_COLS);
            if (strlen(k) > DOC_MAX_CELL)
                return kr_fail(err, KRS_BAD_JSON, "a column name is longer than %d bytes",
                               DOC_MAX_CELL);
            json_object_set_new(keys, k, json_integer((json_int_t)json_object_size(keys)));
        }
    }
    return KR_OK;
}

static enum kr_code fill_rows(const json_t *rows, json_t *keys, struct doc_table *t,
                              struct kr_err *err)
{
    const char *k;
    json_t *idx;
    enum kr_code rc;
    char what[96];

    json_object_foreach(keys, k, idx)
    {
        size_t c = (size_t)json_integer_value(idx);
        if (!(t->headers[c] = strdup(k)))
            return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        for (size_t r = 0; r < t->nrows; r++) {
            struct doc_cell *cell = doc_cell_at(t, r, c);
            snprintf(what, sizeof what, "row %zu column \"%.40s\"", r, k);
            if ((rc = scalar_text(json_object_get(json_array_get(rows, r), k), what, &cell->text,
                                  err)))
                return rc;
            doc_parse_value(cell->text, &cell->v);
            cell->conf = -1;
        }
    }
    return KR_OK;
}

static enum kr_code fill_extras(const json_t *extras, struct doc_table *t, struct kr_err *err)
{
    const char *k;
    json_t *v;
    enum kr_code rc;
    char what[96];

    json_object_foreach((json_t *)extras, k, v)
    {
        struct doc_extra *e = &t->extras[t->nextras];
        snprintf(what, sizeof what, "extra \"%.40s\"", k);
        if (strlen(k) > DOC_MAX_CELL)
            return kr_fail(err, KRS_BAD_JSON, "an extras key is longer than %d bytes",
                           DOC_MAX_CELL);
        if (!(e->key = strdup(k)))
            return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        t->nextras++;
        if ((rc = scalar_text(v, what, &e->value, err)))
            return rc;
    }
    return KR_OK;
}

enum kr_code doc_table_from_json(const json_t *rows, const json_t *extras, struct doc_table *out,
                                 struct kr_err *err)
{
    return doc__table_from_json(rows, extras, DOC_MAX_ROWS, out, err);
}

enum kr_code doc__table_from_json(const json_t *rows, const json_t *extras, size_t max_rows,
                                  struct doc_table *out, struct kr_err *err)
{
    struct doc_table t = {0};
    json_t *keys = NULL;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (!json_is_array(rows))
        return kr_fail(err, KRS_BAD_JSON, "the rows must be an array of objects");
    if (json_array_size(rows) > max_rows)
        return kr_fail(err, KRS_BAD_JSON, "more than %zu rows", max_rows);
    if (extras && !json_is_null(extras) && !json_is_object(extras))
        return kr_fail(err, KRS_BAD_JSON, "extras must be an object");
    if (json_is_object(extras) && json_object_size(extras) > DOC_MAX_EXTRAS)
        return kr_fail(err, KRS_BAD_JSON, "more than %d extras", DOC_MAX_EXTRAS);
    if (!(keys = json_object()))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if ((rc = collect_headers(rows, keys, err)))
        goto out;
    t.ncols = json_object_size(keys);
    t.nrows = json_array_size(rows);
    if (table_alloc(&t, t.ncols, t.nrows, json_is_object(extras) ? json_object_size(extras) : 0)) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    if ((rc = fill_rows(rows, keys, &t, err)) ||
        (json_is_object(extras) && (rc = fill_extras(extras, &t, err))))
        goto out;
    *out = t;
    memset(&t, 0, sizeof t);
out:
    doc_table_free(&t); /* strings not reached are NULL */
    json_decref(keys);
    return rc;
}

json_t *doc_rows_json(const struct doc_table *t)
{
    json_t *rows = json_array();

    for (size_t r = 0; rows && r < t->nrows; r++) {
        json_t *o = json_object();
        for (size_t c = 0; o && c < t->ncols; c++)
            json_object_set_new(o, t->headers[c], json_string(doc_cell_at(t, r, c)->text));
        json_array_append_new(rows, o);
    }
    return rows;
}

json_t *doc_extras_json(const struct doc_table *t)
{
    json_t *o = json_object();

    for (size_t i = 0; o && i < t->nextras; i++)
        json_object_set_new(o, t->extras[i].key, json_string(t->extras[i].value));
    return o;
}
