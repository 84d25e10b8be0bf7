/* util.h: the general helpers of OVS's lib/util.h that OVS's test programs
 * use (allocation that never returns NULL, fatal errors, program name,
 * assertions), as this harness provides them.  Like OVS's, it brings in the
 * standard headers those programs rely on without including them. */

#ifndef OVSRPC_HARNESS_UTIL_H
#define OVSRPC_HARNESS_UTIL_H 1

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "compiler.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(ARRAY) (sizeof (ARRAY) / sizeof *(ARRAY))
#endif

#ifndef OVS_SOURCE_LOCATOR
#define OVS_STRINGIZE(ARG) OVS_STRINGIZE2(ARG)
#define OVS_STRINGIZE2(ARG) #ARG
#define OVS_SOURCE_LOCATOR __FILE__ ":" OVS_STRINGIZE(__LINE__)
#endif

/* Aborts with a message naming WHERE and the failed CONDITION. */
void ovs_assert_failure(const char *where, const char *function,
                        const char *condition) OVS_NO_RETURN;

#ifndef ovs_assert
#ifndef NDEBUG
#define ovs_assert(CONDITION)                                           \
    (OVS_LIKELY(CONDITION)                                              \
     ? (void) 0                                                         \
     : ovs_assert_failure(OVS_SOURCE_LOCATOR, __func__, #CONDITION))
#else
#define ovs_assert(CONDITION) ((void) (CONDITION))
#endif
#endif

#ifndef OVS_NOT_REACHED
#define OVS_NOT_REACHED() abort()
#endif

#ifndef CONTAINER_OF
#define CONTAINER_OF(POINTER, STRUCT, MEMBER)                           \
        ((STRUCT *) (void *) ((char *) (POINTER) - offsetof (STRUCT, MEMBER)))
#endif

/* The program's name for messages, set by set_program_name(argv[0]). */
extern const char *program_name;
void set_program_name(const char *argv0);
const char *get_program_version(void);

/* Allocation: these print a message and abort when out of memory. */
void *xmalloc(size_t) MALLOC_LIKE;
void *xcalloc(size_t, size_t) MALLOC_LIKE;
void *xzalloc(size_t) MALLOC_LIKE;
void *xrealloc(void *, size_t);
void *xmemdup(const void *, size_t) MALLOC_LIKE;
char *xmemdup0(const char *, size_t) MALLOC_LIKE;
char *xstrdup(const char *) MALLOC_LIKE;
char *nullable_xstrdup(const char *) MALLOC_LIKE;
char *xasprintf(const char *format, ...) OVS_PRINTF_FORMAT(1, 2) MALLOC_LIKE;
char *xvasprintf(const char *format, va_list) OVS_PRINTF_FORMAT(1, 0)
    MALLOC_LIKE;
/* Grows the array P of *N elements of size S (to at least one more). */
void *x2nrealloc(void *p, size_t *n, size_t s);

/* "PROGRAM: MESSAGE[: strerror(ERR_NO)]" on stderr; ovs_fatal then exits
 * with EXIT_FAILURE. */
void ovs_fatal(int err_no, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3) OVS_NO_RETURN;
void ovs_fatal_valist(int err_no, const char *format, va_list)
    OVS_PRINTF_FORMAT(2, 0) OVS_NO_RETURN;
void ovs_error(int err_no, const char *format, ...) OVS_PRINTF_FORMAT(2, 3);
void ovs_error_valist(int err_no, const char *format, va_list)
    OVS_PRINTF_FORMAT(2, 0);
/* "End of file" for EOF, "Success" for 0, strerror() otherwise. */
const char *ovs_retval_to_string(int);
const char *ovs_strerror(int);

bool str_to_int(const char *, int base, int *);
bool str_to_llong(const char *, int base, long long *);
bool str_to_uint(const char *, int base, unsigned int *);

void ignore(bool x OVS_UNUSED);

#endif
