import NIOCore
import Testing
import VTXCore
import ZMTP

// Pure computation, no waits: the time limit only catches a hang. Its time follows the machine's load and
// ThreadSanitizer's slowdown (concatenatedVectors: 43 s under ThreadSanitizer beside two CPU hogs), hence 3 minutes.
@Suite("Frame decoder", .timeLimit(.minutes(3)))
struct FrameDecoderTests {
    /// Inputs with the items they must decode to, shared by the verifier tests.
    static let vectors: [(name: String, input: [UInt8], items: [ZMTPItem])] = {
        var vectors: [(name: String, input: [UInt8], items: [ZMTPItem])] = []
        vectors.append(("hello", hex("00 05") + ascii("Hello"), [.message("Hello")]))
        vectors.append(("empty frame", hex("00 00"), [.message(Message(Frame()))]))
        let multipart: Message = ["id", Frame(), patternFrame(255), patternFrame(256), patternFrame(33)]
        vectors.append(("multipart", encoded(multipart), [.message(multipart)]))
        let ready = Command.ready([("Socket-Type", "DEALER"), ("Identity", "abc")])
        vectors.append(("READY", encoded(ready), [.command(ready)]))
        // A PING between the frames of a multipart message stays out of band (reference/zmtp-security.md §2).
        let ping = Command.ping(ttl: 10, context: "ctx")
        vectors.append((
            "PING inside a multipart message",
            hex("01 01") + ascii("a") + encoded(ping) + hex("00 01") + ascii("b"),
            [.command(ping), .message(["a", "b"])]
        ))
        // libzmq accepts long-encoded small frames (zmtp-probe P8 "long-encoded 3-byte frame").
        vectors.append(("long-encoded small frame", hex("02 00 00 00 00 00 00 00 03") + ascii("abc"), [.message("abc")]))
        // libzmq 4.3.4 sends SUBSCRIBE with a 246–255-byte topic as flags 04 with an 8-byte size (libzmq #4367,
        // reference/zmtp-security.md §2): `04 00 00 00 00 00 00 01 04 09 'SUBSCRIBE' …` for 250 bytes.
        let topic = patternFrame(250)
        vectors.append((
            "libzmq 4.3.4 SUBSCRIBE without LONG",
            hex("04 00 00 00 00 00 00 01 04 09") + ascii("SUBSCRIBE") + topic.bytes,
            [.command(.subscribe(topic: topic))]
        ))
        let big = patternFrame(70_000, seed: 7)
        vectors.append(("70000-byte frame", encoded(Message(big)), [.message(Message(big))]))
        vectors.append((
            "commands and messages",
            encoded(Command.subscribe(topic: "")) + encoded(Message("x")) + encoded(Command.pong(context: "p"))
                + encoded(["1", "2", "3"]),
            [.command(.subscribe(topic: "")), .message("x"), .command(.pong(context: "p")), .message(["1", "2", "3"])]
        ))
        return vectors
    }()

    @Test(arguments: FrameDecoderTests.vectors.indices)
    func verifier(index: Int) throws {
        let vector = Self.vectors[index]
        try DecoderVerifier.verify(vector.input, expected: vector.items)
    }

    /// (d): all vectors concatenated, many times, decode to the concatenated results in every split.
    @Test func concatenatedVectors() throws {
        var input: [UInt8] = []
        var expected: [ZMTPItem] = []
        for round in 0..<20 {
            for vector in Self.vectors where round % 5 == 0 || vector.input.count < 1000 {
                input += vector.input
                expected += vector.items
            }
        }
        try DecoderVerifier.verify(input, expected: expected)
    }

    @Test func decodesManyItemsFromOneBuffer() throws {
        var input = ByteBuffer()
        for index in 0..<1000 { FrameEncoder.encode(Message(Frame("m\(index)")), into: &input) }
        var decoder = FrameDecoder()
        let items = try decoder.decodeAll(&input)
        #expect(items.count == 1000)
        #expect(items.last == .message("m999"))
        #expect(input.readableBytes == 0)
    }

    @Test func attachesMetadata() throws {
        var decoder = FrameDecoder()
        let metadata = MessageMetadata([(name: "Socket-Type", value: "DEALER")])
        decoder.metadata = metadata
        var input = buffer(encoded(Message("x")))
        guard case .message(let message) = try decoder.next(&input) else {
            Issue.record("no message")
            return
        }
        #expect(message.metadata === metadata)
    }

    /// The fast path, as the engine drives it: runs of short single-frame messages through
    /// `decodeShortMessages`, everything else through `next`. Over the concatenated vectors and a mix of short,
    /// multipart and long messages, fed in chunks of several sizes, with a sink that refuses every seventh message
    /// (the refused one is kept, as the engine keeps a stalled one), the items are exactly those `next` alone
    /// decodes, in order, and the short ones carry the decoder's metadata.
    @Test(arguments: [1, 2, 3, 7, 64, 4096, 1 << 20])
    func shortMessageFastPathMatchesTheStateMachine(chunk: Int) throws {
        var input: [UInt8] = []
        var expected: [ZMTPItem] = []
        for vector in Self.vectors where vector.input.count < 1000 {
            input += vector.input
            expected += vector.items
        }
        for index in 0..<300 {
            let message: Message = switch index % 5 {
            case 0, 1: Message(patternFrame(index % 40, seed: UInt8(index % 251)))
            case 2: Message(patternFrame(200 + index % 56))
            case 3: ["a", Frame("\(index)")]
            default: Message(patternFrame(1500))
            }
            input += encoded(message)
            expected.append(.message(message))
        }
        let metadata = MessageMetadata([(name: "Socket-Type", value: "PUSH")])
        var decoder = FrameDecoder(sharingThreshold: 1024)
        decoder.metadata = metadata
        var items: [ZMTPItem] = []
        var fastCount = 0
        var offered = 0
        var start = 0
        while start < input.count {
            var buffer = buffer(Array(input[start..<min(start + chunk, input.count)]))
            start += chunk
            while true {
                fastCount += decoder.decodeShortMessages(from: &buffer) { message in
                    #expect(message.metadata === metadata)
                    items.append(.message(message))
                    offered += 1
                    return offered % 7 != 0
                }
                guard let item = try decoder.next(&buffer) else { break }
                items.append(item)
            }
            #expect(buffer.readableBytes == 0)
        }
        #expect(items == expected)
        #expect(!decoder.hasPartialInput)
        if chunk >= 4096 { #expect(fastCount > 150, "the fast path should take most short messages") }
    }

    /// The fast path fills one message value for a whole run of messages; a `deliver` that keeps a copy instead
    /// of moving the message out still gets each message with its one frame, not the frames of those before it.
    @Test func shortMessageFastPathGivesEachMessageItsOwnFrame() {
        var decoder = FrameDecoder()
        let bodies = ["a", "bb", "", "dddd"]
        var input = buffer(bodies.flatMap { encoded(Message(Frame($0))) })
        var copied: [Message] = []
        #expect(decoder.decodeShortMessages(from: &input) { copied.append($0); return true } == 4)
        #expect(copied == bodies.map { Message(Frame($0)) })

        var moving = FrameDecoder()
        var again = buffer(bodies.flatMap { encoded(Message(Frame($0))) })
        var moved: [Message] = []
        #expect(moving.decodeShortMessages(from: &again) { message in
            moved.append(message)
            message = Message()
            return true
        } == 4)
        #expect(moved == bodies.map { Message(Frame($0)) })
    }

    /// The fast path leaves alone what it must not take: frames at or above `maxMessageSize` (for `next` to
    /// refuse), and anything while a multipart message is half decoded or after an error.
    @Test func shortMessageFastPathStopsWhereTheStateMachineMust() throws {
        var decoder = FrameDecoder(maxMessageSize: 10)
        var input = buffer(encoded(Message("short")) + encoded(Message(patternFrame(11))))
        var taken: [Message] = []
        #expect(decoder.decodeShortMessages(from: &input) { taken.append($0); return true } == 1)
        #expect(taken == [Message("short")])
        #expect(input.readableBytes == 13)
        expectZMTPError(.messageTooLarge) { _ = try decoder.next(&input) }
        var more = buffer(encoded(Message("x")))
        #expect(decoder.decodeShortMessages(from: &more) { _ in true } == 0, "nothing after an error")

        var partial = FrameDecoder()
        var first = buffer(hex("01 01") + ascii("a"))
        #expect(try partial.next(&first) == nil)
        var rest = buffer(hex("00 01") + ascii("b"))
        #expect(partial.decodeShortMessages(from: &rest) { _ in true } == 0, "not in the middle of a message")
        #expect(try partial.next(&rest) == .message(["a", "b"]))

        var handshaking = FrameDecoder(acceptsDataFrames: false)
        var early = buffer(encoded(Message("x")))
        #expect(handshaking.decodeShortMessages(from: &early) { _ in true } == 0, "no data before the handshake")
    }

    /// Frames at or above the sharing threshold share the input buffer; smaller ones are copied.
    @Test func largeWholeFramesShareTheInputBuffer() throws {
        let body = patternFrame(4096)
        var input = buffer(encoded(Message(body)))
        let inputStart = input.withUnsafeReadableBytes { $0.baseAddress! + 9 }
        var decoder = FrameDecoder(sharingThreshold: 1024)
        guard case .message(let message) = try decoder.next(&input) else {
            Issue.record("no message")
            return
        }
        #expect(message[0] == body)
        let sharedStart = message[0].withUnsafeBytes { $0.baseAddress }
        #expect(sharedStart == inputStart, "the frame should point into the input buffer")
    }

    // MARK: - Bad input

    /// The header alone throws: nothing of the body has arrived and nothing is reserved for it.
    @Test func frameLongerThanMaxMessageSizeThrowsOnTheHeader() {
        var decoder = FrameDecoder(maxMessageSize: 1000)
        var header = buffer(hex("02 00 00 00 00 00 10 00 00"))
        let error = expectZMTPError(.messageTooLarge) { _ = try decoder.next(&header) }
        #expect(error?.vtxError.code == .messageTooLarge)
        var shortHeader = buffer(hex("00 ff"))
        var small = FrameDecoder(maxMessageSize: 100)
        expectZMTPError(.messageTooLarge) { _ = try small.next(&shortHeader) }
    }

    /// The limit covers a whole multipart message (libzmq checks each frame alone, which lets a peer grow a
    /// message without bound through MORE frames); it is checked on each header, before the body arrives.
    @Test func maxMessageSizeAppliesToWholeMessages() throws {
        let message: Message = [patternFrame(100), patternFrame(100), patternFrame(100)]
        var input = buffer(encoded(message))
        var decoder = FrameDecoder(maxMessageSize: 300)
        #expect(try decoder.decodeAll(&input) == [.message(message)])
        // The count starts again with each message.
        var again = buffer(encoded(message))
        #expect(try decoder.decodeAll(&again) == [.message(message)])
        var tooBig = buffer(encoded(message))
        var strict = FrameDecoder(maxMessageSize: 250)
        let error = expectZMTPError(.messageTooLarge) { _ = try strict.decodeAll(&tooBig) }
        #expect(error?.message.contains("multipart") == true)
        var single = buffer(encoded(Message(patternFrame(101))))
        var small = FrameDecoder(maxMessageSize: 100)
        expectZMTPError(.messageTooLarge) { _ = try small.decodeAll(&single) }
    }

    /// Without a limit a large announced size must not allocate it: the body is gathered as it arrives.
    @Test func largeAnnouncedSizeWithoutLimitDoesNotAllocate() throws {
        var decoder = FrameDecoder()
        var input = buffer(hex("02 00 00 00 00 40 00 00 00") + ascii("only a few bytes"))
        #expect(try decoder.next(&input) == nil)
        #expect(decoder.hasPartialInput)
    }

    /// libzmq ignores reserved bits (zmtp-probe P8: flags F0 was delivered); we refuse them: libzmq never sets them.
    @Test func reservedFlagBits() {
        var decoder = FrameDecoder()
        var input = buffer(hex("f0 03") + ascii("xyz"))
        expectZMTPError(.invalidFrame) { _ = try decoder.next(&input) }
        var eight = buffer(hex("08 00"))
        var other = FrameDecoder()
        expectZMTPError(.invalidFrame) { _ = try other.next(&eight) }
    }

    @Test func commandWithMore() {
        var decoder = FrameDecoder()
        var input = buffer(hex("05 05 04") + ascii("PONG"))
        expectZMTPError(.invalidFrame) { _ = try decoder.next(&input) }
    }

    @Test func sizeWithTopBitSet() {
        var decoder = FrameDecoder()
        var input = buffer(hex("02 80 00 00 00 00 00 00 00"))
        expectZMTPError(.invalidFrame) { _ = try decoder.next(&input) }
        var maxed = buffer(hex("02 ff ff ff ff ff ff ff ff"))
        var other = FrameDecoder()
        expectZMTPError(.invalidFrame) { _ = try other.next(&maxed) }
    }

    @Test func dataFrameWhileDataIsRefused() {
        var decoder = FrameDecoder(acceptsDataFrames: false)
        var input = buffer(hex("01"))
        expectZMTPError(.unexpectedCommand) { _ = try decoder.next(&input) }
    }

    @Test func malformedCommandBody() {
        var decoder = FrameDecoder()
        var input = buffer(hex("04 08 05") + ascii("READY") + hex("0b 53"))
        expectZMTPError(.malformedCommand, command: "READY") { _ = try decoder.next(&input) }
    }

    @Test func keepsFailingAfterAnError() {
        var decoder = FrameDecoder()
        var bad = buffer(hex("f0"))
        expectZMTPError(.invalidFrame) { _ = try decoder.next(&bad) }
        var good = buffer(encoded(Message("fine")))
        expectZMTPError(.invalidFrame) { _ = try decoder.next(&good) }
    }

    @Test func partialInputIsReported() throws {
        var decoder = FrameDecoder()
        var first = buffer(hex("01 01") + ascii("a"))
        #expect(try decoder.next(&first) == nil)
        #expect(decoder.hasPartialInput)
        var second = buffer(hex("00 01") + ascii("b"))
        #expect(try decoder.next(&second) == .message(["a", "b"]))
        #expect(!decoder.hasPartialInput)
    }
}
