// Shared pieces of the soak's programs: the clock, option parsing, result lines and latency sample files.

import Foundation
import VTX

#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in nanoseconds (CLOCK_MONOTONIC is one clock for every process on the machine, so a PUB's
/// timestamp can be compared with its SUBs' clocks).
func monotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
}

/// Wall-clock time in seconds since 1970: the `--until` deadlines the script hands to every process (a restarted
/// peer gets the same deadline as the one it replaces).
func wallSeconds() -> Double {
    Date().timeIntervalSince1970
}

/// A failure that ends a soak program with a one-line message and exit status 64 (usage) or 1 (run).
struct SoakFailure: Error, CustomStringConvertible {
    let description: String
    let status: Int32

    init(_ description: String, status: Int32 = 1) {
        self.description = description
        self.status = status
    }
}

/// `--name value` options after the subcommand and its count.
struct SoakOptions {
    private var values: [String: String] = [:]

    /// Reads `--name value` pairs; throws a usage failure on anything else.
    init(_ arguments: ArraySlice<String>) throws(SoakFailure) {
        var rest = arguments
        while let name = rest.popFirst() {
            guard name.hasPrefix("--"), let value = rest.popFirst() else {
                throw SoakFailure("expected --NAME VALUE, got \(name)", status: 64)
            }
            values[String(name.dropFirst(2))] = value
        }
    }

    /// The value of `--name`, or `fallback`; throws a usage failure when neither is there.
    func string(_ name: String, default fallback: String? = nil) throws(SoakFailure) -> String {
        guard let value = values[name] ?? fallback else { throw SoakFailure("missing --\(name)", status: 64) }
        return value
    }

    /// The value of `--name` (or `fallback`) as a number within `range`; throws a usage failure otherwise.
    func number(_ name: String, default fallback: Double? = nil, in range: ClosedRange<Double>) throws(SoakFailure)
        -> Double
    {
        let text = try string(name, default: fallback.map { String($0) })
        guard let value = Double(text), range.contains(value) else {
            throw SoakFailure("--\(name) must be a number in \(range.lowerBound)...\(range.upperBound)", status: 64)
        }
        return value
    }
}

/// Writes one line to standard output at once (one write(2), unbuffered: the script reads it while we run).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Prints one `RESULT key=value ...` line, which Benchmarks/soak-py/soak_report.py reads.
func printResult(_ fields: KeyValuePairs<String, String>) {
    let words = fields.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    say("RESULT \(words)")
}

/// Latency samples: when each was taken (wall-clock seconds) and the latency (nanoseconds).
struct LatencySamples {
    private(set) var times: [Double] = []
    private(set) var latencies: [Int64] = []

    /// Records one latency, taken now.
    mutating func append(_ latency: Int64) {
        times.append(wallSeconds())
        latencies.append(latency)
    }

    /// Writes one `WALL_SECONDS MICROSECONDS` line per sample.
    func write(to path: String) throws(SoakFailure) {
        var text = ""
        text.reserveCapacity(latencies.count * 24)
        for (time, latency) in zip(times, latencies) {
            text += String(format: "%.3f %lld\n", time, latency / 1000)
        }
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw SoakFailure("cannot write \(path): \(error)")
        }
    }
}

/// A payload of exactly `size` bytes that starts with `prefix` (a request's or a publication's identity).
func paddedPayload(_ prefix: String, size: Int) -> [UInt8] {
    var bytes = Array(prefix.utf8)
    if bytes.count < size { bytes += [UInt8](repeating: UInt8(ascii: "."), count: size - bytes.count) }
    return bytes
}

/// Many sockets of one type in one process, connected to one endpoint and watched by one poller.
struct SocketGroup {
    let poller = Poller()
    private(set) var sockets: [Socket] = []
    private var indexOf: [ObjectIdentifier: Int] = [:]

    /// Makes `count` sockets, prepares each (options, subscriptions), connects them and adds them to the poller.
    init(
        _ vtx: VTX, _ type: SocketType, count: Int, endpoint: String,
        prepare: (Socket) throws(VTXError) -> Void = { _ in }
    ) throws(SoakFailure)
    {
        do {
            for index in 0..<count {
                let socket = try vtx.socket(type)
                socket.linger = .zero
                try prepare(socket)
                try socket.connect(endpoint)
                try poller.add(socket)
                indexOf[ObjectIdentifier(socket)] = index
                sockets.append(socket)
            }
        } catch {
            throw SoakFailure("\(type.name) set-up: \(error)")
        }
    }

    /// The ready sockets (and their index) within `timeout`.
    func wait(timeout: Duration) throws(VTXError) -> [(index: Int, socket: Socket)] {
        try poller.wait(timeout: timeout).compactMap { item in
            guard let socket = item.socket, let index = indexOf[ObjectIdentifier(socket)] else { return nil }
            return (index, socket)
        }
    }

    /// Closes every socket.
    func close() {
        for socket in sockets { socket.close() }
    }
}
