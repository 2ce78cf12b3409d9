/*
 * testutil.c - see testutil.h.
 */
#include "testutil.h"
#include "pgtest.h"

#include "core/config.h"
#include "http/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <math.h>
#include <strings.h>
#include <vips/vips.h>

void tu_tmpdir(char *out, size_t n)
{
    const char *base = getenv("TMPDIR");
    snprintf(out, n, "%s/karat-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        abort();
    }
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void tu_rmrf(const char *path)
{
    nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n) {
        perror(path);
        abort();
    }
    fclose(f);
}

unsigned char *tu_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *p;
    long len;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)len + 1);
    if (p && fread(p, 1, (size_t)len, f) != (size_t)len) {
        free(p);
        p = NULL;
    }
    if (p)
        p[len] = 0;
    fclose(f);
    *n = (size_t)len;
    return p;
}

/* ---- synthetic images --------------------------------------------------- */

static unsigned int lcg(unsigned int *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

/* Paint an "item": a ring or blob of random colour with random inner detail. */
static void paint_item(unsigned char *px, int w, int h, const struct tu_img_opts *o)
{
    unsigned int s = (unsigned int)o->seed * 2654435761u + 1;
    double scale = o->scale > 0 ? o->scale : 0.7;
    int side = w < h ? w : h;
    double r = side * scale / 2, cx = w / 2.0, cy = h / 2.0;
    int shape = (int)(lcg(&s) % 3);
    unsigned char c1[3] = {(unsigned char)(60 + lcg(&s) % 180), (unsigned char)(40 + lcg(&s) % 180),
                           (unsigned char)(lcg(&s) % 200)};
    unsigned char c2[3] = {(unsigned char)(lcg(&s) % 255), (unsigned char)(lcg(&s) % 255),
                           (unsigned char)(lcg(&s) % 255)};
    double fx = 2 + lcg(&s) % 9, fy = 2 + lcg(&s) % 9, ph = (lcg(&s) % 628) / 100.0;
    double ax = 0.6 + (lcg(&s) % 40) / 100.0;

    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            double dx = (x - cx) / (r * ax), dy = (y - cy) / r;
            double d = dx * dx + dy * dy;
            int in = shape == 0   ? (d < 1 && d > 0.35)
                     : shape == 1 ? d < 1
                                  : (fabs(dx) + fabs(dy) < 1);
            if (!in)
                continue;
            double t = 0.5 + 0.5 * sin(fx * dx * 3.1 + ph) * cos(fy * dy * 2.7 - ph);
            unsigned char *p = px + ((size_t)y * w + x) * 3;
            for (int k = 0; k < 3; k++)
                p[k] = (unsigned char)(c1[k] * t + c2[k] * (1 - t));
        }
    }
}

unsigned char *tu_make_image(const struct tu_img_opts *o, size_t *n)
{
    int w = o->width ? o->width : 800, h = o->height ? o->height : 800;
    int bg = o->bg ? o->bg : 255;
    const char *fmt = o->format ? o->format : "jpeg";
    int q = o->quality ? o->quality : 90;
    size_t sz = (size_t)w * h * 3;
    unsigned char *px = malloc(sz);
    void *out = NULL;
    VipsImage *im;
    int rc;

    memset(px, bg, sz);
    paint_item(px, w, h, o);
    im = vips_image_new_from_memory(px, sz, w, h, 3, VIPS_FORMAT_UCHAR);
    if (strcmp(fmt, "png") == 0)
        rc = vips_pngsave_buffer(im, &out, n, NULL);
    else if (strcmp(fmt, "webp") == 0)
        rc = vips_webpsave_buffer(im, &out, n, "Q", q, NULL);
    else
        rc = vips_jpegsave_buffer(im, &out, n, "Q", q, NULL);
    g_object_unref(im);
    free(px);
    if (rc) {
        fprintf(stderr, "tu_make_image: %s\n", vips_error_buffer());
        abort();
    }
    return out; /* g_malloc'd, but glib uses malloc: free() is fine */
}

void tu_write_image(const char *dir, const char *name, const struct tu_img_opts *o)
{
    size_t n;
    char path[1024];
    unsigned char *p = tu_make_image(o, &n);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    tu_write_file(path, p, n);
    free(p);
}

/* ---- server ------------------------------------------------------------- */

int tu_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

int tu_connect(int port, int host)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct sockaddr_in src = {.sin_family = AF_INET};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        fail_msg("socket: %s", strerror(errno));
    src.sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1 + (uint32_t)host);
    if (host && bind(fd, (struct sockaddr *)&src, sizeof src) != 0)
        fail_msg("bind to 127.0.0.%d: %s", host, strerror(errno));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        fail_msg("connect to port %d: %s", port, strerror(errno));
    return fd;
}

static void apply_env(const char *const *env)
{
    for (size_t i = 0; env && env[i]; i++)
        putenv((char *)env[i]);
}

/* The data folder a karat command line works on: --data X, --data=X or
 * KARAT_DATA_DIR in env; NULL if none. */
static const char *data_dir_of(const char *const *argv, const char *const *env)
{
    const char *dir = NULL;
    for (size_t i = 1; argv[i]; i++) {
        if (strcmp(argv[i], "--data") == 0 && argv[i + 1])
            dir = argv[i + 1];
        else if (strncmp(argv[i], "--data=", 7) == 0)
            dir = argv[i] + 7;
    }
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], "KARAT_DATA_DIR=", 15) == 0)
            dir = env[i] + 15;
    return dir;
}

/* In pg mode (pgtest.h), point the child at data_dir's own database; the
 * test's own env, applied after, may still choose another store (fault). */
static void pg_env(char *url_env, size_t n, const char *data_dir)
{
    tu_pg_env_for(data_dir, url_env, n);
}

static void apply_pg_env(char *url_env)
{
    static char store_env[] = "KARAT_STORE=postgres";
    if (url_env[0]) {
        putenv(store_env);
        putenv(url_env);
    }
}

int tu_server_start(struct tu_server *s, const char *data_dir, const char *const *env)
{
    const char *bin = getenv("KARAT_BIN");
    char listen[64];

    memset(s, 0, sizeof *s);
    pg_env(s->pg_env, sizeof s->pg_env, data_dir);
    s->port = tu_free_port();
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    snprintf(s->data_dir, sizeof s->data_dir, "%s", data_dir);
    snprintf(s->log_path, sizeof s->log_path, "%s.server.log", data_dir);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
    if (!bin)
        return -1;
    s->pid = fork();
    if (s->pid == 0) {
        int fd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        apply_pg_env(s->pg_env);
        apply_env(env);
        execl(bin, bin, "serve", "--listen", listen, "--data", data_dir, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        struct tu_resp r = {0};
        char url[128];
        int st;
        snprintf(url, sizeof url, "%s/health", s->base);
        if (tu_get(url, NULL, &r) == 0 && r.status == 200) {
            tu_resp_free(&r);
            return 0;
        }
        tu_resp_free(&r);
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            return -1;
        }
        usleep(50000);
    }
    return -1;
}

/* Print the server's log to stderr (when it failed, so CI shows why). */
static void dump_log(const struct tu_server *s)
{
    size_t n;
    unsigned char *log = tu_read_file(s->log_path, &n);
    if (log) {
        fprintf(stderr, "---- %s ----\n%s\n---- end ----\n", s->log_path, (char *)log);
        free(log);
    }
}

static int stop_status(struct tu_server *s, int st)
{
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    s->pid = 0;
    if (rc != 0)
        dump_log(s);
    else
        remove(s->log_path);
    return rc;
}

int tu_server_stop(struct tu_server *s)
{
    int st = 0;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    for (int i = 0; i < 200; i++) {
        if (waitpid(s->pid, &st, WNOHANG) == s->pid)
            return stop_status(s, st);
        usleep(50000);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &st, 0);
    stop_status(s, st);
    return -1;
}

int tu_server_start_tmp(struct tu_server *s, const char *const *env)
{
    char dir[256];
    tu_tmpdir(dir, sizeof dir);
    return tu_server_start(s, dir, env);
}

int tu_server_finish(struct tu_server *s)
{
    int rc = tu_server_stop(s);
    tu_rmrf(s->data_dir);
    if (s->pg_env[0])
        tu_pg_drop_db(strchr(s->pg_env, '=') + 1);
    return rc == 0 ? 0 : -1;
}

/* ---- HTTP client -------------------------------------------------------- */

struct sink {
    char *p;
    size_t n;
};

static size_t on_body(char *d, size_t sz, size_t nm, void *u)
{
    struct sink *s = u;
    size_t k = sz * nm;
    char *p = realloc(s->p, s->n + k + 1);
    if (!p)
        return 0;
    memcpy(p + s->n, d, k);
    s->n += k;
    p[s->n] = 0;
    s->p = p;
    return k;
}

static size_t on_header(char *d, size_t sz, size_t nm, void *u)
{
    struct tu_resp *r = u;
    size_t k = sz * nm;
    char line[512];
    size_t c = k < sizeof line - 1 ? k : sizeof line - 1;
    memcpy(line, d, c);
    line[c] = 0;
    line[strcspn(line, "\r\n")] = 0;
    if (strncasecmp(line, "content-type:", 13) == 0)
        snprintf(r->ctype, sizeof r->ctype, "%s", line + 14);
    if (strncasecmp(line, "etag:", 5) == 0)
        snprintf(r->etag, sizeof r->etag, "%s", line + 6);
    if (strncmp(line, "HTTP/", 5) == 0)
        r->headers[0] = 0; /* a new response (after 100 Continue or a redirect) */
    else if (line[0])
        snprintf(r->headers + strlen(r->headers), sizeof r->headers - strlen(r->headers), "%s\r\n",
                 line);
    return k;
}

static int perform(CURL *c, const char *url, const char *const *headers, struct curl_slist *extra,
                   struct tu_resp *r)
{
    struct sink s = {0};
    struct curl_slist *h = extra;
    CURLcode rc;

    memset(r, 0, sizeof *r);
    for (size_t i = 0; headers && headers[i]; i++)
        h = curl_slist_append(h, headers[i]);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    r->body = s.p ? s.p : calloc(1, 1);
    r->len = s.n;
    return rc == CURLE_OK ? 0 : -1;
}

void tu_resp_free(struct tu_resp *r)
{
    free(r->body);
    r->body = NULL;
}

int tu_get(const char *url, const char *const *headers, struct tu_resp *r)
{
    return perform(curl_easy_init(), url, headers, NULL, r);
}

int tu_post(const char *url, const char *ctype, const void *body, size_t n,
            const char *const *headers, struct tu_resp *r)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char line[256];
    if (ctype) {
        snprintf(line, sizeof line, "Content-Type: %s", ctype);
        h = curl_slist_append(h, line);
    }
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
    return perform(c, url, headers, h, r);
}

int tu_request(const char *method, const char *url, const char *ctype, const void *body, size_t n,
               const char *const *headers, struct tu_resp *r)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char line[256];
    if (ctype) {
        snprintf(line, sizeof line, "Content-Type: %s", ctype);
        h = curl_slist_append(h, line);
    }
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    return perform(c, url, headers, h, r);
}

const char *tu_resp_header(const struct tu_resp *r, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    for (const char *p = r->headers; *p;) {
        size_t len = strcspn(p, "\r");
        if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1 + strspn(p + nl + 1, " ");
            snprintf(out, n, "%.*s", (int)(len - (size_t)(v - p)), v);
            return out;
        }
        p += len;
        p += strspn(p, "\r\n");
    }
    return NULL;
}

int tu_post_multipart(const char *url, const struct tu_part *parts, size_t nparts,
                      const char *const *headers, struct tu_resp *r)
{
    CURL *c = curl_easy_init();
    curl_mime *m = curl_mime_init(c);
    int rc;
    for (size_t i = 0; i < nparts; i++) {
        curl_mimepart *p = curl_mime_addpart(m);
        size_t len = parts[i].len ? parts[i].len
                                  : (parts[i].filename ? 0 : strlen((const char *)parts[i].data));
        curl_mime_name(p, parts[i].name);
        curl_mime_data(p, parts[i].data ? parts[i].data : "", len);
        if (parts[i].filename)
            curl_mime_filename(p, parts[i].filename);
        if (parts[i].ctype)
            curl_mime_type(p, parts[i].ctype);
    }
    curl_easy_setopt(c, CURLOPT_MIMEPOST, m);
    rc = perform(c, url, headers, NULL, r);
    curl_mime_free(m);
    return rc;
}

int tu_run(const char *const *argv, const char *const *env, char **out)
{
    int fds[2], st;
    pid_t pid;
    struct sink s = {0};
    char chunk[4096];
    ssize_t k;
    char url_env[1100];

    pg_env(url_env, sizeof url_env, data_dir_of(argv, env));
    if (pipe(fds))
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        apply_pg_env(url_env);
        apply_env(env);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    while ((k = read(fds[0], chunk, sizeof chunk)) > 0)
        on_body(chunk, 1, (size_t)k, &s);
    close(fds[0]);
    waitpid(pid, &st, 0);
    if (out)
        *out = s.p ? s.p : calloc(1, 1);
    else
        free(s.p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int tu_file_url_in(const char *url, const char *bucket)
{
    char want[160];
    const char *blob = getenv("KARAT_BLOB"), *ep = getenv("AWS_ENDPOINT_URL");
    if (blob && strcmp(blob, "s3") == 0 && ep)
        snprintf(want, sizeof want, "%s/%s/", ep, bucket);
    else
        snprintf(want, sizeof want, "/files/%s/", bucket);
    return url && strstr(url, want) != NULL;
}

void tu_http_opts(struct http_server_opts *o)
{
    static struct config cfg; /* the strings o may point to live as long as the process */
    static int loaded;
    if (!loaded && config_defaults(&cfg, NULL) != KR_OK)
        abort();
    loaded = 1;
    http_opts_from_config(&cfg, o);
    o->listen = "127.0.0.1:0";
    o->api_keys = NULL;
    o->allow_no_auth = 0;
    o->cors_origins = NULL;
    o->trusted_proxies = NULL;
}
