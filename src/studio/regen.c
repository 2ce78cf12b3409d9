/*
 * regen.c - POST /regenerate-image: replace one generated image and its ZIP
 * entry, or change nothing at all.
 *
 * The original deleted the old image first and lost it when generation then
 * failed; it also let callers name any key to delete or overwrite. Here:
 *   1. both URLs must be files this store generated (name_of), the image a
 *      "<stem>_<run>_type<N>.jpg" and the ZIP a ".zip" that contains it;
 *      the type to make again comes from that name, so prompt_index cannot
 *      silently pick a different picture (the original's lists disagreed);
 *   2. the new image is made completely (and checked) before anything is
 *      written;
 *   3. under one lock (two regenerations of one ZIP must not lose each
 *      other's update): read the ZIP again, replace the entry in place,
 *      write the image, write the ZIP; if the ZIP write fails the old image
 *      bytes are written back. So a failure leaves both as they were.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "studio/internal.h"

#define MAX_IMAGE (64LL << 20)
#define MAX_ZIP   (512LL << 20)

static pthread_mutex_t zip_lock = PTHREAD_MUTEX_INITIALIZER;

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
        rc = kr_fail(err, KR_EINVAL, "not_generated_file",
                     "old_generated_url is not an image Karat generated");
    if (!rc)
        rc = studio_store_name_of(st, rq->old_zip_url, o->zip_name, sizeof o->zip_name, err);
    zl = strlen(o->zip_name);
    if (!rc && (zl < 5 || strcmp(o->zip_name + zl - 4, ".zip") != 0))
        rc = kr_fail(err, KR_EINVAL, "not_generated_file", "old_zip_url is not a Karat ZIP");
    if (!rc)
        rc = studio_store_get(st, rq->old_generated_url, &o->image, err);
    if (!rc)
        rc = studio_store_get(st, rq->old_zip_url, &o->zip, err);
    if (!rc)
        rc = studio_zip_names(o->zip.data, o->zip.len, &names, err);
    json_array_foreach(names, i, v) found |= !strcmp(json_string_value(v), o->name);
    json_decref(names);
    if (!rc && !found)
        rc = kr_fail(err, KR_EINVAL, "zip_mismatch", "%s is not in the ZIP %s", o->name,
                     o->zip_name);
    return rc;
}

/* Replace image and ZIP entry together; restore the image if the ZIP write fails. */
static enum kr_code swap_in(struct studio_store *st, const struct studio_regen_request *rq,
                            struct old *o, const unsigned char *jpg, size_t len, struct kr_err *err)
{
    unsigned char *zip = NULL;
    size_t zlen = 0;
    char url[1400];
    struct buf fresh;
    struct kr_err ignore;
    enum kr_code rc;

    buf_init(&fresh, (size_t)MAX_ZIP);
    pthread_mutex_lock(&zip_lock);
    rc = studio_store_get(st, rq->old_zip_url, &fresh, err); /* latest version, under the lock */
    if (!rc)
        rc = studio_zip_replace(fresh.data, fresh.len, o->name, jpg, len, &zip, &zlen, err);
    if (!rc)
        rc = studio_store_put(st, o->name, jpg, len, url, sizeof url, err);
    if (!rc) {
        rc = studio_store_put(st, o->zip_name, zip, zlen, url, sizeof url, err);
        if (rc)
            studio_store_put(st, o->name, o->image.data, o->image.len, url, sizeof url, &ignore);
    }
    pthread_mutex_unlock(&zip_lock);
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
    struct studio_work w;
    unsigned char *jpg = NULL;
    size_t len = 0;
    json_t *compliance = NULL;
    enum kr_code rc;

    *out = NULL;
    memset(&o, 0, sizeof o);
    memset(&cut, 0, sizeof cut);
    buf_init(&o.image, (size_t)MAX_IMAGE);
    buf_init(&o.zip, (size_t)MAX_ZIP);
    rc = check_old(rq, st, &o, err);
    if (!rc && o.type == STUDIO_DIMENSION && (!rq->height.set || !rq->width.set))
        rc = kr_fail(err, KR_EINVAL, "dimensions_required",
                     "regenerating a Dimension Image needs height and width");
    if (!rc && !studio_marketplace_ok(rq->marketplace[0] ? rq->marketplace : "amazon"))
        rc = kr_fail(err, KR_EINVAL, "bad_marketplace", "unknown marketplace");
    if (!rc)
        rc = studio_work_prepare(env, src, &cut, &w, err);
    if (rc)
        goto out;
    w.product = rq->product;
    w.height = rq->height;
    w.width = rq->width;
    w.shadow = rq->shadow;
    w.marketplace = rq->marketplace[0] ? rq->marketplace : "amazon";
    rc = studio_item_render(&w, o.type, &jpg, &len, &compliance, err); /* nothing written yet */
    if (!rc)
        rc = swap_in(st, rq, &o, jpg, len, err);
    if (!rc) {
        *out = studio_item_json(rq->prompt_index, o.type, rq->old_generated_url, compliance, NULL);
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
