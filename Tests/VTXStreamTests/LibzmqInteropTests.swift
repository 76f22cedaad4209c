import Foundation
import Testing
import VTX
import VTXTestSupport

/// Every pattern between a VTX socket and a real libzmq socket (pyzmq in a child process), over tcp and ipc,
/// with each side binding in turn.
@Suite(
    "Interop with libzmq: patterns",
    .enabled(if: LibzmqRuntime.current != nil, Comment(rawValue: LibzmqRuntime.skipReason)),
    .timeLimit(.minutes(1))
)
struct LibzmqPatternInteropTests {
    @Test func reportsTheLibzmqVersion() throws {
        let runtime = try #require(LibzmqRuntime.current)
        print("VTX interop tests run against \(runtime.description)")
        #expect(runtime.libzmqVersion.hasPrefix("4."), "the interop peer should be libzmq 4.x")
    }

    /// A VTX REQ's requests (two frames) answered by a libzmq REP that echoes them.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func vtxRequestToLibzmqReply(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let req = try h.socket(.req)
        let (peer, _) = try h.join(req, direction, peer: "REP", ["--echo", "5"])
        try expectEchoes(req, peer, count: 5)
        try peer.finish()
    }

    /// A libzmq REQ's requests answered by a VTX REP; each request carries the peer's ZMTP metadata, as
    /// libzmq's `zmq_msg_gets(msg, "Socket-Type")` does, whichever side connected.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func libzmqRequestToVTXReply(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let rep = try h.socket(.rep)
        let (peer, _) = try h.join(
            rep,
            direction,
            peer: "REQ",
            ["--send", "71,30", "--recv", "1", "--send", "71,31", "--recv", "1"]
        )
        for i in 0..<2 {
            let request = try rep.receive()
            #expect(request.frameBytes == [utf8("q"), utf8("\(i)")])
            if i == 0 {
                let metadata = request.metadata.map(String.init(describing:)) ?? "none"
                #expect(request.property("Socket-Type") == "REQ", "a message from libzmq lacks metadata: \(metadata)")
            }
            try rep.send(Message(["answer", Frame("\(i)")]))
            #expect(try peer.message() == [utf8("answer"), utf8("\(i)")])
        }
        try peer.finish()
    }

    /// A libzmq ROUTER receives a VTX DEALER's messages under the DEALER's `routingId`, and routes by it.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func libzmqRouterSeesVTXDealerRoutingId(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let dealer = try h.socket(.dealer)
        dealer.routingId = Frame("vtx-dealer")
        let (peer, _) = try h.join(dealer, direction, peer: "ROUTER", ["--recv", "1", "--stdin"])
        try dealer.send(Message(["first", "second"]))
        #expect(try peer.message() == [utf8("vtx-dealer"), utf8("first"), utf8("second")])
        try peer.send([utf8("vtx-dealer"), utf8("routed"), []])
        #expect(try dealer.receive().frameBytes == [utf8("routed"), []])
        try peer.run("quit")
        try peer.finish()
    }

    /// A VTX ROUTER receives a libzmq DEALER's messages under the DEALER's ZMQ_ROUTING_ID, and routes by it.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func vtxRouterSeesLibzmqDealerIdentity(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let router = try h.socket(.router)
        router.routingId = Frame("vtx-router")
        let (peer, _) = try h.join(
            router,
            direction,
            peer: "DEALER",
            ["--identity", "py-dealer", "--send", PeerHex.frames([utf8("hi"), []]), "--recv", "1"]
        )
        let request = try router.receive()
        #expect(request.frameBytes == [utf8("py-dealer"), utf8("hi"), []])
        #expect(request.property("Socket-Type") == "DEALER")
        try router.send(Message(["py-dealer", "back"]))
        #expect(try peer.message() == [utf8("back")])
        try peer.finish()
    }

    /// 10,000 messages from a VTX PUSH reach a libzmq PULL, none lost, in order (the peer checks).
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func vtxPushesTenThousandToLibzmqPull(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let push = try h.socket(.push)
        let (peer, _) = try h.join(push, direction, peer: "PULL", ["--count", "10000"])
        for i in 0..<10_000 { try push.send(Message("\(i)")) }
        #expect(try peer.expect("COUNTED", timeout: .seconds(30)) == "10000")
        try peer.finish()
    }

    /// 10,000 messages from a libzmq PUSH reach a VTX PULL, none lost, in order, through VTX's back-pressure.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func libzmqPushesTenThousandToVTXPull(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let pull = try h.socket(.pull)
        // The peer stays (reading stdin) until VTX has everything: an exiting libzmq drops what its LINGER
        // has not sent.
        let (peer, _) = try h.join(pull, direction, peer: "PUSH", ["--send-seq", "10000", "--stdin"])
        var outOfOrder: [String] = []
        for i in 0..<10_000 {
            let message: Message
            do { message = try pull.receive() } catch {
                Issue.record("VTX PULL received \(i) of 10000 messages, then: \(error)")
                break
            }
            if message.frameBytes != [utf8("\(i)")], outOfOrder.count < 5 {
                outOfOrder.append("#\(i): \(message.map { $0.string ?? "?" })")
            }
        }
        #expect(outOfOrder.isEmpty, "messages lost or reordered: \(outOfOrder)")
        #expect(try peer.expect("SENT") == "10000")
        try peer.run("quit")
        try peer.finish()
    }

    /// PAIR to PAIR: libzmq speaks first, then VTX's messages come back echoed.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func pairTalksBothWays(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let pair = try h.socket(.pair)
        let (peer, _) = try h.join(
            pair,
            direction,
            peer: "PAIR",
            ["--send", PeerHex.frames([utf8("from libzmq")]), "--echo", "3"]
        )
        #expect(try pair.receive().frameBytes == [utf8("from libzmq")])
        try expectEchoes(pair, peer, count: 3)
        try peer.finish()
    }

    /// Frames of 0, 255 (the largest short frame), 256 (the smallest long frame) and 1 MiB bytes, alone and
    /// together in one multipart message, each sent by VTX and checked by libzmq, then sent by libzmq and
    /// checked by VTX.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func frameSizesAndMultipartBothWays(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let dealer = try h.socket(.dealer)
        let (peer, _) = try h.join(dealer, direction, peer: "DEALER", ["--stdin"])
        func frame(_ count: Int, seed: UInt8) -> [UInt8] {
            (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) &+ seed }
        }
        let mebibyte = frame(1 << 20, seed: 7)
        let messages: [[[UInt8]]] = [
            [[]],
            [frame(255, seed: 1)],
            [frame(256, seed: 2)],
            [mebibyte],
            [[], frame(255, seed: 3), frame(256, seed: 4), mebibyte, []],
        ]
        for message in messages {
            let sizes = message.map(\.count)
            try dealer.send(Message(frameBytes: message))
            try peer.run("recv 1")
            #expect(try peer.message() == message, "libzmq received the frames \(sizes) from VTX altered")
            try peer.send(message)
            #expect(try dealer.receive().frameBytes == message, "VTX received the frames \(sizes) from libzmq altered")
        }
        try peer.run("quit")
        try peer.finish()
    }

    /// Linux abstract-namespace ipc (`ipc://@name`, no file): libzmq names the socket with exactly the bytes
    /// after the `@` (its address length stops there), so VTX must too to meet it.
    @Test(arguments: InteropDirection.allCases)
    func requestReplyOverAbstractIPC(_ direction: InteropDirection) throws {
        #if os(Linux)
        let h = InteropHarness(.ipc)
        defer { h.finish() }
        let endpoint = "ipc://@vtx-interop-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let req = try h.socket(.req)
        let monitor = try req.monitor()
        let peer: LibzmqPeer
        switch direction {
        case .vtxBinds:
            try req.bind(endpoint)
            #expect(req.lastEndpoint == endpoint)
            peer = try h.peer(["--type", "REP", "--connect", endpoint, "--echo", "1"])
        case .libzmqBinds:
            peer = try h.peer(["--type", "REP", "--bind", endpoint, "--echo", "1"])
            #expect(try peer.endpoint == endpoint)
            try req.connect(endpoint)
        }
        try h.expectHandshake(on: monitor, direction)
        try req.send(Message("abstract"))
        #expect(try req.receive().frameBytes == [utf8("abstract")])
        try peer.finish()
        #endif
    }

    // MARK: Publish-subscribe

    /// A VTX SUB subscribes to `A`; the libzmq PUB (which filters by the subscriptions it received) publishes
    /// until the first message gets through, then a mix of topics.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func vtxSubscriptionReachesLibzmqPublisher(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let sub = try h.socket(.sub, timeout: .seconds(10))
        try sub.subscribe("A")
        let (peer, _) = try h.join(sub, direction, peer: "PUB", ["--stdin"])
        try peer.run("repeat 20 500 " + PeerHex.frames([utf8("A-first")]))
        #expect(try sub.receive().frameBytes == [utf8("A-first")])
        // The first line on stdin ends the repeat.
        try peer.run("send " + PeerHex.frames([utf8("B-skip")]))
        let rounds = try peer.expect("REPEATED")
        #expect((Int(rounds) ?? 0) >= 1)
        try peer.expect("SENT")
        for topic in ["A-1", "B-skip", "A-END"] { try peer.send([utf8(topic)]) }
        var received: [String] = []
        for _ in 0..<600 {
            let text = try sub.receive()[0].string ?? "?"
            received.append(text)
            if text == "A-END" { break }
        }
        #expect(received.allSatisfy { $0.hasPrefix("A") }, "the SUB received unsubscribed topics: \(Set(received))")
        #expect(received.contains("A-1") && received.last == "A-END")
        try peer.run("quit")
        try peer.finish()
    }

    /// A libzmq SUB subscribes to `A`; the VTX PUB publishes until the first message gets through, then a mix.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func libzmqSubscriptionReachesVTXPublisher(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let pub = try h.socket(.pub)
        let (peer, _) = try h.join(pub, direction, peer: "SUB", ["--subscribe", "A", "--recv-until", "A-END"])
        try publishUntilHeard(pub, Message("A-first"), by: peer)
        for topic in ["B-skip", "A-1", "B-skip", "A-END"] { try pub.send(Message(topic)) }
        var received: [String] = []
        for _ in 0..<600 {
            let text = String(decoding: try peer.message()[0], as: UTF8.self)
            received.append(text)
            if text == "A-END" { break }
        }
        #expect(received.allSatisfy { $0.hasPrefix("A") }, "the SUB received unsubscribed topics: \(Set(received))")
        #expect(received.first == "A-first" && received.contains("A-1") && received.last == "A-END")
        try peer.finish()
    }

    /// A libzmq SUB's subscription arrives at a VTX XPUB as the message `\x01topic`; what the XPUB then sends on
    /// that topic reaches the SUB.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func libzmqSubscriptionArrivesAtVTXXPub(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let xpub = try h.socket(.xpub)
        let (peer, _) = try h.join(xpub, direction, peer: "SUB", ["--subscribe", "topic", "--recv", "1"])
        #expect(try xpub.receive().frameBytes == [[0x01] + utf8("topic")])
        // The XPUB holds the subscription now, so one send is enough.
        try xpub.send(Message(["topic-data", "more"]))
        #expect(try peer.message() == [utf8("topic-data"), utf8("more")])
        try peer.finish()
    }

    /// A VTX XSUB's `\x01topic` message reaches a libzmq XPUB as that subscription, after which the XPUB's
    /// messages on the topic reach the XSUB.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func vtxXSubSubscriptionReachesLibzmqXPub(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let xsub = try h.socket(.xsub)
        let (peer, _) = try h.join(xsub, direction, peer: "XPUB", ["--recv", "1", "--stdin"])
        try xsub.send(Message(frameBytes: [[0x01] + utf8("topic")]))
        #expect(try peer.message() == [[0x01] + utf8("topic")])
        try peer.send([utf8("other"), utf8("dropped")])
        try peer.send([utf8("topic-x"), utf8("kept")])
        #expect(try xsub.receive().frameBytes == [utf8("topic-x"), utf8("kept")])
        try peer.run("quit")
        try peer.finish()
    }
}

/// Sends `count` two-frame messages from `socket` to a peer running `echo count`, checking each answer.
func expectEchoes(_ socket: Socket, _ peer: LibzmqPeer, count: Int) throws {
    for i in 0..<count {
        try socket.send(Message(["echo", Frame("\(i)")]))
        #expect(try socket.receive().frameBytes == [utf8("echo"), utf8("\(i)")])
    }
    #expect(try peer.expect("ECHOED") == "\(count)")
}

/// The slow-joiner rule: sends `message` every 20 ms (at most 250 times) until `peer` prints something.
func publishUntilHeard(_ publisher: Socket, _ message: Message, by peer: LibzmqPeer) throws {
    for _ in 0..<250 {
        try publisher.send(message)
        if peer.hasOutput(within: .milliseconds(20)) { return }
    }
    throw PeerFailure(description: "the libzmq peer received nothing in 250 rounds of publishing")
}
