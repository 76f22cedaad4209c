import Histogram

/// Records the time of every round trip into an HdrHistogram (3 significant digits: a percentile read back is
/// within 0.1% of the exact value) and reads the tail from it as one-way latency (half a round trip).
///
/// Recording allocates nothing: the histogram's counts are allocated once, when the recorder is made, for round
/// trips from 1 ns to ``highestRoundTrip``; a slower one is counted as that.
public struct LatencyRecorder: Sendable {
    private var histogram: Histogram<UInt64>

    /// The longest round trip recorded as itself, in nanoseconds (one minute); longer ones count as this.
    public static let highestRoundTrip: UInt64 = 60_000_000_000

    /// An empty recorder.
    public init() {
        histogram = Histogram(lowestDiscernibleValue: 1, highestTrackableValue: Self.highestRoundTrip, numberOfSignificantValueDigits: .three)
    }

    /// Records one round trip of `nanoseconds`.
    @inline(__always)
    public mutating func record(roundTrip nanoseconds: UInt64) {
        _ = histogram.record(Swift.min(Swift.max(nanoseconds, 1), Self.highestRoundTrip))
    }

    /// How many round trips were recorded.
    public var count: UInt64 { histogram.totalCount }

    /// The one-way percentiles (see ``LatencyPercentiles``), or `nil` before the first round trip.
    public var percentiles: LatencyPercentiles? {
        guard histogram.totalCount > 0 else { return nil }
        // The value at nearest rank ceil(p/100 × N), as the C programs read theirs (100: the largest recorded,
        // exact), in one-way microseconds: half the round trip's nanoseconds, over 1000.
        func oneWay(_ percentile: Double) -> Double {
            Double(histogram.valueAtPercentile(percentile)) / 2000
        }
        return LatencyPercentiles(p50: oneWay(50), p90: oneWay(90), p99: oneWay(99), p999: oneWay(99.9), max: oneWay(100))
    }
}
