/* stream.h: byte streams chosen by name (tcp:, unix:, ssl:, ptcp:, punix:,
 * pssl:), from ovsrpc.
 *
 * Drop-in for Open vSwitch's lib/stream.h as far as tcp, unix and ssl
 * streams and listeners go.  Everything is declared in ovsrpc.h
 * (generated). */

#ifndef STREAM_H
#define STREAM_H 1

#include "ovsrpc.h"

#endif /* stream.h */
