/*
 * postgres_docs.c - the documents table (ns, key) -> JSON text of the
 * "postgres" store backend.
 *
 * Same semantics as the sqlite backend: put replaces (one upsert
 * statement, so it is atomic), get/delete say KR_ENOTFOUND only when the
 * row is absent, doc_each lists one ns in key byte order (the key column
 * is COLLATE "C"). doc_each reads PG_DOC_PAGE_ROWS rows at a time after
 * the last key seen and holds no connection while the callback runs; a
 * document written during the walk behind the current key is not seen,
 * one ahead of it is.
 *
 * The JSON is kept as text, byte for byte (not jsonb, which would
 * reformat it). PostgreSQL text cannot hold a NUL byte or invalid UTF-8:
 * such a value is refused with KR_EINVAL (store_bad_value).
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/postgres.h"

#define PG_DOC_PAGE_ROWS 100

const char *const store_pg__doc_sql[PG_NSTMT] = {
    [PG_DOC_PUT] = "INSERT INTO docs (ns, \"key\", json, updated_ms) VALUES ($1, $2, $3, $4)"
                   " ON CONFLICT (ns, \"key\") DO UPDATE"
                   " SET json = excluded.json, updated_ms = excluded.updated_ms",
    [PG_DOC_ADD] = "INSERT INTO docs (ns, \"key\", json, updated_ms) VALUES ($1, $2, $3, $4)",
    [PG_DOC_GET] = "SELECT json FROM docs WHERE ns = $1 AND \"key\" = $2",
    [PG_DOC_DELETE] = "DELETE FROM docs WHERE ns = $1 AND \"key\" = $2",
    [PG_DOC_FIRST_PAGE] = "SELECT \"key\", json FROM docs WHERE ns = $1"
                          " ORDER BY \"key\" LIMIT $2",
    [PG_DOC_PAGE] = "SELECT \"key\", json FROM docs WHERE ns = $1 AND \"key\" > $2"
                    " ORDER BY \"key\" LIMIT $3",
};

/* Run id with (ns, key) as $1, $2. */
static enum kr_code run_ns_key(struct store *s, enum pg_stmt id, const char *ns, const char *key,
                               PGresult **r, struct kr_err *err)
{
    struct pg_params p = {0};

    store_pg__text(&p, ns);
    store_pg__text(&p, key);
    return store_pg__exec(s, id, &p, r, err);
}

/* PG_DOC_PUT (insert or replace) or PG_DOC_ADD (insert only). */
static enum kr_code doc_write(struct store *s, enum pg_stmt id, const char *ns, const char *key,
                              const char *json, struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__text(&p, ns);
    store_pg__text(&p, key);
    store_pg__text(&p, json);
    store_pg__int(&p, (long long)util_epoch_ms());
    rc = store_pg__exec(s, id, &p, &r, err);
    PQclear(r);
    return rc;
}

enum kr_code store_pg__doc_put(struct store *s, const char *ns, const char *key, const char *json,
                               struct kr_err *err)
{
    return doc_write(s, PG_DOC_PUT, ns, key, json, err);
}

enum kr_code store_pg__doc_add(struct store *s, const char *ns, const char *key, const char *json,
                               struct kr_err *err)
{
    return doc_write(s, PG_DOC_ADD, ns, key, json, err);
}

enum kr_code store_pg__doc_get(struct store *s, const char *ns, const char *key, char **json,
                               struct kr_err *err)
{
    PGresult *r = NULL;
    enum kr_code rc = run_ns_key(s, PG_DOC_GET, ns, key, &r, err);

    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        rc = kr_fail(err, KRS_DOC_NOT_FOUND, "store: no document %s/%s", ns, key);
    } else {
        int n = PQgetlength(r, 0, 0);
        *json = malloc((size_t)n + 1);
        if (*json) {
            memcpy(*json, PQgetvalue(r, 0, 0), (size_t)n);
            (*json)[n] = '\0';
        } else {
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory reading a document");
        }
    }
    PQclear(r);
    return rc;
}

enum kr_code store_pg__doc_delete(struct store *s, const char *ns, const char *key,
                                  struct kr_err *err)
{
    PGresult *r = NULL;
    enum kr_code rc = run_ns_key(s, PG_DOC_DELETE, ns, key, &r, err);

    if (!rc && store_pg__changes(r) == 0)
        rc = kr_fail(err, KRS_DOC_NOT_FOUND, "store: no document %s/%s", ns, key);
    PQclear(r);
    return rc;
}

/* One page after `last` (NULL: from the start) into *r. */
static enum kr_code doc_page(struct store *s, const char *ns, const char *last, PGresult **r,
                             struct kr_err *err)
{
    struct pg_params p = {0};

    store_pg__text(&p, ns);
    if (last)
        store_pg__text(&p, last);
    store_pg__int(&p, PG_DOC_PAGE_ROWS);
    return store_pg__exec(s, last ? PG_DOC_PAGE : PG_DOC_FIRST_PAGE, &p, r, err);
}

enum kr_code store_pg__doc_each(struct store *s, const char *ns,
                                int (*cb)(const char *key, const char *json, void *ctx), void *ctx,
                                struct kr_err *err)
{
    char *last = NULL;
    enum kr_code rc = KR_OK;
    int rows = PG_DOC_PAGE_ROWS, stop = 0;

    while (!rc && !stop && rows == PG_DOC_PAGE_ROWS) {
        PGresult *r = NULL;
        rc = doc_page(s, ns, last, &r, err);
        if (rc)
            break;
        rows = PQntuples(r);
        for (int i = 0; i < rows && !stop; i++)
            stop = cb(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), ctx);
        if (rows > 0 && !stop) {
            free(last);
            last = strdup(PQgetvalue(r, rows - 1, 0));
            if (!last)
                rc = kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
        }
        PQclear(r);
    }
    free(last);
    return rc;
}
