#!/usr/bin/env python3
"""The soak's report (Benchmarks/soak.sh; docs/RELIABILITY.md, "Soak"): reads a run's directory and checks it.

    soak_report.py DIR --duration SECONDS [--scale full|ci]

Prints the report (also written to DIR/report.txt) and exits 1 when a check fails: a lost, corrupt or unexpected
reply; a SUB gap the PUB's own drops do not explain; a silent SUB; a process (not killed) without its RESULT; the
server's RSS or descriptors growing from the first to the last quarter beyond the thresholds below.
"""

import argparse
import glob
import os
import statistics
import sys

RSS_GROWTH_KB = 8 * 1024      # the last quarter's median RSS may exceed the first's by max(8 MiB, 10%)
RSS_GROWTH_FRACTION = 0.10
FD_GROWTH = 16                # ... and its peak descriptor count the first's by max(16, 2%): the peak, since
                              # the count dips by a victim process's connections at every kill (measured: the
                              # quarters' medians differed by 28 of 1,222 over a flat run whose peaks were equal)
FD_GROWTH_FRACTION = 0.02


def results(path):
    """The RESULT lines of one output file, as dicts."""
    found = []
    with open(path) as f:
        for line in f:
            if line.startswith("RESULT "):
                found.append(dict(word.split("=", 1) for word in line.split()[1:]))
    return found


def samples(path):
    """(wall seconds, microseconds) pairs."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [(float(t), int(us)) for t, us in (line.split() for line in f if line.strip())]


def settled_at(path):
    """When the process's SETTLED line says every peer had its first answer (every SUB its first message)."""
    with open(path) as f:
        for line in f:
            if line.startswith("SETTLED t="):
                return float(line.split("=", 1)[1])
    return None


def percentiles(pairs, since=0.0):
    values = [us for t, us in pairs if t >= since]
    if not values:
        return "no samples"
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return (f"p50 {pick(0.50) / 1000:.2f} ms, p90 {pick(0.90) / 1000:.2f} ms, p99 {pick(0.99) / 1000:.2f} ms, "
            f"max {values[-1] / 1000:.2f} ms ({len(values)} samples)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--duration", type=int, required=True)
    parser.add_argument("--scale", default="full")
    parser.add_argument("--queue-warmup", type=int, default=0)
    args = parser.parse_args()
    d = args.dir
    lines, failures = [], []
    say = lines.append

    with open(os.path.join(d, "killed")) as f:
        killed = {line.strip() for line in f if line.strip()}
    with open(os.path.join(d, "start")) as f:
        start = int(f.read())
    restarted = {name.rsplit(".", 1)[0] for name in killed}
    settle = {}
    peers = {"vtx": [], "libzmq": []}
    rtt = {"vtx": [], "libzmq": []}
    subs, sub_latency = [], []
    for out in sorted(glob.glob(os.path.join(d, "*.*.out"))):
        name = os.path.basename(out)[:-4]
        found = results(out)
        if name in killed:
            continue
        settle[name] = settled_at(out)
        if settle[name] is None:
            failures.append(f"{name}: not every peer had an answer (SUB a message) before the end")
        if len(found) != 1:
            failures.append(f"{name} ended without its RESULT line (see {name}.err)")
            continue
        r = found[0]
        if r["role"] == "peers":
            impl = r.get("impl", "vtx")
            peers[impl].append(r)
            rtt[impl] += samples(os.path.join(d, name + ".samples"))
        else:
            subs.append(r)
            sub_latency += samples(os.path.join(d, name + ".samples"))
    server = {r["role"]: r for r in results(os.path.join(d, "server.out"))}
    if set(server) != {"router", "pub"}:
        failures.append("the server ended without its RESULT lines (see server.err)")

    # The warm-up: until every process that ran throughout has settled, and at least the first 20% (5 s).
    stable = [t - start for name, t in settle.items() if name.rsplit(".", 1)[0] not in restarted and t is not None]
    settled = max(stable, default=0.0)
    warmup = max(5, args.duration // 5, int(settled) + 1)
    # Each connection's queues grow to their working size (two 256-message chunks per direction, as libzmq's
    # yqueue with its spare chunk) only once 512 messages have crossed it: at one request every 500 ms that takes
    # 256 s, and RSS rises until then (measured: +23.5 MiB at 1,000 peers, then flat). The RSS window starts after
    # that when the run is long enough to leave half of it.
    if args.queue_warmup and args.queue_warmup <= args.duration // 2:
        warmup = max(warmup, args.queue_warmup)
    if settled > args.duration / 2:
        failures.append(f"the processes running throughout settled only after {settled:.1f} s (more than half the run)")
    since = start + warmup

    say(f"soak: {args.scale} size, {args.duration} s; {len(killed)} peer processes killed with kill -9 and restarted")
    with open(os.path.join(d, "uptime")) as f:
        for line in f:
            say("  " + line.strip())
    total = lambda rs, key: sum(int(r[key]) for r in rs)
    all_peers = peers["vtx"] + peers["libzmq"]
    say(f"request/reply: {total(all_peers, 'count')} peers in {len(all_peers)} processes that ran to the end "
        f"(+ {len(killed)} killed incarnations, not counted)")
    for impl in ("vtx", "libzmq"):
        rs = peers[impl]
        say(f"  {impl:6} peers: sent {total(rs, 'sent')}, answered {total(rs, 'answered')}, lost {total(rs, 'lost')}, "
            f"corrupt {total(rs, 'corrupt')}, unexpected {total(rs, 'unexpected')}, "
            f"back-pressure retries {total(rs, 'back_pressure')}")
        say(f"  {impl:6} round trip after the warm-up: {percentiles(rtt[impl], since)}")
    say(f"  all    round trip after the warm-up: {percentiles(rtt['vtx'] + rtt['libzmq'], since)}")
    say(f"  all    round trip, whole run: {percentiles(rtt['vtx'] + rtt['libzmq'])}")
    for key in ("lost", "corrupt", "unexpected"):
        if total(all_peers, key):
            failures.append(f"request/reply: {total(all_peers, key)} {key}")
    if "router" in server:
        r = server["router"]
        say(f"  server ROUTER: served {r['served']}, connections {r['connections']}, "
            f"disconnections {r['disconnections']}, replies dropped (peer gone or full) {r['dropped']}, "
            f"malformed {r['malformed']}, send failures {r['send_failures']}")
        if int(r["malformed"]):
            failures.append(f"the ROUTER got {r['malformed']} malformed requests")

    pub_dropped = int(server["pub"]["dropped"]) if "pub" in server else 0
    gaps = total(subs, "gaps")
    say(f"PUB/SUB: {total(subs, 'count')} SUBs; received {total(subs, 'received')}, gaps {gaps}, "
        f"out of order {total(subs, 'out_of_order')}, malformed {total(subs, 'malformed')}, "
        f"silent SUBs {total(subs, 'silent')}")
    if "pub" in server:
        say(f"  server PUB: published {server['pub']['published']}, dropped (SUB full or gone) {pub_dropped}, "
            f"connections {server['pub']['connections']}, disconnections {server['pub']['disconnections']}")
    say(f"  PUB to SUB after the warm-up: {percentiles(sub_latency, since)}")
    say(f"  PUB to SUB, whole run: {percentiles(sub_latency)}")
    if gaps > pub_dropped:
        failures.append(f"PUB/SUB: {gaps} publications missing at SUBs, the PUB dropped only {pub_dropped}")
    for key in ("out_of_order", "malformed", "silent"):
        if total(subs, key):
            failures.append(f"PUB/SUB: {total(subs, key)} {key}")

    rows = []
    with open(os.path.join(d, "server.csv")) as f:
        next(f)
        for line in f:
            t, rss, fds = (int(x) for x in line.split(","))
            rows.append((t, rss, fds))
    window = [row for row in rows if warmup <= row[0] <= args.duration]
    say(f"server RSS and descriptors ({len(rows)} samples; window {warmup}-{args.duration} s: after the warm-up, "
        f"every process running throughout settled at {settled:.1f} s):")
    step = max(1, len(rows) // 12)
    say("  " + ", ".join(f"{t} s: {rss / 1024:.1f} MiB/{fds} fds" for t, rss, fds in rows[::step]))
    if len(window) < 4:
        failures.append(f"only {len(window)} RSS samples in the window")
    else:
        quarter = len(window) // 4
        first, last = window[:quarter], window[-quarter:]
        rss0, rss1 = statistics.median(r[1] for r in first), statistics.median(r[1] for r in last)
        fd0, fd1 = max(r[2] for r in first), max(r[2] for r in last)
        rss_limit = max(RSS_GROWTH_KB, RSS_GROWTH_FRACTION * rss0)
        fd_limit = max(FD_GROWTH, FD_GROWTH_FRACTION * fd0)
        say(f"  RSS median: first quarter {rss0 / 1024:.1f} MiB, last quarter {rss1 / 1024:.1f} MiB "
            f"(growth {(rss1 - rss0) / 1024:+.1f} MiB, limit {rss_limit / 1024:.1f} MiB); "
            f"max {max(r[1] for r in rows) / 1024:.1f} MiB")
        say(f"  descriptors peak: first quarter {fd0:.0f}, last quarter {fd1:.0f} (growth {fd1 - fd0:+.0f}, "
            f"limit {fd_limit:.0f}); max {max(r[2] for r in rows)}")
        if rss1 - rss0 > rss_limit:
            failures.append(f"server RSS grew {(rss1 - rss0) / 1024:.1f} MiB from the first to the last quarter")
        if fd1 - fd0 > fd_limit:
            failures.append(f"server descriptors grew by {fd1 - fd0:.0f} from the first to the last quarter")

    say("result: " + ("PASSED" if not failures else "FAILED"))
    for failure in failures:
        say("  FAILED: " + failure)
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(d, "report.txt"), "w") as f:
        f.write(text + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
