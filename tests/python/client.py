#!/usr/bin/python3
"""A JSON-RPC client on OVS's Python library (ovs.jsonrpc), the peer of
tests/jsonrpc_python.rs: it talks to a Rust server that implements the
methods of echo_server.py and checks every answer.

usage: client.py REMOTE   (e.g. unix:/tmp/dir/rust.sock)

Prints "ok STEP" after each step and "done" at the end; on a mismatch
prints "FAIL: ..." on standard error and exits 1.
"""

import sys

import ovs.jsonrpc
import ovs.stream

Message = ovs.jsonrpc.Message


def fail(text):
    sys.stderr.write("FAIL: %s\n" % text)
    sys.exit(1)


def transact(rpc, method, params):
    error, reply = rpc.transact_block(Message.create_request(method, params))
    if error:
        fail("%s: transaction error %d" % (method, error))
    return reply


def recv(rpc):
    error, msg = rpc.recv_block()
    if error:
        fail("receive error %d" % error)
    return msg


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: client.py REMOTE\n")
        return 1
    error, stream = ovs.stream.Stream.open_block(
        ovs.stream.Stream.open(sys.argv[1]), 30000)
    if error:
        fail("could not connect to %s: %d" % (sys.argv[1], error))
    rpc = ovs.jsonrpc.Connection(stream)

    # 1. A request with a variety of JSON, answered with the same.
    params = ["hello", {"a": [1, 2.5, None, True, False]}, "\u00fc\u20ac\U0001d11e",
              -9223372036854775808, {"nested": [[[{}]]]}, "q\"b\\n\n\t"]
    reply = transact(rpc, "echo", params)
    if reply.type != Message.T_REPLY or reply.result != params:
        fail("echo: %s" % reply)
    print("ok echo", flush=True)

    # 2. Pipelined requests, answered in order.
    requests = [Message.create_request("echo", [i]) for i in range(2000)]
    for request in requests:
        rpc.send(request)
    for request in requests:
        reply = recv(rpc)
        if reply.id != request.id or reply.result != request.params:
            fail("pipelined: expected id %s, got %s" % (request.id, reply))
    print("ok pipelined", flush=True)

    # 3. A big message both ways.
    big = ["b" * (4 << 20), "end"]
    reply = transact(rpc, "echo", big)
    if reply.result != big:
        fail("big echo came back changed")
    print("ok big", flush=True)

    # 4. An unknown method gets an error reply.
    reply = transact(rpc, "no-such-method", [])
    if reply.type != Message.T_ERROR or reply.error != {"error": "unknown method"}:
        fail("unknown method: %s" % reply)
    print("ok error", flush=True)

    # 5. Notifications arrive and are counted.
    for i in range(10):
        rpc.send(Message.create_notify("note", [i]))
    reply = transact(rpc, "count", [])
    if reply.result != [10]:
        fail("count: %s" % reply)
    print("ok notify", flush=True)

    # 6. Many notifications from the server, then the reply.
    request = Message.create_request("flood", [500, 100])
    rpc.send(request)
    for i in range(500):
        msg = recv(rpc)
        if msg.type != Message.T_NOTIFY or msg.params != [i, "x" * 100]:
            fail("flood: notification %d: %s" % (i, msg))
    reply = recv(rpc)
    if reply.id != request.id or reply.result != [500]:
        fail("flood reply: %s" % reply)
    print("ok flood", flush=True)

    rpc.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
