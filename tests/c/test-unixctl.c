/* test-unixctl: a unixctl server written against OVS's unixctl.h, answered
 * by Debian's real ovs-appctl, and OVS's unixctl client against it.
 *
 * The main thread creates a server on DIR/test-unixctl.ctl with commands
 * registered before and after the server exists, and drives its poll loop
 * while:
 *
 *   1. ovs-appctl (a child process) runs list-commands, a command with
 *      arguments, too few and too many arguments, an unknown command, an
 *      error reply and a deferred reply (answered when a second ovs-appctl
 *      runs "test/go");
 *   2. a thread of its own runs unixctl_client_create() and
 *      unixctl_client_transact() against the server.
 *
 * Every wait has a deadline.  Without ovs-appctl, part 1 fails under
 * CI=true and is skipped elsewhere.  Run under valgrind by `make c-check`. */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jsonrpc.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "unixctl.h"

#define TEST_NAME "test-unixctl"
#include "check.h"

#define DEADLINE_MS 20000
#define APPCTL "/usr/bin/ovs-appctl"

/* A request held for a deferred reply, and the data of the callbacks. */
static struct unixctl_conn *held;
static int n_echo_calls;

static void
echo_cb(struct unixctl_conn *conn, int argc, const char *argv[], void *aux)
{
    char buf[256];
    size_t len = 0;

    CHECK(aux == &n_echo_calls);
    n_echo_calls++;
    CHECK(argv[argc] == NULL);
    buf[0] = '\0';
    for (int i = 0; i < argc; i++) {
        len += snprintf(buf + len, sizeof buf - len, "%s%s", i ? "|" : "",
                        argv[i]);
    }
    unixctl_command_reply(conn, buf);
}

static void
fail_cb(struct unixctl_conn *conn, int argc, const char *argv[], void *aux)
{
    (void) argc; (void) argv; (void) aux;
    unixctl_command_reply_error(conn, "it failed");
}

static void
defer_cb(struct unixctl_conn *conn, int argc, const char *argv[], void *aux)
{
    (void) argc; (void) argv; (void) aux;
    CHECK(held == NULL);
    held = conn;
}

static void
go_cb(struct unixctl_conn *conn, int argc, const char *argv[], void *aux)
{
    (void) argc; (void) argv; (void) aux;
    if (held) {
        unixctl_command_reply(held, "released");
        held = NULL;
        unixctl_command_reply(conn, NULL);
    } else {
        unixctl_command_reply_error(conn, "nothing held");
    }
}

/* One ovs-appctl child and what it printed. */
struct appctl {
    pid_t pid;
    int out_fd, err_fd;
    int status;
    char out[4096], err[4096];
};

static void
appctl_start(struct appctl *a, const char *target, const char *args[])
{
    int out[2], err[2];
    const char *argv[16];
    int n = 0;

    if (pipe(out) || pipe(err)) {
        fatal("pipe failed");
    }
    argv[n++] = APPCTL;
    argv[n++] = "-t";
    argv[n++] = target;
    for (int i = 0; args[i] && n < 15; i++) {
        argv[n++] = args[i];
    }
    argv[n] = NULL;

    a->pid = fork();
    if (a->pid < 0) {
        fatal("fork failed");
    } else if (!a->pid) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]); close(out[1]); close(err[0]); close(err[1]);
        execv(APPCTL, (char **) argv);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    a->out_fd = out[0];
    a->err_fd = err[0];
    a->status = -1;
}

static void
read_all(int fd, char *buf, size_t size)
{
    size_t len = 0;
    ssize_t n;

    while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0) {
        len += n;
    }
    buf[len] = '\0';
    close(fd);
}

/* Drives 'server' until every child in 'a[0..n-1]' has exited. */
static void
appctl_finish(struct unixctl_server *server, struct appctl *a, int n)
{
    long long int deadline = time_msec() + DEADLINE_MS;
    int left = n;

    while (left) {
        unixctl_server_run(server);
        for (int i = 0; i < n; i++) {
            int status;
            if (a[i].status == -1
                && waitpid(a[i].pid, &status, WNOHANG) == a[i].pid) {
                a[i].status = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
                read_all(a[i].out_fd, a[i].out, sizeof a[i].out);
                read_all(a[i].err_fd, a[i].err, sizeof a[i].err);
                left--;
            }
        }
        if (time_msec() > deadline) {
            fatal("ovs-appctl did not finish");
        }
        unixctl_server_wait(server);
        /* Child exits are not poll events: look again every 5 ms. */
        poll_timer_wait(5);
        poll_block();
    }
}

static void
run_appctl(struct unixctl_server *server, struct appctl *a,
           const char *args[])
{
    appctl_start(a, unixctl_server_get_path(server), args);
    appctl_finish(server, a, 1);
}

static bool
starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static void
check_error(const struct appctl *a, const char *error)
{
    CHECK(a->status == 2);
    CHECK(starts_with(a->err, error));
    CHECK(a->err[strlen(error)] == '\n');
    CHECK(strstr(a->err, "server returned an error") != NULL);
    if (!starts_with(a->err, error)) {
        fprintf(stderr, "expected \"%s\", got \"%s\"\n", error, a->err);
    }
}

static void
test_appctl(struct unixctl_server *server)
{
    struct appctl a;

    run_appctl(server, &a, (const char *[]) { "list-commands", NULL });
    CHECK(a.status == 0);
    CHECK(starts_with(a.out, "The available commands are:\n"));
    CHECK(strstr(a.out, "\n  test/echo               ARG...\n") != NULL);
    CHECK(strstr(a.out, "\n  test/late               \n") != NULL);
    CHECK(strstr(a.out, "\n  version                 \n") != NULL);
    CHECK(strstr(a.out, "hidden") == NULL);

    run_appctl(server, &a, (const char *[]) { "test/echo", "a b", "c", NULL });
    CHECK(a.status == 0);
    CHECK(!strcmp(a.out, "test/echo|a b|c\n"));

    run_appctl(server, &a, (const char *[]) { "test/hidden", NULL });
    CHECK(!strcmp(a.out, "test/hidden\n"));

    run_appctl(server, &a, (const char *[]) { "test/echo", NULL });
    check_error(&a, "\"test/echo\" command requires at least 1 arguments");
    run_appctl(server, &a,
               (const char *[]) { "test/echo", "1", "2", "3", "4", NULL });
    check_error(&a, "\"test/echo\" command takes at most 3 arguments");
    run_appctl(server, &a, (const char *[]) { "test/none", NULL });
    check_error(&a, "\"test/none\" is not a valid command (use "
                "\"list-commands\" to see a list of valid commands)");
    run_appctl(server, &a, (const char *[]) { "test/fail", NULL });
    check_error(&a, "it failed");

    /* Log levels, installed by ovsrpc_log_init(), changed by vlog/set. */
    run_appctl(server, &a, (const char *[]) { "vlog/set", "unixctl:info",
                                               NULL });
    CHECK(a.status == 0);
    CHECK(!strcmp(a.out, ""));
    run_appctl(server, &a, (const char *[]) { "vlog/list", NULL });
    CHECK(strstr(a.out, "\nunixctl           INFO\n") != NULL);
    CHECK(strstr(a.out, "\njsonrpc            ERR\n") != NULL);
    run_appctl(server, &a,
               (const char *[]) { "vlog/enable-rate-limit", NULL });
    CHECK(!strcmp(a.out, "vlog/enable-rate-limit\n"));
    run_appctl(server, &a, (const char *[]) { "vlog/set", "nosuch", NULL });
    check_error(&a, "no destination, level, or module \"nosuch\"");

    /* A deferred reply, given from another request's callback. */
    struct appctl two[2];
    long long int deadline = time_msec() + DEADLINE_MS;
    appctl_start(&two[0], unixctl_server_get_path(server),
                 (const char *[]) { "test/defer", NULL });
    while (!held) {
        unixctl_server_run(server);
        if (held) {
            break;
        }
        if (time_msec() > deadline) {
            fatal("test/defer never arrived");
        }
        unixctl_server_wait(server);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    appctl_start(&two[1], unixctl_server_get_path(server),
                 (const char *[]) { "test/go", NULL });
    appctl_finish(server, two, 2);
    CHECK(two[0].status == 0);
    CHECK(!strcmp(two[0].out, "released\n"));
    CHECK(two[1].status == 0);
    CHECK(!strcmp(two[1].out, ""));
}

/* The client thread: OVS's unixctl client against our server. */
struct client_result {
    const char *path;
    int error;
    char *echo_result, *echo_error;
    char *fail_result, *fail_error;
    bool done;
};

static void *
client_main(void *arg_)
{
    struct client_result *r = arg_;
    struct jsonrpc *client;
    char *args[] = { "x", "y" };

    r->error = unixctl_client_create(r->path, &client);
    if (!r->error) {
        r->error = unixctl_client_transact(client, "test/echo", 2, args,
                                           &r->echo_result, &r->echo_error);
        if (!r->error) {
            r->error = unixctl_client_transact(client, "test/fail", 0, NULL,
                                               &r->fail_result,
                                               &r->fail_error);
        }
        jsonrpc_close(client);
    }
    __atomic_store_n(&r->done, true, __ATOMIC_SEQ_CST);
    return NULL;
}

static void
test_client(struct unixctl_server *server)
{
    struct client_result r;
    pthread_t thread;
    long long int deadline = time_msec() + DEADLINE_MS;

    memset(&r, 0, sizeof r);
    r.path = unixctl_server_get_path(server);
    if (pthread_create(&thread, NULL, client_main, &r)) {
        fatal("pthread_create failed");
    }
    while (!__atomic_load_n(&r.done, __ATOMIC_SEQ_CST)) {
        if (time_msec() > deadline) {
            fatal("client did not finish");
        }
        unixctl_server_run(server);
        unixctl_server_wait(server);
        poll_timer_wait(5);
        poll_block();
    }
    pthread_join(thread, NULL);
    CHECK(r.error == 0);
    CHECK(r.echo_result && !strcmp(r.echo_result, "test/echo|x|y\n"));
    CHECK(r.echo_error == NULL);
    CHECK(r.fail_result == NULL);
    CHECK(r.fail_error && !strcmp(r.fail_error, "it failed\n"));
    free(r.echo_result);
    free(r.echo_error);
    free(r.fail_result);
    free(r.fail_error);

    /* Nothing listens there. */
    struct jsonrpc *client = (struct jsonrpc *) 1;
    CHECK(unixctl_client_create("/nonexistent-dir/x.ctl", &client) == ENOENT);
    CHECK(client == NULL);
}

int
main(int argc, char *argv[])
{
    char dir[] = "/tmp/test-unixctl-XXXXXX";
    char path[256];
    struct unixctl_server *server;
    bool have_appctl = !access(APPCTL, X_OK);
    const char *ci = getenv("CI");

    (void) argc; (void) argv;
    signal(SIGPIPE, SIG_IGN);
    CHECK(ovsrpc_log_init("error"));
    if (!mkdtemp(dir)) {
        fatal("mkdtemp failed");
    }
    snprintf(path, sizeof path, "%s/test-unixctl.ctl", dir);

    unixctl_command_register("test/echo", "ARG...", 1, 3, echo_cb,
                             &n_echo_calls);
    unixctl_command_register("test/hidden", NULL, 0, 0, echo_cb,
                             &n_echo_calls);
    unixctl_command_register("test/fail", "", 0, 0, fail_cb, NULL);
    /* Replaces the built-in, as OVS's vlog.c would. */
    unixctl_command_register("vlog/enable-rate-limit", "", 0, 0, echo_cb,
                             &n_echo_calls);

    CHECK(unixctl_server_create("none", &server) == 0);
    CHECK(server == NULL);
    unixctl_server_run(NULL);
    unixctl_server_destroy(NULL);
    CHECK(unixctl_server_get_path(NULL) == NULL);

    CHECK(unixctl_server_create(path, &server) == 0);
    if (!server) {
        fatal("could not create the server");
    }
    CHECK(!strcmp(unixctl_server_get_path(server), path));

    /* Registered after the server exists: picked up by its next run. */
    unixctl_command_register("test/late", "", 0, 0, echo_cb, &n_echo_calls);
    unixctl_command_register("test/defer", "", 0, 0, defer_cb, NULL);
    unixctl_command_register("test/go", "", 0, 0, go_cb, NULL);

    if (have_appctl) {
        test_appctl(server);
    } else if (ci && (!strcmp(ci, "true") || !strcmp(ci, "1"))) {
        fatal(APPCTL " not found: install Debian package openvswitch-common");
    } else {
        fprintf(stderr, "\n*** SKIPPED: " APPCTL " not found: install "
                "Debian package openvswitch-common ***\n\n");
    }
    test_client(server);

    unixctl_server_destroy(server);
    CHECK(access(path, F_OK) != 0);
    rmdir(dir);
    return checks_finish(have_appctl ? " (with ovs-appctl)" : "");
}
