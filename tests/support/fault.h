/*
 * fault.h - fault injection for the blob and store backends (tests only).
 *
 * fault_register() adds two decorating backends named "fault": a blob
 * backend that wraps "local" and a store backend that wraps "sqlite" (or
 * "postgres" when its location is a server one, see store_location()). They
 * have the same ops tables as the real ones and pass every call through,
 * except the calls an armed rule says to fail: those return the chosen
 * kr_code (err filled; slug "injected_fault" for KR_EIO, else a real slug
 * of that code) without reaching the real
 * backend, as a broken disk or an unreachable database would.
 *
 * Select them like any backend: cfg KARAT_BLOB=fault, KARAT_STORE=fault
 * (in-process), or run the `karat_fault` test binary (karat + these
 * backends, rules from the KARAT_FAULTS environment variable) as a server.
 *
 * Ops are named after the ops table fields: "blob.stat", "blob.unpublish",
 * "store.image_get", "store.image_find_sha", ... A rule fails either one
 * call (the nth matching call after fault_arm, 1-based) or every call
 * (nth 0). Thread-safe: the server calls the backends from many threads.
 */
#ifndef KARAT_TEST_FAULT_H
#define KARAT_TEST_FAULT_H

#include "core/err.h"

/* Register the "fault" blob and store backends (idempotent). */
void fault_register(void);

/* Fail op with code: on its nth call from now (nth >= 1) or on every call (nth 0). */
void fault_arm(const char *op, int nth, enum kr_code code);
/* Rules as text: "op=N:code,op=*:code" (code is a kr_code_name(), e.g.
 * "io_error"; "*" is every call). 0, or -1 if malformed (nothing armed). */
int fault_arm_spec(const char *spec);
/* Disarm every rule and forget the counts. */
void fault_reset(void);
/* Calls of op failed by injection since the last fault_reset(). */
long fault_fired(const char *op);

/* For the decorators: KR_OK, or the injected code with err filled. */
enum kr_code fault_check(const char *op, struct kr_err *err);

/* A decorated op's body: fail as a rule says, else make the wrapped call. */
#define FAULT_PASS(op, call)                                                                       \
    do {                                                                                           \
        enum kr_code injected_ = fault_check(op, err);                                             \
        return injected_ ? injected_ : (call);                                                     \
    } while (0)

#endif
