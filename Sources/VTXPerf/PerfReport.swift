import Foundation

/// How far a run has got, handed to ``PerfOptions/progress`` while it runs.
public struct PerfProgress: Sendable, Hashable {
    /// The role running.
    public let role: PerfRole
    /// Messages (or round trips) done so far.
    public let done: Int
    /// Messages (or round trips) the run will do.
    public let total: Int
    /// Time since the run's socket was set up.
    public let elapsed: Duration

    /// Makes a progress value.
    public init(role: PerfRole, done: Int, total: Int, elapsed: Duration) {
        self.role = role
        self.done = done
        self.total = total
        self.elapsed = elapsed
    }

    /// The share done, from 0 to 1.
    public var fraction: Double {
        total > 0 ? Double(done) / Double(total) : 1
    }
}

/// The outcome of one role, with the lines libzmq's perf tools print for it.
public struct PerfReport: Sendable {
    /// The role that ran.
    public let role: PerfRole
    /// The message size, in bytes.
    public let size: Int
    /// The message (or round-trip) count.
    public let count: Int
    /// The time measured: from the first message to the last for `local-thr`, all round trips for `remote-lat`,
    /// the whole run for the other two.
    public let elapsed: Duration
    /// Heap allocations per measured message (or round trip), when ``PerfOptions/allocationCounter`` was given.
    public let allocationsPerMessage: Double?

    /// `remote-lat`: the one-way latency at the 50th to 99.9th percentiles and the largest, from every round trip
    /// (see ``LatencyRecorder``); `nil` for the other roles.
    public let latency: LatencyPercentiles?

    /// Makes a report.
    public init(
        role: PerfRole,
        size: Int,
        count: Int,
        elapsed: Duration,
        allocationsPerMessage: Double? = nil,
        latency: LatencyPercentiles? = nil
    ) {
        self.role = role
        self.size = size
        self.count = count
        self.elapsed = elapsed
        self.allocationsPerMessage = allocationsPerMessage
        self.latency = latency
    }

    /// `local-thr`: messages per second over the COUNT-1 messages after the first (the window the clock covers).
    public var messagesPerSecond: Double? {
        guard role == .localThroughput else { return nil }
        return Double(count - 1) / max(elapsed.seconds, 1e-9)
    }

    /// `local-thr`: megabits (10⁶ bits) of payload per second.
    public var megabitsPerSecond: Double? {
        messagesPerSecond.map { $0 * Double(size) * 8 / 1e6 }
    }

    /// `remote-lat`: the average one-way latency in microseconds, half of a round trip.
    public var latencyMicroseconds: Double? {
        guard role == .remoteLatency else { return nil }
        return elapsed.seconds * 1e6 / Double(count * 2)
    }

    /// What libzmq's tool of the same role prints, line by line (nothing for `remote-thr` and `local-lat`), then
    /// for `remote-lat` the tail (``LatencyPercentiles/line``: `latency percentiles: p50=… max=… [us]`), and
    /// `allocations: N [per msg]` when allocations were counted.
    public var lines: [String] {
        var lines: [String] = []
        if let rate = messagesPerSecond, let megabits = megabitsPerSecond {
            lines.append("message size: \(size) [B]")
            lines.append("message count: \(count)")
            lines.append("mean throughput: \(Int(rate)) [msg/s]")
            lines.append("mean throughput: \(String(format: "%.3f", megabits)) [Mb/s]")
        }
        if let latency = latencyMicroseconds {
            lines.append("message size: \(size) [B]")
            lines.append("roundtrip count: \(count)")
            lines.append("average latency: \(String(format: "%.3f", latency)) [us]")
        }
        if let tail = self.latency {
            lines.append(tail.line)
        }
        if let allocationsPerMessage {
            lines.append("allocations: \(String(format: "%.3f", allocationsPerMessage)) [per msg]")
        }
        return lines
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
