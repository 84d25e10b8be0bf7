/* openvswitch/vlog.h: OVS's logging macros as this harness provides them.
 * Messages at WARN and above go to stderr as "PROGRAM|MODULE|LEVEL|TEXT";
 * the rest are dropped.  Level settings are accepted and ignored: ovsrpc's
 * own log lines go through its Rust logger (see ovsrpc_log_init). */

#ifndef OVSRPC_HARNESS_VLOG_H
#define OVSRPC_HARNESS_VLOG_H 1

#include <stdarg.h>
#include <stdbool.h>
#include "compiler.h"

enum vlog_level {
    VLL_OFF,
    VLL_EMER,
    VLL_ERR,
    VLL_WARN,
    VLL_INFO,
    VLL_DBG,
    VLL_N_LEVELS
};

/* A log module: one per source file, from VLOG_DEFINE_THIS_MODULE. */
struct vlog_module {
    const char *name;
};

/* OVS rate-limits log lines with these; the harness logs each one. */
struct vlog_rate_limit {
    int rate, burst;
};
#define VLOG_RATE_LIMIT_INIT(RATE, BURST) { RATE, BURST }

#define VLOG_DEFINE_THIS_MODULE(MODULE)                                 \
    static struct vlog_module this_module = { #MODULE }

void vlog(const struct vlog_module *, enum vlog_level, const char *format,
          ...) OVS_PRINTF_FORMAT(3, 4);
void vlog_valist(const struct vlog_module *, enum vlog_level, const char *,
                 va_list) OVS_PRINTF_FORMAT(3, 0);
void vlog_fatal(const struct vlog_module *, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3) OVS_NO_RETURN;
bool vlog_is_enabled(const struct vlog_module *, enum vlog_level);

#define VLOG(LEVEL, ...) vlog(&this_module, LEVEL, __VA_ARGS__)
#define VLOG_FATAL(...) vlog_fatal(&this_module, __VA_ARGS__)
#define VLOG_EMER(...) VLOG(VLL_EMER, __VA_ARGS__)
#define VLOG_ERR(...) VLOG(VLL_ERR, __VA_ARGS__)
#define VLOG_WARN(...) VLOG(VLL_WARN, __VA_ARGS__)
#define VLOG_INFO(...) VLOG(VLL_INFO, __VA_ARGS__)
#define VLOG_DBG(...) VLOG(VLL_DBG, __VA_ARGS__)
#define VLOG_ERR_RL(RL, ...) ((void) (RL), VLOG_ERR(__VA_ARGS__))
#define VLOG_WARN_RL(RL, ...) ((void) (RL), VLOG_WARN(__VA_ARGS__))
#define VLOG_INFO_RL(RL, ...) ((void) (RL), VLOG_INFO(__VA_ARGS__))
#define VLOG_DBG_RL(RL, ...) ((void) (RL), VLOG_DBG(__VA_ARGS__))
#define VLOG_IS_INFO_ENABLED() vlog_is_enabled(&this_module, VLL_INFO)
#define VLOG_IS_DBG_ENABLED() vlog_is_enabled(&this_module, VLL_DBG)

/* Settings from the command line: accepted, and without effect here. */
void vlog_set_verbosity(const char *arg);
char *vlog_set_levels_from_string(const char *) OVS_WARN_UNUSED_RESULT;
void vlog_set_levels_from_string_assert(const char *);
void vlog_usage(void);

#define VLOG_OPTION_ENUMS OPT_LOG_FILE, OPT_SYSLOG_IMPL, OPT_SYSLOG_TARGET
#define VLOG_LONG_OPTIONS                                               \
        {"verbose",       optional_argument, NULL, 'v'},                \
        {"log-file",      optional_argument, NULL, OPT_LOG_FILE},       \
        {"syslog-method", required_argument, NULL, OPT_SYSLOG_IMPL},    \
        {"syslog-target", required_argument, NULL, OPT_SYSLOG_TARGET}
#define VLOG_OPTION_HANDLERS                    \
        case 'v':                               \
            vlog_set_verbosity(optarg);         \
            break;                              \
        case OPT_LOG_FILE:                      \
        case OPT_SYSLOG_IMPL:                   \
        case OPT_SYSLOG_TARGET:                 \
            break;

#endif
