import Foundation
import NIOCore
import Testing
import VTXTestSupport

@testable import VTXCore

// Unit tests of the core's building blocks: frames, messages, the SPSC message queue, pipes, the subscription
// tries, endpoint parsing, the reconnect policy and errors.

/// Helpers private to this file.
private enum Unit {
    /// Whether a frame's bytes are stored inline.
    static func isInline(_ frame: Frame) -> Bool {
        if case .inline = frame.storage { return true }
        return false
    }

    /// Whether a frame's bytes were carved from a slab shared with other frames.
    static func isSlab(_ frame: Frame) -> Bool {
        if case .slab = frame.storage { return true }
        return false
    }

    /// Whether a frame's bytes live in a heap block of its own.
    static func isHeap(_ frame: Frame) -> Bool {
        if case .heap = frame.storage { return true }
        return false
    }

    /// Whether a frame shares a `ByteBuffer`'s storage.
    static func isBuffer(_ frame: Frame) -> Bool {
        if case .buffer = frame.storage { return true }
        return false
    }

    static func bytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &+ Int(seed)) }
    }

    /// A single-frame message holding `value` as 8 bytes (inline).
    static func message(_ value: Int) -> Message {
        Message(Frame(count: MemoryLayout<Int>.size) { buffer in
            buffer.storeBytes(of: value, as: Int.self)
        })
    }

    static func value(_ message: Message) -> Int {
        message[0].withUnsafeBytes { $0.loadUnaligned(as: Int.self) }
    }

    static func pipePair(_ firstToSecond: Int, _ secondToFirst: Int) -> (first: VTXCore.MessagePipe, second: VTXCore.MessagePipe) {
        VTXCore.MessagePipe.makePair(
            firstToSecond: firstToSecond,
            secondToFirst: secondToFirst,
            firstPeer: PeerInfo(socketType: .pull, address: "test://second"),
            secondPeer: PeerInfo(socketType: .push, address: "test://first")
        )
    }
}

/// Collects the events a pipe end reports, under a lock (events arrive on the other end's thread).
private final class EventRecorder: PipeEventSink {
    private let recorded = Locked<[PipeEvent]>([])

    func pipe(_ pipe: VTXCore.MessagePipe, didSignal event: PipeEvent) {
        recorded.withLock { $0.append(event) }
    }

    var events: [PipeEvent] { recorded.withLock { $0 } }
}


/// Reference wrappers, so that mutating trie calls can sit inside `#expect`.
private final class SubscriptionTrieBox {
    var trie = SubscriptionTrie()
    @discardableResult func add(_ prefix: Frame) -> Bool { trie.add(prefix) }
    @discardableResult func remove(_ prefix: Frame) -> Bool { trie.remove(prefix) }
    func matches(_ data: Frame) -> Bool { trie.matches(data) }
    var distinctPrefixes: [Frame] { trie.distinctPrefixes }
}

private final class MultiTrieBox {
    var trie = MultiTrie()
    @discardableResult func add(_ prefix: Frame, for pipe: MessagePipe) -> Bool { trie.add(prefix, for: pipe) }
    @discardableResult func remove(_ prefix: Frame, for pipe: MessagePipe) -> Bool { trie.remove(prefix, for: pipe) }
    func removePipe(_ pipe: MessagePipe, reportAll: Bool = false, removed: (Frame) -> Void) {
        trie.removePipe(pipe, reportAll: reportAll, removed: removed)
    }
    func forEachMatch(_ data: Frame, _ body: (MessagePipe) -> Void) { trie.forEachMatch(data, body) }
    func hasSubscriptions(_ pipe: MessagePipe) -> Bool { trie.hasSubscriptions(pipe) }
}

@Suite("CoreUnitTests", .timeLimit(.minutes(1)))
struct CoreUnitTests {
    // MARK: Frame

    @Test func framesUpToInlineCapacityAreInline() {
        #expect(Frame.inlineCapacity == 32)
        for count in [0, 1, 8, 31, 32] {
            let frame = Frame(Unit.bytes(count))
            #expect(Unit.isInline(frame), "\(count) bytes")
            #expect(frame.count == count)
            #expect(frame.bytes == Unit.bytes(count))
        }
        for count in [33, 64, 1024, 2048] {
            let frame = Frame(Unit.bytes(count))
            #expect(Unit.isSlab(frame), "\(count) bytes")
            #expect(frame.count == count)
            #expect(frame.bytes == Unit.bytes(count))
        }
        for count in [2049, 4096] {
            let frame = Frame(Unit.bytes(count))
            #expect(Unit.isHeap(frame), "\(count) bytes")
            #expect(frame.count == count)
            #expect(frame.bytes == Unit.bytes(count))
        }
        let filledInline = Frame(count: 32) { buffer in
            for i in 0..<buffer.count { buffer[i] = UInt8(i) }
        }
        #expect(Unit.isInline(filledInline))
        #expect(filledInline.bytes == Unit.bytes(32))
        let filledHeap = Frame(count: 100) { buffer in
            for i in 0..<buffer.count { buffer[i] = UInt8(i) }
        }
        #expect(Unit.isSlab(filledHeap))
        #expect(filledHeap.bytes == Unit.bytes(100))
        let filledLarge = Frame(count: 3000) { buffer in
            for i in 0..<buffer.count { buffer[i] = UInt8(truncatingIfNeeded: i) }
        }
        #expect(Unit.isHeap(filledLarge))
        #expect(filledLarge.bytes == Unit.bytes(3000))
    }

    @Test func frameEqualityAndHashingFollowTheBytes() {
        let small = Frame("hello")
        #expect(small == Frame([0x68, 0x65, 0x6C, 0x6C, 0x6F]))
        #expect(small == "hello")
        #expect(small != Frame("hellO"))
        #expect(small != Frame("hell"))
        #expect(Frame() == Frame([]))
        #expect(Frame() != Frame([0]))

        // The same bytes are equal and hash alike whatever the storage (slab, heap block or ByteBuffer).
        let big = Unit.bytes(100, seed: 7)
        var buffer = ByteBufferAllocator().buffer(capacity: 100)
        buffer.writeBytes(big)
        let fromBuffer = Frame(buffer)
        let fromArray = Frame(big)
        #expect(Unit.isBuffer(fromBuffer))
        let detached = fromArray.detached()
        #expect(Unit.isSlab(fromArray))
        #expect(Unit.isHeap(detached))
        #expect(fromBuffer == fromArray)
        #expect(fromBuffer == detached)
        #expect(fromBuffer.hashValue == fromArray.hashValue)
        #expect(detached.hashValue == fromArray.hashValue)
        #expect(Set([fromBuffer, fromArray, detached, Frame(big)]).count == 1)
        #expect(Frame(Unit.bytes(100, seed: 8)) != fromArray)
        #expect(Set([Frame("a"), Frame("b"), Frame("a")]).count == 2)
    }

    @Test func frameRoundTripsThroughStringBytesDataAndByteBuffer() {
        // String
        let text = "héllo, wörld ✓"
        #expect(Frame(text).string == text)
        #expect(Frame(text).bytes == Array(text.utf8))
        let longText = String(repeating: "swift ", count: 20)
        #expect(Frame(longText).string == longText)
        #expect(Frame([0xFF, 0xFE]).string == nil)  // not UTF-8

        // [UInt8] and ArraySlice
        for count in [0, 5, 32, 33, 1000] {
            let bytes = Unit.bytes(count, seed: 3)
            #expect(Frame(bytes).bytes == bytes)
            #expect(Frame(bytes[...]).bytes == bytes)
        }
        let slice = Unit.bytes(100)[10..<60]
        #expect(Frame(slice).bytes == Array(slice))

        // Data
        for count in [0, 20, 32, 33, 500] {
            let data = Data(Unit.bytes(count, seed: 9))
            #expect(Frame(data).data == data)
            #expect(Frame(data).bytes == Array(data))
        }

        // ByteBuffer: only the readable bytes; large buffers are shared, small ones copied inline.
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        buffer.writeBytes(Unit.bytes(64))
        buffer.moveReaderIndex(forwardBy: 4)
        let shared = Frame(buffer)
        #expect(Unit.isBuffer(shared))
        #expect(shared.bytes == Array(Unit.bytes(64)[4...]))
        #expect(shared.byteBuffer() == buffer)
        var small = ByteBufferAllocator().buffer(capacity: 16)
        small.writeString("tiny")
        let tiny = Frame(small)
        #expect(Unit.isInline(tiny))
        #expect(tiny.string == "tiny")
        #expect(tiny.byteBuffer() == small)
        let copied = Frame(Unit.bytes(40)).byteBuffer()
        #expect(copied.readableBytes == 40)
        #expect(Array(copied.readableBytesView) == Unit.bytes(40))
    }

    @Test func frameHasPrefix() {
        let frame = Frame("weather/paris")
        #expect(frame.hasPrefix(Frame("weather")))
        #expect(frame.hasPrefix(Frame("weather/paris")))
        #expect(frame.hasPrefix(Frame()))
        #expect(!frame.hasPrefix(Frame("weather/paris/")))
        #expect(!frame.hasPrefix(Frame("Weather")))
        #expect(Frame().hasPrefix(Frame()))
        #expect(!Frame().hasPrefix(Frame("a")))
        // Across storages.
        let big = Frame(Unit.bytes(200))
        #expect(big.hasPrefix(Frame(Unit.bytes(10))))
        #expect(big.hasPrefix(Frame(Unit.bytes(100))))
        #expect(!big.hasPrefix(Frame(Unit.bytes(201))))
        #expect(!big.hasPrefix(Frame(Unit.bytes(10, seed: 1))))
    }

    @Test func frameDropFirst() {
        #expect(Frame("hello").dropFirst() == Frame("ello"))
        #expect(Frame("hello").dropFirst(3) == Frame("lo"))
        #expect(Frame("hello").dropFirst(5).isEmpty)
        #expect(Frame("hello").dropFirst(10).isEmpty)
        #expect(Frame().dropFirst().isEmpty)
        #expect(Frame("hello").dropFirst(0) == Frame("hello"))
        let big = Frame(Unit.bytes(33))
        let dropped = big.dropFirst()
        #expect(dropped.bytes == Array(Unit.bytes(33)[1...]))
        #expect(Unit.isInline(dropped))  // 32 bytes now fit inline
        #expect(Frame([0x01, 0x41, 0x42]).dropFirst() == Frame("AB"))
    }

    @Test func emptyFrame() {
        let frame = Frame()
        #expect(frame.count == 0)
        #expect(frame.isEmpty)
        #expect(frame.first == nil)
        #expect(frame.bytes == [])
        #expect(frame.data == Data())
        #expect(frame.string == "")
        #expect(frame.byteBuffer().readableBytes == 0)
        #expect(Frame("").isEmpty)
        #expect(Frame(Data()).isEmpty)
        #expect(Frame(ByteBufferAllocator().buffer(capacity: 0)).isEmpty)
        #expect(frame == Frame(Data()))
        #expect(Frame("x").first == 0x78)
    }

    @Test func frameDescription() {
        #expect(Frame("hello").description == "hello")
        #expect(Frame([0x00, 0x0F, 0xAB]).description == "000FAB")
        #expect(Frame().description == "")
    }

    // MARK: Message

    @Test func messageBuilding() {
        #expect(Message().isEmpty)
        #expect(Message().count == 0)
        #expect(Message("one").count == 1)
        #expect(Message("one")[0] == Frame("one"))
        #expect(Message([UInt8]([1, 2, 3]))[0].bytes == [1, 2, 3])
        #expect(Message(Data([4, 5]))[0].bytes == [4, 5])
        var buffer = ByteBufferAllocator().buffer(capacity: 8)
        buffer.writeString("buf")
        #expect(Message(buffer)[0].string == "buf")
        let multi = Message(strings: ["a", "b", "c"])
        #expect(multi.count == 3)
        #expect(multi.frames == [Frame("a"), Frame("b"), Frame("c")])
        #expect(multi == ["a", "b", "c"])
        #expect(Message([Frame]()).isEmpty)
        #expect(Message([Frame("only")]).count == 1)
        #expect(multi.byteCount == 3)
        #expect(Message(["12345", Frame(Unit.bytes(100))]).byteCount == 105)
        #expect(multi.description == "[\"a\", \"b\", \"c\"]")
    }

    @Test func messagePrependPopFirstAppend() {
        var message = Message()
        #expect(message.popFirst() == nil)
        message.append("b")
        message.append("c")
        message.prepend("a")
        #expect(message.frames == ["a", "b", "c"])
        message.prepend(Frame())  // an envelope delimiter
        #expect(message.count == 4)
        #expect(message.popFirst() == Frame())
        #expect(message.popFirst() == "a")
        #expect(message.popFirst() == "b")
        #expect(message.popFirst() == "c")
        #expect(message.popFirst() == nil)
        #expect(message.isEmpty)
        var single = Message()
        single.prepend("x")
        #expect(single.frames == ["x"])
    }

    @Test func messageIsAMutableRandomAccessCollection() {
        var message: Message = ["a", "b", "c", "d"]
        #expect(message.startIndex == 0)
        #expect(message.endIndex == 4)
        #expect(Array(message.indices) == [0, 1, 2, 3])
        #expect(message.map(\.string) == ["a", "b", "c", "d"])
        #expect(message.reversed().map(\.string) == ["d", "c", "b", "a"])
        #expect(message.first == "a")
        #expect(message.last == "d")
        #expect(message[1..<3].map(\.string) == ["b", "c"])
        message[0] = "A"
        message[3] = "D"
        #expect(message.frames == ["A", "b", "c", "D"])
        message.swapAt(1, 2)
        #expect(message.frames == ["A", "c", "b", "D"])
        #expect(message.contains("b"))
        #expect(message.firstIndex(of: "b") == 2)
    }

    @Test func messageEqualityIgnoresMetadata() {
        var a = Message(strings: ["x", "y"])
        a.metadata = MessageMetadata([(name: "Socket-Type", value: "PUB")])
        let b = Message(strings: ["x", "y"])
        #expect(a == b)
        #expect(a != Message(strings: ["x"]))
        #expect(a != Message(strings: ["x", "y", ""]))
    }

    @Test func metadataLookupIsCaseInsensitive() {
        let metadata = MessageMetadata([
            (name: "Socket-Type", value: "DEALER"),
            (name: "Routing-Id", value: "peer-1"),
            (name: "X-Custom", value: "value"),
        ])
        #expect(metadata["Socket-Type"] == "DEALER")
        #expect(metadata["socket-type"] == "DEALER")
        #expect(metadata["SOCKET-TYPE"] == "DEALER")
        #expect(metadata["x-custom"] == "value")
        #expect(metadata["Identity"] == "peer-1")  // libzmq's alias of Routing-Id
        #expect(metadata["identity"] == "peer-1")
        #expect(metadata["Peer-Address"] == nil)
        #expect(metadata.description == "Socket-Type=DEALER, Routing-Id=peer-1, X-Custom=value")

        var message = Message("body")
        #expect(message.property("Socket-Type") == nil)
        message.metadata = metadata
        #expect(message.property("socket-TYPE") == "DEALER")
        #expect(message.property(MessageMetadata.routingId) == "peer-1")
        #expect(message.property("User-Id") == nil)
    }

    // MARK: MessageQueue

    @Test func messageQueueKeepsOrderAcrossChunkBoundaries() {
        let queue = MessageQueue(highWaterMark: 0)
        var next = 0
        var expected = 0
        // Batches that end just before, on, and after chunk boundaries, and a long one (> 1000).
        for batch in [1, 254, 1, 1, 255, 256, 257, 1500, 3, 511] {
            for _ in 0..<batch {
                queue.write(Unit.message(next))
                next += 1
            }
            _ = queue.flush()
            while let message = queue.read() {
                #expect(Unit.value(message) == expected)
                expected += 1
            }
            #expect(expected == next)
        }
        // One write of many before any read.
        for _ in 0..<1200 {
            queue.write(Unit.message(next))
            next += 1
        }
        _ = queue.flush()
        var read = 0
        while read < 5000, let message = queue.read() {
            #expect(Unit.value(message) == expected)
            expected += 1
            read += 1
        }
        #expect(read == 1200)
        #expect(expected == next)
    }

    @Test func messageQueueWritesAreInvisibleUntilFlushed() {
        let queue = MessageQueue(highWaterMark: 0)
        queue.write(Unit.message(1))
        #expect(queue.read() == nil)
        #expect(!queue.checkRead())
        #expect(queue.flush() == false)  // the reader looked and found nothing: it must be woken
        #expect(queue.checkRead())
        #expect(queue.read().map(Unit.value) == 1)
    }

    @Test func messageQueueFlushReportsSleepingReader() {
        let queue = MessageQueue(highWaterMark: 0)
        #expect(queue.flush())  // nothing written: nothing to report
        queue.write(Unit.message(0))
        #expect(queue.flush())  // the reader has not run dry yet: no wake-up needed
        #expect(queue.read().map(Unit.value) == 0)
        #expect(queue.read() == nil)  // now it has: it is asleep
        queue.write(Unit.message(1))
        #expect(queue.flush() == false)
        #expect(queue.flush())  // nothing new
        #expect(queue.read().map(Unit.value) == 1)
        queue.write(Unit.message(2))
        #expect(queue.flush())  // the reader has not looked since: awake
        #expect(queue.read().map(Unit.value) == 2)
        #expect(queue.read() == nil)
        queue.write(Unit.message(3))
        queue.write(Unit.message(4))
        #expect(queue.flush() == false)
        #expect(queue.read().map(Unit.value) == 3)
        #expect(queue.read().map(Unit.value) == 4)
        #expect(queue.read() == nil)
    }

    @Test func messageQueueCrossThreadProducerConsumer() {
        let queue = MessageQueue(highWaterMark: 0)
        let total = 1_000_000
        let finished = DispatchSemaphore(value: 0)
        let producer = Thread {
            for i in 0..<total {
                queue.write(Unit.message(i))
                if i % 97 == 0 { _ = queue.flush() }
            }
            _ = queue.flush()
            finished.signal()
        }
        producer.start()

        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        var expected = 0
        var disorder: (got: Int, wanted: Int)?
        var idle = 0
        while expected < total {
            if let message = queue.read() {
                let value = Unit.value(message)
                if value != expected {
                    disorder = (value, expected)
                    break
                }
                expected += 1
                idle = 0
            } else {
                idle += 1
                if idle % 64 == 0 {
                    if clock.now > deadline { break }
                    sched_yield()
                }
            }
        }
        // Never drop the queue while the producer may still write into it.
        let producerDone = finished.wait(timeout: .now() + 30) == .success
        #expect(producerDone)
        #expect(disorder == nil, "message \(disorder?.got ?? -1) arrived where \(disorder?.wanted ?? -1) was due")
        #expect(expected == total)
        if producerDone { #expect(queue.read() == nil) }
    }

    @Test(arguments: [(0, 0), (1, 0), (255, 0), (256, 0), (257, 0), (600, 300), (600, 256), (1000, 999), (513, 513)])
    func messageQueueDeinitFreesUnreadMessages(written: Int, read: Int) {
        var references: [Weak] = []
        do {
            let queue = MessageQueue(highWaterMark: 0)
            for i in 0..<written {
                // Larger than a slab body, so each frame has a heap block of its own to watch.
                let frame = Frame(Unit.bytes(3000, seed: UInt8(truncatingIfNeeded: i)))
                if case .heap(let storage) = frame.storage { references.append(Weak(storage)) }
                queue.write(Message([frame, Frame(Unit.bytes(40))]))
            }
            _ = queue.flush()
            for _ in 0..<read { #expect(queue.read() != nil) }
            // A few written but never flushed.
            for i in 0..<3 {
                let frame = Frame(Unit.bytes(2500, seed: UInt8(i)))
                if case .heap(let storage) = frame.storage { references.append(Weak(storage)) }
                queue.write(Message(frame))
            }
        }
        #expect(references.count == written + 3)
        #expect(references.allSatisfy { $0.object == nil }, "frames left alive after the queue was freed")
    }

    // MARK: MessagePipe

    @Test func pipeHighWaterMarkAndCredit() {
        let (writer, reader) = Unit.pipePair(10, 10)
        for i in 0..<10 { #expect(writer.write(Unit.message(i)), "message \(i)") }
        #expect(!writer.checkWrite())
        #expect(!writer.write(Unit.message(10)))
        writer.flush()

        // Credit returns every low-water mark, (10 + 1) / 2 = 5 messages.
        for i in 0..<4 { #expect(reader.read().map(Unit.value) == i) }
        #expect(!writer.write(Unit.message(10)))
        #expect(reader.read().map(Unit.value) == 4)
        for i in 10..<15 { #expect(writer.write(Unit.message(i)), "message \(i)") }
        #expect(!writer.write(Unit.message(15)))
        writer.flush()
        for i in 5..<15 { #expect(reader.read().map(Unit.value) == i) }
        #expect(reader.read() == nil)

        // The other direction has its own mark.
        for i in 0..<10 { #expect(reader.write(Unit.message(i))) }
        #expect(!reader.write(Unit.message(10)))
        #expect(writer.outboundHighWaterMark == 10)
        #expect(reader.outboundHighWaterMark == 10)
    }

    /// A pipe made before its peer is known (a connect's) learns each peer from an announcement in the stream:
    /// messages read after it carry that peer's properties, messages queued before it keep the earlier ones, the
    /// announcements take no room under the high-water mark, and a pipe holding only an announcement is not
    /// readable.
    @Test func announcedPeersStampTheMessagesThatFollow() {
        let (writer, reader) = VTXCore.MessagePipe.makePair(
            firstToSecond: 2,
            secondToFirst: 2,
            firstPeer: PeerInfo(socketType: .pull, address: "test://reader"),
            secondPeer: PeerInfo(socketType: nil, address: "test://placeholder")
        )
        var message = Message()
        #expect(!reader.readStamped(into: &message))
        let first = MessageMetadata([(name: "Peer-Address", value: "first")])
        let second = MessageMetadata([(name: "Peer-Address", value: "second")])
        writer.announce(first)
        #expect(!reader.checkRead(), "an announcement alone is nothing to read")
        for i in 0..<2 { #expect(writer.write(Unit.message(i)), "the announcement used no room") }
        writer.announce(second)
        #expect(!writer.write(Unit.message(2)), "the mark is 2 messages, announcements aside")
        writer.flush()
        #expect(reader.readStamped(into: &message))
        #expect(Unit.value(message) == 0 && message.metadata === first)
        #expect(reader.readStamped(into: &message))
        #expect(Unit.value(message) == 1 && message.metadata === first)
        #expect(writer.write(Unit.message(2)))
        writer.flush()
        #expect(reader.checkRead())
        #expect(reader.readStamped(into: &message))
        #expect(Unit.value(message) == 2 && message.metadata === second)
        writer.announce(first)
        writer.close()
        #expect(!reader.checkRead())
        #expect(reader.isPeerClosed, "the close marker after an announcement still ends the stream")
    }

    @Test func pipeWithoutHighWaterMarkNeverFills() {
        let (writer, reader) = Unit.pipePair(0, 0)
        for i in 0..<5000 { #expect(writer.write(Unit.message(i))) }
        writer.flush()
        var count = 0
        while count < 10_000, let message = reader.read() {
            #expect(Unit.value(message) == count)
            count += 1
        }
        #expect(count == 5000)
    }

    @Test func pipeHighWaterMarkCanChange() {
        let (writer, reader) = Unit.pipePair(2, 2)
        #expect(writer.write(Unit.message(0)))
        #expect(writer.write(Unit.message(1)))
        #expect(!writer.write(Unit.message(2)))
        let recorder = EventRecorder()
        writer.setSink(recorder)
        writer.setOutboundHighWaterMark(4)  // a waiting writer is told it may write again
        #expect(recorder.events == [.writable])
        #expect(writer.write(Unit.message(2)))
        #expect(writer.write(Unit.message(3)))
        #expect(!writer.write(Unit.message(4)))
        writer.flush()
        for i in 0..<4 { #expect(reader.read().map(Unit.value) == i) }
    }

    @Test func pipeCloseLetsThePeerReadWhatIsLeft() {
        let (first, second) = Unit.pipePair(10, 10)
        for i in 0..<3 { #expect(first.write(Unit.message(i))) }
        first.flush()
        first.close()
        #expect(first.isClosed)
        #expect(!first.write(Unit.message(99)))
        first.close()  // twice: nothing happens

        #expect(!second.isPeerClosed)
        for i in 0..<3 { #expect(second.read().map(Unit.value) == i) }
        #expect(second.read() == nil)
        #expect(second.isPeerClosed)
        #expect(second.read() == nil)
        #expect(!second.checkRead())
        #expect(!second.isClosed)
        second.close()
        #expect(second.isClosed)
    }

    @Test func pipeCheckReadConsumesTheCloseMarker() {
        let (first, second) = Unit.pipePair(10, 10)
        #expect(first.write(Unit.message(7)))
        first.flush()
        first.close()
        #expect(second.checkRead())
        #expect(second.read().map(Unit.value) == 7)
        #expect(!second.checkRead())
        #expect(second.isPeerClosed)
    }

    @Test func pipeEvents() {
        let (writer, reader) = Unit.pipePair(10, 10)
        let writerEvents = EventRecorder()
        let readerEvents = EventRecorder()
        writer.setSink(writerEvents)
        reader.setSink(readerEvents)

        // A reader that has not run dry is not woken.
        #expect(writer.write(Unit.message(0)))
        writer.flush()
        #expect(readerEvents.events == [])
        #expect(reader.read().map(Unit.value) == 0)

        // It runs dry; the next publication wakes it, once.
        #expect(reader.read() == nil)
        #expect(writer.write(Unit.message(1)))
        writer.flush()
        #expect(readerEvents.events == [.readable])
        #expect(writer.write(Unit.message(2)))
        writer.flush()
        #expect(readerEvents.events == [.readable])

        // Fill to the mark: written 3, nothing credited yet (the reader read 1 < 5).
        for i in 3..<10 { #expect(writer.write(Unit.message(i))) }
        #expect(!writer.write(Unit.message(10)))  // the writer now waits
        writer.flush()
        #expect(writerEvents.events == [])
        for i in 1..<5 { #expect(reader.read().map(Unit.value) == i) }
        #expect(writerEvents.events == [.writable])  // 5 read: credit returned to a waiting writer

        // Close: the reader's owner is told; it reads the rest, then sees the end.
        writer.close()
        #expect(readerEvents.events == [.readable, .closed])
        for i in 5..<10 { #expect(reader.read().map(Unit.value) == i) }
        #expect(reader.read() == nil)
        #expect(reader.isPeerClosed)
        #expect(writerEvents.events == [.writable])
    }

    @Test func pipeEventsBeforeTheSinkIsSetAreDelivered() {
        let (writer, reader) = Unit.pipePair(10, 10)
        #expect(reader.read() == nil)
        #expect(writer.write(Unit.message(0)))
        writer.flush()
        writer.close()
        let recorder = EventRecorder()
        reader.setSink(recorder)
        #expect(recorder.events == [.readable, .closed])
        #expect(reader.read().map(Unit.value) == 0)
        #expect(reader.read() == nil)
        #expect(reader.isPeerClosed)
    }

    @Test func pipeCloseOfTheReaderIsSeenByTheWriter() {
        let (writer, reader) = Unit.pipePair(2, 2)
        let writerEvents = EventRecorder()
        writer.setSink(writerEvents)
        reader.close()
        #expect(writerEvents.events == [.closed])
        #expect(writer.read() == nil)
        #expect(writer.isPeerClosed)
        // Writing toward a closed reader fails once the pipe is full, instead of waiting forever.
        var accepted = 0
        for i in 0..<10 where writer.write(Unit.message(i)) { accepted += 1 }
        #expect(accepted <= 2)
    }

    @Test func pipeMetadataDescribesThePeer() {
        let (first, second) = VTXCore.MessagePipe.makePair(
            firstToSecond: 1,
            secondToFirst: 1,
            firstPeer: PeerInfo(socketType: .router, routingId: Frame("r1"), address: "test://b"),
            secondPeer: PeerInfo(socketType: .dealer, address: "test://a", properties: [(name: "X-Key", value: "v")])
        )
        #expect(first.metadata?["Socket-Type"] == "ROUTER")
        #expect(first.metadata?["Routing-Id"] == "r1")
        #expect(first.metadata?["Peer-Address"] == "test://b")
        #expect(second.metadata?["socket-type"] == "DEALER")
        #expect(second.metadata?["Routing-Id"] == nil)
        #expect(second.metadata?["x-key"] == "v")
    }

    // MARK: SubscriptionTrie

    @Test func subscriptionTrieCountsReferences() {
        let trie = SubscriptionTrieBox()
        #expect(!trie.matches(Frame("anything")))
        #expect(trie.add(Frame("abc")))
        #expect(!trie.add(Frame("abc")))
        #expect(trie.matches(Frame("abc")))
        #expect(trie.matches(Frame("abcdef")))
        #expect(!trie.matches(Frame("ab")))
        #expect(!trie.matches(Frame("abd")))
        #expect(!trie.remove(Frame("abc")))  // one reference left
        #expect(trie.matches(Frame("abcd")))
        #expect(trie.remove(Frame("abc")))  // the last one
        #expect(!trie.matches(Frame("abcd")))
        #expect(!trie.remove(Frame("abc")))  // unknown
        #expect(!trie.remove(Frame("zzz")))
        #expect(trie.distinctPrefixes.isEmpty)
    }

    @Test func subscriptionTriePrefixesShareNodes() {
        let trie = SubscriptionTrieBox()
        trie.add(Frame("a"))
        trie.add(Frame("abc"))
        trie.add(Frame("abd"))
        #expect(Set(trie.distinctPrefixes) == [Frame("a"), Frame("abc"), Frame("abd")])
        #expect(trie.matches(Frame("ax")))
        #expect(trie.remove(Frame("a")))
        #expect(!trie.matches(Frame("ax")))
        #expect(!trie.matches(Frame("ab")))
        #expect(trie.matches(Frame("abc")))
        #expect(trie.matches(Frame("abdx")))
        #expect(trie.remove(Frame("abc")))
        #expect(!trie.matches(Frame("abc")))
        #expect(trie.matches(Frame("abd")))
        #expect(trie.add(Frame("abc")))  // after pruning, adding again is new
        #expect(trie.matches(Frame("abcz")))
        #expect(Set(trie.distinctPrefixes) == [Frame("abc"), Frame("abd")])
    }

    @Test func subscriptionTrieEmptyPrefixMatchesEverything() {
        let trie = SubscriptionTrieBox()
        #expect(trie.add(Frame()))
        #expect(trie.matches(Frame()))
        #expect(trie.matches(Frame("x")))
        #expect(trie.matches(Frame(Unit.bytes(1000))))
        #expect(!trie.add(Frame()))
        #expect(!trie.remove(Frame()))
        #expect(trie.remove(Frame()))
        #expect(!trie.matches(Frame("x")))
        #expect(!trie.matches(Frame()))
        // Binary bytes, including 0x00 and 0xFF.
        #expect(trie.add(Frame([0x00, 0xFF])))
        #expect(trie.matches(Frame([0x00, 0xFF, 0x00])))
        #expect(!trie.matches(Frame([0x00])))
    }

    // MARK: MultiTrie

    @Test func multiTrieTracksPipesPerPrefix() {
        let p1 = Unit.pipePair(1, 1).first
        let p2 = Unit.pipePair(1, 1).first
        let trie = MultiTrieBox()
        #expect(trie.add(Frame("A"), for: p1))  // new topic
        #expect(!trie.add(Frame("A"), for: p1))  // the same pipe twice counts once
        #expect(!trie.add(Frame("A"), for: p2))  // not new
        #expect(trie.hasSubscriptions(p1))
        #expect(!trie.remove(Frame("A"), for: p1))  // p2 remains
        #expect(!trie.hasSubscriptions(p1))
        #expect(trie.remove(Frame("A"), for: p2))  // the last one
        #expect(trie.remove(Frame("A"), for: p2))  // unknown: reported too, like libzmq
        #expect(trie.remove(Frame("never"), for: p1))
        var matched: [ObjectIdentifier] = []
        trie.forEachMatch(Frame("A1")) { matched.append(ObjectIdentifier($0)) }
        #expect(matched.isEmpty)
    }

    @Test func multiTrieMatchesPrefixesOncePerPipe() {
        let p1 = Unit.pipePair(1, 1).first
        let p2 = Unit.pipePair(1, 1).first
        let p3 = Unit.pipePair(1, 1).first
        let trie = MultiTrieBox()
        trie.add(Frame("a"), for: p1)
        trie.add(Frame("ab"), for: p1)
        trie.add(Frame("abc"), for: p2)
        trie.add(Frame(), for: p3)
        func matches(_ text: String) -> [ObjectIdentifier] {
            var found: [ObjectIdentifier] = []
            trie.forEachMatch(Frame(text)) { found.append(ObjectIdentifier($0)) }
            return found
        }
        let id1 = ObjectIdentifier(p1)
        let id2 = ObjectIdentifier(p2)
        let id3 = ObjectIdentifier(p3)
        #expect(Set(matches("abcd")) == [id1, id2, id3])
        #expect(matches("abcd").count == 3)  // p1 matches twice ("a", "ab") but is visited once
        #expect(Set(matches("ab")) == [id1, id3])
        #expect(Set(matches("b")) == [id3])
        #expect(Set(matches("")) == [id3])
    }

    @Test func multiTrieRemovePipeReportsOrphanedTopics() {
        let p1 = Unit.pipePair(1, 1).first
        let p2 = Unit.pipePair(1, 1).first
        let trie = MultiTrieBox()
        trie.add(Frame("A"), for: p1)
        trie.add(Frame("B"), for: p1)
        trie.add(Frame(), for: p1)
        trie.add(Frame("B"), for: p2)

        var orphaned: [Frame] = []
        trie.removePipe(p1) { orphaned.append($0) }
        #expect(Set(orphaned) == [Frame("A"), Frame()])
        #expect(!trie.hasSubscriptions(p1))
        var matched: [ObjectIdentifier] = []
        trie.forEachMatch(Frame("B1")) { matched.append(ObjectIdentifier($0)) }
        #expect(matched == [ObjectIdentifier(p2)])
        matched = []
        trie.forEachMatch(Frame("A1")) { matched.append(ObjectIdentifier($0)) }
        #expect(matched.isEmpty)

        // Removing a pipe with no subscriptions reports nothing.
        var none: [Frame] = []
        trie.removePipe(p1) { none.append($0) }
        #expect(none.isEmpty)

        // reportAll (XPUB_VERBOSER) reports every topic of the pipe.
        let p3 = Unit.pipePair(1, 1).first
        trie.add(Frame("B"), for: p3)
        trie.add(Frame("C"), for: p3)
        var all: [Frame] = []
        trie.removePipe(p3, reportAll: true) { all.append($0) }
        #expect(Set(all) == [Frame("B"), Frame("C")])
        matched = []
        trie.forEachMatch(Frame("B")) { matched.append(ObjectIdentifier($0)) }
        #expect(matched == [ObjectIdentifier(p2)])
    }

    // MARK: Endpoint

    @Test(arguments: [
        ("tcp://127.0.0.1:5555", "tcp", "127.0.0.1:5555"),
        ("inproc://workers", "inproc", "workers"),
        ("INPROC://Workers", "inproc", "Workers"),
        ("ipc:///tmp/socket", "ipc", "/tmp/socket"),
        ("tcp://[::1]:80", "tcp", "[::1]:80"),
        ("my+loop-2.x://a://b", "my+loop-2.x", "a://b"),
        ("udp://*:5000", "udp", "*:5000"),
    ])
    func endpointParsesValidText(text: String, scheme: String, address: String) throws {
        let endpoint = try Endpoint(parsing: text)
        #expect(endpoint.scheme == scheme)
        #expect(endpoint.address == address)
        #expect(endpoint.description == "\(scheme)://\(address)")
        #expect(endpoint == Endpoint(scheme: scheme.uppercased(), address: address))
    }

    @Test(arguments: [
        "",
        "inproc",
        "inproc:/x",
        "inproc:x",
        "://address",
        "tcp://",
        "tcp://a b",
        "tcp://host:1\n",
        "tcp://\thost",
        " tcp://host",
        "t p://host",
        "t_p://host",
        "tcp/x://host",
        "tcp:x://host",
        "tcp\u{00E9}://host",
    ])
    func endpointRejectsMalformedText(text: String) {
        let error = #expect(throws: VTXError.self) { try Endpoint(parsing: text) }
        #expect(error?.code == .invalidEndpoint)
        #expect(error?.message.isEmpty == false)
    }

    // MARK: ReconnectPolicy

    @Test func reconnectPolicyDoublesUpToTheMaximum() {
        let policy = ReconnectPolicy(interval: .milliseconds(100), maximumInterval: .milliseconds(1000))
        let delays = (1...8).map { policy.delay(beforeAttempt: $0) }
        #expect(delays == [100, 200, 400, 800, 1000, 1000, 1000, 1000].map { Duration.milliseconds($0) })
        #expect(policy.delay(beforeAttempt: 0) == .milliseconds(100))
        #expect(policy.delay(beforeAttempt: 1000) == .milliseconds(1000))
        // No jitter with a maximum: the same answer every time.
        #expect((0..<20).allSatisfy { _ in policy.delay(beforeAttempt: 3) == .milliseconds(400) })
    }

    @Test func reconnectPolicyJittersWithoutMaximum() {
        let policy = ReconnectPolicy(interval: .milliseconds(100))
        #expect(policy.maximumInterval == .zero)
        var seen = Set<Duration>()
        for attempt in 1...200 {
            let delay = policy.delay(beforeAttempt: attempt % 5 + 1)
            #expect(delay != nil)
            if let delay {
                #expect(delay >= .milliseconds(100))
                #expect(delay < .milliseconds(200))
                seen.insert(delay)
            }
        }
        #expect(seen.count > 1)  // random, not fixed
        #expect(ReconnectPolicy(interval: .zero).delay(beforeAttempt: 1) == .zero)
    }

    @Test func reconnectPolicyNilIntervalNeverReconnects() {
        let policy = ReconnectPolicy(interval: nil, maximumInterval: .seconds(5))
        #expect(policy.delay(beforeAttempt: 1) == nil)
        #expect(policy.delay(beforeAttempt: 10) == nil)
        #expect(ReconnectPolicy(interval: nil).delay(beforeAttempt: 1) == nil)
        #expect(ReconnectPolicy().interval == .milliseconds(100))
        #expect(ReconnectPolicy().maximumInterval == .zero)
    }

    // MARK: VTXError

    @Test func errorsCompareByCode() {
        let a = VTXError(.timedOut, "first message")
        let b = VTXError(.timedOut, "another message")
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a == VTXError.timedOut)
        #expect(a != VTXError(.wouldBlock, "first message"))
        #expect(Set([a, b, VTXError.wouldBlock]).count == 2)
        #expect(a.description == "timedOut: first message")
        #expect(VTXError.notSupported.code == .notSupported)
        #expect(VTXError.invalidEndpoint.code == .invalidEndpoint)
        #expect(throws: VTXError.wouldBlock) { throw VTXError(.wouldBlock, "custom text") }
        #expect(VTXError.Code.allCases.count == Set(VTXError.Code.allCases.map(\.rawValue)).count)
    }
}
