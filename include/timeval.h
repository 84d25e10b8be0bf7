/* timeval.h: monotonic and wall clocks, from ovsrpc.
 *
 * Drop-in for Open vSwitch's lib/timeval.h: the functions are declared in
 * ovsrpc.h (generated); this header adds OVS's struct tm_msec and
 * TIME_MAX/TIME_MIN.  time_alarm() uses the kernel's alarm(); time
 * warping does not exist here (timewarp_run() does nothing) and
 * get_cpu_usage() reports -1 (unknown). */

#ifndef TIMEVAL_H
#define TIMEVAL_H 1

#include <limits.h>
#include <stdint.h>
#include <time.h>

#ifdef  __cplusplus
extern "C" {
#endif

/* A broken-down time with milliseconds, for strftime_msec(). */
struct tm_msec {
    struct tm tm;
    int msec;
};

#ifdef  __cplusplus
}
#endif

#include "ovsrpc.h"

/* The range of time_t (a signed integer type on every supported system). */
#ifndef TIME_MAX
#define TIME_MAX ((time_t) (sizeof(time_t) == sizeof(long long)             \
                            ? (time_t) LLONG_MAX : (time_t) INT32_MAX))
#define TIME_MIN ((time_t) (sizeof(time_t) == sizeof(long long)             \
                            ? (time_t) LLONG_MIN : (time_t) INT32_MIN))
#endif

#endif /* timeval.h */
