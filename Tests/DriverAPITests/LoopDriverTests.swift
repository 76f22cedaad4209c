import Foundation
import Testing
import VTXCore
import VTXTestSupport

/// A manager with no built-in driver and the loop driver registered for `loop`, and the sockets of one test.
///
/// ``finish()`` closes every socket, then shuts the manager down. (Closing explicitly also keeps the tests clear
/// of a core bug: a socket released without `close()` can crash in its `deinit`; see
/// `socketReleasedWithoutCloseDoesNotCrash`.)
private final class Harness {
    let vtx: VTX
    private var sockets: [Socket] = []

    init(registeringLoop: Bool = true) throws {
        vtx = VTX(drivers: [:])
        if registeringLoop { try vtx.register(LoopDriver(), for: "loop") }
    }

    /// A socket whose blocking calls give up after `timeout`, so that no test can hang.
    func socket(_ type: SocketType, timeout: Duration = .seconds(5)) throws -> Socket {
        let socket = try vtx.socket(type)
        socket.receiveTimeout = timeout
        socket.sendTimeout = timeout
        sockets.append(socket)
        return socket
    }

    func finish() {
        for socket in sockets { socket.close() }
        vtx.shutdown()
    }
}

/// A fresh `loop://` endpoint named after the test.
private func uniqueEndpoint(_ name: String = #function) -> String {
    "loop://\(name.filter { $0.isLetter || $0.isNumber })-\(UInt32.random(in: 0...UInt32.max))"
}

/// A message received within `timeout`, or `nil` when none came.
private func receive(_ socket: Socket, within timeout: Duration) throws -> Message? {
    do {
        return try socket.receive(timeout: timeout)
    } catch where error.code == .timedOut {
        return nil
    }
}

/// The error code a throwing expression throws, or `nil` when it does not throw.
private func errorCode(_ body: () throws -> Void) -> VTXError.Code? {
    do {
        try body()
        return nil
    } catch {
        return (error as? VTXError)?.code
    }
}

extension Message {
    /// The frames as strings, for assertions.
    fileprivate var strings: [String] { map { $0.string ?? $0.description } }
}

@Suite("Loop driver, written against the public driver API", .timeLimit(.minutes(1)))
struct LoopDriverTests {
    // MARK: Request-reply

    private func roundTrips(_ req: Socket, _ rep: Socket, count: Int = 10) throws {
        for i in 0..<count {
            try req.send(Message("request \(i)"))
            let request = try rep.receive()
            #expect(request.strings == ["request \(i)"])
            try rep.send(Message("reply \(i)"))
            #expect(try req.receive().strings == ["reply \(i)"])
        }
    }

    @Test func requestReplyBindFirst() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let rep = try harness.socket(.rep)
        let req = try harness.socket(.req)
        let endpoint = uniqueEndpoint()
        try rep.bind(endpoint)
        try req.connect(endpoint)
        try req.send("hello")
        let request = try rep.receive()
        #expect(request.strings == ["hello"])
        #expect(request.property("Socket-Type") == "REQ")
        #expect(request.property("Peer-Address") == endpoint)
        try rep.send("world")
        let reply = try req.receive()
        #expect(reply.strings == ["world"])
        #expect(reply.property("Socket-Type") == "REP")
        try roundTrips(req, rep)
    }

    @Test func requestReplyConnectFirst() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let rep = try harness.socket(.rep)
        let req = try harness.socket(.req)
        let endpoint = uniqueEndpoint()
        try req.connect(endpoint)
        try rep.bind(endpoint)
        try roundTrips(req, rep)
    }

    @Test func requestSentBeforeTheBindIsDelivered() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let rep = try harness.socket(.rep)
        let req = try harness.socket(.req)
        let endpoint = uniqueEndpoint()
        try req.connect(endpoint)
        // No listener yet: the REQ has no peer, so its send waits until the bind below joins them.
        let sent = BlockingCall {
            #expect(throws: Never.self) { try req.send("early") }
        }
        // The send is blocked waiting for a peer when the bind comes.
        #expect(sent.awaitBlocked())
        try rep.bind(endpoint)
        #expect(sent.awaitReturn(timeout: .seconds(5)))
        #expect(try rep.receive().strings == ["early"])
        try rep.send("late")
        #expect(try req.receive().strings == ["late"])
    }

    @Test func multipartMessages() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let rep = try harness.socket(.rep)
        let req = try harness.socket(.req)
        let endpoint = uniqueEndpoint()
        try rep.bind(endpoint)
        try req.connect(endpoint)
        let big = Frame([UInt8](repeating: 0xAB, count: 10_000))
        try req.send(Message(["key", "", "value", big] as [Frame]))
        let request = try rep.receive()
        #expect(request.count == 4)
        #expect(request[0].string == "key")
        #expect(request[1].isEmpty)
        #expect(request[2].string == "value")
        #expect(request[3] == big)
        try rep.send(Message(strings: ["one", "two", "three"]))
        #expect(try req.receive().strings == ["one", "two", "three"])
    }

    @Test func dealerRoutingIdReachesTheRouter() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let router = try harness.socket(.router)
        let dealer = try harness.socket(.dealer)
        dealer.routingId = "dealer-1"
        let endpoint = uniqueEndpoint()
        try router.bind(endpoint)
        try dealer.connect(endpoint)
        try dealer.send("ping")
        let request = try router.receive()
        #expect(request.strings == ["dealer-1", "ping"])
        try router.send(Message(["dealer-1", "pong"] as [Frame]))
        #expect(try dealer.receive().strings == ["pong"])
    }

    // MARK: Publish-subscribe

    @Test func subscriptionsTravelThroughTheDriver() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let pub = try harness.socket(.pub)
        let sub = try harness.socket(.sub)
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        try sub.subscribe("weather")
        try sub.connect(endpoint)
        // The PUB filters: it sends nothing until the subscription has crossed the driver.
        var first: Message?
        for _ in 0..<200 where first == nil {
            try pub.send(Message(["weather", "sunny"] as [Frame]))
            first = try receive(sub, within: .milliseconds(10))
        }
        #expect(first?.strings == ["weather", "sunny"])
        #expect(first?.property("Socket-Type") == "PUB")
        try pub.send(Message(["sports", "skipped"] as [Frame]))
        try pub.send(Message(["weather", "last"] as [Frame]))
        var received: [[String]] = []
        while received.last != ["weather", "last"] {
            received.append(try sub.receive().strings)
        }
        #expect(received.allSatisfy { $0[0] == "weather" })
        #expect(sub.isReadable == false)
    }

    // MARK: Pipeline and flow control

    @Test func pushPullHundredThousandInOrder() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let push = try harness.socket(.push, timeout: .seconds(20))
        let pull = try harness.socket(.pull, timeout: .seconds(20))
        push.sendHighWaterMark = 10
        push.receiveHighWaterMark = 10
        pull.sendHighWaterMark = 10
        pull.receiveHighWaterMark = 10
        let endpoint = uniqueEndpoint()
        try pull.bind(endpoint)
        try push.connect(endpoint)
        let total = 100_000
        let sender = BlockingCall {
            do {
                for i in 0..<total {
                    try push.send(Message(Frame(withUnsafeBytes(of: UInt64(i).littleEndian) { Array($0) })))
                }
            } catch {
                Issue.record("send failed: \(error)")
            }
        }
        for i in 0..<total {
            let message = try pull.receive()
            let value = message[0].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            guard UInt64(littleEndian: value) == UInt64(i) else {
                Issue.record("message \(i) arrived as \(UInt64(littleEndian: value))")
                break
            }
        }
        #expect(sender.awaitReturn(timeout: .seconds(20)))
        #expect(try pull.tryReceive() == nil)
    }

    @Test func closingSocketStillDeliversWhatItSent() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let push = try harness.socket(.push)
        let pull = try harness.socket(.pull)
        let endpoint = uniqueEndpoint()
        try pull.bind(endpoint)
        try push.connect(endpoint)
        for i in 0..<500 { try push.send(Message("m\(i)")) }
        push.close()  // linger defaults to forever: the driver keeps delivering
        for i in 0..<500 {
            #expect(try pull.receive().strings == ["m\(i)"])
        }
    }

    @Test func reconnectsToTheNextListener() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let push = try harness.socket(.push)
        push.reconnectInterval = .milliseconds(10)
        let monitor = try push.monitor()
        let endpoint = uniqueEndpoint()
        let first = try harness.socket(.pull)
        try first.bind(endpoint)
        try push.connect(endpoint)
        try push.send("to first")
        #expect(try first.receive().strings == ["to first"])
        first.close()
        #expect(monitor.next(.disconnected, timeout: .seconds(5)) != nil)
        let second = try harness.socket(.pull)
        try second.bind(endpoint)
        try push.send("to second")
        #expect(try second.receive().strings == ["to second"])
    }

    // MARK: Registration and errors

    @Test func registration() throws {
        let harness = try Harness(registeringLoop: false)
        defer { harness.finish() }
        let vtx = harness.vtx
        #expect(vtx.schemes.isEmpty)
        let driver = LoopDriver()
        try vtx.register(driver, for: "loop")
        #expect(vtx.schemes == ["loop"])
        #expect(vtx.capabilities(of: "loop") == driver.capabilities)
        #expect(vtx.capabilities(of: "LOOP")?.kind == .memory)
        #expect(vtx.capabilities(of: "nope") == nil)
        #expect(errorCode { try vtx.register(LoopDriver(), for: "loop") } == .duplicateTransport)
        #expect(errorCode { try vtx.register(LoopDriver(), for: "not a scheme") } == .invalidArgument)
        try vtx.register(LoopDriver(), for: "loop", replacingExisting: true)
        #expect(vtx.schemes == ["loop"])

        // The replacement serves new endpoints.
        let rep = try harness.socket(.rep)
        let req = try harness.socket(.req)
        let endpoint = uniqueEndpoint()
        try rep.bind(endpoint)
        try req.connect(endpoint)
        try roundTrips(req, rep, count: 2)
        #expect(errorCode { try rep.bind("nope://x") } == .unknownTransport)
        #expect(errorCode { try req.connect("nope://x") } == .unknownTransport)
    }

    /// A driver given to `VTX(drivers:)` that fails to start is left out, and using its scheme says why rather
    /// than that no driver is registered.
    @Test func aDriverThatFailsToStartIsReportedOnUse() throws {
        let vtx = VTX(drivers: ["broken": FailingDriver(), "loop": LoopDriver()])
        defer { vtx.shutdown() }
        #expect(vtx.schemes == ["loop"])
        let socket = try vtx.socket(.pull)
        defer { socket.close() }
        do {
            try socket.bind("broken://x")
            Issue.record("the bind succeeded")
        } catch {
            #expect(error.code == .unknownTransport)
            #expect(error.message.contains("the 'broken' driver failed to start: no descriptors left"), "\(error)")
        }
        // Registering a working driver for the scheme clears the recorded failure.
        try vtx.register(LoopDriver(), for: "broken")
        try socket.bind("broken://x")
    }

    /// Work handed to a `DriverThread` before it starts runs once it starts, in order.
    @Test func driverThreadRunsWorkQueuedBeforeItStarted() throws {
        let thread = DriverThread(name: "vtx.test")
        let order = Guarded<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        for index in 0..<3 { thread.execute { order.withLock { $0.append(index) } } }
        thread.execute { done.signal() }
        try thread.start()
        try thread.start()  // a second start does nothing
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(order.withLock { $0 } == [0, 1, 2])
        thread.stop()
        #expect(!thread.execute {}, "a stopped thread takes no more work")
    }

    /// A timer due further ahead than `poll(2)` can wait (`.seconds(Int64.max)`, as a huge option makes) leaves
    /// the thread waiting as long as it can, and working: it trapped computing the wait in milliseconds (CI).
    @Test func aTimerFarAheadDoesNotTrapTheThread() throws {
        let thread = DriverThread(name: "vtx.test")
        try thread.start()
        defer { thread.stop() }
        thread.schedule(after: .seconds(Int64.max)) {}
        // Each round trip lets the thread go back to sleep until that timer, so the wait is computed again.
        for _ in 0..<3 {
            let ran = DispatchSemaphore(value: 0)
            #expect(thread.execute { ran.signal() })
            #expect(ran.wait(timeout: .now() + 10) == .success)
        }
    }

    @Test func bindingANameTwiceFails() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let first = try harness.socket(.pull)
        let second = try harness.socket(.pull)
        let endpoint = uniqueEndpoint()
        try first.bind(endpoint)
        #expect(errorCode { try second.bind(endpoint) } == .addressInUse)
        // Once the first listener is gone, the name is free again.
        try first.unbind(endpoint)
        try second.bind(endpoint)
    }

    @Test func incompatibleSocketTypesFailTheHandshake() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let pub = try harness.socket(.pub)
        let push = try harness.socket(.push)
        let pubMonitor = try pub.monitor()
        let pushMonitor = try push.monitor()
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        try push.connect(endpoint)
        let failed = pushMonitor.next(.handshakeFailed, timeout: .seconds(5))
        #expect(failed?.error?.code == .incompatibleSocketType)
        #expect(failed?.peerAddress == endpoint)
        #expect(pubMonitor.next(.handshakeFailed, timeout: .seconds(5))?.error?.code == .incompatibleSocketType)
        // No peer was attached: the PUSH has nowhere to send, and both sockets still work.
        #expect(errorCode { try push.send(Message("x"), timeout: .zero) } == .wouldBlock)
        let sub = try harness.socket(.sub)
        try sub.subscribe("")
        try sub.connect(endpoint)
        var got: Message?
        for _ in 0..<200 where got == nil {
            try pub.send("still alive")
            got = try receive(sub, within: .milliseconds(10))
        }
        #expect(got?.strings == ["still alive"])
    }

    // MARK: Monitor

    @Test func monitorEvents() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let rep = try harness.socket(.rep)
        let req = try harness.socket(.req)
        let repMonitor = try rep.monitor()
        let reqMonitor = try req.monitor()
        let endpoint = uniqueEndpoint()
        try rep.bind(endpoint)
        #expect(repMonitor.next(.listening, timeout: .seconds(5))?.endpoint == endpoint)
        try req.connect(endpoint)
        let connected = reqMonitor.next(.connected, timeout: .seconds(5))
        #expect(connected?.endpoint == endpoint)
        #expect(connected?.peerAddress == endpoint)
        #expect(reqMonitor.next(.handshakeSucceeded, timeout: .seconds(5)) != nil)
        #expect(repMonitor.next(.accepted, timeout: .seconds(5))?.peerAddress == endpoint)
        #expect(repMonitor.next(.handshakeSucceeded, timeout: .seconds(5)) != nil)
        try roundTrips(req, rep, count: 1)

        // Unbinding closes the listener and its connection.
        try rep.unbind(endpoint)
        #expect(repMonitor.next(.closed, timeout: .seconds(5))?.endpoint == endpoint)
        #expect(reqMonitor.next(.disconnected, timeout: .seconds(5))?.peerAddress == endpoint)

        // Disconnecting closes the connect endpoint; closing stops the monitor.
        try req.disconnect(endpoint)
        #expect(reqMonitor.next(.closed, timeout: .seconds(5))?.endpoint == endpoint)
        req.close()
        #expect(reqMonitor.next(.monitorStopped, timeout: .seconds(5)) != nil)
        #expect(reqMonitor.next(timeout: .milliseconds(10)) == nil)
        rep.close()
        #expect(repMonitor.next(.monitorStopped, timeout: .seconds(5)) != nil)
    }

    // MARK: Shutdown

    @Test func shutdownInterruptsBlockedCallsAndStopsTheDriver() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let pull = try harness.socket(.pull, timeout: .seconds(30))
        let push = try harness.socket(.push)
        let endpoint = uniqueEndpoint()
        try pull.bind(endpoint)
        try push.connect(endpoint)
        try push.send("one")
        #expect(try pull.receive().strings == ["one"])
        let blocked = BlockingCall {
            #expect(throws: VTXError.terminated) { _ = try pull.receive() }
        }
        // The receive is blocked waiting when the manager shuts down.
        #expect(blocked.awaitBlocked())
        harness.vtx.shutdown()
        #expect(blocked.awaitReturn(timeout: .seconds(5)))
        #expect(errorCode { try push.send("late") } == .terminated)
        #expect(errorCode { _ = try harness.vtx.socket(.pull) } == .terminated)
    }

    // MARK: Regressions

    /// A PUB dropped without `close()` closes itself in `deinit`, which runs `PublishPattern.detach`; that used
    /// to read the pattern's checked `unowned` socket reference mid-deinit and abort the process.
    @Test
    func socketReleasedWithoutCloseDoesNotCrash() throws {
        let vtx = VTX(drivers: [:])
        defer { vtx.shutdown() }
        try vtx.register(LoopDriver(), for: "loop")
        let endpoint = uniqueEndpoint()
        let sub = try vtx.socket(.sub)
        defer { sub.close() }
        try sub.subscribe("")
        do {
            let pub = try vtx.socket(.pub)
            try pub.bind(endpoint)
            try sub.connect(endpoint)
            var got: Message?
            for _ in 0..<200 where got == nil {
                try pub.send("hello")
                got = try receive(sub, within: .milliseconds(10))
            }
            #expect(got != nil)
        }  // `pub` is released here, with a pipe attached: its deinit closes it
        try sub.unsubscribe("")
    }
}

/// A driver whose start always fails, as a driver does when the process is out of descriptors.
private final class FailingDriver: Driver, @unchecked Sendable {
    var capabilities: DriverCapabilities { DriverCapabilities(kind: .memory, isReliable: true, isOrdered: true) }
    func start(_ context: DriverContext) throws(VTXError) { throw VTXError(.systemError, "no descriptors left") }
    func handle(_ command: DriverCommand) {}
    func shutdown() {}
}
