#!/usr/bin/env python3
"""A scriptable libzmq peer for VTX's interop tests (pyzmq; libzmq 4.3.x).

One process, one socket. Options set the socket up; actions then run in order, first those given on the
command line (in the order written), then, with --stdin, one action per line read from standard input (the same
words without the leading dashes, e.g. `recv 1`). Every output line starts with a tag:

    VERSION libzmq=4.3.4 pyzmq=25.1.2       first line, always
    ENDPOINT tcp://127.0.0.1:40123          after each bind (LAST_ENDPOINT)
    READY                                   the socket is bound/connected; actions start
    MSG ["00ff", ""]                        one received multipart message: a JSON list of hex frames
    EVENT HANDSHAKE_SUCCEEDED tcp://...     a monitor event (with --monitor), printed as it happens
    <action result>                         ECHOED n, COUNTED n, PROGRESS n, SENT n, REPEATED n, TIMEOUT, OK
    ERROR reason                            something failed; the process exits with status 1
    DONE                                    the last line of a run that succeeded

Actions (ARG conventions: FRAMES is hex frames separated by commas, where an empty string is an empty frame,
so "" is one empty frame and "," two; TEXT is UTF-8, or hex after a `hex:` prefix):

    send FRAMES         send one message                                   -> SENT 1
    recv N              receive N messages, print each                     -> MSG ... (TIMEOUT: ERROR)
    try-recv            receive one message if one comes within --timeout  -> MSG ... or TIMEOUT
    echo N              receive N messages and send each back unchanged    -> ECHOED N
    send-seq N          send N single-frame messages "0", "1", ... "N-1"   -> SENT N
    count N             receive N messages that must be "0" ... "N-1" in order (PROGRESS every --progress)
                                                                           -> COUNTED N
    recv-until TEXT     receive and print messages until one whose first frame is TEXT
    repeat MS ROUNDS FRAMES
                        send FRAMES every MS milliseconds, ROUNDS times at most, stopping early when a line
                        arrives on stdin (the publisher side of the slow-joiner rule)  -> REPEATED k
    subscribe TEXT / unsubscribe TEXT                                      -> OK
    quit                stop reading stdin

Every socket has RCVTIMEO/SNDTIMEO (--timeout) and LINGER (--linger), and --deadline bounds the whole run
(SIGALRM), so the peer always exits by itself; stdin reaching EOF also ends a --stdin run.
"""

import argparse
import json
import os
import select
import signal
import sys
import threading
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

_print_lock = threading.Lock()


def emit(*words):
    with _print_lock:
        sys.stdout.write(" ".join(str(w) for w in words) + "\n")
        sys.stdout.flush()


def fail(reason):
    emit("ERROR", reason)
    sys.stdout.flush()
    os._exit(1)


def parse_text(text):
    return bytes.fromhex(text[4:]) if text.startswith("hex:") else text.encode()


def parse_frames(text):
    return [bytes.fromhex(part) for part in text.split(",")]


class StdinLines:
    """Lines from fd 0 without Python's buffering, so select() tells the truth about what is pending."""

    def __init__(self):
        self.buffer = b""
        self.eof = False

    def pending(self, timeout=0.0):
        if b"\n" in self.buffer or self.eof:
            return True
        ready, _, _ = select.select([0], [], [], timeout)
        if ready:
            chunk = os.read(0, 1 << 20)
            if chunk:
                self.buffer += chunk
            else:
                self.eof = True
        return b"\n" in self.buffer or self.eof

    def readline(self):
        while b"\n" not in self.buffer and not self.eof:
            self.pending(timeout=None)
        if b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            return line.decode()
        return None


class Peer:
    def __init__(self, options, sock, stdin):
        self.options = options
        self.sock = sock
        self.stdin = stdin

    def recv(self):
        try:
            return self.sock.recv_multipart()
        except zmq.Again:
            return None

    def must_recv(self, what):
        message = self.recv()
        if message is None:
            fail(f"timed out after {self.options.timeout} ms waiting for {what}")
        return message

    def send(self, frames):
        try:
            self.sock.send_multipart(frames)
        except zmq.Again:
            fail(f"send timed out after {self.options.timeout} ms")

    def run(self, action, arg):
        words = arg.split(" ") if arg else []
        if action == "send":
            self.send(parse_frames(arg))
            emit("SENT", 1)
        elif action == "recv":
            for i in range(int(arg)):
                emit("MSG", json.dumps([f.hex() for f in self.must_recv(f"message {i + 1} of {arg}")]))
        elif action == "try-recv":
            message = self.recv()
            if message is None:
                emit("TIMEOUT")
            else:
                emit("MSG", json.dumps([f.hex() for f in message]))
        elif action == "echo":
            for i in range(int(arg)):
                self.send(self.must_recv(f"message {i + 1} of {arg} to echo"))
            emit("ECHOED", arg)
        elif action == "send-seq":
            for i in range(int(arg)):
                self.send([str(i).encode()])
            emit("SENT", arg)
        elif action == "count":
            for i in range(int(arg)):
                message = self.must_recv(f"message {i} of {arg}")
                if message != [str(i).encode()]:
                    fail(f"message {i} of {arg} was {message[:2]!r}: lost or reordered")
                if self.options.progress and (i + 1) % self.options.progress == 0:
                    emit("PROGRESS", i + 1)
            emit("COUNTED", arg)
        elif action == "recv-until":
            marker = parse_text(arg)
            for _ in range(1_000_000):
                message = self.must_recv(f"the message {arg!r}")
                emit("MSG", json.dumps([f.hex() for f in message]))
                if message[0] == marker:
                    break
        elif action == "repeat":
            interval, rounds, frames = int(words[0]), int(words[1]), parse_frames(words[2] if len(words) > 2 else "")
            sent = 0
            while sent < rounds:
                self.send(frames)
                sent += 1
                if self.stdin is not None and self.stdin.pending(timeout=interval / 1000):
                    break
                if self.stdin is None:
                    time.sleep(interval / 1000)
            emit("REPEATED", sent)
        elif action in ("subscribe", "unsubscribe"):
            self.sock.setsockopt(zmq.SUBSCRIBE if action == "subscribe" else zmq.UNSUBSCRIBE, parse_text(arg))
            emit("OK")
        else:
            fail(f"unknown action {action!r}")


class Ordered(argparse.Action):
    """Keeps actions in the order they were written on the command line."""

    def __call__(self, parser, namespace, values, option_string=None):
        namespace.actions.append((option_string.lstrip("-"), " ".join(values)))


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--type", required=True, help="REQ REP DEALER ROUTER PUB SUB XPUB XSUB PUSH PULL PAIR")
    parser.add_argument("--bind", action="append", default=[], help="endpoint to bind (repeatable)")
    parser.add_argument("--connect", action="append", default=[], help="endpoint to connect (repeatable)")
    parser.add_argument("--identity", help="ZMQ_ROUTING_ID (TEXT)")
    parser.add_argument("--subscribe", action="append", default=[], help="ZMQ_SUBSCRIBE prefix (TEXT, repeatable)")
    parser.add_argument("--heartbeat-ivl", type=int, help="ZMQ_HEARTBEAT_IVL, ms")
    parser.add_argument("--heartbeat-timeout", type=int, help="ZMQ_HEARTBEAT_TIMEOUT, ms")
    parser.add_argument("--heartbeat-ttl", type=int, help="ZMQ_HEARTBEAT_TTL, ms")
    parser.add_argument("--reconnect-ivl", type=int, help="ZMQ_RECONNECT_IVL, ms")
    parser.add_argument("--hwm", type=int, help="ZMQ_SNDHWM and ZMQ_RCVHWM")
    parser.add_argument("--xpub-verbose", action="store_true", help="ZMQ_XPUB_VERBOSE")
    parser.add_argument("--timeout", type=int, default=5000, help="RCVTIMEO and SNDTIMEO, ms (default 5000)")
    parser.add_argument("--linger", type=int, default=1000, help="ZMQ_LINGER, ms (default 1000)")
    parser.add_argument("--deadline", type=float, default=60, help="the whole run, seconds (default 60)")
    parser.add_argument("--progress", type=int, default=0, help="count: print PROGRESS every this many")
    parser.add_argument("--monitor", action="store_true", help="print the socket's monitor events")
    parser.add_argument("--stdin", action="store_true", help="then read actions from stdin until quit/EOF")
    parser.add_argument("--plain-user", help="ZMQ_PLAIN_USERNAME (a PLAIN client)")
    parser.add_argument("--plain-password", help="ZMQ_PLAIN_PASSWORD")
    parser.add_argument("--plain-server", action="store_true", help="ZMQ_PLAIN_SERVER")
    parser.add_argument("--curve-server", action="store_true", help="ZMQ_CURVE_SERVER")
    parser.add_argument("--curve-secret", help="ZMQ_CURVE_SECRETKEY (Z85)")
    parser.add_argument("--curve-public", help="ZMQ_CURVE_PUBLICKEY (Z85)")
    parser.add_argument("--curve-serverkey", help="ZMQ_CURVE_SERVERKEY (Z85): a CURVE client")
    parser.add_argument("--zap-domain", help="ZMQ_ZAP_DOMAIN")
    parser.add_argument("--auth-user", action="append", default=[],
                        help="USER:PASSWORD admitted by a ThreadAuthenticator (repeatable; starts it)")
    parser.add_argument("--auth-curve-any", action="store_true", help="a ThreadAuthenticator admitting any CURVE key")
    parser.add_argument("--auth-curve-key", action="append", default=[],
                        help="a CURVE client key (Z85) a ThreadAuthenticator admits (repeatable; starts it)")
    parser.add_argument("--auth-deny", action="append", default=[], help="an IP address the authenticator denies")
    parser.set_defaults(actions=[])
    for action, nargs in [("send", 1), ("recv", 1), ("try-recv", 0), ("echo", 1), ("send-seq", 1), ("count", 1),
                          ("recv-until", 1), ("repeat", 3)]:
        parser.add_argument(f"--{action}", nargs=nargs, action=Ordered, metavar="ARG")
    parser.add_argument("--send-hex", nargs=1, action=Ordered, metavar="FRAMES", help="the same as --send")
    return parser.parse_args()


def watch(monitor, stop):
    poller = zmq.Poller()
    poller.register(monitor, zmq.POLLIN)
    while not stop.is_set():
        if poller.poll(50):
            event = recv_monitor_message(monitor)
            try:
                name = zmq.Event(event["event"]).name
            except ValueError:
                name = str(event["event"])
            words = ["EVENT", name, event["endpoint"].decode(errors="replace")]
            if name.startswith("HANDSHAKE_FAILED"):
                words.append(event["value"])
            emit(*words)
    monitor.close(linger=0)


class CurveKeys:
    """A ThreadAuthenticator credentials provider: admits the CURVE keys it was given (Z85)."""

    def __init__(self, keys):
        self.keys = {key.encode() for key in keys}

    def callback(self, domain, key):
        return key in self.keys


def start_authenticator(context, options):
    """pyzmq's ThreadAuthenticator, libzmq's own kind of ZAP handler, when any --auth-* option asks for it."""
    if not (options.auth_user or options.auth_curve_any or options.auth_curve_key or options.auth_deny):
        return None
    from zmq.auth.thread import ThreadAuthenticator
    import zmq.auth
    authenticator = ThreadAuthenticator(context)
    authenticator.start()
    if options.auth_deny:
        authenticator.deny(*options.auth_deny)
    if options.auth_user:
        authenticator.configure_plain(domain="*", passwords=dict(pair.split(":", 1) for pair in options.auth_user))
    if options.auth_curve_any:
        authenticator.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)
    elif options.auth_curve_key:
        authenticator.configure_curve_callback(domain="*", credentials_provider=CurveKeys(options.auth_curve_key))
    return authenticator


def main():
    options = parse_arguments()
    signal.signal(signal.SIGALRM, lambda *_: fail(f"deadline of {options.deadline} s passed"))
    signal.setitimer(signal.ITIMER_REAL, options.deadline)
    emit("VERSION", f"libzmq={zmq.zmq_version()}", f"pyzmq={zmq.pyzmq_version()}")

    context = zmq.Context()
    sock = context.socket(getattr(zmq, options.type.upper()))
    sock.setsockopt(zmq.RCVTIMEO, options.timeout)
    sock.setsockopt(zmq.SNDTIMEO, options.timeout)
    sock.setsockopt(zmq.LINGER, options.linger)
    for option, value in [(zmq.ROUTING_ID, options.identity and parse_text(options.identity)),
                          (zmq.HEARTBEAT_IVL, options.heartbeat_ivl),
                          (zmq.HEARTBEAT_TIMEOUT, options.heartbeat_timeout),
                          (zmq.HEARTBEAT_TTL, options.heartbeat_ttl), (zmq.RECONNECT_IVL, options.reconnect_ivl),
                          (zmq.SNDHWM, options.hwm), (zmq.RCVHWM, options.hwm),
                          (zmq.XPUB_VERBOSE, 1 if options.xpub_verbose else None)]:
        if value is not None:
            sock.setsockopt(option, value)
    for prefix in options.subscribe:
        sock.setsockopt(zmq.SUBSCRIBE, parse_text(prefix))
    authenticator = start_authenticator(context, options)
    for option, value in [(zmq.ZAP_DOMAIN, options.zap_domain), (zmq.PLAIN_USERNAME, options.plain_user),
                          (zmq.PLAIN_PASSWORD, options.plain_password),
                          (zmq.PLAIN_SERVER, 1 if options.plain_server else None),
                          (zmq.CURVE_SERVER, 1 if options.curve_server else None),
                          (zmq.CURVE_SECRETKEY, options.curve_secret), (zmq.CURVE_PUBLICKEY, options.curve_public),
                          (zmq.CURVE_SERVERKEY, options.curve_serverkey)]:
        if value is not None:
            sock.setsockopt(option, value.encode() if isinstance(value, str) else value)

    stop = threading.Event()
    watcher = None
    if options.monitor:
        watcher = threading.Thread(target=watch, args=(sock.get_monitor_socket(), stop), daemon=True)
        watcher.start()
    for endpoint in options.bind:
        sock.bind(endpoint)
        emit("ENDPOINT", sock.getsockopt_string(zmq.LAST_ENDPOINT))
    for endpoint in options.connect:
        sock.connect(endpoint)
    emit("READY")

    stdin = StdinLines() if options.stdin else None
    peer = Peer(options, sock, stdin)
    for action, arg in options.actions:
        peer.run("send" if action == "send-hex" else action, arg)
    while stdin is not None:
        line = stdin.readline()
        if line is None or line.strip() == "quit":
            break
        if line.strip():
            action, _, arg = line.strip().partition(" ")
            peer.run(action, arg)

    if watcher is not None:
        sock.disable_monitor()
        stop.set()
        watcher.join(timeout=2)
    sock.close()
    if authenticator is not None:
        authenticator.stop()
    context.term()
    emit("DONE")


if __name__ == "__main__":
    main()
