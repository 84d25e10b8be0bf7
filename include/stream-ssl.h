/* stream-ssl.h: TLS configuration for "ssl:" and "pssl:" streams, from
 * ovsrpc.
 *
 * Drop-in for the functions of Open vSwitch's lib/stream-ssl.h (the
 * command-line option macros are not provided).  Declared in ovsrpc.h
 * (generated). */

#ifndef STREAM_SSL_H
#define STREAM_SSL_H 1

#include "ovsrpc.h"

#endif /* stream-ssl.h */
