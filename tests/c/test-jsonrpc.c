/* test-jsonrpc: a JSON-RPC echo server and its clients, in C, against the
 * OVS-named headers of ovsrpc.
 *
 * The server runs in its own thread with its own poll loop, listening on
 * "punix:DIR/sock" and "ptcp:0:127.0.0.1".  Method "echo" replies with the
 * params, "shutdown" (a notification) stops it, anything else gets an error
 * reply.  The main thread then:
 *
 *   1. talks to each listener over a plain jsonrpc connection with the
 *      blocking helpers (stream_open_block, jsonrpc_transact_block);
 *   2. opens a jsonrpc_session over three remotes -- the tcp listener, the
 *      unix listener and a tcp port that refuses connections -- and, driving
 *      the poll loop by hand, echoes a request on each connection, forcing a
 *      reconnection after each, until it has used both listeners;
 *   3. checks the message helpers (validity, JSON forms, strings).
 *
 * Every wait has a deadline, so a broken build fails instead of hanging.
 * Run under valgrind by `make c-check`. */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "reconnect.h"
#include "stream.h"
#include "timeval.h"

#define TEST_NAME "test-jsonrpc"
#include "check.h"

#define DEADLINE_MS 20000
#define MAX_CONNS 16



/* ---------------------------------------------------------------------- */
/* The server. */

struct server {
    struct pstream *listeners[2];
    struct jsonrpc *conns[MAX_CONNS];
    size_t n_conns;
    int n_requests;
};

static bool
server_handle(struct jsonrpc *conn, struct jsonrpc_msg *msg)
{
    bool done = false;

    if (msg->type == JSONRPC_REQUEST && !strcmp(msg->method, "echo")) {
        jsonrpc_send(conn, jsonrpc_create_reply(json_clone(msg->params),
                                                msg->id));
    } else if (msg->type == JSONRPC_REQUEST) {
        struct json *error = json_object_create();

        json_object_put_string(error, "error", "unknown method");
        jsonrpc_send(conn, jsonrpc_create_error(error, msg->id));
    } else if (msg->type == JSONRPC_NOTIFY
               && !strcmp(msg->method, "shutdown")) {
        done = true;
    }
    jsonrpc_msg_destroy(msg);
    return done;
}

static void *
server_main(void *server_)
{
    struct server *server = server_;
    bool done = false;
    long long int deadline = time_msec() + 4 * DEADLINE_MS;

    while (!done) {
        size_t i;

        if (time_msec() > deadline) {
            fatal("server: no shutdown before the deadline");
        }
        for (i = 0; i < 2; i++) {
            struct stream *stream;

            while (!pstream_accept(server->listeners[i], &stream)) {
                if (server->n_conns >= MAX_CONNS) {
                    fatal("server: too many connections");
                }
                server->conns[server->n_conns++] = jsonrpc_open(stream);
            }
        }
        for (i = 0; i < server->n_conns; ) {
            struct jsonrpc *conn = server->conns[i];
            struct jsonrpc_msg *msg;

            jsonrpc_run(conn);
            while (!done && !jsonrpc_recv(conn, &msg)) {
                server->n_requests++;
                done = server_handle(conn, msg);
            }
            if (jsonrpc_get_status(conn) && !jsonrpc_get_backlog(conn)) {
                jsonrpc_close(conn);
                server->conns[i] = server->conns[--server->n_conns];
            } else {
                i++;
            }
        }
        if (done) {
            break;
        }
        for (i = 0; i < 2; i++) {
            pstream_wait(server->listeners[i]);
        }
        for (i = 0; i < server->n_conns; i++) {
            jsonrpc_wait(server->conns[i]);
            jsonrpc_recv_wait(server->conns[i]);
        }
        poll_timer_wait_until(deadline);
        poll_block();
    }
    while (server->n_conns > 0) {
        jsonrpc_close(server->conns[--server->n_conns]);
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Clients. */

/* Returns [N, "text N", {"n": N, "nested": [true, null, 1.5]}]. */
static struct json *
make_params(int n)
{
    struct json *object = json_object_create();
    char text[32];

    snprintf(text, sizeof text, "text %d", n);
    json_object_put(object, "n", json_integer_create(n));
    json_object_put(object, "nested",
                    json_array_create_3(json_boolean_create(true),
                                        json_null_create(),
                                        json_real_create(1.5)));
    return json_array_create_3(json_integer_create(n),
                               json_string_create(text), object);
}

/* One connection with the blocking helpers: an echo and an unknown
 * method. */
static void
blocking_client(const char *name)
{
    struct jsonrpc_msg *request, *reply;
    struct json *params = make_params(7);
    struct stream *stream;
    struct jsonrpc *rpc;
    struct json *id;
    int error;

    error = jsonrpc_stream_open(name, &stream, 0);
    error = stream_open_block(error, DEADLINE_MS, &stream);
    CHECK(!error);
    if (error) {
        json_destroy(params);
        return;
    }
    CHECK(!strcmp(stream_get_name(stream), name));
    rpc = jsonrpc_open(stream);
    CHECK(!strcmp(jsonrpc_get_name(rpc), name));

    request = jsonrpc_create_request("echo", json_clone(params), &id);
    error = jsonrpc_transact_block(rpc, request, &reply);
    CHECK(!error);
    if (!error) {
        CHECK(reply->type == JSONRPC_REPLY);
        CHECK(json_equal(reply->result, params));
        CHECK(json_equal(reply->id, id));
        CHECK(reply->error == NULL && reply->method == NULL);
        jsonrpc_msg_destroy(reply);
    }
    json_destroy(id);

    request = jsonrpc_create_request("no-such-method",
                                     json_array_create_empty(), NULL);
    error = jsonrpc_transact_block(rpc, request, &reply);
    CHECK(!error);
    if (!error) {
        CHECK(reply->type == JSONRPC_ERROR);
        CHECK(reply->result == NULL);
        CHECK(!strcmp(json_string(json_object_find(reply->error, "error")),
                      "unknown method"));
        jsonrpc_msg_destroy(reply);
    }
    CHECK(jsonrpc_get_status(rpc) == 0);
    CHECK(jsonrpc_get_received_bytes(rpc) > 0);
    jsonrpc_close(rpc);
    json_destroy(params);
}

/* Runs the session until it is connected. */
static void
wait_connected(struct jsonrpc_session *s, long long int deadline)
{
    for (;;) {
        struct jsonrpc_msg *msg;

        jsonrpc_session_run(s);
        if (jsonrpc_session_is_connected(s)) {
            return;
        }
        while ((msg = jsonrpc_session_recv(s))) {
            jsonrpc_msg_destroy(msg);
        }
        if (time_msec() > deadline) {
            fatal("session: not connected before the deadline");
        }
        jsonrpc_session_wait(s);
        jsonrpc_session_recv_wait(s);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* Sends an echo request on the session and waits for its reply. */
static void
session_echo(struct jsonrpc_session *s, int n, long long int deadline)
{
    struct json *params = make_params(n);
    struct json *id;
    int error;

    error = jsonrpc_session_send(
        s, jsonrpc_create_request("echo", json_clone(params), &id));
    CHECK(!error);
    for (;;) {
        struct jsonrpc_msg *msg;

        jsonrpc_session_run(s);
        msg = jsonrpc_session_recv(s);
        if (msg) {
            bool mine = msg->type == JSONRPC_REPLY
                        && json_equal(msg->id, id);

            if (mine) {
                CHECK(json_equal(msg->result, params));
            }
            jsonrpc_msg_destroy(msg);
            if (mine) {
                break;
            }
            continue;
        }
        if (time_msec() > deadline) {
            fatal("session: no reply before the deadline");
        }
        jsonrpc_session_wait(s);
        jsonrpc_session_recv_wait(s);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    json_destroy(id);
    json_destroy(params);
}

static void
session_client(const char *unix_name, const char *tcp_name,
               const char *refused_name)
{
    const char *remotes[] = { tcp_name, unix_name, refused_name };
    long long int deadline = time_msec() + DEADLINE_MS;
    struct jsonrpc_session_options options = {
        .max_backoff = 1000, .probe_interval = 0, .dscp = 0,
    };
    struct reconnect_stats stats;
    bool used_unix = false, used_tcp = false;
    unsigned int seqno = 0;
    int round;
    struct jsonrpc_session *s;

    s = jsonrpc_session_open_multiple(remotes, 3, true);
    CHECK(jsonrpc_session_get_n_remotes(s) == 3);
    jsonrpc_session_set_options(s, &options);
    CHECK(jsonrpc_session_is_alive(s));

    for (round = 0; round < 8 && !(used_unix && used_tcp && round >= 3);
         round++) {
        const char *name;

        wait_connected(s, deadline);
        name = jsonrpc_session_get_name(s);
        CHECK(!strcmp(name, unix_name) || !strcmp(name, tcp_name));
        used_unix |= !strcmp(name, unix_name);
        used_tcp |= !strcmp(name, tcp_name);
        CHECK(jsonrpc_session_get_seqno(s) != seqno);
        seqno = jsonrpc_session_get_seqno(s);
        CHECK(jsonrpc_session_get_id(s) == NULL);

        session_echo(s, round, deadline);

        /* Go round the remotes without waiting out a backoff. */
        jsonrpc_session_reset_backoff(s);
        jsonrpc_session_force_reconnect(s);
    }
    CHECK(used_unix && used_tcp);

    /* The refusing remote was tried (round robin passes every remote) and
     * failed. */
    jsonrpc_session_get_reconnect_stats(s, &stats);
    CHECK(stats.n_attempted_connections > stats.n_successful_connections);
    CHECK(stats.n_successful_connections >= 3);
    CHECK(stats.state != NULL);
    jsonrpc_session_close(s);
    jsonrpc_session_close(NULL);
}

/* A session that gives up: one remote that refuses, no retry. */
static void
session_without_retry(const char *refused_name)
{
    long long int deadline = time_msec() + DEADLINE_MS;
    struct jsonrpc_session *s = jsonrpc_session_open(refused_name, false);

    for (;;) {
        jsonrpc_session_run(s);
        if (!jsonrpc_session_is_alive(s)) {
            break;
        }
        if (time_msec() > deadline) {
            fatal("session without retry: still alive at the deadline");
        }
        jsonrpc_session_wait(s);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    CHECK(!jsonrpc_session_is_connected(s));
    CHECK(jsonrpc_session_get_last_error(s) == ECONNREFUSED);
    CHECK(jsonrpc_session_send(s, jsonrpc_create_notify(
                                   "x", json_array_create_empty()))
          == ENOTCONN);
    jsonrpc_session_close(s);
}

/* ---------------------------------------------------------------------- */
/* Messages. */

static void
check_msg_string(const struct jsonrpc_msg *msg, const char *expected)
{
    char *s = jsonrpc_msg_to_string(msg);

    if (strcmp(s, expected)) {
        fprintf(stderr, "jsonrpc_msg_to_string: got %s, expected %s\n",
                s, expected);
        failures++;
    }
    free(s);
}

static void
test_messages(void)
{
    struct jsonrpc_msg *msg, *copy;
    struct json *id, *json;
    char *error;

    msg = jsonrpc_create_notify("update", json_array_create_1(
                                    json_string_create("x")));
    CHECK(msg->type == JSONRPC_NOTIFY && msg->id == NULL);
    CHECK(jsonrpc_msg_is_valid(msg) == NULL);
    check_msg_string(msg, "{\"id\":null,\"method\":\"update\",\"params\":[\"x\"]}");

    copy = jsonrpc_msg_clone(msg);
    CHECK(copy->params == msg->params && msg->params->count == 2);
    jsonrpc_msg_destroy(copy);
    CHECK(msg->params->count == 1);

    /* To JSON and back: the members move, nothing is copied. */
    json = jsonrpc_msg_to_json(msg);
    CHECK(json->type == JSON_OBJECT);
    CHECK(json_object_find(json, "id")->type == JSON_NULL);
    error = jsonrpc_msg_from_json(json, &msg);
    CHECK(error == NULL);
    CHECK(msg->type == JSONRPC_NOTIFY && !strcmp(msg->method, "update"));
    CHECK(msg->id == NULL);
    CHECK(!strcmp(json_string(json_array_at(msg->params, 0)), "x"));
    jsonrpc_msg_destroy(msg);

    msg = jsonrpc_create_request("get", json_array_create_empty(), &id);
    CHECK(msg->type == JSONRPC_REQUEST && msg->id == id && id->count == 2);
    CHECK(!strcmp(jsonrpc_msg_type_to_string(msg->type), "request"));
    CHECK(!strcmp(jsonrpc_msg_type_to_string(JSONRPC_NOTIFY),
                  "notification"));

    /* A request without params is not valid. */
    json_destroy(msg->params);
    msg->params = NULL;
    error = jsonrpc_msg_is_valid(msg);
    CHECK(error && !strcmp(error, "request must have \"params\""));
    free(error);
    msg->params = json_integer_create(1);
    error = jsonrpc_msg_is_valid(msg);
    CHECK(error && !strcmp(error, "\"params\" must be JSON array"));
    free(error);
    jsonrpc_msg_destroy(msg);

    msg = jsonrpc_create_reply(json_integer_create(5), id);
    check_msg_string(msg, "{\"error\":null,\"id\":0,\"result\":5}");
    jsonrpc_msg_destroy(msg);
    msg = jsonrpc_create_error(json_string_create("bad"), id);
    CHECK(jsonrpc_msg_is_valid(msg) == NULL);
    jsonrpc_msg_destroy(msg);
    json_destroy(id);

    /* Bad JSON forms give OVS's messages. */
    error = jsonrpc_msg_from_json(json_array_create_empty(), &msg);
    CHECK(msg == NULL && error
          && !strcmp(error, "message is not a JSON object"));
    free(error);
    error = jsonrpc_msg_from_json(
        json_from_string("{\"method\":\"m\",\"params\":[],\"x\":1}"), &msg);
    CHECK(msg == NULL && error
          && !strcmp(error, "message has unexpected member \"x\""));
    free(error);
    error = jsonrpc_msg_from_json(json_from_string("{\"result\":1}"), &msg);
    CHECK(msg == NULL && error && !strcmp(error, "reply must have \"id\""));
    free(error);

    jsonrpc_msg_destroy(NULL);
}

/* ---------------------------------------------------------------------- */

int
main(void)
{
    char dir[] = "/tmp/ovsrpc-test-jsonrpc-XXXXXX";
    char unix_name[128], punix_name[128], tcp_name[64], refused_name[64];
    struct jsonrpc_msg *shutdown;
    struct server server;
    struct pstream *closed;
    struct stream *stream;
    struct jsonrpc *rpc;
    pthread_t thread;
    int error, port;

    test_messages();

    if (!mkdtemp(dir)) {
        fatal("mkdtemp failed");
    }
    snprintf(punix_name, sizeof punix_name, "punix:%s/sock", dir);
    snprintf(unix_name, sizeof unix_name, "unix:%s/sock", dir);

    memset(&server, 0, sizeof server);
    error = pstream_open(punix_name, &server.listeners[0], 0);
    CHECK(!error);
    error = jsonrpc_pstream_open("ptcp:0:127.0.0.1", &server.listeners[1], 0);
    CHECK(!error);
    if (!server.listeners[0] || !server.listeners[1]) {
        fatal("cannot listen");
    }
    CHECK(!strcmp(pstream_get_name(server.listeners[0]), punix_name));
    CHECK(pstream_get_bound_port(server.listeners[0]) == 0);
    port = ntohs(pstream_get_bound_port(server.listeners[1]));
    CHECK(port > 0);
    snprintf(tcp_name, sizeof tcp_name, "tcp:127.0.0.1:%d", port);

    /* A port nobody listens on: bind one, then close it. */
    error = pstream_open("ptcp:0:127.0.0.1", &closed, 0);
    CHECK(!error);
    snprintf(refused_name, sizeof refused_name, "tcp:127.0.0.1:%d",
             ntohs(pstream_get_bound_port(closed)));
    pstream_close(closed);
    pstream_close(NULL);

    CHECK(time_wall() > 1577836800);    /* After 2020. */
    CHECK(time_wall_msec() / 1000 - time_wall() <= 1);
    CHECK(time_now() == time_msec() / 1000
          || time_now() == time_msec() / 1000 - 1);
    CHECK(stream_or_pstream_needs_probes(tcp_name) == 1);
    CHECK(stream_or_pstream_needs_probes(unix_name) == 0);
    CHECK(stream_or_pstream_needs_probes("bogus:x") == -1);
    CHECK(stream_verify_name("bogus:x") == EAFNOSUPPORT);
    CHECK(pstream_verify_name(punix_name) == 0);
    CHECK(stream_open("bogus:x", &stream, 0) == EAFNOSUPPORT);
    CHECK(stream == NULL);

    if (pthread_create(&thread, NULL, server_main, &server)) {
        fatal("pthread_create failed");
    }

    blocking_client(unix_name);
    blocking_client(tcp_name);
    session_client(unix_name, tcp_name, refused_name);
    session_without_retry(refused_name);

    /* Stop the server. */
    error = jsonrpc_stream_open(unix_name, &stream, 0);
    error = stream_open_block(error, DEADLINE_MS, &stream);
    if (error) {
        fatal("cannot connect to stop the server");
    }
    rpc = jsonrpc_open(stream);
    shutdown = jsonrpc_create_notify("shutdown", json_array_create_empty());
    CHECK(!jsonrpc_send_block(rpc, shutdown));
    pthread_join(thread, NULL);
    jsonrpc_close(rpc);
    CHECK(server.n_requests >= 8);

    pstream_close(server.listeners[0]);
    pstream_close(server.listeners[1]);
    if (rmdir(dir)) {
        fprintf(stderr, "rmdir %s failed (socket file left behind?)\n", dir);
        failures++;
    }

    char detail[64];
    snprintf(detail, sizeof detail, " (%d requests served)",
             server.n_requests);
    return checks_finish(detail);
}
