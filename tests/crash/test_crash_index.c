/*
 * test_crash_index.c - kill -9 during `karat index`, then restart: the
 * repository must be consistent (`karat fsck` reports nothing), and the
 * next `karat index` finishes the folder.
 *
 * The kill lands at a different moment in each round (after 150..750 ms),
 * so over the rounds it hits staging, row commit, publish and index steps.
 * A quarter of the photos are scene photos, whose rows carry the second
 * stage's keypoints: after the crashes a 10 %-per-side crop of each, which
 * only those keypoints can match, is reported as a duplicate by the next
 * `karat index` (the index was rebuilt from rows whose keypoints survived).
 */
#include "scene_img.h"
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vips/vips.h>

static char dir[256], photos[300], crops[300], data[300], dd[400];
#define NPHOTOS 160
#define NSCENES 40 /* of them */
#define SW 900
#define SH 700

/* The window of scene seed as a JPEG file dir/name. */
static void write_scene(const char *d, const char *name, uint32_t seed, const struct tu_window *w)
{
    unsigned char *rgb = tu_scene(seed, SW, SH), *win = tu_scene_window(rgb, SW, SH, w), *jpg;
    char path[400];
    size_t n;
    FILE *f;
    jpg = tu_rgb_jpeg(win, w->w, w->h, 90, &n);
    snprintf(path, sizeof path, "%s/%s", d, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(jpg, 1, n, f), n);
    fclose(f);
    free(rgb);
    free(win);
    g_free(jpg);
}

static void make_photos(void)
{
    for (int i = 0; i < NPHOTOS - NSCENES; i++) {
        struct tu_img_opts o = {.width = 900, .height = 900, .seed = 5000 + i, .quality = 90};
        char name[32];
        snprintf(name, sizeof name, "p%03d.jpg", i);
        tu_write_image(photos, name, &o);
    }
    for (int i = 0; i < NSCENES; i++) {
        char name[32];
        snprintf(name, sizeof name, "s%03d.jpg", i);
        write_scene(photos, name, 700 + i, &(struct tu_window){0, 0, SW, SH, 0});
        write_scene(crops, name, 700 + i,
                    &(struct tu_window){SW / 10, SH / 10, SW * 8 / 10, SH * 8 / 10, 0});
    }
}

static int setup(void **state)
{
    (void)state;
    if (VIPS_INIT("test"))
        return -1;
    tu_tmpdir(dir, sizeof dir);
    snprintf(photos, sizeof photos, "%s/photos", dir);
    snprintf(crops, sizeof crops, "%s/crops", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(dd, sizeof dd, "--data=%s", data);
    mkdir(photos, 0755);
    mkdir(crops, 0755);
    make_photos();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmrf(dir);
    return 0;
}

static pid_t start_index(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        const char *bin = getenv("KARAT_BIN");
        freopen("/dev/null", "w", stdout);
        execl(bin, bin, "index", photos, dd, "--no-dedup", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void fsck_clean(void)
{
    const char *argv[] = {getenv("KARAT_BIN"), "fsck", dd, NULL};
    char *out = NULL;
    int rc = tu_run(argv, NULL, &out);
    if (rc != 0)
        fprintf(stderr, "fsck after crash:\n%s\n", out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, " 0 problem(s)"));
    free(out);
}

static void test_kill_during_index(void **state)
{
    int st;
    (void)state;
    for (int round = 0; round < 6; round++) {
        pid_t pid = start_index();
        usleep(150000 + round * 120000);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        fsck_clean();
    }
    /* finishing run: every photo ends up stored exactly once */
    const char *argv[] = {getenv("KARAT_BIN"), "index", photos, dd, "--no-dedup", NULL};
    char *out = NULL;
    assert_int_equal(tu_run(argv, NULL, &out), 0);
    free(out);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "test $(ls %s/blobs/alyaimg | wc -l) -eq %d", data, NPHOTOS);
    assert_int_equal(system(cmd), 0);
    fsck_clean();
    /* the scene photos' keypoints came back with their rows: every crop is a duplicate */
    const char *again[] = {getenv("KARAT_BIN"), "index", crops, dd, NULL};
    char want[64];
    assert_int_equal(tu_run(again, NULL, &out), 0);
    snprintf(want, sizeof want, "indexed 0, skipped 0 (already stored), duplicates %d,", NSCENES);
    if (!strstr(out, want))
        fprintf(stderr, "karat index of the crops:\n%s\n", out);
    assert_non_null(strstr(out, want));
    free(out);
    fsck_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_during_index),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
