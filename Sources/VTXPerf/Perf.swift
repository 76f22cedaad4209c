import Foundation
import VTX

/// The four perf roles (see ``PerfRole``), each a blocking function run on the calling thread: the one
/// implementation behind `vtx perf` and vtx-bench's separate-process roles (their loops are in PerfLoops.swift).
/// `remote-lat` also records every round trip (see ``LatencyRecorder``) and reports the tail.
///
/// ```swift
/// let report = try Perf.run(.localThroughput, endpoint: "tcp://127.0.0.1:5555", size: 64, count: 1_000_000)
/// report.lines.forEach { print($0) }   // "message size: 64 [B]", "message count: 1000000", ...
/// ```
public enum Perf {
    /// Runs one role with its own manager: makes the socket, binds or connects it, moves COUNT messages of SIZE
    /// bytes, and shuts down in the order that flushes what was sent (see ``finish(_:_:)``).
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` for a negative size or a count below ``PerfRole/minimumCount``
    ///   and for a message of the wrong size; the socket's errors (`invalidEndpoint`, `unknownTransport`,
    ///   `addressInUse`, …) as they come.
    public static func run(
        _ role: PerfRole,
        endpoint: String,
        size: Int,
        count: Int,
        options: PerfOptions = PerfOptions()
    ) throws(VTXError) -> PerfReport {
        guard size >= 0 else { throw VTXError(.invalidArgument, "SIZE must be 0 or more, not \(size)") }
        guard count >= role.minimumCount else {
            throw VTXError(.invalidArgument, "COUNT must be at least \(role.minimumCount) for \(role), not \(count)")
        }
        let vtx = options.manager ?? VTX()
        let socket: Socket
        let watch: ConnectionWatch
        do {
            socket = try vtx.socket(role.socketType)
            watch = try ConnectionWatch(socket)
            options.configure?(socket)
            if role.binds { try socket.bind(endpoint) } else { try socket.connect(endpoint) }
            options.ready?(socket.lastEndpoint ?? endpoint)
        } catch {
            vtx.shutdown()
            throw error
        }
        var meter = Meter(role: role, total: count, options: options)
        var measurement: Measurement
        do throws(VTXError) {
            measurement = try run(role, socket: socket, size: size, count: count, meter: &meter)
            // remote-thr may have queued everything before its connection is up (see ConnectionWatch).
            if role == .remoteThroughput {
                if !watch.waitForHandshakes(on: [endpoint], timeout: handshakeWait).isEmpty {
                    throw VTXError(.timedOut, "no connection to '\(endpoint)' within \(handshakeWait): \(count) messages not sent")
                }
                if let hangUpWait = options.hangUpWait { _ = watch.waitForDisconnection(timeout: hangUpWait) }
            }
        } catch {
            finish(vtx, socket)
            throw error
        }
        finish(vtx, socket)
        // remote-thr's work ends when the shutdown has flushed what it queued: its allocations count until then.
        if role == .remoteThroughput, measurement.allocationsBefore != nil {
            measurement.allocationsAfter = options.allocationCounter?()
        }
        return PerfReport(
            role: role,
            size: size,
            count: count,
            elapsed: measurement.elapsed,
            allocationsPerMessage: measurement.allocationsPerStep,
            latency: measurement.latency
        )
    }

    /// How long `remote-thr` waits, after queuing its messages, for the connection that will carry them.
    public static let handshakeWait: Duration = .seconds(30)

    private static func run(
        _ role: PerfRole,
        socket: Socket,
        size: Int,
        count: Int,
        meter: inout Meter
    ) throws(VTXError) -> Measurement {
        switch role {
        case .localThroughput:
            // The clock starts once the first message is in, as in libzmq's local_thr.
            _ = try receive(socket, size: size)
            meter.advance(to: 1)
            return try meter.measure(from: 2, through: count) { (steps) throws(VTXError) in
                try receiveMessages(socket, size: size, count: steps)
            }
        case .remoteThroughput:
            return try meter.measure(from: 1, through: count) { (steps) throws(VTXError) in
                try sendMessages(socket, size: size, count: steps)
            }
        case .localLatency:
            return try meter.measure(from: 1, through: count) { (steps) throws(VTXError) in
                try echo(socket, size: size, count: steps)
            }
        case .remoteLatency:
            var recorder = LatencyRecorder()
            var last = nanoseconds()
            var measurement = try meter.measure(from: 1, through: count) { (steps) throws(VTXError) in
                last = try roundTrips(socket, size: size, count: steps, from: last, into: &recorder)
            }
            measurement.latency = recorder.percentiles
            return measurement
        }
    }

    /// Ends a role: shuts the manager down, then closes `socket`.
    ///
    /// The order matters. ``VTX/shutdown()`` waits until each driver has closed its endpoints, and a connection
    /// flushes what its socket queued (within linger) before closing. Closing the socket first disconnects its
    /// endpoints without waiting, and the shutdown that follows stops the driver's event loop under connections
    /// still flushing, losing what they had not written yet.
    public static func finish(_ vtx: VTX, _ socket: Socket) {
        vtx.shutdown()
        socket.close()
    }

    /// A single-frame message of `size` bytes, each 0x5A, as the C tools fill theirs with `memset`, so both sides
    /// pay for writing them. Inline up to 32 bytes, carved from the thread's slab up to 2 KiB, one heap block above.
    @inline(__always)
    public static func makeMessage(size: Int) -> Message {
        Message(
            Frame(count: size) { buffer in
                if let base = buffer.baseAddress { memset(base, 0x5A, buffer.count) }
            }
        )
    }

    /// Receives one message and checks that it is one frame of `size` bytes.
    ///
    /// - Throws: the socket's errors, and ``VTXError/Code/invalidArgument`` for a message of another shape.
    @inline(__always)
    public static func receive(_ socket: Socket, size: Int) throws(VTXError) -> Message {
        let message = try socket.receive()
        guard message.count == 1, message[0].count == size else {
            throw VTXError(
                .invalidArgument,
                "received a message of \(message.byteCount) bytes in \(message.count) frames, expected one frame of "
                    + "\(size) bytes: does the other side use the same SIZE?"
            )
        }
        return message
    }
}

/// The time and allocations of the measured steps, and the tail of the round trips.
private struct Measurement {
    let elapsed: Duration
    let steps: Int
    let allocationsBefore: UInt64?
    var allocationsAfter: UInt64?
    var latency: LatencyPercentiles?

    /// Allocations per step, when they were counted.
    var allocationsPerStep: Double? {
        guard let allocationsBefore, let allocationsAfter else { return nil }
        return Double(allocationsAfter &- allocationsBefore) / Double(max(steps, 1))
    }
}

/// Times the measured steps, counts the allocations they make and reports progress.
private struct Meter {
    /// Steps per chunk when progress is reported: the clock is read between chunks, never inside one.
    static let chunk = 256

    let role: PerfRole
    let total: Int
    let options: PerfOptions
    let started = ContinuousClock.now
    var nextReport: ContinuousClock.Instant

    init(role: PerfRole, total: Int, options: PerfOptions) {
        self.role = role
        self.total = total
        self.options = options
        nextReport = started + options.progressInterval
    }

    /// Runs steps `first` through `last` (messages or round trips) through `loop`, which is given how many to do:
    /// all of them in one call without progress reports, chunks of ``chunk`` with a report between when asked.
    /// Times them all and counts the allocations they make.
    @inline(__always)
    mutating func measure(
        from first: Int,
        through last: Int,
        _ loop: (Int) throws(VTXError) -> Void
    ) throws(VTXError) -> Measurement {
        let steps = max(last - first + 1, 0)
        let allocationsBefore = options.allocationCounter?()
        let start = Perf.nanoseconds()
        if options.progress == nil {
            try loop(steps)
        } else {
            var done = first - 1
            while done < last {
                let chunk = min(Self.chunk, last - done)
                try loop(chunk)
                done += chunk
                advance(to: done)
            }
        }
        let elapsed = Perf.nanoseconds() &- start
        return Measurement(
            elapsed: .nanoseconds(Int64(clamping: elapsed)),
            steps: steps,
            allocationsBefore: allocationsBefore,
            allocationsAfter: allocationsBefore == nil ? nil : options.allocationCounter?()
        )
    }

    /// Notes that `done` messages are done; reports progress when it is time.
    mutating func advance(to done: Int) {
        guard let progress = options.progress else { return }
        let now = ContinuousClock.now
        guard now >= nextReport || done == total else { return }
        nextReport = now + options.progressInterval
        progress(PerfProgress(role: role, done: done, total: total, elapsed: now - started))
    }
}
