import Foundation
import Testing
import VTXCore
import VTXTestSupport

/// The socket rules the core keeps for every driver (issue 11): reconnecting, answering for silent or stopped
/// drivers, attach timing, subscription replay, message-size limits, and the pipe contract. Each test uses a
/// ``ScriptedDriver`` and fails if the core leaves the rule to the driver.
@Suite(.timeLimit(.minutes(1)))
struct CoreRulesTests {
    /// A manager with `driver` registered for `test`.
    private func manager(_ driver: ScriptedDriver) throws -> VTX {
        let vtx = VTX(drivers: [:])
        try vtx.register(driver, for: "test")
        return vtx
    }

    /// A driver whose connects get the early pipe, drained by a ``DrainingSink`` only on `.readable`, into the
    /// returned list (each message's first frame as text).
    private func drainingDriver() -> (ScriptedDriver, DrainingSink, Guarded<[String]>) {
        let received = Guarded<[String]>([])
        let sink = DrainingSink(into: received)
        let driver = ScriptedDriver { command, _ in
            guard case .connect(let endpoint) = command else { return }
            do throws(VTXError) {
                sink.pipe = try endpoint.attachEarly(sink: sink)
            } catch {
                endpoint.report(.connectFailed(error))
                return
            }
            endpoint.report(.connecting)
        }
        return (driver, sink, received)
    }

    /// An attempt that made no connection.
    private static let refused = VTXError(.connectionRefused, "refused")

    /// A PUSH socket of a new manager with `driver`, connected to `endpoint` with the given reconnect policy, and
    /// its monitor (made before the connect). `body` runs with them; the socket and manager are closed after.
    private func withConnectedPush(
        _ driver: ScriptedDriver,
        to endpoint: String,
        interval: Duration?,
        maximum: Duration = .zero,
        _ body: (Socket, SocketMonitor) throws -> Void
    ) throws {
        let vtx = try manager(driver)
        defer { vtx.shutdown() }
        let socket = try vtx.socket(.push)
        defer { socket.close() }
        socket.reconnectInterval = interval
        socket.reconnectIntervalMax = maximum
        let monitor = try socket.monitor()
        try socket.connect(endpoint)
        try body(socket, monitor)
    }

    /// The intervals of the next `count` `connectRetried` events (fewer if they do not come within 5 s each).
    private func retryIntervals(_ monitor: SocketMonitor, count: Int) -> [Duration] {
        var intervals: [Duration] = []
        while intervals.count < count, let event = monitor.next(timeout: .seconds(5)) {
            if event.kind == .connectRetried, let interval = event.retryInterval { intervals.append(interval) }
        }
        return intervals
    }

    // MARK: Answers

    @Test func aDriverThatNeverAnswersGivesTheCallerATimeoutNamingIt() throws {
        let driver = ScriptedDriver(script: nil)
        let vtx = try manager(driver)
        defer { vtx.shutdown() }
        vtx.driverAnswerTimeout = .milliseconds(200)
        let socket = try vtx.socket(.pull)
        defer { socket.close() }
        let started = ContinuousClock.now
        let error = #expect(throws: VTXError.self) { try socket.bind("test://silent") }
        #expect(error?.code == .timedOut)
        #expect(error?.message.contains("'test' driver did not answer the bind to 'test://silent'") == true)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func anAnswerThatComesAfterTheDeadlineIsUndone() throws {
        let driver = ScriptedDriver(script: nil)
        let vtx = try manager(driver)
        defer { vtx.shutdown() }
        vtx.driverAnswerTimeout = .milliseconds(100)
        let socket = try vtx.socket(.push)
        defer { socket.close() }
        #expect(throws: VTXError.self) { try socket.connect("test://late") }
        #expect(driver.waitUntil { $0 == ["connect"] })
        // The driver answers at last; the socket, at its next call, tells it to drop the endpoint.
        let connect = try #require(driver.recordedEndpoints.first)
        connect.report(.connecting)
        _ = socket.isWritable
        #expect(driver.waitUntil { $0 == ["connect", "disconnect"] })
    }

    @Test func aCallWaitingForAReplacedDriverEndsWithTerminated() throws {
        let driver = ScriptedDriver(script: nil)
        let vtx = try manager(driver)
        defer { vtx.shutdown() }
        vtx.driverAnswerTimeout = .seconds(30)
        let outcome = Guarded<VTXError?>(nil)
        let done = DispatchSemaphore(value: 0)
        let socket = try vtx.socket(.pull)
        Thread {
            do throws(VTXError) { try socket.bind("test://replaced") } catch { outcome.withLock { $0 = error } }
            socket.close()
            done.signal()
        }.start()
        #expect(driver.waitUntil { $0 == ["bind"] })
        try vtx.register(ScriptedDriver(script: nil), for: "test", replacingExisting: true)
        #expect(done.wait(timeout: .now() + 10) == .success)
        let error = outcome.withLock { $0 }
        #expect(error?.code == .terminated)
        #expect(error?.message == "the 'test' driver has been shut down")
    }

    // MARK: Reconnecting

    @Test func theCoreAsksForAnotherAttemptAfterEachFailureByThePolicy() throws {
        let driver = ScriptedDriver { command, _ in
            guard command.name == "connect" || command.name == "reconnect" else { return }
            if case .connect = command { command.endpoint.report(.connecting) }
            command.endpoint.report(.connectAttemptFailed(Self.refused))
        }
        try withConnectedPush(driver, to: "test://flaky", interval: .milliseconds(5), maximum: .milliseconds(20)) { _, monitor in
            #expect(driver.waitUntil { $0.filter { $0 == "reconnect" }.count >= 4 })
            // The waits double from 5 ms up to the 20 ms maximum, each reported as connectRetried.
            #expect(retryIntervals(monitor, count: 4) == [.milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(20)])
        }
    }

    @Test func aSuccessfulHandshakeResetsTheBackOff() throws {
        let attempts = Guarded(0)
        let driver = ScriptedDriver { command, _ in
            guard command.name == "connect" || command.name == "reconnect" else { return }
            let endpoint = command.endpoint
            if case .connect = command { endpoint.report(.connecting) }
            let attempt = attempts.withLock { $0 += 1; return $0 }
            if attempt == 3 {
                endpoint.report(.handshakeSucceeded("peer"))
                endpoint.report(.disconnected("peer", nil))
            } else if attempt < 6 {
                endpoint.report(.connectAttemptFailed(Self.refused))
            }
        }
        try withConnectedPush(driver, to: "test://reset", interval: .milliseconds(2), maximum: .milliseconds(100)) { _, monitor in
            #expect(retryIntervals(monitor, count: 5) == [.milliseconds(2), .milliseconds(4), .milliseconds(2), .milliseconds(4), .milliseconds(8)])
        }
    }

    @Test func withReconnectionOffTheCoreGivesUpAndTheDriverIsToldToDisconnect() throws {
        let driver = ScriptedDriver { command, _ in
            guard case .connect(let endpoint) = command else { return }
            endpoint.report(.connecting)
            endpoint.report(.handshakeSucceeded("peer"))
            endpoint.report(.disconnected("peer", nil))
        }
        try withConnectedPush(driver, to: "test://once", interval: nil) { socket, monitor in
            #expect(driver.waitUntil { $0 == ["connect", "disconnect"] })
            var kinds: [MonitorEvent.Kind] = []
            while !kinds.contains(.connectFailed), let event = monitor.next(timeout: .seconds(5)) { kinds.append(event.kind) }
            #expect(kinds == [.handshakeSucceeded, .disconnected, .connectFailed])
            // The socket forgot the endpoint.
            _ = socket.isWritable
            #expect(throws: VTXError.self) { try socket.disconnect("test://once") }
        }
    }

    @Test func aDriverThatGivesUpIsNotAskedToReconnect() throws {
        let driver = ScriptedDriver { command, _ in
            guard case .connect(let endpoint) = command else { return }
            let failure = VTXError(.handshakeFailed, "protocol error")
            endpoint.report(.connecting)
            endpoint.report(.disconnected("peer", failure))
            endpoint.report(.connectFailed(failure))
        }
        // The disconnect schedules a retry and the give-up, reported right after it, cancels it. With a 1 ms interval
        // the retry fired first whenever the driver's thread was preempted between the two reports (ThreadSanitizer
        // beside two CPU hogs): that retry was due, not a give-up ignored. 500 ms leaves the give-up time to arrive.
        try withConnectedPush(driver, to: "test://gave-up", interval: .milliseconds(500)) { _, _ in
            #expect(driver.waitUntil { $0 == ["connect", "disconnect"] })
            // Long enough for the retry scheduled before the give-up to have fired, had it not been cancelled.
            #expect(!driver.waitUntil(timeout: .seconds(1)) { $0.contains("reconnect") })
        }
    }

    @Test func aDisconnectedEndpointIsNotReconnected() throws {
        let driver = ScriptedDriver { command, _ in
            guard case .connect(let endpoint) = command else { return }
            endpoint.report(.connecting)
            endpoint.report(.connectAttemptFailed(Self.refused))
        }
        try withConnectedPush(driver, to: "test://gone", interval: .milliseconds(50)) { socket, _ in
            try socket.disconnect("test://gone")
            #expect(driver.waitUntil { $0 == ["connect", "disconnect"] })
            #expect(!driver.waitUntil(timeout: .milliseconds(150)) { $0.contains("reconnect") })
        }
    }

    // MARK: Attach timing and the pipe contract

    @Test(arguments: [
        (SocketType.push, false, true), (SocketType.dealer, false, true), (SocketType.sub, false, true),
        (SocketType.router, false, false), (SocketType.push, true, false),
    ])
    func attachTimingIsTheCoresRule(type: SocketType, immediate: Bool, early: Bool) throws {
        let seen = Guarded<(Bool, Bool)?>(nil)
        let driver = ScriptedDriver { command, _ in
            let endpoint = command.endpoint
            seen.withLock { $0 = (endpoint.attachesEarly, (try? endpoint.attachEarly(sink: NullSink())) != nil) }
            if case .connect = command { endpoint.report(.connecting) } else { endpoint.report(.listening("test://x")) }
        }
        let vtx = try manager(driver)
        defer { vtx.shutdown() }
        let socket = try vtx.socket(type)
        defer { socket.close() }
        socket.immediate = immediate
        try socket.connect("test://timing")
        #expect(seen.withLock { $0 }! == (early, early))
        // A bind never attaches early.
        let binder = try vtx.socket(type)
        defer { binder.close() }
        try binder.bind("test://timing-bind")
        #expect(seen.withLock { $0 }! == (false, false))
    }

    @Test func aNewPipeReportsReadableSoDrainingOnReadableIsTheWholeRule() throws {
        let (driver, sink, received) = drainingDriver()
        let vtx = try manager(driver)
        defer { vtx.shutdown() }
        let socket = try vtx.socket(.push)
        defer { socket.close() }
        try socket.connect("test://drain")
        for text in ["one", "two", "three"] { try socket.send(text) }
        #expect(sink.waitFor(count: 3))
        #expect(received.withLock { $0 } == ["one", "two", "three"])
    }

    @Test func attachingAPairTheDriverMadeChecksTheSocketTypes() throws {
        let outcome = Guarded<VTXError.Code?>(nil)
        let driver = ScriptedDriver { command, _ in
            guard case .connect(let endpoint) = command else { return }
            let (socketEnd, _) = MessagePipe.makePair(
                firstToSecond: 10,
                secondToFirst: 10,
                firstPeer: PeerInfo(socketType: .pub, address: "test://pub"),
                secondPeer: endpoint.localPeerInfo
            )
            do throws(VTXError) { try endpoint.attach(socketEnd) } catch { outcome.withLock { $0 = error.code } }
            endpoint.report(.connecting)
        }
        let vtx = try manager(driver)
        defer { vtx.shutdown() }
        let socket = try vtx.socket(.push)
        defer { socket.close() }
        try socket.connect("test://pair")
        #expect(outcome.withLock { $0 } == .incompatibleSocketType)
    }

    // MARK: Subscriptions

    @Test func aReconnectedPublisherIsSentTheSubscriptionsAgainByTheSocket() throws {
        let (driver, sink, received) = drainingDriver()
        let vtx = try manager(driver)
        defer { vtx.shutdown() }
        let socket = try vtx.socket(.sub)
        defer { socket.close() }
        try socket.connect("test://publisher")
        try socket.subscribe("a")
        try socket.subscribe("b")
        let pipe = try #require(sink.pipe)
        #expect(sink.waitFor(count: 2))
        // The first peer announced gets what is queued; no replay.
        pipe.announce(PeerInfo(socketType: .pub, address: "test://first").makeMetadata())
        _ = socket.isReadable
        try socket.unsubscribe("a")
        #expect(sink.waitFor(count: 3))
        // A second peer (a reconnection) is sent the current subscriptions again.
        pipe.announce(PeerInfo(socketType: .pub, address: "test://second").makeMetadata())
        _ = socket.isReadable
        #expect(sink.waitFor(count: 4))
        #expect(received.withLock { $0 } == ["\u{1}a", "\u{1}b", "\u{0}a", "\u{1}b"])
    }

    // MARK: Message size

    @Test func theCoreEnforcesTheDriversMaximumMessageSize() throws {
        let options = Guarded<Int?>(nil)
        let driver = ScriptedDriver(
            capabilities: DriverCapabilities(kind: .datagram, isReliable: false, isOrdered: false, maxMessageSize: 100)
        ) { command, _ in
            guard case .connect(let endpoint) = command else { return }
            options.withLock { $0 = endpoint.options.maxMessageSize }
            _ = try? endpoint.attachEarly(sink: NullSink())
            endpoint.report(.connecting)
        }
        let vtx = try manager(driver)
        defer { vtx.shutdown() }
        let socket = try vtx.socket(.push)
        defer { socket.close() }
        socket.maxMessageSize = 1000
        try socket.connect("test://small")
        // The driver is told the smaller of the socket's and its own limit, for what peers send.
        #expect(options.withLock { $0 } == 100)
        try socket.send(Message([Frame([UInt8](repeating: 1, count: 60)), Frame([UInt8](repeating: 2, count: 40))]))
        let error = #expect(throws: VTXError.self) { try socket.send(Message(Frame([UInt8](repeating: 1, count: 101)))) }
        #expect(error?.code == .messageTooLarge)
        #expect(error?.message == "a message of 101 bytes is larger than the 100 bytes the 'test' transport carries")
    }

    @Test func aStringVariableCanBeSent() throws {
        let (driver, sink, received) = drainingDriver()
        let vtx = try manager(driver)
        defer { vtx.shutdown() }
        let socket = try vtx.socket(.push)
        defer { socket.close() }
        try socket.connect("test://text")
        let name = "Ada"
        try socket.send(name)
        try socket.send(name.dropFirst())
        #expect(sink.waitFor(count: 2))
        #expect(received.withLock { $0 } == ["Ada", "da"])
    }
}

/// A sink that ignores every event.
private final class NullSink: PipeEventSink {
    func pipe(_ pipe: MessagePipe, didSignal event: PipeEvent) {}
}

/// A sink that drains its pipe when, and only when, it is told `.readable`: the whole rule of the pipe contract.
/// It keeps each message's first frame as text.
private final class DrainingSink: PipeEventSink, @unchecked Sendable {
    // Safe to share: `pipe` is set once before any event can be drained (under `lock`), and the pipe is read only
    // under `lock`, so one thread reads it at a time.
    private let lock = NSCondition()
    private var storedPipe: MessagePipe?
    private let received: Guarded<[String]>

    init(into received: Guarded<[String]>) {
        self.received = received
    }

    var pipe: MessagePipe? {
        get { lock.withLock { storedPipe } }
        set { lock.withLock { storedPipe = newValue } }
    }

    func pipe(_ pipe: MessagePipe, didSignal event: PipeEvent) {
        guard event == .readable else { return }
        lock.lock()
        defer { lock.unlock() }
        while let message = pipe.read() {
            received.withLock { $0.append(String(decoding: message[0].bytes, as: UTF8.self)) }
        }
        lock.broadcast()
    }

    /// Waits until `count` messages were drained (5 s at most).
    func waitFor(count: Int) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        lock.lock()
        defer { lock.unlock() }
        while received.withLock({ $0.count }) < count {
            guard lock.wait(until: deadline) else { return false }
        }
        return true
    }
}
