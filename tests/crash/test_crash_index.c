/*
 * test_crash_index.c - kill -9 during `karat index`, then restart: the
 * repository must be consistent (`karat fsck` reports nothing), and the
 * next `karat index` finishes the folder.
 *
 * The kill lands at a different moment in each round (after 150..750 ms),
 * so over the rounds it hits staging, row commit, publish and index steps.
 */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vips/vips.h>

static char dir[256], photos[300], data[300], dd[400];
#define NPHOTOS 160

static void make_photos(void)
{
    for (int i = 0; i < NPHOTOS; i++) {
        struct tu_img_opts o = {.width = 900, .height = 900, .seed = 5000 + i, .quality = 90};
        char name[32];
        snprintf(name, sizeof name, "p%03d.jpg", i);
        tu_write_image(photos, name, &o);
    }
}

static int setup(void **state)
{
    (void)state;
    if (VIPS_INIT("test"))
        return -1;
    tu_tmpdir(dir, sizeof dir);
    snprintf(photos, sizeof photos, "%s/photos", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(dd, sizeof dd, "--data=%s", data);
    mkdir(photos, 0755);
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
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_during_index),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
