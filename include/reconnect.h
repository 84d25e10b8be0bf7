/* reconnect.h: OVS's reconnect FSM, from ovsrpc.
 *
 * Drop-in for Open vSwitch's lib/reconnect.h: the same functions, struct
 * reconnect_stats field for field, enum reconnect_action with values 1, 2,
 * 3.  Everything is declared in ovsrpc.h (generated). */

#ifndef RECONNECT_H
#define RECONNECT_H 1

#include "ovsrpc.h"

#endif /* reconnect.h */
