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
    char public_base[512];
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
};

/* Finish or undo staged writes (see repo.h). Caller holds wlock or is alone. */
enum kr_code repo__recover(struct repo *r, long long *published, long long *discarded,
                           struct kr_err *err);
/* Fill the index from the store. */
enum kr_code repo__load_index(struct repo *r, struct kr_err *err);
/* idx_add(), counted in r->idx_adds. Every index addition goes through it. */
enum kr_code repo__idx_add(struct repo *r, int64_t id, const struct dedup_sig *sig,
                           struct kr_err *err);
/* Fill m from a stored row. */
void repo__match_from(struct repo *r, struct repo_match *m, const struct store_image *img,
                      float distance, float score, int hash_dist);

#endif
