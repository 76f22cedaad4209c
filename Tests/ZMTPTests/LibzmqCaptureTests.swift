import NIOCore
import Testing
import VTXCore
import ZMTP

/// Interop without a network: bytes that real libzmq sent (captured by `LibzmqProbe`'s script over loopback) go
/// through the greeting decoder, the NULL handshake and the frame decoder.
@Suite("libzmq captures", .timeLimit(.minutes(1)))
struct LibzmqCaptureTests {
    struct Decoded {
        var greeting: Greeting
        var peer: PeerProperties
        var items: [ZMTPItem]
    }

    /// Decodes a capture the way an engine will: greeting, NULL handshake as `local`, then everything after it.
    /// Also checks that the frames decode the same in any split.
    static func decode(_ capture: [UInt8], local: SocketType) throws -> Decoded {
        var input = buffer(capture)
        var greetingDecoder = GreetingDecoder(expecting: .null)
        let greeting = try #require(try greetingDecoder.decode(&input))
        try DecoderVerifier.verify(bytes(of: input))

        var mechanism = NullMechanism(socketType: local)
        _ = try mechanism.start().commands
        var decoder = FrameDecoder(acceptsDataFrames: false)
        var items: [ZMTPItem] = []
        while let item = try decoder.next(&input) {
            if mechanism.isComplete {
                items.append(item)
            } else {
                #expect(try mechanism.process(item).commands.isEmpty)
                decoder.acceptsDataFrames = mechanism.isComplete
            }
        }
        let peer = try #require(mechanism.peer)
        return Decoded(greeting: greeting, peer: peer, items: items)
    }

    /// A libzmq DEALER with routing id "abc": its padding holds id length + 1 (`00…04`), it announces 3.1, its
    /// READY carries Identity "abc", and its messages arrive whole, the 256- and 3000-byte frames in long form.
    static func checkDealer(_ capture: [UInt8]) throws {
        #expect(Array(capture.prefix(10)) == hex("ff 00 00 00 00 00 00 00 04 7f"))
        let decoded = try decode(capture, local: .router)
        #expect(decoded.greeting.majorVersion == 3 && decoded.greeting.minorVersion == 1)
        #expect(decoded.peer.socketType == .dealer)
        #expect(decoded.peer.routingId == "abc")
        let big = Frame((0..<3000).map { UInt8($0 % 251) })
        let expected: [ZMTPItem] = [
            .message([Frame(), "Hello"]),
            .message(Message(Frame())),
            .message(Message(Frame(ascii(String(repeating: "x", count: 255))))),
            .message(Message(Frame(ascii(String(repeating: "y", count: 256))))),
            .message(Message(big)),
        ]
        #expect(decoded.items == expected)
    }

    /// A libzmq SUB facing a 3.1 PUB sends SUBSCRIBE/CANCEL commands; libzmq 4.3.4 sends the 250-byte topic with
    /// an 8-byte size but no LONG flag (libzmq #4367), which must still decode.
    static func checkSub31(_ capture: [UInt8], libzmq: String) throws {
        let decoded = try decode(capture, local: .pub)
        #expect(decoded.peer.socketType == .sub)
        let long = Frame(ascii(String(repeating: "t", count: 250)))
        var subscribed: Set<Frame> = []
        var cancelled: [Frame] = []
        for item in decoded.items {
            guard case .command(let command) = item, let subscription = Subscription(command: command) else {
                Issue.record("unexpected \(item)")
                continue
            }
            if subscription.isSubscribe { subscribed.insert(subscription.topic) } else { cancelled.append(subscription.topic) }
            #expect(SubscriptionEncoding.message(for: command) == subscription.message)
        }
        #expect(subscribed == [Frame(), "A", long])
        #expect(cancelled == ["A"])
        if libzmq == "4.3.4" {
            let buggyHeader = hex("04 00 00 00 00 00 00 01 04 09") + ascii("SUBSCRIBE")
            #expect(capture.indices.contains { Array(capture[$0...].prefix(buggyHeader.count)) == buggyHeader })
        }
    }

    /// A libzmq SUB facing a 3.0 PUB sends subscriptions as data frames, already in VTX's internal form.
    static func checkSub30(_ capture: [UInt8]) throws {
        let decoded = try decode(capture, local: .xpub)
        var messages: [Message] = []
        for item in decoded.items {
            guard case .message(let message) = item else {
                Issue.record("unexpected \(item)")
                continue
            }
            messages.append(message)
        }
        #expect(Set(messages.prefix(2).map { $0[0] }) == [Frame([0x01]), Frame([0x01] + ascii("A"))])
        #expect(messages.last == Message(Frame([0x00] + ascii("A"))))
        #expect(messages.compactMap { Subscription(message: $0) }.count == 3)
    }

    /// A libzmq DEALER with a 100 ms heartbeat and 500 ms TTL sends `PING` with TTL 5 and no context.
    static func checkPing(_ capture: [UInt8]) throws {
        let decoded = try decode(capture, local: .router)
        #expect(!decoded.items.isEmpty)
        for item in decoded.items {
            #expect(item == .command(.ping(ttl: 5, context: Frame())))
            #expect(Command.ping(ttl: 5, context: Frame()).pingTimeToLive == .milliseconds(500))
        }
        #expect(encoded(Command.pong(answering: Frame())) == hex("04 05 04") + ascii("PONG"))
    }

    @Test func dealer() throws { try Self.checkDealer(LibzmqCaptures.dealer) }
    @Test func subscriberFacingZMTP31() throws { try Self.checkSub31(LibzmqCaptures.sub31, libzmq: LibzmqCaptures.libzmqVersion) }
    @Test func subscriberFacingZMTP30() throws { try Self.checkSub30(LibzmqCaptures.sub30) }
    @Test func heartbeat() throws { try Self.checkPing(LibzmqCaptures.ping) }

    /// The same checks against a fresh capture, when pyzmq is installed (`pip install pyzmq==25.1.2`).
    @Test(.enabled(if: LibzmqProbe.isAvailable, "needs python3 with pyzmq"))
    func liveCapture() throws {
        let captures = try LibzmqProbe.capture()
        let version = String(decoding: captures["libzmq"] ?? [], as: UTF8.self)
        try Self.checkDealer(try #require(captures["dealer"]))
        try Self.checkSub31(try #require(captures["sub31"]), libzmq: version)
        try Self.checkSub30(try #require(captures["sub30"]))
        try Self.checkPing(try #require(captures["ping"]))
    }

    /// The handshake bytes a mechanism's side sends first: greeting and READY.
    static func handshake(_ mechanism: inout NullMechanism) throws -> [UInt8] {
        var out = ByteBuffer()
        mechanism.greeting.write(to: &out)
        for command in try mechanism.start().commands { command.write(to: &out) }
        return bytes(of: out)
    }

    /// The other direction: a libzmq 4.3 ROUTER reads what our encoder writes for a DEALER with routing id "vtx"
    /// (short and long frames, multipart, empty frames), once we have waited for its READY.
    @Test(.enabled(if: LibzmqProbe.isAvailable, "needs python3 with pyzmq"))
    func libzmqRouterReadsOurFrames() throws {
        var mechanism = NullMechanism(socketType: .dealer, routingId: "vtx")
        let messages: [Message] = [
            [Frame(), "Hello"],
            Message(Frame()),
            Message(patternFrame(255)),
            Message(patternFrame(256)),
            [patternFrame(20_000), "tail"],
        ]
        var data = ByteBuffer()
        for message in messages { FrameEncoder.encode(message, into: &data) }
        let received = try LibzmqProbe.deliver(
            kind: "ROUTER", handshake: try Self.handshake(&mechanism), data: bytes(of: data), expect: messages.count)
        #expect(received == messages.map { [ascii("vtx")] + $0.map(\.bytes) })
    }

    /// A libzmq XPUB reads our SUB's SUBSCRIBE/CANCEL commands (short and long form) and hands them to its
    /// application as `0x01`/`0x00` messages, as it did for libzmq's own SUB in zmtp-probe P3.
    @Test(.enabled(if: LibzmqProbe.isAvailable, "needs python3 with pyzmq"))
    func libzmqXpubReadsOurSubscriptions() throws {
        var mechanism = NullMechanism(socketType: .sub)
        let encoding = SubscriptionEncoding(localType: .sub, peerGreeting: Greeting(mechanism: .null))
        let long = Frame(ascii(String(repeating: "t", count: 250)))
        let subscriptions = [
            Subscription(isSubscribe: true, topic: "A"),
            Subscription(isSubscribe: true, topic: Frame()),
            Subscription(isSubscribe: true, topic: long),
            Subscription(isSubscribe: false, topic: "A"),
        ]
        var data = ByteBuffer()
        for subscription in subscriptions { encoding.encode(subscription.message, into: &data) }
        #expect(bytes(of: data).prefix(13) == ArraySlice(hex("04 0b 09") + ascii("SUBSCRIBE") + ascii("A")))
        let received = try LibzmqProbe.deliver(
            kind: "XPUB", handshake: try Self.handshake(&mechanism), data: bytes(of: data), expect: subscriptions.count)
        #expect(received == subscriptions.map { [$0.message[0].bytes] })
    }
}
