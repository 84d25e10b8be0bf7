/* timeval.h: monotonic and wall-clock milliseconds, from ovsrpc.
 *
 * Drop-in for the time_msec() and time_wall_msec() of Open vSwitch's
 * lib/timeval.h.  Declared in ovsrpc.h (generated). */

#ifndef TIMEVAL_H
#define TIMEVAL_H 1

#include "ovsrpc.h"

#endif /* timeval.h */
