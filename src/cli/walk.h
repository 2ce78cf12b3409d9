/*
 * walk.h - file collection, a parallel for-each and a progress bar for the
 * bulk CLI commands (index, dedup). Part of cli/.
 */
#ifndef KARAT_CLI_WALK_H
#define KARAT_CLI_WALK_H

#include <stddef.h>

struct cli_walk_list {
    char **v; /* sorted paths, owned */
    size_t n, cap;
};

int cli_walk_is_image_name(const char *path);
/* Files given directly are taken as they are; folders are walked for image names. */
int cli_walk_collect(char **paths, int npaths, struct cli_walk_list *out);
void cli_walk_free(struct cli_walk_list *l);
/* fn(i) for i in [0, n) on `threads` threads (0 = all cores); a progress bar
 * labelled `label` on stderr when it is a terminal (label NULL = none). */
void cli_walk_parallel(size_t n, int threads, const char *label, void (*fn)(size_t i, void *ctx),
                   void *ctx);

#endif
