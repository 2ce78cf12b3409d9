/*
 * catalog_api.h - helpers for the catalog API tests (header-only, static):
 * posting catalog requests, polling jobs, fetching the produced files back
 * from the server, and checking a downloaded workbook cell by cell against
 * the attributes the response reported (the header row names the columns;
 * the sheet is parsed once per check, xlsx_read.h).
 */
#ifndef KARAT_CATALOG_API_H
#define KARAT_CATALOG_API_H

#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_ai.h"
#include "testutil.h"
#include "xlsx_read.h"

#define CA_PUBLIC "http://karat.test" /* KARAT_PUBLIC_URL of servers that restart */

/* Server environment: attributes from the fake Gemini, copy from the fake
 * OpenAI (their *_BASE_URL entries added by the test), offline images. */
#define CA_FAKE_PROVIDERS                                                                          \
    "GOOGLE_API_KEY=g-key-one", "OPENAI_API_KEY=sk-test", "KARAT_ATTR_PROVIDER=gemini",             \
        "KARAT_COPY_PROVIDER=openai", "KARAT_IMAGE_PROVIDER=offline"

static inline const char *ca_str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* A Karat URL as reported -> the URL to GET on server s. */
static inline void ca_local_url(const struct tu_server *s, const char *url, char *out, size_t n)
{
    const char *files = strstr(url, "/files/");
    snprintf(out, n, "%s%s", s->base, files ? files : url);
}

static inline json_t *ca_json(struct tu_resp *r)
{
    json_t *j = json_loads(r->body ? r->body : "", 0, NULL);
    if (!j)
        fail_msg("not JSON (status %ld): %.300s", r->status, r->body ? r->body : "");
    return j;
}

static inline json_t *ca_post_json(const struct tu_server *s, const char *path, json_t *body,
                                   long *status)
{
    char url[512], *text = json_dumps(body, 0);
    struct tu_resp r;
    json_t *j;
    snprintf(url, sizeof url, "%s%s", s->base, path);
    assert_int_equal(tu_post(url, "application/json", text, strlen(text), NULL, &r), 0);
    free(text);
    *status = r.status;
    j = ca_json(&r);
    tu_resp_free(&r);
    return j;
}

static inline json_t *ca_get_json(const struct tu_server *s, const char *path, long *status)
{
    char url[512];
    struct tu_resp r;
    json_t *j;
    snprintf(url, sizeof url, "%s%s", s->base, path);
    assert_int_equal(tu_get(url, NULL, &r), 0);
    *status = r.status;
    j = ca_json(&r);
    tu_resp_free(&r);
    return j;
}

/* Download a reported file; malloc'd bytes. */
static inline unsigned char *ca_download(const struct tu_server *s, const char *url, size_t *n)
{
    char local[1024];
    struct tu_resp r;
    unsigned char *b;
    ca_local_url(s, url, local, sizeof local);
    assert_int_equal(tu_get(local, NULL, &r), 0);
    if (r.status != 200)
        fail_msg("GET %s: %ld", local, r.status);
    b = malloc(r.len + 1);
    memcpy(b, r.body, r.len);
    b[r.len] = 0;
    *n = r.len;
    tu_resp_free(&r);
    return b;
}

static inline void ca_ref(int col, int row, char *out, size_t n)
{
    tu_xlsx_ref(col, row, out, n);
}

static inline char *ca_cell(const unsigned char *x, size_t n, const char *sheet, int col, int row)
{
    json_t *rows = tu_xlsx_rows_mem(x, n, sheet);
    const char *text = tu_xlsx_at(rows, col, row);
    char *out = text ? strdup(text) : NULL;
    json_decref(rows);
    return out;
}

/* Every column named in the header row of rows (tu_xlsx_rows of sheet) holds
 * attributes[name] at `row`; returns how many columns were compared. */
static inline int ca_assert_row_in(json_t *rows, const char *sheet, int header_row, int row,
                                   json_t *attributes)
{
    int col = 0;
    for (;; col++) {
        const char *name = tu_xlsx_at(rows, col, header_row), *got, *want;
        if (!name || !*name)
            break;
        want = ca_str(attributes, name);
        got = tu_xlsx_at(rows, col, row);
        if (strcmp(got ? got : "", want) != 0)
            fail_msg("%s column %s row %d: got '%s', want '%s'", sheet, name, row,
                     got ? got : "(absent)", want);
    }
    return col;
}

/* The same, for the workbook x of n bytes. */
static inline int ca_assert_row(const unsigned char *x, size_t n, const char *sheet, int header_row,
                                int row, json_t *attributes)
{
    json_t *rows = tu_xlsx_rows_mem(x, n, sheet);
    int col = ca_assert_row_in(rows, sheet, header_row, row, attributes);
    json_decref(rows);
    return col;
}

/* Poll GET /jobs/{id} until it ends (or until done >= min_done when > 0). */
static inline json_t *ca_poll(const struct tu_server *s, const char *id, int min_done, int seconds)
{
    char path[128];
    long st;
    snprintf(path, sizeof path, "/jobs/%s", id);
    for (int i = 0; i < seconds * 20; i++) {
        json_t *j = ca_get_json(s, path, &st);
        const char *status = ca_str(j, "status");
        assert_int_equal(st, 200);
        if ((min_done > 0 && json_integer_value(json_object_get(j, "done")) >= min_done) ||
            (min_done <= 0 && (!strcmp(status, "done") || !strcmp(status, "failed"))))
            return j;
        json_decref(j);
        usleep(50000);
    }
    fail_msg("job %s did not get there in %d s", id, seconds);
    return NULL;
}

/* A synthetic product photo (malloc'd JPEG). */
static inline unsigned char *ca_photo(int seed, size_t *n)
{
    struct tu_img_opts o = {.width = 800, .height = 800, .seed = seed};
    return tu_make_image(&o, n);
}

/* POST /catalog-ai<query> to s as multipart: n synthetic photos (seeds from
 * seed0, at most 12) named `name` (NULL: photo-<i>.jpg) + the text fields
 * given (skus may be NULL); the answer's JSON. */
static inline json_t *ca_post_photos(const struct tu_server *s, const char *query, int n, int seed0,
                                     const char *type, const char *mp, const char *skus,
                                     const char *name, long *status)
{
    struct tu_part parts[16];
    unsigned char *img[12];
    char url[256], names[12][32];
    size_t np = 0, len;
    struct tu_resp r;
    json_t *j;

    for (int i = 0; i < n; i++) {
        img[i] = ca_photo(seed0 + i, &len);
        if (name)
            snprintf(names[i], sizeof names[i], "%s", name);
        else
            snprintf(names[i], sizeof names[i], "photo-%d.jpg", i);
        parts[np++] = (struct tu_part){"files", names[i], "image/jpeg", img[i], len};
    }
    parts[np++] = (struct tu_part){"type", NULL, NULL, type, 0};
    parts[np++] = (struct tu_part){"marketplace", NULL, NULL, mp, 0};
    if (skus)
        parts[np++] = (struct tu_part){"skuids", NULL, NULL, skus, 0};
    snprintf(url, sizeof url, "%s/catalog-ai%s", s->base, query ? query : "");
    assert_int_equal(tu_post_multipart(url, parts, np, NULL, &r), 0);
    for (int i = 0; i < n; i++)
        free(img[i]);
    *status = r.status;
    j = ca_json(&r);
    tu_resp_free(&r);
    return j;
}

/* Upload a synthetic photo to s (POST /upload-and-index) with the request
 * headers given (may be NULL); its Karat URL, malloc'd. */
static inline char *ca_upload_as(const struct tu_server *s, int seed, const char *const *headers)
{
    size_t n;
    unsigned char *img = ca_photo(seed, &n);
    struct tu_part p = {"file", "up.jpg", "image/jpeg", img, n};
    char url[256], *out;
    struct tu_resp r;
    json_t *j;
    snprintf(url, sizeof url, "%s/upload-and-index", s->base);
    assert_int_equal(tu_post_multipart(url, &p, 1, headers, &r), 0);
    assert_int_equal(r.status, 200);
    j = ca_json(&r);
    out = strdup(ca_str(j, "s3_url"));
    json_decref(j);
    tu_resp_free(&r);
    free(img);
    return out;
}

static inline char *ca_upload(const struct tu_server *s, int seed)
{
    return ca_upload_as(s, seed, NULL);
}

/* Files under catalog_uploads/ in s's data folder (uploads a catalog
 * request wrote). */
static int ca_uploads_seen;
static inline int ca_count_upload(const char *path, const struct stat *st, int flag,
                                  struct FTW *f)
{
    (void)st;
    (void)f;
    if (flag == FTW_F && strstr(path, "/catalog_uploads/"))
        ca_uploads_seen++;
    return 0;
}

static inline int ca_upload_files(const struct tu_server *s)
{
    ca_uploads_seen = 0;
    nftw(s->data_dir, ca_count_upload, 16, FTW_PHYS);
    return ca_uploads_seen;
}

/* The fake providers' replies. */
#define CA_ATTRS                                                                                   \
    "{\"color_map\": \"Gold\", \"style_name\": \"Traditional\", \"item_type_name\": \"Jhumkis\","  \
    " \"material_type\": \"Metal\", \"color_name\": \"Antique Gold\", \"stones_type\": \"Pearl\"}"
#define CA_COPY                                                                                    \
    "{\"item_name\": \"Alya Jewels Antique Gold Jhumka Earrings with Pearl Drops\","               \
    " \"product_description\": \"Traditional jhumkas in an antique gold finish. Pearls hang below.\"," \
    " \"bullet_point1\": \"TRADITIONAL LOOK: dome jhumkas\", \"bullet_point2\": \"FINISH: gold\"," \
    " \"bullet_point3\": \"PEARLS: drops\", \"bullet_point4\": \"COMFORT: light\","                \
    " \"bullet_point5\": \"GIFTING: festive\", \"generic_keywords\": \"dome traditional festive\"}"

static inline void ca_push_gemini(struct fake_ai *f, int n, int delay_ms)
{
    char *body = fake_gemini_text(CA_ATTRS);
    for (int i = 0; i < n; i++) {
        struct fake_reply r = {200, body, 0, NULL, NULL, delay_ms};
        fake_ai_push_reply(f, &r);
    }
    free(body);
}

static inline void ca_push_openai(struct fake_ai *f, int n)
{
    char *body = fake_openai_chat(CA_COPY);
    for (int i = 0; i < n; i++)
        fake_ai_push(f, 200, body);
    free(body);
}

#endif
