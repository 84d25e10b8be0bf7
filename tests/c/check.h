/* check.h: what the C tests share.  Define TEST_NAME ("test-json", ...)
 * before including it.  CHECK() counts a failed condition and goes on;
 * fatal() ends the test at once; checks_finish() reports the count and
 * gives main()'s exit status. */

#ifndef CHECK_H
#define CHECK_H 1

#include <stdio.h>
#include <stdlib.h>

static int failures;

#define CHECK(COND)                                                     \
    do {                                                                \
        if (!(COND)) {                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n",                \
                    __FILE__, __LINE__, #COND);                         \
            failures++;                                                 \
        }                                                               \
    } while (0)

static inline void
fatal(const char *message)
{
    fprintf(stderr, TEST_NAME ": %s\n", message);
    exit(1);
}

/* Prints the outcome ("all checks passed" followed by 'detail', which may be
 * empty) and returns the exit status for main(). */
static inline int
checks_finish(const char *detail)
{
    if (failures) {
        fprintf(stderr, TEST_NAME ": %d checks failed\n", failures);
        return 1;
    }
    printf(TEST_NAME ": all checks passed%s\n", detail);
    return 0;
}

#endif /* check.h */
