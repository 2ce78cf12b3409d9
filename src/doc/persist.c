/*
 * persist.c - documents as versions in the record store's document table.
 *
 * Namespaces (store_doc_*; both backends have them, no schema change):
 *   doc          id -> {"latest": n, "created_ms", "owner"}    the head
 *   doc_version  "id/000001" -> {"source", "created_ms", "headers",
 *                "table", "extras", "pages"[, "conf"][, "read_as"]}  one per version
 *                (read_as: [{"cell": i | "extra": i, "text"}], what the
 *                OCR read where doc_fix_ocr put a cell or extra right)
 *   doc_content  "bytes:SHA" / "table:SHA" -> {"id"}            duplicates
 *   doc_history  client -> {"entries": [{"id", "version"}, ...]} undo
 *   doc_download client -> {"bucket", "key"}      the last extras CSV
 * A version is written before the head that points at it, so a crash
 * leaves at worst an unreferenced version, never a head without its
 * version. Versions are written insert-only (store_doc_add): two nodes
 * saving the same document at once cannot overwrite each other's version;
 * the loser takes the next number, or, when its edit named the version it
 * started from, gets doc_changed. The head's "latest" is a hint that may
 * lag behind such a race: readers step forward over versions that exist
 * past it. One process lock serialises the read-modify-write of heads and
 * histories within a node; a client's undo history written from two nodes
 * at the same instant may still lose one entry (last writer wins).
 */
#include "doc/doc_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/store.h"

#define NS_HEAD     "doc"
#define NS_VERSION  "doc_version"
#define NS_CONTENT  "doc_content"
#define NS_HISTORY  "doc_history"
#define NS_DOWNLOAD "doc_download"
/* Most versions a save steps over when other nodes saved at the same instant. */
#define DOC_VERSION_RACE_MAX 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

const char *doc_source_name(enum doc_source s)
{
    return s == DOC_SRC_REFINE ? "refine" : s == DOC_SRC_EDIT ? "edit" : "extract";
}

static enum doc_source source_of(const char *name)
{
    return !name                     ? DOC_SRC_EXTRACT
           : !strcmp(name, "refine") ? DOC_SRC_REFINE
           : !strcmp(name, "edit")   ? DOC_SRC_EDIT
                                     : DOC_SRC_EXTRACT;
}

static int id_ok(const char *id)
{
    return id && strlen(id) == DOC_ID_LEN - 1 && strspn(id, "0123456789abcdef") == DOC_ID_LEN - 1;
}

/* A stored JSON document, parsed; KR_ENOTFOUND passes through. */
static enum kr_code get_json(struct store *s, const char *ns, const char *key, json_t **out,
                             struct kr_err *err)
{
    char *text = NULL;
    json_error_t je;
    enum kr_code rc = store_doc_get(s, ns, key, &text, err);

    if (rc)
        return rc;
    *out = json_loads(text, 0, &je);
    free(text);
    if (!*out || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return kr_fail(err, KRS_BAD_DOC_RECORD, "stored document %s/%s is damaged", ns, key);
    }
    return KR_OK;
}

/* Store o (consumed) at (ns, key): replacing what is there, or, insert_only,
 * KR_ECONFLICT when the key exists. */
static enum kr_code write_json(struct store *s, const char *ns, const char *key, json_t *o,
                               int insert_only, struct kr_err *err)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    enum kr_code rc;

    json_decref(o);
    if (!text)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    rc = insert_only ? store_doc_add(s, ns, key, text, err) : store_doc_put(s, ns, key, text, err);
    free(text);
    return rc;
}

static enum kr_code put_json(struct store *s, const char *ns, const char *key, json_t *o,
                             struct kr_err *err)
{
    return write_json(s, ns, key, o, 0, err);
}

/* The document's latest version: the head's hint, then every version that
 * exists past it (a save that lost a race with another node's head write). */
static enum kr_code latest_version(struct store *s, const char *id, int *latest,
                                   struct kr_err *err)
{
    json_t *head = NULL;
    char key[64], *text = NULL;
    enum kr_code rc = get_json(s, NS_HEAD, id, &head, err);

    if (rc)
        return rc == KR_ENOTFOUND ? kr_fail(err, KRS_DOC_NOT_FOUND, "no document %s", id) : rc;
    *latest = (int)json_integer_value(json_object_get(head, "latest"));
    json_decref(head);
    for (int i = 0; i < DOC_VERSION_RACE_MAX; i++) {
        snprintf(key, sizeof key, "%s/%06d", id, *latest + 1);
        rc = store_doc_get(s, NS_VERSION, key, &text, err);
        free(text);
        text = NULL;
        if (rc == KR_ENOTFOUND)
            return KR_OK;
        if (rc)
            return rc;
        ++*latest;
    }
    return kr_fail(err, KRS_BAD_DOC_RECORD, "document %s: head is far behind its versions", id);
}

static json_t *conf_json(const struct doc_table *t)
{
    json_t *a = NULL;

    for (size_t i = 0; !a && i < t->nrows * t->ncols; i++)
        if (t->cells[i].conf >= 0) /* some cell was read by OCR: keep them all */
            a = json_array();
    for (size_t i = 0; a && i < t->nrows * t->ncols; i++)
        json_array_append_new(a, json_integer(t->cells[i].conf));
    return a;
}

/* [{"cell": i, "text": read_as}, {"extra": i, ...}] or NULL when nothing was corrected. */
static json_t *read_as_json(const struct doc_table *t)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < t->nrows * t->ncols; i++)
        if (t->cells[i].read_as)
            json_array_append_new(a, json_pack("{s:I, s:s}", "cell", (json_int_t)i, "text",
                                               t->cells[i].read_as));
    for (size_t i = 0; a && i < t->nextras; i++)
        if (t->extras[i].read_as)
            json_array_append_new(a, json_pack("{s:I, s:s}", "extra", (json_int_t)i, "text",
                                               t->extras[i].read_as));
    if (a && !json_array_size(a)) {
        json_decref(a);
        a = NULL;
    }
    return a;
}

/* The stored read_as entries back into the table (out of range: ignored). */
static enum kr_code read_as_back(const json_t *a, struct doc_table *t, struct kr_err *err)
{
    size_t i;
    json_t *e;

    json_array_foreach(a, i, e)
    {
        const char *text = json_string_value(json_object_get(e, "text"));
        json_t *cell = json_object_get(e, "cell"), *extra = json_object_get(e, "extra");
        char **slot = NULL;
        if (!text)
            continue;
        if (json_is_integer(cell) && json_integer_value(cell) >= 0 &&
            (size_t)json_integer_value(cell) < t->nrows * t->ncols)
            slot = &t->cells[json_integer_value(cell)].read_as;
        else if (json_is_integer(extra) && json_integer_value(extra) >= 0 &&
                 (size_t)json_integer_value(extra) < t->nextras)
            slot = &t->extras[json_integer_value(extra)].read_as;
        if (!slot)
            continue;
        free(*slot);
        if (!(*slot = strdup(text)))
            return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    return KR_OK;
}

static json_t *version_json(const struct doc_table *t, enum doc_source src)
{
    json_t *h = json_array(), *o, *conf = conf_json(t), *read_as = read_as_json(t);

    for (size_t c = 0; c < t->ncols; c++)
        json_array_append_new(h, json_string(t->headers[c]));
    o = json_pack("{s:s, s:I, s:o, s:o, s:o, s:i}", "source", doc_source_name(src), "created_ms",
                  (json_int_t)util_epoch_ms(), "headers", h, "table", doc_rows_json(t), "extras",
                  doc_extras_json(t), "pages", t->pages);
    if (o && conf)
        json_object_set_new(o, "conf", conf);
    else
        json_decref(conf);
    if (o && read_as)
        json_object_set_new(o, "read_as", read_as);
    else
        json_decref(read_as);
    return o;
}

/* A stored version back into a table (headers kept even with no rows). */
static enum kr_code version_table(json_t *v, struct doc_state *st, struct kr_err *err)
{
    json_t *headers = json_object_get(v, "headers"), *conf = json_object_get(v, "conf");
    json_t *rows = json_object_get(v, "table"), *row0 = json_object();
    size_t i;
    json_t *h;
    enum kr_code rc;

    if (!row0)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    json_array_foreach(headers, i, h) /* an empty first row fixes the header order */
        json_object_set_new(row0, json_string_value(h) ? json_string_value(h) : "",
                            json_string(""));
    rows = json_is_array(rows) ? json_copy(rows) : json_array();
    json_array_insert_new(rows, 0, row0);
    rc =
        doc__table_from_json(rows, json_object_get(v, "extras"), DOC_MAX_ROWS + 1, &st->table, err);
    json_decref(rows);
    if (rc)
        return kr_fail(err, KRS_BAD_DOC_RECORD, "stored document %s is damaged: %s", st->id,
                       err->msg);
    for (size_t c = 0; c < st->table.ncols; c++) /* drop the header row */
        free(st->table.cells[c].text);
    memmove(st->table.cells, st->table.cells + st->table.ncols,
            (st->table.nrows - 1) * st->table.ncols * sizeof *st->table.cells);
    st->table.nrows--;
    for (i = 0; json_array_size(conf) == st->table.nrows * st->table.ncols &&
                i < st->table.nrows * st->table.ncols;
         i++)
        st->table.cells[i].conf = (int)json_integer_value(json_array_get(conf, i));
    st->table.pages = (int)json_integer_value(json_object_get(v, "pages"));
    if ((rc = read_as_back(json_object_get(v, "read_as"), &st->table, err)))
        doc_table_free(&st->table);
    return rc;
}

enum kr_code doc_store_get(struct store *s, const char *id, int version, struct doc_state *out,
                           struct kr_err *err)
{
    json_t *v = NULL;
    char key[64];
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (!id_ok(id))
        return kr_fail(err, KRS_DOC_NOT_FOUND, "no document %.40s", id ? id : "");
    if (version <= 0 && (rc = latest_version(s, id, &version, err)))
        return rc;
    snprintf(key, sizeof key, "%s/%06d", id, version);
    if ((rc = get_json(s, NS_VERSION, key, &v, err)))
        return rc == KR_ENOTFOUND
                   ? kr_fail(err, KRS_DOC_NOT_FOUND, "no version %d of document %s", version, id)
                   : rc;
    util_strlcpy(out->id, id, sizeof out->id);
    out->version = version;
    out->source = source_of(json_string_value(json_object_get(v, "source")));
    out->created_ms = (long long)json_integer_value(json_object_get(v, "created_ms"));
    rc = version_table(v, out, err);
    json_decref(v);
    return rc;
}

void doc_state_free(struct doc_state *st)
{
    doc_table_free(&st->table);
}

enum kr_code doc_store_find_upload(struct store *s, const char *bytes_sha, char id[DOC_ID_LEN],
                                   struct kr_err *err)
{
    char key[96];
    json_t *o = NULL;
    enum kr_code rc;

    id[0] = 0;
    snprintf(key, sizeof key, "bytes:%.64s", bytes_sha);
    if ((rc = get_json(s, NS_CONTENT, key, &o, err)))
        return rc == KR_ENOTFOUND ? KR_OK : rc;
    if (id_ok(json_string_value(json_object_get(o, "id"))))
        util_strlcpy(id, json_string_value(json_object_get(o, "id")), DOC_ID_LEN);
    json_decref(o);
    return KR_OK;
}

/* Remember what this extraction came from; *dup = an earlier document with
 * the same table. */
static enum kr_code note_content(struct store *s, const struct doc_save_req *r, const char *id,
                                 char dup[DOC_ID_LEN], struct kr_err *err)
{
    json_t *o =
        json_pack("{s:o, s:o}", "t", doc_rows_json(r->table), "e", doc_extras_json(r->table));
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    char key[96], sha[65];
    json_t *old = NULL;
    enum kr_code rc;

    json_decref(o);
    if (!text)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    util_sha256_hex(text, strlen(text), sha);
    free(text);
    snprintf(key, sizeof key, "table:%s", sha);
    rc = get_json(s, NS_CONTENT, key, &old, err);
    if (rc && rc != KR_ENOTFOUND)
        return rc;
    if (!rc && id_ok(json_string_value(json_object_get(old, "id"))))
        util_strlcpy(dup, json_string_value(json_object_get(old, "id")), DOC_ID_LEN);
    json_decref(old);
    if (rc == KR_ENOTFOUND &&
        (rc = put_json(s, NS_CONTENT, key, json_pack("{s:s}", "id", id), err)))
        return rc;
    if (!r->bytes_sha)
        return KR_OK;
    snprintf(key, sizeof key, "bytes:%.64s", r->bytes_sha);
    return put_json(s, NS_CONTENT, key, json_pack("{s:s}", "id", id), err);
}

/* The client's history list (a new empty one when there is none). */
static enum kr_code history_get(struct store *s, const char *client, json_t **entries, int *existed,
                                struct kr_err *err)
{
    json_t *o = NULL;
    enum kr_code rc = get_json(s, NS_HISTORY, client, &o, err);

    *existed = rc == KR_OK;
    if (rc && rc != KR_ENOTFOUND)
        return rc;
    *entries = json_incref(json_object_get(o, "entries"));
    json_decref(o);
    if (!json_is_array(*entries)) {
        json_decref(*entries);
        *entries = json_array();
    }
    return *entries ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
}

static enum kr_code history_push(struct store *s, const char *client, const char *id, int version,
                                 struct kr_err *err)
{
    json_t *entries = NULL;
    int existed;
    enum kr_code rc;

    if ((rc = history_get(s, client, &entries, &existed, err)))
        return rc;
    json_array_append_new(entries, json_pack("{s:s, s:i}", "id", id, "version", version));
    while (json_array_size(entries) > DOC_HISTORY_MAX)
        json_array_remove(entries, 0);
    return put_json(s, NS_HISTORY, client, json_pack("{s:o}", "entries", entries), err);
}

/* Version number (and id) a save adds; doc_changed when the edit started
 * from a version that is no longer the latest. */
static enum kr_code next_version(struct store *s, const struct doc_save_req *r, char *id,
                                 int *version, struct kr_err *err)
{
    enum kr_code rc;

    if (!r->id || !*r->id) {
        util_random_hex(id, (DOC_ID_LEN - 1) / 2);
        *version = 1;
        return KR_OK;
    }
    if (!id_ok(r->id))
        return kr_fail(err, KRS_DOC_NOT_FOUND, "no document %.40s", r->id);
    if ((rc = latest_version(s, r->id, version, err)))
        return rc;
    if (r->base_version > 0 && r->base_version != *version)
        return kr_fail(err, KRS_DOC_CHANGED,
                       "document %s changed: the edit started from version %d, the latest is %d",
                       r->id, r->base_version, *version);
    ++*version;
    util_strlcpy(id, r->id, DOC_ID_LEN);
    return KR_OK;
}

/* Write the new version under a number no other save holds: on a clash
 * (another node saved at the same instant) take the next number, unless
 * the edit named its base version (then it is stale: doc_changed). */
static enum kr_code add_version(struct store *s, const struct doc_save_req *r,
                                struct doc_saved *out, struct kr_err *err)
{
    char key[64];
    enum kr_code rc;

    if ((rc = next_version(s, r, out->id, &out->version, err)))
        return rc;
    for (int i = 0; i < DOC_VERSION_RACE_MAX; i++) {
        snprintf(key, sizeof key, "%s/%06d", out->id, out->version);
        rc = write_json(s, NS_VERSION, key, version_json(r->table, r->source), 1, err);
        if (rc != KR_ECONFLICT)
            return rc;
        if (r->base_version > 0)
            return kr_fail(err, KRS_DOC_CHANGED,
                           "document %s changed: version %d was saved by another edit", out->id,
                           out->version);
        if (out->version == 1) /* a new document's random id taken: another id */
            util_random_hex(out->id, (DOC_ID_LEN - 1) / 2);
        else
            out->version++;
    }
    return rc;
}

enum kr_code doc_store_save(struct store *s, const struct doc_save_req *r, struct doc_saved *out,
                            struct kr_err *err)
{
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&lock);
    if ((rc = add_version(s, r, out, err)) ||
        (rc = put_json(s, NS_HEAD, out->id,
                       json_pack("{s:i, s:I, s:s}", "latest", out->version, "created_ms",
                                 (json_int_t)util_epoch_ms(), "owner", r->client ? r->client : ""),
                       err)))
        goto out;
    if (r->source == DOC_SRC_EXTRACT && (rc = note_content(s, r, out->id, out->duplicate_of, err)))
        goto out;
    if (!strcmp(out->duplicate_of, out->id))
        out->duplicate_of[0] = 0;
    if (r->client && *r->client)
        rc = history_push(s, r->client, out->id, out->version, err);
out:
    pthread_mutex_unlock(&lock);
    return rc;
}

enum kr_code doc_store_undo(struct store *s, const char *client, enum doc_undo *what,
                            struct doc_state *out, struct kr_err *err)
{
    json_t *entries = NULL, *last;
    int existed;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&lock);
    if ((rc = history_get(s, client, &entries, &existed, err)))
        goto out;
    *what = !existed                        ? DOC_UNDO_NO_HISTORY
            : json_array_size(entries) == 0 ? DOC_UNDO_EMPTY
            : json_array_size(entries) == 1 ? DOC_UNDO_LAST_GONE
                                            : DOC_UNDO_STATE;
    if (*what == DOC_UNDO_NO_HISTORY || *what == DOC_UNDO_EMPTY)
        goto out;
    json_array_remove(entries, json_array_size(entries) - 1);
    if ((rc = put_json(s, NS_HISTORY, client, json_pack("{s:O}", "entries", entries), err)) ||
        *what == DOC_UNDO_LAST_GONE)
        goto out;
    last = json_array_get(entries, json_array_size(entries) - 1);
    rc = doc_store_get(s, json_string_value(json_object_get(last, "id")),
                       (int)json_integer_value(json_object_get(last, "version")), out, err);
out:
    pthread_mutex_unlock(&lock);
    json_decref(entries);
    return rc;
}

enum kr_code doc_store_note_download(struct store *s, const char *client, const char *bucket,
                                     const char *key, struct kr_err *err)
{
    return put_json(s, NS_DOWNLOAD, client, json_pack("{s:s, s:s}", "bucket", bucket, "key", key),
                    err);
}

enum kr_code doc_store_last_download(struct store *s, const char *client, struct doc_download *out,
                                     struct kr_err *err)
{
    json_t *o = NULL;
    enum kr_code rc = get_json(s, NS_DOWNLOAD, client, &o, err);
    const char *b, *k;

    out->bucket[0] = out->key[0] = 0;
    if (rc)
        return rc == KR_ENOTFOUND ? KR_OK : rc;
    b = json_string_value(json_object_get(o, "bucket"));
    k = json_string_value(json_object_get(o, "key"));
    if (b && k && strlen(b) < sizeof out->bucket && strlen(k) < sizeof out->key) {
        util_strlcpy(out->bucket, b, sizeof out->bucket);
        util_strlcpy(out->key, k, sizeof out->key);
    }
    json_decref(o);
    return KR_OK;
}
