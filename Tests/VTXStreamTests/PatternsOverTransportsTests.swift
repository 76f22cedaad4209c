import Foundation
import Testing
import VTX

/// The transports every pattern test runs over.
enum TestTransport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inproc, tcp, ipc, udp

    var testDescription: String { rawValue }

    /// A fresh endpoint to bind (the real one is read back from `lastEndpoint`).
    func bindEndpoint() -> String {
        let tag = UInt64.random(in: 0...UInt64.max)
        switch self {
        case .inproc: return "inproc://patterns-\(tag)"
        case .tcp: return "tcp://127.0.0.1:*"
        case .udp: return "udp://127.0.0.1:*"
        case .ipc: return "ipc:///tmp/vtx-patterns-\(tag)"
        }
    }

    /// The monitor event that says a bound socket has a peer attached (inproc attaches at once; stream
    /// transports after the ZMTP handshake).
    var peerReadyEvent: MonitorEvent.Kind {
        self == .inproc ? .accepted : .handshakeSucceeded
    }
}

/// A manager, and sockets with timeouts so nothing can hang.
private struct Harness {
    let vtx = VTX()
    let transport: TestTransport

    func socket(_ type: SocketType, timeout: Duration = .seconds(5)) throws -> Socket {
        let socket = try vtx.socket(type)
        socket.receiveTimeout = timeout
        socket.sendTimeout = timeout
        return socket
    }

    /// Binds `socket` and returns the endpoint peers connect to.
    func bind(_ socket: Socket) throws -> String {
        try socket.bind(transport.bindEndpoint())
        return try #require(socket.lastEndpoint)
    }

    /// Binds `server`, connects `clients`, and waits until the server has a pipe to each of them.
    func join(_ server: Socket, _ clients: [Socket]) throws {
        let events = try server.monitor()
        let endpoint = try bind(server)
        for client in clients { try client.connect(endpoint) }
        for i in 0..<clients.count {
            let ready = events.next(transport.peerReadyEvent, timeout: .seconds(5))
            try #require(ready != nil, "peer \(i + 1) of \(clients.count) never attached over \(transport)")
        }
    }

    func finish(_ sockets: Socket...) {
        finish(sockets)
    }

    func finish(_ sockets: [Socket]) {
        for socket in sockets { socket.close() }
        vtx.shutdown()
    }
}

extension Message {
    fileprivate var texts: [String] { map { $0.string ?? $0.description } }
}

@Suite("Patterns over inproc, tcp, ipc and udp", .timeLimit(.minutes(2)))
struct PatternsOverTransportsTests {
    @Test(arguments: TestTransport.allCases)
    func requestReplyWithStateErrors(_ transport: TestTransport) throws {
        let h = Harness(transport: transport)
        let rep = try h.socket(.rep)
        let req = try h.socket(.req)
        defer { h.finish(req, rep) }
        try h.join(rep, [req])
        #expect(throws: VTXError.invalidState) { try req.receive() }
        for i in 0..<20 {
            try req.send(Message(["q", Frame("\(i)")]))
            #expect(throws: VTXError.invalidState) { try req.send("again") }
            let request = try rep.receive()
            #expect(request.texts == ["q", "\(i)"])
            #expect(request.property("Socket-Type") == "REQ")
            try rep.send(Message("a\(i)"))
            #expect(try req.receive().texts == ["a\(i)"])
        }
    }

    @Test(arguments: TestTransport.allCases)
    func requestsRoundRobinOverSeveralReplies(_ transport: TestTransport) throws {
        let h = Harness(transport: transport)
        let reps = try (0..<3).map { _ in try h.socket(.rep) }
        let req = try h.socket(.req)
        defer { h.finish(reps + [req]) }
        for rep in reps { try req.connect(try h.bind(rep)) }
        for round in 0..<2 {
            for (i, rep) in reps.enumerated() {
                try req.send(Message("r\(round)"))
                #expect(try rep.receive().texts == ["r\(round)"], "request \(round) should reach REP \(i)")
                try rep.send(Message("from \(i)"))
                #expect(try req.receive().texts == ["from \(i)"])
            }
        }
    }

    @Test(arguments: TestTransport.allCases)
    func dealerRouterRoutesByIdentity(_ transport: TestTransport) throws {
        let h = Harness(transport: transport)
        let router = try h.socket(.router)
        let dealers = try ["alpha", "beta"].map { name -> Socket in
            let dealer = try h.socket(.dealer)
            dealer.routingId = Frame(name)
            return dealer
        }
        defer { h.finish(dealers + [router]) }
        try h.join(router, dealers)
        for (dealer, name) in zip(dealers, ["alpha", "beta"]) {
            try dealer.send(Message(["hello from", Frame(name)]))
            let message = try router.receive()
            #expect(message.texts == [name, "hello from", name])
        }
        try router.send(Message(["beta", "only beta"]))
        #expect(try dealers[1].receive().texts == ["only beta"])
        #expect(throws: VTXError.timedOut) { try dealers[0].receive(timeout: .milliseconds(50)) }
        router.routerMandatory = true
        #expect(throws: VTXError.hostUnreachable) { try router.send(Message(["gamma", "nobody"])) }
    }

    @Test(arguments: TestTransport.allCases)
    func envelopeSurvivesDealerToReply(_ transport: TestTransport) throws {
        let h = Harness(transport: transport)
        let rep = try h.socket(.rep)
        let dealer = try h.socket(.dealer)
        defer { h.finish(dealer, rep) }
        try h.join(rep, [dealer])
        try dealer.send(Message(["X", "Y", Frame(), "body"]))
        #expect(try rep.receive().texts == ["body"])
        try rep.send("answer")
        #expect(try dealer.receive().texts == ["X", "Y", "", "answer"])
    }

    @Test(arguments: TestTransport.allCases)
    func publishSubscribeFiltersByPrefix(_ transport: TestTransport) throws {
        let h = Harness(transport: transport)
        let pub = try h.socket(.pub)
        let weather = try h.socket(.sub)
        let sports = try h.socket(.sub)
        defer { h.finish(weather, sports, pub) }
        try h.join(pub, [weather, sports])
        try weather.subscribe("weather")
        try sports.subscribe("sports")
        // Subscriptions travel to the publisher asynchronously: publish until both have been heard.
        var heard = (false, false)
        for _ in 0..<500 where !(heard.0 && heard.1) {
            try pub.send(Message(["weather", "probe"]))
            try pub.send(Message(["sports", "probe"]))
            if !heard.0, (try? weather.receive(timeout: .milliseconds(10))) != nil { heard.0 = true }
            if !heard.1, (try? sports.receive(timeout: .milliseconds(10))) != nil { heard.1 = true }
        }
        try #require(heard.0 && heard.1)
        // Drain the probes, then check filtering on fresh traffic.
        while (try? weather.receive(timeout: .milliseconds(20))) != nil {}
        while (try? sports.receive(timeout: .milliseconds(20))) != nil {}
        try pub.send(Message(["news", "ignored by both"]))
        try pub.send(Message(["weather", "sunny"]))
        try pub.send(Message(["sports", "goal"]))
        #expect(try weather.receive().texts == ["weather", "sunny"])
        #expect(try sports.receive().texts == ["sports", "goal"])
        #expect(throws: VTXError.timedOut) { try weather.receive(timeout: .milliseconds(50)) }
    }

    @Test(arguments: TestTransport.allCases)
    func xpubSeesSubscriptionsAndXsubSendsThem(_ transport: TestTransport) throws {
        let h = Harness(transport: transport)
        let xpub = try h.socket(.xpub)
        let sub = try h.socket(.sub)
        let xsub = try h.socket(.xsub)
        defer { h.finish(sub, xsub, xpub) }
        try h.join(xpub, [sub, xsub])
        try sub.subscribe("topic-a")
        #expect(try xpub.receive()[0] == Frame([1] + Array("topic-a".utf8)))
        try xsub.send(Message(Frame([1] + Array("topic-b".utf8))))
        #expect(try xpub.receive()[0] == Frame([1] + Array("topic-b".utf8)))
        try xsub.send(Message(Frame([0] + Array("topic-b".utf8))))
        #expect(try xpub.receive()[0] == Frame([0] + Array("topic-b".utf8)))
    }

    @Test(arguments: TestTransport.allCases)
    func pushPullLosesNothingInOrder(_ transport: TestTransport) throws {
        let h = Harness(transport: transport)
        let pull = try h.socket(.pull, timeout: .seconds(20))
        let push = try h.socket(.push, timeout: .seconds(20))
        defer { h.finish(push, pull) }
        try h.join(pull, [push])
        let total = 100_000
        // A socket belongs to one thread at a time: the sender must be done with `push` before it is closed.
        let senderDone = DispatchSemaphore(value: 0)
        defer { _ = senderDone.wait(timeout: .now() + 30) }
        let sender = Thread {
            defer { senderDone.signal() }
            for i in 0..<total {
                var value = UInt32(i)
                let frame = withUnsafeBytes(of: &value) { Frame(copying: $0) }
                guard (try? push.send(Message(frame))) != nil else { return }
            }
        }
        sender.start()
        for expected in 0..<UInt32(total) {
            let value = try pull.receive()[0].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            guard value == expected else {
                Issue.record("expected \(expected), got \(value) over \(transport)")
                return
            }
        }
    }

    @Test(arguments: TestTransport.allCases)
    func pushRoundRobinsAndPullFairQueues(_ transport: TestTransport) throws {
        let h = Harness(transport: transport)
        let pulls = try (0..<3).map { _ in try h.socket(.pull) }
        let push = try h.socket(.push)
        defer { h.finish(pulls + [push]) }
        for pull in pulls { try push.connect(try h.bind(pull)) }
        for i in 0..<9 { try push.send(Message("m\(i)")) }
        for (i, pull) in pulls.enumerated() {
            var got: [String] = []
            for _ in 0..<3 { got.append(try pull.receive()[0].string ?? "") }
            #expect(got == ["m\(i)", "m\(i + 3)", "m\(i + 6)"])
        }

        let sink = try h.socket(.pull)
        let sources = try (0..<3).map { _ in try h.socket(.push) }
        defer { for source in sources { source.close() }; sink.close() }
        try h.join(sink, sources)
        for (s, source) in sources.enumerated() {
            for i in 0..<5 { try source.send(Message("s\(s)-\(i)")) }
        }
        var received: [String] = []
        for _ in 0..<15 { received.append(try sink.receive()[0].string ?? "") }
        for s in 0..<3 {
            // Each source's messages arrive in order (fair queuing interleaves sources).
            #expect(received.filter { $0.hasPrefix("s\(s)-") } == (0..<5).map { "s\(s)-\($0)" })
        }
    }

    @Test(arguments: TestTransport.allCases)
    func pairExchangesMultipartMessages(_ transport: TestTransport) throws {
        let h = Harness(transport: transport)
        let a = try h.socket(.pair)
        let b = try h.socket(.pair)
        defer { h.finish(a, b) }
        try h.join(a, [b])
        let big = Frame([UInt8](repeating: 0xAB, count: 1 << 20))
        for size in [0, 1, 255, 256, 65_536] {
            let frame = Frame([UInt8](repeating: UInt8(size & 0xFF), count: size))
            try a.send(Message([frame, "tail"]))
            let received = try b.receive()
            #expect(received.count == 2)
            #expect(received[0] == frame)
            try b.send(Message([big, frame]))
            let back = try a.receive()
            #expect(back[0] == big)
            #expect(back[1] == frame)
        }
    }

    @Test(arguments: TestTransport.allCases)
    func receiveTimesOutAndSendWouldBlock(_ transport: TestTransport) throws {
        let h = Harness(transport: transport)
        let pull = try h.socket(.pull, timeout: .milliseconds(100))
        let lonelyPush = try h.socket(.push)
        defer { h.finish(pull, lonelyPush) }
        _ = try h.bind(pull)
        let start = ContinuousClock.now
        #expect(throws: VTXError.timedOut) { try pull.receive() }
        #expect(ContinuousClock.now - start >= .milliseconds(95))
        #expect(try lonelyPush.trySend("nobody") == false)
    }
}
