/*
 * conn.c - the server's own view of its TCP connections: deadlines, the
 * per-address limit, and draining at shutdown.
 *
 * MHD's idle timeout counts only time without progress, so a client that
 * sends one header byte every few seconds would keep its connection (and
 * its thread) forever. Every connection is therefore in one of three phases,
 * each started with a timestamp:
 *   HEAD  waiting for a request head (new, or keep-alive between requests):
 *         at most head_ms in total;
 *   BODY  head read, body arriving: at most body_ms in total;
 *   BUSY  handler running: no deadline here (the shutdown deadline bounds it);
 *   SEND  response being sent: MHD's idle timeout only.
 * A watchdog thread looks every WATCH_MS and shuts down (shutdown(2)) the
 * socket of a connection past its deadline; MHD's thread then sees the end
 * of the stream and closes it. The fd stays valid while we hold the table
 * lock: MHD reports the close (notify CLOSED, which takes the lock) before
 * it closes the fd.
 *
 * Per-address limit: every connection has a client address. For a direct
 * peer it is the peer's address, counted when the connection is accepted
 * (over the limit -> closed at once). For a peer listed in trusted_proxies
 * it is taken per request from X-Forwarded-For (the rightmost address that
 * is not itself a trusted proxy) and counted when the head has arrived
 * (over the limit -> 429). X-Forwarded-For from anyone else is ignored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "http/http_int.h"

#define WATCH_MS 200

struct http_conn {
    struct http_conn *prev, *next;
    int fd;
    int trusted; /* the peer is a trusted proxy */
    enum http_conn_phase phase;
    double since; /* when the phase began (util_now_ms) */
    int cut;      /* the watchdog shut it down */
    char peer[HTTP_ADDR_STR];
    char client[HTTP_ADDR_STR]; /* what the per-address limit counts; "" = nobody yet */
};

static struct http_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *i =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return i ? i->socket_context : NULL;
}

static int trusted(const struct http_conns *t, const struct http_addr *a)
{
    for (int i = 0; i < t->nproxies; i++)
        if (http__cidr_match(&t->proxies[i], a))
            return 1;
    return 0;
}

/* Connections counted against client, other than self. Lock held. */
static int count_client(const struct http_conns *t, const char *client,
                        const struct http_conn *self)
{
    int n = 0;
    for (const struct http_conn *k = t->head; k; k = k->next)
        n += k != self && !k->cut && strcmp(k->client, client) == 0;
    return n;
}

enum MHD_Result http__conns_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
    struct http_server *s = cls;
    struct http_conns *t = &s->conns;
    struct http_addr a;
    char str[HTTP_ADDR_STR];
    enum MHD_Result ok = MHD_YES;
    (void)len;
    if (http__addr_from_sockaddr(sa, &a) != 0)
        return MHD_YES; /* not IP: nothing to count */
    http__addr_str(&a, str, sizeof str);
    pthread_mutex_lock(&t->mu);
    if (t->draining || (!trusted(t, &a) && count_client(t, str, NULL) >= t->per_ip))
        ok = MHD_NO;
    pthread_mutex_unlock(&t->mu);
    return ok;
}

static void conn_started(struct http_conns *t, struct MHD_Connection *c, void **ctx)
{
    const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *pa = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct http_conn *k = calloc(1, sizeof *k);
    struct http_addr a;
    *ctx = k;
    if (!k)
        return; /* untracked: no deadline, not counted (out of memory anyway) */
    k->fd = fd ? fd->connect_fd : -1;
    k->since = util_now_ms();
    if (pa && http__addr_from_sockaddr(pa->client_addr, &a) == 0) {
        http__addr_str(&a, k->peer, sizeof k->peer);
        k->trusted = trusted(t, &a);
    }
    if (!k->trusted)
        memcpy(k->client, k->peer, sizeof k->client);
    pthread_mutex_lock(&t->mu);
    k->next = t->head;
    if (t->head)
        t->head->prev = k;
    t->head = k;
    pthread_mutex_unlock(&t->mu);
}

void http__conns_notify(void *cls, struct MHD_Connection *c, void **ctx,
                       enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;
    struct http_conns *t = &s->conns;
    struct http_conn *k = *ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_started(t, c, ctx);
        return;
    }
    if (!k)
        return;
    pthread_mutex_lock(&t->mu);
    if (k->prev)
        k->prev->next = k->next;
    else
        t->head = k->next;
    if (k->next)
        k->next->prev = k->prev;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    free(k);
    *ctx = NULL;
}

void http__conns_phase(struct http_server *s, struct MHD_Connection *c, enum http_conn_phase ph)
{
    struct http_conns *t = &s->conns;
    struct http_conn *k = conn_of(c);
    if (!k)
        return;
    pthread_mutex_lock(&t->mu);
    k->phase = ph;
    k->since = util_now_ms();
    if (ph == HTTP_CONN_HEAD && k->trusted)
        k->client[0] = '\0'; /* the next request names its own client */
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

static enum MHD_Result last_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    if (strcasecmp(key, "X-Forwarded-For") == 0)
        *(const char **)cls = value;
    return MHD_YES;
}

/* The client behind a trusted proxy: walk X-Forwarded-For from the right
 * past trusted proxies. An entry that is not an address ends the walk and
 * the proxy itself is the client (a proxy we trust appends real addresses). */
static void forwarded_client(const struct http_conns *t, struct MHD_Connection *c,
                             const char *peer, char *out, size_t n)
{
    const char *xff = NULL, *end;
    snprintf(out, n, "%s", peer);
    MHD_get_connection_values(c, MHD_HEADER_KIND, last_xff, &xff);
    if (!xff)
        return;
    end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        char item[HTTP_ADDR_STR + 8];
        struct http_addr a;
        while (start > xff && start[-1] != ',')
            start--;
        snprintf(item, sizeof item, "%.*s", (int)(end - start), start);
        if (http__addr_parse(util_trim(item), &a) != 0)
            return;
        http__addr_str(&a, out, n);
        if (!trusted(t, &a))
            return;
        end = start > xff ? start - 1 : xff;
    }
}

int http__conns_admit(struct http_server *s, struct MHD_Connection *c)
{
    struct http_conns *t = &s->conns;
    struct http_conn *k = conn_of(c);
    char client[HTTP_ADDR_STR];
    int ok = 1;
    if (!k || !k->trusted)
        return 1; /* direct peers were counted when accepted */
    forwarded_client(t, c, k->peer, client, sizeof client);
    pthread_mutex_lock(&t->mu);
    if (count_client(t, client, k) >= t->per_ip)
        ok = 0;
    else
        memcpy(k->client, client, sizeof k->client);
    pthread_mutex_unlock(&t->mu);
    return ok;
}

int http__conns_trusted(struct http_server *s, struct MHD_Connection *c)
{
    const struct http_conn *k = conn_of(c);
    (void)s;
    return k && k->trusted;
}

void http__conns_client(struct http_server *s, struct MHD_Connection *c, char *out, size_t n)
{
    struct http_conns *t = &s->conns;
    struct http_conn *k = conn_of(c);
    pthread_mutex_lock(&t->mu);
    snprintf(out, n, "%s", !k ? "?" : k->client[0] ? k->client : k->peer);
    pthread_mutex_unlock(&t->mu);
}

/* ---- watchdog and drain --------------------------------------------------- */

static int overdue(const struct http_conns *t, const struct http_conn *k, double now)
{
    if (k->phase == HTTP_CONN_HEAD)
        return t->draining || now - k->since > t->head_ms;
    if (k->phase == HTTP_CONN_BODY)
        return now - k->since > t->body_ms;
    return 0;
}

static void cut_overdue(struct http_conns *t)
{
    double now = util_now_ms();
    for (struct http_conn *k = t->head; k; k = k->next) {
        if (k->cut || k->fd < 0 || !overdue(t, k, now))
            continue;
        k->cut = 1;
        shutdown(k->fd, SHUT_RDWR);
        if (t->draining)
            continue;
        if (k->phase == HTTP_CONN_HEAD) /* mostly idle keep-alive connections: routine */
            log_debug("http: closed a connection from %s: no request head within %d s", k->peer,
                      t->head_ms / 1000);
        else
            log_info("http: closed a connection from %s: request body not complete in %d s",
                     k->peer, t->body_ms / 1000);
    }
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *watchdog(void *arg)
{
    struct http_conns *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        struct timespec ts;
        cut_overdue(t);
        deadline_in(&ts, WATCH_MS);
        pthread_cond_timedwait(&t->cv, &t->mu, &ts);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* Connections in a phase (HTTP_CONN_HEAD: any phase but HEAD). */
static int count_phase(const struct http_conns *t, enum http_conn_phase ph)
{
    int n = 0;
    for (const struct http_conn *k = t->head; k; k = k->next)
        n += !k->cut && (ph == HTTP_CONN_HEAD ? k->phase != HTTP_CONN_HEAD : k->phase == ph);
    return n;
}

int http__conns_drain(struct http_server *s, int grace_ms)
{
    struct http_conns *t = &s->conns;
    double end = util_now_ms() + grace_ms;
    int n;
    pthread_mutex_lock(&t->mu);
    t->draining = 1;
    cut_overdue(t); /* connections waiting for a request go now */
    while (count_phase(t, HTTP_CONN_HEAD) > 0 && util_now_ms() < end) {
        struct timespec ts;
        deadline_in(&ts, WATCH_MS);
        pthread_cond_timedwait(&t->cv, &t->mu, &ts);
    }
    /* past the deadline only a running handler can hold up the stop (MHD
       ends reads and sends by shutting the sockets down) */
    n = count_phase(t, HTTP_CONN_BUSY);
    pthread_mutex_unlock(&t->mu);
    return n;
}

enum kr_code http__conns_init(struct http_server *s, const struct http_server_opts *o,
                             struct kr_err *err)
{
    struct http_conns *t = &s->conns;
    enum kr_code rc = http__cidr_list(o->trusted_proxies, t->proxies, &t->nproxies, err);
    if (rc != KR_OK)
        return rc;
    t->per_ip = o->max_conns_per_ip; /* all > 0: http_server_start checked them */
    t->head_ms = 1000 * o->head_timeout_s;
    t->body_ms = 1000 * o->body_timeout_s;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->ready = 1;
    if (pthread_create(&t->thread, NULL, watchdog, t) != 0)
        return kr_fail(err, KRS_SERVER_START, "cannot start the connection watchdog");
    t->running = 1;
    return KR_OK;
}

void http__conns_free(struct http_server *s)
{
    struct http_conns *t = &s->conns;
    if (!t->ready)
        return;
    if (t->running) {
        pthread_mutex_lock(&t->mu);
        t->stop = 1;
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->thread, NULL);
    }
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    t->ready = 0;
}
