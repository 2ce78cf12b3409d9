/*
 * postgres_prune.c - keeping the change feed and the job claims from
 * growing without end (schema v4, postgres_migrate.c).
 *
 * The rule (store.h, "pruning"): a change is deleted only when it is older
 * than the retention AND every live node has replayed it, and never the
 * newest one (the head a starting node notes). A node is live when it
 * reported its progress (sync_report: last seq replayed, by the database's
 * clock) within node_ttl_ms. A node that was not live when a prune ran (a
 * stalled process, a network cut longer than the TTL) may have missed
 * deleted changes; sync_pruned holds the highest seq ever deleted, so its
 * next page request fails with changes_pruned (the page query reads the
 * mark in the same statement) and it reloads its index from the rows.
 * Without any live node, only the retention counts: a node that starts
 * later loads its index from the rows anyway.
 *
 * Claims are per job: once a job's finish step is done (its result is in
 * the docs table) its claim rows are never read again except by a take,
 * which only looks at rows not done. Deleting them all after the claims
 * retention loses nothing; the job's documents stay.
 */
#include <stdlib.h>
#include <string.h>

#include "store/postgres.h"

#define NOW_MS "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

const char *const store_pg__prune_sql[PG_NSTMT] = {
    [PG_SYNC_REPORT] = "INSERT INTO sync_nodes (node, seq, seen_ms) VALUES ($1, $2::bigint, " NOW_MS
                       ") ON CONFLICT (node) DO UPDATE SET seq = excluded.seq,"
                       " seen_ms = excluded.seen_ms",
    /* $1 changes retention ms, $2 node TTL ms */
    [PG_PRUNE_CHANGES] = "WITH t AS (SELECT " NOW_MS " AS ms),"
                         " live AS (SELECT min(n.seq) AS seq FROM sync_nodes n, t WHERE n.seen_ms "
                         ">= t.ms - $2::bigint),"
                         " top AS (SELECT coalesce(max(seq), 0) AS seq FROM image_changes),"
                         " del AS (DELETE FROM image_changes c USING t, live, top"
                         "  WHERE c.at_ms <= t.ms - $1::bigint AND c.seq < top.seq"
                         "  AND (live.seq IS NULL OR c.seq <= live.seq) RETURNING c.seq),"
                         " mark AS (UPDATE sync_pruned SET seq = greatest(sync_pruned.seq, (SELECT "
                         "max(seq) FROM del))"
                         "  WHERE EXISTS (SELECT 1 FROM del) RETURNING seq),"
                         " gone AS (DELETE FROM sync_nodes n USING t WHERE n.seen_ms < t.ms - "
                         "$2::bigint RETURNING 1)"
                         " SELECT (SELECT count(*) FROM del), (SELECT count(*) FROM gone),"
                         " coalesce((SELECT seq FROM mark), (SELECT seq FROM sync_pruned))",
    /* $1 claims retention ms */
    [PG_PRUNE_CLAIMS] = "WITH t AS (SELECT " NOW_MS " AS ms),"
                        " fin AS (SELECT job_id FROM job_claims, t WHERE idx = -1 AND done"
                        "  AND done_ms < t.ms - $1::bigint),"
                        " del AS (DELETE FROM job_claims c USING fin WHERE c.job_id = fin.job_id"
                        "  RETURNING 1)"
                        " SELECT count(*) FROM del",
};

enum kr_code store_pg__sync_report(struct store *s, const char *node, int64_t seq,
                                   struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__text(&p, node);
    store_pg__int(&p, seq);
    rc = store_pg__exec(s, PG_SYNC_REPORT, &p, &r, err);
    PQclear(r);
    return rc;
}

enum kr_code store_pg__prune(struct store *s, const struct store_prune *pr,
                             struct store_prune_res *out, struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    int64_t v[3] = {0};
    enum kr_code rc;

    store_pg__int(&p, pr->changes_retention_ms);
    store_pg__int(&p, pr->node_ttl_ms);
    rc = store_pg__exec(s, PG_PRUNE_CHANGES, &p, &r, err);
    for (int i = 0; !rc && i < 3; i++)
        rc = PQntuples(r) == 1 ? store_pg__get_i64(r, 0, i, &v[i], err)
                               : kr_fail(err, KRS_STORE_IO, "store: prune: no row");
    PQclear(r);
    if (rc)
        return rc;
    out->changes = v[0];
    out->nodes_forgotten = v[1];
    out->pruned_seq = v[2];
    memset(&p, 0, sizeof p);
    r = NULL;
    store_pg__int(&p, pr->claims_retention_ms);
    rc = store_pg__exec(s, PG_PRUNE_CLAIMS, &p, &r, err);
    if (!rc)
        rc = PQntuples(r) == 1 ? store_pg__get_i64(r, 0, 0, &v[0], err)
                               : kr_fail(err, KRS_STORE_IO, "store: prune: no row");
    if (!rc)
        out->claims = v[0];
    PQclear(r);
    return rc;
}
