import Testing
import VTXTestSupport

@testable import VTXCore

/// The queue moves messages bitwise, in and out (issue 15: each whole-message copy the optimizer made on the way
/// cost a pass through the value witnesses). These check that nothing is lost, kept twice or leaked on the way:
/// every frame's storage is released exactly when the last message holding it goes.
@Suite("MessageMoveTests", .timeLimit(.minutes(1)))
struct MessageMoveTests {
    /// A frame with a heap block of its own (larger than a slab body, smaller than a buffer-backed one), and a
    /// weak reference to watch that block.
    private static func watchedFrame(_ seed: UInt8) -> (Frame, Weak) {
        let frame = Frame([UInt8](repeating: seed, count: 3000))
        guard case .heap(let storage) = frame.storage else {
            Issue.record("a 3000-byte frame should have a heap block of its own")
            return (frame, Weak(FrameStorage.make(count: 0) { _ in }))
        }
        return (frame, Weak(storage))
    }

    @Test func writingLeavesTheSourceEmptyAndReadingHandsTheMessageOver() {
        let queue = MessageQueue(highWaterMark: 0)
        var watched: Weak?
        do {
            let (frame, weak) = Self.watchedFrame(7)
            watched = weak
            var message = Message([Frame("id"), frame, Frame("tail")])
            message.metadata = MessageMetadata([(name: "Peer-Address", value: "here")])
            queue.write(moving: &message)
            #expect(message.holdsNoReferences, "the moved-from message has no frames and no metadata")
            #expect(message.isEmpty && message.rest.isEmpty)
            _ = queue.flush()
            var received = Message()
            #expect(queue.read(into: &received))
            #expect(received.count == 3)
            #expect(received[0] == Frame("id") && received[2] == Frame("tail"))
            #expect(received[1].bytes == [UInt8](repeating: 7, count: 3000))
            #expect(received.property("Peer-Address") == "here")
            #expect(watched?.object != nil, "the received message holds the frame")
        }
        #expect(watched?.object == nil, "the frame's block is freed with the last message holding it")
    }

    /// Reading into a message that still holds frames destroys them first; an empty queue leaves it alone.
    @Test func theOldContentsOfTheTargetAreFreed() {
        let queue = MessageQueue(highWaterMark: 0)
        var oldWatch: Weak?
        var target = Message()
        do {
            let (old, weak) = Self.watchedFrame(3)
            oldWatch = weak
            target = Message(old)
        }
        #expect(!queue.read(into: &target), "nothing queued")
        #expect(target.count == 1 && oldWatch?.object != nil, "a failed read leaves the message as it was")
        queue.write(Message("next"))
        _ = queue.flush()
        #expect(queue.read(into: &target))
        #expect(oldWatch?.object == nil, "the frame the target held went when it was overwritten")
        #expect(target == Message("next"))
    }

    /// The pipe reads through the queue's move: markers are taken (not handed out), and every message is stamped.
    @Test func aPipeReadSkipsMarkersAndStamps() {
        let (writer, reader) = VTXCore.MessagePipe.makePair(
            firstToSecond: 0,
            secondToFirst: 0,
            firstPeer: PeerInfo(socketType: .pull, address: "test://reader"),
            secondPeer: PeerInfo(socketType: nil, address: "test://placeholder")
        )
        let peer = MessageMetadata([(name: "Peer-Address", value: "announced")])
        writer.announce(peer)
        writer.flush()
        var message = Message()
        #expect(!reader.readStamped(into: &message), "a marker alone is nothing to read")
        #expect(message.isEmpty)
        for index in 0..<3 { #expect(writer.write(Message(Frame("m\(index)")))) }
        writer.flush()
        for index in 0..<3 {
            #expect(reader.readStamped(into: &message))
            #expect(message == Message(Frame("m\(index)")))
            #expect(message.metadata === peer)
        }
        #expect(!reader.readStamped(into: &message))
    }

    /// Only a message whose bytes own no reference may be overwritten without being destroyed first.
    @Test func onlyInlineMessagesWithoutMetadataHoldNoReferences() {
        #expect(Message().holdsNoReferences)
        #expect(Message("short").holdsNoReferences)
        #expect(Message([Frame("a"), Frame("b")]).holdsNoReferences)
        #expect(!Message(Self.watchedFrame(1).0).holdsNoReferences, "a heap frame")
        #expect(!Message([Frame("a"), Self.watchedFrame(1).0]).holdsNoReferences, "a heap second frame")
        #expect(!Message([Frame("a"), Frame("b"), Frame("c")]).holdsNoReferences, "an array of further frames")
        var stamped = Message("short")
        stamped.metadata = MessageMetadata([(name: "Peer-Address", value: "here")])
        #expect(!stamped.holdsNoReferences, "metadata")
    }

    /// A driver reads every message into one reused variable through the public, unstamped `read(into:)`: each
    /// read releases what the previous message held (a heap frame, a third frame's array, metadata) and nothing
    /// else, and the socket's stamped read adds the peer's properties.
    @Test func readingIntoOneMessageAgainReleasesOnlyWhatItHeld() {
        let (writer, reader) = VTXCore.MessagePipe.makePair(
            firstToSecond: 0,
            secondToFirst: 0,
            firstPeer: PeerInfo(socketType: .pull, address: "test://reader"),
            secondPeer: PeerInfo(socketType: .push, address: "test://writer")
        )
        var heapWatch: Weak?
        var restWatch: Weak?
        var metadataWatch: Weak?
        do {
            let (heap, weak) = Self.watchedFrame(5)
            heapWatch = weak
            let (inRest, restWeak) = Self.watchedFrame(6)
            restWatch = restWeak
            #expect(writer.write(Message(heap)))
            #expect(writer.write(Message("inline")))
            #expect(writer.write(Message([Frame("a"), Frame("b"), inRest])))
            var withMetadata = Message("carried")
            let metadata = MessageMetadata([(name: "Peer-Address", value: "carried")])
            metadataWatch = Weak(metadata)
            withMetadata.metadata = metadata
            #expect(writer.write(withMetadata))
            #expect(writer.write(Message("last")))
        }
        writer.flush()
        var message = Message()
        #expect(reader.read(into: &message))
        #expect(message.count == 1 && message[0].count == 3000 && message.metadata == nil, "read(into:) is unstamped")
        #expect(heapWatch?.object != nil)
        #expect(reader.read(into: &message))
        #expect(message == Message("inline"))
        #expect(heapWatch?.object == nil, "the heap frame went when the message was read over")
        #expect(reader.read(into: &message))
        #expect(message.count == 3 && restWatch?.object != nil)
        #expect(reader.read(into: &message))
        #expect(restWatch?.object == nil, "the third frame's array went with its frame")
        #expect(message == Message("carried") && message.property("Peer-Address") == "carried")
        #expect(reader.readStamped(into: &message))
        #expect(metadataWatch?.object == nil, "the metadata went")
        #expect(message == Message("last"))
        #expect(message.property("Peer-Address") == "test://writer", "the socket's read stamps the peer")
        #expect(!reader.read(into: &message))
        #expect(message == Message("last"), "an empty pipe leaves the message alone")
    }
}
