/*
 * postgres_claims.c - job claims of the "postgres" store backend (store.h,
 * "job claims"): leases on job items so that several nodes share one job
 * table without running an item twice.
 *
 * Table job_claims (migration 3): (job_id, idx) -> owner, token,
 * lease_until, done. Times are the database's clock (clock_timestamp(),
 * in ms), so the nodes' clocks never have to agree. Each op is one
 * statement, so it is atomic on its own:
 *   take      locks the row with SELECT ... FOR UPDATE SKIP LOCKED only if
 *             it is not done and its lease has run out (a fresh row has
 *             lease_until 0), then sets owner, lease end and token + 1. A
 *             row another node is taking right now is skipped, not waited
 *             for: the caller sees "busy" and tries again later.
 *   renew     extends every not-done lease of one owner (the heartbeat).
 *   complete  a data-modifying CTE: marks the row done only where the
 *             token and owner are still the caller's, and writes the
 *             result document only if that row changed. A node whose
 *             lease ran out and was taken over (token moved on) commits
 *             nothing: that is the fence.
 *   jobs      the job ids with work free to take, for a node looking for
 *             abandoned or unstarted work.
 */
#include <stdlib.h>
#include <string.h>

#include "store/postgres.h"

#define NOW_MS         "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
#define CLAIM_JOBS_MAX 1000 /* job ids per claim_jobs call; the rest come next time */

const char *const store_pg__claim_sql[PG_NSTMT] = {
    [PG_CLAIM_ADD] = "INSERT INTO job_claims (job_id, idx)"
                     " SELECT $1, g FROM generate_series(-1, $2::integer - 1) AS g"
                     " ON CONFLICT (job_id, idx) DO NOTHING",
    [PG_CLAIM_TAKE] = "WITH c AS (SELECT job_id, idx FROM job_claims"
                      " WHERE job_id = $1 AND idx = $2::integer AND NOT done"
                      " AND lease_until < " NOW_MS " FOR UPDATE SKIP LOCKED)"
                      " UPDATE job_claims AS j SET owner = $3, token = j.token + 1,"
                      " lease_until = " NOW_MS " + $4::bigint"
                      " FROM c WHERE j.job_id = c.job_id AND j.idx = c.idx RETURNING j.token",
    [PG_CLAIM_RENEW] = "UPDATE job_claims SET lease_until = " NOW_MS " + $2::bigint"
                       " WHERE owner = $1 AND NOT done",
    [PG_CLAIM_COMPLETE] =
        "WITH c AS (UPDATE job_claims SET done = true, lease_until = 0, done_ms = " NOW_MS
        " WHERE job_id = $1 AND idx = $2::integer AND token = $3::bigint AND owner = $4"
        " AND NOT done RETURNING 1)"
        " INSERT INTO docs (ns, \"key\", json, updated_ms) SELECT $5, $6, $7, " NOW_MS " FROM c"
        " ON CONFLICT (ns, \"key\") DO UPDATE"
        " SET json = excluded.json, updated_ms = excluded.updated_ms RETURNING 1",
    [PG_CLAIM_JOBS] = "SELECT DISTINCT job_id FROM job_claims AS f"
                      " WHERE NOT done AND lease_until < " NOW_MS
                      " AND (idx >= 0 OR NOT EXISTS (SELECT 1 FROM job_claims AS i"
                      " WHERE i.job_id = f.job_id AND i.idx >= 0 AND NOT i.done))"
                      " ORDER BY job_id LIMIT $1",
};

enum kr_code store_pg__claim_add(struct store *s, const char *job_id, int n, struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__text(&p, job_id);
    store_pg__int(&p, n);
    rc = store_pg__exec(s, PG_CLAIM_ADD, &p, &r, err);
    PQclear(r);
    return rc;
}

enum kr_code store_pg__claim_take(struct store *s, struct store_claim *c, struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__text(&p, c->job_id);
    store_pg__int(&p, c->index);
    store_pg__text(&p, c->owner);
    store_pg__int(&p, c->lease_ms);
    rc = store_pg__exec(s, PG_CLAIM_TAKE, &p, &r, err);
    if (!rc && PQntuples(r) == 0)
        rc = kr_fail(err, KRS_CLAIM_BUSY, "store: job %s item %d is done or held elsewhere",
                     c->job_id, c->index);
    else if (!rc)
        rc = store_pg__get_i64(r, 0, 0, &c->token, err);
    PQclear(r);
    return rc;
}

enum kr_code store_pg__claim_renew(struct store *s, const char *owner, long lease_ms,
                                   struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__text(&p, owner);
    store_pg__int(&p, lease_ms);
    rc = store_pg__exec(s, PG_CLAIM_RENEW, &p, &r, err);
    PQclear(r);
    return rc;
}

enum kr_code store_pg__claim_complete(struct store *s, const struct store_claim *c,
                                      const struct store_claim_doc *d, struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__text(&p, c->job_id);
    store_pg__int(&p, c->index);
    store_pg__int(&p, (long long)c->token);
    store_pg__text(&p, c->owner);
    store_pg__text(&p, d->ns);
    store_pg__text(&p, d->key);
    store_pg__text(&p, d->json);
    rc = store_pg__exec(s, PG_CLAIM_COMPLETE, &p, &r, err);
    if (!rc && PQntuples(r) == 0)
        rc = kr_fail(err, KRS_CLAIM_LOST, "store: job %s item %d: lease lost to another node",
                     c->job_id, c->index);
    PQclear(r);
    return rc;
}

enum kr_code store_pg__claim_jobs(struct store *s, int (*cb)(const char *job_id, void *ctx),
                                  void *ctx, struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    char **ids = NULL;
    int n = 0;
    enum kr_code rc;

    store_pg__int(&p, CLAIM_JOBS_MAX);
    rc = store_pg__exec(s, PG_CLAIM_JOBS, &p, &r, err);
    if (rc)
        return rc;
    /* Copied out first: the callback may use the store (pool of one). */
    n = PQntuples(r);
    ids = calloc((size_t)n + 1, sizeof *ids);
    for (int i = 0; ids && i < n; i++)
        if (!(ids[i] = strdup(PQgetvalue(r, i, 0))))
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    if (!ids)
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    PQclear(r);
    for (int i = 0; !rc && i < n && !cb(ids[i], ctx); i++)
        ;
    for (int i = 0; ids && i < n; i++)
        free(ids[i]);
    free(ids);
    return rc;
}
