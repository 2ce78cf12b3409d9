/*
 * pgtest.h - PostgreSQL for the tests: a throwaway cluster and one fresh
 * database per test (or per server data folder), so tests run in parallel
 * (ctest -j) without seeing each other's rows.
 *
 * The cluster: when KARAT_TEST_PG_STATE names the state file of a running
 * cluster (the ctest fixture "pg" starts one with tests/pg/cluster.sh),
 * that one; otherwise this process starts its own on first use and stops
 * and removes it at exit. A machine without a running PostgreSQL is never
 * a reason to skip: the server binaries come from scripts/bootstrap.
 *
 * KARAT_TEST_STORE=postgres (set by the ".pg" ctest variants) makes
 * tu_server_start() and tu_run() run `karat` on PostgreSQL: each data
 * folder gets its own database (named after a hash of the folder's path),
 * passed as KARAT_STORE=postgres and KARAT_DATABASE_URL.
 */
#ifndef KARAT_PGTEST_H
#define KARAT_PGTEST_H

#include <stddef.h>

/* Is KARAT_TEST_STORE=postgres? */
int tu_pg_mode(void);
/* The admin connection string (database "postgres"); fails the test if
 * no cluster can be started. */
const char *tu_pg_admin(void);
/* Create a new empty database; its connection string into url. */
void tu_pg_create_db(char *url, size_t n);
/* Create database `name` unless it exists; its connection string into url. */
void tu_pg_ensure_db(const char *name, char *url, size_t n);
/* Drop the database of a tu_pg_create_db() url (its connections too). */
void tu_pg_drop_db(const char *url);
/* Run one SQL statement (no values) on url; 0 or -1. */
int tu_pg_exec(const char *url, const char *sql);
/* The one number sql (a query) answers on url; -1 if it answers none. */
long long tu_pg_query_num(const char *url, const char *sql);
/* In pg mode, the "KARAT_DATABASE_URL=..." entry for data_dir (its
 * database created on first use) into out; "" otherwise. */
void tu_pg_env_for(const char *data_dir, char *out, size_t n);

#endif
