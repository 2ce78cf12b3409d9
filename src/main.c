/*
 * main.c - the `karat` binary: hand the command line to cli/.
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
