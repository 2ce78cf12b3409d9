/*
 * embedded.c - the "embedded" index backend: storage, the id map, updates.
 *
 * Everything lives in process memory (layout in embedded.h); the index is a
 * cache of the store, rebuilt from it at start-up, so nothing is persisted.
 * One pthread rwlock guards the arrays: queries take it shared, add/remove
 * take it exclusive. Queries are in embedded_query.c.
 *
 * Options (`opts`, may be NULL or "", comma-separated): "capacity=N"
 * reserves room for N entries up front (start-up knows the store's row
 * count), which avoids regrowing the arrays while loading; "scan=K" forces
 * the duplicate scan's kernel K (generic, avx2, avx512; default auto, the
 * fastest this CPU runs; embedded_scan.c), for tests and benches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "index/index_int.h"

#define EMB_EMPTY       UINT32_MAX
#define EMB_MAX_ENTRIES (1u << 30)
#define EMB_MIN_CAP     1024

extern const struct idx_ops idx_embedded_ops;

struct emb_idx *idx__emb_of(struct idx *ix)
{
    if (!ix || ix->ops != &idx_embedded_ops)
        abort();
    return (struct emb_idx *)ix;
}

/* ---- id -> slot map -------------------------------------------------------- */

static size_t home_of(const struct emb_idx *e, int64_t id)
{
    uint64_t x = (uint64_t)id; /* splitmix64 finaliser */
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return (size_t)(x ^ (x >> 31)) & e->tmask;
}

/* Table position holding id, or the empty position where it would go. */
static size_t probe(const struct emb_idx *e, int64_t id)
{
    size_t p = home_of(e, id);
    while (e->table[p] != EMB_EMPTY && e->ids[e->table[p]] != id)
        p = (p + 1) & e->tmask;
    return p;
}

long idx__emb_slot(const struct emb_idx *e, int64_t id)
{
    uint32_t s = e->table[probe(e, id)];
    return s == EMB_EMPTY ? -1 : (long)s;
}

/* Empty position p and shift later members of the probe run back into it,
 * so lookups never need tombstones. */
static void table_delete(struct emb_idx *e, size_t p)
{
    size_t j = p;

    e->table[p] = EMB_EMPTY;
    for (;;) {
        j = (j + 1) & e->tmask;
        if (e->table[j] == EMB_EMPTY)
            return;
        size_t k = home_of(e, e->ids[e->table[j]]);
        /* The entry at j may move to p only if its home is not in (p, j]. */
        int stays = p <= j ? (p < k && k <= j) : (p < k || k <= j);
        if (stays)
            continue;
        e->table[p] = e->table[j];
        e->table[j] = EMB_EMPTY;
        p = j;
    }
}

static int table_resize(struct emb_idx *e, size_t size)
{
    uint32_t *t = malloc(size * sizeof *t);

    if (!t)
        return -1;
    memset(t, 0xff, size * sizeof *t);
    free(e->table);
    e->table = t;
    e->tmask = size - 1;
    for (size_t s = 0; s < e->n; s++)
        e->table[probe(e, e->ids[s])] = (uint32_t)s;
    return 0;
}

/* ---- storage --------------------------------------------------------------- */

static int grow_to(struct emb_idx *e, size_t cap)
{
    int64_t *ids;
    int8_t *descs;
    uint8_t *resid;
    uint8_t **vkeys;
    size_t tsize = e->tmask + 1;

    if (cap <= e->cap)
        return 0;
    ids = realloc(e->ids, cap * sizeof *ids);
    if (ids)
        e->ids = ids;
    for (int w = 0; w < EMB_WORDS; w++) {
        uint64_t *h = ids ? realloc(e->hw[w], cap * sizeof *h) : NULL;
        if (!h)
            return -1;
        e->hw[w] = h;
    }
    descs = realloc(e->descs, cap * DEDUP_DESC_DIM);
    if (descs)
        e->descs = descs;
    resid = descs ? realloc(e->resid, cap) : NULL;
    if (resid)
        e->resid = resid;
    vkeys = resid ? realloc(e->vkeys, cap * sizeof *vkeys) : NULL;
    if (!vkeys)
        return -1;
    e->vkeys = vkeys;
    memset(vkeys + e->cap, 0, (cap - e->cap) * sizeof *vkeys);
    e->cap = cap;
    while (tsize < 2 * cap)
        tsize *= 2;
    return tsize != e->tmask + 1 ? table_resize(e, tsize) : 0;
}

/* 0, or (slot s unchanged) -1 when the scene keys find no memory,
 * -2 when s is beyond the scene postings' slot range. */
static int put_slot(struct emb_idx *e, size_t s, int64_t id, const struct dedup_sig *sig)
{
    int rc = idx__emb_scene_put(e, s, sig);

    if (rc != 0)
        return rc;
    e->ids[s] = id;
    for (int w = 0; w < EMB_WORDS; w++)
        memcpy(&e->hw[w][s], sig->hash + 8 * w, 8);
    e->resid[s] = idx__emb_quantise(sig->desc, e->descs + s * DEDUP_DESC_DIM);
    return 0;
}

static void move_slot(struct emb_idx *e, size_t to, size_t from)
{
    e->ids[to] = e->ids[from];
    for (int w = 0; w < EMB_WORDS; w++)
        e->hw[w][to] = e->hw[w][from];
    memcpy(e->descs + to * DEDUP_DESC_DIM, e->descs + from * DEDUP_DESC_DIM, DEDUP_DESC_DIM);
    e->resid[to] = e->resid[from];
    idx__emb_scene_move(e, to, from);
}

/* The scan= option: "auto" (the fastest kernel this CPU runs), or one
 * kernel forced (tests and benches compare them; a kernel this CPU lacks
 * is refused). */
static enum kr_code parse_scan(const char *v, enum emb_scan *scan, struct kr_err *err)
{
    static const struct {
        const char *name;
        enum emb_scan k;
    } names[] = {{"auto", EMB_SCAN_AUTO},
                 {"generic", EMB_SCAN_GENERIC},
                 {"avx2", EMB_SCAN_AVX2},
                 {"avx512", EMB_SCAN_AVX512}};

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(v, names[i].name)) {
            if (!idx__emb_scan_kernel(names[i].k))
                return kr_fail(err, KRS_BAD_INDEX_OPTS, "index: this CPU cannot run scan=%s", v);
            *scan = names[i].k;
            return KR_OK;
        }
    return kr_fail(err, KRS_BAD_INDEX_OPTS, "index: unknown scan '%s'", v);
}

/* One "key=value" of the options (the part of s before the next comma). */
static enum kr_code parse_opt(const char *s, size_t len, size_t *capacity, enum emb_scan *scan,
                              struct kr_err *err)
{
    char buf[64], *end;
    long long v;

    if (len >= sizeof buf)
        return kr_fail(err, KRS_BAD_INDEX_OPTS, "index: option too long");
    memcpy(buf, s, len);
    buf[len] = 0;
    if (!strncmp(buf, "scan=", 5))
        return parse_scan(buf + 5, scan, err);
    if (strncmp(buf, "capacity=", 9) != 0)
        return kr_fail(err, KRS_BAD_INDEX_OPTS, "index: unknown option '%s'", buf);
    errno = 0;
    v = strtoll(buf + 9, &end, 10);
    if (errno || end == buf + 9 || *end || v < 0 || v > EMB_MAX_ENTRIES)
        return kr_fail(err, KRS_BAD_INDEX_OPTS, "index: bad capacity '%s'", buf + 9);
    *capacity = (size_t)v;
    return KR_OK;
}

static enum kr_code parse_opts(const char *opts, size_t *capacity, enum emb_scan *scan,
                               struct kr_err *err)
{
    *capacity = 0;
    *scan = EMB_SCAN_AUTO;
    while (opts && *opts) {
        size_t len = strcspn(opts, ",");
        enum kr_code rc = parse_opt(opts, len, capacity, scan, err);
        if (rc)
            return rc;
        opts += len + (opts[len] == ',');
    }
    return KR_OK;
}

static void emb_close(struct idx *ix)
{
    struct emb_idx *e = idx__emb_of(ix);
    pthread_rwlock_destroy(&e->lock);
    for (size_t s = 0; s < e->n; s++)
        free(e->vkeys[s]);
    free(e->vkeys);
    idx__emb_vote_free(e);
    free(e->ids);
    for (int w = 0; w < EMB_WORDS; w++)
        free(e->hw[w]);
    free(e->descs);
    free(e->resid);
    free(e->table);
    free(e);
}

static enum kr_code emb_open(const char *opts, struct idx **out, struct kr_err *err)
{
    struct emb_idx *e;
    size_t cap;
    enum emb_scan scan;
    enum kr_code rc = parse_opts(opts, &cap, &scan, err);

    if (rc)
        return rc;
    e = calloc(1, sizeof *e);
    if (!e)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "index: out of memory");
    e->base.ops = &idx_embedded_ops;
    e->scan = scan;
    if (pthread_rwlock_init(&e->lock, NULL) != 0) {
        free(e);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "index: cannot create lock");
    }
    if (table_resize(e, 2 * EMB_MIN_CAP) != 0 ||
        grow_to(e, cap > EMB_MIN_CAP ? cap : EMB_MIN_CAP) != 0) {
        emb_close(&e->base);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "index: out of memory reserving %zu entries", cap);
    }
    *out = &e->base;
    return KR_OK;
}

/* The error of a put_slot result (KR_OK for 0). */
static enum kr_code put_failed(const struct emb_idx *e, int put, struct kr_err *err)
{
    if (put == -2)
        return kr_fail(err, KRS_INDEX_FULL,
                       "index: a scene photo needs one of the first %zu entries (the scene "
                       "candidates' postings are 3 bytes); this index holds %zu",
                       idx__emb_vote_slots(e), e->n);
    if (put != 0)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "index: out of memory for scene keys");
    return KR_OK;
}

static enum kr_code emb_add(struct idx *ix, int64_t id, const struct dedup_sig *sig,
                            struct kr_err *err)
{
    struct emb_idx *e = idx__emb_of(ix);
    enum kr_code rc = KR_OK;
    long s;

    pthread_rwlock_wrlock(&e->lock);
    s = idx__emb_slot(e, id);
    if (s >= 0) {
        rc = put_failed(e, put_slot(e, (size_t)s, id, sig), err);
        goto out;
    }
    if (e->n >= EMB_MAX_ENTRIES) {
        rc = kr_fail(err, KRS_INDEX_FULL, "index: %u entries is the limit", EMB_MAX_ENTRIES);
        goto out;
    }
    if (e->n == e->cap && grow_to(e, e->cap * 2) != 0) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "index: out of memory growing to %zu", e->cap * 2);
        goto out;
    }
    rc = put_failed(e, put_slot(e, e->n, id, sig), err);
    if (rc != KR_OK)
        goto out;
    e->table[probe(e, id)] = (uint32_t)e->n;
    e->n++;
out:
    pthread_rwlock_unlock(&e->lock);
    return rc;
}

static enum kr_code emb_remove(struct idx *ix, int64_t id, struct kr_err *err)
{
    struct emb_idx *e = idx__emb_of(ix);
    size_t p, s, last;

    pthread_rwlock_wrlock(&e->lock);
    p = probe(e, id);
    if (e->table[p] == EMB_EMPTY) {
        pthread_rwlock_unlock(&e->lock);
        return kr_fail(err, KRS_NOT_INDEXED, "index: id %lld is not indexed", (long long)id);
    }
    s = e->table[p];
    last = e->n - 1;
    table_delete(e, p);
    idx__emb_scene_drop(e, s);
    if (s != last) {
        move_slot(e, s, last);
        e->table[probe(e, e->ids[s])] = (uint32_t)s;
    }
    e->n--;
    pthread_rwlock_unlock(&e->lock);
    return KR_OK;
}

static int emb_contains(struct idx *ix, int64_t id)
{
    struct emb_idx *e = idx__emb_of(ix);
    int found;

    pthread_rwlock_rdlock(&e->lock);
    found = idx__emb_slot(e, id) >= 0;
    pthread_rwlock_unlock(&e->lock);
    return found;
}

static size_t emb_count(struct idx *ix)
{
    struct emb_idx *e = idx__emb_of(ix);
    size_t n;

    pthread_rwlock_rdlock(&e->lock);
    n = e->n;
    pthread_rwlock_unlock(&e->lock);
    return n;
}

/* Walk a snapshot of the ids without the lock, so cb may call back into the
 * index (e.g. remove what fsck found stale). */
static void emb_each(struct idx *ix, int (*cb)(int64_t id, void *ctx), void *ctx)
{
    struct emb_idx *e = idx__emb_of(ix);
    int64_t *snap;
    size_t n;

    pthread_rwlock_rdlock(&e->lock);
    n = e->n;
    snap = malloc((n ? n : 1) * sizeof *snap);
    if (snap)
        memcpy(snap, e->ids, n * sizeof *snap);
    pthread_rwlock_unlock(&e->lock);
    if (!snap)
        return; /* no way to report: each() has no error channel */
    for (size_t i = 0; i < n; i++)
        if (cb(snap[i], ctx))
            break;
    free(snap);
}

static void emb_set_source(struct idx *ix, idx_source_fn fn, void *ctx)
{
    struct emb_idx *e = idx__emb_of(ix);

    pthread_rwlock_wrlock(&e->lock);
    e->source = fn;
    e->source_ctx = fn ? ctx : NULL;
    pthread_rwlock_unlock(&e->lock);
}

const struct idx_ops idx_embedded_ops = {
    .name = "embedded",
    .open = emb_open,
    .add = emb_add,
    .remove = emb_remove,
    .find_dups = idx__emb_find_dups,
    .search = idx__emb_search,
    .contains = emb_contains,
    .count = emb_count,
    .each = emb_each,
    .close = emb_close,
    .set_source = emb_set_source,
};
