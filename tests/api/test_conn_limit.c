/*
 * test_conn_limit.c - KARAT_MAX_CONNS_PER_IP: a client holding its quota of
 * open connections (say, stalled uploads) gets further connections closed
 * at once, while the server keeps answering once one is released.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct tu_server srv;

static int setup(void **state)
{
    static const char *const env[] = {"KARAT_MAX_CONNS_PER_IP=3", NULL};
    (void)state;
    return tu_server_start_tmp(&srv, env);
}

static int teardown(void **state)
{
    (void)state;
    return tu_server_finish(&srv);
}

static int connect_loopback(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* 1 if the server closed fd within ms (read gives EOF or an error). */
static int closed_within(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c;
    if (poll(&p, 1, ms) <= 0)
        return 0;
    return read(fd, &c, 1) <= 0;
}

static long health(void)
{
    char u[256];
    struct tu_resp r;
    snprintf(u, sizeof u, "%s/health", srv.base);
    if (tu_get(u, NULL, &r) != 0)
        return -1;
    long st = r.status;
    tu_resp_free(&r);
    return st;
}

/* A stalled upload (request line and part of the headers) the server
 * keeps. Connections closed a moment ago (the start-up health check) may
 * still hold their slot for a little while: then the server closes this one
 * at once, and it is tried again. */
static int stalled_upload(void)
{
    const char *part = "POST /upload-and-index HTTP/1.1\r\nHost: x\r\n";
    for (int attempt = 0; attempt < 50; attempt++) {
        int fd = connect_loopback();
        assert_int_equal(write(fd, part, strlen(part)), (ssize_t)strlen(part));
        if (!closed_within(fd, 100))
            return fd;
        close(fd);
        usleep(100 * 1000);
    }
    fail_msg("the server closed every connection");
    return -1;
}

static void test_per_ip_cap(void **state)
{
    int held[3], extra;
    (void)state;
    for (int i = 0; i < 3; i++)
        held[i] = stalled_upload();
    for (int i = 0; i < 3; i++)
        assert_false(closed_within(held[i], 50)); /* within the quota: kept */
    extra = connect_loopback();
    assert_true(closed_within(extra, 2000)); /* the fourth is refused */
    close(extra);
    close(held[0]); /* one released: the client is served again (once the
                       server has noticed, hence the retries) */
    long st = -1;
    for (int attempt = 0; attempt < 50 && st != 200; attempt++) {
        usleep(100 * 1000);
        st = health();
    }
    assert_int_equal(st, 200);
    for (int i = 1; i < 3; i++)
        close(held[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_ip_cap),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
