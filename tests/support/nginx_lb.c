/*
 * nginx_lb.c - nginx with deploy/nginx.conf in front of two test nodes
 * (nginx_lb.h).
 *
 * The shipped site file is read, its three addresses replaced (each must
 * be found: a test that silently ran another configuration would prove
 * nothing about the shipped one), and included from a main configuration
 * written here: foreground, one worker, pid/logs/temporary folders under
 * the prefix folder, and an access log line per request naming the node
 * that answered ($upstream_addr).
 */
#include "nginx_lb.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

/* Replace the one occurrence of `from` in *text by `to` (realloc'd); -1 if absent. */
static int replace(char **text, const char *from, const char *to)
{
    char *at = strstr(*text, from), *out;
    size_t head, n;
    if (!at) {
        fprintf(stderr, "nginx_lb: deploy/nginx.conf has no \"%s\"\n", from);
        return -1;
    }
    head = (size_t)(at - *text);
    n = strlen(*text) - strlen(from) + strlen(to) + 1;
    out = malloc(n);
    if (!out)
        return -1;
    snprintf(out, n, "%.*s%s%s", (int)head, *text, to, at + strlen(from));
    free(*text);
    *text = out;
    return 0;
}

/* dir/site.conf: the shipped file with the test's ports. */
static int write_site(const struct nginx_lb *lb, int port_a, int port_b)
{
    char path[512], a[64], b[64], listen[64];
    const char *src = getenv("KARAT_SOURCE_DIR");
    size_t n;
    char *text;
    int rc = -1;

    snprintf(path, sizeof path, "%s/deploy/nginx.conf", src ? src : ".");
    text = (char *)tu_read_file(path, &n);
    if (!text) {
        fprintf(stderr, "nginx_lb: cannot read %s\n", path);
        return -1;
    }
    snprintf(a, sizeof a, "server 127.0.0.1:%d ", port_a);
    snprintf(b, sizeof b, "server 127.0.0.1:%d ", port_b);
    snprintf(listen, sizeof listen, "listen 127.0.0.1:%d;", lb->port);
    if (!replace(&text, "server 127.0.0.1:8001 ", a) &&
        !replace(&text, "server 127.0.0.1:8002 ", b) && !replace(&text, "listen 8000;", listen)) {
        snprintf(path, sizeof path, "%s/site.conf", lb->dir);
        tu_write_file(path, text, strlen(text));
        rc = 0;
    }
    free(text);
    return rc;
}

static void write_main(const struct nginx_lb *lb)
{
    char path[512], conf[4096];
    const char *d = lb->dir;
    snprintf(conf, sizeof conf,
             "daemon off;\nworker_processes 1;\npid %s/nginx.pid;\n"
             "error_log %s/error.log warn;\nevents { worker_connections 512; }\n"
             "http {\n"
             "  log_format karat '$request_method $status $upstream_addr';\n"
             "  access_log %s/access.log karat;\n"
             "  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n"
             "  fastcgi_temp_path %s/fastcgi;\n  uwsgi_temp_path %s/uwsgi;\n"
             "  scgi_temp_path %s/scgi;\n"
             "  include %s/site.conf;\n}\n",
             d, d, d, d, d, d, d, d, d);
    snprintf(path, sizeof path, "%s/nginx.conf", d);
    tu_write_file(path, conf, strlen(conf));
}

/* In the child: drop to "nobody" when root, then exec nginx. */
static void exec_nginx(const struct nginx_lb *lb)
{
    const char *bin = getenv("KARAT_NGINX");
    char conf[512], err[512];
    struct passwd *pw = getuid() == 0 ? getpwnam("nobody") : NULL;

    if (pw && (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid)))
        _exit(126);
    snprintf(conf, sizeof conf, "%s/nginx.conf", lb->dir);
    snprintf(err, sizeof err, "%s/error.log", lb->dir);
    if (!freopen(err, "a", stderr))
        _exit(126);
    bin = bin && *bin ? bin : "/usr/sbin/nginx";
    execl(bin, bin, "-p", lb->dir, "-c", conf, "-e", err, (char *)NULL);
    _exit(127);
}

static int answers(const struct nginx_lb *lb)
{
    char u[128];
    struct tu_resp r;
    int ok;
    snprintf(u, sizeof u, "%s/health", lb->base);
    ok = tu_get(u, NULL, &r) == 0 && r.status == 200;
    tu_resp_free(&r);
    return ok;
}

static void show_log(const struct nginx_lb *lb)
{
    char path[512];
    size_t n;
    unsigned char *log;
    snprintf(path, sizeof path, "%s/error.log", lb->dir);
    log = tu_read_file(path, &n);
    fprintf(stderr, "nginx_lb: nginx did not start:\n%.*s\n", log ? (int)n : 0,
            log ? (const char *)log : "");
    free(log);
}

int nginx_lb_start(struct nginx_lb *lb, int port_a, int port_b)
{
    struct passwd *pw = getuid() == 0 ? getpwnam("nobody") : NULL;
    int st;

    memset(lb, 0, sizeof *lb);
    tu_tmpdir(lb->dir, sizeof lb->dir);
    chmod(lb->dir, 0755);
    if (pw && chown(lb->dir, pw->pw_uid, pw->pw_gid))
        return -1;
    lb->port = tu_free_port();
    snprintf(lb->base, sizeof lb->base, "http://127.0.0.1:%d", lb->port);
    if (write_site(lb, port_a, port_b))
        return -1;
    write_main(lb);
    lb->pid = fork();
    if (lb->pid < 0)
        return -1;
    if (lb->pid == 0)
        exec_nginx(lb);
    for (int i = 0; i < 600; i++) { /* a minute */
        if (answers(lb))
            return 0;
        if (waitpid(lb->pid, &st, WNOHANG) == lb->pid) {
            lb->pid = 0;
            break;
        }
        usleep(100000);
    }
    show_log(lb);
    return -1;
}

void nginx_lb_stop(struct nginx_lb *lb)
{
    if (lb->pid > 0) {
        kill(lb->pid, SIGQUIT); /* graceful: finish requests, then exit */
        while (waitpid(lb->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        lb->pid = 0;
    }
    if (lb->dir[0])
        tu_rmrf(lb->dir);
    lb->dir[0] = 0;
}

long nginx_lb_upstream_hits(const struct nginx_lb *lb, int port)
{
    char path[512], addr[48];
    size_t n, alen;
    long hits = 0;
    char *log, *p;

    snprintf(path, sizeof path, "%s/access.log", lb->dir);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    alen = strlen(addr);
    log = (char *)tu_read_file(path, &n);
    for (p = log; p && (p = strstr(p, addr)) != NULL; p += alen)
        hits += p[alen] < '0' || p[alen] > '9';
    free(log);
    return hits;
}
