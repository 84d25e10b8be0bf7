/* jsonrpc.h: JSON-RPC 1.0 connections, messages and reconnecting sessions,
 * from ovsrpc.
 *
 * Drop-in for Open vSwitch's lib/jsonrpc.h, with one difference:
 * jsonrpc_session_open_multiple() takes the remotes as an array of strings,
 * (const char **names, size_t n, bool retry), instead of a struct svec.
 * Everything is declared in ovsrpc.h (generated). */

#ifndef JSONRPC_H
#define JSONRPC_H 1

#include "ovsrpc.h"

#endif /* jsonrpc.h */
