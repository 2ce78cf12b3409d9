/*
 * admit.c - slots per kind of work and per client (see admit.h).
 *
 * One mutex guards an array of `slots` occupants; an empty client string
 * marks a free entry. Entering scans the array once, counting the client's
 * entries and remembering a free one; leaving clears one entry of that
 * client. Both are O(slots) with small slot counts (tens), which is far
 * below the cost of the work they guard.
 */
#include "core/admit.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct admit {
    pthread_mutex_t mu;
    char name[48];
    int slots, per_client, used;
    char (*who)[ADMIT_CLIENT_LEN]; /* slots entries; "" = free */
};

enum kr_code admit_open(const struct admit_opts *o, struct admit **out, struct kr_err *err)
{
    struct admit *a;

    *out = NULL;
    if (o->slots < 1 || o->per_client < 1 || o->per_client > o->slots)
        return kr_fail(err, KRS_BAD_CONFIG,
                       "%s: slots must be >= 1 and the per-client share 1..slots (got %d, %d)",
                       o->name ? o->name : "admission", o->slots, o->per_client);
    a = calloc(1, sizeof *a);
    if (!a || !(a->who = calloc((size_t)o->slots, sizeof *a->who))) {
        free(a);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    pthread_mutex_init(&a->mu, NULL);
    util_strlcpy(a->name, o->name ? o->name : "work", sizeof a->name);
    a->slots = o->slots;
    a->per_client = o->per_client;
    *out = a;
    return KR_OK;
}

void admit_close(struct admit *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->mu);
    free(a->who);
    free(a);
}

/* The client as stored: never empty (an empty string marks a free entry). */
static void client_key(const char *client, char out[ADMIT_CLIENT_LEN])
{
    util_strlcpy(out, client && *client ? client : "-", ADMIT_CLIENT_LEN);
}

enum kr_code admit_enter(struct admit *a, const char *client, struct kr_err *err)
{
    char key[ADMIT_CLIENT_LEN];
    int mine = 0, free_at = -1;
    enum kr_code rc = KR_OK;

    client_key(client, key);
    pthread_mutex_lock(&a->mu);
    for (int i = 0; i < a->slots; i++) {
        if (!a->who[i][0])
            free_at = free_at < 0 ? i : free_at;
        else if (strcmp(a->who[i], key) == 0)
            mine++;
    }
    if (mine >= a->per_client)
        rc = kr_fail(err, KRS_CLIENT_BUSY,
                     "%s: you already have %d request(s) running; retry when one has finished",
                     a->name, mine);
    else if (free_at < 0)
        rc = kr_fail(err, KRS_BUSY, "%s: all %d slots are busy; retry shortly", a->name, a->slots);
    else {
        memcpy(a->who[free_at], key, sizeof key);
        a->used++;
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

void admit_leave(struct admit *a, const char *client)
{
    char key[ADMIT_CLIENT_LEN];
    int i;

    client_key(client, key);

    pthread_mutex_lock(&a->mu);
    for (i = 0; i < a->slots && strcmp(a->who[i], key) != 0; i++)
        ;
    assert(i < a->slots); /* leaving a slot one does not hold is a bug */
    if (i < a->slots) {
        a->who[i][0] = '\0';
        a->used--;
    }
    pthread_mutex_unlock(&a->mu);
}

int admit_slots(const struct admit *a)
{
    return a->slots; /* set once by admit_open */
}

int admit_in_use(struct admit *a)
{
    int n;
    pthread_mutex_lock(&a->mu);
    n = a->used;
    pthread_mutex_unlock(&a->mu);
    return n;
}
