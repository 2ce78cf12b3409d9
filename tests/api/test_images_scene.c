/*
 * test_images_scene.c - the server's duplicate check runs the second
 * (scene keypoint) stage as `karat dedup` does (issue 15): a generated
 * textured scene photo is stored; a 10 %-per-side centre crop of it and a
 * 2 degree turn of it (cropped to hide the corners) are both reported as
 * its duplicates; a different scene is stored. After a restart the index
 * is rebuilt from the store, so the keypoints must have been stored with
 * the row: the turn is still caught. Runs on sqlite and (the .pg variant)
 * PostgreSQL.
 */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "scene_img.h"

#define SW 1200
#define SH 900

static struct tu_server srv;

static int setup(void **state)
{
    (void)state;
    if (VIPS_INIT("test"))
        return -1;
    return tu_server_start_tmp(&srv, NULL);
}

static int teardown(void **state)
{
    (void)state;
    return tu_server_finish(&srv);
}

/* Upload a window of scene `seed` as JPEG; the reply's duplicate_found, and
 * the first result's path (or the stored file's s3_url) into path. */
static int upload(uint32_t seed, const struct tu_window *win, const char *fname, char *path,
                  size_t np)
{
    unsigned char *rgb = tu_scene(seed, SW, SH), *w = tu_scene_window(rgb, SW, SH, win);
    size_t n;
    unsigned char *jpg = tu_rgb_jpeg(w, win->w, win->h, 90, &n);
    char u[512];
    struct tu_part part = {"file", fname, "image/jpeg", jpg, n};
    struct tu_resp r;
    json_t *j;
    int rc, dup;

    snprintf(u, sizeof u, "%s/image_similarity_search", srv.base);
    rc = tu_post_multipart(u, &part, 1, NULL, &r);
    free(rgb);
    free(w);
    g_free(jpg);
    j = rc == 0 && r.status == 200 ? json_loads(r.body, 0, NULL) : NULL;
    if (!j)
        fprintf(stderr, "%s: status %ld: %.300s\n", fname, r.status, r.body);
    tu_resp_free(&r);
    assert_non_null(j);
    dup = json_is_true(json_object_get(j, "duplicate_found"));
    json_t *res0 = json_array_get(json_object_get(j, "results"), 0);
    const char *p = dup && res0 ? json_string_value(json_object_get(res0, "path"))
                                : json_string_value(json_object_get(j, "s3_url"));
    snprintf(path, np, "%s", p ? p : "");
    json_decref(j);
    return dup;
}

static void test_crop_and_turn_are_duplicates(void **state)
{
    char orig[1024], got[1024];
    (void)state;

    assert_false(upload(1, &(struct tu_window){0, 0, SW, SH, 0}, "scene.jpg", orig, sizeof orig));
    assert_true(orig[0]);
    /* 10 % off each side */
    assert_true(upload(1, &(struct tu_window){SW / 10, SH / 10, SW * 8 / 10, SH * 8 / 10, 0},
                       "crop.jpg", got, sizeof got));
    assert_string_equal(got, orig);
    /* turned 2 degrees, 5 % off each side to hide the corners */
    assert_true(upload(1, &(struct tu_window){SW / 20, SH / 20, SW * 9 / 10, SH * 9 / 10, 2},
                       "turn.jpg", got, sizeof got));
    assert_string_equal(got, orig);
    /* a different scene is stored */
    assert_false(upload(2, &(struct tu_window){0, 0, SW, SH, 0}, "other.jpg", got, sizeof got));
    assert_string_not_equal(got, orig);

    /* the index is rebuilt from the store at start-up: the keypoints were stored */
    char dir[512];
    snprintf(dir, sizeof dir, "%s", srv.data_dir);
    assert_int_equal(tu_server_stop(&srv), 0);
    assert_int_equal(tu_server_start(&srv, dir, NULL), 0);
    assert_true(upload(1, &(struct tu_window){SW / 20, SH / 20, SW * 9 / 10, SH * 9 / 10, -2},
                       "turn-back.jpg", got, sizeof got));
    assert_non_null(strstr(got, "/files/")); /* the new server has another port */
    assert_string_equal(strstr(got, "/files/"), strstr(orig, "/files/"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crop_and_turn_are_duplicates, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
