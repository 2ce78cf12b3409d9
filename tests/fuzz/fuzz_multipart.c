/*
 * fuzz_multipart.c - libFuzzer target: form bodies (multipart/form-data and
 * urlencoded) through the real http/ server: MHD_PostProcessor feeding
 * body.c's part bookkeeping under small limits, then the accessors a
 * handler uses.
 *
 * Input: the first line is the Content-Type value (CR, NUL and bytes MHD
 * would refuse in a header are replaced by spaces), everything after the
 * newline is the body, sent with an exact Content-Length over a keep-alive
 * loopback connection; or, when the line starts with '~', chunked (64-byte
 * chunks), so a body past max_body (2 KiB here) is cut off while it streams
 * instead of being refused from its length. The handler checks what http.h promises about forms
 * (file data never NULL and all readable, file names without a directory,
 * names bounded, fields within max_field_len, at most max_fields parts);
 * the exchange checks the server answered with any status but 5xx, and
 * with a JSON body unless MHD itself refused the request (its HTML reply).
 */
#include <jansson.h>
#include <stdint.h>

#include "core/config.h"
#include "core/log.h"
#include "fuzz_http.h"
#include "http/http.h"

#define MAX_FIELDS 8

static struct http_server *srv;
static struct fz_conn conn = {.fd = -1};

static void check_file(const struct http_file *f)
{
    unsigned sum = 0;
    if (!f->data || !f->field || !f->filename || !f->content_type)
        fz_die("file with a NULL member");
    if (strchr(f->filename, '/') || strchr(f->filename, '\\'))
        fz_die("file name with a directory part");
    if (strlen(f->field) > 256 || strlen(f->filename) > 256 || strlen(f->content_type) > 256)
        fz_die("unbounded part name");
    for (size_t i = 0; i < f->len; i++) /* every byte readable (ASan) */
        sum += f->data[i];
    (void)sum;
}

static void h_form(struct http_request *req, struct http_response *res, void *app)
{
    static const char *const names[] = {"", "a", "name", "file", "photo", "website", NULL};
    const struct http_file *files[MAX_FIELDS + 1];
    size_t n = http_req_files(req, NULL, files, MAX_FIELDS + 1), nf = 0;
    (void)app;
    if (n > MAX_FIELDS)
        fz_die("more files than max_fields");
    for (size_t i = 0; i < n; i++)
        check_file(files[i]);
    for (int i = 0; names[i]; i++) {
        const char *v = http_req_form(req, names[i]);
        const struct http_file *f = http_req_file(req, names[i]);
        if (v && strlen(v) > 1024)
            fz_die("field over max_field_len");
        if (f)
            check_file(f);
        nf += v != NULL;
    }
    http_res_json(res, 200,
                  json_pack("{s:I, s:I, s:b}", "files", (json_int_t)n, "fields", (json_int_t)nf,
                            "form", http_req_is_form(req)));
}

static const struct http_route routes[] = {{"POST", "/form", h_form, HTTP_PUBLIC, "form"}};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static struct config cfg; /* o's strings point into it */
    struct http_server_opts o;
    struct kr_err err = {0};
    (void)argc;
    (void)argv;
    log_set_level(LOG_OFF);
    if (config_defaults(&cfg, &err))
        fz_die(err.msg);
    http_opts_from_config(&cfg, &o);
    o.listen = "127.0.0.1:0";
    o.api_keys = NULL;
    o.conn_timeout_s = 30;
    o.limits = (struct http_limits){.max_body = 2048,
                                    .max_json = 4096,
                                    .max_json_depth = 8,
                                    .max_fields = MAX_FIELDS,
                                    .max_field_len = 1024};
    if (http_server_start(&o, routes, 1, NULL, &srv, &err))
        fz_die(err.msg);
    conn.port = http_server_port(srv);
    return 0;
}

/* Content-Type from the first line: printable ASCII and tabs only. */
static size_t content_type(const uint8_t *data, size_t n, char *out, size_t cap)
{
    const uint8_t *nl = memchr(data, '\n', n);
    size_t len = nl ? (size_t)(nl - data) : n, k = 0;
    for (size_t i = 0; i < len && k + 1 < cap; i++)
        out[k++] = data[i] >= 0x20 && data[i] < 0x7f ? (char)data[i] : ' ';
    out[k] = '\0';
    return nl ? len + 1 : n;
}

/* body in 64-byte chunks and the last, empty one; malloc'd. */
static char *chunked(const uint8_t *body, size_t n, size_t *out_len)
{
    char *out = malloc(n + (n / 64 + 1) * 8 + 8), *p = out;
    for (size_t off = 0; out && off < n; off += 64) {
        size_t k = n - off < 64 ? n - off : 64;
        p += sprintf(p, "%zx\r\n", k);
        memcpy(p, body + off, k);
        p += k;
        p += sprintf(p, "\r\n");
    }
    if (out)
        p += sprintf(p, "0\r\n\r\n");
    *out_len = out ? (size_t)(p - out) : 0;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    static struct fz_resp r;
    char ct[256], head[512], *enc = NULL;
    size_t skip = content_type(data, n, ct, sizeof ct), len = n - skip;
    json_t *j;

    if (ct[0] == '~') {
        enc = chunked(data + skip, n - skip, &len);
        snprintf(head, sizeof head,
                 "POST /form HTTP/1.1\r\nHost: fuzz\r\nContent-Type: %s\r\n"
                 "Transfer-Encoding: chunked\r\n",
                 ct + 1);
    } else {
        snprintf(head, sizeof head,
                 "POST /form HTTP/1.1\r\nHost: fuzz\r\nContent-Type: %s\r\n"
                 "Content-Length: %zu\r\n",
                 ct, len);
    }
    fz_exchange(&conn, head, enc ? (const uint8_t *)enc : data + skip, len, &r);
    free(enc);
    if (r.status == 0) {
        fprintf(stderr, "fuzz_multipart: no reply (errno %d, %d connections, %s)\n", r.err,
                r.attempts, r.buf);
        abort();
    }
    if (r.status >= 500)
        fz_die(r.body);
    if (strcasestr(r.buf, "\r\nContent-Type: text/html"))
        return 0; /* MHD's own refusal of a request it cannot parse */
    j = json_loadb(r.body, r.len, 0, NULL);
    if (!j)
        fz_die("reply is not JSON");
    json_decref(j);
    return 0;
}
