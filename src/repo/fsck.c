/*
 * fsck.c - recovery of interrupted writes, index loading, re-indexing and
 * the consistency check behind `karat fsck`.
 *
 * Images are the flat keys of a bucket (no '/'); derived files (gen_images/,
 * excel_files/, ...) live under folders and are not checked against rows.
 *
 * Only KR_ENOTFOUND means "absent". Any other failure of a lookup (an
 * unreadable disk, a store that does not answer) stops recovery, re-index
 * or fsck with that error; fsck checks everything before it repairs
 * anything, so a failing backend never costs a row or a blob.
 */
#include "repo/repo_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"

struct obj {
    char bucket[64];
    char key[256];
};

struct obj_list {
    struct obj *v;
    size_t n, cap;
    int oom;
};

static int collect(const char *bucket, const char *key, void *ctx)
{
    struct obj_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct obj *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->oom = 1;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    util_strlcpy(l->v[l->n].bucket, bucket, sizeof l->v[l->n].bucket);
    util_strlcpy(l->v[l->n].key, key, sizeof l->v[l->n].key);
    l->n++;
    return 0;
}

static enum kr_code list_objects(struct repo *r, int staged, struct obj_list *l, struct kr_err *err)
{
    enum kr_code rc;
    memset(l, 0, sizeof *l);
    rc = blob_list(r->blob, staged, collect, l, err);
    if (!rc && l->oom)
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory listing blobs");
    return rc;
}

/* A staged blob whose row exists is published, one whose row is absent
 * (KR_ENOTFOUND, nothing else) is discarded; a failed lookup stops here. */
enum kr_code repo__recover(struct repo *r, long long *published, long long *discarded,
                           struct kr_err *err)
{
    struct obj_list l;
    struct store_image img;
    struct kr_err e = {0};
    enum kr_code rc = list_objects(r, 1, &l, err);

    *published = *discarded = 0;
    for (size_t i = 0; !rc && i < l.n; i++) {
        rc = repo__found(store_image_find_key(r->store, l.v[i].bucket, l.v[i].key, &img, &e), &e,
                         err, "recovery: looking up the row of a staged blob");
        if (rc == KR_OK) {
            rc = blob_publish(r->blob, l.v[i].bucket, l.v[i].key, err);
            (*published)++;
        } else if (rc == KR_ENOTFOUND) {
            rc = blob_discard(r->blob, l.v[i].bucket, l.v[i].key, err);
            (*discarded)++;
        }
    }
    free(l.v);
    if (!rc && (*published || *discarded))
        log_info("recovery: %lld interrupted write(s) completed, %lld discarded", *published,
                 *discarded);
    return rc;
}

struct load_ctx {
    struct repo *r;
    struct kr_err *err;
    enum kr_code rc;
};

static int load_one(const struct store_image *img, void *ctx)
{
    struct load_ctx *c = ctx;
    c->rc = repo__idx_add(c->r, img->id, &img->sig, c->err);
    return c->rc != KR_OK;
}

enum kr_code repo__load_index(struct repo *r, struct kr_err *err)
{
    struct load_ctx c = {r, err, KR_OK};
    enum kr_code rc = store_image_sigs(r->store, load_one, &c, err);
    return rc ? rc : c.rc;
}

struct id_list {
    int64_t *v;
    size_t n, cap;
    int oom;
};

static int collect_id(const struct store_image *img, void *ctx)
{
    struct id_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        int64_t *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->oom = 1;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = img->id;
    return 0;
}

/* Every row id, so callers can write while walking (the store may hold a
 * lock for the duration of image_each). */
static enum kr_code list_ids(struct repo *r, struct id_list *l, struct kr_err *err)
{
    enum kr_code rc;
    memset(l, 0, sizeof *l);
    rc = store_image_each(r->store, collect_id, l, err);
    if (!rc && l->oom)
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory listing images");
    return rc;
}

/* A row deleted meanwhile, a missing blob or bytes that no longer decode
 * are skipped (and logged); a failing store or blob stops the re-index. */
static enum kr_code reindex_one(struct repo *r, int64_t id, long long *done, struct kr_err *err)
{
    struct store_image img;
    struct dedup_sig sig;
    struct kr_err e = {0};
    struct buf b;
    enum kr_code rc = repo__found(store_image_get(r->store, id, &img, &e), &e, err, "reindex");

    if (rc)
        return rc == KR_ENOTFOUND ? KR_OK : rc;
    buf_init(&b, (size_t)r->cfg->max_upload_bytes + 1);
    rc = repo__found(blob_get(r->blob, img.bucket, img.key, &b, &e), &e, err, "reindex");
    if (rc == KR_OK && dedup_compute_bytes(b.data, b.len, r->cfg->max_pixels, &sig, NULL, &e) == KR_OK) {
        rc = store_image_update_sig(r->store, id, &sig, err);
        if (!rc)
            rc = repo__idx_add(r, id, &sig, err);
        (*done)++;
    } else if (rc == KR_OK || rc == KR_ENOTFOUND) {
        log_warn("reindex: %s/%s: %s", img.bucket, img.key, e.msg);
        rc = KR_OK;
    }
    buf_release(&b);
    return rc;
}

enum kr_code repo_reindex(struct repo *r, long long *count, struct kr_err *err)
{
    struct id_list l;
    long long done = 0;
    enum kr_code rc;

    pthread_rwlock_wrlock(&r->stage_lock);
    pthread_mutex_lock(&r->wlock);
    rc = list_ids(r, &l, err);
    for (size_t i = 0; !rc && i < l.n; i++)
        rc = reindex_one(r, l.v[i], &done, err);
    pthread_mutex_unlock(&r->wlock);
    pthread_rwlock_unlock(&r->stage_lock);
    free(l.v);
    if (count)
        *count = done;
    return rc;
}

/* ---- fsck ------------------------------------------------------------ */

/* fsck checks everything first and only then repairs: a lookup that fails
 * with anything but KR_ENOTFOUND stops it before the first change, so an
 * unreadable disk or an unreachable store never reads as "missing". */
struct fsck {
    struct repo *r;
    int repair;
    struct buf *report;
    struct repo_fsck_stats st;
    long long problems;
    struct id_list drop_rows, add_rows, stale; /* what the repair does */
    struct obj_list drop_blobs;
};

static void say(struct fsck *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct fsck *f, const char *fmt, ...)
{
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (f->report)
        buf_appendf(f->report, "%s\n", line);
}

static enum kr_code remember(struct id_list *l, int64_t id, struct kr_err *err)
{
    struct store_image row = {.id = id};
    collect_id(&row, l);
    return l->oom ? kr_fail(err, KRS_OUT_OF_MEMORY, "fsck: out of memory") : KR_OK;
}

/* A row whose blob is absent (KR_ENOTFOUND) is to be removed; a row missing
 * from the index is to be added. */
static enum kr_code check_row(struct fsck *f, int64_t id, struct kr_err *err)
{
    struct store_image img;
    struct kr_err e = {0};
    long long size;
    struct repo *r = f->r;
    enum kr_code rc = repo__found(store_image_get(r->store, id, &img, &e), &e, err, "fsck");

    if (rc)
        return rc == KR_ENOTFOUND ? KR_OK : rc;
    f->st.rows++;
    rc = repo__found(blob_stat(r->blob, img.bucket, img.key, &size, &e), &e, err,
                     "fsck: checking the blob of a row");
    if (rc == KR_ENOTFOUND) {
        f->st.rows_missing_blob++;
        f->problems++;
        say(f, "row %lld (%s/%s): blob is missing%s", (long long)id, img.bucket, img.key,
            f->repair ? " -> row and index entry removed" : "");
        return remember(&f->drop_rows, id, err);
    }
    if (rc || idx_contains(r->idx, id))
        return rc;
    f->st.index_missing++;
    f->problems++;
    say(f, "row %lld (%s/%s): not in the index%s", (long long)id, img.bucket, img.key,
        f->repair ? " -> added" : "");
    return remember(&f->add_rows, id, err);
}

/* In-place backends (s3) have no staging: an object without a row may be
 * an upload in flight (on this or another node) whose row is not committed
 * yet. 1 if o is younger than the grace period (left alone), 0 if older,
 * -1 on a failed lookup (err filled); an object gone meanwhile is young. */
static int in_grace(struct fsck *f, const struct obj *o, struct kr_err *err)
{
    struct kr_err e = {0};
    long long ms = 0;
    enum kr_code rc;

    if (!(blob_caps(f->r->blob) & BLOB_IN_PLACE))
        return 0;
    rc = repo__found(blob_mtime(f->r->blob, o->bucket, o->key, &ms, &e), &e, err,
                     "fsck: the age of a blob without a row");
    if (rc == KR_ENOTFOUND)
        return 1;
    if (rc)
        return -1;
    if (util_epoch_ms() - ms >= (long long)f->r->cfg->fsck_grace_s * 1000)
        return 0;
    say(f, "blob %s/%s: no row yet, younger than KARAT_FSCK_GRACE (left alone)", o->bucket,
        o->key);
    return 1;
}

/* An image blob without a row (KR_ENOTFOUND from the store) is to be discarded. */
static enum kr_code check_blob(struct fsck *f, const struct obj *o, struct kr_err *err)
{
    struct store_image img;
    struct kr_err e = {0};
    enum kr_code rc;
    int young, kept;

    if (strchr(o->key, '/'))
        return KR_OK; /* derived files */
    f->st.blobs++;
    rc = repo__found(store_image_find_key(f->r->store, o->bucket, o->key, &img, &e), &e, err,
                     "fsck: looking up the row of a blob");
    if (rc != KR_ENOTFOUND)
        return rc;
    kept = repo__adopted_unreadable(f->r, o->bucket, o->key, err);
    if (kept) {
        if (kept > 0)
            say(f, "blob %s/%s: adopted, not a readable photo (left alone)", o->bucket, o->key);
        return kept < 0 ? (err ? err->code : KR_EIO) : KR_OK;
    }
    young = in_grace(f, o, err);
    if (young)
        return young < 0 ? (err ? err->code : KR_EIO) : KR_OK;
    f->st.blobs_without_row++;
    f->problems++;
    say(f, "blob %s/%s: no row refers to it%s", o->bucket, o->key,
        !f->repair                                        ? ""
        : blob_caps(f->r->blob) & BLOB_IN_PLACE ? " -> deleted"
                                                          : " -> moved to staging and discarded");
    collect(o->bucket, o->key, &f->drop_blobs);
    return f->drop_blobs.oom ? kr_fail(err, KRS_OUT_OF_MEMORY, "fsck: out of memory") : KR_OK;
}

struct stale_ctx {
    struct fsck *f;
    struct kr_err *err;
    enum kr_code rc;
};

static int find_stale(int64_t id, void *ctx)
{
    struct stale_ctx *c = ctx;
    struct store_image img;
    struct kr_err e = {0};

    c->f->st.index_entries++;
    c->rc = repo__found(store_image_get(c->f->r->store, id, &img, &e), &e, c->err,
                        "fsck: looking up the row of an index entry");
    if (c->rc == KR_ENOTFOUND) {
        c->f->st.index_stale++;
        c->f->problems++;
        say(c->f, "index entry %lld: no row%s", (long long)id, c->f->repair ? " -> removed" : "");
        c->rc = remember(&c->f->stale, id, c->err);
    }
    return c->rc != KR_OK;
}

/* Remove an index entry; one that is not there is already removed. */
static enum kr_code drop_entry(struct repo *r, int64_t id, struct kr_err *err)
{
    struct kr_err e = {0};
    enum kr_code rc = repo__found(idx_remove(r->idx, id, &e), &e, err, "removing an index entry");
    return rc == KR_ENOTFOUND ? KR_OK : rc;
}

static enum kr_code add_entry(struct repo *r, int64_t id, struct kr_err *err)
{
    struct store_image img;
    enum kr_code rc = store_image_get(r->store, id, &img, err);
    return rc ? rc : repo__idx_add(r, id, &img.sig, err);
}

/* Apply what the check found (under the same locks, so nothing moved). */
static enum kr_code repair(struct fsck *f, struct kr_err *err)
{
    struct repo *r = f->r;
    enum kr_code rc = KR_OK;

    for (size_t i = 0; !rc && i < f->drop_rows.n; i++) {
        rc = store_image_delete(r->store, f->drop_rows.v[i], err);
        if (!rc)
            rc = drop_entry(r, f->drop_rows.v[i], err);
        f->st.repaired += !rc;
    }
    for (size_t i = 0; !rc && i < f->add_rows.n; i++) {
        rc = add_entry(r, f->add_rows.v[i], err);
        f->st.repaired += !rc;
    }
    for (size_t i = 0; !rc && i < f->drop_blobs.n; i++) {
        const struct obj *o = &f->drop_blobs.v[i];
        rc = blob_unpublish(r->blob, o->bucket, o->key, err);
        if (!rc)
            rc = blob_discard(r->blob, o->bucket, o->key, err);
        f->st.repaired += !rc;
    }
    for (size_t i = 0; !rc && i < f->stale.n; i++) {
        rc = drop_entry(r, f->stale.v[i], err);
        f->st.repaired += !rc;
    }
    return rc;
}

static enum kr_code check_all(struct fsck *f, struct kr_err *err)
{
    struct id_list ids;
    struct obj_list objs;
    struct stale_ctx c = {f, err, KR_OK};
    enum kr_code rc = list_ids(f->r, &ids, err);

    for (size_t i = 0; !rc && i < ids.n; i++)
        rc = check_row(f, ids.v[i], err);
    free(ids.v);
    if (rc)
        return rc;
    rc = list_objects(f->r, 0, &objs, err);
    for (size_t i = 0; !rc && i < objs.n; i++)
        rc = check_blob(f, &objs.v[i], err);
    free(objs.v);
    if (rc)
        return rc;
    idx_each(f->r->idx, find_stale, &c);
    return c.rc;
}

static enum kr_code fsck_walk(struct fsck *f, struct kr_err *err)
{
    enum kr_code rc;

    /* repo_open() recovered at start; this pass catches what a failed
     * discard or publish left since (a listing of the staging area when
     * there is nothing, which is the usual case) */
    rc = repo__recover(f->r, &f->st.staged_published, &f->st.staged_removed, err);
    if (rc)
        return rc;
    /* what repo_open() recovered is reported by the first fsck, once */
    f->st.staged_published += f->r->recovered_published;
    f->st.staged_removed += f->r->recovered_discarded;
    f->r->recovered_published = f->r->recovered_discarded = 0;
    if (f->st.staged_published || f->st.staged_removed)
        say(f, "finished %lld interrupted upload(s), removed %lld leftover temporary upload(s)",
            f->st.staged_published, f->st.staged_removed);
    rc = check_all(f, err);
    if (!rc && f->repair)
        rc = repair(f, err);
    return rc;
}

enum kr_code repo_fsck(struct repo *r, int repair, struct buf *report, struct repo_fsck_stats *st,
                       long long *problems, struct kr_err *err)
{
    struct fsck f = {.r = r, .repair = repair, .report = report};
    enum kr_code rc;

    pthread_rwlock_wrlock(&r->stage_lock);
    pthread_mutex_lock(&r->wlock);
    rc = fsck_walk(&f, err);
    pthread_mutex_unlock(&r->wlock);
    pthread_rwlock_unlock(&r->stage_lock);
    free(f.drop_rows.v);
    free(f.add_rows.v);
    free(f.stale.v);
    free(f.drop_blobs.v);
    if (rc)
        say(&f, "stopped by an error (what is listed above was %s): %s",
            f.st.repaired ? "only partly repaired" : "not repaired",
            err ? err->msg : kr_code_name(rc));
    say(&f, "checked %lld row(s), %lld image blob(s), %lld index entr%s: %lld problem(s)%s",
        f.st.rows, f.st.blobs, f.st.index_entries, f.st.index_entries == 1 ? "y" : "ies",
        f.problems, repair && f.problems && !rc ? " repaired" : "");
    if (st)
        *st = f.st;
    if (problems)
        *problems = f.problems;
    return rc;
}
