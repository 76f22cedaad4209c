import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The python3 + pyzmq (bundled libzmq) that plays the libzmq side of the interop tests, found once per run.
public struct LibzmqRuntime: Sendable {
    /// The real interpreter (`sys.executable`, past any pyenv shim), so a peer's pid is the interpreter's.
    public let python: String
    /// libzmq's version, such as `4.3.4`.
    public let libzmqVersion: String
    /// pyzmq's version, such as `25.1.2`.
    public let pyzmqVersion: String

    /// The runtime, or `nil` when `python3 -c "import zmq"` fails (then the interop tests are skipped).
    public static let current: LibzmqRuntime? = probe()

    /// The peer program, beside this file.
    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Peers/zmq_peer.py").path

    /// The reason given when the tests are skipped (a `Comment(rawValue:)` for swift-testing's `.enabled(if:_:)`).
    public static let skipReason =
        "libzmq interop needs python3 with pyzmq (`python3 -c \"import zmq\"` failed); scripts/bootstrap.sh installs it"

    public var description: String { "libzmq \(libzmqVersion) (pyzmq \(pyzmqVersion), \(python))" }

    private static func probe() -> LibzmqRuntime? {
        // A peer that dies while we write its stdin must not take the test process with it.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", "import sys, zmq; print(sys.executable, zmq.zmq_version(), zmq.pyzmq_version())",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        // Reading to EOF is bounded by the interpreter's exit; it prints one line and ends.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let words = String(decoding: data, as: UTF8.self).split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard process.terminationStatus == 0, words.count == 3 else { return nil }
        return LibzmqRuntime(python: words[0], libzmqVersion: words[1], pyzmqVersion: words[2])
    }
}

/// `read(2)`, by a name that the peer's own methods do not shadow.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

/// Something a peer did that a test did not expect.
public struct PeerFailure: Error, CustomStringConvertible {
    public let description: String

    /// A failure described by `description`.
    public init(description: String) { self.description = description }
}

/// What a peer printed, filled by reader threads (which own it with the peer, so a peer may go away first).
private final class PeerOutput: @unchecked Sendable {
    let condition = NSCondition()
    // Guarded by `condition`.
    var lines: [String] = []
    var events: [String] = []
    var errors = ""
    var ended = false

    /// Reads `handle` line by line on a thread of its own until EOF, filing each line under the lock. Lines may
    /// be megabytes long (a 1 MiB frame in hex), so only new bytes are searched for the end of a line.
    func read(_ handle: FileHandle, isStandardError: Bool) {
        let descriptor = handle.fileDescriptor
        let thread = Thread { [self] in
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                var lines: [String] = []
                if count > 0 {
                    var lineStart = 0
                    var searchFrom = pending.count
                    pending.append(contentsOf: chunk[0..<count])
                    pending.withUnsafeBytes { bytes in
                        while searchFrom < bytes.count,
                            let hit = memchr(bytes.baseAddress! + searchFrom, 0x0A, bytes.count - searchFrom)
                        {
                            let newline = bytes.baseAddress!.distance(to: UnsafeRawPointer(hit))
                            lines.append(String(decoding: bytes[lineStart..<newline], as: UTF8.self))
                            lineStart = newline + 1
                            searchFrom = lineStart
                        }
                    }
                    pending.removeFirst(lineStart)
                } else if !pending.isEmpty {
                    lines.append(String(decoding: pending, as: UTF8.self))
                }
                condition.lock()
                for line in lines { file(line, isStandardError) }
                if count <= 0 && !isStandardError { ended = true }
                condition.broadcast()
                condition.unlock()
                if count <= 0 { return }
            }
        }
        thread.start()
    }

    private func file(_ line: String, _ isStandardError: Bool) {
        if isStandardError {
            errors += line + "\n"
        } else if line.hasPrefix("EVENT ") {
            events.append(line)
        } else {
            lines.append(line)
        }
    }

    /// Waits until `ready` (evaluated under the lock) returns a value, or `timeout` passes; with
    /// `untilOutputEnds`, also gives up when the output has ended. Wakes at least every 50 ms, so a missed
    /// signal costs no more than that.
    func wait<T>(timeout: Duration, untilOutputEnds: Bool = true, _ ready: () -> T?) -> T? {
        let deadline = Date().addingTimeInterval(timeout.timeInterval)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let value = ready() { return value }
            if (untilOutputEnds && ended) || Date() >= deadline { return nil }
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
        }
    }

    func withLock<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}

/// One running `zmq_peer.py`: a libzmq socket in a child process, scripted by arguments and stdin lines, whose
/// output is read on background threads. Every wait is bounded; ``close(grace:)`` (also run by `deinit`) kills
/// the process if it is still alive.
public final class LibzmqPeer: @unchecked Sendable {
    /// The endpoints the peer bound, resolved (`ENDPOINT` lines).
    public private(set) var endpoints: [String] = []
    /// The process id, for signals.
    public let pid: Int32
    private let process: Process
    private let input: FileHandle
    private let arguments: [String]
    private let output = PeerOutput()
    /// The next output line to hand out; used from the test's thread only.
    private var cursor = 0

    /// The first bound endpoint.
    public var endpoint: String {
        get throws {
            guard let first = endpoints.first else {
                throw PeerFailure(description: "the peer bound nothing: \(arguments)")
            }
            return first
        }
    }

    /// Starts a peer with `arguments` (see `zmq_peer.py --help`) and waits (at most `timeout`) until it is set up.
    ///
    /// - Throws: ``PeerFailure`` when libzmq is missing, the process cannot start, or it fails before `READY`.
    public init(_ arguments: [String], timeout: Duration = .seconds(15)) throws {
        guard let runtime = LibzmqRuntime.current else { throw PeerFailure(description: "\(LibzmqRuntime.skipReason)") }
        self.arguments = arguments
        process = Process()
        process.executableURL = URL(fileURLWithPath: runtime.python)
        process.arguments = ["-u", LibzmqRuntime.script] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        input = stdin.fileHandleForWriting
        let condition = output.condition
        process.terminationHandler = { _ in
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
        try process.run()
        pid = process.processIdentifier
        output.read(stdout.fileHandleForReading, isStandardError: false)
        output.read(stderr.fileHandleForReading, isStandardError: true)
        do {
            for _ in 0..<100 {
                let line = try next(timeout: timeout, waitingFor: "READY")
                if line == "READY" { return }
                if line.hasPrefix("ENDPOINT ") { endpoints.append(String(line.dropFirst("ENDPOINT ".count))) }
            }
            throw failure("printed too much before READY")
        } catch {
            close(grace: .zero)
            throw error
        }
    }

    deinit { close() }

    // MARK: Reading

    /// The next output line (monitor events aside).
    ///
    /// - Throws: ``PeerFailure`` on timeout, on an `ERROR` line, or when the peer has exited.
    public func next(timeout: Duration = .seconds(10), waitingFor what: String = "a line") throws -> String {
        let cursor = self.cursor
        let line = output.wait(timeout: timeout) { cursor < output.lines.count ? output.lines[cursor] : nil }
        guard let line else {
            let ended = output.withLock { output.ended }
            throw failure(ended ? "exited while we waited for \(what)" : "printed no \(what) within \(timeout)")
        }
        self.cursor += 1
        if line.hasPrefix("ERROR") { throw failure("reported \(line)") }
        return line
    }

    /// Skips output lines until one starts with `tag` (such as `ECHOED`); returns the rest of that line.
    ///
    /// - Throws: ``PeerFailure`` on timeout, `ERROR` or exit.
    @discardableResult
    public func expect(_ tag: String, timeout: Duration = .seconds(10)) throws -> String {
        let deadline = ContinuousClock.now + timeout
        for _ in 0..<1_000_000 {
            let line = try next(timeout: max(.zero, deadline - .now), waitingFor: "'\(tag)'")
            if line == tag { return "" }
            if line.hasPrefix(tag + " ") { return String(line.dropFirst(tag.count + 1)) }
        }
        throw failure("printed a million lines without '\(tag)'")
    }

    /// The next received message (`MSG` line, skipping others such as `SENT`), as frames of bytes.
    ///
    /// - Throws: ``PeerFailure`` on timeout, `ERROR`, exit, or a message line that does not parse.
    public func message(timeout: Duration = .seconds(10)) throws -> [[UInt8]] {
        let line = try expect("MSG", timeout: timeout)
        guard let hexes = try? JSONDecoder().decode([String].self, from: Data(line.utf8)),
            case let frames = hexes.compactMap(PeerHex.decode), frames.count == hexes.count
        else { throw failure("printed a message that does not parse: \(line.prefix(200))") }
        return frames
    }

    /// Whether an output line is waiting to be read, or arrives within `timeout`; consumes nothing.
    public func hasOutput(within timeout: Duration = .zero) -> Bool {
        let cursor = self.cursor
        return output.wait(timeout: timeout) { cursor < output.lines.count ? true : nil } ?? false
    }

    /// Waits (at most `timeout`) until the peer's monitor (`--monitor`) has reported `name`, such as
    /// `HANDSHAKE_SUCCEEDED`, `occurrence` times since it started.
    public func waitForEvent(_ name: String, occurrence: Int = 1, timeout: Duration = .seconds(10)) -> Bool {
        output.wait(timeout: timeout) {
            output.events.count { $0.hasPrefix("EVENT \(name) ") } >= occurrence ? true : nil
        } ?? false
    }

    /// The monitor event lines reported so far (`EVENT NAME ENDPOINT [VALUE]`), in order.
    public var events: [String] {
        output.withLock { output.events }
    }

    /// The names of the monitor events reported so far, in order.
    public var eventNames: [String] {
        output.withLock { output.events.map { String($0.split(separator: " ")[1]) } }
    }

    // MARK: Driving

    /// Sends one action line to a `--stdin` peer, such as `recv 1`.
    ///
    /// - Throws: ``PeerFailure`` when the peer no longer reads its stdin.
    public func run(_ action: String) throws {
        let bytes = Array((action + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(input.fileDescriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("stopped reading stdin (\(String(cString: strerror(errno))))")
            }
            written += result
        }
    }

    /// Sends a signal to the peer, such as `SIGSTOP`, `SIGCONT` or `SIGKILL`.
    public func signal(_ number: Int32) {
        if process.isRunning { kill(pid, number) }
    }

    /// Waits (at most `timeout`) for the process to exit; returns its status, or `nil` if it still runs.
    public func waitForExit(timeout: Duration = .seconds(10)) -> Int32? {
        let process = self.process
        let exited = output.wait(timeout: timeout, untilOutputEnds: false) { process.isRunning ? nil : true } ?? false
        return exited ? process.terminationStatus : nil
    }

    /// Waits for `DONE` and a clean exit.
    ///
    /// - Throws: ``PeerFailure`` when the peer fails, does not finish within `timeout`, or exits non-zero.
    public func finish(timeout: Duration = .seconds(15)) throws {
        try expect("DONE", timeout: timeout)
        guard let status = waitForExit(timeout: timeout) else { throw failure("printed DONE but did not exit") }
        guard status == 0 else { throw failure("exited with status \(status)") }
    }

    /// Closes stdin (a `--stdin` peer then finishes), and kills the process if it has not exited within
    /// `grace`. Safe to call more than once.
    public func close(grace: Duration = .seconds(3)) {
        try? input.close()
        guard process.isRunning, waitForExit(timeout: grace) == nil else { return }
        kill(pid, SIGCONT)
        kill(pid, SIGKILL)
        _ = waitForExit(timeout: .seconds(10))
    }

    /// A failure that quotes what the peer printed last, for the test report.
    private func failure(_ what: String) -> PeerFailure {
        let (tail, errors) = output.withLock {
            (
                output.lines.suffix(5).map { String($0.prefix(200)) }.joined(separator: " | "),
                String(output.errors.suffix(2000))
            )
        }
        return PeerFailure(
            description: "libzmq peer \(arguments.joined(separator: " ")) \(what); last output: [\(tail)]"
                + (errors.isEmpty ? "" : "; stderr: \(errors)")
        )
    }
}

/// Hex for frames going to and from the peer (1 MiB frames included, so no per-byte string work).
public enum PeerHex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            digits.withUnsafeBufferPointer { digits in
                for (i, byte) in bytes.enumerated() {
                    out[2 * i] = digits[Int(byte >> 4)]
                    out[2 * i + 1] = digits[Int(byte & 0x0f)]
                }
            }
            return bytes.count * 2
        }
    }

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "0123456789abcdef".utf8.enumerated() { table[Int(c)] = UInt8(i) }
        for (i, c) in "ABCDEF".utf8.enumerated() { table[Int(c)] = UInt8(10 + i) }
        return table
    }()

    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { utf8 -> [UInt8]? in
            guard utf8.count % 2 == 0 else { return nil }
            var valid = true
            let out = [UInt8](unsafeUninitializedCapacity: utf8.count / 2) { buffer, initialized in
                values.withUnsafeBufferPointer { values in
                    for i in 0..<utf8.count / 2 {
                        let high = values[Int(utf8[2 * i])]
                        let low = values[Int(utf8[2 * i + 1])]
                        if high | low == 0xFF { valid = false }
                        buffer[i] = high << 4 | low
                    }
                }
                initialized = utf8.count / 2
            }
            return valid ? out : nil
        }
    }

    /// Frames in the peer's FRAMES syntax: hex, separated by commas.
    public static func frames(_ frames: [[UInt8]]) -> String {
        frames.map(encode).joined(separator: ",")
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    fileprivate var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
