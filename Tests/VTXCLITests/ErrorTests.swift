import Foundation
import Testing
import VTX
import VTXTestSupport

/// Failures end `vtx` with a non-zero status and one clear line on standard error, never a stack trace.
@Suite(.timeLimit(.minutes(2)))
struct ErrorTests {
    @Test("an unknown socket type is a usage error")
    func unknownType() throws {
        let run = try Tool.run(["cat", "--type", "FOO", "--bind", "tcp://127.0.0.1:*"])
        expectOneLineFailure(run, status: 64, containing: "unknown socket type 'FOO'")
    }

    @Test("a malformed endpoint names the endpoint and what is wrong", arguments: [
        ("not-an-endpoint", "not of the form scheme://address"),
        ("tcp://127.0.0.1:notaport", "port"),
        ("tcp://", "empty address"),
    ])
    func malformedEndpoint(endpoint: String, expected: String) throws {
        for option in ["--bind", "--connect"] {
            let run = try Tool.run(["cat", "--type", "PULL", option, endpoint])
            expectOneLineFailure(run, status: 1, containing: expected)
            expectOneLineFailure(run, containing: "'\(endpoint)'")
        }
    }

    @Test("an unknown scheme lists the registered ones")
    func unknownScheme() throws {
        let run = try Tool.run(["cat", "--type", "PUSH", "--connect", "sctp://127.0.0.1:5555"])
        expectOneLineFailure(run, status: 1, containing: "no driver is registered for 'sctp' (registered: inproc, ipc, tcp, udp)")
    }

    @Test("a port in use", arguments: Transport.allCases)
    func addressInUse(transport: Transport) throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let holder = try vtx.socket(.pull)
        defer { holder.close() }
        try holder.bind(transport.freshEndpoint())
        let endpoint = try #require(holder.lastEndpoint)
        let run = try Tool.run(["cat", "--type", "PULL", "--bind", endpoint])
        expectOneLineFailure(run, status: 1, containing: "cannot bind '\(endpoint)': the address is already in use")
    }

    @Test("--count with a --timeout that expires reports how many arrived")
    func countTimeout() throws {
        let endpoint = Transport.ipc.freshEndpoint()
        defer { unlink(String(endpoint.dropFirst("ipc://".count))) }
        let started = ContinuousClock.now
        let run = try Tool.run(["cat", "--type", "PULL", "--bind", endpoint, "--count", "2", "--timeout", "0.5"])
        expectOneLineFailure(run, status: 1, containing: "no message arrived within 0.5 s (0 of 2 received)")
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("--timeout after some messages: what arrived is printed, then the failure", .enabled(if: ZMQPeer.isAvailable))
    func timeoutAfterMessages() throws {
        let pair = try CatPair(.ipc, .libzmq, tool: ["--type", "PULL", "--count", "3", "--timeout", "1"], peer: ["--type", "PUSH", "--send-seq", "2"])
        let status = try pair.tool.exitStatus()
        expectOneLineFailure(
            Tool.Run(status: status, output: pair.tool.output, errors: pair.tool.errors),
            status: 1,
            containing: "no message arrived within 1 s (2 of 3 received)"
        )
        #expect(pair.tool.output == ["0", "1"])
    }

    @Test("other usage mistakes are one line each", arguments: [
        (["cat", "--type", "PULL"], "at least one --bind or --connect"),
        (["cat", "--type", "PUSH", "--connect", "tcp://127.0.0.1:1", "--subscribe", "x"], "--subscribe applies to SUB and XSUB"),
        (["cat", "--type", "PUSH", "--connect", "tcp://127.0.0.1:1", "--echo"], "--echo applies to REP, ROUTER, DEALER and PAIR"),
        (["cat", "--type", "PULL", "--connect", "tcp://127.0.0.1:1", "--count", "0"], "--count must be 1 or more"),
        (["cat", "--bind", "tcp://127.0.0.1:1"], "--type"),
        (["cat", "--type", "PULL", "--bind", "tcp://127.0.0.1:1", "--count", "many"], "many"),
        (["perf", "local-thing", "tcp://127.0.0.1:1", "1", "2"], "unknown role 'local-thing'"),
        (["perf", "local-thr", "tcp://127.0.0.1:1", "1", "1"], "COUNT must be at least 2"),
        (["monitor", "--type", "NOPE", "tcp://127.0.0.1:1"], "unknown socket type 'NOPE'"),
        (["proxy", "--frontend", "tcp://127.0.0.1:1", "--backend", "DEALER@tcp://127.0.0.1:2"], "TYPE@ENDPOINT"),
        (["proxy", "--frontend", "ROUTER@connect:tcp://*:5", "--backend", "DEALER@tcp://127.0.0.1:2"], "can only be bound"),
        (["nonsense"], "nonsense"),
    ])
    func usageMistakes(arguments: [String], expected: String) throws {
        expectOneLineFailure(try Tool.run(arguments), containing: expected)
    }

    /// A prefix, routing id, delimiter or payload may start with '-': it is the option's value, and the run gets past
    /// parsing to the check that follows (before, each was "Missing value for ...").
    @Test("text values that start with '-' are values, not options", arguments: [
        (["cat", "--type", "PUSH", "--connect", "tcp://127.0.0.1:1", "--subscribe", "-x"], "--subscribe applies to SUB and XSUB"),
        (["cat", "--type", "PULL", "--identity", "-me"], "at least one --bind or --connect"),
        (["cat", "--type", "PULL", "--delimiter", "-|-"], "at least one --bind or --connect"),
        (["beacon", "--port", "5999", "--payload", "-x", "--duration", "1e308"], "--duration must be at most"),
        (["discover", "--port", "5999", "--prefix", "-x", "--timeout", "1e308"], "--timeout must be at most"),
    ])
    func valuesStartingWithADash(arguments: [String], expected: String) throws {
        expectOneLineFailure(try Tool.run(arguments), containing: expected)
    }

    @Test("perf: a bad endpoint and a port in use fail in one line")
    func perfEndpoints() throws {
        expectOneLineFailure(try Tool.run(["perf", "remote-lat", "bogus://x", "8", "1"]), status: 1, containing: "no driver is registered for 'bogus'")
        let vtx = VTX()
        defer { vtx.shutdown() }
        let holder = try vtx.socket(.pull)
        defer { holder.close() }
        try holder.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(holder.lastEndpoint)
        expectOneLineFailure(try Tool.run(["perf", "local-thr", endpoint, "8", "10"]), status: 1, containing: "already in use")
    }
}

/// Out of file descriptors: every socket, monitor and driver thread needs a wake-up descriptor, and NIO needs three
/// for its event loop. Run under `ulimit -n` from 4 to 16, `vtx` must fail with a clear message (or run normally),
/// never crash; the tcp/ipc drivers that cannot start are logged and left out, and the failure to make a socket
/// says what ran out.
@Suite(.timeLimit(.minutes(2)))
struct DescriptorExhaustionTests {
    @Test("a process out of file descriptors gets errors, not a crash")
    func outOfDescriptors() throws {
        let tool = try #require(Tool.path)
        var socketFailures = 0
        var driverFailures = 0
        // Below 4 (standard input, output and error take three) the dynamic loader cannot open the libraries.
        for limit in 4...16 {
            let child = try ChildProcess(
                "/bin/sh",
                ["-c", "ulimit -n \(limit) && exec \"$0\" cat --type PULL --bind inproc://fd-test --count 1 --timeout 0.2", tool],
                name: "vtx cat under ulimit -n \(limit)"
            )
            child.closeInput()
            let status = try child.exitStatus(timeout: .seconds(20))
            let errors = child.errors.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            #expect(status == 1, "ulimit -n \(limit): status \(status), standard error: \(errors)")
            for line in errors {
                for crash in ["Fatal error", "Assertion failed", "Backtracing", "Illegal instruction", "Segmentation fault"] {
                    #expect(!line.contains(crash), "ulimit -n \(limit): \(line)")
                }
            }
            let last = errors.last ?? ""
            #expect(last.hasPrefix("vtx cat:"), "ulimit -n \(limit): \(errors)")
            if last.contains("cannot make a PULL socket") {
                #expect(last.contains("out of file descriptors"), "\(last)")
                socketFailures += 1
            }
            if errors.contains(where: { $0.contains("could not start the 'tcp' driver") && $0.contains("out of file descriptors") }) {
                driverFailures += 1
            }
        }
        #expect(socketFailures > 0, "no limit made socket creation fail")
        #expect(driverFailures > 0, "no limit made the tcp driver's start fail")
    }
}
