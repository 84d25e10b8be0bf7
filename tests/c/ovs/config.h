/* config.h: the little of OVS's generated config.h that OVS's test programs
 * (tests/test-json.c, test-jsonrpc.c, test-reconnect.c) need when they are
 * built against ovsrpc and this harness instead of OVS's tree. */

#ifndef OVSRPC_HARNESS_CONFIG_H
#define OVSRPC_HARNESS_CONFIG_H 1

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#define PACKAGE "openvswitch"
#define PACKAGE_NAME "openvswitch"
#define VERSION "ovsrpc-harness"
#define HAVE_OPENSSL 1
#define HAVE_STRTOK_R 1

#endif
