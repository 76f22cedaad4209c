import Testing
import VTX

// PUB/SUB and XPUB/XSUB over inproc, with libzmq 4.3 semantics (reference: socket-semantics.md §0, §1, §2).
//
// Subscriptions reach a publisher asynchronously (the "slow joiner" rule), so every test that needs a
// subscription in place either publishes a probe in a bounded loop until the subscriber hears it, or waits for
// the XPUB to receive the subscription. Once both ends of an inproc pipe are attached, everything is synchronous:
// a message sent is in the peer's pipe (and the peer's mailbox has been told) before `send` returns, so a
// `tryReceive` right after it is deterministic.

/// Helpers private to this file (other test files share the module).
private enum PubSub {
    /// Publishes `probe` (at most `tries` times) until `subscriber` receives a message; returns that message, or
    /// `nil` when the subscription never took effect.
    static func awaitSubscription(
        publisher: Socket,
        subscriber: Socket,
        probe: Message,
        tries: Int = 500
    ) throws -> Message? {
        for _ in 0..<tries {
            try publisher.send(probe)
            if let message = try? subscriber.receive(timeout: .milliseconds(10)) { return message }
        }
        return nil
    }

    /// Receives every message waiting now (bounded), without blocking.
    static func drain(_ socket: Socket, limit: Int = 100_000) throws -> [Message] {
        var messages: [Message] = []
        while messages.count < limit, let message = try socket.tryReceive() {
            messages.append(message)
        }
        return messages
    }

    /// A single-frame subscription (`0x01`+topic) or cancel (`0x00`+topic) message.
    static func notification(_ subscribe: Bool, _ topic: String) -> Message {
        Message(Frame([subscribe ? 1 : 0] + Array(topic.utf8)))
    }

    /// The first frame of each message as a string.
    static func firstStrings(_ messages: [Message]) -> [String] {
        messages.map { $0.first?.string ?? "<binary>" }
    }
}

/// The manager and sockets of one test, closed explicitly at its end (a socket freed without `close()` is covered by
/// `droppingAPublisherWithoutCloseDoesNotCrash` alone).
private final class SocketScope {
    let vtx = VTX()
    private var sockets: [Socket] = []

    func socket(_ type: SocketType, timeout: Duration = .seconds(5)) throws -> Socket {
        let socket = try makeSocket(vtx, type, timeout: timeout)
        sockets.append(socket)
        return socket
    }

    func close() {
        for socket in sockets.reversed() { socket.close() }
        sockets = []
        vtx.shutdown()
    }
}

@Suite("PubSubTests", .timeLimit(.minutes(1)))
struct PubSubTests {
    // MARK: PUB/SUB filtering

    @Test func prefixFiltersDeliverOnlyMatchingTopics() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        let subA = try scope.socket(.sub)
        let subB = try scope.socket(.sub)
        let subAll = try scope.socket(.sub)
        let subLong = try scope.socket(.sub)
        for sub in [subA, subB, subAll, subLong] { try sub.connect(endpoint) }
        try subA.subscribe("A")
        try subB.subscribe("B")
        try subAll.subscribe()  // the empty prefix: everything
        try subLong.subscribe("AB")

        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: subA, probe: "A-sync") != nil)
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: subB, probe: "B-sync") != nil)
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: subAll, probe: "Z-sync") != nil)
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: subLong, probe: "AB-sync") != nil)
        for sub in [subA, subB, subAll, subLong] { _ = try PubSub.drain(sub) }

        var sent: [String] = []
        for i in 0..<10 {
            for topic in ["A", "B", "C", "AB", ""] {
                let text = "\(topic)\(i)"
                try pub.send(Message(text))
                sent.append(text)
            }
        }
        let gotA = PubSub.firstStrings(try PubSub.drain(subA))
        let gotB = PubSub.firstStrings(try PubSub.drain(subB))
        let gotAll = PubSub.firstStrings(try PubSub.drain(subAll))
        let gotLong = PubSub.firstStrings(try PubSub.drain(subLong))
        #expect(gotA == sent.filter { $0.hasPrefix("A") })
        #expect(gotB == sent.filter { $0.hasPrefix("B") })
        #expect(gotAll == sent)
        #expect(gotLong == sent.filter { $0.hasPrefix("AB") })
    }

    @Test func binaryTopicsMatchByteWise() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        let sub = try scope.socket(.sub)
        try sub.connect(endpoint)
        // A topic starting with 0x00 and 0x01 bytes: only the subscription message's own first byte is special.
        try sub.subscribe(Frame([0x00, 0x01, 0xFF]))
        let probe = Message(Frame([0x00, 0x01, 0xFF, 0x42]))
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: sub, probe: probe) == probe)
        _ = try PubSub.drain(sub)

        try pub.send(Message(Frame([0x00, 0x01, 0xFE])))
        try pub.send(Message(Frame([0x00, 0x01])))
        try pub.send(Message(Frame([0x00, 0x01, 0xFF])))
        try pub.send(Message(Frame([0x00, 0x01, 0xFF, 0x00, 0x07])))
        let got = try PubSub.drain(sub).map { $0[0].bytes }
        #expect(got == [[0x00, 0x01, 0xFF], [0x00, 0x01, 0xFF, 0x00, 0x07]])
    }

    @Test func multipartMessagesFilterOnFirstFrameAndArriveWhole() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        let sub = try scope.socket(.sub)
        try sub.connect(endpoint)
        try sub.subscribe("news")
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: sub, probe: ["news-sync", "x"]) != nil)
        _ = try PubSub.drain(sub)

        let big = Frame([UInt8](repeating: 0xAB, count: 4096))
        try pub.send(Message(["news", "a", "b"]))
        try pub.send(Message(["weather", "news"]))  // only the first frame is matched
        try pub.send(Message(["newsflash", big, Frame(), "z"]))
        try pub.send(Message(["new", "s"]))  // "new" is shorter than the prefix
        try pub.send(Message("news"))

        let first = try sub.receive(timeout: .seconds(1))
        #expect(first.strings == ["news", "a", "b"])
        #expect(first.property("Socket-Type") == "PUB")
        let second = try sub.receive(timeout: .seconds(1))
        #expect(second.count == 4)
        #expect(second[0].string == "newsflash")
        #expect(second[1] == big)
        #expect(second[2].isEmpty)
        #expect(second[3].string == "z")
        #expect(try sub.receive(timeout: .seconds(1)).strings == ["news"])
        #expect(try sub.tryReceive() == nil)
    }

    @Test func unsubscribeStopsDelivery() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        let sub = try scope.socket(.sub)
        try sub.connect(endpoint)
        try sub.subscribe("A")
        try sub.subscribe("B")
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: sub, probe: "A-sync") != nil)
        _ = try PubSub.drain(sub)

        try pub.send("A1")
        #expect(try sub.receive(timeout: .seconds(1)).strings == ["A1"])
        try sub.unsubscribe("A")
        try pub.send("A2")
        try pub.send("B2")
        // "B" still flows, "A" no longer does.
        #expect(PubSub.firstStrings(try PubSub.drain(sub)) == ["B2"])
        // Unsubscribing a topic never subscribed is a no-op that succeeds.
        try sub.unsubscribe("never")
        try pub.send("B3")
        #expect(PubSub.firstStrings(try PubSub.drain(sub)) == ["B3"])
    }

    @Test func subscriptionsAreReferenceCounted() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        let sub = try scope.socket(.sub)
        try sub.connect(endpoint)
        try sub.subscribe("A")
        try sub.subscribe("A")
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: sub, probe: "A-sync") != nil)
        _ = try PubSub.drain(sub)

        try sub.unsubscribe("A")  // one reference left
        for i in 0..<20 { try pub.send(Message("A\(i)")) }
        #expect(PubSub.firstStrings(try PubSub.drain(sub)) == (0..<20).map { "A\($0)" })

        try sub.unsubscribe("A")  // the last one
        for i in 0..<20 { try pub.send(Message("A\(i)")) }
        #expect(try PubSub.drain(sub).isEmpty)
    }

    @Test func subscriberWithoutSubscriptionReceivesNothing() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        let silent = try scope.socket(.sub)
        try silent.connect(endpoint)  // connected first, never subscribes
        let witness = try scope.socket(.sub)
        try witness.connect(endpoint)
        try witness.subscribe()
        // The witness's subscription was processed after the silent subscriber's pipe was attached.
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: witness, probe: "sync") != nil)
        _ = try PubSub.drain(witness)

        for i in 0..<100 { try pub.send(Message("m\(i)")) }
        #expect(try PubSub.drain(witness).count == 100)
        #expect(try silent.tryReceive() == nil)
        #expect(!silent.isReadable)
    }

    @Test func slowSubscriberIsDroppedAtHighWaterMarkWhileOthersKeepUp() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        pub.sendHighWaterMark = 10
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        let fast = try scope.socket(.sub)
        let slow = try scope.socket(.sub)
        for sub in [fast, slow] {
            sub.receiveHighWaterMark = 10
            try sub.connect(endpoint)
            try sub.subscribe()
        }
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: fast, probe: "sync") != nil)
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: slow, probe: "sync") != nil)
        _ = try PubSub.drain(fast)
        _ = try PubSub.drain(slow)

        // The PUB never blocks: every send completes at once, whatever the slow subscriber does.
        pub.sendTimeout = .zero
        let clock = ContinuousClock()
        let started = clock.now
        var fastGot = 0
        for i in 0..<1000 {
            #expect(try pub.trySend(Message("m\(i)")))
            // The fast subscriber reads in lock-step.
            if let message = try fast.tryReceive(), message[0].string == "m\(i)" { fastGot += 1 }
        }
        #expect(clock.now - started < .seconds(20))
        #expect(fastGot == 1000)

        // The slow one got at most the pipe's HWM (inproc: PUB SNDHWM + SUB RCVHWM = 20), the oldest first.
        let slowGot = PubSub.firstStrings(try PubSub.drain(slow))
        #expect(!slowGot.isEmpty)
        #expect(slowGot.count <= 20)
        #expect(slowGot == (0..<slowGot.count).map { "m\($0)" })

        // Having drained, it receives new messages again.
        for i in 0..<10 { #expect(try pub.trySend(Message("again\(i)"))) }
        #expect(PubSub.firstStrings(try PubSub.drain(slow)) == (0..<10).map { "again\($0)" })
        #expect(PubSub.firstStrings(try PubSub.drain(fast)) == (0..<10).map { "again\($0)" })
    }

    @Test func subscriberConnectedToTwoPublishersHearsBoth() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub1 = try scope.socket(.pub)
        let pub2 = try scope.socket(.pub)
        let endpoint1 = uniqueEndpoint()
        let endpoint2 = uniqueEndpoint()
        try pub1.bind(endpoint1)
        try pub2.bind(endpoint2)
        let sub = try scope.socket(.sub)
        try sub.subscribe("T")  // before connecting: sent to every new pipe on attach
        try sub.connect(endpoint1)
        try sub.connect(endpoint2)
        #expect(try PubSub.awaitSubscription(publisher: pub1, subscriber: sub, probe: "T-sync1") != nil)
        #expect(try PubSub.awaitSubscription(publisher: pub2, subscriber: sub, probe: "T-sync2") != nil)
        _ = try PubSub.drain(sub)

        for i in 0..<5 {
            try pub1.send(Message("T1-\(i)"))
            try pub2.send(Message("T2-\(i)"))
            try pub1.send(Message("X1-\(i)"))
        }
        let got = PubSub.firstStrings(try PubSub.drain(sub))
        #expect(got.count == 10)
        // Fair-queued: each publisher's own order is kept.
        #expect(got.filter { $0.hasPrefix("T1") } == (0..<5).map { "T1-\($0)" })
        #expect(got.filter { $0.hasPrefix("T2") } == (0..<5).map { "T2-\($0)" })
    }

    @Test func pubWithNoDropRefusesAtHighWaterMark() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        pub.sendHighWaterMark = 2
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        let sub = try scope.socket(.sub)
        sub.receiveHighWaterMark = 2
        try sub.connect(endpoint)
        try sub.subscribe()
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: sub, probe: "sync") != nil)
        _ = try PubSub.drain(sub)

        pub.xpubNoDrop = true  // libzmq: XPUB_NODROP is valid on PUB too
        var accepted = 0
        for i in 0..<100 {
            guard try pub.trySend(Message("m\(i)")) else { break }
            accepted += 1
        }
        #expect(accepted >= 1 && accepted <= 4)  // inproc pipe HWM: 2 + 2
        #expect(try pub.trySend("refused") == false)
        #expect(PubSub.firstStrings(try PubSub.drain(sub)) == (0..<accepted).map { "m\($0)" })
        #expect(try pub.trySend("again"))
        #expect(try sub.receive().strings == ["again"])
    }

    /// §0: changing SNDHWM/RCVHWM after a connection exists updates the live pipes (libzmq
    /// `update_pipe_options`; over inproc the pipe's mark stays the sum of the PUB's SNDHWM and the SUB's RCVHWM).
    @Test func highWaterMarksChangedAfterConnectApplyToInprocPipes() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        let sub = try scope.socket(.sub)
        try sub.connect(endpoint)
        try sub.subscribe()
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: sub, probe: "sync") != nil)
        _ = try PubSub.drain(sub)

        pub.sendHighWaterMark = 5
        sub.receiveHighWaterMark = 5
        for i in 0..<100 { #expect(try pub.trySend(Message("m\(i)"))) }
        let got = try PubSub.drain(sub)
        #expect(got.count <= 10, "the subscriber got \(got.count) of 100 with SNDHWM 5 + RCVHWM 5")
    }

    // MARK: XPUB/XSUB

    @Test func xsubSubscriptionMessagesReachXpub() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let xsub = try scope.socket(.xsub)
        try xsub.connect(endpoint)
        let topic: [UInt8] = Array("weather".utf8)
        try xsub.send(Message(Frame([1] + topic)))

        let subscription = try xpub.receive()
        #expect(subscription.count == 1)
        #expect(subscription[0].bytes == [0x01] + topic)
        #expect(subscription.property("Socket-Type") == "XSUB")

        // The XPUB filters for the XSUB, which does not filter itself.
        try xpub.send("weather-today")
        try xpub.send("sports-today")
        #expect(try xsub.receive(timeout: .seconds(1)).strings == ["weather-today"])
        #expect(try xsub.tryReceive() == nil)

        // A cancel travels the same way.
        try xsub.send(Message(Frame([0] + topic)))
        let cancel = try xpub.receive()
        #expect(cancel[0].bytes == [0x00] + topic)
        try xpub.send("weather-tomorrow")
        #expect(try xsub.tryReceive() == nil)
    }

    @Test func subSubscribeReachesXpubAsSubscriptionMessage() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub = try scope.socket(.sub)
        try sub.connect(endpoint)
        try sub.subscribe("topic")
        let received = try xpub.receive()
        #expect(received == PubSub.notification(true, "topic"))
        #expect(received.property("Socket-Type") == "SUB")

        // The empty subscription is a single 0x01 byte.
        try sub.subscribe()
        #expect(try xpub.receive() == Message(Frame([0x01])))

        try xpub.send("topic-1")
        #expect(try sub.receive(timeout: .seconds(1)).strings == ["topic-1"])
    }

    @Test func xpubDeliversOnlyNewTopicsByDefault() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub1 = try scope.socket(.sub)
        try sub1.connect(endpoint)
        try sub1.subscribe("A")
        #expect(try xpub.receive() == PubSub.notification(true, "A"))

        let sub2 = try scope.socket(.sub)
        try sub2.connect(endpoint)
        try sub2.subscribe("A")  // not new: not delivered
        try sub2.subscribe("B")  // new; it travels behind "A" in the same pipe
        #expect(try xpub.receive() == PubSub.notification(true, "B"))
        #expect(try xpub.tryReceive() == nil)

        // Both subscribers of "A" get "A" messages all the same.
        try xpub.send("A-1")
        #expect(try sub1.receive(timeout: .seconds(1)).strings == ["A-1"])
        #expect(try sub2.receive(timeout: .seconds(1)).strings == ["A-1"])
    }

    @Test func xpubVerboseDeliversEverySubscribe() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        xpub.xpubVerbose = true
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub1 = try scope.socket(.sub)
        try sub1.connect(endpoint)
        try sub1.subscribe("A")
        #expect(try xpub.receive() == PubSub.notification(true, "A"))

        let sub2 = try scope.socket(.sub)
        try sub2.connect(endpoint)
        try sub2.subscribe("A")
        try sub2.subscribe("B")
        #expect(try xpub.receive() == PubSub.notification(true, "A"))
        #expect(try xpub.receive() == PubSub.notification(true, "B"))
        #expect(try xpub.tryReceive() == nil)
    }

    @Test func xpubReportsUnsubscribeOfLastSubscriber() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub1 = try scope.socket(.sub)
        let sub2 = try scope.socket(.sub)
        try sub1.connect(endpoint)
        try sub1.subscribe("A")
        #expect(try xpub.receive() == PubSub.notification(true, "A"))
        try sub2.connect(endpoint)
        try sub2.subscribe("A")
        try sub2.subscribe("M2")  // a marker behind sub2's "A"
        #expect(try xpub.receive() == PubSub.notification(true, "M2"))

        // sub1 leaves "A": sub2 is still subscribed, so nothing is delivered; the marker proves it was processed.
        try sub1.unsubscribe("A")
        try sub1.subscribe("M1")
        #expect(try xpub.receive() == PubSub.notification(true, "M1"))

        // sub2 leaves "A": it was the last subscriber.
        try sub2.unsubscribe("A")
        #expect(try xpub.receive() == PubSub.notification(false, "A"))
        #expect(try xpub.tryReceive() == nil)
    }

    @Test func xpubVerboserDeliversEverySubscribeAndUnsubscribe() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        xpub.xpubVerboser = true
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub1 = try scope.socket(.sub)
        let sub2 = try scope.socket(.sub)
        try sub1.connect(endpoint)
        try sub1.subscribe("A")
        try sub1.subscribe("B")
        #expect(try xpub.receive() == PubSub.notification(true, "A"))
        #expect(try xpub.receive() == PubSub.notification(true, "B"))
        try sub2.connect(endpoint)
        try sub2.subscribe("A")
        #expect(try xpub.receive() == PubSub.notification(true, "A"))

        // Not the last subscriber of "A", delivered all the same.
        try sub1.unsubscribe("A")
        #expect(try xpub.receive() == PubSub.notification(false, "A"))
        // Departing subscribers: each of their topics.
        sub2.close()
        #expect(try xpub.receive() == PubSub.notification(false, "A"))
        sub1.close()
        #expect(try xpub.receive() == PubSub.notification(false, "B"))
        #expect(try xpub.tryReceive() == nil)
    }

    @Test func subSendsCancelUpstreamOnlyWhenItsCountReachesZero() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        xpub.xpubVerbose = true
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub = try scope.socket(.sub)
        try sub.connect(endpoint)
        try sub.subscribe("sync")
        #expect(try xpub.receive() == PubSub.notification(true, "sync"))

        // Duplicates are forwarded (the XPUB dedups, unless verbose).
        try sub.subscribe("A")
        try sub.subscribe("A")
        #expect(try xpub.receive() == PubSub.notification(true, "A"))
        #expect(try xpub.receive() == PubSub.notification(true, "A"))

        try sub.unsubscribe("A")  // count 1: nothing goes upstream
        try sub.subscribe("M")
        #expect(try xpub.receive() == PubSub.notification(true, "M"))
        try sub.unsubscribe("A")  // count 0: the cancel goes upstream, once
        #expect(try xpub.receive() == PubSub.notification(false, "A"))
        #expect(try xpub.tryReceive() == nil)
    }

    @Test func closingSubscriberMakesXpubReportItsTopics() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub1 = try scope.socket(.sub)
        try sub1.connect(endpoint)
        try sub1.subscribe("A")
        try sub1.subscribe("B")
        #expect(try xpub.receive() == PubSub.notification(true, "A"))
        #expect(try xpub.receive() == PubSub.notification(true, "B"))
        let sub2 = try scope.socket(.sub)
        try sub2.connect(endpoint)
        try sub2.subscribe("B")
        try sub2.subscribe("C")
        #expect(try xpub.receive() == PubSub.notification(true, "C"))

        // sub1 goes: "A" has no subscriber left, "B" still has sub2.
        sub1.close()
        #expect(try xpub.receive() == PubSub.notification(false, "A"))
        #expect(try xpub.tryReceive() == nil)

        // sub2 goes: "B" and "C" (in any order).
        sub2.close()
        let first = try xpub.receive()
        let second = try xpub.receive()
        #expect(Set([first, second].map { $0[0].bytes }) == [[0x00] + Array("B".utf8), [0x00] + Array("C".utf8)])
        #expect(try xpub.tryReceive() == nil)
    }

    @Test func xsubUserMessagesReachXpubApplication() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let xsub = try scope.socket(.xsub)
        try xsub.connect(endpoint)
        // A subscription is cached and re-sent on attach, so it always arrives: use it to know the pipe is up.
        try xsub.send(PubSub.notification(true, "sync"))
        #expect(try xpub.receive() == PubSub.notification(true, "sync"))

        try xsub.send("hello")
        try xsub.send(Message(["multi", "part", "message"]))
        try xsub.send(Message(Frame()))  // an empty frame is a user message
        try xsub.send(Message(Frame([0x02, 0x41])))
        let hello = try xpub.receive()
        #expect(hello.strings == ["hello"])
        #expect(hello.property("Socket-Type") == "XSUB")
        #expect(try xpub.receive().strings == ["multi", "part", "message"])
        let empty = try xpub.receive()
        #expect(empty.count == 1 && empty[0].isEmpty)
        #expect(try xpub.receive()[0].bytes == [0x02, 0x41])
        #expect(try xpub.tryReceive() == nil)
    }

    /// libzmq's inproc `connect` attaches the connecting socket's pipe before it returns when the peer is bound,
    /// so a user message sent at once by an XSUB (which drops only when it has no pipe) reaches the XPUB.
    @Test func xsubUserMessageRightAfterConnectReachesXpub() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        var lost: [Int] = []
        for i in 0..<100 {
            let xsub = try scope.socket(.xsub)
            try xsub.connect(endpoint)
            try xsub.send(Message("hello-\(i)"))
            if let message = try? xpub.receive(timeout: .milliseconds(50)) {
                #expect(message.strings == ["hello-\(i)"])
            } else {
                lost.append(i)
            }
            xsub.close()
        }
        #expect(lost.isEmpty, "user messages lost right after connect: \(lost.count) of 100")
    }

    @Test func xpubManualAppliesSubscriptionsOnlyOnRequest() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        xpub.xpubManual = true
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub = try scope.socket(.sub)
        try sub.connect(endpoint)
        try sub.subscribe()  // the SUB accepts everything locally
        #expect(try xpub.receive() == Message(Frame([0x01])))

        // Not applied yet: nothing is sent to the subscriber.
        try xpub.send("A-1")
        #expect(try sub.tryReceive() == nil)

        // The XPUB decides what the last subscriber really gets: "A" only.
        try xpub.subscribe("A")
        try xpub.send("A-2")
        try xpub.send("B-2")
        #expect(PubSub.firstStrings(try PubSub.drain(sub)) == ["A-2"])

        try xpub.unsubscribe("A")
        try xpub.send("A-3")
        #expect(try sub.tryReceive() == nil)

        // In manual mode every subscription is delivered, duplicates included.
        try sub.subscribe()
        #expect(try xpub.receive() == Message(Frame([0x01])))
    }

    /// libzmq (xpub.cpp `xrecv`): with XPUB_MANUAL, `subscribe` applies to the pipe of the subscription the
    /// application received last, not to the pipe the socket read last.
    @Test func xpubManualSubscribeAppliesToPipeOfLastReceivedSubscription() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        xpub.xpubManual = true
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub1 = try scope.socket(.sub)
        let sub2 = try scope.socket(.sub)
        // Bring each pipe up (both ends attached, the XPUB's side read dry).
        try sub1.connect(endpoint)
        try sub1.subscribe("warm1")
        #expect(try xpub.receive() == PubSub.notification(true, "warm1"))
        try sub2.connect(endpoint)
        try sub2.subscribe("warm2")
        #expect(try xpub.receive() == PubSub.notification(true, "warm2"))

        // Both subscriptions are queued at the XPUB before the application reads the first one.
        try sub1.subscribe("A")
        try sub2.subscribe("B")
        #expect(try xpub.receive() == PubSub.notification(true, "A"))
        try xpub.subscribe("A")  // for sub1, whose subscription was just received
        try xpub.send("A-data")
        #expect(try sub1.receive(timeout: .milliseconds(500)).strings == ["A-data"])

        #expect(try xpub.receive() == PubSub.notification(true, "B"))
        try xpub.subscribe("B")  // for sub2
        try xpub.send("B-data")
        #expect(try sub2.receive(timeout: .milliseconds(500)).strings == ["B-data"])
    }

    /// libzmq (xpub.cpp `xpipe_terminated`): with XPUB_MANUAL, a departing subscriber's subscriptions are
    /// reported as `0x00`+topic from the manual-subscription record.
    @Test func xpubManualReportsTopicsOfDepartingSubscriber() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        xpub.xpubManual = true
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub = try scope.socket(.sub)
        try sub.connect(endpoint)
        try sub.subscribe("A")
        #expect(try xpub.receive() == PubSub.notification(true, "A"))
        try xpub.subscribe("A")
        sub.close()
        #expect(try xpub.receive(timeout: .seconds(1)) == PubSub.notification(false, "A"))
    }

    @Test func xpubWelcomeMessageReachesNewSubscriber() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        xpub.xpubWelcomeMessage = Message("WELCOME")
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub = try scope.socket(.sub)
        try sub.subscribe("WELCOME")
        try sub.connect(endpoint)
        #expect(try xpub.receive() == PubSub.notification(true, "WELCOME"))
        #expect(try sub.receive().strings == ["WELCOME"])

        // A SUB that did not subscribe to the welcome message filters it out.
        let other = try scope.socket(.sub)
        try other.subscribe("news")
        try other.connect(endpoint)
        #expect(try xpub.receive() == PubSub.notification(true, "news"))
        try xpub.send("news-1")
        #expect(try other.receive().strings == ["news-1"])
        #expect(try other.tryReceive() == nil)
    }

    @Test func xpubNoDropRefusesAtHighWaterMarkInsteadOfDropping() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        xpub.xpubNoDrop = true
        xpub.sendHighWaterMark = 1
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub = try scope.socket(.sub)
        sub.receiveHighWaterMark = 1
        try sub.connect(endpoint)
        try sub.subscribe()
        #expect(try xpub.receive() == Message(Frame([0x01])))

        var accepted = 0
        for i in 0..<100 {
            guard try xpub.trySend(Message("m\(i)")) else { break }
            accepted += 1
        }
        // inproc: one pipe whose HWM is SNDHWM + RCVHWM = 2.
        #expect(accepted == 2)
        #expect(try xpub.trySend("refused") == false)
        let error = #expect(throws: VTXError.self) { try xpub.send(Message("late"), timeout: .milliseconds(50)) }
        #expect(error?.code == .timedOut)

        // Nothing was dropped: the subscriber gets exactly what was accepted, then the XPUB may send again.
        #expect(try sub.receive().strings == ["m0"])
        #expect(try xpub.trySend("m2"))
        #expect(try sub.receive().strings == ["m1"])
        #expect(try sub.receive().strings == ["m2"])
        #expect(try sub.tryReceive() == nil)
    }

    @Test func xpubWithoutNoDropDropsAtHighWaterMark() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        xpub.sendHighWaterMark = 1
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let sub = try scope.socket(.sub)
        sub.receiveHighWaterMark = 1
        try sub.connect(endpoint)
        try sub.subscribe()
        #expect(try xpub.receive() == Message(Frame([0x01])))
        for i in 0..<50 { #expect(try xpub.trySend(Message("m\(i)"))) }
        #expect(PubSub.firstStrings(try PubSub.drain(sub)) == ["m0", "m1"])
    }

    // MARK: Errors

    @Test func receiveOnPubThrowsNotSupported() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        let error = #expect(throws: VTXError.self) { try pub.receive() }
        #expect(error?.code == .notSupported)
        let tryError = #expect(throws: VTXError.self) { try pub.tryReceive() }
        #expect(tryError?.code == .notSupported)
        #expect(!pub.isReadable)
        #expect(pub.isWritable)
    }

    @Test func sendOnSubThrowsNotSupported() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let sub = try scope.socket(.sub)
        let error = #expect(throws: VTXError.self) { try sub.send("nope") }
        #expect(error?.code == .notSupported)
        let tryError = #expect(throws: VTXError.self) { try sub.trySend("nope") }
        #expect(tryError?.code == .notSupported)
        #expect(!sub.isWritable)
    }

    @Test func subscribeOnPushThrowsNotSupported() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let push = try scope.socket(.push)
        let error = #expect(throws: VTXError.self) { try push.subscribe("topic") }
        #expect(error?.code == .notSupported)
        let unsubscribeError = #expect(throws: VTXError.self) { try push.unsubscribe("topic") }
        #expect(unsubscribeError?.code == .notSupported)
        let pub = try scope.socket(.pub)
        let pubError = #expect(throws: VTXError.self) { try pub.subscribe("topic") }
        #expect(pubError?.code == .notSupported)
    }

    // MARK: Inverted matching

    @Test func invertMatchingOnPubAndSub() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        pub.invertMatching = true
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        let sub = try scope.socket(.sub)
        sub.invertMatching = true
        try sub.connect(endpoint)
        try sub.subscribe("A")
        #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: sub, probe: "B-sync") != nil)
        _ = try PubSub.drain(sub)

        for text in ["A1", "B1", "AB", "C1", "", "a1"] { try pub.send(Message(text)) }
        #expect(PubSub.firstStrings(try PubSub.drain(sub)) == ["B1", "C1", "", "a1"])
    }

    @Test func invertMatchingOnPubFiltersAtThePublisher() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let pub = try scope.socket(.pub)
        pub.invertMatching = true
        let endpoint = uniqueEndpoint()
        try pub.bind(endpoint)
        // An XSUB does not filter, so what it receives is what the PUB chose to send.
        let xsub = try scope.socket(.xsub)
        try xsub.connect(endpoint)
        try xsub.send(PubSub.notification(true, "A"))

        // Until the PUB applies the subscription it sends everything (no pipe matches); afterwards only what does
        // not start with "A". Publish pairs until a round comes through without its "A".
        var applied = false
        for round in 0..<500 where !applied {
            try pub.send(Message("A-\(round)"))
            try pub.send(Message("B-\(round)"))
            // Wait a little for the first message (the driver thread may still be attaching the pipe).
            guard let first = try? xsub.receive(timeout: .milliseconds(10)) else { continue }
            let got = PubSub.firstStrings([first] + (try PubSub.drain(xsub)))
            if got == ["B-\(round)"] { applied = true }
        }
        #expect(applied)
        for text in ["A1", "B1", "AB", "C1"] { try pub.send(Message(text)) }
        #expect(PubSub.firstStrings(try PubSub.drain(xsub)) == ["B1", "C1"])
    }

    @Test func invertMatchingOnXpub() throws {
        let scope = SocketScope()
        defer { scope.close() }
        let xpub = try scope.socket(.xpub)
        xpub.invertMatching = true
        let endpoint = uniqueEndpoint()
        try xpub.bind(endpoint)
        let xsub = try scope.socket(.xsub)
        try xsub.connect(endpoint)
        try xsub.send(PubSub.notification(true, "A"))
        #expect(try xpub.receive() == PubSub.notification(true, "A"))
        for text in ["A1", "B1", "AB", "C1"] { try xpub.send(Message(text)) }
        #expect(PubSub.firstStrings(try PubSub.drain(xsub)) == ["B1", "C1"])
    }

    // MARK: Life cycle

    /// A socket freed without `close()` is closed by its `deinit`. For PUB/XPUB that must not crash: libzmq has no
    /// such path, but VTX documents `deinit` as closing the socket.
    @Test func droppingAPublisherWithoutCloseDoesNotCrash() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let endpoint = uniqueEndpoint()
        do {
            let xpub = try makeSocket(vtx, .xpub)
            try xpub.bind(endpoint)
            let sub = try makeSocket(vtx, .sub)
            try sub.connect(endpoint)
            try sub.subscribe("A")
            #expect(try xpub.receive() == PubSub.notification(true, "A"))
            sub.close()
            // `xpub` is released here without `close()`.
        }
        do {
            // A PUB with a live subscriber, both released without `close()`.
            let other = uniqueEndpoint()
            let pub = try makeSocket(vtx, .pub)
            try pub.bind(other)
            let sub = try makeSocket(vtx, .sub)
            try sub.connect(other)
            try sub.subscribe()
            #expect(try PubSub.awaitSubscription(publisher: pub, subscriber: sub, probe: "sync") != nil)
        }
    }
}
