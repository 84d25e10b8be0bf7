/* test-ssl: JSON-RPC over "ssl:" and "pssl:" from C, configured with the
 * stream-ssl.h functions.
 *
 *     test-ssl PKI-DIR        (PKI-DIR made by tests/c/make-pki.sh)
 *
 * One thread, one poll loop: a listener on "pssl:0:127.0.0.1" serves echo
 * requests from a jsonrpc_session connected to it over "ssl:".  Both ends
 * use the same key and certificate (CN=ovsrpc-test-peer) and trust the same
 * CA, so each authenticates the other.  Run under valgrind by
 * `make c-check`. */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "stream-ssl.h"
#include "stream.h"
#include "timeval.h"

#define TEST_NAME "test-ssl"
#include "check.h"

#define DEADLINE_MS 20000



int
main(int argc, char *argv[])
{
    char key[512], cert[512], ca[512], remote[64];
    long long int deadline = time_msec() + DEADLINE_MS;
    struct jsonrpc_session *client;
    struct jsonrpc *server_conn = NULL;
    struct pstream *listener;
    struct json *params, *id;
    bool replied = false;
    int error;

    if (argc != 2) {
        fatal("usage: test-ssl PKI-DIR");
    }
    snprintf(key, sizeof key, "%s/privkey.pem", argv[1]);
    snprintf(cert, sizeof cert, "%s/cert.pem", argv[1]);
    snprintf(ca, sizeof ca, "%s/ca-cert.pem", argv[1]);

    CHECK(!stream_ssl_is_configured());
    stream_ssl_set_key_and_cert(key, cert);
    stream_ssl_set_ca_cert_file(ca, false);
    stream_ssl_set_protocols("TLSv1.2,TLSv1.3");
    stream_ssl_set_ciphers("HIGH:!aNULL:!MD5");
    stream_ssl_set_private_key_file(NULL);      /* Logged and ignored. */
    CHECK(stream_ssl_is_configured());

    error = pstream_open("pssl:0:127.0.0.1", &listener, 0);
    if (error) {
        fatal("cannot listen on pssl:0:127.0.0.1");
    }
    snprintf(remote, sizeof remote, "ssl:127.0.0.1:%d",
             ntohs(pstream_get_bound_port(listener)));
    CHECK(stream_or_pstream_needs_probes(remote) == 1);

    client = jsonrpc_session_open(remote, true);
    params = json_array_create_2(json_string_create("over tls"),
                                 json_integer_create(42));
    id = NULL;
    while (!replied) {
        struct jsonrpc_msg *msg;

        /* Server side. */
        if (!server_conn) {
            struct stream *stream;

            if (!pstream_accept(listener, &stream)) {
                server_conn = jsonrpc_open(stream);
            }
        }
        if (server_conn) {
            jsonrpc_run(server_conn);
            while (!jsonrpc_recv(server_conn, &msg)) {
                if (msg->type == JSONRPC_REQUEST) {
                    jsonrpc_send(server_conn, jsonrpc_create_reply(
                                     json_clone(msg->params), msg->id));
                }
                jsonrpc_msg_destroy(msg);
            }
        }

        /* Client side. */
        jsonrpc_session_run(client);
        if (jsonrpc_session_is_connected(client) && !id) {
            CHECK(!jsonrpc_session_send(client, jsonrpc_create_request(
                                            "echo", json_clone(params),
                                            &id)));
        }
        while ((msg = jsonrpc_session_recv(client))) {
            if (msg->type == JSONRPC_REPLY && id && json_equal(msg->id, id)) {
                CHECK(json_equal(msg->result, params));
                replied = true;
            }
            jsonrpc_msg_destroy(msg);
        }
        if (replied) {
            break;
        }

        if (time_msec() > deadline) {
            fatal("no reply over ssl before the deadline");
        }
        pstream_wait(listener);
        if (server_conn) {
            jsonrpc_wait(server_conn);
            jsonrpc_recv_wait(server_conn);
        }
        if (jsonrpc_session_is_connected(client) && !id) {
            poll_immediate_wake();
        }
        jsonrpc_session_wait(client);
        jsonrpc_session_recv_wait(client);
        poll_timer_wait_until(deadline);
        poll_block();
    }

    /* The client authenticated the server's certificate. */
    CHECK(jsonrpc_session_get_id(client)
          && !strcmp(jsonrpc_session_get_id(client), "ovsrpc-test-peer"));

    json_destroy(id);
    json_destroy(params);
    jsonrpc_session_close(client);
    jsonrpc_close(server_conn);
    pstream_close(listener);

    return checks_finish("");
}
