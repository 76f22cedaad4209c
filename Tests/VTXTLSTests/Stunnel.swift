import Foundation
import Testing
import VTXTestSupport

/// One stunnel4 process in the foreground, on loopback ports only, configured in a temporary directory that
/// ``stop()`` removes. Server mode terminates TLS at `accept` and forwards plaintext to `connect`; client mode
/// takes plaintext at `accept` and connects with TLS to `connect`.
final class Stunnel: Sendable {
    /// Whether `stunnel` (Debian's `stunnel4`) is installed; the stunnel tests are skipped otherwise.
    static let path: String? = ["/usr/bin/stunnel4", "/usr/bin/stunnel", "/usr/local/bin/stunnel"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static let skipReason: Comment = "needs stunnel4 (scripts/bootstrap.sh installs it) and python3 with pyzmq"

    /// The port stunnel accepts on.
    let port: Int
    private let process: ChildProcess
    private let directory: URL

    /// Starts stunnel and waits (at most `timeout`) until it has set its service up. Blocks: call it on a thread of
    /// its own (``onOwnThread(_:)``); it records no test issues, it throws.
    ///
    /// - Parameters:
    ///   - client: client mode (`client = yes`: plaintext in, TLS out) or server mode (TLS in, plaintext out).
    ///   - target: the loopback port stunnel connects to.
    ///   - options: the service's TLS lines, such as `cert = …` or `CAfile = …`.
    init(client: Bool, forwardingTo target: Int, options: [String], timeout: Duration = .seconds(15)) throws {
        guard let executable = Stunnel.path else { throw ChildFailure(description: "\(Stunnel.skipReason)") }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vtx-stunnel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var lastFailure: (any Error)?
        // The port was free a moment ago; another process can take it first, so try a few.
        for _ in 0..<3 {
            let port = try freeLoopbackPort()
            let lines = [
                "foreground = yes", "pid =", "debug = 5", "syslog = no",
                "[vtx-test]", "client = \(client ? "yes" : "no")",
                "accept = 127.0.0.1:\(port)", "connect = 127.0.0.1:\(target)", "sslVersionMin = TLSv1.2",
            ] + options
            let file = directory.appendingPathComponent("stunnel.conf")
            try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            let process = try ChildProcess(executable, [file.path], name: "stunnel")
            do {
                let line = try process.errorLine(timeout: timeout) {
                    $0.contains("Configuration successful") || $0.contains("Error binding") || $0.contains("[!]")
                }
                guard line.contains("Configuration successful") else { throw process.failure("failed: \(line)") }
                self.port = port
                self.process = process
                return
            } catch {
                process.kill()
                lastFailure = error
            }
        }
        try? FileManager.default.removeItem(at: directory)
        throw lastFailure ?? ChildFailure(description: "stunnel did not start")
    }

    /// What stunnel logged, for failure messages.
    var log: [String] { process.errors }

    /// Stops stunnel and removes its configuration.
    func stop() {
        process.kill()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}
