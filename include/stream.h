/* stream.h: byte streams chosen by name (tcp:, unix:, ssl:, ptcp:, punix:,
 * pssl:), from ovsrpc.
 *
 * Drop-in for Open vSwitch's lib/stream.h: the functions are declared in
 * ovsrpc.h (generated); this header adds DSCP_DEFAULT, which OVS's
 * stream.h brings in from its socket-util.h. */

#ifndef STREAM_H
#define STREAM_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ovsrpc.h"

/* The DSCP value for control traffic (IPTOS_PREC_INTERNETCONTROL >> 2),
 * what OVS passes as the 'dscp' of stream_open() and friends. */
#ifndef DSCP_DEFAULT
#define DSCP_DEFAULT 0x30
#endif

#endif /* stream.h */
