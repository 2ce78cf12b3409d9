/*
 * job_doc.c - a job as data: creating and freeing the in-memory struct (and
 * the lists it is kept in, and its id syntax),
 * writing and reading its store documents, and the JSON view clients see.
 *
 * Documents (see jobs.h): ns "jobs" key ID holds the job itself; ns
 * "job_items:ID" key "%06zu" holds each finished item. Loading rebuilds the
 * per-item state from the item documents, which is what lets a restarted
 * server skip the items it already finished.
 */
#include "jobs/jobs_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/store.h"

#define NS_JOBS "jobs"

static const char *const state_names[] = {"queued", "running", "done", "failed"};
static const char *const item_names[] = {"pending", "running", "done", "failed"};

const char *jobs__state_name(enum jobs_state s)
{
    return (unsigned)s < 4 ? state_names[s] : "unknown";
}

static int parse_state(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, state_names[i]) == 0)
            return i;
    return -1;
}

json_t *jobs__err_json(const struct kr_err *err)
{
    return json_pack("{s:s, s:s, s:s}", "code", kr_slug_text(err->slug_id), "kind",
                     kr_code_name(err->code), "message", err->msg);
}

enum kr_code jobs__err_code(json_t *error)
{
    const char *kind = json_string_value(json_object_get(error, "kind"));

    for (int c = 1; kind && c < KR_CODE_COUNT; c++)
        if (strcmp(kr_code_name((enum kr_code)c), kind) == 0)
            return (enum kr_code)c;
    return KR_EUPSTREAM;
}

struct job *jobs__job_new(const char *id, const char *kind_name, json_t *params, json_t *items)
{
    struct job *jb = calloc(1, sizeof *jb);
    size_t n = json_array_size(items);

    if (!jb)
        return NULL;
    util_strlcpy(jb->id, id, sizeof jb->id);
    util_strlcpy(jb->kind_name, kind_name, sizeof jb->kind_name);
    jb->params = json_is_object(params) ? json_incref(params) : json_object();
    jb->items = json_incref(items);
    jb->total = n;
    jb->st = calloc(n ? n : 1, 1);
    jb->codes = calloc(n ? n : 1, 1);
    jb->docs = json_array();
    for (size_t i = 0; jb->docs && i < n; i++)
        if (json_array_append_new(jb->docs, json_null()))
            break;
    if (!jb->params || !jb->st || !jb->codes || json_array_size(jb->docs) != n) {
        jobs__job_free(jb);
        return NULL;
    }
    jb->created_ms = jb->updated_ms = util_epoch_ms();
    return jb;
}

void jobs__job_free(struct job *jb)
{
    if (!jb)
        return;
    json_decref(jb->params);
    json_decref(jb->items);
    json_decref(jb->docs);
    json_decref(jb->result);
    json_decref(jb->error);
    free(jb->st);
    free(jb->codes);
    free(jb);
}

json_t *jobs__item_doc(int ok, json_t *result, json_t *error)
{
    json_t *doc = json_object();

    if (!doc) {
        json_decref(result);
        json_decref(error);
        return NULL;
    }
    json_object_set_new(doc, "status", json_string(ok ? "done" : "failed"));
    json_object_set_new(doc, "result", result ? result : json_null());
    json_object_set_new(doc, "error", error ? error : json_null());
    return doc;
}

void jobs__job_set_item(struct job *jb, size_t index, json_t *doc, enum kr_code code)
{
    int ok = code == KR_OK;

    jb->st[index] = ok ? JOBS_ITEM_DONE : JOBS_ITEM_FAILED;
    /* a failed item without an error document has no code to share */
    jb->codes[index] = ok || !json_is_object(json_object_get(doc, "error")) ? KR_OK : code;
    if (ok)
        jb->n_ok++;
    else
        jb->n_failed++;
    jb->updated_ms = util_epoch_ms();
    if (doc)
        json_array_set_new(jb->docs, index, doc);
}

enum kr_code jobs__job_finish(struct job *jb, json_t **result, struct kr_err *err)
{
    struct jobs_item *items = calloc(jb->total ? jb->total : 1, sizeof *items);
    enum kr_code rc;

    if (!items)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < jb->total; i++) {
        json_t *doc = json_array_get(jb->docs, i), *r = json_object_get(doc, "result");
        items[i].status = (enum jobs_item_status)jb->st[i];
        items[i].code = (enum kr_code)jb->codes[i];
        if (jb->st[i] == JOBS_ITEM_DONE)
            items[i].result = json_is_null(r) ? NULL : r;
        else if (json_is_object(json_object_get(doc, "error")))
            items[i].error = json_object_get(doc, "error");
    }
    rc = jb->kind->finish(jb->kind->ctx,
                          &(struct jobs_finished){jb->id, jb->params, jb->items, items, jb->total},
                          result, err);
    free(items);
    return rc;
}

void jobs__job_outcome(const struct job *jb, struct jobs_outcome *out)
{
    int first = 1;

    out->state = jb->state;
    out->code = jb->state != JOBS_FAILED ? KR_OK : jb->err_code ? jb->err_code : KR_EUPSTREAM;
    out->items_code = KR_OK;
    for (size_t i = 0; i < jb->total; i++) {
        enum kr_code c = (enum kr_code)jb->codes[i];
        if (jb->st[i] != JOBS_ITEM_FAILED || c == KR_OK)
            continue;
        if (!first && c != out->items_code) {
            out->items_code = KR_OK;
            return;
        }
        out->items_code = c;
        first = 0;
    }
}

/* ---- store documents ---- */

/* Write doc (stolen) at (ns, key): plainly, or, with a claim c, only while
 * c still holds (store_claim_complete). */
static enum kr_code put_json(struct store *s, const struct store_claim *c, const char *ns,
                             const char *key, json_t *doc, struct kr_err *err)
{
    char *text;
    enum kr_code rc;

    if (!doc)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    rc = c ? store_claim_complete(s, c, &(struct store_claim_doc){ns, key, text}, err)
           : store_doc_put(s, ns, key, text, err);
    free(text);
    return rc;
}

static enum kr_code put_job(struct store *s, const struct store_claim *c, const struct job *jb,
                            struct kr_err *err)
{
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:O, s:O, s:I, s:I, s:I}", "id", jb->id, "kind", jb->kind_name,
                  "state", jobs__state_name(jb->state), "params", jb->params, "items", jb->items,
                  "created_ms", (json_int_t)jb->created_ms, "updated_ms",
                  (json_int_t)jb->updated_ms, "finished_ms", (json_int_t)jb->finished_ms);
    if (doc && jb->owner[0])
        json_object_set_new(doc, "owner", json_string(jb->owner));
    if (doc && jb->result)
        json_object_set(doc, "result", jb->result);
    if (doc && jb->error)
        json_object_set(doc, "error", jb->error);
    return put_json(s, c, NS_JOBS, jb->id, doc, err);
}

enum kr_code jobs__doc_put_job(struct store *s, const struct job *jb, struct kr_err *err)
{
    return put_job(s, NULL, jb, err);
}

enum kr_code jobs__doc_commit_job(struct store *s, const struct store_claim *c,
                                  const struct job *jb, struct kr_err *err)
{
    return put_job(s, c, jb, err);
}

static void item_ns(const char *id, char *ns, size_t n)
{
    snprintf(ns, n, "job_items:%s", id);
}

enum kr_code jobs__doc_put_item(struct store *s, const char *id, size_t index, json_t *doc,
                               struct kr_err *err)
{
    char ns[64], key[16];

    item_ns(id, ns, sizeof ns);
    snprintf(key, sizeof key, "%06zu", index);
    return put_json(s, NULL, ns, key, json_incref(doc), err);
}

enum kr_code jobs__doc_commit_item(struct store *s, const struct store_claim *c, json_t *doc,
                                   struct kr_err *err)
{
    char ns[64], key[16];

    item_ns(c->job_id, ns, sizeof ns);
    snprintf(key, sizeof key, "%06d", c->index);
    return put_json(s, c, ns, key, json_incref(doc), err);
}

struct item_load {
    struct job *jb;
};

static int load_item_cb(const char *key, const char *json, void *ctx)
{
    struct item_load *l = ctx;
    char *end;
    unsigned long idx = strtoul(key, &end, 10);
    json_t *doc, *status;

    if (*end || end == key || idx >= l->jb->total || l->jb->st[idx] != JOBS_ITEM_PENDING)
        return 0;
    doc = json_loads(json, 0, NULL);
    status = json_object_get(doc, "status");
    if (!json_is_string(status)) {
        json_decref(doc);
        return 0;
    }
    /* the stored words become types here, once, as the document is read */
    jobs__job_set_item(l->jb, idx, doc,
                       strcmp(json_string_value(status), "done") == 0
                           ? KR_OK
                           : jobs__err_code(json_object_get(doc, "error")));
    return 0;
}

static json_int_t int_field(json_t *doc, const char *name)
{
    return json_integer_value(json_object_get(doc, name));
}

static enum kr_code job_from_doc(json_t *doc, const char *id, struct job **out, struct kr_err *err)
{
    json_t *items = json_object_get(doc, "items");
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    int state = parse_state(json_string_value(json_object_get(doc, "state")));
    struct job *jb;

    if (!json_is_array(items) || !kind || state < 0 || json_array_size(items) > JOBS_MAX_ITEMS)
        return kr_fail(err, KRS_BAD_JOB_DOC, "job %s: stored document is malformed", id);
    jb = jobs__job_new(id, kind, json_object_get(doc, "params"), items);
    if (!jb)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    jb->state = (enum jobs_state)state;
    if (json_is_string(json_object_get(doc, "owner")))
        util_strlcpy(jb->owner, json_string_value(json_object_get(doc, "owner")), sizeof jb->owner);
    jb->created_ms = int_field(doc, "created_ms");
    jb->updated_ms = int_field(doc, "updated_ms");
    jb->finished_ms = int_field(doc, "finished_ms");
    jb->result = json_incref(json_object_get(doc, "result"));
    jb->error = json_incref(json_object_get(doc, "error"));
    jb->err_code = jb->error ? jobs__err_code(jb->error) : KR_OK;
    *out = jb;
    return KR_OK;
}

enum kr_code jobs__doc_load(struct store *s, const char *id, struct job **out, struct kr_err *err)
{
    char *text = NULL, ns[64];
    json_t *doc;
    struct item_load l;
    enum kr_code rc = store_doc_get(s, NS_JOBS, id, &text, err);

    if (rc)
        return rc;
    doc = json_loads(text, 0, NULL);
    free(text);
    if (!doc)
        return kr_fail(err, KRS_BAD_JOB_DOC, "job %s: stored document is not JSON", id);
    rc = job_from_doc(doc, id, out, err);
    json_decref(doc);
    if (rc)
        return rc;
    l.jb = *out;
    item_ns(id, ns, sizeof ns);
    rc = store_doc_each(s, ns, load_item_cb, &l, err);
    if (rc) {
        jobs__job_free(*out);
        *out = NULL;
        return rc;
    }
    (*out)->updated_ms = (*out)->updated_ms ? (*out)->updated_ms : util_epoch_ms();
    return KR_OK;
}

struct id_list {
    char (*ids)[JOBS_ID_LEN];
    size_t n, cap;
    int oom;
};

static int collect_unfinished(const char *key, const char *json, void *ctx)
{
    struct id_list *l = ctx;
    json_t *doc = json_loads(json, 0, NULL);
    int state = parse_state(json_string_value(json_object_get(doc, "state")));

    json_decref(doc);
    if ((state != JOBS_QUEUED && state != JOBS_RUNNING) || !jobs_id_ok(key))
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *p = realloc(l->ids, cap * sizeof *l->ids);
        if (!p) {
            l->oom = 1;
            return 1;
        }
        l->ids = p;
        l->cap = cap;
    }
    util_strlcpy(l->ids[l->n++], key, JOBS_ID_LEN);
    return 0;
}

enum kr_code jobs__doc_each_unfinished(struct store *s, void (*cb)(const char *id, void *ctx),
                                      void *ctx, struct kr_err *err)
{
    struct id_list l = {0};
    enum kr_code rc = store_doc_each(s, NS_JOBS, collect_unfinished, &l, err);

    if (!rc && l.oom)
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; !rc && i < l.n; i++)
        cb(l.ids[i], ctx);
    free(l.ids);
    return rc;
}

/* ---- client view ---- */

/* ---- one owner's recent jobs (jobs_recent) ---------------------------------- */

struct recent {
    const char *owner;
    size_t want;
    json_t *jobs; /* summaries, newest first */
    char bad[JOBS_ID_LEN + 64]; /* the key of a document that does not parse */
};

static json_t *summary(const char *id, json_t *doc)
{
    return json_pack("{s:s, s:O*, s:O*, s:I, s:O*, s:O*}", "job_id", id, "kind",
                     json_object_get(doc, "kind"), "status", json_object_get(doc, "state"), "total",
                     (json_int_t)json_array_size(json_object_get(doc, "items")), "created_ms",
                     json_object_get(doc, "created_ms"), "finished_ms",
                     json_object_get(doc, "finished_ms"));
}

static int keep_recent(const char *key, const char *text, void *ctx)
{
    struct recent *l = ctx;
    json_t *doc = json_loads(text, 0, NULL);
    const char *owner = json_string_value(json_object_get(doc, "owner"));
    json_int_t created = int_field(doc, "created_ms");
    size_t at = json_array_size(l->jobs);

    if (!json_is_object(doc)) {
        util_strlcpy(l->bad, key, sizeof l->bad);
        json_decref(doc);
        return 1;
    }
    if (!owner || strcmp(owner, l->owner) != 0) { /* another's, or from before owners */
        json_decref(doc);
        return 0;
    }
    while (at > 0 && int_field(json_array_get(l->jobs, at - 1), "created_ms") < created)
        at--;
    if (at < l->want) {
        json_array_insert_new(l->jobs, at, summary(key, doc));
        if (json_array_size(l->jobs) > l->want)
            json_array_remove(l->jobs, l->want);
    }
    json_decref(doc);
    return 0;
}

enum kr_code jobs_recent(struct jobs *j, const char *owner, size_t limit, json_t **out,
                         struct kr_err *err)
{
    struct recent l = {owner, limit, NULL, ""};
    struct store *s = j->store;
    enum kr_code rc;

    *out = NULL;
    if (!owner || limit < 1 || limit > JOBS_RECENT_MAX)
        return kr_fail(err, KRS_BAD_ARGUMENT, "jobs: a listing needs an owner and 1 to %d jobs",
                       JOBS_RECENT_MAX);
    if (!s) /* the server's jobs are always in the store (app_open with APP_REPO) */
        return kr_fail(err, KRS_INTERNAL, "jobs: a memory-only instance keeps no listing");
    l.jobs = json_array();
    if (!l.jobs)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    rc = store_doc_each(s, NS_JOBS, keep_recent, &l, err);
    if (!rc && l.bad[0])
        rc = kr_fail(err, KRS_BAD_JOB_DOC, "job document %s is damaged", l.bad);
    if (rc)
        json_decref(l.jobs);
    else
        *out = l.jobs;
    return rc;
}

static void set_time(json_t *o, const char *name, int64_t ms)
{
    char iso[32];
    util_iso8601(ms, iso, sizeof iso);
    json_object_set_new(o, name, json_string(iso));
}

static json_t *items_view(const struct job *jb)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < jb->total; i++) {
        json_t *it = json_pack("{s:I, s:s, s:O}", "index", (json_int_t)i, "status",
                               item_names[jb->st[i] & 3], "item", json_array_get(jb->items, i));
        json_t *doc = json_array_get(jb->docs, i);
        json_t *e = json_object_get(doc, "error");
        if (it && json_is_object(e))
            json_object_set(it, "error", e);
        if (!it || json_array_append_new(arr, it)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *jobs__job_view(const struct job *jb)
{
    enum jobs_state state = jb->state;
    json_t *v;

    if (state == JOBS_QUEUED && (jb->n_running || jb->n_ok || jb->n_failed))
        state = JOBS_RUNNING;
    v = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o*}", "job_id", jb->id, "kind",
                  jb->kind_name, "status", jobs__state_name(state), "total", (json_int_t)jb->total,
                  "done", (json_int_t)(jb->n_ok + jb->n_failed), "succeeded", (json_int_t)jb->n_ok,
                  "failed", (json_int_t)jb->n_failed, "running", (json_int_t)jb->n_running, "items",
                  items_view(jb));
    if (!v || !json_is_array(json_object_get(v, "items"))) {
        json_decref(v);
        return NULL;
    }
    if (jb->result)
        json_object_set(v, "result", jb->result);
    if (jb->error)
        json_object_set(v, "error", jb->error);
    set_time(v, "created_at", jb->created_ms);
    set_time(v, "updated_at", jb->updated_ms);
    if (jb->finished_ms)
        set_time(v, "finished_at", jb->finished_ms);
    return v;
}

int jobs_id_ok(const char *id)
{
    size_t n = 0;
    for (; id && id[n]; n++)
        if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
            return 0;
    return n == JOBS_ID_LEN - 1;
}

/* ---- job lists (jobs.c holds its lock around these) ---- */

void jobs__list_append(struct job **head, struct job *jb)
{
    jb->next = NULL;
    while (*head)
        head = &(*head)->next;
    *head = jb;
}

int jobs__list_remove(struct job **head, struct job *jb)
{
    for (; *head; head = &(*head)->next)
        if (*head == jb) {
            *head = jb->next;
            jb->next = NULL;
            return 1;
        }
    return 0;
}

struct job *jobs__list_find(struct job *head, const char *id)
{
    for (; head; head = head->next)
        if (strcmp(head->id, id) == 0)
            return head;
    return NULL;
}
