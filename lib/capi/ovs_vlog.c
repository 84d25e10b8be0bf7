/* Log modules for a program that links OVS's own vlog beside libovsrpc.a.
 *
 * OVS's vlog knows a module only once the object that defines it has run
 * its constructor.  The objects that libovsrpc.a replaces (jsonrpc.o,
 * reconnect.o, stream*.o, poll-loop.o, timeval.o, svec.o, hmap.o,
 * unixctl.o) are never linked in such a program, so without this file
 * "-vreconnect:off", "vlog/set jsonrpc:dbg" and OVS's own test programs
 * would stop with 'no destination, level, or module "reconnect"'.
 *
 * The constructor below registers those module names with OVS's vlog when
 * it is linked: vlog_insert_module() is a weak reference, so a program
 * without OVS's vlog (every program built on libovsrpc.a alone) does not
 * pull it in and the constructor does nothing.  The registered modules
 * only carry names and levels for OVS's vlog; ovsrpc's own log lines go
 * through the `log` crate (ovsrpc_log_init()).
 *
 * The layout of struct vlog_module is OVS's (openvswitch/vlog.h): a list
 * node, the name, one level per destination (console, syslog, file), the
 * minimum level, and whether rate limits apply. */

#include <stdbool.h>
#include <stddef.h>

struct ovsrpc_vlog_list {
    struct ovsrpc_vlog_list *prev, *next;
};

struct ovsrpc_vlog_module {
    struct ovsrpc_vlog_list list;
    const char *name;
    int levels[3];
    int min_level;
    bool honor_rate_limits;
};

/* OVS's VLL_INFO. */
#define OVSRPC_VLL_INFO 4

void vlog_insert_module(struct ovsrpc_vlog_list *) __attribute__((weak));

#define OVSRPC_VLOG_MODULE(NAME)                                        \
    { { NULL, NULL }, #NAME,                                            \
      { OVSRPC_VLL_INFO, OVSRPC_VLL_INFO, OVSRPC_VLL_INFO },             \
      OVSRPC_VLL_INFO, true }

static struct ovsrpc_vlog_module modules[] = {
    OVSRPC_VLOG_MODULE(jsonrpc),
    OVSRPC_VLOG_MODULE(reconnect),
    OVSRPC_VLOG_MODULE(stream),
    OVSRPC_VLOG_MODULE(stream_fd),
    OVSRPC_VLOG_MODULE(stream_ssl),
    OVSRPC_VLOG_MODULE(stream_tcp),
    OVSRPC_VLOG_MODULE(stream_unix),
    OVSRPC_VLOG_MODULE(stream_replay),
    OVSRPC_VLOG_MODULE(poll_loop),
    OVSRPC_VLOG_MODULE(timeval),
    OVSRPC_VLOG_MODULE(svec),
    OVSRPC_VLOG_MODULE(hmap),
    OVSRPC_VLOG_MODULE(unixctl),
};

/* Read by every extern function of lib/capi (capi::boundary), so that the
 * archive member holding this file, and with it the constructor, is part
 * of every program that uses the C API. */
const int ovsrpc_vlog_modules_anchor = 0;

__attribute__((constructor)) static void
ovsrpc_register_vlog_modules(void)
{
    if (!vlog_insert_module) {
        return;
    }
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++) {
        modules[i].list.prev = modules[i].list.next = &modules[i].list;
        vlog_insert_module(&modules[i].list);
    }
}
