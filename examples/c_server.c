/* c_server: a JSON-RPC echo server written against OVS's C API, built on
 * ovsrpc.
 *
 *     cc -o c_server c_server.c $(pkg-config --cflags --libs ovsrpc)
 *     ./c_server punix:/tmp/echo.sock ptcp:6640:127.0.0.1
 *
 * Listens on every passive name given ("punix:PATH", "ptcp:PORT[:IP]",
 * "pssl:..."), answers method "echo" with its params, and exits when a
 * client sends the notification "shutdown".  Other requests get an error
 * reply.  The same source builds against Open vSwitch's own library. */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "stream.h"

#define MAX_CONNS 64

/* Handles one message from 'conn'; returns true for "shutdown". */
static bool
handle(struct jsonrpc *conn, struct jsonrpc_msg *msg)
{
    bool shutdown = false;

    if (msg->type == JSONRPC_REQUEST && !strcmp(msg->method, "echo")) {
        /* The reply shares the params: json_clone() only counts a
         * reference. */
        jsonrpc_send(conn, jsonrpc_create_reply(json_clone(msg->params),
                                                msg->id));
    } else if (msg->type == JSONRPC_REQUEST) {
        struct json *error = json_object_create();

        json_object_put_string(error, "error", "unknown method");
        jsonrpc_send(conn, jsonrpc_create_error(error, msg->id));
    } else if (msg->type == JSONRPC_NOTIFY
               && !strcmp(msg->method, "shutdown")) {
        shutdown = true;
    }
    jsonrpc_msg_destroy(msg);
    return shutdown;
}

int
main(int argc, char *argv[])
{
    struct pstream **listeners;
    struct jsonrpc *conns[MAX_CONNS];
    size_t n_listeners = 0, n_conns = 0, i;
    bool shutdown = false;

    if (argc < 2) {
        fprintf(stderr, "usage: %s PASSIVE...\n", argv[0]);
        return 1;
    }
#ifdef OVSRPC_H
    /* The library's log messages on stderr (OVS programs use vlog). */
    ovsrpc_log_init(NULL);
#endif
    listeners = calloc(argc - 1, sizeof *listeners);
    for (i = 1; i < (size_t) argc; i++) {
        int error = jsonrpc_pstream_open(argv[i], &listeners[n_listeners],
                                         0);
        if (error) {
            fprintf(stderr, "%s: cannot listen (%s)\n", argv[i],
                    strerror(error));
            return 1;
        }
        printf("listening on %s\n",
               pstream_get_name(listeners[n_listeners]));
        n_listeners++;
    }
    fflush(stdout);

    while (!shutdown) {
        /* Run: accept, then serve each connection. */
        for (i = 0; i < n_listeners; i++) {
            struct stream *stream;

            while (n_conns < MAX_CONNS
                   && !pstream_accept(listeners[i], &stream)) {
                conns[n_conns++] = jsonrpc_open(stream);
            }
        }
        for (i = 0; i < n_conns && !shutdown; ) {
            struct jsonrpc_msg *msg;

            jsonrpc_run(conns[i]);
            while (!shutdown && !jsonrpc_recv(conns[i], &msg)) {
                shutdown = handle(conns[i], msg);
            }
            if (jsonrpc_get_status(conns[i])) {
                jsonrpc_close(conns[i]);
                conns[i] = conns[--n_conns];
            } else {
                i++;
            }
        }
        if (shutdown) {
            break;
        }

        /* Wait: for connections, for messages, for room to send. */
        for (i = 0; i < n_listeners; i++) {
            pstream_wait(listeners[i]);
        }
        for (i = 0; i < n_conns; i++) {
            jsonrpc_wait(conns[i]);
            jsonrpc_recv_wait(conns[i]);
        }
        poll_block();
    }

    for (i = 0; i < n_conns; i++) {
        jsonrpc_close(conns[i]);
    }
    for (i = 0; i < n_listeners; i++) {
        pstream_close(listeners[i]);
    }
    free(listeners);
    return 0;
}
