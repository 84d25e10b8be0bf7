/* test-abort: misuse that OVS answers with an assertion failure aborts the
 * process here too, with a message, instead of unwinding a Rust panic into
 * C.  `make c-check` runs it and expects SIGABRT and the message on
 * stderr. */

#include <stdio.h>

#include "openvswitch/json.h"

int
main(void)
{
    struct json *s = json_string_create("not a number");

    /* OVS: ovs_assert(json->type == JSON_INTEGER) fails. */
    printf("%lld\n", (long long int) json_integer(s));
    json_destroy(s);
    return 0;
}
