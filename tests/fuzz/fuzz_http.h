/*
 * fuzz_http.h - what the two HTTP fuzz targets share: one keep-alive
 * loopback connection to the in-process server and one request/response
 * exchange on it.
 *
 * The targets run the real http/ server (MHD, body.c, request.c) in the
 * fuzzer's process, so its code is instrumented and a sanitizer report in a
 * server thread stops the run like one in the fuzzer's own thread. Reusing
 * one connection keeps one server thread instead of starting one per input.
 * The response is read to its declared Content-Length before the input is
 * done, so everything the server did for it counts towards that input.
 */
#ifndef KARAT_FUZZ_HTTP_H
#define KARAT_FUZZ_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define FZ_RESP_MAX 65536

struct fz_conn {
    int port;
    int fd; /* -1: connect on the next exchange */
};

struct fz_resp {
    int status; /* 0: no reply (connection closed) */
    int close;  /* the server closes the connection after this reply */
    char *body; /* into buf, NUL-terminated */
    size_t len;
    int err;      /* errno of the failed recv, for the report */
    int attempts; /* connections tried for this exchange */
    char buf[FZ_RESP_MAX + 1];
};

static void fz_die(const char *what)
{
    fprintf(stderr, "fuzz: %s\n", what);
    abort();
}

static void fz_close(struct fz_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static int fz_connect(struct fz_conn *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
    struct timeval tv = {.tv_sec = 60}; /* past libFuzzer's -timeout, which reports a hang */
    int one = 1;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* thousands of short connections a second can use up the loopback's
     * ephemeral ports for a moment (TIME_WAIT): wait for one, up to 5 s */
    for (int tries = 0;; tries++) {
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c->fd >= 0 && connect(c->fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            break;
        fz_close(c);
        if (tries >= 500)
            return -1;
        usleep(10 * 1000);
    }
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* no 40 ms ACK waits */
    return 0;
}

static void fz_send(int fd, const void *data, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t k = send(fd, (const char *)data + off, n - off, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue; /* libFuzzer's -timeout alarm */
        if (k <= 0)
            return; /* the server answered early and closed: read its reply */
        off += (size_t)k;
    }
}

/* Read one response: the header block, then Content-Length bytes. */
static void fz_read(struct fz_conn *c, struct fz_resp *r)
{
    size_t got = 0, need = 0;
    char *end = NULL;
    ssize_t k;

    r->status = 0;
    r->close = 1;
    r->body = r->buf;
    r->len = 0;
    while (got < FZ_RESP_MAX && (!end || got < need)) {
        k = recv(c->fd, r->buf + got, FZ_RESP_MAX - got, 0);
        if (k < 0 && errno == EINTR)
            continue; /* libFuzzer's -timeout alarm */
        if (k <= 0) {
            r->err = k < 0 ? errno : 0;
            break;
        }
        got += (size_t)k;
        r->buf[got] = '\0';
        if (!end && (end = strstr(r->buf, "\r\n\r\n"))) {
            const char *cl = strcasestr(r->buf, "\r\nContent-Length:");
            need = (size_t)(end + 4 - r->buf) + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
        }
    }
    r->buf[got] = '\0';
    if (!end || got < need || strncmp(r->buf, "HTTP/1.", 7) != 0) {
        fz_close(c);
        return;
    }
    r->status = atoi(r->buf + 9);
    *end = '\0';
    r->close = strcasestr(r->buf, "\r\nConnection: close") != NULL && r->status != 100;
    r->body = end + 4;
    r->len = need - (size_t)(end + 4 - r->buf);
    if (r->close)
        fz_close(c);
}

/* Send head (the request line and header lines, each ending in CRLF, no
 * blank line) with "Expect: 100-continue", and the body only once the
 * server asked for it: a request the server refuses before reading the
 * body gets its reply and no body bytes, so the reply cannot be lost to a
 * reset caused by unread data. The reply goes into r. A connection the
 * server closed is opened again on the next call; a kept-alive one that
 * turns out closed when reused is retried once on a new one. */
static void fz_exchange(struct fz_conn *c, const char *head, const void *body, size_t n,
                        struct fz_resp *r)
{
    char full[1024];
    snprintf(full, sizeof full, "%s%s\r\n", head, n ? "Expect: 100-continue\r\n" : "");
    r->err = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        int reused = c->fd >= 0;
        r->attempts = attempt + 1;
        if (!reused && fz_connect(c) != 0)
            fz_die("cannot connect to the in-process server");
        fz_send(c->fd, full, strlen(full));
        if (n) {
            fz_read(c, r);
            if (r->status != 100)
                goto done; /* refused before the body (or no reply) */
            fz_send(c->fd, body, n);
        }
        fz_read(c, r);
    done:
        if (r->status || !reused)
            return;
    }
}

#endif
