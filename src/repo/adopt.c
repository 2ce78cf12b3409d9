/*
 * adopt.c - taking over objects that are already in a bucket, in place.
 *
 * The original system left its photos in its buckets (originals at the
 * root, generated images and ZIPs under gen_images/, spreadsheets under
 * excel_files/). repo_adopt() records such an object without copying it:
 *   - a photo at the root is read, decoded and signed exactly as an ingest
 *     does, checked against what is stored (exact bytes, then the duplicate
 *     rule), and gets a row pointing at its existing key and URL, then an
 *     index entry. A duplicate is still recorded (its object exists and its
 *     URL must keep working); the caller is told which row it repeats.
 *   - anything under gen_images/ or excel_files/ is a derived file: no row
 *     (it is not a photo a seller uploaded and must not take part in the
 *     duplicate rule), but a document in ns "derived_files", key
 *     "BUCKET/KEY", with its size, SHA-256 and kind. Its /files/ URL works
 *     like any other object's.
 * A photo at the root that cannot be decoded gets no row but a document in
 * ns "unreadable_files" (key "BUCKET/KEY", the reason): fsck leaves such an
 * object alone instead of deleting it as an object without a row.
 * Whether an object was adopted is read from the store (its row or its
 * document), so adopting twice adds nothing and an interrupted run resumes
 * where it stopped. The row is written only after every check, under the
 * write lock; the object is never written or deleted here.
 */
#include "repo/repo_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include <string.h>

#include "core/util.h"

#define NS_DERIVED    "derived_files"
#define NS_UNREADABLE "unreadable_files"
#define ID_MASK       0x7FFFFFFFFFFFFFFFLL

static const char *derived_kind(const char *key)
{
    if (strncmp(key, "gen_images/", 11) == 0)
        return strstr(key, ".zip") ? "zip" : "generated_image";
    if (strncmp(key, "excel_files/", 12) == 0)
        return "spreadsheet";
    return NULL;
}

/* KR_OK: the id is free; KR_ENOTFOUND never escapes (it means free). */
static enum kr_code id_free(struct repo *r, int64_t id, int *is_free, struct kr_err *err)
{
    struct store_image tmp;
    struct kr_err e = {0};
    enum kr_code rc = repo__found(store_image_get(r->store, id, &tmp, &e), &e, err, "adopt: id");
    *is_free = rc == KR_ENOTFOUND;
    return rc == KR_ENOTFOUND ? KR_OK : rc;
}

/* The original's id when given and free, else the sha-derived one (as an
 * ingest picks it), probing upwards. */
static enum kr_code adopt_id(struct repo *r, int64_t want, struct repo_adopt_res *res,
                             struct kr_err *err)
{
    char head[17];
    int64_t cand;
    int ok = 0;
    enum kr_code rc;

    if (want >= 0) {
        rc = id_free(r, want, &ok, err);
        if (rc || ok) {
            res->image.id = want;
            res->id_kept = ok;
            return rc;
        }
    }
    memcpy(head, res->image.sha256, 16);
    head[16] = '\0';
    cand = (int64_t)(strtoull(head, NULL, 16) & (unsigned long long)ID_MASK);
    for (int i = 0; i < 1000; i++, cand = (cand + 1) & ID_MASK) {
        rc = id_free(r, cand, &ok, err);
        if (rc)
            return rc;
        if (ok) {
            res->image.id = cand;
            return KR_OK;
        }
    }
    return kr_fail(err, KRS_ID_EXHAUSTED, "no free id for these bytes");
}

/* Is (bucket, key) recorded already? 1 yes, 0 no, -1 failed (err set). */
static int recorded(struct repo *r, const char *bucket, const char *key, struct kr_err *err)
{
    struct store_image img;
    struct kr_err e = {0};
    char dkey[400], *json = NULL;
    enum kr_code rc;

    if (derived_kind(key)) {
        util_fmt(dkey, sizeof dkey, "%s/%s", bucket, key);
        rc = repo__found(store_doc_get(r->store, NS_DERIVED, dkey, &json, &e), &e, err,
                         "adopt: derived file");
        free(json);
    } else {
        rc = repo__found(store_image_find_key(r->store, bucket, key, &img, &e), &e, err,
                         "adopt: row");
    }
    return rc == KR_OK ? 1 : rc == KR_ENOTFOUND ? 0 : -1;
}

static enum kr_code adopt_derived(struct repo *r, const struct repo_adopt_req *req,
                                  const struct buf *data, struct kr_err *err)
{
    char dkey[400], sha[65], json[1024];

    util_sha256_hex(data->data, data->len, sha);
    util_fmt(dkey, sizeof dkey, "%s/%s", req->bucket, req->key);
    /* bucket and key passed blob_name_ok: nothing in them needs escaping */
    util_fmt(json, sizeof json,
             "{\"bucket\":\"%s\",\"key\":\"%s\",\"kind\":\"%s\",\"bytes\":%zu,"
             "\"sha256\":\"%s\",\"adopted_ms\":%lld}",
             req->bucket, req->key, derived_kind(req->key), data->len, sha,
             (long long)util_epoch_ms());
    return store_doc_put(r->store, NS_DERIVED, dkey, json, err);
}

/* Remember why a root object has no row (see the top); the decode error in
 * err stays what the caller gets, a failure to record it is added to it. */
static void note_unreadable(struct repo *r, const struct repo_adopt_req *req, struct kr_err *err)
{
    char dkey[400], *json = NULL;
    struct kr_err e = {0};
    json_t *doc;

    util_fmt(dkey, sizeof dkey, "%s/%s", req->bucket, req->key);
    doc = json_pack("{s:s, s:s, s:s, s:s}", "bucket", req->bucket, "key", req->key, "code",
                    err->slug ? err->slug : "", "reason", err->msg);
    json = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!json || store_doc_put(r->store, NS_UNREADABLE, dkey, json, &e))
        kr_err_prefix(err, "(not recorded as unreadable: %s) ", json ? e.msg : "out of memory");
    free(json);
}

int repo__adopted_unreadable(struct repo *r, const char *bucket, const char *key,
                             struct kr_err *err)
{
    char dkey[400], *json = NULL;
    struct kr_err e = {0};
    enum kr_code rc;

    util_fmt(dkey, sizeof dkey, "%s/%s", bucket, key);
    rc = repo__found(store_doc_get(r->store, NS_UNREADABLE, dkey, &json, &e), &e, err,
                     "fsck: unreadable adopted objects");
    free(json);
    return rc == KR_OK ? 1 : rc == KR_ENOTFOUND ? 0 : -1;
}

/* Exact bytes first, then the duplicate rule: the stored row it repeats. */
static enum kr_code find_dup(struct repo *r, struct repo_adopt_res *res, struct kr_err *err)
{
    struct store_image img;
    struct idx_hit hits[4];
    struct kr_err e = {0};
    int nh = 0;
    enum kr_code rc = repo__found(store_image_find_sha(r->store, res->image.sha256, &img, &e), &e,
                                  err, "adopt: duplicate check");

    if (rc == KR_OK) {
        res->duplicate = 1;
        res->dup_of = img.id;
        return KR_OK;
    }
    if (rc != KR_ENOTFOUND)
        return rc;
    rc = idx_find_dups(r->idx, &(struct idx_dup_query){&res->image.sig, &r->rule}, hits, 4, &nh,
                       err);
    if (!rc && nh > 0) {
        res->duplicate = 1;
        res->dup_of = hits[0].id;
    }
    return rc;
}

static void fill_image(struct repo *r, const struct repo_adopt_req *req, const struct buf *data,
                       const struct image_info *info, struct store_image *img)
{
    const char *slash = strrchr(req->key, '/');

    util_sha256_hex(data->data, data->len, img->sha256);
    util_strlcpy(img->website, req->website ? req->website : "", sizeof img->website);
    util_strlcpy(img->bucket, req->bucket, sizeof img->bucket);
    util_strlcpy(img->key, req->key, sizeof img->key);
    repo_url_for(r, img->bucket, img->key, img->url, sizeof img->url);
    util_strlcpy(img->filename, slash ? slash + 1 : req->key, sizeof img->filename);
    util_strlcpy(img->mime, info->mime, sizeof img->mime);
    img->bytes = (long long)data->len;
    img->width = info->oriented_width ? info->oriented_width : info->width;
    img->height = info->oriented_height ? info->oriented_height : info->height;
    img->created_ms = util_epoch_ms();
}

/* Under wlock: still unrecorded -> duplicate check -> id -> row -> index. */
static enum kr_code commit_adopted(struct repo *r, const struct repo_adopt_req *req,
                                   struct repo_adopt_res *res, struct kr_err *err)
{
    enum kr_code rc = KR_OK;
    int seen;

    pthread_mutex_lock(&r->wlock);
    seen = recorded(r, req->bucket, req->key, err);
    if (seen) {
        rc = seen < 0 ? err->code : KR_OK;
        goto out;
    }
    rc = find_dup(r, res, err);
    if (!rc)
        rc = adopt_id(r, req->want_id, res, err);
    if (!rc)
        rc = store_image_insert(r->store, &res->image, err);
    if (!rc) {
        res->adopted = 1;
        /* a failed index entry leaves the row: fsck adds the entry */
        rc = repo__idx_add(r, res->image.id, &res->image.sig, err);
    }
    if (!rc && res->duplicate)
        atomic_fetch_add(&r->dups_found, 1);
out:
    pthread_mutex_unlock(&r->wlock);
    return rc;
}

enum kr_code repo_adopt(struct repo *r, const struct repo_adopt_req *req,
                        struct repo_adopt_res *res, struct kr_err *err)
{
    struct image_info info;
    struct buf data;
    enum kr_code rc;
    int seen;

    memset(res, 0, sizeof *res);
    res->dup_of = -1;
    if (!req->bucket || !blob_name_ok(req->bucket, 0))
        return kr_fail(err, KRS_BAD_BUCKET, "invalid bucket");
    if (!req->key || !blob_name_ok(req->key, 1))
        return kr_fail(err, KRS_BAD_KEY, "invalid object key");
    res->derived = derived_kind(req->key) != NULL;
    seen = recorded(r, req->bucket, req->key, err);
    if (seen)
        return seen < 0 ? err->code : KR_OK;
    buf_init(&data, (size_t)r->cfg->max_upload_bytes);
    rc = blob_get(r->blob, req->bucket, req->key, &data, err);
    if (rc)
        goto out;
    if (res->derived) {
        rc = adopt_derived(r, req, &data, err);
        res->adopted = rc == KR_OK;
        goto out;
    }
    memset(&res->image, 0, sizeof res->image);
    rc = dedup_compute_bytes(data.data, data.len, r->cfg->max_pixels, &res->image.sig, &info, err);
    if (rc) {
        note_unreadable(r, req, err);
        goto out;
    }
    fill_image(r, req, &data, &info, &res->image);
    rc = commit_adopted(r, req, res, err);
out:
    buf_release(&data);
    return rc;
}

enum kr_code repo_list_objects(struct repo *r, const struct blob_walk *w, struct kr_err *err)
{
    return blob_list_all(r->blob, w, err);
}
