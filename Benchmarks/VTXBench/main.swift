// vtx-bench: VTX's inproc benchmarks, measuring what libzmq's perf tools measure (see docs/PERFORMANCE.md).
//
//   vtx-bench thr SIZE COUNT          PUSH (worker thread) -> PULL (main thread); msg/s at the receiver, the clock
//                                     starting once the first message has arrived (like libzmq's inproc_thr)
//   vtx-bench lat SIZE ROUNDTRIPS     REQ (main thread) <-> REP (worker thread); one-way latency = elapsed /
//                                     (roundtrips * 2) (like libzmq's inproc_lat), after 1000 untimed trips
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
// Each command prints one line of `key=value` pairs, starting with the command name, for Benchmarks/run.sh.
// All benchmark code lives in functions (not top-level closures): in Swift 6 a closure written at top level in
// main.swift is inferred @MainActor, and running it on another thread traps.

import Foundation
import VTX

#if canImport(Glibc)
import Glibc
#endif

// MARK: Helpers

/// Monotonic time in nanoseconds.
@inline(__always)
func nowNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Builds a single-frame message of `size` bytes without an intermediate copy (inline up to 32 bytes, one heap
/// block above). The bytes are written, as the C programs do with memset, so both sides pay for filling them.
@inline(__always)
func makeMessage(size: Int) -> Message {
    Message(
        Frame(count: size) { buffer in
            if let base = buffer.baseAddress { memset(base, 0x5A, buffer.count) }
        }
    )
}

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
        for _ in 0..<count {
            try push.send(makeMessage(size: size))
        }
        push.close()
    } catch {
        fail("sender: \(error)")
    }
}

@inline(__always)
func receiveChecked(_ socket: Socket, size: Int) throws -> Message {
    let message = try socket.receive()
    if message.count != 1 || message[0].count != size { fail("received a message of the wrong size") }
    return message
}

@inline(never)
func receiveLoop(_ pull: Socket, size: Int, count: Int) throws {
    for _ in 0..<count {
        _ = try receiveChecked(pull, size: size)
    }
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
        for _ in 0..<count {
            let request = try receiveChecked(rep, size: size)
            try rep.send(request)
        }
        rep.close()
    } catch {
        fail("echo: \(error)")
    }
}

@inline(never)
func roundTrips(_ req: Socket, size: Int, count: Int) throws {
    for _ in 0..<count {
        try req.send(makeMessage(size: size))
        _ = try receiveChecked(req, size: size)
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

    try roundTrips(req, size: size, count: latencyWarmup)
    let start = nowNanoseconds()
    try roundTrips(req, size: size, count: roundtrips)
    let elapsed = nowNanoseconds() - start

    done.wait()
    req.close()
    vtx.shutdown()

    let oneWay = Double(elapsed) / 1000 / Double(roundtrips * 2)
    print(
        "lat impl=vtx size=\(size) roundtrips=\(roundtrips) elapsed_us=\(elapsed / 1000) "
            + "latency_us=\(String(format: "%.3f", oneWay))"
    )
}

// MARK: Allocations

@inline(never)
func sendAndReceiveBatches(push: Socket, pull: Socket, size: Int, count: Int, batch: Int) throws {
    var left = count
    while left > 0 {
        let batch = min(left, batch)
        for _ in 0..<batch { try push.send(makeMessage(size: size)) }
        for _ in 0..<batch { _ = try receiveChecked(pull, size: size) }
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
        try req.send(makeMessage(size: size))
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

// MARK: Command line

func usage() -> Never {
    fail(
        """
        usage: vtx-bench thr SIZE COUNT | lat SIZE ROUNDTRIPS | allocs SIZE COUNT [BATCH] | allocs-mt SIZE COUNT
                         | allocs-reqrep SIZE COUNT
        """
    )
}

func runCommandLine() {
    let arguments = CommandLine.arguments
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

runCommandLine()
