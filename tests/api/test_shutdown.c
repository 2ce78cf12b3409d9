/*
 * test_shutdown.c - SIGTERM ends the server within KARAT_SHUTDOWN_TIMEOUT
 * whatever its clients do.
 *
 * - A handler stuck in an upstream call (an AI provider that accepts the
 *   connection and never answers) does not hold the server up: it exits
 *   at the deadline with status 3 (documented in docs/API.md).
 * - Connections that are idle, half-way through a request head or through
 *   an upload are closed: the server stops cleanly (status 0).
 */
#include "testutil.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A listening socket nobody accepts on: connections complete, requests are
 * never answered. */
static int black_hole(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

struct call {
    const char *url;
    long status;
};

static void *regenerate_title(void *arg)
{
    struct call *c = arg;
    struct tu_part p[] = {{"previous_title", NULL, NULL, "Gold Hoops", 0},
                          {"color", NULL, NULL, "Gold", 0},
                          {"attributes", NULL, NULL, "hoop, polished", 0}};
    struct tu_resp r;
    tu_post_multipart(c->url, p, 3, NULL, &r); /* fails when the server goes */
    c->status = r.status;
    tu_resp_free(&r);
    return NULL;
}

/* SIGTERM, then how long until the server exited; its status in *status. */
static double stop_timed(struct tu_server *s, int *status)
{
    double t0 = util_now_ms();
    char dir[sizeof s->data_dir];
    snprintf(dir, sizeof dir, "%s", s->data_dir);
    *status = tu_server_stop(s); /* SIGKILL after 10 s: -1 */
    tu_rmrf(dir);
    return util_now_ms() - t0;
}

static void test_stuck_handler_does_not_stop_sigterm(void **state)
{
    char base[128], url[160];
    int port, hole = black_hole(&port), status, waiting;
    struct pollfd p = {.fd = hole, .events = POLLIN};
    struct tu_server s;
    struct call c = {url, 0};
    pthread_t t;
    double ms;
    (void)state;
    snprintf(base, sizeof base, "OPENAI_BASE_URL=http://127.0.0.1:%d", port);
    const char *const env[] = {"OPENAI_API_KEY=sk-test", "KARAT_COPY_PROVIDER=openai", base,
                               "KARAT_AI_TIMEOUT=600", "KARAT_SHUTDOWN_TIMEOUT=2", NULL};
    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    snprintf(url, sizeof url, "%s/regenerate_title", s.base);
    assert_int_equal(pthread_create(&t, NULL, regenerate_title, &c), 0);
    waiting = poll(&p, 1, 60000); /* 1: the handler is now waiting upstream */
    ms = stop_timed(&s, &status);
    pthread_join(t, NULL);
    close(hole);
    print_message("stopped in %.0f ms with status %d\n", ms, status);
    assert_int_equal(waiting, 1);
    assert_int_equal(status, 3);
    assert_true(ms >= 1000 && ms < 10000);
    assert_true(c.status != 200);
}

/* 1 when the server answered "100 Continue" on fd (within 60 s). */
static int continued(int fd)
{
    char got[256];
    size_t n = 0;
    struct pollfd p = {fd, POLLIN, 0};
    while (n < sizeof got - 1 && poll(&p, 1, 60000) == 1) {
        ssize_t k = recv(fd, got + n, sizeof got - 1 - n, 0);
        if (k <= 0)
            return 0;
        n += (size_t)k;
        got[n] = 0;
        if (strstr(got, "\r\n\r\n"))
            return strstr(got, " 100 ") != NULL;
    }
    return 0;
}

static void test_held_connections_do_not_stop_sigterm(void **state)
{
    /* a clean drain (status 0) well before the held connections' own
     * timeouts (120 s); 8 s so a loaded machine under ASan drains in time */
    static const char *const env[] = {"KARAT_SHUTDOWN_TIMEOUT=8", NULL};
    const char *head = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ab";
    /* the body connection asks to continue and waits for the word, so its
     * head is known to be read (its body under way) before SIGTERM, however
     * slow the machine: a head still arriving at SIGTERM is waited for */
    const char *upload = "POST /delete_image HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         "application/json\r\nContent-Length: 1000\r\nExpect: 100-continue"
                         "\r\n\r\n";
    struct tu_server s;
    int idle, partial, body, status;
    double ms;
    (void)state;
    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    idle = tu_connect(s.port, 0);
    partial = tu_connect(s.port, 0);
    body = tu_connect(s.port, 0);
    assert_true(send(partial, head, strlen(head), MSG_NOSIGNAL) > 0);
    assert_true(send(body, upload, strlen(upload), MSG_NOSIGNAL) > 0);
    assert_true(continued(body));
    assert_true(send(body, "{\"s3_url\"", 9, MSG_NOSIGNAL) > 0);
    usleep(300 * 1000);
    ms = stop_timed(&s, &status);
    close(idle);
    close(partial);
    close(body);
    print_message("stopped in %.0f ms with status %d\n", ms, status);
    assert_int_equal(status, 0);
    assert_true(ms < 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stuck_handler_does_not_stop_sigterm),
        cmocka_unit_test(test_held_connections_do_not_stop_sigterm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
