/* harness.c: the definitions behind this directory's headers, and the
 * ovstest main().  Everything is a weak symbol, so a definition that
 * libovsrpc.a or a program provides takes precedence. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "command-line.h"
#include "daemon.h"
#include "ovstest.h"
#include "random.h"
#include "util.h"
#include "openvswitch/vlog.h"

#define WEAK __attribute__((__weak__))

/* ---- ovstest ---------------------------------------------------------- */

struct ovstest_command {
    const char *name;
    ovstest_func f;
};

static struct ovstest_command ovstest_commands[32];
static size_t n_ovstest_commands;

WEAK void
ovstest_register(const char *name, ovstest_func f)
{
    if (n_ovstest_commands >= ARRAY_SIZE(ovstest_commands)) {
        fprintf(stderr, "ovstest: too many commands\n");
        abort();
    }
    ovstest_commands[n_ovstest_commands].name = name;
    ovstest_commands[n_ovstest_commands].f = f;
    n_ovstest_commands++;
}

static void
ovstest_list(FILE *out)
{
    for (size_t i = 0; i < n_ovstest_commands; i++) {
        fprintf(out, "  %s\n", ovstest_commands[i].name);
    }
}

WEAK int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc < 2) {
        fprintf(stderr, "usage: %s COMMAND [ARG...]\ncommands:\n",
                program_name);
        ovstest_list(stderr);
        return EXIT_FAILURE;
    }
    for (size_t i = 0; i < n_ovstest_commands; i++) {
        if (!strcmp(argv[1], ovstest_commands[i].name)) {
            /* Each test program parses its own options with getopt(). */
            optind = 0;
            ovstest_commands[i].f(argc - 1, argv + 1);
            return 0;
        }
    }
    fprintf(stderr, "%s: unknown command \"%s\"; commands:\n", program_name,
            argv[1]);
    ovstest_list(stderr);
    return EXIT_FAILURE;
}

/* ---- util ------------------------------------------------------------- */

const char *program_name = "";

WEAK void
set_program_name(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    const char *base = slash ? slash + 1 : argv0;

    if (!strncmp(base, "lt-", 3)) {
        base += 3;
    }
    program_name = base;
}

WEAK const char *
get_program_version(void)
{
    return VERSION;
}

static void
out_of_memory(void)
{
    fprintf(stderr, "%s: virtual memory exhausted\n", program_name);
    abort();
}

WEAK void *
xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

WEAK void *
xcalloc(size_t count, size_t size)
{
    void *p = count && size ? calloc(count, size) : malloc(1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

WEAK void *
xzalloc(size_t size)
{
    return xcalloc(1, size);
}

WEAK void *
xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

WEAK void *
xmemdup(const void *p, size_t size)
{
    void *copy = xmalloc(size);
    if (size) {
        memcpy(copy, p, size);
    }
    return copy;
}

WEAK char *
xmemdup0(const char *p, size_t length)
{
    char *copy = xmalloc(length + 1);
    if (length) {
        memcpy(copy, p, length);
    }
    copy[length] = '\0';
    return copy;
}

WEAK char *
xstrdup(const char *s)
{
    return xmemdup0(s, strlen(s));
}

WEAK char *
nullable_xstrdup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

WEAK char *
xvasprintf(const char *format, va_list args)
{
    va_list args2;
    int needed;
    char *s;

    va_copy(args2, args);
    needed = vsnprintf(NULL, 0, format, args);
    s = xmalloc(needed + 1);
    vsnprintf(s, needed + 1, format, args2);
    va_end(args2);
    return s;
}

WEAK char *
xasprintf(const char *format, ...)
{
    va_list args;
    char *s;

    va_start(args, format);
    s = xvasprintf(format, args);
    va_end(args);
    return s;
}

WEAK void *
x2nrealloc(void *p, size_t *n, size_t s)
{
    size_t grown = *n ? *n * 2 : 1;
    if (grown < *n || grown > SIZE_MAX / (s ? s : 1)) {
        out_of_memory();
    }
    *n = grown;
    return xrealloc(p, grown * s);
}

WEAK const char *
ovs_strerror(int error)
{
    return strerror(error);
}

WEAK const char *
ovs_retval_to_string(int retval)
{
    return (!retval ? ""
            : retval == EOF ? "End of file"
            : ovs_strerror(retval));
}

WEAK void
ovs_error_valist(int err_no, const char *format, va_list args)
{
    int save_errno = errno;

    fprintf(stderr, "%s: ", program_name);
    vfprintf(stderr, format, args);
    if (err_no != 0) {
        fprintf(stderr, " (%s)", ovs_retval_to_string(err_no));
    }
    putc('\n', stderr);
    errno = save_errno;
}

WEAK void
ovs_error(int err_no, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    ovs_error_valist(err_no, format, args);
    va_end(args);
}

WEAK void
ovs_fatal_valist(int err_no, const char *format, va_list args)
{
    ovs_error_valist(err_no, format, args);
    exit(EXIT_FAILURE);
}

WEAK void
ovs_fatal(int err_no, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    ovs_fatal_valist(err_no, format, args);
}

WEAK void
ovs_assert_failure(const char *where, const char *function,
                   const char *condition)
{
    fprintf(stderr, "%s: %s: assertion %s failed in %s()\n", program_name,
            where, condition, function);
    abort();
}

static bool
str_to_llong_(const char *s, int base, long long *x, long long min,
              long long max)
{
    char *tail;
    long long value;
    int save_errno = errno;

    errno = 0;
    value = strtoll(s, &tail, base);
    if (errno == EINVAL || errno == ERANGE || tail == s || *tail != '\0'
        || value < min || value > max) {
        errno = save_errno;
        *x = 0;
        return false;
    }
    errno = save_errno;
    *x = value;
    return true;
}

WEAK bool
str_to_llong(const char *s, int base, long long *x)
{
    return str_to_llong_(s, base, x, LLONG_MIN, LLONG_MAX);
}

WEAK bool
str_to_int(const char *s, int base, int *i)
{
    long long ll;
    bool ok = str_to_llong_(s, base, &ll, INT_MIN, INT_MAX);
    *i = ll;
    return ok;
}

WEAK bool
str_to_uint(const char *s, int base, unsigned int *u)
{
    long long ll;
    bool ok = str_to_llong_(s, base, &ll, 0, UINT_MAX);
    *u = ll;
    return ok;
}

WEAK void
ignore(bool x OVS_UNUSED)
{
}

/* ---- command-line ----------------------------------------------------- */

WEAK char *
ovs_cmdl_long_options_to_short_options(const struct option options[])
{
    size_t n = 0;
    for (const struct option *o = options; o->name; o++) {
        n++;
    }

    char *s = xmalloc(3 * n + 1);
    char *p = s;
    for (const struct option *o = options; o->name; o++) {
        if (!o->flag && o->val > 0 && o->val <= UCHAR_MAX) {
            *p++ = o->val;
            if (o->has_arg == required_argument) {
                *p++ = ':';
            } else if (o->has_arg == optional_argument) {
                *p++ = ':';
                *p++ = ':';
            }
        }
    }
    *p = '\0';
    return s;
}

static void
run_command(struct ovs_cmdl_context *ctx,
            const struct ovs_cmdl_command commands[], bool read_only)
{
    if (ctx->argc < 1) {
        ovs_fatal(0, "missing command name; use --help for help");
    }
    for (const struct ovs_cmdl_command *p = commands; p->name; p++) {
        if (!strcmp(p->name, ctx->argv[0])) {
            int n_arg = ctx->argc - 1;
            if (n_arg < p->min_args) {
                ovs_fatal(0, "'%s' command requires at least %d arguments",
                          p->name, p->min_args);
            } else if (n_arg > p->max_args) {
                ovs_fatal(0, "'%s' command takes at most %d arguments",
                          p->name, p->max_args);
            } else if (read_only && p->mode == OVS_RW) {
                ovs_fatal(0, "'%s' command does not work in read only mode",
                          p->name);
            }
            p->handler(ctx);
            if (ferror(stdout)) {
                ovs_fatal(0, "write to stdout failed");
            }
            if (ferror(stderr)) {
                ovs_fatal(0, "write to stderr failed");
            }
            return;
        }
    }
    ovs_fatal(0, "unknown command '%s'; use --help for help", ctx->argv[0]);
}

WEAK void
ovs_cmdl_run_command(struct ovs_cmdl_context *ctx,
                     const struct ovs_cmdl_command commands[])
{
    run_command(ctx, commands, false);
}

WEAK void
ovs_cmdl_run_command_read_only(struct ovs_cmdl_context *ctx,
                               const struct ovs_cmdl_command commands[])
{
    run_command(ctx, commands, true);
}

WEAK void
ovs_cmdl_proctitle_init(int argc OVS_UNUSED, char **argv OVS_UNUSED)
{
}

WEAK void
ovs_cmdl_proctitle_set(const char *format OVS_UNUSED, ...)
{
}

WEAK void
ovs_cmdl_proctitle_restore(void)
{
}

/* ---- daemon ----------------------------------------------------------- */

static bool detach;
static char *pidfile;
static pid_t pidfile_owner;
static int ready_fd = -1;       /* Write end of the pipe to a waiting parent. */

WEAK void
set_detach(void)
{
    detach = true;
}

WEAK bool
get_detach(void)
{
    return detach;
}

WEAK void
set_no_chdir(void)
{
}

WEAK void
set_pidfile(const char *name)
{
    free(pidfile);
    if (name) {
        pidfile = xstrdup(name);
    } else {
        const char *rundir = getenv("OVS_RUNDIR");
        pidfile = xasprintf("%s/%s.pid", rundir ? rundir : ".",
                            program_name);
    }
}

WEAK void
ignore_existing_pidfile(void)
{
}

WEAK void
daemon_set_monitor(void)
{
}

WEAK void
daemon_disable_self_confinement(void)
{
}

WEAK bool
daemon_should_self_confine(void)
{
    return false;
}

WEAK void
daemon_set_new_user(const char *user_spec OVS_UNUSED)
{
}

static void
remove_pidfile(void)
{
    if (pidfile && getpid() == pidfile_owner) {
        unlink(pidfile);
    }
}

static void
remove_pidfile_on_signal(int signr)
{
    remove_pidfile();
    signal(signr, SIG_DFL);
    raise(signr);
}

static void
write_pidfile(void)
{
    char *tmp = xasprintf("%s.tmp", pidfile);
    FILE *file = fopen(tmp, "w");

    if (!file) {
        ovs_fatal(errno, "%s: create failed", tmp);
    }
    fprintf(file, "%ld\n", (long) getpid());
    if (fclose(file) || rename(tmp, pidfile)) {
        ovs_fatal(errno, "%s: write failed", pidfile);
    }
    free(tmp);
    pidfile_owner = getpid();
    atexit(remove_pidfile);
    signal(SIGTERM, remove_pidfile_on_signal);
    signal(SIGINT, remove_pidfile_on_signal);
    signal(SIGHUP, remove_pidfile_on_signal);
}

WEAK void
daemonize_start(bool access_datapath OVS_UNUSED,
                bool access_hardware_ports OVS_UNUSED)
{
    if (detach) {
        int fds[2];
        pid_t pid;

        fflush(NULL);
        if (pipe(fds)) {
            ovs_fatal(errno, "pipe failed");
        }
        pid = fork();
        if (pid < 0) {
            ovs_fatal(errno, "fork failed");
        } else if (pid > 0) {
            /* The parent returns once the child reports it is ready. */
            char c;
            ssize_t n;

            close(fds[1]);
            do {
                n = read(fds[0], &c, 1);
            } while (n < 0 && errno == EINTR);
            if (n != 1) {
                int status;
                waitpid(pid, &status, 0);
                ovs_fatal(0, "fork child died before signaling startup");
            }
            _exit(0);
        }
        close(fds[0]);
        ready_fd = fds[1];
        setsid();
    }
    if (pidfile) {
        write_pidfile();
    }
}

WEAK void
daemonize_complete(void)
{
    if (ready_fd >= 0) {
        int null = open("/dev/null", O_RDWR);

        /* A detached daemon keeps none of its parent's standard files. */
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
            if (null > STDERR_FILENO) {
                close(null);
            }
        }
        if (write(ready_fd, "", 1) != 1) {
            /* The parent is gone: nothing to tell. */
        }
        close(ready_fd);
        ready_fd = -1;
    }
}

WEAK void
daemonize(void)
{
    daemonize_start(false, false);
    daemonize_complete();
}

WEAK void
daemon_usage(void)
{
    printf("\nDaemon options:\n"
           "  --detach                run in background as daemon\n"
           "  --pidfile[=FILE]        create pidfile (default: %s.pid)\n"
           "  --overwrite-pidfile     with --pidfile, start even if "
           "already running\n", program_name);
}

WEAK void
service_start(int *argcp OVS_UNUSED, char **argvp[] OVS_UNUSED)
{
}

WEAK void
service_stop(void)
{
}

WEAK bool
should_service_stop(void)
{
    return false;
}

WEAK pid_t
read_pidfile(const char *name)
{
    FILE *file = fopen(name, "r");
    long pid = -1;

    if (!file) {
        return -errno;
    }
    if (fscanf(file, "%ld", &pid) != 1) {
        pid = -ESRCH;
    }
    fclose(file);
    return pid;
}

/* ---- random ----------------------------------------------------------- */

static uint32_t random_state;
static bool random_seeded;

WEAK void
random_set_seed(uint32_t seed)
{
    random_state = seed ? seed : 1;
    random_seeded = true;
}

WEAK void
random_init(void)
{
    if (!random_seeded) {
        struct timeval tv;

        gettimeofday(&tv, NULL);
        random_set_seed(tv.tv_sec ^ tv.tv_usec ^ (uint32_t) getpid());
    }
}

WEAK uint32_t
random_uint32(void)
{
    /* xorshift32. */
    random_init();
    random_state ^= random_state << 13;
    random_state ^= random_state >> 17;
    random_state ^= random_state << 5;
    return random_state;
}

WEAK uint64_t
random_uint64(void)
{
    uint64_t high = random_uint32();
    return (high << 32) | random_uint32();
}

WEAK void
random_bytes(void *p_, size_t n)
{
    uint8_t *p = p_;

    while (n--) {
        *p++ = random_uint32();
    }
}

/* ---- vlog ------------------------------------------------------------- */

static const char *const vlog_level_names[VLL_N_LEVELS] = {
    "off", "emer", "err", "warn", "info", "dbg",
};

WEAK bool
vlog_is_enabled(const struct vlog_module *module OVS_UNUSED,
                enum vlog_level level)
{
    return level != VLL_OFF && level <= VLL_WARN;
}

WEAK void
vlog_valist(const struct vlog_module *module, enum vlog_level level,
            const char *format, va_list args)
{
    if (vlog_is_enabled(module, level)) {
        fprintf(stderr, "%s|%s|%s|", program_name, module->name,
                vlog_level_names[level]);
        vfprintf(stderr, format, args);
        putc('\n', stderr);
    }
}

WEAK void
vlog(const struct vlog_module *module, enum vlog_level level,
     const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vlog_valist(module, level, format, args);
    va_end(args);
}

WEAK void
vlog_fatal(const struct vlog_module *module, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vlog_valist(module, VLL_EMER, format, args);
    va_end(args);
    exit(EXIT_FAILURE);
}

WEAK void
vlog_set_verbosity(const char *arg OVS_UNUSED)
{
}

WEAK char *
vlog_set_levels_from_string(const char *s OVS_UNUSED)
{
    return NULL;
}

WEAK void
vlog_set_levels_from_string_assert(const char *s OVS_UNUSED)
{
}

WEAK void
vlog_usage(void)
{
    printf("\nLogging options:\n"
           "  -vSPEC, --verbose=SPEC   accepted and ignored\n");
}
