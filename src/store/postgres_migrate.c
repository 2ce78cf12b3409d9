/*
 * postgres_migrate.c - the postgres store's schema, as numbered migrations.
 *
 * `migrations[]` is the schema's whole history: entry N turns a version
 * N-1 database into version N; schema_version records each applied step
 * with its time. Opening the store runs migrate(): one transaction that
 * first takes a transaction-scoped advisory lock (PG_MIGRATE_LOCK), so
 * nodes starting at once queue there; the first applies the missing steps,
 * the others then find the schema current and apply nothing. A failed step
 * rolls the whole transaction back (PostgreSQL DDL is transactional), so
 * the old version stays intact. A database newer than this build is
 * refused rather than guessed at.
 *
 * Changing the schema: append an entry, never edit a released one.
 *
 * Types: the same columns as the sqlite backend. Text keys are COLLATE "C"
 * so ORDER BY "key" is byte order, as in SQLite, whatever the database's
 * locale. The signature is hash bytea(32), quality, "desc" bytea(256):
 * 64 float32, little endian (the sqlite encoding, so rows move unchanged);
 * v6 adds scene bytea (the second duplicate stage's keypoints, NULL for
 * rows signed before it, as in sqlite's v4); v7 the product_embeddings
 * cache (sqlite's v5); v8 the market watch list (sqlite's v6).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/postgres.h"

/* Any constant unique to Karat's schema: "KaratMig" in ASCII. */
#define PG_MIGRATE_LOCK "4755412383004305767"

struct migration {
    int version;
    const char *sql;
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE images ("
        " id bigint PRIMARY KEY,"
        " sha256 text COLLATE \"C\" NOT NULL,"
        " hash bytea NOT NULL CHECK (length(hash) = 32),"
        " quality integer NOT NULL,"
        " \"desc\" bytea NOT NULL CHECK (length(\"desc\") = 256),"
        " website text NOT NULL,"
        " bucket text COLLATE \"C\" NOT NULL,"
        " \"key\" text COLLATE \"C\" NOT NULL,"
        " url text COLLATE \"C\" NOT NULL,"
        " filename text NOT NULL,"
        " mime text NOT NULL,"
        " bytes bigint NOT NULL,"
        " width integer NOT NULL,"
        " height integer NOT NULL,"
        " created_ms bigint NOT NULL,"
        " UNIQUE (bucket, \"key\"));"
        "CREATE INDEX images_sha256 ON images (sha256, created_ms);"
        "CREATE INDEX images_url ON images (url);"
        "CREATE TABLE docs ("
        " ns text COLLATE \"C\" NOT NULL,"
        " \"key\" text COLLATE \"C\" NOT NULL,"
        " json text NOT NULL,"
        " updated_ms bigint NOT NULL,"
        " PRIMARY KEY (ns, \"key\"));"},
    /* Multi-node sync (postgres_sync.c): every change to an image row gets
     * a seq in commit order. The trigger takes a transaction-scoped
     * advisory lock before drawing the seq, so writers of image rows
     * commit one at a time and no reader can see seq N+1 before seq N;
     * pg_notify() is delivered at commit to the nodes that LISTEN. */
    {2, "CREATE TABLE image_changes ("
        " seq bigserial PRIMARY KEY,"
        " id bigint NOT NULL,"
        " gone boolean NOT NULL);"
        "CREATE FUNCTION karat_image_changed() RETURNS trigger LANGUAGE plpgsql AS $f$"
        " BEGIN"
        "  PERFORM pg_advisory_xact_lock(" PG_CHANGES_LOCK ");"
        "  IF TG_OP = 'DELETE' THEN"
        "   INSERT INTO image_changes (id, gone) VALUES (OLD.id, true);"
        "  ELSE"
        "   INSERT INTO image_changes (id, gone) VALUES (NEW.id, false);"
        "  END IF;"
        "  PERFORM pg_notify('" PG_CHANGES_CHANNEL "', '');"
        "  RETURN NULL;"
        " END $f$;"
        "CREATE TRIGGER images_changed AFTER INSERT OR UPDATE OR DELETE ON images"
        " FOR EACH ROW EXECUTE FUNCTION karat_image_changed();"},
    /* Job claims (postgres_claims.c): one row per job item (idx >= 0) and
     * one for its finish step (idx -1); lease_until in ms since the epoch
     * by the database's clock, token grows with every take. */
    {3, "CREATE TABLE job_claims ("
        " job_id text COLLATE \"C\" NOT NULL,"
        " idx integer NOT NULL CHECK (idx >= -1),"
        " owner text NOT NULL DEFAULT '',"
        " token bigint NOT NULL DEFAULT 0,"
        " lease_until bigint NOT NULL DEFAULT 0,"
        " done boolean NOT NULL DEFAULT false,"
        " PRIMARY KEY (job_id, idx));"
        "CREATE INDEX job_claims_free ON job_claims (lease_until) WHERE NOT done;"
        "CREATE INDEX job_claims_owner ON job_claims (owner) WHERE NOT done;"},
    /* Products (postgres_products.c): the text indexed by a generated
     * tsvector (name A, attributes B, description/colour/category C, SKU D). */
    {4, "CREATE TABLE products ("
        " id text COLLATE \"C\" PRIMARY KEY,"
        " sku text NOT NULL, name text NOT NULL, description text NOT NULL,"
        " attributes text NOT NULL, colour text NOT NULL, category text NOT NULL,"
        " price double precision NOT NULL, created_ms bigint NOT NULL,"
        " photos text NOT NULL, listings text NOT NULL,"
        " tsv tsvector GENERATED ALWAYS AS ("
        "  setweight(to_tsvector('english', name), 'A') ||"
        "  setweight(to_tsvector('english', attributes), 'B') ||"
        "  setweight(to_tsvector('english', description || ' ' || colour || ' ' || category),"
        "  'C') || setweight(to_tsvector('english', sku), 'D')) STORED);"
        "CREATE INDEX products_tsv ON products USING gin (tsv);"
        "CREATE INDEX products_created ON products (created_ms DESC, id);"},
    /* Pruning (postgres_prune.c): when each change was made and each claim
     * done; each live node's progress (sync_nodes); the highest seq pruned
     * (sync_pruned: a node behind it reloads its index instead). */
    {5, "ALTER TABLE image_changes ADD COLUMN at_ms bigint NOT NULL"
        " DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::bigint;"
        "CREATE INDEX image_changes_at ON image_changes (at_ms);"
        "ALTER TABLE job_claims ADD COLUMN done_ms bigint NOT NULL DEFAULT 0;"
        "CREATE TABLE sync_nodes ("
        " node text COLLATE \"C\" PRIMARY KEY,"
        " seq bigint NOT NULL,"
        " seen_ms bigint NOT NULL);"
        "CREATE TABLE sync_pruned ("
        " one boolean PRIMARY KEY DEFAULT true CHECK (one),"
        " seq bigint NOT NULL);"
        "INSERT INTO sync_pruned VALUES (true, 0);"},
    {6, "ALTER TABLE images ADD COLUMN scene bytea"
        " CHECK (scene IS NULL OR length(scene) BETWEEN 2 AND 1010);"},
    /* The product embeddings cache (postgres_products.c), as sqlite's v5. */
    {7, "CREATE TABLE product_embeddings ("
        " model text COLLATE \"C\" NOT NULL,"
        " hash text COLLATE \"C\" NOT NULL CHECK (length(hash) = 64),"
        " dim integer NOT NULL CHECK (dim BETWEEN 1 AND 4096),"
        " vec bytea NOT NULL CHECK (length(vec) = 4 * dim),"
        " PRIMARY KEY (model, hash));"},
    /* market watch: the watch list and its observations (src/watch) */
    {8, "CREATE TABLE watches ("
        " id bigserial PRIMARY KEY, market text NOT NULL, item text NOT NULL,"
        " query text NOT NULL DEFAULT '', created_ms bigint NOT NULL);"
        "CREATE TABLE watch_obs ("
        " watch_id bigint NOT NULL REFERENCES watches (id) ON DELETE CASCADE,"
        " at_ms bigint NOT NULL, page integer NOT NULL, rank integer NOT NULL,"
        " sponsored integer NOT NULL, price float8 NOT NULL, offers integer NOT NULL,"
        " error text NOT NULL DEFAULT '');"
        "CREATE INDEX watch_obs_by_watch ON watch_obs (watch_id, at_ms);"},
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int store_pg__latest(void)
{
    return migrations[NMIGRATIONS - 1].version;
}

/* Run sql (no values, no rows wanted, possibly several statements). */
static enum kr_code exec(PGconn *db, const char *sql, const char *what, struct kr_err *err)
{
    PGresult *r = PQexec(db, sql);
    enum kr_code rc =
        r && PQresultStatus(r) == PGRES_COMMAND_OK ? KR_OK : store_pg__fail(db, r, what, err);
    PQclear(r);
    return rc;
}

static enum kr_code current_version(PGconn *db, int *have, struct kr_err *err)
{
    PGresult *r = PQexec(db, "SELECT coalesce(max(version), 0) FROM schema_version");
    enum kr_code rc = KR_OK;

    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        rc = store_pg__fail(db, r, "read schema version", err);
    else
        *have = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return rc;
}

static enum kr_code apply(PGconn *db, const struct migration *m, struct kr_err *err)
{
    char version[16], now[24];
    const char *params[2] = {version, now};
    enum kr_code rc = exec(db, m->sql, "migrate", err);
    PGresult *r;

    if (rc) {
        kr_err_prefix(err, "schema v%d: ", m->version);
        return rc;
    }
    snprintf(version, sizeof version, "%d", m->version);
    snprintf(now, sizeof now, "%lld", (long long)util_epoch_ms());
    r = PQexecParams(db, "INSERT INTO schema_version (version, applied_ms) VALUES ($1, $2)", 2,
                     NULL, params, NULL, NULL, 0);
    rc = r && PQresultStatus(r) == PGRES_COMMAND_OK
             ? KR_OK
             : store_pg__fail(db, r, "record schema version", err);
    PQclear(r);
    return rc;
}

/* The lock statement returns a row, so it gets its own call. */
static enum kr_code take_lock(PGconn *db, struct kr_err *err)
{
    PGresult *r = PQexec(db, "SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ")");
    enum kr_code rc = r && PQresultStatus(r) == PGRES_TUPLES_OK
                          ? KR_OK
                          : store_pg__fail(db, r, "lock for migration", err);
    PQclear(r);
    return rc;
}

static enum kr_code migrate_in_tx(PGconn *db, struct kr_err *err)
{
    int have = 0;
    enum kr_code rc = take_lock(db, err);

    if (!rc)
        rc = exec(db,
                  "CREATE TABLE IF NOT EXISTS schema_version ("
                  " version integer PRIMARY KEY, applied_ms bigint NOT NULL)",
                  "create schema_version", err);
    if (!rc)
        rc = current_version(db, &have, err);
    if (rc)
        return rc;
    if (have > store_pg__latest())
        return kr_fail(err, KRS_STORE_TOO_NEW,
                       "store: database schema v%d is newer than this build (v%d)", have,
                       store_pg__latest());
    for (int i = 0; i < NMIGRATIONS && !rc; i++)
        if (migrations[i].version > have)
            rc = apply(db, &migrations[i], err);
    return rc;
}

enum kr_code store_pg__migrate(PGconn *db, struct kr_err *err)
{
    enum kr_code rc = exec(db, "BEGIN", "begin migration", err);

    if (rc)
        return rc;
    rc = migrate_in_tx(db, err);
    if (rc) {
        PQclear(PQexec(db, "ROLLBACK"));
        return rc;
    }
    return exec(db, "COMMIT", "commit migration", err);
}
