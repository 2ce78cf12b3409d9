/*
 * sqlite_migrate.c - the sqlite store's schema, as numbered migrations.
 *
 * `migrations[]` is the schema's whole history: entry N turns a version
 * N-1 database into version N. A database records what it has applied in
 * schema_version (one row per step, with the time). Opening a database
 * applies the missing steps in one IMMEDIATE transaction, so concurrent
 * openers serialise and a failed step leaves the old version intact. A
 * database newer than this build is refused rather than guessed at.
 *
 * Changing the schema: append an entry (never edit a released one), bump
 * nothing else; tests/unit/store/test_migrate.c opens an old database.
 *
 * History: v1 was the first images table; v2 added the lookup indexes
 * (sha256 for exact-byte duplicates, url for deletes by URL) and the
 * namespaced documents table (jobs, SKU cache, templates); v3 the
 * products table with its FTS5 index (products_fts, external content kept
 * in step by triggers; sqlite_products.c); v4 the images.scene column (the
 * second duplicate stage's keypoints, NULL for rows signed before it); v5
 * the product_embeddings cache (a text's vector per model and text hash,
 * sqlite_products.c); v6 the market watch list (watches, watch_obs;
 * sqlite_watch.c).
 */
#include <stdio.h>

#include "core/util.h"
#include "store/sqlite.h"

struct migration {
    int version;
    const char *sql;
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE images ("
        " id INTEGER PRIMARY KEY,"
        " sha256 TEXT NOT NULL,"
        " hash BLOB NOT NULL CHECK (length(hash) = 32),"
        " quality INTEGER NOT NULL,"
        " \"desc\" BLOB NOT NULL CHECK (length(\"desc\") = 256)," /* 64 float32, little endian */
        " website TEXT NOT NULL,"
        " bucket TEXT NOT NULL,"
        " \"key\" TEXT NOT NULL,"
        " url TEXT NOT NULL,"
        " filename TEXT NOT NULL,"
        " mime TEXT NOT NULL,"
        " bytes INTEGER NOT NULL,"
        " width INTEGER NOT NULL,"
        " height INTEGER NOT NULL,"
        " created_ms INTEGER NOT NULL,"
        " UNIQUE (bucket, \"key\"));"},
    {2, "CREATE INDEX images_sha256 ON images (sha256, created_ms);"
        "CREATE INDEX images_url ON images (url);"
        "CREATE TABLE docs ("
        " ns TEXT NOT NULL,"
        " \"key\" TEXT NOT NULL,"
        " json TEXT NOT NULL,"
        " updated_ms INTEGER NOT NULL,"
        " PRIMARY KEY (ns, \"key\"));"},
    {3, "CREATE TABLE products ("
        " seq INTEGER PRIMARY KEY,"
        " id TEXT NOT NULL UNIQUE,"
        " sku TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,"
        " attributes TEXT NOT NULL, colour TEXT NOT NULL, category TEXT NOT NULL,"
        " price REAL NOT NULL, created_ms INTEGER NOT NULL,"
        " photos TEXT NOT NULL, listings TEXT NOT NULL);"
        "CREATE INDEX products_created ON products (created_ms DESC, id);"
        "CREATE VIRTUAL TABLE products_fts USING fts5(name, description, attributes, colour,"
        " category, sku, content='products', content_rowid='seq',"
        " tokenize='porter unicode61');"
        "CREATE TRIGGER products_ai AFTER INSERT ON products BEGIN"
        " INSERT INTO products_fts (rowid, name, description, attributes, colour, category, sku)"
        " VALUES (new.seq, new.name, new.description, new.attributes, new.colour, new.category,"
        " new.sku); END;"
        "CREATE TRIGGER products_ad AFTER DELETE ON products BEGIN"
        " INSERT INTO products_fts (products_fts, rowid, name, description, attributes, colour,"
        " category, sku) VALUES ('delete', old.seq, old.name, old.description, old.attributes,"
        " old.colour, old.category, old.sku); END;"
        "CREATE TRIGGER products_au AFTER UPDATE ON products BEGIN"
        " INSERT INTO products_fts (products_fts, rowid, name, description, attributes, colour,"
        " category, sku) VALUES ('delete', old.seq, old.name, old.description, old.attributes,"
        " old.colour, old.category, old.sku);"
        " INSERT INTO products_fts (rowid, name, description, attributes, colour, category, sku)"
        " VALUES (new.seq, new.name, new.description, new.attributes, new.colour, new.category,"
        " new.sku); END;"},
    {4, "ALTER TABLE images ADD COLUMN scene BLOB"
        " CHECK (scene IS NULL OR length(scene) BETWEEN 2 AND 1010);"},
    {5, "CREATE TABLE product_embeddings ("
        " model TEXT NOT NULL,"
        " hash TEXT NOT NULL CHECK (length(hash) = 64),"
        " dim INTEGER NOT NULL CHECK (dim BETWEEN 1 AND 4096),"
        " vec BLOB NOT NULL CHECK (length(vec) = 4 * dim)," /* float32, little endian */
        " PRIMARY KEY (model, hash)) WITHOUT ROWID;"},
    /* market watch: the watch list and its observations (src/watch) */
    {6, "CREATE TABLE watches ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, market TEXT NOT NULL, item TEXT NOT NULL,"
        " query TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL);"
        "CREATE TABLE watch_obs ("
        " watch_id INTEGER NOT NULL, at_ms INTEGER NOT NULL, page INTEGER NOT NULL,"
        " rank INTEGER NOT NULL, sponsored INTEGER NOT NULL, price REAL NOT NULL,"
        " offers INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX watch_obs_by_watch ON watch_obs (watch_id, at_ms);"},
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int store_sqlite_latest(void)
{
    return migrations[NMIGRATIONS - 1].version;
}

/* One integer from a query; *v untouched if there is no row or it is NULL. */
static enum kr_code query_int(sqlite3 *db, const char *sql, int *v, struct kr_err *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc != SQLITE_OK)
        return store_sq_fail(db, rc, "read schema version", err);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *v = sqlite3_column_int(st, 0);
    enum kr_code code =
        (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KR_OK : store_sq_fail(db, rc, sql, err);
    sqlite3_finalize(st);
    return code;
}

enum kr_code store_sqlite_version(sqlite3 *db, int *version, struct kr_err *err)
{
    int has = 0;
    enum kr_code rc = query_int(
        db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
        &has, err);

    *version = 0;
    if (rc || !has)
        return rc;
    return query_int(db, "SELECT max(version) FROM schema_version", version, err);
}

static enum kr_code exec(sqlite3 *db, const char *sql, const char *what, struct kr_err *err)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? KR_OK : store_sq_fail(db, rc, what, err);
}

static enum kr_code apply(sqlite3 *db, const struct migration *m, struct kr_err *err)
{
    char rec[160];
    enum kr_code rc = exec(db, m->sql, "migrate", err);

    if (rc) {
        kr_err_prefix(err, "schema v%d: ", m->version);
        return rc;
    }
    snprintf(rec, sizeof rec, "INSERT INTO schema_version (version, applied_ms) VALUES (%d, %lld)",
             m->version, (long long)util_epoch_ms());
    return exec(db, rec, "record schema version", err);
}

static enum kr_code migrate_locked(sqlite3 *db, int target, struct kr_err *err)
{
    int have;
    enum kr_code rc = exec(db,
                           "CREATE TABLE IF NOT EXISTS schema_version ("
                           " version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)",
                           "create schema_version", err);

    if (!rc)
        rc = store_sqlite_version(db, &have, err);
    if (rc)
        return rc;
    if (have > store_sqlite_latest())
        return kr_fail(err, KRS_STORE_TOO_NEW,
                       "store: database schema v%d is newer than this build (v%d)", have,
                       store_sqlite_latest());
    for (int i = 0; i < NMIGRATIONS && !rc; i++)
        if (migrations[i].version > have && migrations[i].version <= target)
            rc = apply(db, &migrations[i], err);
    return rc;
}

enum kr_code store_sqlite_migrate(sqlite3 *db, int target, struct kr_err *err)
{
    enum kr_code rc;

    if (target < 1 || target > store_sqlite_latest())
        return kr_fail(err, KRS_BAD_SCHEMA_VERSION, "store: no schema v%d", target);
    rc = exec(db, "BEGIN IMMEDIATE", "begin migration", err);
    if (rc)
        return rc;
    rc = migrate_locked(db, target, err);
    if (rc) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec(db, "COMMIT", "commit migration", err);
}
