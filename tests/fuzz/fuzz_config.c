/*
 * fuzz_config.c - libFuzzer target: the KEY=VALUE configuration file
 * (core/config.c load_file through config_load with KARAT_CONFIG), then
 * everything that reads the parsed values back: config_dump, the website
 * -> bucket list, the API key list.
 *
 * The input is the file's text. It lives in a memfd named by
 * /proc/self/fd/N, so no disk is touched; the configuration variables are
 * removed from the environment first, so only the defaults and the file
 * count. config_load() must either succeed or fail with a message, and
 * leave nothing allocated once config_release() has run (LSan).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"

static int fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[64];
    (void)argc;
    (void)argv;
    for (const struct config_var *v = config_vars(); v->name; v++)
        unsetenv(v->name);
    fd = memfd_create("karat.conf", 0);
    if (fd < 0)
        abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    setenv("KARAT_CONFIG", path, 1);
    return 0;
}

static void read_back(const struct config *cfg)
{
    static const char *const sites[] = {"alya", "BLYSK", "", "x", NULL};
    char bucket[64], list[256];
    struct buf dump;

    buf_init(&dump, 1 << 20);
    if (config_dump(cfg, &dump) != KR_OK)
        abort(); /* a loaded file is bounded well below 1 MiB here */
    buf_release(&dump);
    for (int i = 0; sites[i]; i++)
        if (config_bucket_for(cfg, sites[i], bucket, sizeof bucket) &&
            !config_bucket_known(cfg, bucket) && strlen(bucket) + 1 < sizeof bucket)
            abort(); /* a website's bucket is a known bucket */
    config_website_list(cfg, list, sizeof list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct config cfg;
    struct kr_err err = {0};

    if (n > 65536 || ftruncate(fd, 0) != 0 || pwrite(fd, data, n, 0) != (ssize_t)n)
        return 0;
    if (config_load(&cfg, &err) == KR_OK) {
        read_back(&cfg);
    } else if (!err.msg[0]) {
        abort(); /* a failure always says why */
    }
    config_release(&cfg);
    return 0;
}
