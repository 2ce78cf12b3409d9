/*
 * walk.c - what the bulk commands share: collecting image files under
 * paths, running a function over N items on all cores (a core/pool.h pool
 * made for the command), and a progress bar drawn on stderr when it is a
 * terminal.
 */
#include "cli/walk.h"

#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/pool.h"
#include "core/util.h"

#define WALK_MAX_THREADS 64

static const char *const exts[] = {".jpg",  ".jpeg", ".png", ".webp", ".heic",
                                   ".heif", ".avif", ".tif", ".tiff", ".gif"};

int cli_walk_is_image_name(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot, exts[i]) == 0)
            return 1;
    return 0;
}

static struct cli_walk_list *cur_list; /* nftw has no user pointer; walks are not concurrent */

static int add_path(struct cli_walk_list *l, const char *p)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = strdup(p);
    return l->v[l->n] ? (int)(l->n++, 0) : -1;
}

static int on_entry(const char *p, const struct stat *st, int type, struct FTW *f)
{
    (void)st;
    (void)f;
    struct stat target;
    if (!cli_walk_is_image_name(p))
        return 0;
    /* folders are walked without following links (no loops), but a link
     * to a file is taken */
    if (type == FTW_F || (type == FTW_SL && stat(p, &target) == 0 && S_ISREG(target.st_mode)))
        return add_path(cur_list, p);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cli_walk_collect(char **paths, int npaths, struct cli_walk_list *out)
{
    struct stat st;
    memset(out, 0, sizeof *out);
    cur_list = out;
    for (int i = 0; i < npaths; i++) {
        if (stat(paths[i], &st) != 0) {
            fprintf(stderr, "karat: %s: no such file or folder\n", paths[i]);
            return -1;
        }
        if (S_ISDIR(st.st_mode) ? nftw(paths[i], on_entry, 32, FTW_PHYS) != 0
                                : add_path(out, paths[i]) != 0)
            return -1;
    }
    qsort(out->v, out->n, sizeof *out->v, cmp_str);
    return 0;
}

void cli_walk_free(struct cli_walk_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

struct walk {
    size_t n;
    atomic_size_t next, done;
    void (*fn)(size_t i, void *ctx);
    void *ctx;
    const char *label;
    double t0;
};

static void draw(struct walk *w, size_t done)
{
    int width = 30, fill = w->n ? (int)(done * (size_t)width / w->n) : width;
    double secs = (util_now_ms() - w->t0) / 1000.0;
    fprintf(stderr, "\r%s [%.*s%*s] %zu/%zu  %.1f/s ", w->label, fill,
            "##############################", width - fill, "", done, w->n,
            secs > 0 ? (double)done / secs : 0.0);
}

/* One pool task: take the next index until there is none. */
static void worker(void *arg)
{
    struct walk *w = arg;
    size_t i;
    while ((i = atomic_fetch_add(&w->next, 1)) < w->n) {
        w->fn(i, w->ctx);
        atomic_fetch_add(&w->done, 1);
    }
}

void cli_walk_parallel(size_t n, int threads, const char *label, void (*fn)(size_t i, void *ctx),
                   void *ctx)
{
    struct walk w = {.n = n, .fn = fn, .ctx = ctx, .label = label, .t0 = util_now_ms()};
    struct pool_task tasks[WALK_MAX_THREADS];
    struct pool_group g;
    struct pool *p = NULL;
    int nt = threads > 0 ? threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    int tty = label && isatty(2);

    if (nt < 1)
        nt = 1;
    if (nt > WALK_MAX_THREADS)
        nt = WALK_MAX_THREADS;
    atomic_init(&w.next, 0);
    atomic_init(&w.done, 0);
    /* a pool of the command's own size (a CLI process has no other work);
     * without one the items still run, here */
    if (pool_create(nt, NULL, &p, NULL)) {
        worker(&w);
        nt = 0;
    }
    pool_group_init(&g, p);
    for (int t = 0; t < nt; t++)
        pool_submit(&g, &tasks[t], worker, &w);
    while (tty && atomic_load(&w.done) < n) {
        draw(&w, atomic_load(&w.done));
        usleep(100000);
    }
    pool_group_wait(&g);
    pool_destroy(p);
    if (tty) {
        draw(&w, n);
        fputc('\n', stderr);
    }
}
