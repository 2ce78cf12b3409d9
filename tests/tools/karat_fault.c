/*
 * karat_fault.c - the `karat` binary plus the fault-injecting backends of
 * tests/support/fault.h, for API tests of failure paths (never installed).
 *
 * KARAT_BLOB=fault / KARAT_STORE=fault select the decorators; KARAT_FAULTS
 * holds the rules ("store.image_find_sha=2:io_error,blob.stat=*:io_error").
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "fault.h"

int main(int argc, char **argv)
{
    const char *spec = getenv("KARAT_FAULTS");

    fault_register();
    if (spec && fault_arm_spec(spec)) {
        fprintf(stderr, "karat_fault: cannot parse KARAT_FAULTS '%s'\n", spec);
        return 2;
    }
    return cli_main(argc, argv);
}
