/*
 * cli.h - `karat` subcommands (serve, index, dedup, fsck, config, ...).
 *
 * cli_main() dispatches through one command table; each command lives in
 * its own file and uses the same core code as the server.
 */
#ifndef KARAT_CLI_CLI_H
#define KARAT_CLI_CLI_H

int cli_main(int argc, char **argv);

#endif
