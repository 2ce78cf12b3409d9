/*
 * nginx_lb.h - nginx as the load balancer in front of two test nodes, with
 * the repository's own deploy/nginx.conf (the site file docs/DEPLOY.md
 * installs): the test changes only the two node addresses and the listen
 * port in it, and wraps it in a minimal main configuration whose pid file,
 * logs and temporary folders are all in a new temporary folder (the prefix).
 *
 * nginx (Debian's, from scripts/bootstrap; KARAT_NGINX names the binary)
 * runs in the foreground as a child of the test, as the unprivileged user
 * "nobody" when the test runs as root, so it never needs port 80 or /var.
 * The access log records which node answered each request.
 */
#ifndef KARAT_TEST_NGINX_LB_H
#define KARAT_TEST_NGINX_LB_H

#include <sys/types.h>

struct nginx_lb {
    pid_t pid;
    int port;
    char dir[256];
    char base[64]; /* "http://127.0.0.1:PORT" */
};

/* Start nginx balancing between 127.0.0.1:port_a and :port_b; 0 once it
 * answers GET /health through a node, -1 (a message on stderr) if not. */
int nginx_lb_start(struct nginx_lb *lb, int port_a, int port_b);
/* Stop it (SIGQUIT, then wait) and remove its folder. */
void nginx_lb_stop(struct nginx_lb *lb);
/* Requests the balancer passed to 127.0.0.1:port so far (its access log). */
long nginx_lb_upstream_hits(const struct nginx_lb *lb, int port);

#endif
