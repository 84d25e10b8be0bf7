/* jsonrpc.h: JSON-RPC 1.0 connections, messages and reconnecting sessions,
 * from ovsrpc.
 *
 * Drop-in for Open vSwitch's lib/jsonrpc.h.  Everything is declared in
 * ovsrpc.h (generated); this header adds one macro:
 * jsonrpc_session_open_multiple() takes either OVS's arguments,
 * (const struct svec *remotes, bool retry), or an array of strings,
 * (const char **names, size_t n, bool retry).  The two-argument form calls
 * the function jsonrpc_session_open_multiple() (OVS's signature, so objects
 * built against OVS's own header call it correctly); the three-argument
 * form calls jsonrpc_session_open_multiple_names(). */

#ifndef JSONRPC_H
#define JSONRPC_H 1

#include "ovsrpc.h"
#include "svec.h"

#define OVSRPC_OPEN_MULTIPLE_(_1, _2, _3, FUNCTION, ...) FUNCTION
#define jsonrpc_session_open_multiple(...)                              \
    OVSRPC_OPEN_MULTIPLE_(__VA_ARGS__,                                  \
                          jsonrpc_session_open_multiple_names,          \
                          jsonrpc_session_open_multiple, )(__VA_ARGS__)

#endif /* jsonrpc.h */
