#!/usr/bin/python3
"""A JSON-RPC server on OVS's Python library (ovs.jsonrpc), the peer of
tests/jsonrpc_python.rs.

usage: echo_server.py LISTEN_NAME   (e.g. punix:/tmp/dir/py.sock)

Prints "listening" on standard output once the socket accepts connections.
Methods:
  echo [...]             reply with result = params
  count []               reply [number of notifications received so far]
  flood [n, size]        send n notifications "tick" [i, "x" * size], then
                         reply [n]
  shutdown (request or notification): exit 0
  anything else (request): error reply {"error": "unknown method"}
Other notifications are counted.  Exits 2 if still running after 120 s.
"""

import errno
import sys

import ovs.jsonrpc
import ovs.poller
import ovs.stream
import ovs.timeval

Message = ovs.jsonrpc.Message


def handle(rpc, msg, state):
    """Answers one message; returns False to shut down."""
    if msg.method == "shutdown":
        return False
    if msg.type == Message.T_NOTIFY:
        state["notifications"] += 1
        return True
    if msg.type != Message.T_REQUEST:
        return True
    if msg.method == "echo":
        reply = Message.create_reply(msg.params, msg.id)
    elif msg.method == "count":
        reply = Message.create_reply([state["notifications"]], msg.id)
    elif msg.method == "flood":
        n, size = msg.params
        for i in range(n):
            rpc.send(Message.create_notify("tick", [i, "x" * size]))
        reply = Message.create_reply([n], msg.id)
    else:
        reply = Message.create_error({"error": "unknown method"}, msg.id)
    rpc.send(reply)
    return True


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: echo_server.py LISTEN_NAME\n")
        return 1
    error, pstream = ovs.stream.PassiveStream.open(sys.argv[1])
    if error:
        sys.stderr.write("could not listen on %s: %s\n"
                         % (sys.argv[1], errno.errorcode.get(error, error)))
        return 1
    print("listening", flush=True)

    deadline = ovs.timeval.msec() + 120 * 1000
    state = {"notifications": 0}
    rpcs = []
    while ovs.timeval.msec() < deadline:
        error, stream = pstream.accept()
        if not error:
            rpcs.append(ovs.jsonrpc.Connection(stream))
        elif error != errno.EAGAIN:
            sys.stderr.write("accept failed: %s\n" % error)
            return 1

        for rpc in list(rpcs):
            rpc.run()
            for _ in range(100):
                if rpc.get_backlog():
                    break
                error, msg = rpc.recv()
                if error == errno.EAGAIN:
                    break
                if error:
                    if error != ovs.jsonrpc.EOF:
                        sys.stderr.write("%s: receive error %d\n"
                                         % (rpc.name, error))
                    rpcs.remove(rpc)
                    rpc.close()
                    break
                if not handle(rpc, msg, state):
                    rpc.run()
                    return 0
            rpc.run()

        poller = ovs.poller.Poller()
        pstream.wait(poller)
        for rpc in rpcs:
            rpc.wait(poller)
            if not rpc.get_backlog():
                rpc.recv_wait(poller)
        poller.timer_wait_until(deadline)
        poller.block()
    sys.stderr.write("echo_server.py: timed out\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
