import Foundation
import Testing
import VTX
import VTXTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Heartbeats, restarts and crashes between VTX and real libzmq peers (pyzmq child processes), over tcp and ipc.
@Suite(
    "Interop with libzmq: heartbeats, restarts, crashes",
    .enabled(if: LibzmqRuntime.current != nil, Comment(rawValue: LibzmqRuntime.skipReason)),
    .timeLimit(.minutes(2))
)
struct LibzmqResilienceInteropTests {
    /// How long a connection must survive to count as kept alive: many heartbeat intervals, and more than a
    /// heartbeat timeout after the first PING.
    static let aliveWindow: Duration = .milliseconds(2500)

    /// A libzmq peer with ZMQ_HEARTBEAT_IVL 100 ms and ZMQ_HEARTBEAT_TIMEOUT 1 s drops a peer that does not
    /// answer its PINGs within a second; a silent VTX socket keeps the connection through 25 intervals, then
    /// traffic still flows over the same connection.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func vtxAnswersLibzmqPings(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let dealer = try h.socket(.dealer)
        try expectConnectionSurvives(
            h,
            dealer,
            direction,
            peerOptions: ["--heartbeat-ivl", "100", "--heartbeat-timeout", "1000"]
        )
    }

    /// A VTX socket with `heartbeatInterval` 100 ms and `heartbeatTTL` 500 ms: libzmq drops a peer that stays
    /// silent for the TTL its PINGs announce, so the connection survives only if VTX keeps sending PINGs (and
    /// VTX, with a 1 s `heartbeatTimeout`, only if libzmq answers them).
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func vtxPingsKeepLibzmqPeerAlive(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let dealer = try h.socket(.dealer)
        dealer.heartbeatInterval = .milliseconds(100)
        dealer.heartbeatTimeout = .seconds(1)
        dealer.heartbeatTTL = .milliseconds(500)
        try expectConnectionSurvives(h, dealer, direction)
    }

    /// A libzmq peer that is SIGSTOPped keeps its connection open but answers nothing: a VTX socket with
    /// heartbeats notices within its heartbeat timeout and reports `disconnected`. After SIGCONT the two
    /// connect again and traffic flows.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func vtxHeartbeatNoticesStoppedLibzmqPeer(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let dealer = try h.socket(.dealer)
        dealer.heartbeatInterval = .milliseconds(100)
        dealer.heartbeatTimeout = .milliseconds(300)
        dealer.reconnectInterval = .milliseconds(50)
        let (peer, monitor) = try h.join(dealer, direction, peer: "DEALER", ["--reconnect-ivl", "50", "--stdin"])
        peer.signal(SIGSTOP)
        defer { peer.signal(SIGCONT) }
        let stoppedAt = ContinuousClock.now
        let dropped = monitor.next(.disconnected, timeout: .seconds(10))
        let noticed = ContinuousClock.now - stoppedAt
        try #require(dropped != nil, "VTX never noticed that the stopped libzmq peer went silent")
        #expect(dropped?.error?.code == .timedOut, "the disconnect should be a heartbeat timeout: \(dropped!)")
        #expect(noticed < .seconds(5), "VTX took \(noticed) to notice a silent peer with a 300 ms heartbeat timeout")
        peer.signal(SIGCONT)
        try h.expectHandshake(on: monitor, direction)
        try expectStillConnected(dealer, peer)
    }

    /// A libzmq REP that exits, and a new one bound to the same endpoint: the connecting VTX REQ (reconnect
    /// interval 50 ms) notices, reconnects, and the next request is answered.
    @Test(arguments: InteropTransport.allCases)
    func vtxReconnectsToRestartedLibzmqPeer(_ transport: InteropTransport) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let req = try h.socket(.req)
        req.reconnectInterval = .milliseconds(50)
        let (first, monitor) = try h.join(req, .libzmqBinds, peer: "REP", ["--echo", "1"])
        let endpoint = try first.endpoint
        try req.send(Message("one"))
        #expect(try req.receive().frameBytes == [utf8("one")])
        try first.finish()
        #expect(monitor.next(.disconnected, timeout: .seconds(10)) != nil, "VTX did not notice the peer exit")

        let second = try h.peer(["--type", "REP", "--bind", endpoint, "--echo", "1"])
        try h.expectHandshake(on: monitor, .libzmqBinds)
        try req.send(Message("two"))
        #expect(try req.receive().frameBytes == [utf8("two")])
        try second.finish()
    }

    /// A VTX SUB connected to a libzmq PUB that is replaced by a new one at the same endpoint: the new publisher
    /// starts with no subscriptions, and the core (not the driver) sends the SUB's again on the reconnection, so
    /// delivery resumes (libzmq's own subscribers do the same).
    @Test(arguments: InteropTransport.allCases)
    func vtxSubscriberResubscribesToRestartedLibzmqPublisher(_ transport: InteropTransport) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let sub = try h.socket(.sub)
        sub.reconnectInterval = .milliseconds(50)
        try sub.subscribe("keep")
        let publishing = { (text: String) in ["--stdin", "--repeat", "20", "500", Array(text.utf8).map { String(format: "%02x", $0) }.joined()] }
        let (first, monitor) = try h.join(sub, .libzmqBinds, peer: "PUB", publishing("keep-1"))
        let endpoint = try first.endpoint
        #expect(try sub.receive().frameBytes == [utf8("keep-1")])
        try first.run("quit")
        try first.finish()
        #expect(monitor.next(.disconnected, timeout: .seconds(10)) != nil, "VTX did not notice the publisher exit")

        let second = try h.peer(["--type", "PUB", "--bind", endpoint] + publishing("keep-2"))
        try h.expectHandshake(on: monitor, .libzmqBinds)
        var received: [[UInt8]] = []
        for _ in 0..<100 where received != [utf8("keep-2")] { received = try sub.receive().frameBytes }
        #expect(received == [utf8("keep-2")])
        try second.run("quit")
        try second.finish()
    }

    /// A bound VTX DEALER whose libzmq peer leaves and is replaced by another while the application does not
    /// touch the socket: the next message goes to the new peer (libzmq's socket takes the departed peer's pipe
    /// out of its load balancer before it sends), not into the pipe of the connection that ended.
    @Test(arguments: InteropTransport.allCases)
    func boundVTXSocketSendsToReplacementPeer(_ transport: InteropTransport) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let dealer = try h.socket(.dealer)
        let (first, monitor) = try h.join(dealer, .vtxBinds, peer: "DEALER", ["--stdin"])
        try first.run("quit")
        try first.finish()
        #expect(monitor.next(.disconnected, timeout: .seconds(10)) != nil, "VTX did not notice the peer leave")
        let second = try h.peer(["--type", "DEALER", "--connect", try #require(dealer.lastEndpoint), "--recv", "1"])
        try h.expectHandshake(on: monitor, .vtxBinds)
        try dealer.send(Message("for the second peer"))
        #expect(try second.message() == [utf8("for the second peer")])
        try second.finish()
    }

    /// kill -9 of a libzmq PULL in the middle of a PUSH stream from VTX: VTX reports `disconnected`, reaches a
    /// new PULL (reconnecting to it, or accepting it), and the stream goes on in order.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func libzmqPeerKilledMidStream(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let push = try h.socket(.push, timeout: .seconds(10))
        push.reconnectInterval = .milliseconds(50)
        let (victim, monitor) = try h.join(push, direction, peer: "PULL", ["--count", "1000000", "--progress", "1000"])
        var sent = 0
        while sent < 1_000_000 {
            try push.send(Message("\(sent)"))
            sent += 1
            if sent % 100 == 0, victim.hasOutput() { break }
        }
        #expect(try victim.expect("PROGRESS") == "1000")
        victim.signal(SIGKILL)
        #expect(victim.waitForExit() != nil, "the killed peer did not exit")
        let dropped = monitor.next(.disconnected, timeout: .seconds(10))
        try #require(dropped != nil, "VTX reported no disconnect after kill -9 of its peer (sent \(sent))")

        let successor: LibzmqPeer
        switch direction {
        case .vtxBinds:
            successor = try h.peer([
                "--type", "PULL", "--connect", try #require(push.lastEndpoint), "--recv-until", "END",
            ])
        case .libzmqBinds:
            successor = try h.peer(["--type", "PULL", "--bind", try victim.endpoint, "--recv-until", "END"])
        }
        try h.expectHandshake(on: monitor, direction)
        try push.send(Message("END"))
        // A connect keeps its pipe across the reconnect, so what was still queued arrives first, in order.
        var leftovers: [Int] = []
        for _ in 0..<1_000_000 {
            let text = String(decoding: try successor.message()[0], as: UTF8.self)
            if text == "END" { break }
            leftovers.append(Int(text) ?? -1)
        }
        // Only what was in flight (read from the pipe, not yet delivered) may be lost: the rest is the tail.
        if let first = leftovers.first {
            #expect(leftovers == Array(first..<sent), "the queued tail arrived altered: \(leftovers.prefix(10))…")
        }
        if direction == .vtxBinds { #expect(leftovers.isEmpty, "an accepted pipe's messages die with its peer") }
        try successor.finish()
    }

    /// Joins `dealer` with a silent libzmq DEALER (`peerOptions` added) and checks that neither side drops the
    /// connection for ``aliveWindow``, then that it still carries traffic.
    private func expectConnectionSurvives(
        _ h: InteropHarness,
        _ dealer: Socket,
        _ direction: InteropDirection,
        peerOptions: [String] = []
    ) throws {
        let (peer, monitor) = try h.join(dealer, direction, peer: "DEALER", peerOptions + ["--monitor", "--stdin"])
        #expect(peer.waitForEvent("HANDSHAKE_SUCCEEDED"))
        let dropped = monitor.next(.disconnected, timeout: Self.aliveWindow)
        #expect(dropped == nil, "the heartbeating connection dropped: \(dropped.map(String.init(describing:)) ?? "")")
        try expectStillConnected(dealer, peer)
    }

    /// Both ends still connected: a message goes VTX → libzmq → VTX; and when the peer runs with `--monitor`,
    /// over the connection of the first handshake (libzmq saw no disconnect and no second handshake).
    private func expectStillConnected(_ dealer: Socket, _ peer: LibzmqPeer) throws {
        try dealer.send(Message(["still", "here"]))
        try peer.run("echo 1")
        #expect(try peer.expect("ECHOED") == "1")
        #expect(try dealer.receive().frameBytes == [utf8("still"), utf8("here")])
        try peer.run("quit")
        try peer.finish()
        let events = peer.eventNames
        #expect(!events.contains("DISCONNECTED"), "the libzmq peer saw a disconnect: \(events)")
        #expect(events.count { $0 == "HANDSHAKE_SUCCEEDED" } <= 1, "the libzmq peer connected again: \(events)")
    }
}
