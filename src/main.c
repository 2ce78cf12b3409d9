/*
 * main.c - the `karat` binary: hand the command line to cli/.
 *
 * (libtesseract's OpenMP team, which spins more CPU than it reads on a busy
 * or small machine, is held to one thread by ocr/ itself, right before each
 * page is read: no process-wide set-up is needed here.)
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
