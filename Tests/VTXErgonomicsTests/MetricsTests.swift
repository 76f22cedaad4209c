import Metrics
import MetricsTestKit
import Testing
import VTX
import VTXTestSupport

@Suite("Socket statistics and swift-metrics", .timeLimit(.minutes(1)))
struct MetricsTests {
    /// A manager reporting to a fresh test backend (no global bootstrap: other tests are not affected).
    private func makeManager() -> (VTX, TestMetrics) {
        let metrics = TestMetrics()
        let vtx = VTX()
        vtx.metricsFactory = metrics
        return (vtx, metrics)
    }

    private func dimensions(_ socket: Socket, _ extra: [(String, String)] = []) -> [(String, String)] {
        [("socket", socket.description), ("type", socket.type.name)] + extra
    }

    @Test func messagesAndBytesAfterAKnownPattern() throws {
        let (vtx, metrics) = makeManager()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        let body = Frame([UInt8](repeating: 7, count: 100))
        for _ in 0..<10 { try push.send(body) }
        try push.send(Frame("ab"), Frame("cde"))
        for _ in 0..<11 { _ = try pull.receive() }

        let sent = push.statistics
        #expect(sent.messagesSent == 11 && sent.bytesSent == 1005 && sent.messagesReceived == 0)
        let received = pull.statistics
        #expect(received.messagesReceived == 11 && received.bytesReceived == 1005)

        push.close()
        pull.close()
        #expect(try metrics.expectCounter("vtx.socket.messages", dimensions(push, [("direction", "out")])).totalValue == 11)
        #expect(try metrics.expectCounter("vtx.socket.bytes", dimensions(push, [("direction", "out")])).totalValue == 1005)
        #expect(try metrics.expectCounter("vtx.socket.messages", dimensions(pull, [("direction", "in")])).totalValue == 11)
        #expect(try metrics.expectCounter("vtx.socket.bytes", dimensions(pull, [("direction", "in")])).totalValue == 1005)
        #expect(try metrics.expectCounter("vtx.socket.messages", dimensions(pull, [("direction", "out")])).totalValue == 0)
    }

    @Test func aSocketPublishesBeforeItWaits() throws {
        let (vtx, metrics) = makeManager()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        for _ in 0..<300 { try push.send("x") }
        for _ in 0..<300 { _ = try pull.receive() }
        // Nothing is left: the receive waits, and publishes first.
        #expect(throws: VTXError.timedOut) { try pull.receive(timeout: .milliseconds(1)) }
        let counted = try metrics.expectCounter("vtx.socket.messages", dimensions(pull, [("direction", "in")]))
        #expect(counted.totalValue == 300)
    }

    @Test func dropsAndQueueDepth() throws {
        let (vtx, metrics) = makeManager()
        defer { vtx.shutdown() }
        // A ROUTER drops messages for peers it does not know (without routerMandatory).
        let router = try makeSocket(vtx, .router)
        try router.bind(uniqueEndpoint())
        try router.send(Frame("nobody"), Frame("lost"))
        try router.send(Frame("nobody"), Frame("lost too"))
        #expect(router.statistics.messagesDropped == 2)
        #expect(try metrics.expectCounter("vtx.socket.dropped", dimensions(router)).totalValue == 2)

        // A connect with no peer yet queues what is sent in its pipe.
        let push = try makeSocket(vtx, .push)
        try push.connect(uniqueEndpoint())
        for _ in 0..<5 { try push.send("queued") }
        #expect(push.statistics.queuedOutbound == 5)
        #expect(try metrics.expectMeter("vtx.socket.queue.depth", dimensions(push)).lastValue == 5)
    }

    @Test func driverCountersOverTCP() throws {
        let (vtx, metrics) = makeManager()
        defer { vtx.shutdown() }
        let pull = try makeSocket(vtx, .pull)
        let pullEvents = try pull.monitor()
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(pull.lastEndpoint)
        let push = try makeSocket(vtx, .push)
        let pushEvents = try push.monitor()
        try push.connect(endpoint)
        #expect(pushEvents.next(.connected, timeout: .seconds(10)) != nil)
        #expect(pullEvents.next(.accepted, timeout: .seconds(10)) != nil)
        try push.send("over tcp")
        #expect(try pull.receiveString() == "over tcp")
        #expect(try metrics.expectCounter("vtx.driver.connections", [("driver", "tcp")]).totalValue == 2)
        #expect(push.statistics.connections == 1)
        #expect(pull.statistics.connections == 1)
    }

    @Test func handshakeFailuresAndReconnects() throws {
        let (vtx, metrics) = makeManager()
        defer { vtx.shutdown() }
        let server = try makeSocket(vtx, .push)
        try server.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(server.lastEndpoint)
        // A PUSH cannot talk to a PUSH: the handshake fails.
        let client = try makeSocket(vtx, .push)
        let events = try client.monitor()
        try client.connect(endpoint)
        #expect(events.next(.handshakeFailed, timeout: .seconds(10)) != nil)
        #expect(try metrics.expectCounter("vtx.driver.handshake.failures", [("driver", "tcp")]).totalValue >= 1)
        #expect(client.statistics.handshakeFailures >= 1)

        // Nothing listens once the server is gone: the connect retries.
        let port = try #require(endpoint.split(separator: ":").last)
        server.close()
        let lonely = try makeSocket(vtx, .pull)
        lonely.reconnectInterval = .milliseconds(10)
        let lonelyEvents = try lonely.monitor()
        try lonely.connect("tcp://127.0.0.1:\(port)")
        #expect(lonelyEvents.next(.connectRetried, timeout: .seconds(10)) != nil)
        #expect(try metrics.expectCounter("vtx.driver.reconnects", [("driver", "tcp")]).totalValue >= 1)
        #expect(try metrics.expectCounter("vtx.driver.connect.failures", [("driver", "tcp")]).totalValue >= 1)
        #expect(lonely.statistics.reconnects >= 1)
    }

    @Test func withMetricsOffStatisticsAreCollectedOnRequest() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        vtx.metricsFactory = nil
        #expect(vtx.metricsFactory == nil)
        #expect(!vtx.collectsStatistics)
        let (quietPush, quietPull) = try makePushPull(vtx)
        try quietPush.send("not counted")
        _ = try quietPull.receive()
        #expect(quietPush.statistics.messagesSent == 0)
        #expect(quietPull.statistics.messagesReceived == 0)

        vtx.collectsStatistics = true
        let (push, pull) = try makePushPull(vtx)
        try push.send("counted")
        _ = try pull.receive()
        #expect(push.statistics.messagesSent == 1 && push.statistics.bytesSent == 7)
        #expect(pull.statistics.messagesReceived == 1 && pull.statistics.bytesReceived == 7)
    }
}
