/*
 * repo.h - the image repository: store + blob + index moved in one step.
 *
 * This is the only place that writes images. It keeps three things in
 * agreement: the record (store/), the bytes (blob/) and the similarity
 * entries (index/). An ingest is:
 *   decode + signature, exact sha256 check and duplicate rule, stage the
 *   blob (no write lock) -> under the write lock: the checks again -> commit
 *   the row -> publish the blob -> add to the index.
 * A delete is: unpublish the blob (back to staging) -> delete the row ->
 * remove from the index -> discard the staged bytes.
 * After a crash at any instant, repo_recover() (run by repo_open) finishes or
 * undoes what was interrupted: a staged blob whose row exists is published,
 * one whose row does not is discarded. So no row points to a missing blob
 * and no published blob lacks its row, by construction.
 *
 * Thread safety: all functions may be called concurrently; writes serialise
 * on one lock, reads do not take it.
 */
#ifndef KARAT_REPO_REPO_H
#define KARAT_REPO_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "blob/blob.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "dedup/dedup.h"
#include "index/index.h"
#include "store/store.h"

struct repo;

/* Opens the backends named in cfg under cfg->data_dir, recovers interrupted
 * writes, loads the index from the store (or rebuilds it from the blobs when
 * cfg->reindex_on_startup), and runs fsck --repair if clean_orphans_on_startup.
 * public_base: "http://host:port" of the listen address, used when
 * cfg->public_url is empty; file URLs on either base are this server's. */
enum kr_code repo_open(const struct config *cfg, const char *public_base, struct repo **out,
                       struct kr_err *err);
void repo_close(struct repo *r);

/* The store, for assembling the parts that keep their own documents in it
 * (jobs, the catalog's SKU cache and templates: app/). Photos, files and the
 * index are changed only through the verbs below, never through these. */
struct store *repo_store(struct repo *r);
/* The blob backend, for tests that damage it on purpose (crash and fault
 * tests). */
struct blob *repo_blob(struct repo *r);
const struct config *repo_config(struct repo *r);
const struct dedup_rule *repo_rule(struct repo *r);

/* The newest photos (by created_ms, newest first), for listings. */
#define REPO_RECENT_MAX 2000 /* most rows one call keeps (the API's listing window) */
struct repo_recent {
    const char *bucket;       /* NULL: every bucket */
    size_t want;              /* 1..REPO_RECENT_MAX */
    struct store_image *rows; /* the caller's, room for `want` */
    size_t n;                 /* out: rows filled */
};
/* KR_EINVAL "bad_argument" for want outside 1..REPO_RECENT_MAX or no rows. */
enum kr_code repo_recent_images(struct repo *r, struct repo_recent *q, struct kr_err *err);

/* One duplicate, as reported to clients. */
struct repo_match {
    int64_t id;
    float distance; /* 1 - descriptor score (0 for identical bytes) */
    float score;
    int hash_dist;
    char url[1024];
    char filename[256];
};

struct repo_ingest_req {
    const void *data;
    size_t len;
    const char *filename; /* client's name: recorded, never used as a key */
    const char *bucket;   /* already resolved from the website */
    const char *website;
    int check_duplicate; /* 0: store whatever it looks like */
    int top_k;           /* how many duplicates to report at most (>= 1) */
    const char *sha256;  /* hex sha256 of data if the caller has it, else NULL */
};

struct repo_ingest_res {
    int duplicate;                 /* 1: nothing was stored */
    struct repo_match matches[16]; /* when duplicate */
    int nmatches;
    struct store_image image; /* when stored */
};

enum kr_code repo_ingest(struct repo *r, const struct repo_ingest_req *req,
                         struct repo_ingest_res *res, struct kr_err *err);

/* A similarity search: the photo's bytes and how many hits at most. */
#define REPO_SEARCH_MAX 64 /* most hits one search answers (the API's top_k bound) */

struct repo_search_req {
    const void *data;
    size_t len;
    int top_k; /* 1..REPO_SEARCH_MAX */
};

/* Top-k similar stored images by descriptor score (hits has room for top_k). */
enum kr_code repo_search(struct repo *r, const struct repo_search_req *req, struct repo_match *hits,
                         int *n, struct kr_err *err);

/* Delete the image whose public URL (or "bucket/key") is exactly `url`.
 * KR_ENOTFOUND if no stored image has it; KR_EINVAL if it is not a Karat URL. */
enum kr_code repo_delete_url(struct repo *r, const char *url, struct store_image *deleted,
                             struct kr_err *err);

/* The one own-URL rule: is url one of this server's file URLs? That is
 * "/files/BUCKET/KEY", or BASE/files/BUCKET/KEY where BASE has the scheme,
 * host and port (compared case-insensitively, default ports filled in) and
 * the path prefix of KARAT_PUBLIC_URL or of the listen address's base. A
 * URL naming any other host is not Karat's, whatever its path says. */
int repo_own_url(struct repo *r, const char *url);
/* A stored object's name: what a file URL points at. */
struct repo_object {
    char bucket[64];
    char key[256];
};
/* URL -> (bucket, key) if repo_own_url(url), or url is a bare "bucket/key";
 * KR_EINVAL "not_karat_url" otherwise. */
enum kr_code repo_parse_url(struct repo *r, const char *url, struct repo_object *out,
                            struct kr_err *err);
/* Public URL of an object. */
void repo_url_for(struct repo *r, const char *bucket, const char *key, char *out, size_t n);
/* The base this thread's current request may use for file URLs ("" or NULL:
 * none); the HTTP edge sets it around each handler. When KARAT_PUBLIC_URL is
 * unset, repo_url_for uses it instead of the listen address, and URLs under
 * any base set so far count as this server's own (repo_parse_url). */
void repo_request_base(const char *base);
/* A fresh server-generated key: prefix (a folder such as "excel_files/";
 * NULL or "" for none), UTC "YYYYmmddHHMMSS", 6 digits of microseconds,
 * 8 random hex digits, then ext (".jpg" when NULL/empty). */
void repo_new_key(const char *prefix, const char *ext, char *out, size_t n);

/* Write a derived file (generated image, ZIP, spreadsheet) directly. */
enum kr_code repo_put_file(struct repo *r, const char *bucket, const char *key, const void *data,
                           size_t n, struct kr_err *err);
/* Read any object by URL if it is Karat's (bounded by out->max). */
enum kr_code repo_read_url(struct repo *r, const char *url, struct buf *out, struct kr_err *err);
/* Read the object (bucket, key) into out (bounded by out->max); sha gets its
 * SHA-256 in hex: a stored photo's from its row, any other file's computed.
 * KR_ENOTFOUND when there is no such object. */
enum kr_code repo_get_file(struct repo *r, const char *bucket, const char *key, struct buf *out,
                           char sha[65], struct kr_err *err);
/* The stored photo with these bytes' SHA-256 (hex), if any: KR_ENOTFOUND
 * when none; any other code is a failed lookup, not an answer. */
enum kr_code repo_find_sha(struct repo *r, const char *sha, struct store_image *out,
                           struct kr_err *err);

/* Consistency check of rows <-> blobs <-> index. report gets human lines;
 * *problems counts real inconsistencies (leftover staging is not one). */
struct repo_fsck_stats {
    long long rows, blobs, index_entries;
    long long staged_removed, staged_published;
    long long rows_missing_blob, blobs_without_row, index_missing, index_stale;
    long long repaired;
};
enum kr_code repo_fsck(struct repo *r, int repair, struct buf *report, struct repo_fsck_stats *st,
                       long long *problems, struct kr_err *err);

/* Recompute every signature from the stored blobs and rebuild the index. */
enum kr_code repo_reindex(struct repo *r, long long *count, struct kr_err *err);

/* Adopting an object already in a bucket (the original system's), in place:
 * nothing is copied or written to the bucket (adopt.c). A photo at the root
 * is signed as an ingest signs it and gets a row at its existing key and
 * URL (a duplicate of a stored photo too: duplicate/dup_of say which); an
 * object under gen_images/ or excel_files/ is recorded as a derived file
 * (store document ns "derived_files", key "BUCKET/KEY"), not as a row.
 * adopted = 0 when it was recorded already. want_id >= 0 asks for that id
 * (the original's); id_kept says whether it was free. An object that cannot
 * be read or decoded fails with its reason and records nothing. */
struct repo_adopt_req {
    const char *bucket;
    const char *key;
    const char *website; /* recorded, may be NULL */
    int64_t want_id;     /* < 0: the id an ingest would pick */
};
struct repo_adopt_res {
    int adopted, derived, duplicate, id_kept;
    int64_t dup_of; /* the stored row it repeats, when duplicate */
    struct store_image image;
};
enum kr_code repo_adopt(struct repo *r, const struct repo_adopt_req *req,
                        struct repo_adopt_res *res, struct kr_err *err);
/* Every object of every configured bucket (published ones), for adopting,
 * page by page as the blob store lists them, with the keys it passes over
 * and why (struct blob_walk). */
enum kr_code repo_list_objects(struct repo *r, const struct blob_walk *w, struct kr_err *err);

/* Copy everything of src (an embedded folder) into dst (server mode), in
 * place of nothing: every object under the same bucket and key (objects
 * first), every row with its id (URL recomputed for dst), every document of
 * the namespaces the application keeps (SKU cache, templates, derived
 * files, jobs and their items). What dst has already is skipped, so a second
 * or interrupted run completes without doubling anything; then every row of
 * src is checked in dst (same key, same SHA-256). migrate.c. */
struct repo_migrate_stats {
    long long objects, objects_copied, rows, rows_copied, docs, docs_copied, verified;
};
enum kr_code repo_migrate(struct repo *src, struct repo *dst, struct repo_migrate_stats *st,
                          struct kr_err *err);
/* How current this node's index is with the shared store (server mode).
 * on = 0 for a store one process owns (embedded): the rest is 0. */
struct repo_sync_status {
    int on;
    long long seq;      /* the last store change replayed into the index */
    long long head;     /* the store's newest change */
    long long lag;      /* head - seq (>= 0) */
    long long since_ms; /* ms since the last complete catch-up (-1: none yet) */
    long long failures; /* catch-ups that failed (retried on the next period) */
    long long reloads;  /* index reloads because changes it had not replayed were pruned */
};
enum kr_code repo_sync_status(struct repo *r, struct repo_sync_status *st, struct kr_err *err);

/* One live check of a backend for /health (probe.c): the cheapest lookup
 * of something that does not exist (a document of the store, an object of
 * the default bucket), so "not found" is the healthy answer. */
struct repo_probe {
    const char *name;    /* "store" or "blob" (the core/bstat.h series) */
    const char *backend; /* "sqlite", "postgres", "local", "s3" */
    int ok;
    double ms;       /* the lookup's round trip */
    char error[200]; /* why not ok */
};
/* out[0]: the store, out[1]: the blob store. */
void repo_probe(struct repo *r, struct repo_probe out[2]);

size_t repo_index_count(struct repo *r);
long long repo_duplicates_found(struct repo *r);

#endif
