/* c_client: a JSON-RPC client written against OVS's C API, built on
 * ovsrpc.
 *
 *     cc -o c_client c_client.c $(pkg-config --cflags --libs ovsrpc)
 *     ./c_client [-n COUNT] [--shutdown] REMOTE...
 *
 * Opens one session over all the REMOTEs ("tcp:IP:PORT", "unix:PATH",
 * "ssl:..."): it connects to one of them and, should that connection drop,
 * to the next, with backoff.  Sends COUNT (default 3) "echo" requests, one
 * at a time, printing each reply; with --shutdown, then asks the server to
 * exit.  Everything is driven by the poll loop, as an OVS daemon would. */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"

#define TIMEOUT_MS 30000

int
main(int argc, char *argv[])
{
    long long int deadline = time_msec() + TIMEOUT_MS;
    struct jsonrpc_session *session;
    struct json *request_id = NULL;
    bool shutdown = false;
    int count = 3, sent = 0, received = 0;
    int i;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc) {
            count = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--shutdown")) {
            shutdown = true;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: %s [-n COUNT] [--shutdown] REMOTE...\n",
                argv[0]);
        return 1;
    }
#ifdef OVSRPC_H
    /* The library's log messages on stderr (OVS programs use vlog). */
    ovsrpc_log_init(NULL);
#endif
    session = jsonrpc_session_open_multiple((const char **) &argv[i],
                                            argc - i, true);

    while (received < count) {
        struct jsonrpc_msg *msg;

        jsonrpc_session_run(session);

        /* Send the next request once connected and nothing is pending. */
        if (jsonrpc_session_is_connected(session) && !request_id) {
            struct json *params = json_array_create_2(
                json_string_create("hello"), json_integer_create(sent));

            jsonrpc_session_send(session, jsonrpc_create_request(
                                     "echo", params, &request_id));
            sent++;
        }

        while ((msg = jsonrpc_session_recv(session))) {
            if (msg->type == JSONRPC_REPLY && request_id
                && json_equal(msg->id, request_id)) {
                char *text = json_to_string(msg->result, 0);

                printf("%s: reply %s\n", jsonrpc_session_get_name(session),
                       text);
                free(text);
                json_destroy(request_id);
                request_id = NULL;
                received++;
            }
            jsonrpc_msg_destroy(msg);
        }

        /* A connection that dropped with the request in flight: the next
         * connection sends it again. */
        if (!jsonrpc_session_is_connected(session) && request_id) {
            json_destroy(request_id);
            request_id = NULL;
        }

        if (time_msec() > deadline) {
            fprintf(stderr, "no reply within %d ms\n", TIMEOUT_MS);
            return 1;
        }
        if (received < count) {
            if (jsonrpc_session_is_connected(session) && !request_id) {
                poll_immediate_wake();  /* The next request is due. */
            }
            jsonrpc_session_wait(session);
            jsonrpc_session_recv_wait(session);
            poll_timer_wait_until(deadline);
            poll_block();
        }
    }

    if (shutdown) {
        jsonrpc_session_send(session, jsonrpc_create_notify(
                                 "shutdown", json_array_create_empty()));
        /* Flush it before closing. */
        while (jsonrpc_session_get_backlog(session)
               && jsonrpc_session_is_connected(session)
               && time_msec() < deadline) {
            jsonrpc_session_run(session);
            jsonrpc_session_wait(session);
            poll_timer_wait_until(deadline);
            poll_block();
        }
    }
    json_destroy(request_id);
    jsonrpc_session_close(session);
    return 0;
}
