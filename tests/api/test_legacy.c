/*
 * test_legacy.c - `karat import-legacy` and `karat migrate-to-server` with
 * real components: s3rver behind the SigV4-checking proxy, and the store
 * of the run (SQLite, or PostgreSQL in the ".pg" variant).
 *
 * import-legacy: a bucket in the original's layout (photos at the root
 * under timestamp, legacy "{ts}_{uuid8}_{name}" and SKU names, a resized
 * copy of one photo, a corrupt object, gen_images/ and excel_files/) is
 * adopted: rows and summary right, the original's ids kept (--ids), its SKU
 * cache carried over (--sku-cache); a second run adopts nothing; a run
 * killed mid-way completes when run again. Then the server resolves the
 * original's URL forms (virtual-hosted global endpoint, quoted and
 * unquoted keys) as its own files: /delete_image removes the adopted photo.
 * migrate-to-server: an embedded folder (SQLite + local files, photos and
 * a document) lands in S3 + the server store (a run killed mid-copy is
 * completed by the next; a third copies nothing); the server lists the same
 * photos, serves them, and finds an upload of one of them a duplicate.
 */
#include "testutil.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vips/vips.h>

#include "blob/blob.h"
#include "core/config.h"
#include "pgtest.h"
#include "s3_server.h"
#include "store/store.h"

static char dir[256], data[300], dd[400], ids[300], cache[300];
static struct s3srv srv;
static unsigned char *photo_a;
static size_t photo_a_len;

static unsigned char *img(int seed, int w, double scale, int q, size_t *n)
{
    struct tu_img_opts o = {.width = w, .height = w, .seed = seed, .scale = scale, .quality = q};
    return tu_make_image(&o, n);
}

#define LIT(s) s, sizeof s - 1 /* a string literal's bytes and length */

static void put(struct blob *b, const char *key, const void *p, size_t n)
{
    struct kr_err err = {0};
    if (blob_put(b, "alyaimg", key, p, n, &err))
        fail_msg("put %s: %s", key, err.msg);
}

/* The bucket as the original left it. */
static void prepare_bucket(void)
{
    struct config cfg;
    struct kr_err err = {0};
    struct blob *b;
    unsigned char *p;
    size_t n;

    assert_int_equal(config_load(&cfg, &err), KR_OK);
    assert_int_equal(blob_open_cfg("s3", "", &cfg, &b, &err), KR_OK);
    photo_a = img(31, 900, 0.7, 92, &photo_a_len);
    put(b, "20260205062451112323.jpg", photo_a, photo_a_len);
    p = img(31, 600, 0.7, 80, &n); /* the same photo resized: a near-duplicate */
    put(b, "20260205062452000001.jpg", p, n);
    free(p);
    p = img(32, 800, 0.7, 90, &n);
    put(b, "SKU-107.jpg", p, n);
    free(p);
    p = img(33, 800, 0.7, 90, &n);
    put(b, "1738000000_ab12cd34_ring_gold.jpg", p, n);
    free(p);
    put(b, "corrupt.jpg", LIT("\xff\xd8\xff\xe0 this is not a photo"));
    p = img(34, 400, 0.7, 90, &n);
    put(b, "gen_images/SKU-107_type1.png", p, n);
    free(p);
    put(b, "gen_images/SKU-107.zip", LIT("PK\x05\x06"));
    put(b, "excel_files/amazon_products.xlsx", LIT("PK\x03\x04 sheet"));
    /* a name Karat cannot store (a space): passed over, reported */
    p = img(35, 600, 0.7, 90, &n);
    assert_int_equal(s3srv_put_raw(&srv, "alyaimg", "my%20ring.jpg", p, n), 200);
    free(p);
    blob_close(b);
    config_release(&cfg);
}

static int setup(void **state)
{
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    snprintf(ids, sizeof ids, "%s/int_hash_to_path.json", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(dd, sizeof dd, "--data=%s", data);
    if (VIPS_INIT("test") || s3srv_start(&srv) != 0)
        return -1;
    s3srv_setenv(&srv, "S3RVER"); /* only S3_BUCKET (alyaimg) is listed: */
    unsetenv("KARAT_BUCKETS");
    snprintf(cache, sizeof cache, "%s/data_store.json", dir);
    /* the original's maps: a quoted URL (%2D for '-') and an unknown one */
    const char *idj = "{\"4242\": \"https://alyaimg.s3.amazonaws.com/SKU%2D107.jpg\","
                      " \"77\": \"https://alyaimg.s3.amazonaws.com/gone.jpg\"}";
    tu_write_file(ids, idj, strlen(idj));
    const char *cj = "{\"SKU-107\": {\"title\": \"Gold hoops\", \"description\": \"Light.\","
                     " \"bullet_points\": {\"bullet_point1\": \"Hypoallergenic\"}},"
                     " \"SKU-9\": {\"error\": \"Invalid JSON\", \"raw\": \"...\"},"
                     " \"SKU-10\": {\"title\": false, \"description\": false}}";
    tu_write_file(cache, cj, strlen(cj));
    prepare_bucket();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(photo_a);
    s3srv_stop(&srv);
    tu_rmrf(dir);
    return 0;
}

static int import(char **out, const char *d)
{
    const char *argv[] = {getenv("KARAT_BIN"), "import-legacy", d,   "--ids", ids,
                          "--sku-cache",       cache,           NULL};
    return tu_run(argv, NULL, out);
}

static void expect(const char *out, const char *what)
{
    if (!strstr(out, what))
        fail_msg("expected \"%s\" in:\n%s", what, out);
}

static json_t *images(struct tu_server *s)
{
    char u[256];
    struct tu_resp r;
    json_t *j;
    snprintf(u, sizeof u, "http://127.0.0.1:%d/images?limit=200", s->port);
    assert_int_equal(tu_get(u, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body, 0, NULL);
    tu_resp_free(&r);
    return j;
}

static json_t *find_key(json_t *list, const char *key)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(list, "images"), i, v)
    {
        const char *url = json_string_value(json_object_get(v, "s3_url"));
        size_t n = url ? strlen(url) : 0, k = strlen(key);
        if (n > k && url[n - k - 1] == '/' && strcmp(url + n - k, key) == 0)
            return v;
    }
    return NULL;
}

static const char *const offline[] = {"KARAT_ATTR_PROVIDER=offline", "KARAT_COPY_PROVIDER=offline",
                                      "KARAT_IMAGE_PROVIDER=offline", NULL};

/* Two adopted photos by the original's URLs (one key quoted): both rows
 * made, neither refused as a foreign URL. */
static void catalog_by_original_urls(struct tu_server *s)
{
    char u[256];
    struct tu_resp r;
    json_t *body, *j, *v;
    size_t i;
    char *text;

    body = json_pack("{s:s, s:s, s:s, s:s}", "image_urls",
                     "https://alyaimg.s3.amazonaws.com/SKU%2D107.jpg,"
                     "https://alyaimg.s3.amazonaws.com/20260205062451112323.jpg",
                     "type", "earrings", "marketplace", "flipkart", "skuids", "SKU-107,SKU-1");
    text = json_dumps(body, 0);
    json_decref(body);
    snprintf(u, sizeof u, "http://127.0.0.1:%d/catalog-ai", s->port);
    assert_int_equal(tu_post(u, "application/json", text, strlen(text), NULL, &r), 0);
    free(text);
    j = json_loads(r.body ? r.body : "", 0, NULL);
    if (r.status != 200 || json_integer_value(json_object_get(j, "rows")) != 2)
        fail_msg("catalog-ai: %ld %.600s", r.status, r.body ? r.body : "");
    tu_resp_free(&r);
    json_array_foreach(json_object_get(j, "results"), i, v)
    {
        if (json_object_get(v, "error"))
            fail_msg("catalog-ai item %zu failed", i);
    }
    json_decref(j);
}

static void test_import_twice_then_delete_by_original_url(void **state)
{
    char *out = NULL, u[256], body[1024];
    struct tu_server s;
    struct tu_resp r;
    (void)state;

    assert_int_equal(import(&out, dd), 0);
    expect(out, "objects 9: adopted 7 (photos 4, derived files 3), duplicates among them 1, "
                "original ids kept 1");
    expect(out, "unreadable 1, gone 0, skipped 1");
    expect(out, "unreadable alyaimg/corrupt.jpg:");
    expect(out, "skipped alyaimg/\"my ring.jpg\": contains a space (not a name Karat can store");
    expect(out, "sku cache: 3 SKUs, 1 imported, 0 already there, 2 skipped");
    free(out);
    assert_int_equal(import(&out, dd), 0);
    expect(out, "adopted 0 (photos 0, derived files 0), duplicates among them 0");
    expect(out, "already recorded 7, unreadable 1");
    expect(out, "sku cache: 3 SKUs, 0 imported, 1 already there");
    free(out);
    /* fsck --repair past the grace period: the unreadable object is kept */
    const char *const grace0[] = {"KARAT_FSCK_GRACE=0", NULL};
    const char *fsck[] = {getenv("KARAT_BIN"), "fsck", "--repair", dd, NULL};
    assert_int_equal(tu_run(fsck, grace0, &out), 0);
    expect(out, "blob alyaimg/corrupt.jpg: adopted, not a readable photo (left alone)");
    expect(out, " 0 problem(s)");
    free(out);

    assert_int_equal(tu_server_start(&s, data, offline), 0);
    json_t *list = images(&s);
    assert_int_equal(json_array_size(json_object_get(list, "images")), 4);
    json_t *sku = find_key(list, "SKU-107.jpg");
    assert_non_null(sku);
    assert_int_equal(json_integer_value(json_object_get(sku, "id")), 4242);
    assert_non_null(find_key(list, "1738000000_ab12cd34_ring_gold.jpg"));
    assert_null(find_key(list, "gen_images/SKU-107_type1.png"));
    json_decref(list);

    /* a derived file is served like any stored file; the corrupt one is still there */
    snprintf(u, sizeof u, "http://127.0.0.1:%d/files/alyaimg/corrupt.jpg", s.port);
    assert_int_equal(tu_get(u, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    snprintf(u, sizeof u, "http://127.0.0.1:%d/files/alyaimg/excel_files/amazon_products.xlsx",
             s.port);
    assert_int_equal(tu_get(u, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);

    /* /catalog-ai reads adopted photos by the original's URLs as its own files */
    catalog_by_original_urls(&s);

    /* the original's URL forms: quoted and unquoted keys on its global endpoint */
    snprintf(u, sizeof u, "http://127.0.0.1:%d/delete_image", s.port);
    snprintf(body, sizeof body,
             "{\"s3_url\": \"https://alyaimg.s3.amazonaws.com/SKU%%2D107.jpg, "
             "https://alyaimg.s3.amazonaws.com/1738000000_ab12cd34_ring_gold.jpg\"}");
    assert_int_equal(tu_post(u, "application/json", body, strlen(body), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    tu_resp_free(&r);
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), 2);
    assert_true(json_is_true(json_object_get(json_array_get(res, 0), "deleted")));
    assert_true(json_is_true(json_object_get(json_array_get(res, 1), "deleted")));
    json_decref(j);
    list = images(&s);
    assert_int_equal(json_array_size(json_object_get(list, "images")), 2);
    json_decref(list);
    assert_int_equal(tu_server_stop(&s), 0);
}

/* pid of the command argv (its data folder data_dir), running. */
static pid_t start_cmd(const char *data_dir, const char *const *argv)
{
    char pg[1100];
    tu_pg_env_for(data_dir, pg, sizeof pg);
    pid_t pid = fork();
    if (pid == 0) {
        if (*pg) {
            putenv(pg);
            setenv("KARAT_STORE", "postgres", 1);
        }
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static void test_kill_mid_run_then_complete(void **state)
{
    char d2[300], dd2[400], *out = NULL;
    int st;
    (void)state;

    snprintf(d2, sizeof d2, "%s/data2", dir);
    snprintf(dd2, sizeof dd2, "--data=%s", d2);
    s3srv_reset(&srv);
    /* the fourth object in list order stalls: three are adopted by then */
    s3srv_fault(&srv, "GET", "SKU-107", 503, "SlowDown", 1, 120.0);
    const char *argv[] = {getenv("KARAT_BIN"), "import-legacy", dd2, NULL};
    pid_t pid = start_cmd(d2, argv);
    time_t end = time(NULL) + 120;
    while (s3srv_count(&srv, "GET") < 5 && time(NULL) < end)
        usleep(100000);
    assert_true(s3srv_count(&srv, "GET") >= 5); /* the list + 4 objects */
    usleep(300000);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    s3srv_reset(&srv);

    assert_int_equal(tu_run(argv, NULL, &out), 0);
    /* what the killed run recorded stays; the rerun adopts the rest */
    long long adopted = -1, known = -1;
    const char *a = strstr(out, "adopted "), *k = strstr(out, "already recorded ");
    assert_non_null(a);
    assert_non_null(k);
    sscanf(a, "adopted %lld", &adopted);
    sscanf(k, "already recorded %lld", &known);
    if (known < 1 || known > 6 || adopted + known != 7)
        fail_msg("after the kill:\n%s", out);
    expect(out, "unreadable 1");
    free(out);
    assert_int_equal(tu_run(argv, NULL, &out), 0);
    expect(out, "adopted 0 (");
    expect(out, "already recorded 7, unreadable 1");
    free(out);
}

/* An embedded folder: three photos indexed, one SKU cache document. */
static void make_embedded(const char *emb)
{
    char photos[400], db[400], *out = NULL;
    struct store *s;
    struct kr_err err = {0};
    const char *const local[] = {"KARAT_BLOB=local", "KARAT_STORE=sqlite", NULL};

    snprintf(photos, sizeof photos, "%s/photos", dir);
    mkdir(photos, 0755);
    for (int i = 0; i < 3; i++) {
        struct tu_img_opts o = {.width = 700, .height = 700, .seed = 500 + i, .quality = 90};
        char name[32];
        snprintf(name, sizeof name, "m%d.jpg", i);
        tu_write_image(photos, name, &o);
    }
    char de[420];
    snprintf(de, sizeof de, "--data=%s", emb);
    const char *argv[] = {getenv("KARAT_BIN"), "index", photos, de, NULL};
    assert_int_equal(tu_run(argv, local, &out), 0);
    free(out);
    snprintf(db, sizeof db, "%s/karat.db", emb);
    assert_int_equal(store_open("sqlite", db, &s, &err), KR_OK);
    assert_int_equal(store_doc_put(s, "sku_cache", "amazon/earrings/copy/0123456789abcdef/S1",
                                   "{\"values\":{\"item_name\":\"x\"}}", &err),
                     KR_OK);
    store_close(s);
}

static void test_migrate_embedded_to_server(void **state)
{
    char emb[300], srvd[300], from[400], to[400], *out = NULL, u[256];
    struct tu_server s;
    int st;
    (void)state;

    snprintf(emb, sizeof emb, "%s/embedded", dir);
    snprintf(srvd, sizeof srvd, "%s/server", dir);
    snprintf(from, sizeof from, "--from=%s", emb);
    snprintf(to, sizeof to, "--data=%s", srvd);
    make_embedded(emb);

    const char *argv[] = {getenv("KARAT_BIN"), "migrate-to-server", from, to, NULL};
    /* killed while copying objects (a PUT stalls), then run again */
    s3srv_reset(&srv);
    s3srv_fault(&srv, "PUT", "", 503, "SlowDown", 1, 120.0);
    pid_t pid = start_cmd(srvd, argv);
    time_t end = time(NULL) + 120;
    while (s3srv_count(&srv, "PUT") < 1 && time(NULL) < end)
        usleep(100000);
    assert_true(s3srv_count(&srv, "PUT") >= 1);
    usleep(300000);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    s3srv_reset(&srv);

    assert_int_equal(tu_run(argv, NULL, &out), 0);
    expect(out, "objects 3 (copied ");
    expect(out, "rows 3 (copied 3), documents 1 (copied 1), rows verified 3");
    free(out);
    assert_int_equal(tu_run(argv, NULL, &out), 0);
    expect(out, "objects 3 (copied 0), rows 3 (copied 0), documents 1 (copied 0), "
                "rows verified 3");
    free(out);

    assert_int_equal(tu_server_start(&s, srvd, NULL), 0);
    json_t *list = images(&s);
    json_t *arr = json_object_get(list, "images");
    assert_int_equal(json_array_size(arr), 3);
    const char *url = json_string_value(json_object_get(json_array_get(arr, 0), "s3_url"));
    if (!tu_file_url_in(url, "alyaimg"))
        fail_msg("not an S3 URL of alyaimg: %s", url ? url : "(none)");
    struct tu_resp r;
    assert_int_equal(tu_get(url, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    json_decref(list);

    /* one of the migrated photos, uploaded again: a duplicate */
    char photo[400];
    size_t n;
    snprintf(photo, sizeof photo, "%s/photos/m1.jpg", dir);
    unsigned char *p = tu_read_file(photo, &n);
    struct tu_part part = {"file", "m1.jpg", "image/jpeg", p, n};
    snprintf(u, sizeof u, "http://127.0.0.1:%d/image_similarity_search", s.port);
    assert_int_equal(tu_post_multipart(u, &part, 1, NULL, &r), 0);
    free(p);
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    tu_resp_free(&r);
    assert_true(json_is_true(json_object_get(j, "duplicate_found")));
    json_decref(j);
    assert_int_equal(tu_server_stop(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_mid_run_then_complete),
        cmocka_unit_test(test_import_twice_then_delete_by_original_url),
        cmocka_unit_test(test_migrate_embedded_to_server),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
