/*
 * pgtest.c - throwaway PostgreSQL cluster and per-test databases (see
 * pgtest.h). Database names are made here from a process id, a counter or
 * a hash (never from outside input), so building the CREATE DATABASE text
 * is safe; values elsewhere go as parameters.
 */
#include "pgtest.h"

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char admin[1024];
static char own_state[256]; /* the state file of a cluster this process started */

int tu_pg_mode(void)
{
    const char *v = getenv("KARAT_TEST_STORE");
    return v && strcmp(v, "postgres") == 0;
}

static void stop_own(void)
{
    char script[1024];
    const char *src = getenv("KARAT_SOURCE_DIR");
    snprintf(script, sizeof script, "%s/tests/pg/cluster.sh", src ? src : ".");
    const char *argv[] = {"/bin/sh", script, "stop", own_state, NULL};
    if (own_state[0] && getpid() == (pid_t)strtol(strrchr(own_state, '.') + 1, NULL, 10))
        tu_run(argv, NULL, NULL);
}

/* The connection string in a cluster state file (its last line). */
static int read_state(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int found = 0;

    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#') {
            line[strcspn(line, "\n")] = '\0';
            snprintf(admin, sizeof admin, "%s", line);
            found = 1;
        }
    fclose(f);
    return found;
}

const char *tu_pg_admin(void)
{
    const char *state = getenv("KARAT_TEST_PG_STATE");
    const char *src = getenv("KARAT_SOURCE_DIR");
    char script[1024];

    if (admin[0])
        return admin;
    if (state && *state && read_state(state))
        return admin;
    snprintf(own_state, sizeof own_state, "%s/karat-pgstate.%d",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    snprintf(script, sizeof script, "%s/tests/pg/cluster.sh", src ? src : ".");
    const char *argv[] = {"/bin/sh", script, "start", own_state, NULL};
    if (tu_run(argv, NULL, NULL) != 0 || !read_state(own_state))
        fail_msg("cannot start a PostgreSQL cluster with %s", script);
    atexit(stop_own);
    return admin;
}

int tu_pg_exec(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
    int ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);

    if (!ok)
        fprintf(stderr, "pgtest: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

static void url_of(const char *name, char *url, size_t n)
{
    const char *a = tu_pg_admin();
    const char *db = strstr(a, "dbname=postgres");
    snprintf(url, n, "%.*sdbname=%s", (int)(db - a), a, name);
}

void tu_pg_ensure_db(const char *name, char *url, size_t n)
{
    char sql[256];
    PGconn *c = PQconnectdb(tu_pg_admin());
    PGresult *r;

    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", name);
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (!st || (strcmp(st, "42P04") && strcmp(st, "23505"))) /* exists: fine */
            fail_msg("pgtest: %s: %s", sql, PQerrorMessage(c));
    }
    PQclear(r);
    PQfinish(c);
    url_of(name, url, n);
}

void tu_pg_create_db(char *url, size_t n)
{
    static int counter;
    char name[64];
    snprintf(name, sizeof name, "t_%d_%d", (int)getpid(), ++counter);
    tu_pg_ensure_db(name, url, n);
}

void tu_pg_drop_db(const char *url)
{
    const char *db = strstr(url, "dbname=");
    char sql[256];
    if (!db)
        return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", db + 7);
    tu_pg_exec(tu_pg_admin(), sql);
}

void tu_pg_env_for(const char *data_dir, char *out, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a of the path */
    char name[64], url[1024];

    out[0] = '\0';
    if (!tu_pg_mode() || !data_dir)
        return;
    for (const char *p = data_dir; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    snprintf(name, sizeof name, "d_%016llx", (unsigned long long)h);
    tu_pg_ensure_db(name, url, sizeof url);
    snprintf(out, n, "KARAT_DATABASE_URL=%s", url);
}

long long tu_pg_query_num(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQexec(c, sql);
    long long v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(c);
    return v;
}
