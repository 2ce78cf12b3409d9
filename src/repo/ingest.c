/*
 * ingest.c - storing, checking, searching and deleting images.
 *
 * The expensive parts of an ingest (decode + signature, the duplicate
 * check, staging the blob) run without the write lock; the final check and
 * the commit run under r->wlock so two uploads of the same photo cannot both
 * be stored. The write order (stage blob, commit row,
 * publish blob, add to index) is what makes repo__recover() able to finish
 * or undo any interrupted write; see repo.h.
 */
#include "repo/repo_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define ID_MASK 0x7FFFFFFFFFFFFFFFLL

/* The original's id: the first 64 bits of the sha256, sign bit cleared. */
static int64_t id_from_sha(const char *hex)
{
    char head[17];
    memcpy(head, hex, 16);
    head[16] = '\0';
    return (int64_t)(strtoull(head, NULL, 16) & (unsigned long long)ID_MASK);
}

/* A free id near the sha-derived one (identical bytes stored twice on purpose). */
static enum kr_code pick_id(struct repo *r, const char *sha, int64_t *id, struct kr_err *err)
{
    struct store_image tmp;
    int64_t cand = id_from_sha(sha);
    for (int i = 0; i < 1000; i++) {
        struct kr_err e2 = {0};
        enum kr_code rc = store_image_get(r->store, cand, &tmp, &e2);
        if (rc == KR_ENOTFOUND) {
            *id = cand;
            return KR_OK;
        }
        if (rc)
            return kr_fail(err, e2.slug_id, "%s", e2.msg);
        cand = (cand + 1) & ID_MASK;
    }
    return kr_fail(err, KRS_ID_EXHAUSTED, "no free id for these bytes");
}

_Static_assert(REPO_SEARCH_MAX <= STORE_IDS_MAX, "a search's hits are one batch read");

/* The rows of the index's hits as matches, each in its hit's place: they
 * come in one store_image_get_placed call (one round trip in server mode,
 * however many hits). */
struct hit_rows {
    struct repo *r;
    const struct idx_hit *hits;
    struct repo_match *m; /* calloc'd: m[i].id stays 0 for a row the store no longer has */
};

static int hit_into_place(const struct store_image *img, int i, void *ctx)
{
    struct hit_rows *b = ctx;
    const struct idx_hit *h = &b->hits[i];

    repo__match_from(b->r, &b->m[i], img, h->distance, h->score, h->hash_dist);
    return 0;
}

/* hits[0..nh) (nh <= STORE_IDS_MAX) appended to out[*n..] in hit order; a
 * row the store no longer has (deleted meanwhile) is never reported. */
static enum kr_code hits_as_matches(struct repo *r, const struct idx_hit *hits, int nh,
                                    struct repo_match *out, int *n, struct kr_err *err)
{
    struct hit_rows b = {r, hits, NULL};
    int64_t ids[STORE_IDS_MAX];
    struct kr_err e = {0};
    enum kr_code rc;

    if (nh < 1 || nh > STORE_IDS_MAX)
        return kr_fail(err, KRS_INTERNAL, "%d hits to read at once (1 to %d)", nh, STORE_IDS_MAX);
    if (!(b.m = calloc((size_t)nh, sizeof *b.m)))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory for %d matches", nh);
    for (int i = 0; i < nh; i++)
        ids[i] = hits[i].id;
    rc = store_image_get_placed(r->store, ids, nh, hit_into_place, &b, &e);
    if (rc == KR_ENOTFOUND) /* a gone row is skipped: a miss of the whole call is a bug */
        rc = kr_fail(err, KRS_INTERNAL, "a batch read of rows answered not-found");
    else
        rc = repo__found(rc, &e, err, "the index's hits");
    for (int i = 0; !rc && i < nh; i++)
        if (b.m[i].id) /* ids start at 1 */
            out[(*n)++] = b.m[i];
    free(b.m);
    return rc;
}

/* Exact-bytes duplicate first, then the duplicate rule against the index.
 * A lookup that fails (anything but KR_ENOTFOUND) fails the check: it
 * could have been the duplicate. */
static enum kr_code find_dups(struct repo *r, const char *sha, const struct dedup_sig *sig,
                              int top_k, struct repo_ingest_res *res, struct kr_err *err)
{
    struct repo_match *out = res->matches;
    int max = (int)(sizeof res->matches / sizeof res->matches[0]), *n = &res->nmatches;
    struct idx_hit hits[16];
    struct store_image img;
    struct kr_err e = {0};
    int nh = 0, kept = 0;
    enum kr_code rc = KR_ENOTFOUND;

    *n = 0;
    if (top_k > max)
        top_k = max;
    if (sha)
        rc = repo__found(store_image_find_sha(r->store, sha, &img, &e), &e, err, "duplicate check");
    if (rc == KR_OK)
        repo__match_from(r, &out[(*n)++], &img, 0.0f, 1.0f, 0);
    else if (rc != KR_ENOTFOUND)
        return rc;
    rc = idx_find_dups(r->idx, &(struct idx_dup_query){sig, &r->rule}, hits, 16, &nh, err);
    for (int i = 0; !rc && i < nh; i++)
        if (!*n || hits[i].id != out[0].id)
            hits[kept++] = hits[i];
    /* as many rows as matches are wanted; more only for rows gone meanwhile */
    for (int from = 0, cnt; !rc && from < kept && *n < top_k; from += cnt) {
        cnt = kept - from < top_k - *n ? kept - from : top_k - *n;
        if ((rc = hits_as_matches(r, hits + from, cnt, out, n, err)))
            kr_err_prefix(err, "duplicate check: ");
    }
    if (rc)
        *n = 0;
    return rc;
}

static void fill_row(struct repo *r, const struct repo_ingest_req *req, const char *sha,
                     const struct dedup_sig *sig, const struct image_info *info,
                     struct store_image *img)
{
    memset(img, 0, sizeof *img);
    util_strlcpy(img->sha256, sha, sizeof img->sha256);
    img->sig = *sig;
    util_strlcpy(img->website, req->website ? req->website : "", sizeof img->website);
    util_strlcpy(img->bucket, req->bucket, sizeof img->bucket);
    repo_new_key(NULL, info->ext, img->key, sizeof img->key);
    repo_url_for(r, img->bucket, img->key, img->url, sizeof img->url);
    util_strlcpy(img->filename, req->filename ? req->filename : "", sizeof img->filename);
    util_strlcpy(img->mime, info->mime, sizeof img->mime);
    img->bytes = (long long)req->len;
    img->width = info->oriented_width ? info->oriented_width : info->width;
    img->height = info->oriented_height ? info->oriented_height : info->height;
    img->created_ms = util_epoch_ms();
}

/* Discard a staged blob that will not be published (what a failure leaves
 * is discarded by recovery: it has no row). */
static void discard_staged(struct repo *r, const struct store_image *img)
{
    struct kr_err e = {0};
    repo__cleanup_failed(blob_discard(r->blob, img->bucket, img->key, &e), &e,
                         "ingest: discarding the staged blob", img->bucket, img->key);
}

/* (staged) -> commit row -> publish -> index, under wlock; each failure
 * undoes the steps before it, including the staging. An undo step that
 * fails leaves a state recovery or fsck completes (a row whose blob stays
 * staged is published by recovery), never a row without its blob. */
static enum kr_code commit_image(struct repo *r, struct store_image *img, struct kr_err *err)
{
    struct kr_err e = {0};
    enum kr_code undo, rc = pick_id(r, img->sha256, &img->id, err);

    if (!rc)
        rc = store_image_insert(r->store, img, err);
    if (rc) {
        discard_staged(r, img);
        return rc;
    }
    rc = blob_publish(r->blob, img->bucket, img->key, err);
    if (!rc && (rc = repo__idx_add(r, img->id, &img->sig, err))) {
        undo = blob_unpublish(r->blob, img->bucket, img->key, &e);
        if (undo) { /* published with its row: stored, fsck adds the index entry */
            repo__cleanup_failed(undo, &e, "ingest: unpublishing", img->bucket, img->key);
            return rc;
        }
    }
    if (!rc)
        return KR_OK;
    undo = store_image_delete(r->store, img->id, &e);
    if (undo && undo != KR_ENOTFOUND) /* the row stays: recovery publishes its blob */
        repo__cleanup_failed(undo, &e, "ingest: removing the row of", img->bucket, img->key);
    else
        discard_staged(r, img);
    return rc;
}

/* The duplicate check of an ingest: res->matches, and res->duplicate set
 * (and counted) when the photo duplicates a stored one. */
static enum kr_code check_dups(struct repo *r, const char *sha, const struct dedup_sig *sig,
                               int top_k, struct repo_ingest_res *res, struct kr_err *err)
{
    enum kr_code rc = find_dups(r, sha, sig, top_k, res, err);
    if (rc == KR_OK && res->nmatches > 0) {
        res->duplicate = 1;
        atomic_fetch_add(&r->dups_found, 1);
    }
    return rc;
}

/* What the final step of an ingest needs from its first part. */
struct final_step {
    const struct repo_ingest_req *req;
    const char *sha;
    const struct dedup_sig *sig;
    int top_k;
    long long adds; /* r->idx_adds before the first duplicate check */
};

/*
 * Under wlock, the staged blob in hand: the duplicate check again if the
 * index gained entries since the first one, then the commit. With a store
 * other nodes write (server mode), the store's duplicate lock is held from
 * a catch-up with every row any node committed (sync.c) to this node's
 * commit, so of concurrent near-duplicate uploads through different nodes
 * exactly one is stored.
 */
static enum kr_code final_check_and_commit(struct repo *r, const struct final_step *f,
                                           struct repo_ingest_res *res, struct kr_err *err)
{
    void *lock = NULL;
    enum kr_code rc = KR_OK;

    if (r->sync.on && f->req->check_duplicate) {
        rc = store_dedup_lock(r->store, &lock, err);
        if (!rc)
            rc = repo__sync_catch_up(r, err);
    }
    if (!rc && f->req->check_duplicate && atomic_load(&r->idx_adds) != f->adds)
        rc = check_dups(r, f->sha, f->sig, f->top_k, res, err);
    if (rc || res->duplicate) {
        discard_staged(r, &res->image);
        if (res->duplicate)
            memset(&res->image, 0, sizeof res->image);
    } else {
        rc = commit_image(r, &res->image, err);
    }
    store_dedup_unlock(r->store, lock);
    return rc;
}

/*
 * Duplicate check and staging (the slow write + fsync) run without the
 * write lock, so several uploads overlap their I/O. Under the lock the
 * check is repeated only if the index gained entries meanwhile
 * (r->idx_adds moved): a full index scan inside the global lock would
 * serialise every upload. Then the row is committed and the blob published.
 */
static enum kr_code store_new(struct repo *r, const struct repo_ingest_req *req,
                              const struct dedup_sig *sig, const struct image_info *info,
                              struct repo_ingest_res *res, struct kr_err *err)
{
    int top_k = req->top_k < 1 ? 1 : req->top_k;
    long long adds = atomic_load(&r->idx_adds); /* before the first check */
    enum kr_code rc = KR_OK;
    char sha[65];

    if (req->sha256 && strlen(req->sha256) == 64)
        util_strlcpy(sha, req->sha256, sizeof sha);
    else
        util_sha256_hex(req->data, req->len, sha);
    if (req->check_duplicate && ((rc = check_dups(r, sha, sig, top_k, res, err)) || res->duplicate))
        return rc;
    fill_row(r, req, sha, sig, info, &res->image);
    pthread_rwlock_rdlock(&r->stage_lock);
    rc = blob_stage(r->blob, res->image.bucket, res->image.key, req->data, req->len, err);
    if (rc)
        goto out;
    pthread_mutex_lock(&r->wlock);
    rc = final_check_and_commit(r, &(struct final_step){req, sha, sig, top_k, adds}, res, err);
    pthread_mutex_unlock(&r->wlock);
out:
    pthread_rwlock_unlock(&r->stage_lock);
    return rc;
}

enum kr_code repo_ingest(struct repo *r, const struct repo_ingest_req *req,
                         struct repo_ingest_res *res, struct kr_err *err)
{
    struct dedup_sig sig;
    struct image_info info;
    enum kr_code rc;

    memset(res, 0, sizeof *res);
    if (!req->bucket || !blob_name_ok(req->bucket, 0))
        return kr_fail(err, KRS_BAD_BUCKET, "invalid bucket");
    rc = dedup_compute_bytes(req->data, req->len, r->cfg->max_pixels, &sig, &info, err);
    if (rc)
        return rc;
    return store_new(r, req, &sig, &info, res, err);
}

enum kr_code repo_search(struct repo *r, const struct repo_search_req *req, struct repo_match *hits,
                         int *n, struct kr_err *err)
{
    int top_k = req->top_k;
    struct dedup_sig sig;
    struct idx_hit ih[REPO_SEARCH_MAX];
    int nh = 0;
    enum kr_code rc;

    *n = 0;
    if (top_k < 1 || top_k > REPO_SEARCH_MAX)
        return kr_fail(err, KRS_BAD_TOP_K, "top_k must be between 1 and %d", REPO_SEARCH_MAX);
    rc = dedup_compute_bytes(req->data, req->len, r->cfg->max_pixels, &sig, NULL, err);
    if (!rc)
        rc = idx_search(r->idx, sig.desc, top_k, ih, &nh, err);
    if (!rc && nh && (rc = hits_as_matches(r, ih, nh, hits, n, err))) {
        *n = 0;
        kr_err_prefix(err, "search: ");
    }
    return rc;
}

static enum kr_code find_by_url(struct repo *r, const char *url, struct store_image *img,
                                struct kr_err *err)
{
    struct repo_object o;
    struct kr_err e = {0};
    enum kr_code rc =
        repo__found(store_image_find_url(r->store, url, img, &e), &e, err, "looking up the image");

    if (rc != KR_ENOTFOUND)
        return rc;
    rc = repo_parse_url(r, url, &o, err);
    if (rc)
        return rc;
    rc = repo__found(store_image_find_key(r->store, o.bucket, o.key, img, &e), &e, err,
                     "looking up the image");
    if (rc == KR_ENOTFOUND)
        return kr_fail(err, KRS_NOT_FOUND, "no stored image has this URL");
    return rc;
}

/* unpublish -> delete row -> drop from index -> discard bytes. A blob that
 * is absent (KR_ENOTFOUND) is no reason to keep the row; a blob that
 * cannot be moved (any other error) stops the delete before any change. */
enum kr_code repo_delete_url(struct repo *r, const char *url, struct store_image *deleted,
                             struct kr_err *err)
{
    struct store_image img;
    struct kr_err e = {0};
    enum kr_code rc, moved;

    pthread_mutex_lock(&r->wlock);
    rc = find_by_url(r, url, &img, err);
    if (rc)
        goto out;
    moved = repo__found(blob_unpublish(r->blob, img.bucket, img.key, &e), &e, err,
                        "deleting the image's file");
    if (moved != KR_OK && moved != KR_ENOTFOUND) {
        rc = moved;
        goto out;
    }
    rc = store_image_delete(r->store, img.id, err);
    if (rc) {
        if (moved == KR_OK) /* else recovery publishes it again (the row exists) */
            repo__cleanup_failed(blob_publish(r->blob, img.bucket, img.key, &e), &e,
                                 "delete: publishing again", img.bucket, img.key);
        goto out;
    }
    /* the row is gone: a stale index entry is never reported (no row) and
     * fsck removes it; a staged blob without a row is discarded by recovery */
    repo__cleanup_failed(idx_remove(r->idx, img.id, &e), &e, "delete: index entry of", img.bucket,
                         img.key);
    repo__cleanup_failed(blob_discard(r->blob, img.bucket, img.key, &e), &e, "delete: discarding",
                         img.bucket, img.key);
    if (deleted)
        *deleted = img;
out:
    pthread_mutex_unlock(&r->wlock);
    return rc;
}
