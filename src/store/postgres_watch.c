/*
 * postgres_watch.c - the market watch list of the "postgres" store backend:
 * the tables watches and watch_obs (schema v8, postgres_migrate.c). Same
 * contract as sqlite_watch.c; the observations go with their watch through
 * ON DELETE CASCADE, so a delete is one statement. Results come back in
 * binary form: integers decoded by size, the price cast to text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres.h"

const char *const store_pg__watch_sql[PG_NSTMT] = {
    [PG_WATCH_ADD] = "INSERT INTO watches (market, item, query, created_ms)"
                     " VALUES ($1, $2, $3, $4) RETURNING id",
    [PG_WATCH_DELETE] = "DELETE FROM watches WHERE id = $1",
    [PG_WATCH_EACH] = "SELECT id, market, item, query, created_ms FROM watches"
                      " WHERE $1::bigint = 0 OR id = $1 ORDER BY id",
    [PG_WATCH_OBSERVE] = "INSERT INTO watch_obs (watch_id, at_ms, page, rank, sponsored, price,"
                         " offers, error) VALUES ($1, $2, $3, $4, $5, $6::float8, $7, $8)",
    [PG_WATCH_HISTORY] = "SELECT watch_id, at_ms, page, rank, sponsored, price::text, offers,"
                         " error FROM watch_obs WHERE watch_id = $1"
                         " ORDER BY at_ms DESC, ctid DESC LIMIT $2",
};

enum kr_code store_pg__watch_add(struct store *s, const struct store_watch *w, int64_t *id,
                                 struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__text(&p, w->market);
    store_pg__text(&p, w->item);
    store_pg__text(&p, w->query);
    store_pg__int(&p, (long long)w->created_ms);
    rc = store_pg__exec(s, PG_WATCH_ADD, &p, &r, err);
    if (!rc)
        rc = PQntuples(r) == 1 ? store_pg__get_i64(r, 0, 0, id, err)
                               : kr_fail(err, KRS_STORE_CORRUPT, "store: add watch: no id");
    PQclear(r);
    return rc;
}

enum kr_code store_pg__watch_delete(struct store *s, int64_t id, struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__int(&p, (long long)id);
    rc = store_pg__exec(s, PG_WATCH_DELETE, &p, &r, err);
    if (!rc && store_pg__changes(r) == 0)
        rc = kr_fail(err, KRS_WATCH_NOT_FOUND, "no watch %lld", (long long)id);
    PQclear(r);
    return rc;
}

enum kr_code store_pg__watch_each(struct store *s, int64_t id, store_watch_cb cb, void *ctx,
                                  struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__int(&p, (long long)id);
    rc = store_pg__exec(s, PG_WATCH_EACH, &p, &r, err);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        struct store_watch w = {0, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                                0};
        rc = store_pg__get_i64(r, i, 0, &w.id, err);
        if (!rc)
            rc = store_pg__get_i64(r, i, 4, &w.created_ms, err);
        if (!rc && cb(&w, ctx))
            break;
    }
    PQclear(r);
    return rc;
}

enum kr_code store_pg__watch_observe(struct store *s, const struct store_watch_obs *o,
                                     struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    char price[40];
    enum kr_code rc;

    snprintf(price, sizeof price, "%.17g", o->price);
    store_pg__int(&p, (long long)o->watch_id);
    store_pg__int(&p, (long long)o->at_ms);
    store_pg__int(&p, o->page);
    store_pg__int(&p, o->rank);
    store_pg__int(&p, o->sponsored);
    store_pg__text(&p, price);
    store_pg__int(&p, o->offers);
    store_pg__text(&p, o->error ? o->error : "");
    rc = store_pg__exec(s, PG_WATCH_OBSERVE, &p, &r, err);
    PQclear(r);
    return rc;
}

enum kr_code store_pg__watch_history(struct store *s, int64_t id, int limit, store_watch_obs_cb cb,
                                     void *ctx, struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__int(&p, (long long)id);
    store_pg__int(&p, limit);
    rc = store_pg__exec(s, PG_WATCH_HISTORY, &p, &r, err);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        struct store_watch_obs o = {.price = strtod(PQgetvalue(r, i, 5), NULL),
                                    .error = PQgetvalue(r, i, 7)};
        rc = store_pg__get_i64(r, i, 0, &o.watch_id, err);
        if (!rc)
            rc = store_pg__get_i64(r, i, 1, &o.at_ms, err);
        if (!rc)
            rc = store_pg__get_i32(r, i, 2, &o.page, err);
        if (!rc)
            rc = store_pg__get_i32(r, i, 3, &o.rank, err);
        if (!rc)
            rc = store_pg__get_i32(r, i, 4, &o.sponsored, err);
        if (!rc)
            rc = store_pg__get_i32(r, i, 6, &o.offers, err);
        if (!rc && cb(&o, ctx))
            break;
    }
    PQclear(r);
    return rc;
}
