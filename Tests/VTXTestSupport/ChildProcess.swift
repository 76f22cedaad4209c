import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `write(2)` and `kill(2)`, by names that the methods below do not shadow.
private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(descriptor, bytes, count) }
private func posixKill(_ pid: Int32, _ number: Int32) { _ = kill(pid, number) }
private func ignoreBrokenPipes() { _ = signal(SIGPIPE, SIG_IGN) }

/// Something a child process did that a test did not expect; quotes what it printed.
public struct ChildFailure: Error, CustomStringConvertible {
    public let description: String

    /// A failure described by `description`.
    public init(description: String) { self.description = description }
}

/// A child process with piped standard streams. Reader threads collect its output lines; every wait is bounded, and
/// a child still running when the value goes away is killed.
public final class ChildProcess: @unchecked Sendable {
    /// What the test calls the child, for failure messages.
    public let name: String
    private let process = Process()
    private let input: FileHandle
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var stdoutLines: [String] = []
    private var stderrLines: [String] = []
    private var openStreams = 2
    private var exited = false
    /// The next standard-output line to hand out; used from the test's thread only.
    private var cursor = 0

    /// Starts `executable` with `arguments`.
    public init(_ executable: String, _ arguments: [String], name: String) throws {
        // A child that exits while we write to its stdin must not take the test process with it.
        ignoreBrokenPipes()
        self.name = name
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let (stdin, stdout, stderr) = (Pipe(), Pipe(), Pipe())
        (process.standardInput, process.standardOutput, process.standardError) = (stdin, stdout, stderr)
        input = stdin.fileHandleForWriting
        process.terminationHandler = { [condition] _ in
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
        try process.run()
        collect(stdout.fileHandleForReading.fileDescriptor, isStandardError: false)
        collect(stderr.fileHandleForReading.fileDescriptor, isStandardError: true)
    }

    deinit {
        kill()
    }

    private func collect(_ descriptor: Int32, isStandardError: Bool) {
        Thread { [self] in
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count > 0 { pending += chunk[0..<count] }
                var lines: [String] = []
                while let newline = pending.firstIndex(of: 0x0A) {
                    lines.append(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeFirst(newline + 1)
                }
                if count <= 0 && !pending.isEmpty { lines.append(String(decoding: pending, as: UTF8.self)) }
                condition.lock()
                if isStandardError { stderrLines += lines } else { stdoutLines += lines }
                if count <= 0 { openStreams -= 1 }
                condition.broadcast()
                condition.unlock()
                if count <= 0 { return }
            }
        }.start()
    }

    /// Waits (at most `timeout`, waking every 50 ms) until `ready` returns a value; `nil` if it never did.
    private func wait<T>(timeout: Duration, _ ready: () -> T?) -> T? {
        let deadline = Date().addingTimeInterval(timeout.inSeconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let value = ready() { return value }
            if Date() >= deadline { return nil }
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
        }
    }

    // MARK: Output

    /// The next standard-output line.
    ///
    /// - Throws: ``ChildFailure`` when none comes within `timeout` or the output has ended.
    public func nextLine(timeout: Duration = .seconds(15)) throws -> String {
        let cursor = self.cursor
        let line = wait(timeout: timeout) { () -> String?? in
            if cursor < stdoutLines.count { return .some(stdoutLines[cursor]) }
            return openStreams == 0 ? .some(nil) : nil
        }
        guard let line, let line else {
            throw failure(line == nil ? "printed no line within \(timeout)" : "ended its output")
        }
        self.cursor += 1
        return line
    }

    /// Skips standard-output lines until one satisfies `predicate`; returns it.
    public func line(timeout: Duration = .seconds(15), where predicate: (String) -> Bool) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let line = try nextLine(timeout: max(.zero, deadline - .now))
            if predicate(line) { return line }
        }
    }

    /// Whether a standard-output line not yet handed out is there, or arrives within `timeout`.
    public func hasLine(within timeout: Duration = .zero) -> Bool {
        let cursor = self.cursor
        return wait(timeout: timeout) { cursor < stdoutLines.count ? true : nil } ?? false
    }

    /// The first standard-error line satisfying `predicate`, waiting up to `timeout` for it.
    public func errorLine(timeout: Duration = .seconds(15), where predicate: @escaping (String) -> Bool) throws -> String {
        guard let line = wait(timeout: timeout, { stderrLines.first(where: predicate) }) else {
            throw failure("printed no such line on standard error within \(timeout)")
        }
        return line
    }

    /// The child's process id.
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Every standard-output line so far.
    public var output: [String] { condition.lock(); defer { condition.unlock() }; return stdoutLines }

    /// Every standard-error line so far.
    public var errors: [String] { condition.lock(); defer { condition.unlock() }; return stderrLines }

    // MARK: Input and life

    /// Writes `text` to the child's standard input; a child that stopped reading is ignored (its exit tells).
    public func write(_ text: String) {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { posixWrite(input.fileDescriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 && errno == EINTR { continue }
            if result <= 0 { return }
            written += result
        }
    }

    /// Closes the child's standard input (end of file).
    public func closeInput() {
        try? input.close()
    }

    /// Waits until the child has exited and its output has ended; returns its status.
    ///
    /// - Throws: ``ChildFailure`` when it is still running after `timeout` (it is then killed).
    public func exitStatus(timeout: Duration = .seconds(20)) throws -> Int32 {
        let process = self.process
        let done = wait(timeout: timeout) { !process.isRunning && openStreams == 0 ? true : nil } ?? false
        guard done else {
            kill()
            throw failure("did not exit within \(timeout)")
        }
        return process.terminationStatus
    }

    /// Sends a signal, such as `SIGINT`.
    public func signal(_ number: Int32) {
        if process.isRunning { posixKill(process.processIdentifier, number) }
    }

    /// Kills the child if it still runs, and waits (bounded) for it to go.
    public func kill() {
        try? input.close()
        guard process.isRunning else { return }
        posixKill(process.processIdentifier, SIGKILL)
        _ = wait(timeout: .seconds(10)) { process.isRunning ? nil : true }
    }

    /// A failure that quotes the child's last output, for the test report.
    public func failure(_ what: String) -> ChildFailure {
        let (out, err) = (output.suffix(8), errors.suffix(8))
        return ChildFailure(
            description: "\(name) \(what); stdout: \(out.map { String($0.prefix(200)) }) stderr: \(err)"
        )
    }
}

extension Duration {
    /// The duration in seconds.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
