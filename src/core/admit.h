/*
 * admit.h - admission control for expensive work: a fixed number of slots
 * for one kind of work (image studio requests, template parsing, catalog
 * jobs), and a share of them per client, so that neither a burst nor one
 * busy client can take the whole machine.
 *
 * A caller takes a slot before it starts the work and gives it back when the
 * work ends. When every slot is taken, or the client already holds its share,
 * admit_enter() refuses at once (KR_ERATELIMIT, which the HTTP edge answers
 * with 429 and Retry-After); nothing waits in a hidden queue, so memory stays
 * bounded by the slots.
 *
 * The client is any stable string: the API layer passes a digest of the API
 * key the request authenticated with, or the client's address without keys.
 * Occupants are kept in an array of `slots` entries, so a client's count is
 * a scan of at most `slots` entries and no per-client state outlives its work.
 *
 * Thread-safe. admit_close() must come after the last admit_leave().
 */
#ifndef KARAT_CORE_ADMIT_H
#define KARAT_CORE_ADMIT_H

#include "core/err.h"

#define ADMIT_CLIENT_LEN 64 /* longer client strings are cut to this */

struct admit;

struct admit_opts {
    const char *name; /* the kind of work, in error messages ("image studio") */
    int slots;        /* work items at once, >= 1 */
    int per_client;   /* at most this many for one client, 1..slots */
};

enum kr_code admit_open(const struct admit_opts *o, struct admit **out, struct kr_err *err);
void admit_close(struct admit *a);

/* Take a slot for client. KR_ERATELIMIT "busy" when all slots are taken,
 * "client_busy" when this client holds its share. */
enum kr_code admit_enter(struct admit *a, const char *client, struct kr_err *err);
/* Give back a slot taken by admit_enter() for the same client (giving back
 * one that is not held is a bug: an assertion). */
void admit_leave(struct admit *a, const char *client);

/* Slots in use now, and the fixed number of slots (GET /metrics shows both
 * per kind of work). */
int admit_in_use(struct admit *a);
int admit_slots(const struct admit *a);

#endif
