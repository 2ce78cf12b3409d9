/*
 * main.c - the `karat` binary: hand the command line to cli/.
 *
 * One process-wide setting comes first: libtesseract (ocr/) runs OpenMP
 * loops with a fixed team size, which on a busy or small machine spends
 * more CPU spinning than reading (3.7 s instead of 1.4 s of CPU for one
 * bill page), and a server reads several bills side by side anyway.
 * libgomp reads OMP_THREAD_LIMIT once, before main() runs, so when it is
 * unset karat sets it to 1 and re-executes itself once (the variable being
 * set is what stops a second round). An operator's own value is kept.
 */
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
    if (!getenv("OMP_THREAD_LIMIT") && setenv("OMP_THREAD_LIMIT", "1", 0) == 0)
        execv("/proc/self/exe", argv); /* returns only on failure: carry on as we are */
    (void)argc;
    return cli_main(argc, argv);
}
