import Foundation

/// The tail of a latency run: one-way latency (half a round trip, as libzmq's `remote_lat` reports its mean) at
/// the 50th, 90th, 99th and 99.9th percentiles and the largest, in microseconds.
///
/// ```swift
/// let tail = LatencyPercentiles(p50: 14.5, p90: 16, p99: 22.25, p999: 40, max: 120.5)
/// tail.line   // "latency percentiles: p50=14.500 p90=16.000 p99=22.250 p99.9=40.000 max=120.500 [us]"
/// ```
public struct LatencyPercentiles: Sendable, Hashable {
    /// The median one-way latency, in microseconds.
    public let p50: Double
    /// The 90th percentile, in microseconds.
    public let p90: Double
    /// The 99th percentile, in microseconds.
    public let p99: Double
    /// The 99.9th percentile, in microseconds.
    public let p999: Double
    /// The largest one-way latency seen, in microseconds.
    public let max: Double

    /// Makes the percentiles from one-way latencies in microseconds.
    public init(p50: Double, p90: Double, p99: Double, p999: Double, max: Double) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
    }

    /// The levels reported, as percentiles (100 is the largest value), in the order of ``values``.
    public static let levels: [Double] = [50, 90, 99, 99.9, 100]

    /// The names of the levels in ``summary``: `p50`, `p90`, `p99`, `p99.9`, `max`.
    public static let names = ["p50", "p90", "p99", "p99.9", "max"]

    /// The five values in the order of ``levels``.
    public var values: [Double] { [p50, p90, p99, p999, max] }

    /// `p50=A p90=B p99=C p99.9=D max=E`, microseconds with three decimals: the words the benchmark programs in
    /// C print in the same place, for Benchmarks/run.sh to read.
    public var summary: String {
        zip(Self.names, values).map { "\($0)=\(String(format: "%.3f", $1))" }.joined(separator: " ")
    }

    /// The line `vtx perf remote-lat` prints after libzmq's three: `latency percentiles: SUMMARY [us]`.
    public var line: String { "latency percentiles: \(summary) [us]" }
}
