/*
 * migrate.c - moving an embedded data folder into server mode.
 *
 * repo_migrate(src, dst) copies, in this order:
 *   1. every object of src (blob_list: photos, generated files, sheets) to
 *      dst under the same bucket and key, unless dst has it with the same
 *      size: objects first, so a row never points at a missing object;
 *   2. every row, with its id, sha256, signature and names; its URL is made
 *      again by dst (an S3 public URL instead of /files/), unless dst has a
 *      row for (bucket, key) already; each new row is added to dst's index;
 *   3. the documents of the namespaces the application keeps: "sku_cache",
 *      "catalog_templates", "derived_files", "unreadable_files", "jobs" and each job's
 *      "job_items:ID" (a document dst has already is left as it is);
 *   4. a check: every src row is found in dst by (bucket, key) with the same
 *      SHA-256, and dst's row count is at least src's.
 * Nothing in src is changed. Each step skips what dst already holds, so a
 * second run copies nothing and a killed run completes when run again.
 */
#include "repo/repo_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static const char *const doc_namespaces[] = {"sku_cache", "catalog_templates", "derived_files",
                                             "unreadable_files", "jobs"};

struct mig {
    struct repo *src, *dst;
    struct repo_migrate_stats *st;
    struct kr_err *err;
    enum kr_code rc;
    const char *ns; /* doc step: the namespace being copied */
};

static int stop(struct mig *m, enum kr_code rc)
{
    m->rc = rc;
    return rc != KR_OK;
}

static int copy_object(const char *bucket, const char *key, void *ctx)
{
    struct mig *m = ctx;
    struct kr_err e = {0};
    long long have = -1, want = -1;
    struct buf data;
    enum kr_code rc;

    m->st->objects++;
    rc = repo__found(blob_stat(m->src->blob, bucket, key, &want, &e), &e, m->err, "migrate: src");
    if (rc == KR_ENOTFOUND)
        return 0; /* removed meanwhile */
    if (rc)
        return stop(m, rc);
    rc = repo__found(blob_stat(m->dst->blob, bucket, key, &have, &e), &e, m->err, "migrate: dst");
    if (rc && rc != KR_ENOTFOUND)
        return stop(m, rc);
    if (rc == KR_OK && have == want)
        return 0;
    buf_init(&data, 0);
    rc = blob_get(m->src->blob, bucket, key, &data, m->err);
    if (!rc)
        rc = blob_put(m->dst->blob, bucket, key, data.data, data.len, m->err);
    buf_release(&data);
    if (!rc)
        m->st->objects_copied++;
    return stop(m, rc);
}

static int copy_row(const struct store_image *img, void *ctx)
{
    struct mig *m = ctx;
    struct store_image row, have;
    struct kr_err e = {0};
    enum kr_code rc;

    m->st->rows++;
    rc = repo__found(store_image_find_key(m->dst->store, img->bucket, img->key, &have, &e), &e,
                     m->err, "migrate: row");
    if (rc != KR_ENOTFOUND)
        return stop(m, rc);
    row = *img;
    repo_url_for(m->dst, row.bucket, row.key, row.url, sizeof row.url);
    pthread_mutex_lock(&m->dst->wlock);
    rc = store_image_insert(m->dst->store, &row, m->err);
    if (!rc)
        rc = repo__idx_add(m->dst, row.id, &row.sig, m->err);
    pthread_mutex_unlock(&m->dst->wlock);
    if (!rc)
        m->st->rows_copied++;
    return stop(m, rc);
}

static int copy_doc(const char *key, const char *json, void *ctx)
{
    struct mig *m = ctx;
    struct kr_err e = {0};
    char *have = NULL;
    enum kr_code rc;

    m->st->docs++;
    rc = repo__found(store_doc_get(m->dst->store, m->ns, key, &have, &e), &e, m->err,
                     "migrate: document");
    free(have);
    if (rc == KR_ENOTFOUND) {
        rc = store_doc_put(m->dst->store, m->ns, key, json, m->err);
        m->st->docs_copied += rc == KR_OK;
    }
    return stop(m, rc);
}

/* A job's items live in their own namespace, "job_items:ID". */
static int copy_job_items(const char *key, const char *json, void *ctx)
{
    struct mig *m = ctx;
    struct mig sub = *m;
    char ns[STORE_DOC_NS_MAX + 1];
    enum kr_code rc;

    (void)json;
    if (util_fmt(ns, sizeof ns, "job_items:%s", key))
        return 0; /* not a job id this version writes */
    sub.ns = ns;
    rc = store_doc_each(m->src->store, ns, copy_doc, &sub, m->err);
    return stop(m, rc ? rc : sub.rc);
}

static int verify_row(const struct store_image *img, void *ctx)
{
    struct mig *m = ctx;
    struct store_image have;
    struct kr_err e = {0};
    enum kr_code rc = repo__found(store_image_find_key(m->dst->store, img->bucket, img->key,
                                                       &have, &e),
                                  &e, m->err, "migrate: check");

    if (rc == KR_ENOTFOUND || (rc == KR_OK && strcmp(have.sha256, img->sha256) != 0))
        rc = kr_fail(m->err, KRS_MIGRATE_MISMATCH, "migrate: %s/%s is %s in the destination",
                     img->bucket, img->key, rc ? "missing" : "different");
    m->st->verified += rc == KR_OK;
    return stop(m, rc);
}

static enum kr_code verify(struct mig *m)
{
    long long ns = 0, nd = 0;
    enum kr_code rc = store_image_each(m->src->store, verify_row, m, m->err);

    if (!rc)
        rc = m->rc;
    if (!rc)
        rc = store_image_count(m->src->store, &ns, m->err);
    if (!rc)
        rc = store_image_count(m->dst->store, &nd, m->err);
    if (!rc && nd < ns)
        rc = kr_fail(m->err, KRS_MIGRATE_MISMATCH,
                     "migrate: the destination has %lld rows, the source %lld", nd, ns);
    return rc;
}

enum kr_code repo_migrate(struct repo *src, struct repo *dst, struct repo_migrate_stats *st,
                          struct kr_err *err)
{
    struct mig m = {src, dst, st, err, KR_OK, NULL};
    enum kr_code rc;

    memset(st, 0, sizeof *st);
    rc = blob_list(src->blob, 0, copy_object, &m, err);
    if (!rc && !(rc = m.rc))
        rc = store_image_each(src->store, copy_row, &m, err);
    if (!rc)
        rc = m.rc;
    for (size_t i = 0; !rc && i < sizeof doc_namespaces / sizeof doc_namespaces[0]; i++) {
        m.ns = doc_namespaces[i];
        rc = store_doc_each(src->store, m.ns, copy_doc, &m, err);
        if (!rc)
            rc = m.rc;
    }
    if (!rc)
        rc = store_doc_each(src->store, "jobs", copy_job_items, &m, err);
    if (!rc)
        rc = m.rc;
    return rc ? rc : verify(&m);
}
