/*
 * test_crash_s3.c - kill -9 during `karat index` into S3 (KARAT_BLOB=s3,
 * s3rver behind the verifying proxy): after every kill no row lacks its
 * object (`karat fsck` reports nothing: objects without a row are younger
 * than KARAT_FSCK_GRACE and left alone); past the grace period
 * `karat fsck --repair` deletes those objects, and then the bucket holds
 * exactly one object per row.
 *
 * The kill lands at a different moment in each round, so it hits PUTs in
 * flight, row commits and index additions.
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

#include "s3_server.h"

static char dir[256], photos[300], data[300], dd[400];
static struct s3srv srv;
#define NPHOTOS 60

static int setup(void **state)
{
    (void)state;
    if (VIPS_INIT("test") || s3srv_start(&srv) != 0)
        return -1;
    s3srv_setenv(&srv, "S3RVER");
    unsetenv("KARAT_BUCKETS");
    tu_tmpdir(dir, sizeof dir);
    snprintf(photos, sizeof photos, "%s/photos", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(dd, sizeof dd, "--data=%s", data);
    mkdir(photos, 0755);
    for (int i = 0; i < NPHOTOS; i++) {
        struct tu_img_opts o = {.width = 700, .height = 700, .seed = 7000 + i, .quality = 90};
        char name[32];
        snprintf(name, sizeof name, "p%03d.jpg", i);
        tu_write_image(photos, name, &o);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    s3srv_stop(&srv);
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

/* `karat fsck [--repair]` with env; its report into *out (caller frees). */
static int fsck(int repair, const char *const *env, char **out)
{
    const char *argv[] = {getenv("KARAT_BIN"), "fsck", dd, repair ? "--repair" : NULL, NULL};
    return tu_run(argv, env, out);
}

static void fsck_clean(const char *const *env)
{
    char *out = NULL;
    int rc = fsck(0, env, &out);
    if (rc != 0 || !strstr(out, " 0 problem(s)"))
        fail_msg("fsck after a kill:\n%s", out);
    free(out);
}

static void test_kill_during_index_into_s3(void **state)
{
    const char *const grace0[] = {"KARAT_FSCK_GRACE=0", NULL};
    char *out = NULL;
    int st;
    (void)state;

    for (int round = 0; round < 5; round++) {
        pid_t pid = start_index();
        usleep(300000 + round * 200000);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        fsck_clean(NULL);
    }
    const char *argv[] = {getenv("KARAT_BIN"), "index", photos, dd, "--no-dedup", NULL};
    assert_int_equal(tu_run(argv, NULL, &out), 0);
    free(out);
    assert_true(s3srv_photo_objects() >= NPHOTOS); /* plus what the kills left without a row */
    st = fsck(1, grace0, &out); /* status 1: problems found (and repaired) */
    assert_true(st == 0 || st == 1);
    assert_true(st == 0 || strstr(out, "repaired") != NULL);
    free(out);
    fsck_clean(grace0);
    assert_int_equal(s3srv_photo_objects(), NPHOTOS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_during_index_into_s3),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
