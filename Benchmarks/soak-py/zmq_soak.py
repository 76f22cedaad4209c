#!/usr/bin/env python3
"""libzmq (pyzmq) peers and subscribers for the soak (Benchmarks/soak.sh; docs/RELIABILITY.md, "Soak").

The same commands, options and RESULT lines as `vtx-soak peers` and `vtx-soak subs`, so the VTX server is driven
by libzmq sockets too:

    zmq_soak.py peers N --endpoint E --until EPOCH --samples FILE [--type dealer|req] [--interval MS] [--drain S]
                        [--size BYTES]
    zmq_soak.py subs N --endpoint E --until EPOCH --samples FILE [--sample-every K]
"""

import argparse
import os
import sys
import time

import zmq


def result(**fields):
    print("RESULT " + " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)


def write_samples(samples, path):
    """One `WALL_SECONDS MICROSECONDS` line per (wall time, nanoseconds) sample."""
    with open(path, "w") as f:
        f.write("".join(f"{t:.3f} {ns // 1000}\n" for t, ns in samples))


def payload(prefix, size):
    data = prefix.encode()
    return data + b"." * max(0, size - len(data))


def run_peers(args):
    ctx = zmq.Context()
    kind = zmq.DEALER if args.type == "dealer" else zmq.REQ
    poller = zmq.Poller()
    sockets, outstanding, sent_at, due, seq = [], [], [], [], []
    interval = int(args.interval * 1_000_000)
    start = time.monotonic_ns()
    for i in range(args.count):
        s = ctx.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(args.endpoint)
        poller.register(s, zmq.POLLIN)
        sockets.append(s)
        outstanding.append(None)
        sent_at.append(0)
        due.append(start + interval * i // args.count)
        seq.append(0)
    index_of = {s: i for i, s in enumerate(sockets)}
    print(f"READY peers={args.count}", flush=True)
    sent = answered = corrupt = unexpected = back_pressure = settled = 0
    samples = []
    pid = os.getpid()
    sending = True
    while True:
        wall = time.time()
        if sending and wall >= args.until:
            sending = False
        waiting = any(o is not None for o in outstanding)
        if not sending and (not waiting or wall >= args.until + args.drain):
            break
        for s, _ in poller.poll(20):
            i = index_of[s]
            # A REQ has at most one reply to give (asking it for another is an error); a DEALER may have more.
            while args.type == "dealer" or outstanding[i] is not None:
                try:
                    reply = s.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                now = time.monotonic_ns()
                if args.type == "dealer":
                    if len(reply) != 2 or reply[0] != b"":
                        corrupt += 1
                        continue
                    body = reply[1]
                else:
                    if len(reply) != 1:
                        corrupt += 1
                        continue
                    body = reply[0]
                if outstanding[i] is None:
                    unexpected += 1
                elif body != outstanding[i]:
                    corrupt += 1
                else:
                    answered += 1
                    samples.append((time.time(), now - sent_at[i]))
                    if seq[i] == 1:
                        # This peer's first answer: when all have had one, the process has settled.
                        settled += 1
                        if settled == args.count:
                            print(f"SETTLED t={time.time()}", flush=True)
                    outstanding[i] = None
                    due[i] = max(now, sent_at[i] + interval)
        if not sending:
            continue
        now = time.monotonic_ns()
        for i, s in enumerate(sockets):
            if outstanding[i] is not None or due[i] > now:
                continue
            body = payload(f"{pid}-{i}-{seq[i]}", args.size)
            frames = [b"", body] if args.type == "dealer" else [body]
            try:
                s.send_multipart(frames, zmq.NOBLOCK)
            except zmq.Again:
                back_pressure += 1
                due[i] = now + interval
                continue
            outstanding[i] = body
            sent_at[i] = time.monotonic_ns()
            seq[i] += 1
            sent += 1
    lost = sum(1 for o in outstanding if o is not None)
    write_samples(samples, args.samples)
    result(role="peers", type=args.type, impl="libzmq", count=args.count, sent=sent, answered=answered, lost=lost,
           corrupt=corrupt, unexpected=unexpected, back_pressure=back_pressure)
    for s in sockets:
        s.close(0)
    ctx.term()


def run_subs(args):
    ctx = zmq.Context()
    poller = zmq.Poller()
    sockets = []
    for _ in range(args.count):
        s = ctx.socket(zmq.SUB)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.SUBSCRIBE, b"")
        s.connect(args.endpoint)
        poller.register(s, zmq.POLLIN)
        sockets.append(s)
    index_of = {s: i for i, s in enumerate(sockets)}
    print(f"READY subs={args.count}", flush=True)
    last = [-1] * args.count
    received = gaps = out_of_order = malformed = settled = 0
    samples = []
    while time.time() < args.until:
        for s, _ in poller.poll(100):
            i = index_of[s]
            while True:
                try:
                    frames = s.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                now = time.monotonic_ns()
                fields = frames[0].split(b":", 2)
                try:
                    sequence, stamp = int(fields[0]), int(fields[1])
                except (ValueError, IndexError):
                    malformed += 1
                    continue
                received += 1
                if last[i] < 0:
                    # This SUB's first message: when all have had one, the process has settled.
                    settled += 1
                    if settled == args.count:
                        print(f"SETTLED t={time.time()}", flush=True)
                if last[i] >= 0:
                    if sequence > last[i] + 1:
                        gaps += sequence - last[i] - 1
                    if sequence <= last[i]:
                        out_of_order += 1
                last[i] = max(last[i], sequence)
                if sequence % args.sample_every == 0:
                    samples.append((time.time(), now - stamp))
    write_samples(samples, args.samples)
    result(role="subs", impl="libzmq", count=args.count, received=received, gaps=gaps, out_of_order=out_of_order,
           malformed=malformed, silent=sum(1 for x in last if x < 0))
    for s in sockets:
        s.close(0)
    ctx.term()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["peers", "subs"])
    parser.add_argument("count", type=int)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--until", type=float, required=True)
    parser.add_argument("--samples", required=True)
    parser.add_argument("--type", choices=["dealer", "req"], default="dealer")
    parser.add_argument("--interval", type=float, default=500)
    parser.add_argument("--drain", type=float, default=10)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--sample-every", type=int, default=10)
    args = parser.parse_args()
    if not 1 <= args.count <= 10_000:
        parser.error("N must be in 1...10000")
    (run_peers if args.command == "peers" else run_subs)(args)


if __name__ == "__main__":
    sys.exit(main())
