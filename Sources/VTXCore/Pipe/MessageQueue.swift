import Synchronization

/// A single-producer single-consumer queue of messages with batched publication, after libzmq's `ypipe`.
///
/// The writer appends messages to private storage and makes them visible with ``flush()``, which costs one
/// compare-and-swap for however many messages were written since the last flush. The reader takes everything
/// published with one compare-and-swap and then reads without any atomic operation until it runs dry. When it
/// runs dry it marks itself asleep in the same operation, so the writer's next flush reports that the reader must
/// be woken; a reader that finds data never needs a wake-up.
///
/// Storage is a linked list of chunks of ``granularity`` slots; the reader hands one emptied chunk back for the
/// writer to reuse, so a queue in steady state allocates nothing.
///
/// Thread safety: exactly one thread may write (``write(_:)``, ``flush()``) and exactly one may read
/// (``read()``, ``checkRead()``) at a time. The flow-control counters are atomics shared by both.
final class MessageQueue: @unchecked Sendable {
    static let granularity = 256
    private static let headerSize = 64

    typealias Slot = UnsafeMutablePointer<Message>

    // Reader-private. Like the writer's fields below, each is touched by one thread only and never through an
    // overlapping access, so the dynamic exclusivity checks (about 80 instructions each) are turned off.
    @exclusivity(unchecked) private var beginChunk: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var beginPosition = 0
    @exclusivity(unchecked) private var readLimit: Slot?
    /// Keeps the writer's fields off the reader's cache line: both are written on every message, and sharing a
    /// line cost a third of the throughput.
    private var readerPadding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

    // Writer-private.
    @exclusivity(unchecked) private var backChunk: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var backPosition = 0
    @exclusivity(unchecked) private var endChunk: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var endPosition = 0
    @exclusivity(unchecked) private var flushedUpTo: Slot
    @exclusivity(unchecked) private var completeUpTo: Slot
    /// Keeps the shared atomics off the writer's cache line.
    private var writerPadding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

    // Shared.
    private let published: Atomic<Slot?>
    private let spareChunk = Atomic<UnsafeMutableRawPointer?>(nil)

    /// The high-water mark in messages (0 = unlimited), derived from ``shares``.
    let highWaterMark: Atomic<Int>
    /// The parts the high-water mark is made of: the writer's SNDHWM and the reader's RCVHWM. A combined queue
    /// (inproc, socket to socket) holds their sum (0 if either is 0, libzmq's rule); an uncombined one (socket to
    /// driver) holds whichever side last set its share.
    private let shares: Locked<(writer: Int, reader: Int, combined: Bool)>
    /// The number of messages the reader has consumed, published every low-water-mark messages.
    let readCount = Atomic<Int>(0)
    /// Set by a writer that found the queue full and wants a `writable` notification.
    let writerWaiting = Atomic<Bool>(false)
    /// Set when the reading side has closed; writes are pointless after that.
    let readerClosed = Atomic<Bool>(false)

    init(highWaterMark: Int) {
        self.highWaterMark = Atomic(highWaterMark)
        self.shares = Locked((highWaterMark, highWaterMark, false))
        let first = MessageQueue.allocateChunk()
        beginChunk = first
        backChunk = first
        endChunk = first
        // Reserve the first back slot, as the writer always writes into `back`.
        let slot = MessageQueue.slot(first, 0)
        flushedUpTo = slot
        completeUpTo = slot
        published = Atomic(slot)
        endPosition = 1
    }

    deinit {
        // Destroy the messages that were written but never read: from the front up to (excluding) back.
        var chunk = beginChunk
        var position = beginPosition
        let back = MessageQueue.slot(backChunk, backPosition)
        while MessageQueue.slot(chunk, position) != back {
            MessageQueue.slot(chunk, position).deinitialize(count: 1)
            position += 1
            if position == MessageQueue.granularity {
                let next = MessageQueue.next(of: chunk)!
                chunk.deallocate()
                chunk = next
                position = 0
            }
        }
        // Free the chunks from the current one to the end.
        var remaining: UnsafeMutableRawPointer? = chunk
        while let current = remaining {
            remaining = current == endChunk ? nil : MessageQueue.next(of: current)
            current.deallocate()
        }
        if let spare = spareChunk.exchange(nil, ordering: .acquiring) {
            spare.deallocate()
        }
    }

    /// Sets both shares; `combined` makes the mark their sum.
    func setShares(writer: Int, reader: Int, combined: Bool) {
        shares.withLock { shares in
            shares = (max(0, writer), max(0, reader), combined)
            highWaterMark.store(MessageQueue.mark(shares), ordering: .relaxed)
        }
    }

    /// Changes the writer's share (its SNDHWM) and recomputes the mark.
    func setWriterShare(_ value: Int) {
        shares.withLock { shares in
            shares.writer = max(0, value)
            if !shares.combined { shares.reader = shares.writer }
            highWaterMark.store(MessageQueue.mark(shares), ordering: .relaxed)
        }
    }

    /// Changes the reader's share (its RCVHWM) and recomputes the mark.
    func setReaderShare(_ value: Int) {
        shares.withLock { shares in
            shares.reader = max(0, value)
            if !shares.combined { shares.writer = shares.reader }
            highWaterMark.store(MessageQueue.mark(shares), ordering: .relaxed)
        }
    }

    private static func mark(_ shares: (writer: Int, reader: Int, combined: Bool)) -> Int {
        guard shares.combined else { return shares.writer }
        return shares.writer == 0 || shares.reader == 0 ? 0 : shares.writer + shares.reader
    }

    private static func allocateChunk() -> UnsafeMutableRawPointer {
        let bytes = headerSize + granularity * MemoryLayout<Message>.stride
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        chunk.storeBytes(of: nil, as: UnsafeMutableRawPointer?.self)
        return chunk
    }

    @inline(__always)
    private static func slot(_ chunk: UnsafeMutableRawPointer, _ position: Int) -> Slot {
        (chunk + headerSize).assumingMemoryBound(to: Message.self) + position
    }

    @inline(__always)
    private static func next(of chunk: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        chunk.load(as: UnsafeMutableRawPointer?.self)
    }

    // MARK: Writer

    /// Appends a message; it becomes visible to the reader at the next ``flush()``.
    @inline(__always)
    func write(_ message: Message) {
        MessageQueue.slot(backChunk, backPosition).initialize(to: message)
        advanceBack()
        completeUpTo = MessageQueue.slot(backChunk, backPosition)
    }

    /// An empty message, whose bytes ``write(moving:)`` copies into the message it moved from: made once and
    /// kept for the life of the process. (Written once, by the lazy initializer, and only read after: safe to
    /// share.)
    nonisolated(unsafe) private static let emptyMessage: UnsafeRawPointer = {
        let message = UnsafeMutablePointer<Message>.allocate(capacity: 1)
        message.initialize(to: Message())
        return UnsafeRawPointer(message)
    }()

    /// Appends a message by moving it out of `message` (which is left empty): no reference counting, so a
    /// large frame crosses to the reader without a single atomic operation on the sending side.
    @inline(__always)
    func write(moving message: inout Message) {
        let slot = MessageQueue.slot(backChunk, backPosition)
        withUnsafeMutablePointer(to: &message) { source in
            // A bitwise move (a `Message` is bitwise-movable: no weak references), as `initialize(to: source.move())`
            // compiled to a copy and a destroy of the message, each a walk over its frames with a retain/release.
            UnsafeMutableRawPointer(slot).copyMemory(from: source, byteCount: MemoryLayout<Message>.size)
            // The moved-from message becomes empty by a copy of an empty message's bytes: `initializeMemory(to:
            // Message())` built a temporary and copied it through the value witness, then destroyed it. An empty
            // message holds no counted reference (no frames, no metadata, and the empty array is a static
            // singleton), so its bytes can be copied without retains.
            UnsafeMutableRawPointer(source).copyMemory(
                from: MessageQueue.emptyMessage, byteCount: MemoryLayout<Message>.size
            )
        }
        advanceBack()
        completeUpTo = MessageQueue.slot(backChunk, backPosition)
    }

    @inline(__always)
    private func advanceBack() {
        backChunk = endChunk
        backPosition = endPosition
        endPosition += 1
        if endPosition == MessageQueue.granularity {
            let fresh = spareChunk.exchange(nil, ordering: .acquiring) ?? MessageQueue.allocateChunk()
            fresh.storeBytes(of: nil, as: UnsafeMutableRawPointer?.self)
            endChunk.storeBytes(of: fresh, as: UnsafeMutableRawPointer?.self)
            endChunk = fresh
            endPosition = 0
        }
    }

    /// Publishes everything written so far. Returns `false` when the reader was asleep and must be woken.
    @inline(__always)
    func flush() -> Bool {
        if flushedUpTo == completeUpTo { return true }
        let (exchanged, _) = published.compareExchange(
            expected: flushedUpTo,
            desired: completeUpTo,
            ordering: .acquiringAndReleasing
        )
        if !exchanged {
            // The reader set `published` to nil: it is asleep.
            published.store(completeUpTo, ordering: .releasing)
            flushedUpTo = completeUpTo
            return false
        }
        flushedUpTo = completeUpTo
        return true
    }

    // MARK: Reader

    /// Whether a message can be read now. When none can, the reader is marked asleep, and the writer's next
    /// flush will report it.
    @inline(__always)
    func checkRead() -> Bool {
        let front = MessageQueue.slot(beginChunk, beginPosition)
        if let limit = readLimit, limit != front { return true }
        let (_, original) = published.compareExchange(expected: front, desired: nil, ordering: .acquiringAndReleasing)
        readLimit = original
        guard let limit = original, limit != front else { return false }
        return true
    }

    /// Whether the next readable message is a marker (an empty message: an announcement or the close marker).
    /// Call only after ``checkRead()`` returned `true`.
    func frontIsMarker() -> Bool {
        MessageQueue.slot(beginChunk, beginPosition).pointee.isEmpty
    }

    /// Takes the next published message, or returns `nil` (and marks the reader asleep) when there is none.
    @inline(__always)
    func read() -> Message? {
        guard checkRead() else { return nil }
        let front = MessageQueue.slot(beginChunk, beginPosition)
        let message = front.move()
        advanceBegin()
        return message
    }

    /// Reads the next message into `message` (what it held is destroyed first) by a bitwise move out of the
    /// queue; `false`, leaving `message` alone, when there is none. `message = read()!` cost a copy of the message
    /// and two destroys through the value witnesses; a message that holds no reference (an empty one, or the
    /// small inline message a reader reuses) has nothing to destroy, and is overwritten as it is.
    @inline(__always)
    func read(into message: inout Message) -> Bool {
        guard checkRead() else { return false }
        let front = MessageQueue.slot(beginChunk, beginPosition)
        withUnsafeMutablePointer(to: &message) { target in
            if !target.pointee.holdsNoReferences { target.deinitialize(count: 1) }
            UnsafeMutableRawPointer(target).copyMemory(from: front, byteCount: MemoryLayout<Message>.size)
        }
        advanceBegin()
        return true
    }

    /// Steps past the message at the front, handing a finished chunk back to the writer.
    @inline(__always)
    private func advanceBegin() {
        beginPosition += 1
        if beginPosition == MessageQueue.granularity {
            let finished = beginChunk
            beginChunk = MessageQueue.next(of: finished)!
            beginPosition = 0
            if let old = spareChunk.exchange(finished, ordering: .acquiringAndReleasing) {
                old.deallocate()
            }
        }
    }
}
