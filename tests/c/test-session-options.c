/* test-session-options: a session's options beyond OVS and its per-remote
 * statistics, from C (the ovsrpc_session_* functions).
 *
 *   1. ovsrpc_session_options_init() gives the defaults, which behave as
 *      OVS; out-of-range options are refused (NULL, EINVAL).
 *   2. A session opened with options over two remotes, in the order given
 *      -- a tcp port that refuses connections, then an echo server run
 *      from this thread's own poll loop -- connects to the second and
 *      echoes one request; the statistics say what happened to each.
 *   3. ovsrpc_session_get_options() returns what was set, and
 *      ovsrpc_session_set_options() changes it (but not the order).
 *
 * Every wait has a deadline.  Run under valgrind by `make c-check`. */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "stream.h"
#include "timeval.h"

#define TEST_NAME "test-session-options"
#include "check.h"

#define DEADLINE_MS 20000

/* An echo server with at most one connection, run from the test's loop. */
struct server {
    struct pstream *listener;
    struct jsonrpc *conn;
};

static void
server_run(struct server *server)
{
    struct stream *stream;
    struct jsonrpc_msg *msg;

    if (!pstream_accept(server->listener, &stream)) {
        jsonrpc_close(server->conn);
        server->conn = jsonrpc_open(stream);
    }
    if (!server->conn) {
        return;
    }
    jsonrpc_run(server->conn);
    while (!jsonrpc_recv(server->conn, &msg)) {
        if (msg->type == JSONRPC_REQUEST) {
            jsonrpc_send(server->conn,
                         jsonrpc_create_reply(json_clone(msg->params),
                                              msg->id));
        }
        jsonrpc_msg_destroy(msg);
    }
}

static void
server_wait(const struct server *server)
{
    pstream_wait(server->listener);
    if (server->conn) {
        jsonrpc_wait(server->conn);
        jsonrpc_recv_wait(server->conn);
    }
}

/* Runs the session and the server until the session has received the
 * reply to an echo request sent once it connected. */
static void
connect_and_echo(struct jsonrpc_session *s, struct server *server)
{
    long long int deadline = time_msec() + DEADLINE_MS;
    struct json *id = NULL;
    bool replied = false;

    while (!replied) {
        struct jsonrpc_msg *msg;

        jsonrpc_session_run(s);
        server_run(server);
        if (!id && jsonrpc_session_is_connected(s)) {
            struct jsonrpc_msg *request;

            request = jsonrpc_create_request(
                "echo", json_array_create_1(json_integer_create(42)), &id);
            CHECK(!jsonrpc_session_send(s, request));
        }
        while ((msg = jsonrpc_session_recv(s))) {
            if (id && msg->type == JSONRPC_REPLY
                && json_equal(msg->id, id)) {
                replied = true;
            }
            jsonrpc_msg_destroy(msg);
        }
        if (replied) {
            break;
        }
        if (time_msec() > deadline) {
            fatal("no echo reply before the deadline");
        }
        jsonrpc_session_wait(s);
        jsonrpc_session_recv_wait(s);
        server_wait(server);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    json_destroy(id);
}

static void
check_defaults(void)
{
    struct ovsrpc_session_options opts;

    memset(&opts, 0xff, sizeof opts);
    ovsrpc_session_options_init(&opts);
    CHECK(opts.order == OVSRPC_ORDER_RANDOM);
    CHECK(opts.deprioritize_after == 0);
    CHECK(opts.connect_timeout_ms == 0);
    CHECK(opts.tcp_user_timeout_ms == 0);
    CHECK(opts.keepalive_idle_s == 0);
    CHECK(opts.probe_timeout_ms == 0);
    CHECK(!opts.echo_priority);
    CHECK(opts.max_msg_size == 256 * 1024 * 1024);
    CHECK(opts.input_buffer == 64 * 1024);
    CHECK(opts.parallel_connect == 0);
    CHECK(!opts.fast_failover);
    CHECK(opts.message_timeout_ms == 0);
}

static void
check_refusals(void)
{
    const char *names[] = { "tcp:127.0.0.1:1" };
    struct ovsrpc_session_options opts;
    struct jsonrpc_session *s;

    ovsrpc_session_options_init(&opts);
    opts.order = 7;
    CHECK(ovsrpc_session_open_multiple(names, 1, true, &opts) == NULL);
    ovsrpc_session_options_init(&opts);
    opts.connect_timeout_ms = -1;
    CHECK(ovsrpc_session_open_multiple(names, 1, true, &opts) == NULL);

    /* NULL options: the defaults. */
    s = ovsrpc_session_open_multiple(names, 1, false, NULL);
    CHECK(s != NULL);
    ovsrpc_session_options_init(&opts);
    opts.message_timeout_ms = -5;
    CHECK(ovsrpc_session_set_options(s, &opts) == EINVAL);
    ovsrpc_session_get_options(s, &opts);
    CHECK(opts.message_timeout_ms == 0);
    jsonrpc_session_close(s);
}

int
main(void)
{
    struct ovsrpc_session_options opts, got;
    struct ovsrpc_remote_stats stats;
    char good_name[64], refused_name[64];
    struct server server = { NULL, NULL };
    struct pstream *closed;
    struct jsonrpc_session *s;
    const char *names[2];
    long long int now;

    check_defaults();
    check_refusals();

    if (pstream_open("ptcp:0:127.0.0.1", &server.listener, 0)
        || pstream_open("ptcp:0:127.0.0.1", &closed, 0)) {
        fatal("cannot listen on loopback");
    }
    snprintf(good_name, sizeof good_name, "tcp:127.0.0.1:%d",
             ntohs(pstream_get_bound_port(server.listener)));
    snprintf(refused_name, sizeof refused_name, "tcp:127.0.0.1:%d",
             ntohs(pstream_get_bound_port(closed)));
    pstream_close(closed);

    ovsrpc_session_options_init(&opts);
    opts.order = OVSRPC_ORDER_AS_GIVEN;
    opts.deprioritize_after = 2;
    opts.connect_timeout_ms = 3000;
    opts.tcp_user_timeout_ms = 10000;
    opts.keepalive_idle_s = 30;
    opts.keepalive_interval_s = 5;
    opts.keepalive_count = 3;
    opts.probe_timeout_ms = 4000;
    opts.echo_priority = true;
    opts.max_msg_size = 1 << 20;
    opts.input_buffer = 8192;
    opts.message_timeout_ms = 10000;
    names[0] = refused_name;
    names[1] = good_name;
    s = ovsrpc_session_open_multiple(names, 2, true, &opts);
    CHECK(s != NULL);
    CHECK(jsonrpc_session_get_n_remotes(s) == 2);

    ovsrpc_session_get_options(s, &got);
    CHECK(got.connect_timeout_ms == 3000 && got.message_timeout_ms == 10000);
    CHECK(got.keepalive_count == 3);
    CHECK(got.order == OVSRPC_ORDER_AS_GIVEN);
    CHECK(got.deprioritize_after == 2);
    CHECK(got.tcp_user_timeout_ms == 10000);
    CHECK(got.keepalive_idle_s == 30 && got.keepalive_interval_s == 5);
    CHECK(got.probe_timeout_ms == 4000 && got.echo_priority);
    CHECK(got.max_msg_size == 1 << 20 && got.input_buffer == 8192);

    connect_and_echo(s, &server);
    CHECK(!strcmp(jsonrpc_session_get_name(s), good_name));
    now = time_msec();

    CHECK(!ovsrpc_session_get_remote_stats(s, 0, &stats));
    CHECK(!strcmp(stats.name, refused_name));
    CHECK(stats.n_attempts == 1);
    CHECK(stats.n_successes == 0);
    CHECK(stats.consecutive_failures == 1);
    CHECK(stats.last_error == ECONNREFUSED);
    CHECK(stats.last_connected == LLONG_MAX);
    CHECK(stats.last_disconnected == LLONG_MAX);

    CHECK(!ovsrpc_session_get_remote_stats(s, 1, &stats));
    CHECK(!strcmp(stats.name, good_name));
    CHECK(stats.n_attempts == 1);
    CHECK(stats.n_successes == 1);
    CHECK(stats.consecutive_failures == 0);
    CHECK(stats.last_error == 0);
    CHECK(stats.last_connected <= now);
    CHECK(stats.last_disconnected == LLONG_MAX);

    memset(&stats, 0, sizeof stats);
    CHECK(ovsrpc_session_get_remote_stats(s, 2, &stats) == EINVAL);
    CHECK(stats.name == NULL);

    /* Changes apply; the order stays as opened. */
    got.fast_failover = true;
    got.parallel_connect = 2;
    got.order = OVSRPC_ORDER_SEEDED;
    CHECK(!ovsrpc_session_set_options(s, &got));
    ovsrpc_session_get_options(s, &got);
    CHECK(got.fast_failover && got.parallel_connect == 2);
    CHECK(got.order == OVSRPC_ORDER_AS_GIVEN);

    jsonrpc_session_close(s);
    jsonrpc_close(server.conn);
    pstream_close(server.listener);
    return checks_finish("");
}
