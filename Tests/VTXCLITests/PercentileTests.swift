import Foundation
import Testing
import VTX
import VTXPerf
import VTXTestSupport

/// Reads the numbers back from `vtx perf remote-lat`'s last two lines.
enum PercentileLine {
    /// The five one-way values of `latency percentiles: p50=A p90=B p99=C p99.9=D max=E [us]`, in that order, or
    /// `nil` for another line.
    static func values(_ line: String) -> [Double]? {
        guard line.hasPrefix("latency percentiles: "), line.hasSuffix(" [us]") else { return nil }
        let words = line.dropFirst("latency percentiles: ".count).dropLast(" [us]".count).split(separator: " ")
        let pairs = words.map { $0.split(separator: "=", maxSplits: 1) }
        guard pairs.map({ $0.first.map(String.init) }) == LatencyPercentiles.names.map(Optional.some) else { return nil }
        let values = pairs.compactMap { $0.count == 2 ? Double($0[1]) : nil }
        return values.count == 5 ? values : nil
    }

    /// The number of `average latency: N [us]`, or `nil` for another line.
    static func mean(_ line: String) -> Double? {
        guard line.hasPrefix("average latency: "), line.hasSuffix(" [us]") else { return nil }
        return Double(line.dropFirst("average latency: ".count).dropLast(" [us]".count))
    }
}

/// The tail-latency report: the recorder's percentiles against exact ones, the line's format, and `remote-lat`'s
/// report (through `Perf.run` over tcp, bounded in time).
@Suite(.timeLimit(.minutes(1)))
struct PercentileTests {
    @Test("the line lists p50, p90, p99, p99.9 and max in microseconds with three decimals")
    func lineFormat() {
        let tail = LatencyPercentiles(p50: 14.5, p90: 16, p99: 22.25, p999: 40.0004, max: 1234.5678)
        #expect(tail.summary == "p50=14.500 p90=16.000 p99=22.250 p99.9=40.000 max=1234.568")
        #expect(tail.line == "latency percentiles: p50=14.500 p90=16.000 p99=22.250 p99.9=40.000 max=1234.568 [us]")
        #expect(PercentileLine.values(tail.line) == [14.5, 16, 22.25, 40, 1234.568])
        #expect(tail.values == [14.5, 16, 22.25, 40.0004, 1234.5678])
    }

    @Test("an empty recorder has no percentiles")
    func empty() {
        #expect(LatencyRecorder().percentiles == nil)
        #expect(LatencyRecorder().count == 0)
    }

    /// Round trips of 1…10 000 µs, one each, out of order (a stride of 7919, prime to 10 000): the nearest-rank percentiles are known exactly
    /// (the value at rank ceil(p/100 × N)); the histogram's are within its 0.1%, and one-way is half of them.
    @Test("percentiles are one-way, by nearest rank, within the histogram's 0.1%")
    func knownDistribution() throws {
        var recorder = LatencyRecorder()
        for step in 0..<10_000 {
            recorder.record(roundTrip: UInt64((step * 7919) % 10_000 + 1) * 1000)
        }
        #expect(recorder.count == 10_000)
        let tail = try #require(recorder.percentiles)
        // Exact one-way values: rank 5000 → 5000 µs round trip → 2500 µs; 9000 → 4500; 9900 → 4950; 9990 → 4995.
        let exact: [Double] = [2500, 4500, 4950, 4995, 5000]
        for (value, expected) in zip(tail.values, exact) {
            #expect(abs(value - expected) <= expected * 0.001, "\(value) against \(expected)")
        }
        #expect(tail.max == 5000, "the largest is exact")
    }

    @Test("a round trip beyond a minute counts as a minute; zero as a nanosecond")
    func clamped() throws {
        var recorder = LatencyRecorder()
        recorder.record(roundTrip: 0)
        recorder.record(roundTrip: .max)
        let tail = try #require(recorder.percentiles)
        #expect(tail.p50 < 0.001)
        #expect(abs(tail.max - Double(LatencyRecorder.highestRoundTrip) / 2000) <= tail.max * 0.001)
    }

    @Test("remote-lat's report carries the tail and prints it last; the other roles print none")
    func reportLines() throws {
        let tail = LatencyPercentiles(p50: 10, p90: 11, p99: 12, p999: 13, max: 14)
        let report = PerfReport(role: .remoteLatency, size: 16, count: 100, elapsed: .milliseconds(2), latency: tail)
        #expect(report.lines == [
            "message size: 16 [B]", "roundtrip count: 100", "average latency: 10.000 [us]", tail.line,
        ])
        let throughput = PerfReport(role: .localThroughput, size: 16, count: 101, elapsed: .seconds(1))
        #expect(throughput.latency == nil)
        #expect(!throughput.lines.contains { $0.hasPrefix("latency percentiles") })
    }

    /// `Perf.run` as both latency roles over tcp in one process, each on a thread of its own: every round trip is
    /// recorded, the tail is ordered, and the max is at least the mean.
    @Test("Perf.run remote-lat records every round trip")
    func perfRunRecordsRoundTrips() async throws {
        let (bound, announce) = AsyncStream<String>.makeStream()
        async let echo = onOwnThread { () throws -> PerfReport in
            defer { announce.finish() }
            let options = PerfOptions(ready: { announce.yield($0) })
            return try Perf.run(.localLatency, endpoint: "tcp://127.0.0.1:*", size: 32, count: 500, options: options)
        }
        var endpoints = bound.makeAsyncIterator()
        let resolved = await endpoints.next()
        let report = try await onOwnThread { () throws -> PerfReport? in
            guard let resolved else { return nil }
            return try Perf.run(.remoteLatency, endpoint: resolved, size: 32, count: 500)
        }
        let echoed = try await echo
        #expect(echoed.latency == nil)
        let tail = try #require(report?.latency, "local-lat did not bind")
        #expect(zip(tail.values, tail.values.dropFirst()).allSatisfy { $0 <= $1 }, "\(tail)")
        let mean = try #require(report?.latencyMicroseconds)
        #expect(tail.max >= mean * 0.999, "the max \(tail.max) is at least the mean \(mean)")
        #expect(tail.p50 > 0)
        #expect(report?.lines.last == tail.line)
    }
}
