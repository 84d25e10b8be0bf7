/* openvswitch/poll-loop.h: the per-thread poll loop, from ovsrpc.
 *
 * Drop-in for Open vSwitch's include/openvswitch/poll-loop.h: the *_at()
 * functions are declared in ovsrpc.h (generated); the macros below supply
 * the caller's source location, as OVS's do.  The poll set is per thread.
 *
 * Usage: each pass of a thread's main loop does its work, then calls the
 * "wait" functions of everything it drives (which call poll_fd_wait(),
 * poll_timer_wait() or poll_immediate_wake()), then poll_block(). */

#ifndef POLL_LOOP_H
#define POLL_LOOP_H 1

#include <poll.h>

#include "../ovsrpc.h"

#ifndef OVS_STRINGIZE
#define OVS_STRINGIZE(ARG) OVS_STRINGIZE2(ARG)
#define OVS_STRINGIZE2(ARG) #ARG
#endif

/* "file.c:123": where a wait was registered, for debug logging. */
#ifndef OVS_SOURCE_LOCATOR
#define OVS_SOURCE_LOCATOR __FILE__ ":" OVS_STRINGIZE(__LINE__)
#endif

/* Events for poll_fd_wait() (the same values as OVS's epoll-based ones on
 * Linux). */
#ifndef OVS_POLLIN
#define OVS_POLLIN POLLIN
#define OVS_POLLOUT POLLOUT
#endif

#define poll_fd_wait(fd, events) \
    poll_fd_wait_at(fd, events, OVS_SOURCE_LOCATOR)
#define poll_timer_wait(msec) \
    poll_timer_wait_at(msec, OVS_SOURCE_LOCATOR)
#define poll_timer_wait_until(msec) \
    poll_timer_wait_until_at(msec, OVS_SOURCE_LOCATOR)
#define poll_immediate_wake() \
    poll_immediate_wake_at(OVS_SOURCE_LOCATOR)

#endif /* poll-loop.h */
