/* The variadic function of openvswitch/json.h, which stable Rust cannot
 * define: json_object_put_format() formats with vsnprintf() and hands the
 * string to json_object_put_nocopy()'s sibling in lib/capi/json.rs.
 * Compiled into libovsrpc.a by build.rs, against the installed header, so
 * the compiler checks the prototype. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "openvswitch/json.h"

void
json_object_put_format(struct json *json, const char *name,
                       const char *format, ...)
{
    va_list args;
    char *s;
    int n;

    va_start(args, format);
    n = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (n < 0) {
        n = 0;
    }

    s = malloc((size_t) n + 1);
    if (!s) {
        fputs("ovsrpc: virtual memory exhausted\n", stderr);
        abort();
    }
    va_start(args, format);
    if (vsnprintf(s, (size_t) n + 1, format, args) < 0) {
        s[0] = '\0';
    }
    va_end(args);

    json_object_put(json, name, json_string_create_nocopy(s));
}
