/*
 * cli.c - command table and dispatch (placeholder until the commands land).
 */
#include "cli/cli.h"

#include <stdio.h>

int cli_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "karat: not built yet\n");
    return 2;
}
