/*
 * repo_int.h - what repo/'s files share; not part of the public interface.
 */
#ifndef KARAT_REPO_INT_H
#define KARAT_REPO_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "repo/repo.h"

struct repo {
    const struct config *cfg;
    char public_base[512]; /* KARAT_PUBLIC_URL, else the listen address's base */
    char listen_base[512]; /* the listen address's base (also own when they differ) */
    struct store *store;
    struct blob *blob;
    struct idx *idx;
    struct dedup_rule rule;
    pthread_mutex_t wlock; /* serialises every write: ingest, delete, fsck --repair */
    /* Held shared by an ingest from staging its blob until its row is
     * committed, exclusive by fsck/reindex: recovery never sees (and
     * discards) the staged blob of an upload still in flight. */
    pthread_rwlock_t stage_lock;
    int lock_fd; /* flock on DATA_DIR/karat.lock: one process owns a data dir */
    atomic_llong dups_found;
    /* Index additions so far (repo__idx_add, always under wlock or at
     * start-up): an ingest re-checks for duplicates under wlock only when
     * this moved since its first check. */
    atomic_llong idx_adds;
    long long recovered_published, recovered_discarded;
    /* Multi-node sync (sync.c): on when the store is shared by nodes. */
    struct {
        int on, started;
        pthread_t thread;
        pthread_mutex_t mu; /* one catch-up at a time; guards page */
        struct store_change *page;
        atomic_llong seq;     /* the last change replayed into the index */
        atomic_llong last_ms; /* epoch ms of the last complete catch-up (0: none) */
        atomic_llong failures;
        atomic_llong reloads; /* full reloads after a prune passed this node by */
        atomic_int stop;
        char node[128];   /* this process's name in the store's progress reports */
        double report_ms; /* monotonic ms of the last progress report (0: none) */
        double pruned_ms; /* monotonic ms of the last prune */
    } sync;
};

/* Finish or undo staged writes (see repo.h). Caller holds wlock or is alone. */
enum kr_code repo__recover(struct repo *r, long long *published, long long *discarded,
                           struct kr_err *err);
/* Multi-node sync (sync.c). init: before the index is loaded, note the
 * store's change head (sync stays off for a store that shares no changes);
 * start: after loading, the catch-up thread; stop: end it (repo_close).
 * catch_up: replay every change after the last one replayed into the
 * index (no-op when off); an ingest calls it under the duplicate lock. */
enum kr_code repo__sync_init(struct repo *r, struct kr_err *err);
enum kr_code repo__sync_start(struct repo *r, struct kr_err *err);
void repo__sync_stop(struct repo *r);
enum kr_code repo__sync_catch_up(struct repo *r, struct kr_err *err);
/* Fill the index from the store. */
enum kr_code repo__load_index(struct repo *r, struct kr_err *err);
/* idx_add(), counted in r->idx_adds. Every index addition goes through it. */
enum kr_code repo__idx_add(struct repo *r, int64_t id, const struct dedup_sig *sig,
                           struct kr_err *err);
/* The result of a lookup where "absent" is an answer: KR_OK and
 * KR_ENOTFOUND are returned as they are; any other failure (the lookup's
 * detail in e) is copied into err, prefixed with what was being done, and
 * returned. Callers act on KR_ENOTFOUND only, never on "not KR_OK". */
enum kr_code repo__found(enum kr_code rc, const struct kr_err *e, struct kr_err *err,
                         const char *what);
/* Log a clean-up step that failed after the operation had already failed or
 * finished; what it leaves behind is repaired by recovery or fsck. */
void repo__cleanup_failed(enum kr_code rc, const struct kr_err *e, const char *what,
                          const char *bucket, const char *key);
/* Fill m from a stored row. */
void repo__match_from(struct repo *r, struct repo_match *m, const struct store_image *img,
                      float distance, float score, int hash_dist);

/* Where an absolute http(s) URL points: scheme, host (lower case), port. */
struct repo_origin {
    int https;
    char host[256];
    long port;
};
/* 0 and *path set (what follows the authority), or -1 if url is not a plain
 * http(s) URL: user info ('@'), odd characters or a bad port are refused,
 * so no spelling can make a foreign host look like this one. */
int repo__parse_origin(const char *url, struct repo_origin *o, const char **path);

/* S3 URLs (s3url.c), when the blob backend serves objects at public URLs
 * (BLOB_PUBLIC_URLS): the public URL of the image (bucket, key) into out
 * (1), or 0 when it has none (another backend, or not an image); and the other way, 0 with bucket
 * and key when url is one of the S3 URL forms of a configured bucket, else -1. */
int repo__s3_url_for(struct repo *r, const char *bucket, const char *key, char *out, size_t n);
int repo__s3_parse(struct repo *r, const char *url, char *bucket, size_t blen, char *key,
                   size_t klen);

/* Is (bucket, key) an adopted object that could not be decoded (adopt.c)?
 * 1 yes, 0 no, -1 the lookup failed (err set). fsck leaves it alone. */
int repo__adopted_unreadable(struct repo *r, const char *bucket, const char *key,
                             struct kr_err *err);

#endif
