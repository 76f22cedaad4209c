// vtx-bench: VTX's inproc benchmarks, measuring what libzmq's perf tools measure (see docs/PERFORMANCE.md).
//
//   vtx-bench thr SIZE COUNT          PUSH (worker thread) -> PULL (main thread); msg/s at the receiver, the clock
//                                     starting once the first message has arrived (like libzmq's inproc_thr)
//   vtx-bench lat SIZE ROUNDTRIPS     REQ (main thread) <-> REP (worker thread); one-way latency = elapsed /
//                                     (roundtrips * 2) (like libzmq's inproc_lat), after 1000 untimed trips, and
//                                     the one-way percentiles of every round trip (p50=… p90=… p99=… p99.9=…
//                                     max=…, µs, from an HdrHistogram; see VTXPerf's LatencyRecorder)
//   vtx-bench allocs SIZE COUNT [BATCH]
//                                     PUSH and PULL in one thread, sending BATCH messages (default 100) then
//                                     receiving them: heap allocations per message in steady state, counted over
//                                     COUNT messages after a warm-up of COUNT (needs Benchmarks/bin/malloc_count.so
//                                     in LD_PRELOAD)
//   vtx-bench allocs-mt SIZE COUNT    the throughput set-up (two threads) with the allocation counter read on
//                                     the receiver around a window of COUNT messages after a warm-up
//   vtx-bench allocs-reqrep SIZE COUNT
//                                     REQ and REP in one thread, lock-step: allocations per round trip
//
// Each of those prints one line of `key=value` pairs, starting with the command name, for Benchmarks/run.sh.
//
// Separate processes over any transport (tcp, ipc; tls when built with the TLS trait, see StreamManager.swift),
// with the arguments and output lines of libzmq's perf tools (the C twins are
// Benchmarks/libzmq/zmq_{local,remote}_{thr,lat}.c). They run VTXPerf's `Perf.run`, the code of `vtx perf`:
//
//   vtx-bench local-thr ENDPOINT SIZE COUNT     PULL binds and receives COUNT messages; the clock starts when the
//                                               first has arrived; prints message size, count and the mean
//                                               throughput over the other COUNT-1 in msg/s and Mb/s
//   vtx-bench remote-thr ENDPOINT SIZE COUNT    PUSH connects, sends COUNT messages, waits (20 s at most) for
//                                               the receiver to hang up, then closes and waits (linger: forever,
//                                               the default) until everything has been flushed
//   vtx-bench local-lat ENDPOINT SIZE ROUNDTRIPS
//                                               REP binds and echoes ROUNDTRIPS requests
//   vtx-bench remote-lat ENDPOINT SIZE ROUNDTRIPS
//                                               REQ connects, times ROUNDTRIPS send+receive round trips and
//                                               prints `average latency: N [us]` = elapsed / (ROUNDTRIPS * 2)
//                                               and `latency percentiles: p50=… max=… [us]` (one-way)
//
// With Benchmarks/bin/malloc_count.so preloaded, local-thr and remote-thr also print `allocations: N [per msg]`
// (the whole process: for local-thr over the timed window, for remote-thr from connect to the end of the flush).
// VTX_BENCH_METRICS=1 in the environment bootstraps swift-metrics with a counting backend first (metrics on; see
// BenchMetrics.swift); without it metrics are off.
// All benchmark code lives in functions (not top-level closures): in Swift 6 a closure written at top level in
// main.swift is inferred @MainActor, and running it on another thread traps.

import Foundation
import VTX
import VTXPerf

#if canImport(Glibc)
import Glibc
#endif

// MARK: Helpers

/// Monotonic time in nanoseconds.
@inline(__always)
func nowNanoseconds() -> UInt64 { Perf.nanoseconds() }

/// Stops the program with a message on standard error.
func fail(_ text: String) -> Never {
    FileHandle.standardError.write(Data("vtx-bench: \(text)\n".utf8))
    exit(2)
}

/// Runs `body` on a new Foundation thread; the returned semaphore is signalled when it ends.
func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        body()
        done.signal()
    }
    thread.name = name
    thread.start()
    return done
}

/// The allocation counter exported by Benchmarks/alloc/malloc_count.c when it is preloaded, or nil.
typealias CounterFunction = @convention(c) () -> UInt64

func allocationCounter() -> CounterFunction? {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "vtxbench_malloc_count") else { return nil }
    return unsafeBitCast(symbol, to: CounterFunction.self)
}

// MARK: Throughput

/// The sending side of the throughput test: connects a PUSH and sends `count` messages of `size` bytes.
func pushMessages(_ vtx: VTX, endpoint: String, size: Int, count: Int) {
    do {
        let push = try vtx.socket(.push)
        try push.connect(endpoint)
        try Perf.sendMessages(push, size: size, count: count)
        push.close()
    } catch {
        fail("sender: \(error)")
    }
}

@inline(__always)
func receiveChecked(_ socket: Socket, size: Int) throws -> Message {
    try Perf.receive(socket, size: size)
}

func receiveLoop(_ pull: Socket, size: Int, count: Int) throws {
    try Perf.receiveMessages(pull, size: size, count: count)
}

func throughput(size: Int, count: Int) throws {
    precondition(count >= 2, "count must be at least 2")
    let vtx = VTX()
    let endpoint = "inproc://thr_test"
    let pull = try vtx.socket(.pull)
    try pull.bind(endpoint)
    let done = spawn("vtx-bench.push") { pushMessages(vtx, endpoint: endpoint, size: size, count: count) }

    _ = try receiveChecked(pull, size: size)
    let start = nowNanoseconds()
    try receiveLoop(pull, size: size, count: count - 1)
    let elapsed = nowNanoseconds() - start

    done.wait()
    pull.close()
    vtx.shutdown()

    let seconds = Double(elapsed) / 1e9
    let rate = Double(count - 1) / seconds
    let megabits = rate * Double(size) * 8 / 1e6
    print(
        "thr impl=vtx size=\(size) count=\(count) elapsed_us=\(elapsed / 1000) "
            + "msgs_per_s=\(String(format: "%.0f", rate)) mbit_per_s=\(String(format: "%.1f", megabits))"
    )
}

// MARK: Latency

let latencyWarmup = 1000

/// The echo side of the latency test: a REP that returns every request as it came.
func echoRequests(_ vtx: VTX, endpoint: String, size: Int, count: Int) {
    do {
        let rep = try vtx.socket(.rep)
        try rep.connect(endpoint)
        try Perf.echo(rep, size: size, count: count)
        rep.close()
    } catch {
        fail("echo: \(error)")
    }
}

func latency(size: Int, roundtrips: Int) throws {
    precondition(roundtrips >= 1, "roundtrips must be at least 1")
    let vtx = VTX()
    let endpoint = "inproc://lat_test"
    let req = try vtx.socket(.req)
    try req.bind(endpoint)
    let done = spawn("vtx-bench.rep") {
        echoRequests(vtx, endpoint: endpoint, size: size, count: latencyWarmup + roundtrips)
    }

    try Perf.roundTrips(req, size: size, count: latencyWarmup)
    var recorder = LatencyRecorder()
    let start = nowNanoseconds()
    let end = try Perf.roundTrips(req, size: size, count: roundtrips, from: start, into: &recorder)
    let elapsed = end - start

    done.wait()
    req.close()
    vtx.shutdown()

    let oneWay = Double(elapsed) / 1000 / Double(roundtrips * 2)
    print(
        "lat impl=vtx size=\(size) roundtrips=\(roundtrips) elapsed_us=\(elapsed / 1000) "
            + "latency_us=\(String(format: "%.3f", oneWay)) \(recorder.percentiles?.summary ?? "")"
    )
}

// MARK: Allocations

@inline(never)
func sendAndReceiveBatches(push: Socket, pull: Socket, size: Int, count: Int, batch: Int) throws {
    var left = count
    while left > 0 {
        let batch = min(left, batch)
        try Perf.sendMessages(push, size: size, count: batch)
        try Perf.receiveMessages(pull, size: size, count: batch)
        left -= batch
    }
}

/// Single thread: a PUSH and a PULL joined over inproc, `count` messages sent and received in batches, after a
/// warm-up of the same length; prints the heap allocations counted in the measured window.
///
/// The batch matters: the pipe's queue keeps one spare 256-slot chunk (as libzmq's yqueue does), so a queue that
/// holds more than about 256 messages at a time allocates a chunk per 256 messages.
func allocations(size: Int, count: Int, batch: Int) throws {
    guard let counter = allocationCounter() else { fail("the malloc-counting shim is not preloaded") }
    let vtx = VTX()
    let pull = try vtx.socket(.pull)
    try pull.bind("inproc://alloc_test")
    let push = try vtx.socket(.push)
    try push.connect("inproc://alloc_test")

    try sendAndReceiveBatches(push: push, pull: pull, size: size, count: count, batch: batch)
    let before = counter()
    try sendAndReceiveBatches(push: push, pull: pull, size: size, count: count, batch: batch)
    let allocated = counter() - before

    push.close()
    pull.close()
    vtx.shutdown()
    print(
        "allocs impl=vtx mode=pushpull-batch\(batch) size=\(size) count=\(count) allocs=\(allocated) "
            + "allocs_per_msg=\(String(format: "%.4f", Double(allocated) / Double(count)))"
    )
}

/// Two threads, as in the throughput test: the counter is read by the receiver after a warm-up of `count`
/// messages and again after `count` more; it counts the allocations of both threads in that window.
func allocationsTwoThreads(size: Int, count: Int) throws {
    guard let counter = allocationCounter() else { fail("the malloc-counting shim is not preloaded") }
    let vtx = VTX()
    let endpoint = "inproc://alloc_mt_test"
    let pull = try vtx.socket(.pull)
    try pull.bind(endpoint)
    let done = spawn("vtx-bench.push") { pushMessages(vtx, endpoint: endpoint, size: size, count: 2 * count) }

    try receiveLoop(pull, size: size, count: count)
    let before = counter()
    try receiveLoop(pull, size: size, count: count)
    let allocated = counter() - before

    done.wait()
    pull.close()
    vtx.shutdown()
    print(
        "allocs impl=vtx mode=two-threads size=\(size) count=\(count) allocs=\(allocated) "
            + "allocs_per_msg=\(String(format: "%.4f", Double(allocated) / Double(count)))"
    )
}

@inline(never)
func lockStep(req: Socket, rep: Socket, size: Int, count: Int) throws {
    for _ in 0..<count {
        try req.send(Perf.makeMessage(size: size))
        let request = try receiveChecked(rep, size: size)
        try rep.send(request)
        _ = try receiveChecked(req, size: size)
    }
}

/// Single thread: a REQ and a REP joined over inproc, in lock-step; prints the allocations per round trip (two
/// messages, each sent and received once) counted over `count` round trips after a warm-up of the same length.
func allocationsRequestReply(size: Int, count: Int) throws {
    guard let counter = allocationCounter() else { fail("the malloc-counting shim is not preloaded") }
    let vtx = VTX()
    let rep = try vtx.socket(.rep)
    try rep.bind("inproc://alloc_reqrep_test")
    let req = try vtx.socket(.req)
    try req.connect("inproc://alloc_reqrep_test")

    try lockStep(req: req, rep: rep, size: size, count: count)
    let before = counter()
    try lockStep(req: req, rep: rep, size: size, count: count)
    let allocated = counter() - before

    req.close()
    rep.close()
    vtx.shutdown()
    print(
        "allocs impl=vtx mode=reqrep size=\(size) count=\(count) allocs=\(allocated) "
            + "allocs_per_roundtrip=\(String(format: "%.4f", Double(allocated) / Double(count)))"
    )
}

// MARK: Separate processes (libzmq's perf-tool roles)

/// How long `remote-thr` waits for the receiver to hang up before it shuts down anyway.
///
/// The wait is not timed (the receiver's clock stops at its last message). It keeps a receiver that is still
/// working through a full pipe from seeing the connection end under it: libzmq's receiver then drops what is
/// still in the kernel over ipc (libzmq issue #4660; 3 of 6 libzmq<->libzmq ipc runs hung here without it).
let hangUpWait = Duration.seconds(20)

/// Runs a separate-process role through VTXPerf's `Perf.run` (the code of `vtx perf`) with this program's
/// manager (and tls driver), the security mechanism of `VTX_BENCH_MECHANISM`, the preloaded malloc counter when
/// there is one, and the hang-up wait; prints the role's lines as libzmq's tool of the same role does.
func runRole(_ role: PerfRole, endpoint: String, size: Int, count: Int) throws {
    let vtx = try streamManager()
    let mechanism = try benchMechanism(vtx: vtx, server: role.binds)
    defer { withExtendedLifetime(mechanism.authenticator) {} }
    let security = mechanism.security
    var options = PerfOptions(manager: vtx, hangUpWait: hangUpWait)
    if security.isSecured { options.configure = { $0.security = security } }
    if let counter = allocationCounter() { options.allocationCounter = { counter() } }
    let report = try Perf.run(role, endpoint: endpoint, size: size, count: count, options: options)
    for line in report.lines { print(line) }
}

// MARK: Command line

func usage() -> Never {
    fail(
        """
        usage: vtx-bench thr SIZE COUNT | lat SIZE ROUNDTRIPS | allocs SIZE COUNT [BATCH] | allocs-mt SIZE COUNT
                         | allocs-reqrep SIZE COUNT
                         | local-thr ENDPOINT SIZE COUNT | remote-thr ENDPOINT SIZE COUNT
                         | local-lat ENDPOINT SIZE ROUNDTRIPS | remote-lat ENDPOINT SIZE ROUNDTRIPS
        """
    )
}

/// Runs one of the separate-process roles: `arguments` is `[program, role, ENDPOINT, SIZE, COUNT]`.
func runRole(_ arguments: [String]) throws {
    guard arguments.count == 5, let role = PerfRole(rawValue: arguments[1]), let size = Int(arguments[3]),
        let count = Int(arguments[4]), size >= 0, count >= role.minimumCount
    else { usage() }
    try runRole(role, endpoint: arguments[2], size: size, count: count)
}

func runCommandLine() {
    let arguments = CommandLine.arguments
    if arguments.count > 1, ["local-thr", "remote-thr", "local-lat", "remote-lat"].contains(arguments[1]) {
        do { try runRole(arguments) } catch { fail("\(error)") }
        return
    }
    guard arguments.count == 4 || (arguments.count == 5 && arguments[1] == "allocs"),
        let size = Int(arguments[2]), let count = Int(arguments[3]), size >= 0, count > 0
    else { usage() }
    let batch = arguments.count == 5 ? Int(arguments[4]) ?? 0 : 100
    guard batch > 0 else { usage() }
    do {
        switch arguments[1] {
        case "thr": try throughput(size: size, count: count)
        case "lat": try latency(size: size, roundtrips: count)
        case "allocs": try allocations(size: size, count: count, batch: batch)
        case "allocs-mt": try allocationsTwoThreads(size: size, count: count)
        case "allocs-reqrep": try allocationsRequestReply(size: size, count: count)
        default: usage()
        }
    } catch {
        fail("\(error)")
    }
}

bootstrapMetricsIfAsked()
runCommandLine()
