import ArgumentParser
import Foundation
import VTX
import VTXPerf

/// `vtx demo`: a short tour of what VTX does, on loopback only, that ends by itself in a few seconds.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A short tour of VTX on loopback only (inproc, tcp://127.0.0.1, ipc under /tmp, udp broadcast on lo); ends by itself.",
        discussion: """
            Request-reply over inproc, publish-subscribe with a filter over tcp, a pipeline over ipc, routing ids with ROUTER and DEALER and the monitor events they cause, then a quick throughput and latency run with the perf roles, and the original VTX's name-server dialogue over udp://*:PORT (broadcast on lo). Every wait is bounded; nothing leaves the machine.
            """
    )

    /// Runs the steps in order and says how long they took.
    func run() throws {
        let started = ContinuousClock.now
        let demo = Demo()
        defer { demo.vtx.shutdown() }
        do {
            demo.say("VTX \(ToolVersion.number): ZeroMQ-style messaging in Swift, on loopback only.")
            try demo.requestReply()
            try demo.publishSubscribe()
            try demo.pipeline()
            try demo.routing()
            try demo.performance()
            try demo.udpDiscovery()
        } catch let error as VTXError {
            throw error.failure("the demo stopped")
        }
        let elapsed = ContinuousClock.now - started
        demo.say("")
        demo.say("Done in \(describe(elapsed)). Next: vtx cat --help, vtx perf --help, vtx transports.")
    }
}

/// The demo's steps, each with its own sockets on one manager.
final class Demo: @unchecked Sendable {
    /// The manager of every step's sockets.
    let vtx = VTX()
    private let output = MessageOutput()
    /// Every receive in the demo gives up after this long, so the demo always ends.
    private let patience: Duration = .seconds(5)

    /// Prints a line at once.
    func say(_ line: String) {
        output.line(line)
        output.flush()
    }

    func heading(_ number: Int, _ title: String) {
        say("")
        say("\(number). \(title)")
    }

    func socket(_ type: SocketType) throws(VTXError) -> Socket {
        let socket = try vtx.socket(type)
        socket.receiveTimeout = patience
        socket.sendTimeout = patience
        socket.linger = .seconds(1)
        return socket
    }

    /// Runs `body` on a thread of its own; the returned function waits for it (bounded) and rethrows its error.
    func background(_ body: @escaping @Sendable () throws -> Void) -> () throws -> Void {
        let done = DispatchSemaphore(value: 0)
        let failure = Locked<(any Error)?>(nil)
        Thread {
            do { try body() } catch { failure.set(error) }
            done.signal()
        }.start()
        return { [patience] in
            guard done.wait(timeout: .now() + Double(patience.components.seconds) * 2) == .success else {
                throw VTXError(.timedOut, "a demo thread did not finish in time")
            }
            if let error = failure.get() { throw error }
        }
    }

    // MARK: Steps

    /// REQ and REP over inproc.
    func requestReply() throws {
        heading(1, "Request-reply over inproc: a REP thread answers a REQ, no I/O thread in the data path")
        let server = try socket(.rep)
        try server.bind("inproc://greeter")
        let names = ["Ada", "Grace", "Linus"]
        let join = background {
            for _ in names {
                let request = try server.receive()
                try server.send(Message("Hello, \(request[0].string ?? "?")!"))
            }
        }
        let client = try socket(.req)
        try client.connect("inproc://greeter")
        for name in names {
            try client.send(Message(name))
            say("   REQ sent \"\(name)\", REP replied \"\(try client.receive()[0].string ?? "")\"")
        }
        try join()
        client.close()
        server.close()
    }

    /// PUB and a filtering SUB over tcp.
    func publishSubscribe() throws {
        let publisher = try socket(.pub)
        try publisher.bind("tcp://127.0.0.1:*")
        let endpoint = publisher.lastEndpoint ?? ""
        heading(2, "Publish-subscribe over \(endpoint): the SUB takes \"weather\" only")
        let subscriber = try socket(.sub)
        try subscriber.connect(endpoint)
        try subscriber.subscribe("weather")
        // The subscription reaches the publisher a moment after the connection (ZeroMQ's slow joiner), so the
        // publisher keeps publishing until the subscriber has heard enough.
        let stop = Locked(false)
        let join = background {
            var round = 0
            while !stop.get() && round < 2000 {
                try publisher.send(Message(["sports", Frame("score \(round)")]))
                try publisher.send(Message(["weather", Frame("\(12 + round % 9) C")]))
                round += 1
                Thread.sleep(forTimeInterval: 0.005)
            }
        }
        for _ in 0..<3 {
            let update = try subscriber.receive()
            say("   SUB got \(update.map { "\"\($0.string ?? "")\"" }.joined(separator: " "))")
        }
        stop.set(true)
        try join()
        say("   (the \"sports\" messages never left the publisher: it filters by its subscribers' prefixes)")
        subscriber.close()
        publisher.close()
    }

    /// PUSH dealing to two PULL workers over ipc.
    func pipeline() throws {
        let path = "/tmp/vtx-demo-\(getpid()).sock"
        defer { unlink(path) }
        heading(3, "Pipeline over ipc://\(path): a PUSH deals 6 tasks to 2 PULL workers in turn")
        let ventilator = try socket(.push)
        let monitor = try ventilator.monitor()
        try ventilator.bind("ipc://\(path)")
        let workers = try (0..<2).map { _ throws(VTXError) in try socket(.pull) }
        for worker in workers { try worker.connect("ipc://\(path)") }
        // Deal only once both workers are attached, so the round robin shows.
        for _ in workers {
            guard monitor.next(.handshakeSucceeded, timeout: patience) != nil else {
                throw VTXError(.timedOut, "the workers did not connect")
            }
        }
        for task in 1...6 { try ventilator.send(Message("task \(task)")) }
        for (index, worker) in workers.enumerated() {
            let tasks = try (0..<3).map { _ throws(VTXError) in try worker.receive()[0].string ?? "" }
            say("   worker \(index + 1) got \(tasks.joined(separator: ", "))")
        }
        for worker in workers { worker.close() }
        ventilator.close()
    }

    /// A ROUTER answering DEALERs by routing id over tcp, and its monitor events.
    func routing() throws {
        let router = try socket(.router)
        let monitor = try router.monitor()
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = router.lastEndpoint ?? ""
        heading(4, "Routing ids over \(endpoint): a ROUTER answers two DEALERs by name")
        var dealers: [Socket] = []
        for name in ["alice", "bob"] {
            let dealer = try socket(.dealer)
            dealer.routingId = Frame(name)
            try dealer.connect(endpoint)
            try dealer.send(Message("hi from \(name)"))
            dealers.append(dealer)
        }
        for _ in dealers {
            let request = try router.receive()
            let name = request[0].string ?? "?"
            say("   ROUTER got \"\(request[1].string ?? "")\" from routing id \"\(name)\"")
            try router.send(Message([request[0], Frame("welcome, \(name)")]))
        }
        for dealer in dealers {
            say("   DEALER got \"\(try dealer.receive()[0].string ?? "")\"")
            dealer.close()
        }
        // The monitor saw the bind, each connection and its handshake; closing the dealers ends the connections.
        var events: [MonitorEvent] = []
        let deadline = ContinuousClock.now + .seconds(2)
        while events.count(where: { $0.kind == .disconnected }) < dealers.count, deadline > .now,
            let event = monitor.next(timeout: deadline - .now)
        {
            events.append(event)
        }
        router.close()
        say("   the ROUTER's monitor saw:")
        for event in events {
            say("     \(event.kind.rawValue)\(event.peerAddress.map { " \($0)" } ?? "")")
        }
    }

    /// The perf roles in pairs over tcp.
    func performance() throws {
        let (size, count, roundTrips) = (64, 100_000, 2_000)
        heading(5, "Performance over tcp://127.0.0.1 with the perf roles of vtx perf")
        #if DEBUG
        say("   (a debug build: `swift run -c release vtx demo` shows what VTX really does)")
        #endif
        let throughput = try pair(.localThroughput, size: size, count: count)
        say("   local-thr/remote-thr, \(count) messages of \(size) B: \(throughput.lines[2].dropFirst("mean ".count))")
        let latency = try pair(.remoteLatency, size: size, count: roundTrips)
        say("   local-lat/remote-lat, \(roundTrips) round trips of \(size) B: \(latency.lines[2])")
    }

    /// Runs a perf role and its twin on two threads, each with its own manager, over an ephemeral tcp port;
    /// returns the report of the side that measures (`local-thr` or `remote-lat`).
    private func pair(_ measuring: PerfRole, size: Int, count: Int) throws -> PerfReport {
        let local = measuring.binds ? measuring : measuring.twin
        let resolved = Locked<String?>(nil)
        let bound = DispatchSemaphore(value: 0)
        let report = Locked<PerfReport?>(nil)
        let join = background {
            let options = PerfOptions(ready: { endpoint in
                resolved.set(endpoint)
                bound.signal()
            })
            let result = try Perf.run(local, endpoint: "tcp://127.0.0.1:*", size: size, count: count, options: options)
            if local == measuring { report.set(result) }
        }
        guard bound.wait(timeout: .now() + 5) == .success, let endpoint = resolved.get() else {
            throw VTXError(.timedOut, "the \(local) side did not bind")
        }
        let remote = try Perf.run(local.twin, endpoint: endpoint, size: size, count: count)
        try join()
        if local.twin == measuring { return remote }
        guard let result = report.get() else { throw VTXError(.timedOut, "the \(local) side reported nothing") }
        return result
    }
}

/// A value shared between the demo's threads.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    /// A box holding `value`.
    init(_ value: Value) { self.value = value }

    /// The value.
    func get() -> Value { lock.withLock { value } }

    /// Replaces the value.
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
}
