/* ovstest.h: OVS's way of registering a test program's main function
 * under a name.  The harness's main() (harness.c) runs the command named by
 * its first argument, as OVS's `ovstest` does:
 *
 *     ovstest test-reconnect < input
 *     ovstest test-jsonrpc request unix:socket echo '[1]'
 */

#ifndef OVSRPC_HARNESS_OVSTEST_H
#define OVSRPC_HARNESS_OVSTEST_H 1

#include "compiler.h"

/* The main function of one test program: argv[0] is the command's name. */
typedef void (*ovstest_func)(int argc, char *argv[]);

/* Adds NAME to the commands the harness's main() knows. */
void ovstest_register(const char *name, ovstest_func f);

#define OVSTEST_REGISTER(NAME, FUNC)                    \
    OVS_CONSTRUCTOR(register_##FUNC) {                  \
        ovstest_register(NAME, FUNC);                   \
    }

#endif
