/*
 * generate.c - one /generate-images request, start to finish.
 *
 *   1. check the source bytes (format, pixel limit) - the only failures that
 *      fail the whole request, with the ones of the store;
 *   2. cut the piece out once (studio_cutout_make; when the background is
 *      too busy and an image provider is configured, from the provider's
 *      white-background version instead). A cut-out failure becomes each
 *      item's error, not the request's;
 *   3. every requested type as one task on the process's worker pool
 *      (env->pool, core/pool.h: a fixed number of threads shared by all
 *      requests; the AI layer bounds how many provider calls run at once and
 *      retries): render, encode as sRGB JPEG, check compliance;
 *   4. the ZIP of every item that worked, built in memory from those same
 *      bytes, then the items and the ZIP are stored under fresh unique names
 *      "<stem>_<run>_type<N>.jpg" / "<stem>_<run>.zip" (so equal source
 *      names never collide). An item whose store fails gets an error and the
 *      ZIP is rebuilt without it: the ZIP always matches the response.
 *
 * POST /regenerate-image (second half): replace one generated image and its
 * ZIP entry, or change nothing at all. Both URLs must be this store's
 * generated files (the image "<stem>_<run>_type<N>.jpg", the ZIP a ".zip"
 * that contains it); the type is read from the name, so prompt_index cannot
 * pick another picture (the original's two prompt lists disagreed), and the
 * size is the old image's (1080 x 1440 stays 3:4). The new
 * image is made and checked before anything is written; then, under that
 * ZIP's lock (studio__zip_lock: other ZIPs are not held up), the ZIP is read
 * again, the entry replaced in place, the image written, the ZIP written -
 * and the old image bytes written back if the ZIP write fails. The original
 * deleted first and lost the image on failure.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/pool.h"
#include "core/util.h"
#include "studio/studio_int.h"

/* What every item of one request shares. */
struct work {
    const struct studio_env *env;
    long long max_pixels;
    enum studio_product product;
    struct studio_length height, width;
    int shadow;
    const char *marketplace;
    enum studio_size size;
    const struct studio_cutout *cut; /* NULL when the cut-out failed: */
    enum kr_code cut_rc;             /* ... why, for the items that need it */
    struct kr_err cut_err;
};

#define URL_LEN 1400 /* a stored file's URL */

struct item {
    const struct work *w;
    int index, type;
    unsigned char *jpg;
    size_t len;
    json_t *compliance;
    char name[256], url[URL_LEN];
    enum kr_code rc;
    struct kr_err err;
    struct pool_task task;
};

/* File-name stem of a source name: [A-Za-z0-9_-], at most 48, "image" if empty. */
static void source_stem(const char *name, char *out, size_t n)
{
    const char *b = name ? strrchr(name, '/') : NULL;
    size_t k = 0;
    b = b ? b + 1 : name ? name : "";
    for (; *b && *b != '.' && k + 1 < n && k < 48; b++)
        if (isalnum((unsigned char)*b) || *b == '-' || *b == '_')
            out[k++] = *b;
    out[k] = 0;
    if (!k)
        util_strlcpy(out, "image", n);
}

/* Fresh unique token for output names: 12 hex digits from the clock and
 * randomness. */
static void run_id(char *out, size_t n)
{
    char rnd[9];
    util_random_hex(rnd, 4);
    util_fmt(out, n, "%06llx%s", (unsigned long long)(util_epoch_ms() / 1000) & 0xffffffULL, rnd);
}

/* Check the source bytes (the request's only hard failures) and cut the
 * piece out (failures recorded in w->cut_rc / cut_err). */
static enum kr_code work_prepare(const struct studio_env *env, const struct studio_source *src,
                                 struct studio_cutout *cut, struct work *w, struct kr_err *err)
{
    struct image_info info;
    enum kr_code rc;

    memset(w, 0, sizeof *w);
    w->env = env;
    w->max_pixels = env->max_pixels;
    if (w->max_pixels <= 0)
        return kr_fail(err, KRS_BAD_OPTION, "studio: no pixel limit given");
    rc = image_probe(src->data, src->len, w->max_pixels, &info, err);
    if (rc)
        return rc;
    w->cut_rc = studio_cutout_make(src->data, src->len, w->max_pixels,
                                   (int)(STUDIO_FILL * STUDIO_SIDE), cut, &w->cut_err);
    if (w->cut_rc == KR_EUNSUPPORTED && !studio__ai_offline(env->ai))
        w->cut_rc = studio__cutout_via_ai(
            env->ai, &(struct ai_image){src->data, src->len, info.mime}, w->max_pixels,
            (int)(STUDIO_FILL * STUDIO_SIDE), cut, &w->cut_err);
    w->cut = w->cut_rc ? NULL : cut;
    return KR_OK;
}

static enum kr_code render(const struct work *w, int type, struct image_px *canvas,
                           struct kr_err *err)
{
    struct studio_compose_opts o = {.shadow = w->shadow};
    struct studio_box box;
    studio_size_dims(w->size, &o.side, &o.height);
    enum kr_code rc;

    if (studio_type_needs_ai(type) && studio__ai_offline(w->env->ai))
        return studio__ai_offline_error(type, err);
    if (!w->cut) {
        *err = w->cut_err;
        return w->cut_rc;
    }
    if (studio_type_needs_ai(type))
        return studio_scene_make(
            w->env->ai, &(struct studio_scene_req){type, w->product, w->cut, w->max_pixels, w->size},
            canvas,
            err);
    o.fill = type == STUDIO_DIMENSION ? 0.70 : STUDIO_FILL; /* room for arrows and labels */
    rc = studio_compose_white(w->cut, &o, canvas, &box, err);
    if (!rc && type == STUDIO_DIMENSION)
        rc = studio_draw_dimensions(canvas, &box, &w->height, &w->width, err);
    return rc;
}

/* Render one type as JPEG bytes (malloc'd) with its compliance report. */
static enum kr_code item_render(const struct work *w, int type, unsigned char **jpg, size_t *len,
                                json_t **compliance, struct kr_err *err)
{
    struct image_px canvas = {0};
    int ok;
    enum kr_code rc = render(w, type, &canvas, err);

    *jpg = NULL;
    *compliance = NULL;
    if (!rc)
        rc = image_encode(&canvas, "jpeg", STUDIO_JPEG_QUALITY, jpg, len, err);
    free(canvas.data);
    if (!rc) /* our own output: not bound by the upload limit */
        rc = studio_check_image(&(struct studio_check_req){*jpg, *len, w->marketplace, 0},
                                compliance, &ok, err);
    if (rc) {
        free(*jpg);
        *jpg = NULL;
        return rc;
    }
    json_object_set_new(*compliance, "role",
                        json_string(type == STUDIO_WHITE ? "main" : "secondary"));
    return KR_OK;
}

static void item_task(void *arg)
{
    struct item *it = arg;
    it->rc = item_render(it->w, it->type, &it->jpg, &it->len, &it->compliance, &it->err);
}

/* Every item as one task on the pool; back when all are done. */
static void run_items(struct pool *pool, struct item *items, int n)
{
    struct pool_group g;
    pool_group_init(&g, pool);
    for (int i = 0; i < n; i++)
        pool_submit(&g, &items[i].task, item_task, &items[i]);
    pool_group_wait(&g);
}

/* ZIP of the items that have bytes and no error, in order. */
static enum kr_code zip_items(const struct item *items, int n, unsigned char **zip, size_t *len,
                              struct kr_err *err)
{
    struct studio_file e[STUDIO_MAX_TYPES];
    size_t k = 0;
    for (int i = 0; i < n; i++)
        if (!items[i].rc && items[i].jpg)
            e[k++] = (struct studio_file){items[i].name, items[i].jpg, items[i].len};
    return studio_zip_build(e, k, zip, len, err);
}

/* Store every good item; store failures turn into item errors. */
static void store_items(struct item *items, int n, struct studio_store *st)
{
    for (int i = 0; i < n; i++) {
        if (items[i].rc)
            continue;
        items[i].rc =
            studio_store_put(st, &(struct studio_file){items[i].name, items[i].jpg, items[i].len},
                             items[i].url, sizeof items[i].url, &items[i].err);
        if (items[i].rc) {
            free(items[i].jpg);
            items[i].jpg = NULL;
        }
    }
}

/* One gen_images entry; e != NULL makes it an error entry (image_url null,
 * so clients that read image_url on every item keep working). */
static json_t *item_json(int index, int type, const char *url, json_t *compliance,
                         const struct kr_err *e)
{
    json_t *o = json_pack("{s:i}", "prompt_index", index);
    json_object_set_new(o, "image_url", e ? json_null() : json_string(url));
    json_object_set_new(o, "image_type", json_integer(type));
    json_object_set_new(o, "image_type_name", json_string(studio_type_name(type)));
    if (e) {
        json_object_set_new(o, "error", json_string(e->msg));
        json_object_set_new(o, "code", json_string(kr_slug_text(e->slug_id)));
    } else if (compliance) {
        json_object_set(o, "compliance", compliance);
    }
    return o;
}

/* Store every good item, then the ZIP of them (its URL into zip_url). */
static enum kr_code store_outputs(struct item *items, int n, struct studio_store *st,
                                  const char *zip_name, char zip_url[URL_LEN], struct kr_err *err)
{
    unsigned char *zip = NULL;
    size_t zlen = 0;
    enum kr_code rc;

    store_items(items, n, st);
    rc = zip_items(items, n, &zip, &zlen, err);
    if (!rc)
        rc =
            studio_store_put(st, &(struct studio_file){zip_name, zip, zlen}, zip_url, URL_LEN, err);
    free(zip);
    return rc;
}

/* The answer: {"original_image_url", "gen_images": [one entry per item], "zip_url"}. */
static json_t *result_json(const struct item *items, int n, const char *source_url,
                           const char *zip_url)
{
    json_t *gen = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(gen, item_json(i, items[i].type, items[i].url, items[i].compliance,
                                             items[i].rc ? &items[i].err : NULL));
    return json_pack("{s:s, s:o, s:s}", "original_image_url", source_url ? source_url : "",
                     "gen_images", gen, "zip_url", zip_url);
}

enum kr_code studio_generate(const struct studio_env *env, const struct studio_source *src,
                             const struct studio_request *req, struct studio_store *st,
                             json_t **out, struct kr_err *err)
{
    struct studio_cutout cut;
    struct work w;
    struct item items[STUDIO_MAX_TYPES];
    char stem[64], run[32], zip_name[160], zip_url[URL_LEN];
    enum kr_code rc;

    *out = NULL;
    memset(&cut, 0, sizeof cut);
    memset(items, 0, sizeof items);
    rc = studio_request_check(req, err);
    if (!rc && !env->pool)
        rc = kr_fail(err, KRS_BAD_OPTION, "studio: no worker pool given");
    if (!rc)
        rc = work_prepare(env, src, &cut, &w, err);
    if (rc)
        return rc;
    w.product = req->product;
    w.height = req->height;
    w.width = req->width;
    w.shadow = req->shadow;
    w.marketplace = req->marketplace;
    w.size = req->size;
    source_stem(src->name, stem, sizeof stem);
    run_id(run, sizeof run);
    for (int i = 0; i < req->ntypes; i++) {
        items[i] = (struct item){.w = &w, .index = i, .type = req->types[i]};
        util_fmt(items[i].name, sizeof items[i].name, "%s_%s_type%d.jpg", stem, run, req->types[i]);
    }
    util_fmt(zip_name, sizeof zip_name, "%s_%s.zip", stem, run);
    run_items(env->pool, items, req->ntypes);
    rc = store_outputs(items, req->ntypes, st, zip_name, zip_url, err);
    if (!rc && !(*out = result_json(items, req->ntypes, src->url, zip_url)))
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < req->ntypes; i++) {
        free(items[i].jpg);
        json_decref(items[i].compliance);
    }
    studio_cutout_release(&cut);
    return rc;
}

/* ---- POST /regenerate-image ---------------------------------------------- */

/* "..._type<N>.jpg" -> N, or 0. */
static int type_of_name(const char *name)
{
    const char *p = strstr(name, "_type");
    int t = 0, used = 0;
    if (!p)
        return 0;
    while (strstr(p + 1, "_type"))
        p = strstr(p + 1, "_type");
    if (sscanf(p, "_type%d.jpg%n", &t, &used) != 1 || p[used] != '\0')
        return 0;
    return studio_type_name(t) ? t : 0;
}

/* The size an earlier generated image was made at (its pixels tell). */
static enum studio_size size_of(const struct buf *image)
{
    struct image_info in;
    struct kr_err err;
    if (!image_probe(image->data, image->len, 0, &in, &err) &&
        in.oriented_width == STUDIO_PORTRAIT_W && in.oriented_height == STUDIO_PORTRAIT_H)
        return STUDIO_SIZE_PORTRAIT;
    return STUDIO_SIZE_SQUARE;
}

struct old {
    char name[256], zip_name[256];
    int type;
    struct buf image, zip;
};

static enum kr_code check_old(const struct studio_regen_request *rq, struct studio_store *st,
                              struct old *o, struct kr_err *err)
{
    size_t zl;
    json_t *names = NULL, *v;
    size_t i;
    int found = 0;
    enum kr_code rc = studio_store_name_of(st, rq->old_generated_url, o->name, sizeof o->name, err);
    if (!rc && !(o->type = type_of_name(o->name)))
        rc = kr_fail(err, KRS_NOT_GENERATED_FILE,
                     "old_generated_url is not an image Karat generated");
    if (!rc)
        rc = studio_store_name_of(st, rq->old_zip_url, o->zip_name, sizeof o->zip_name, err);
    zl = strlen(o->zip_name);
    if (!rc && (zl < 5 || strcmp(o->zip_name + zl - 4, ".zip") != 0))
        rc = kr_fail(err, KRS_NOT_GENERATED_FILE, "old_zip_url is not a Karat ZIP");
    if (!rc)
        rc = studio_store_get(st, rq->old_generated_url, &o->image, err);
    if (!rc)
        rc = studio_store_get(st, rq->old_zip_url, &o->zip, err);
    if (!rc)
        rc = studio_zip_names(o->zip.data, o->zip.len, &names, err);
    json_array_foreach(names, i, v) found |= !strcmp(json_string_value(v), o->name);
    json_decref(names);
    if (!rc && !found)
        rc = kr_fail(err, KRS_ZIP_MISMATCH, "%s is not in the ZIP %s", o->name, o->zip_name);
    return rc;
}

/* Replace image and ZIP entry together; restore the image if the ZIP write fails. */
static enum kr_code swap_in(struct studio_store *st, const struct studio_regen_request *rq,
                            struct old *o, const unsigned char *jpg, size_t len, struct kr_err *err)
{
    unsigned char *zip = NULL;
    size_t zlen = 0;
    char url[URL_LEN];
    struct buf fresh;
    struct kr_err restore_err;
    struct studio__zip_lock *lock;
    const struct studio_file image = {o->name, jpg, len};
    enum kr_code rc = studio__zip_lock(rq->old_zip_url, &lock, err);

    if (rc)
        return rc;
    buf_init(&fresh, o->zip.max); /* the caller's limit (env->read_max) */
    rc = studio_store_get(st, rq->old_zip_url, &fresh, err); /* latest version, under the lock */
    if (!rc)
        rc = studio_zip_replace(fresh.data, fresh.len, &image, &zip, &zlen, err);
    if (!rc)
        rc = studio_store_put(st, &image, url, sizeof url, err);
    if (!rc) {
        rc = studio_store_put(st, &(struct studio_file){o->zip_name, zip, zlen}, url, sizeof url,
                              err);
        if (rc && studio_store_put(st, &(struct studio_file){o->name, o->image.data, o->image.len},
                                   url, sizeof url, &restore_err))
            log_error("regenerate: %s and its ZIP now disagree (restoring the image failed: %s)",
                      o->name, restore_err.msg);
    }
    studio__zip_unlock(lock);
    free(zip);
    buf_release(&fresh);
    return rc;
}

enum kr_code studio_regenerate(const struct studio_env *env, const struct studio_source *src,
                               const struct studio_regen_request *rq, struct studio_store *st,
                               json_t **out, struct kr_err *err)
{
    struct old o;
    struct studio_cutout cut;
    struct work w;
    unsigned char *jpg = NULL;
    size_t len = 0;
    json_t *compliance = NULL;
    enum kr_code rc;

    *out = NULL;
    memset(&o, 0, sizeof o);
    memset(&cut, 0, sizeof cut);
    if (env->read_max.image_bytes < 1 || env->read_max.zip_bytes < 1)
        return kr_fail(err, KRS_BAD_OPTION, "studio: no read-back limits (studio_env_from_config)");
    buf_init(&o.image, (size_t)env->read_max.image_bytes);
    buf_init(&o.zip, (size_t)env->read_max.zip_bytes);
    rc = check_old(rq, st, &o, err);
    if (!rc && o.type == STUDIO_DIMENSION && (!rq->height.set || !rq->width.set))
        rc = kr_fail(err, KRS_DIMENSIONS_REQUIRED,
                     "regenerating a Dimension Image needs height and width");
    if (!rc && !studio_marketplace_ok(rq->marketplace[0] ? rq->marketplace : STUDIO_MARKETPLACE))
        rc = kr_fail(err, KRS_BAD_MARKETPLACE, "unknown marketplace");
    if (!rc)
        rc = work_prepare(env, src, &cut, &w, err);
    if (rc)
        goto out;
    w.product = rq->product;
    w.height = rq->height;
    w.width = rq->width;
    w.shadow = rq->shadow;
    w.marketplace = rq->marketplace[0] ? rq->marketplace : STUDIO_MARKETPLACE;
    w.size = size_of(&o.image);
    rc = item_render(&w, o.type, &jpg, &len, &compliance, err); /* nothing written yet */
    if (!rc)
        rc = swap_in(st, rq, &o, jpg, len, err);
    if (!rc) {
        *out = item_json(rq->prompt_index, o.type, rq->old_generated_url, compliance, NULL);
        json_object_set_new(*out, "zip_url", json_string(rq->old_zip_url));
    }
out:
    free(jpg);
    json_decref(compliance);
    studio_cutout_release(&cut);
    buf_release(&o.image);
    buf_release(&o.zip);
    return rc;
}
