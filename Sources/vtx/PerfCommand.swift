import ArgumentParser
import VTX
import VTXPerf

/// `vtx perf`: libzmq's four perf tools in one command, sharing their roles, arguments and output.
struct PerfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perf",
        abstract: "Measure throughput and latency with libzmq's perf-tool roles (pairs with local_thr and friends).",
        discussion: """
            Each role runs in its own process and pairs with its twin, ours or libzmq's (local_thr, remote_thr, local_lat, remote_lat), with the same arguments and output lines:
              local-thr   PULL binds ENDPOINT, receives COUNT messages, prints
                          message size, message count and mean throughput
                          in [msg/s] and [Mb/s] (over the COUNT-1 messages
                          after the first, when the clock starts)
              remote-thr  PUSH connects, sends COUNT messages, waits until
                          they are flushed and the receiver has hung up
                          (20 s at most)
              local-lat   REP binds ENDPOINT, echoes COUNT requests
              remote-lat  REQ connects, times COUNT round trips, prints
                          message size, roundtrip count and average latency
                          in [us] (one way: half a round trip), then
                          latency percentiles: p50, p90, p99, p99.9 and max
                          of every round trip, one way, in [us] (from an
                          HdrHistogram, within 0.1%)

            On a terminal, a progress line shows while a run lasts longer than --progress-after seconds; it is never printed when standard output is a pipe or a file. A bound wildcard port (tcp://127.0.0.1:*) is announced on standard error.

            Examples:
              vtx perf local-thr tcp://127.0.0.1:5555 64 1000000 &
              vtx perf remote-thr tcp://127.0.0.1:5555 64 1000000
              vtx perf local-lat ipc:///tmp/lat 64 10000 &
              vtx perf remote-lat ipc:///tmp/lat 64 10000

            With --curve both sides use CURVE: the binding side is the server, with --curve-secret-key or a fresh key pair whose public key it prints on standard error (`vtx perf: CURVE server key Z85`); the connecting side needs that key as --curve-server-key (and uses --curve-secret-key, or a fresh pair). Keys are 40 Z85 characters or certificate files (vtx keygen --out).
              vtx perf local-thr tcp://127.0.0.1:5556 1024 100000 --curve &
              vtx perf remote-thr tcp://127.0.0.1:5556 1024 100000 --curve \\
                  --curve-server-key 'KEY PRINTED BY THE LOCAL SIDE'
            """
    )

    @Argument(help: "The role: local-thr, remote-thr, local-lat or remote-lat.")
    var role: String

    @Argument(help: "The endpoint: the local-* roles bind it, the remote-* roles connect to it.")
    var endpoint: String

    @Argument(help: "The message size, in bytes.")
    var size: Int

    @Argument(help: "The message count (round trips for the latency roles).")
    var count: Int

    @Option(help: ArgumentHelp("On a terminal, show progress once a run has lasted SECONDS.", valueName: "seconds"))
    var progressAfter: Double = 1

    /// How long `remote-thr` waits, once its messages are flushed, for the receiver to hang up.
    static let hangUpWait = Duration.seconds(20)

    /// The largest message size the tool accepts: each role builds messages of SIZE bytes.
    static let maximumSize = 1 << 30

    @Flag(help: "Use CURVE: the binding side is the server, the connecting side the client.")
    var curve = false

    @Option(
        name: .customLong("curve-secret-key"),
        parsing: .unconditional,
        help: ArgumentHelp("With --curve: this side's secret key (default: a fresh key pair).", valueName: "key|file")
    )
    var curveSecretKey: String?

    @Option(
        name: .customLong("curve-server-key"),
        parsing: .unconditional,
        help: ArgumentHelp("With --curve, remote-*: the server's public key.", valueName: "key|file")
    )
    var curveServerKey: String?

    /// Checks the arguments, runs the role and prints its results.
    func run() throws {
        guard let role = PerfRole(rawValue: role.lowercased()) else {
            let names = PerfRole.allCases.map(\.rawValue).joined(separator: ", ")
            throw ToolFailure.usage("unknown role '\(self.role)' (use one of \(names))")
        }
        guard size >= 0 else { throw ToolFailure.usage("SIZE must be 0 or more, not \(size)") }
        guard size <= PerfCommand.maximumSize else {
            throw ToolFailure.usage("SIZE must be at most \(PerfCommand.maximumSize) bytes (1 GiB), not \(size)")
        }
        let progressDelay = try Duration(commandLine: progressAfter, option: "--progress-after", allowsZero: true)
        guard count >= role.minimumCount else {
            throw ToolFailure.usage("COUNT must be at least \(role.minimumCount) for \(role), not \(count)")
        }
        let endpoint = self.endpoint
        // remote-thr waits (untimed) for the receiver to hang up, as vtx-bench does: libzmq's local_thr over ipc
        // loses the end of the stream when the sender's connection ends under it (libzmq issue #4660).
        var options = PerfOptions(hangUpWait: PerfCommand.hangUpWait)
        if let security = try curveSettings(binds: role.binds) {
            options.configure = { $0.security = security }
        }
        options.ready = { resolved in
            if resolved != endpoint { printError("vtx perf: \(role) on \(resolved)") }
        }
        var progress: ProgressLine?
        if standardOutputIsTerminal {
            let line = ProgressLine(after: progressDelay)
            options.progress = { line.show($0) }
            progress = line
        }
        let report: PerfReport
        do throws(VTXError) {
            report = try Perf.run(role, endpoint: endpoint, size: size, count: count, options: options)
        } catch {
            progress?.clear()
            throw error.failure("\(role) '\(endpoint)'")
        }
        progress?.clear()
        let output = MessageOutput()
        for line in report.lines { output.line(line) }
        output.flush()
    }
}

extension PerfCommand {
    /// The CURVE settings of --curve for a role that binds or connects; `nil` without --curve. A binding side
    /// without a secret key makes a key pair and prints its public key on standard error.
    ///
    /// - Throws: a usage ``ToolFailure`` for key options without --curve, a remote role without
    ///   --curve-server-key, a local role with one, or a bad key.
    func curveSettings(binds: Bool) throws(ToolFailure) -> SecurityOptions? {
        guard curve else {
            if curveSecretKey != nil || curveServerKey != nil { throw .usage("--curve-secret-key and --curve-server-key need --curve") }
            return nil
        }
        var security = SecurityOptions()
        let secretKey = try curveSecretKey.map { (text) throws(ToolFailure) in
            try SecurityArguments.key(text, secret: true, option: "--curve-secret-key")
        }
        if binds {
            guard curveServerKey == nil else { throw .usage("--curve-server-key is for the remote-* roles (the clients)") }
            let pair: CurveKeyPair
            do throws(VTXError) {
                pair = try secretKey.map { (key) throws(VTXError) in try CurveKeyPair(secretKey: key) } ?? .generate()
            } catch {
                throw .usage("--curve-secret-key: \(error.message)")
            }
            security.curveServer = true
            security.curveSecretKey = pair.secretKey
            printError("vtx perf: CURVE server key \(pair.publicKey.z85)")
        } else {
            guard let serverKey = curveServerKey else {
                throw .usage("--curve needs --curve-server-key for \(role) (the key the local side printed)")
            }
            security.curveServerKey = try SecurityArguments.key(serverKey, secret: false, option: "--curve-server-key")
            security.curveSecretKey = secretKey
        }
        return security
    }
}

/// The progress line of `vtx perf` on a terminal: rewritten in place with `\r`, erased before the results.
final class ProgressLine: @unchecked Sendable {
    // Used from the measuring thread only.
    private let after: Duration
    private var shown = false

    /// A line that shows once a run has lasted `after`.
    init(after: Duration) {
        self.after = after
    }

    /// Rewrites the line with `progress`.
    func show(_ progress: PerfProgress) {
        guard progress.elapsed >= after else { return }
        let unit =
            switch progress.role {
            case .localThroughput, .remoteThroughput: "messages"
            case .localLatency: "requests"
            case .remoteLatency: "round trips"
            }
        let percent = Int(progress.fraction * 100)
        let tenths = Int(progress.elapsed.inSeconds * 10)
        write("\r\(progress.role): \(progress.done)/\(progress.total) \(unit) (\(percent)%), \(tenths / 10).\(tenths % 10) s\u{1B}[K")
        shown = true
    }

    /// Erases the line, if it was shown.
    func clear() {
        if shown { write("\r\u{1B}[K") }
        shown = false
    }

    private func write(_ text: String) {
        var text = text
        text.withUTF8 { writeAll(1, UnsafeRawBufferPointer($0)) }
    }
}
