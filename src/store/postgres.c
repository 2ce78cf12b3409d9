/*
 * postgres.c - the "postgres" store backend: location parsing, the bounded
 * connection pool, running prepared statements, error mapping, open/close.
 * Documents are in postgres_docs.c, images in postgres_images.c, the
 * schema in postgres_migrate.c; the model is described in postgres.h.
 *
 * Error mapping goes by SQLSTATE class, never by message text. A result
 * without a SQLSTATE (the connection dropped mid-call) and class 08
 * (connection exception) or 57P (the server shutting down) are KR_EIO and
 * mark the connection broken, so it is closed rather than pooled.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "store/postgres.h"

extern const struct store_ops store_postgres_ops;

struct pg_store *store_pg__of(struct store *s)
{
    if (!s || s->ops != &store_postgres_ops)
        abort();
    return (struct pg_store *)s;
}

long long store_pg__round_trips(struct store *s)
{
    return atomic_load(&store_pg__of(s)->round_trips);
}

/* ---- parameters and results ------------------------------------------------ */

void store_pg__text(struct pg_params *p, const char *v)
{
    p->v[p->n] = v;
    p->len[p->n] = 0;
    p->fmt[p->n++] = 0;
}

void store_pg__int(struct pg_params *p, long long v)
{
    snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", v);
    store_pg__text(p, p->num[p->n]);
}

void store_pg__bin(struct pg_params *p, const void *v, int len)
{
    p->v[p->n] = v;
    p->len[p->n] = len;
    p->fmt[p->n++] = 1;
}

long long store_pg__changes(const PGresult *res)
{
    const char *t = PQcmdTuples((PGresult *)res);
    return t && *t ? strtoll(t, NULL, 10) : 0;
}

static enum kr_code bad_column(const PGresult *r, int col, struct kr_err *err)
{
    return kr_fail(err, KRS_STORE_CORRUPT, "store: column %s has an unexpected value",
                   PQfname(r, col));
}

enum kr_code store_pg__get_i64(const PGresult *r, int row, int col, int64_t *v, struct kr_err *err)
{
    const unsigned char *b = (const unsigned char *)PQgetvalue(r, row, col);
    uint64_t u = 0;

    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
        return bad_column(r, col, err);
    for (int i = 0; i < 8; i++)
        u = (u << 8) | b[i];
    *v = (int64_t)u;
    return KR_OK;
}

enum kr_code store_pg__get_i32(const PGresult *r, int row, int col, int *v, struct kr_err *err)
{
    const unsigned char *b = (const unsigned char *)PQgetvalue(r, row, col);
    uint32_t u = 0;

    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 4)
        return bad_column(r, col, err);
    for (int i = 0; i < 4; i++)
        u = (u << 8) | b[i];
    *v = (int)(int32_t)u;
    return KR_OK;
}

/* ---- errors ---------------------------------------------------------------- */

/* 1 if the failure means the connection is unusable. */
static int conn_lost(PGconn *db, const char *state)
{
    return !db || PQstatus(db) != CONNECTION_OK || !state || strncmp(state, "08", 2) == 0 ||
           strncmp(state, "57P", 3) == 0;
}

enum kr_code store_pg__fail(PGconn *db, const PGresult *res, const char *what, struct kr_err *err)
{
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : db ? PQerrorMessage(db) : "no connection";
    char clean[256];

    util_strlcpy(clean, msg && *msg ? msg : "unknown error", sizeof clean);
    clean[strcspn(clean, "\n")] = '\0';
    if (!st || conn_lost(db, st))
        return kr_fail(err, KRS_STORE_IO, "store: %s: %s", what, clean);
    if (strcmp(st, "23505") == 0)
        return kr_fail(err, KRS_STORE_CONFLICT, "store: %s: %s", what, clean);
    if (strncmp(st, "23", 2) == 0)
        return kr_fail(err, KRS_STORE_CONSTRAINT, "store: %s: %s", what, clean);
    if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0 ||
        strcmp(st, "57014") == 0)
        return kr_fail(err, KRS_STORE_BUSY, "store: %s: %s", what, clean);
    if (strcmp(st, "53200") == 0)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "store: %s: %s", what, clean);
    if (strncmp(st, "54", 2) == 0)
        return kr_fail(err, KRS_TOO_LARGE, "store: %s: %s", what, clean);
    if (strncmp(st, "22", 2) == 0)
        return kr_fail(err, KRS_STORE_BAD_VALUE, "store: %s: %s", what, clean);
    return kr_fail(err, KRS_STORE_IO, "store: %s: %s", what, clean);
}

/* ---- the pool -------------------------------------------------------------- */

static void conn_close(struct pg_conn *c)
{
    if (c) {
        PQfinish(c->db);
        free(c);
    }
}

/* Server notices (a full-text query of stop words only, IF NOT EXISTS...)
 * are not errors and library code never prints: libpq's default printer
 * to stderr is replaced by this one, which drops them. */
static void drop_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static enum kr_code conn_open(const struct pg_store *s, struct pg_conn **out, struct kr_err *err)
{
    struct pg_conn *c = calloc(1, sizeof *c);

    if (!c)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    c->db = PQconnectdb(s->conninfo);
    if (!c->db || PQstatus(c->db) != CONNECTION_OK) {
        enum kr_code rc = c->db ? store_pg__fail(c->db, NULL, "connect", err)
                                : kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
        conn_close(c);
        return rc;
    }
    PQsetNoticeProcessor(c->db, drop_notice, NULL);
    *out = c;
    return KR_OK;
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

enum kr_code store_pg__acquire(struct pg_store *s, struct pg_conn **out, struct kr_err *err)
{
    struct timespec until;
    struct pg_conn *c = NULL;
    int timed_out = 0, open_new = 0;
    enum kr_code rc;

    deadline_in(&until, s->wait_ms);
    pthread_mutex_lock(&s->mu);
    while (!s->idle && s->nopen >= s->pool_max && !timed_out)
        timed_out = pthread_cond_timedwait(&s->freed, &s->mu, &until) == ETIMEDOUT;
    if (s->idle) {
        c = s->idle;
        s->idle = c->next;
    } else if (s->nopen < s->pool_max) {
        s->nopen++; /* the slot is ours while we connect */
        open_new = 1;
    }
    pthread_mutex_unlock(&s->mu);
    if (c) {
        *out = c;
        return KR_OK;
    }
    if (!open_new)
        return kr_fail(err, KRS_STORE_BUSY,
                       "store: all %d database connections stayed busy for %d ms", s->pool_max,
                       s->wait_ms);
    rc = conn_open(s, out, err);
    if (rc)
        store_pg__release(s, NULL, 1);
    return rc;
}

void store_pg__release(struct pg_store *s, struct pg_conn *c, int broken)
{
    if (c && !broken && PQtransactionStatus(c->db) != PQTRANS_IDLE)
        broken = 1; /* never hand on a transaction or a call in flight */
    pthread_mutex_lock(&s->mu);
    if (c && !broken) {
        c->next = s->idle;
        s->idle = c;
    } else {
        s->nopen--;
    }
    pthread_cond_signal(&s->freed);
    pthread_mutex_unlock(&s->mu);
    if (broken)
        conn_close(c);
}

/* ---- running statements ---------------------------------------------------- */

static const char *stmt_sql(enum pg_stmt id)
{
    if (store_pg__claim_sql[id])
        return store_pg__claim_sql[id];
    if (store_pg__product_sql[id])
        return store_pg__product_sql[id];
    if (store_pg__watch_sql[id])
        return store_pg__watch_sql[id];
    if (store_pg__prune_sql[id])
        return store_pg__prune_sql[id];
    return store_pg__doc_sql[id]    ? store_pg__doc_sql[id]
           : store_pg__sync_sql[id] ? store_pg__sync_sql[id]
                                    : store_pg__image_sql[id];
}

/* Run id once on c. KR_OK with *res, or the mapped failure (*lost set when
 * the connection is gone). */
static enum kr_code run_once(struct pg_conn *c, enum pg_stmt id, const struct pg_params *p,
                             PGresult **res, int *lost, struct kr_err *err)
{
    char name[16];
    PGresult *r;
    enum kr_code rc;
    ExecStatusType st;

    snprintf(name, sizeof name, "k%d", (int)id);
    if (!(c->prepared & (1ULL << id))) {
        r = PQprepare(c->db, name, stmt_sql(id), 0, NULL);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
            rc = store_pg__fail(c->db, r, "prepare", err);
            *lost = conn_lost(c->db, r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL);
            PQclear(r);
            return rc;
        }
        PQclear(r);
        c->prepared |= 1ULL << id;
    }
    r = PQexecPrepared(c->db, name, p ? p->n : 0, p ? p->v : NULL, p ? p->len : NULL,
                       p ? p->fmt : NULL, 1);
    st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        *res = r;
        return KR_OK;
    }
    rc = store_pg__fail(c->db, r, stmt_sql(id), err);
    *lost = conn_lost(c->db, r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL);
    PQclear(r);
    return rc;
}

static int is_read(enum pg_stmt id)
{
    return id == PG_IMG_GET || id == PG_IMG_FIND_KEY || id == PG_IMG_FIND_URL ||
           id == PG_IMG_FIND_SHA || id == PG_IMG_PAGE || id == PG_IMG_COUNT ||
           id == PG_IMG_GET_IDS || id == PG_DOC_GET || id == PG_DOC_FIRST_PAGE ||
           id == PG_DOC_PAGE || id == PG_SYNC_HEAD || id == PG_SYNC_PAGE || id == PG_CLAIM_JOBS;
}

enum kr_code store_pg__exec(struct store *s, enum pg_stmt id, const struct pg_params *p,
                            PGresult **res, struct kr_err *err)
{
    struct pg_store *q = store_pg__of(s);
    struct pg_conn *c = NULL;
    enum kr_code rc = KR_OK;
    int lost = 0;

    *res = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        rc = store_pg__acquire(q, &c, err);
        if (rc)
            return rc;
        lost = 0;
        atomic_fetch_add(&q->round_trips, (c->prepared & (1ULL << id)) ? 1 : 2); /* + prepare */
        rc = run_once(c, id, p, res, &lost, err);
        store_pg__release(q, c, lost);
        if (!rc || !lost || !is_read(id))
            break;
    }
    return rc;
}

/* A command without parameters on c (BEGIN, COMMIT). */
static enum kr_code plain(struct pg_conn *c, const char *sql, int *lost, struct kr_err *err)
{
    PGresult *r = PQexec(c->db, sql);
    enum kr_code rc =
        r && PQresultStatus(r) == PGRES_COMMAND_OK ? KR_OK : store_pg__fail(c->db, r, sql, err);
    if (rc)
        *lost = conn_lost(c->db, r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL);
    PQclear(r);
    return rc;
}

enum kr_code store_pg__exec_batch(struct store *s, enum pg_stmt id, const struct pg_params *p,
                                  int n, struct kr_err *err)
{
    struct pg_store *q = store_pg__of(s);
    struct pg_conn *c = NULL;
    int lost = 0;
    enum kr_code rc = store_pg__acquire(q, &c, err);

    if (rc)
        return rc;
    rc = plain(c, "BEGIN", &lost, err);
    for (int i = 0; !rc && i < n; i++) {
        PGresult *r = NULL;
        rc = run_once(c, id, &p[i], &r, &lost, err);
        PQclear(r);
    }
    if (!rc)
        rc = plain(c, "COMMIT", &lost, err);
    else if (!lost)
        PQclear(PQexec(c->db, "ROLLBACK"));
    store_pg__release(q, c, lost);
    return rc;
}

/* ---- open / close ---------------------------------------------------------- */

/* Read the "pool=N;" and "wait_ms=M;" prefixes of a location. */
static enum kr_code parse_location(struct pg_store *q, const char *loc, struct kr_err *err)
{
    q->pool_max = 8;
    q->wait_ms = 10000;
    for (;;) {
        int *field = strncmp(loc, "pool=", 5) == 0      ? &q->pool_max
                     : strncmp(loc, "wait_ms=", 8) == 0 ? &q->wait_ms
                                                        : NULL;
        char *end;
        long v;

        if (!field)
            break;
        v = strtol(strchr(loc, '=') + 1, &end, 10);
        if (*end != ';' || v < 1 || v > (field == &q->pool_max ? PG_POOL_MAX : 3600000))
            return kr_fail(err, KRS_BAD_LOCATION, "store: bad pool setting in location");
        *field = (int)v;
        loc = end + 1;
    }
    if (!*loc)
        return kr_fail(err, KRS_BAD_LOCATION, "store: need a PostgreSQL connection string");
    if (util_strlcpy(q->conninfo, loc, sizeof q->conninfo) >= sizeof q->conninfo)
        return kr_fail(err, KRS_PATH_TOO_LONG, "store: connection string too long");
    return KR_OK;
}

/* The connection string must parse (without a round trip, and without
 * echoing it: it may hold a password). */
static enum kr_code check_conninfo(const char *conninfo, struct kr_err *err)
{
    char *why = NULL;
    PQconninfoOption *o = PQconninfoParse(conninfo, &why);
    enum kr_code rc = KR_OK;

    if (!o) {
        char clean[200];
        util_strlcpy(clean, why ? why : "out of memory", sizeof clean);
        clean[strcspn(clean, "\n")] = '\0';
        rc = kr_fail(err, KRS_BAD_LOCATION, "store: bad KARAT_DATABASE_URL: %s", clean);
    }
    PQconninfoFree(o);
    PQfreemem(why);
    return rc;
}

static void pg_close(struct store *s)
{
    struct pg_store *q = store_pg__of(s);

    store_pg__sync_close(q);
    while (q->idle) {
        struct pg_conn *c = q->idle;
        q->idle = c->next;
        conn_close(c);
    }
    pthread_cond_destroy(&q->freed);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

static enum kr_code pg_open(const char *location, struct store **out, struct kr_err *err)
{
    struct pg_store *q = calloc(1, sizeof *q);
    struct pg_conn *c = NULL;
    pthread_condattr_t ca;
    enum kr_code rc;

    if (!q)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    q->base.ops = &store_postgres_ops;
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->freed, &ca);
    pthread_condattr_destroy(&ca);
    rc = location ? parse_location(q, location, err)
                  : kr_fail(err, KRS_BAD_LOCATION, "store: missing location");
    if (!rc)
        rc = check_conninfo(q->conninfo, err);
    if (!rc)
        rc = store_pg__acquire(q, &c, err);
    if (!rc) {
        rc = store_pg__migrate(c->db, err);
        store_pg__release(q, c, rc != KR_OK);
    }
    if (rc) {
        pg_close(&q->base);
        return rc;
    }
    *out = &q->base;
    return KR_OK;
}

const struct store_ops store_postgres_ops = {
    .name = "postgres",
    .open = pg_open,
    .image_insert = store_pg__image_insert,
    .image_delete = store_pg__image_delete,
    .image_get = store_pg__image_get,
    .image_find_key = store_pg__image_find_key,
    .image_find_url = store_pg__image_find_url,
    .image_find_sha = store_pg__image_find_sha,
    .image_update_sig = store_pg__image_update_sig,
    .image_each = store_pg__image_each,
    .image_count = store_pg__image_count,
    .image_get_ids = store_pg__image_get_ids,
    .image_sigs = store_pg__image_sigs,
    .doc_put = store_pg__doc_put,
    .doc_add = store_pg__doc_add,
    .doc_get = store_pg__doc_get,
    .doc_delete = store_pg__doc_delete,
    .doc_each = store_pg__doc_each,
    .close = pg_close,
    /* multi-node sync (postgres_sync.c, branch h-sync) */
    .change_head = store_pg__change_head,
    .changes = store_pg__changes_since,
    .change_wait = store_pg__change_wait,
    .dedup_lock = store_pg__dedup_lock,
    .dedup_unlock = store_pg__dedup_unlock,
    .claim_add = store_pg__claim_add,
    .claim_take = store_pg__claim_take,
    .claim_renew = store_pg__claim_renew,
    .claim_complete = store_pg__claim_complete,
    .claim_jobs = store_pg__claim_jobs,
    .product_put = store_pg__product_put,
    .product_delete = store_pg__product_delete,
    .product_query = store_pg__product_query,
    .product_word_docs = store_pg__product_word_docs,
    .embedding_get = store_pg__embedding_get,
    .embedding_put = store_pg__embedding_put,
    .watch_add = store_pg__watch_add,
    .watch_delete = store_pg__watch_delete,
    .watch_each = store_pg__watch_each,
    .watch_observe = store_pg__watch_observe,
    .watch_history = store_pg__watch_history,
    .sync_report = store_pg__sync_report,
    .prune = store_pg__prune,
};
