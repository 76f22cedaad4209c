import Foundation
import VTX

/// What a run may do beyond libzmq's three arguments.
public struct PerfOptions: Sendable {
    /// Called on the measuring thread about every ``progressInterval`` while messages flow; `nil` for no reports.
    /// The check costs one clock read every 256 messages.
    public var progress: (@Sendable (PerfProgress) -> Void)?
    /// How often ``progress`` is called.
    public var progressInterval: Duration
    /// A counter of heap allocations (such as vtx-bench's preloaded malloc counter), read before and after the
    /// measured messages (for `remote-thr`, after the shutdown has flushed them); when given, the report has
    /// ``PerfReport/allocationsPerMessage``.
    public var allocationCounter: (@Sendable () -> UInt64)?
    /// Called with the socket after it is made and before it binds or connects, to set options.
    public var configure: (@Sendable (Socket) -> Void)?
    /// Called once the socket is bound or connected, with the endpoint as resolved (the real port of `tcp://…:*`),
    /// before any message moves.
    public var ready: (@Sendable (String) -> Void)?

    /// Options with no progress reports, no allocation counting, libzmq's socket defaults and no callbacks.
    public init(
        progress: (@Sendable (PerfProgress) -> Void)? = nil,
        progressInterval: Duration = .milliseconds(250),
        allocationCounter: (@Sendable () -> UInt64)? = nil,
        configure: (@Sendable (Socket) -> Void)? = nil,
        ready: (@Sendable (String) -> Void)? = nil
    ) {
        self.progress = progress
        self.progressInterval = progressInterval
        self.allocationCounter = allocationCounter
        self.configure = configure
        self.ready = ready
    }
}

/// The four perf roles (see ``PerfRole``), each a blocking function run on the calling thread, as `vtx perf` runs
/// them. `vtx-bench` keeps loops of its own for the same roles: sending through
/// ``run(_:endpoint:size:count:options:)`` measured 6–10% slower at 16 B (see docs/PERFORMANCE.md).
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
        let vtx = VTX()
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
            if role == .remoteThroughput, !watch.waitForHandshakes(on: [endpoint], timeout: handshakeWait).isEmpty {
                throw VTXError(.timedOut, "no connection to '\(endpoint)' within \(handshakeWait): \(count) messages not sent")
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
            allocationsPerMessage: measurement.allocationsPerStep
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
            return try meter.measure(2...count) { () throws(VTXError) in
                _ = try receive(socket, size: size)
            }
        case .remoteThroughput:
            return try meter.measure(1...count) { () throws(VTXError) in
                try socket.send(makeMessage(size: size))
            }
        case .localLatency:
            return try meter.measure(1...count) { () throws(VTXError) in
                try socket.send(try receive(socket, size: size))
            }
        case .remoteLatency:
            return try meter.measure(1...count) { () throws(VTXError) in
                try socket.send(makeMessage(size: size))
                _ = try receive(socket, size: size)
            }
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

/// The time and allocations of the measured steps.
private struct Measurement {
    let elapsed: Duration
    let steps: Int
    let allocationsBefore: UInt64?
    var allocationsAfter: UInt64?

    /// Allocations per step, when they were counted.
    var allocationsPerStep: Double? {
        guard let allocationsBefore, let allocationsAfter else { return nil }
        return Double(allocationsAfter &- allocationsBefore) / Double(max(steps, 1))
    }
}

/// Times the measured steps, counts the allocations they make and reports progress.
private struct Meter {
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

    /// Runs `step` once for each of `steps` (messages or round trips), timing them all and counting the allocations
    /// they make; reports progress as it goes.
    @inline(__always)
    mutating func measure(_ steps: ClosedRange<Int>, _ step: () throws(VTXError) -> Void) throws(VTXError) -> Measurement {
        let allocationsBefore = options.allocationCounter?()
        let start = ContinuousClock.now
        for done in steps {
            try step()
            advance(to: done)
        }
        let elapsed = ContinuousClock.now - start
        return Measurement(
            elapsed: elapsed,
            steps: steps.count,
            allocationsBefore: allocationsBefore,
            allocationsAfter: allocationsBefore == nil ? nil : options.allocationCounter?()
        )
    }

    /// Notes that `done` messages are done; reports progress when it is time.
    @inline(__always)
    mutating func advance(to done: Int) {
        guard let progress = options.progress, done & 255 == 0 || done == total else { return }
        let now = ContinuousClock.now
        guard now >= nextReport || done == total else { return }
        nextReport = now + options.progressInterval
        progress(PerfProgress(role: role, done: done, total: total, elapsed: now - started))
    }
}
