/*
 * with_s3.c - run a test program against a fresh S3 protocol server:
 * `with_s3 PROGRAM [ARGS...]` starts s3rver behind the SigV4-verifying
 * proxy (tests/support/s3_server.h), sets KARAT_BLOB=s3 and the AWS_*
 * variables so every `karat serve` the program starts stores its files
 * there, runs the program, stops the server and exits with the program's
 * status. CMake runs the API suite through it as the api_s3.* variant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "s3_server.h"

int main(int argc, char **argv)
{
    struct s3srv srv;
    int status = 0;
    pid_t pid;

    if (argc < 2) {
        fprintf(stderr, "usage: with_s3 PROGRAM [ARGS...]\n");
        return 2;
    }
    if (s3srv_start(&srv) != 0)
        return 1;
    s3srv_setenv(&srv, "S3RVER");
    unsetenv("KARAT_BUCKETS"); /* the default map, as the suite expects */
    pid = fork();
    if (pid == 0) {
        execv(argv[1], argv + 1);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        status = 1 << 8;
    s3srv_stop(&srv);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
