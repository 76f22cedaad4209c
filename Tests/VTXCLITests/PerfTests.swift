import Foundation
import Testing
import VTXTestSupport

/// `vtx perf` paired with itself (and with libzmq through pyzmq), checking libzmq's output lines, and its progress
/// line, which shows on a terminal only.
@Suite(.timeLimit(.minutes(2)))
struct PerfTests {
    /// Starts the binding role of a pair; returns it with the endpoint it bound (announced for a wildcard port).
    private func startLocal(_ role: String, _ transport: Transport, size: Int, count: Int) throws -> (ChildProcess, String) {
        let fresh = transport.freshEndpoint()
        let local = try Tool.start(["perf", role, fresh, "\(size)", "\(count)"])
        guard transport == .tcp else { return (local, fresh) }
        let line = try local.errorLine { $0.hasPrefix("vtx perf: \(role) on ") }
        return (local, String(line.dropFirst("vtx perf: \(role) on ".count)))
    }

    private func removeSocketFile(_ endpoint: String) {
        if endpoint.hasPrefix("ipc://") { unlink(String(endpoint.dropFirst("ipc://".count))) }
    }

    /// Runs a role and its twin, the binding one first; both must exit 0. Returns what each printed.
    private func runPair(_ localRole: String, _ remoteRole: String, _ transport: Transport, size: Int, count: Int) throws
        -> (local: [String], remote: [String])
    {
        let (local, endpoint) = try startLocal(localRole, transport, size: size, count: count)
        defer { removeSocketFile(endpoint) }
        let remote = try Tool.run(["perf", remoteRole, endpoint, "\(size)", "\(count)"], timeout: .seconds(60))
        #expect(remote.status == 0, "\(remote.errors)")
        #expect(try local.exitStatus(timeout: .seconds(60)) == 0, "\(local.errors)")
        return (local.output, remote.output)
    }

    /// Checks that `lines` are exactly as many as `patterns`, each matching its pattern whole.
    private func expectLines(_ lines: [String], match patterns: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(lines.count == patterns.count, "\(lines)", sourceLocation: sourceLocation)
        for (line, pattern) in zip(lines, patterns) {
            let matches = (try? Regex(pattern).wholeMatch(in: line)) != nil
            #expect(matches, "'\(line)' does not match /\(pattern)/", sourceLocation: sourceLocation)
        }
    }

    /// 20 000 messages, and 50: fewer than the high-water mark, so remote-thr queues them all before its
    /// connection is up and must still deliver them.
    @Test("local-thr + remote-thr print libzmq's throughput lines", arguments: Transport.allCases, [20_000, 50])
    func throughput(transport: Transport, count: Int) throws {
        let (local, remote) = try runPair("local-thr", "remote-thr", transport, size: 100, count: count)
        expectLines(remote, match: [])
        expectLines(local, match: [
            #"message size: 100 \[B\]"#, "message count: \(count)",
            #"mean throughput: [1-9][0-9]* \[msg/s\]"#, #"mean throughput: [0-9]+\.[0-9]{3} \[Mb/s\]"#,
        ])
    }

    @Test("local-lat + remote-lat print libzmq's latency lines", arguments: Transport.allCases)
    func latency(transport: Transport) throws {
        let (local, remote) = try runPair("local-lat", "remote-lat", transport, size: 64, count: 1000)
        expectLines(local, match: [])
        expectLines(remote, match: [
            #"message size: 64 \[B\]"#, #"roundtrip count: 1000"#, #"average latency: [0-9]+\.[0-9]{3} \[us\]"#,
            #"latency percentiles: p50=[0-9.]+ p90=[0-9.]+ p99=[0-9.]+ p99\.9=[0-9.]+ max=[0-9.]+ \[us\]"#,
        ])
        // The tail is ordered, and the median is no more than the mean of 1000 round trips can allow.
        let tail = try #require(remote.last.flatMap(PercentileLine.values))
        #expect(tail.count == 5 && zip(tail, tail.dropFirst()).allSatisfy { $0 <= $1 }, "\(tail)")
        let mean = try #require(remote.dropLast().last.flatMap(PercentileLine.mean))
        #expect(tail[0] > 0 && tail[0] <= 2 * mean, "p50 \(tail[0]) against a mean of \(mean)")
    }

    @Test("each role pairs with a libzmq twin (pyzmq)", .enabled(if: ZMQPeer.isAvailable))
    func libzmqTwins() throws {
        // libzmq's remote_thr and local_lat, in a few lines of pyzmq.
        let (local, endpoint) = try startLocal("local-thr", .tcp, size: 32, count: 5000)
        let sender = try Python.run(
            """
            import sys, zmq
            s = zmq.Context().socket(zmq.PUSH); s.connect(sys.argv[1])
            for _ in range(5000): s.send(b"Z" * 32)
            s.close(linger=-1)
            """,
            [endpoint]
        )
        #expect(sender.status == 0, "\(sender.errors)")
        #expect(try local.exitStatus() == 0, "\(local.errors)")
        #expect(local.output.first == "message size: 32 [B]")
        #expect(local.output.count == 4)

        let echo = try Python.start(
            """
            import sys, zmq
            s = zmq.Context().socket(zmq.REP); s.bind("tcp://127.0.0.1:*")
            print(s.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
            for _ in range(200): s.send(s.recv())
            """
        )
        let echoEndpoint = try echo.nextLine()
        let remote = try Tool.run(["perf", "remote-lat", echoEndpoint, "16", "200"])
        #expect(remote.status == 0, "\(remote.errors)")
        #expect(remote.output.dropLast().last?.hasPrefix("average latency: ") == true, "\(remote.output)")
        #expect(remote.output.last?.hasPrefix("latency percentiles: p50=") == true, "\(remote.output)")
        #expect(try echo.exitStatus() == 0)
    }

    @Test("a progress line on a terminal, none when piped")
    func progress() throws {
        let (local, endpoint) = try startLocal("local-lat", .tcp, size: 16, count: 3000)
        // remote-lat under a pseudo-terminal, with progress shown at once.
        let terminal = try Python.run(Python.underTerminal, [try #require(Tool.path), "perf", "remote-lat", endpoint, "16", "3000", "--progress-after", "0"])
        #expect(terminal.status == 0, "\(terminal.errors)")
        let screen = terminal.output.joined(separator: "\n")
        #expect(screen.contains("<CR>remote-lat: 3000/3000 round trips (100%)"), "\(screen)")
        #expect(screen.contains("<CR><EL>message size: 16 [B]"), "the progress line is erased before the results: \(screen)")
        #expect(screen.contains("average latency: "))
        #expect(try local.exitStatus() == 0)

        // Piped: the results only, whatever --progress-after says.
        let (pipedLocal, pipedEndpoint) = try startLocal("local-lat", .tcp, size: 16, count: 3000)
        let piped = try Tool.run(["perf", "remote-lat", pipedEndpoint, "16", "3000", "--progress-after", "0"])
        #expect(piped.status == 0)
        #expect(piped.output.count == 4, "\(piped.output)")
        #expect(piped.output.allSatisfy { !$0.contains("\r") && !$0.contains("round trips (") })
        #expect(try pipedLocal.exitStatus() == 0)
    }
}

/// Small python3 programs the tests run.
enum Python {
    /// Runs `argv[1:]` under a pseudo-terminal and prints what it wrote, with `\r` shown as `<CR>` and the erase-line
    /// sequence as `<EL>`; exits with the child's status.
    static let underTerminal = """
        import os, pty, select, sys
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[1], sys.argv[1:])
        chunks = []
        while select.select([fd], [], [], 60)[0]:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        _, status = os.waitpid(pid, 0)
        text = b"".join(chunks).decode("utf-8", "replace").replace("\\r\\n", "\\n")
        sys.stdout.write(text.replace("\\r", "<CR>").replace("\\x1b[K", "<EL>"))
        sys.exit(os.waitstatus_to_exitcode(status))
        """

    static func start(_ program: String, _ arguments: [String] = []) throws -> ChildProcess {
        try ChildProcess("/usr/bin/env", ["python3", "-u", "-c", program] + arguments, name: "python3")
    }

    static func run(_ program: String, _ arguments: [String] = [], timeout: Duration = .seconds(60)) throws -> Tool.Run {
        let child = try start(program, arguments)
        child.closeInput()
        let status = try child.exitStatus(timeout: timeout)
        return Tool.Run(status: status, output: child.output, errors: child.errors)
    }
}

/// `vtx perf --curve`: the pair with CURVE, and its key options.
@Suite(.timeLimit(.minutes(2)))
struct PerfCurveTests {
    @Test("--curve: local-thr prints its CURVE server key; remote-thr with that key delivers everything encrypted")
    func curveThroughput() throws {
        let local = try Tool.start(["perf", "local-thr", "tcp://127.0.0.1:*", "1000", "2000", "--curve"])
        let keyLine = try local.errorLine { $0.hasPrefix("vtx perf: CURVE server key ") }
        let key = String(keyLine.dropFirst("vtx perf: CURVE server key ".count))
        #expect(key.count == 40)
        let line = try local.errorLine { $0.hasPrefix("vtx perf: local-thr on ") }
        let endpoint = String(line.dropFirst("vtx perf: local-thr on ".count))
        let remote = try Tool.run(
            ["perf", "remote-thr", endpoint, "1000", "2000", "--curve", "--curve-server-key", key], timeout: .seconds(60)
        )
        #expect(remote.status == 0, "\(remote.errors)")
        #expect(try local.exitStatus(timeout: .seconds(60)) == 0, "\(local.errors)")
        #expect(local.output.contains("message count: 2000"), "\(local.output)")
    }

    @Test("--curve key options that do not fit are usage errors", arguments: [
        (["remote-thr", "tcp://127.0.0.1:9", "1", "2", "--curve"], "--curve needs --curve-server-key"),
        (["remote-thr", "tcp://127.0.0.1:9", "1", "2", "--curve-server-key", "x"], "need --curve"),
        (["local-thr", "tcp://127.0.0.1:9", "1", "2", "--curve", "--curve-server-key", "x"], "for the remote-* roles"),
        // '-' is a Z85 digit: a key that starts with it is the option's value, not another option.
        (["remote-thr", "tcp://127.0.0.1:9", "1", "2", "--curve-server-key", "-Kw[PGNRKE:Z&SEv7D:Auc*W)cI4bn+jS*NDNr8B"], "need --curve"),
        (["local-thr", "tcp://127.0.0.1:9", "1", "2", "--curve-secret-key", "-Kw[PGNRKE:Z&SEv7D:Auc*W)cI4bn+jS*NDNr8B"], "need --curve"),
    ])
    func curveUsage(_ arguments: [String], _ expected: String) throws {
        let run = try Tool.run(["perf"] + arguments)
        expectOneLineFailure(run, status: 64, containing: expected)
    }
}
