/* daemon.h: the daemon options of OVS's test programs.  --detach forks:
 * the parent exits once the child calls daemonize() (so whatever the child
 * opened before, such as a listening socket, is ready); --pidfile[=FILE]
 * writes the child's pid to FILE (default: $OVS_RUNDIR, else the current
 * directory, then PROGRAM.pid) and removes it when the process exits.
 * --no-chdir, --monitor, --user and the rest are accepted and ignored. */

#ifndef OVSRPC_HARNESS_DAEMON_H
#define OVSRPC_HARNESS_DAEMON_H 1

#include <stdbool.h>
#include <sys/types.h>

#define DAEMON_OPTION_ENUMS                     \
    OPT_DETACH,                                 \
    OPT_NO_SELF_CONFINEMENT,                    \
    OPT_NO_CHDIR,                               \
    OPT_OVERWRITE_PIDFILE,                      \
    OPT_PIDFILE,                                \
    OPT_MONITOR,                                \
    OPT_USER_GROUP

#define DAEMON_LONG_OPTIONS                                              \
        {"detach",            no_argument, NULL, OPT_DETACH},            \
        {"no-self-confinement", no_argument, NULL, OPT_NO_SELF_CONFINEMENT}, \
        {"no-chdir",          no_argument, NULL, OPT_NO_CHDIR},          \
        {"pidfile",           optional_argument, NULL, OPT_PIDFILE},     \
        {"overwrite-pidfile", no_argument, NULL, OPT_OVERWRITE_PIDFILE}, \
        {"monitor",           no_argument, NULL, OPT_MONITOR},           \
        {"user",              required_argument, NULL, OPT_USER_GROUP}

#define DAEMON_OPTION_HANDLERS                  \
        case OPT_DETACH:                        \
            set_detach();                       \
            break;                              \
                                                \
        case OPT_NO_SELF_CONFINEMENT:           \
            daemon_disable_self_confinement();  \
            break;                              \
                                                \
        case OPT_NO_CHDIR:                      \
            set_no_chdir();                     \
            break;                              \
                                                \
        case OPT_PIDFILE:                       \
            set_pidfile(optarg);                \
            break;                              \
                                                \
        case OPT_OVERWRITE_PIDFILE:             \
            ignore_existing_pidfile();          \
            break;                              \
                                                \
        case OPT_MONITOR:                       \
            daemon_set_monitor();               \
            break;                              \
                                                \
        case OPT_USER_GROUP:                    \
            daemon_set_new_user(optarg);        \
            break;

#define DAEMON_OPTION_CASES                     \
        case OPT_DETACH:                        \
        case OPT_NO_SELF_CONFINEMENT:           \
        case OPT_NO_CHDIR:                      \
        case OPT_PIDFILE:                       \
        case OPT_OVERWRITE_PIDFILE:             \
        case OPT_MONITOR:                       \
        case OPT_USER_GROUP:

void set_detach(void);
bool get_detach(void);
void set_no_chdir(void);
void set_pidfile(const char *name);
void ignore_existing_pidfile(void);
void daemon_set_monitor(void);
void daemon_disable_self_confinement(void);
bool daemon_should_self_confine(void);
void daemon_set_new_user(const char *user_spec);
void daemonize(void);
void daemonize_start(bool access_datapath, bool access_hardware_ports);
void daemonize_complete(void);
void daemon_usage(void);
void service_start(int *argcp, char **argvp[]);
void service_stop(void);
bool should_service_stop(void);
pid_t read_pidfile(const char *name);

#endif
