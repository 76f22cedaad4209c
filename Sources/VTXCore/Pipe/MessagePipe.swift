import Synchronization

/// One end of a data channel between a socket and a peer: a pair of single-producer single-consumer queues,
/// one each way, with a high-water mark on each.
///
/// A socket holds one end and a driver (or, over inproc, another socket) holds the other. Each end is used by one
/// thread at a time. Whole messages are written with ``write(_:)`` and published in batches with ``flush()``; the
/// other end's owner is woken (through its ``PipeEventSink``) only when it had run dry. ``read()`` returns whole
/// messages and, every low-water-mark messages, returns credit to the writer.
///
/// Thread safety: the owning thread calls `write`, `flush`, `read` and `close`; the sink and peer links are
/// guarded by a lock that is taken only on the wake-up path, never per message.
public final class MessagePipe: @unchecked Sendable, CustomStringConvertible {
    let inbound: MessageQueue
    let outbound: MessageQueue

    /// What is known of the peer at the other end.
    public let peer: PeerInfo

    private struct Links {
        var other: MessagePipe?
        var sink: (any PipeEventSink)?
        var missedReadable = false
        var missedWritable = false
        var missedClosed = false
    }
    private let links: Locked<Links>

    // Writer-private (and reader-private below): one thread each, no overlapping accesses, so no dynamic
    // exclusivity checks.
    @exclusivity(unchecked) private var written = 0
    @exclusivity(unchecked) private var knownRead = 0

    // Reader-private.
    @exclusivity(unchecked) private var consumed = 0
    @exclusivity(unchecked) private var consumedSinceCredit = 0
    @exclusivity(unchecked) private var lowWaterMark: Int

    /// Set once this end is closed by its owner.
    @exclusivity(unchecked) public private(set) var isClosed = false
    /// Set once this end has read the other end's close marker: nothing more will arrive.
    @exclusivity(unchecked) public private(set) var isPeerClosed = false

    /// The endpoint this pipe was attached through, as recorded by the owning socket.
    var endpointID: EndpointID?
    /// The routing id the owning ROUTER assigned to this pipe.
    var routingId: Frame?
    /// Position bookkeeping for the owning socket's pipe sets (load balancer, fair queue, distributor).
    var fairQueueIndex = -1
    var loadBalancerIndex = -1
    var distributorIndex = -1
    /// Shared metadata stamped on messages received through this end; `nil` while the peer is not known yet
    /// (a connect made before its handshake), in which case the driver announces each peer (``announce(_:)``).
    let metadata: MessageMetadata?
    /// Reader-private: what ``readStamped(into:)`` stamps on each message; ``metadata``, or the last peer announced.
    @exclusivity(unchecked) private var stamp: MessageMetadata?

    private init(inbound: MessageQueue, outbound: MessageQueue, peer: PeerInfo) {
        self.inbound = inbound
        self.outbound = outbound
        self.peer = peer
        self.metadata = peer.socketType == nil ? nil : peer.makeMetadata()
        self.stamp = metadata
        self.lowWaterMark = MessagePipe.lowWaterMark(for: inbound.highWaterMark.load(ordering: .relaxed))
        self.links = Locked(Links())
    }

    /// Makes the two ends of a new channel.
    ///
    /// - Parameters:
    ///   - firstToSecond: high-water mark (in messages, 0 = unlimited) of the direction the first end writes.
    ///   - secondToFirst: high-water mark of the direction the second end writes.
    ///   - firstPeer: what the first end knows of its peer (the owner of the second end).
    ///   - secondPeer: what the second end knows of its peer (the owner of the first end).
    /// - Returns: the two ends; give each to its owner with ``setSink(_:)``.
    public static func makePair(
        firstToSecond: Int,
        secondToFirst: Int,
        firstPeer: PeerInfo,
        secondPeer: PeerInfo
    ) -> (first: MessagePipe, second: MessagePipe) {
        let forward = MessageQueue(highWaterMark: max(0, firstToSecond))
        let backward = MessageQueue(highWaterMark: max(0, secondToFirst))
        let first = MessagePipe(inbound: backward, outbound: forward, peer: firstPeer)
        let second = MessagePipe(inbound: forward, outbound: backward, peer: secondPeer)
        first.links.withLock { $0.other = second }
        second.links.withLock { $0.other = first }
        return (first, second)
    }

    private static func lowWaterMark(for highWaterMark: Int) -> Int {
        highWaterMark == 0 ? Int.max : max(1, (highWaterMark + 1) / 2)
    }

    /// Installs the sink that receives this end's events, delivering any that arrived before it was set.
    public func setSink(_ sink: any PipeEventSink) {
        let missed = links.withLock { links -> [PipeEvent] in
            links.sink = sink
            var missed: [PipeEvent] = []
            if links.missedReadable { missed.append(.readable) }
            if links.missedWritable { missed.append(.writable) }
            if links.missedClosed { missed.append(.closed) }
            links.missedReadable = false
            links.missedWritable = false
            links.missedClosed = false
            return missed
        }
        for event in missed { sink.pipe(self, didSignal: event) }
    }

    /// Installs the sink of a driver's end and sends it ``PipeEvent/readable`` at once (perhaps from inside this
    /// call), whatever the pipe holds. The reader of a new queue starts awake, so a flush into it wakes nobody; an
    /// owner that reads only on `.readable` would otherwise never be told. With this, "read on `.readable` until
    /// ``read()`` returns `nil`" is the whole rule for a driver. (A socket's own end needs no such event: the
    /// socket reads a new pipe when it attaches it, and an extra event would reorder its fair queue.)
    func setDriverSink(_ sink: any PipeEventSink) {
        links.withLock { $0.missedReadable = true }
        setSink(sink)
    }

    private func signal(_ event: PipeEvent) {
        let sink = links.withLock { links -> (any PipeEventSink)? in
            if links.sink == nil {
                switch event {
                case .readable: links.missedReadable = true
                case .writable: links.missedWritable = true
                case .closed: links.missedClosed = true
                }
            }
            return links.sink
        }
        sink?.pipe(self, didSignal: event)
    }

    private func signalOther(_ event: PipeEvent) {
        let other = links.withLock { $0.other }
        other?.signal(event)
    }

    // MARK: Writing

    /// Whether a message can be written now without exceeding the high-water mark.
    ///
    /// When it cannot, the writer is registered for a ``PipeEvent/writable`` event.
    @inline(__always)
    public func checkWrite() -> Bool {
        // A reader that closed (a connection that ended) takes nothing more, even before its `.closed` event has
        // been processed; checking here keeps the load balancer from writing into a dead pipe.
        if isClosed || outbound.readerClosed.load(ordering: .relaxed) { return false }
        // The mark is read on every write (one relaxed load of a line that rarely changes), so a lowered mark
        // takes effect at once; the reader's count is reloaded only when the pipe looks full.
        let mark = outbound.highWaterMark.load(ordering: .relaxed)
        if mark == 0 || written &- knownRead < mark { return true }
        return refreshCredit(mark)
    }

    @inline(never)
    private func refreshCredit(_ mark: Int) -> Bool {
        if outbound.readerClosed.load(ordering: .relaxed) { return false }
        knownRead = outbound.readCount.load(ordering: .acquiring)
        if written &- knownRead < mark { return true }
        outbound.writerWaiting.store(true, ordering: .sequentiallyConsistent)
        knownRead = outbound.readCount.load(ordering: .sequentiallyConsistent)
        if written &- knownRead < mark {
            outbound.writerWaiting.store(false, ordering: .relaxed)
            return true
        }
        return false
    }

    /// Messages written that the reader has not taken yet, as far as this end knows: the reader publishes its
    /// count every low-water mark, so this may be up to that much too high. Not for the hot path (one atomic load).
    var queuedOutbound: Int {
        max(0, written &- outbound.readCount.load(ordering: .relaxed))
    }

    /// Writes a whole message if the high-water mark allows. Returns `false` (writing nothing) when the pipe is
    /// full or closed; a full pipe sends a ``PipeEvent/writable`` event once the reader has made room. The message
    /// must have at least one frame: an empty message is how the pipe carries its own markers (see
    /// ``announce(_:)``), and the reader takes it as one.
    @inline(__always)
    public func write(_ message: Message) -> Bool {
        guard checkWrite() else { return false }
        outbound.write(message)
        written &+= 1
        return true
    }

    /// Writes a whole message by moving it out of `message` if the high-water mark allows; on `false` (full or
    /// closed) `message` is left as it was.
    @inline(__always)
    public func write(moving message: inout Message) -> Bool {
        guard checkWrite() else { return false }
        outbound.write(moving: &message)
        written &+= 1
        return true
    }

    /// Writes a message as ``write(moving:)`` does and, when it was written, flushes it.
    @inline(__always)
    func writeAndFlush(moving message: inout Message) -> Bool {
        guard write(moving: &message) else { return false }
        flush()
        return true
    }

    /// Writes a message whatever the high-water mark (subscriptions, routing notifications).
    func forceWrite(_ message: Message) {
        outbound.write(message)
        written &+= 1
    }

    /// Tells the reader that the messages written from now on come from a peer with these properties; it stamps
    /// them on each message it reads from then on, on its own thread. A driver whose pipe outlives its connections
    /// (a connect's pipe, made before the peer is known) calls this at every handshake, before writing what that
    /// connection receives, so that messages still queued from an earlier connection keep that one's properties.
    ///
    /// The announcement travels in the pipe as an empty message (a real message always has a frame); it does not
    /// count toward the high-water mark.
    ///
    /// Every announcement after the first tells the socket that a new connection serves the pipe, and the socket
    /// sends what the new peer must learn again (a subscriber's subscriptions), as libzmq does after a reconnect.
    public func announce(_ metadata: MessageMetadata) {
        var marker = Message()
        marker.metadata = metadata
        writeMarker(marker)
        flush()
        let other = links.withLock { $0.other }
        other?.peerAnnounced()
    }

    private let announcements = Atomic<Int>(0)
    /// How many peers the other end has announced in this pipe so far (see ``announce(_:)``).
    var announcedPeers: Int { announcements.load(ordering: .acquiring) }
    /// Owner-private: how many announcements the owning socket has acted on.
    var announcementsHandled = 0

    /// The other end announced a peer: count it and tell the owning socket.
    private func peerAnnounced() {
        announcements.add(1, ordering: .releasing)
        let sink = links.withLock { $0.sink }
        (sink as? Mailbox)?.push(.peerAnnounced(self))
    }

    /// Writes an empty control message (an announcement or the close marker) outside the high-water mark's count.
    private func writeMarker(_ marker: Message) {
        outbound.write(marker)
    }

    /// Publishes the messages written since the last flush, waking the reader if it had run dry.
    @inline(__always)
    public func flush() {
        if !outbound.flush() {
            signalOther(.readable)
        }
    }

    // MARK: Reading

    /// Reads the next whole message, or returns `nil` when there is none now (or the peer has closed: see
    /// ``isPeerClosed``). A `nil` result arms a ``PipeEvent/readable`` event for when data arrives.
    @inline(__always)
    public func read() -> Message? {
        guard !isPeerClosed, let message = inbound.read() else { return nil }
        if message.isEmpty { return read(after: message) }
        countConsumed()
        return message
    }

    /// Counts a message read, and hands the writer its credit back every ``lowWaterMark`` messages.
    @inline(__always)
    private func countConsumed() {
        consumed &+= 1
        consumedSinceCredit &+= 1
        if consumedSinceCredit >= lowWaterMark {
            returnCredit()
        }
    }

    /// Takes a marker read from the queue, then reads on.
    @inline(never)
    private func read(after marker: Message) -> Message? {
        takeMarker(marker)
        return read()
    }

    /// Reads the next whole message into `message`, as ``read()`` does (unstamped), but by a move into a message
    /// the caller keeps: what `message` held is released first, and a message of inline frames with no metadata
    /// (the usual one to read into again) is overwritten at no cost. Returns `false` when there is none now, as
    /// ``read()`` returns `nil`, leaving `message` as it was (or empty, when the pipe held only markers). A driver
    /// draining a pipe in a loop reads every message into one variable this way, without a copy of each.
    @inline(__always)
    public func read(into message: inout Message) -> Bool {
        while !isPeerClosed, inbound.read(into: &message) {
            if message.isEmpty {
                // A marker, read into `message`: taken, and `message` is empty again (markers are rare).
                takeMarker(message)
                message = Message()
                continue
            }
            countConsumed()
            return true
        }
        return false
    }

    /// Reads the next whole message into `message` as ``read(into:)`` does, stamped with the properties of the
    /// peer it came from (this end's ``metadata``, or the peer last announced) when they are known: the socket's
    /// receive.
    @inline(__always)
    func readStamped(into message: inout Message) -> Bool {
        guard read(into: &message) else { return false }
        if let stamp { message.metadata = stamp }
        return true
    }

    /// Whether a message can be read now (markers do not count; they are taken here).
    public func checkRead() -> Bool {
        while !isPeerClosed, inbound.checkRead() {
            guard inbound.frontIsMarker() else { return true }
            if let marker = inbound.read() { takeMarker(marker) }
        }
        return false
    }

    /// Acts on an empty control message: the close marker ends the stream, an announcement changes the stamp.
    @inline(never)
    private func takeMarker(_ marker: Message) {
        if marker.metadata === MessageMetadata.closeMarker {
            isPeerClosed = true
        } else {
            stamp = marker.metadata
        }
    }

    @inline(never)
    private func returnCredit() {
        consumedSinceCredit = 0
        lowWaterMark = MessagePipe.lowWaterMark(for: inbound.highWaterMark.load(ordering: .relaxed))
        inbound.readCount.store(consumed, ordering: .sequentiallyConsistent)
        if inbound.writerWaiting.load(ordering: .sequentiallyConsistent),
            inbound.writerWaiting.exchange(false, ordering: .sequentiallyConsistent)
        {
            signalOther(.writable)
        }
    }

    // MARK: Configuration and life cycle

    /// Sets the high-water mark of the direction this end writes (0 = unlimited). With a `peerShare` (the other
    /// end's receive mark, for a socket-to-socket pipe such as inproc), the mark is the sum of both shares, and
    /// either side may change its own share later.
    public func setOutboundHighWaterMark(_ own: Int, peerShare: Int? = nil) {
        outbound.setShares(writer: own, reader: peerShare ?? own, combined: peerShare != nil)
        wakeWriter(of: outbound)
    }

    /// Sets the high-water mark of the direction this end reads (0 = unlimited); `peerShare` as for
    /// ``setOutboundHighWaterMark(_:peerShare:)``, the other end's send mark.
    public func setInboundHighWaterMark(_ own: Int, peerShare: Int? = nil) {
        inbound.setShares(writer: peerShare ?? own, reader: own, combined: peerShare != nil)
        wakeWriter(of: inbound)
    }

    /// The owner's send high-water mark changed.
    func updateSendShare(_ value: Int) {
        outbound.setWriterShare(value)
        wakeWriter(of: outbound)
    }

    /// The owner's receive high-water mark changed.
    func updateReceiveShare(_ value: Int) {
        inbound.setReaderShare(value)
        wakeWriter(of: inbound)
    }

    /// A writer waiting for room re-checks after a mark changed.
    private func wakeWriter(of queue: MessageQueue) {
        guard queue.writerWaiting.exchange(false, ordering: .sequentiallyConsistent) else { return }
        if queue === outbound { signal(.writable) } else { signalOther(.writable) }
    }

    /// The high-water mark of the direction this end writes.
    public var outboundHighWaterMark: Int { outbound.highWaterMark.load(ordering: .relaxed) }

    /// Closes this end. Messages already written stay readable by the other end, which then sees the close;
    /// messages not yet read by this end are dropped. Closing twice does nothing.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        inbound.readerClosed.store(true, ordering: .releasing)
        var marker = Message()
        marker.metadata = MessageMetadata.closeMarker
        writeMarker(marker)
        _ = outbound.flush()
        let other = links.withLock { links -> MessagePipe? in
            let other = links.other
            links.other = nil
            links.sink = nil
            return other
        }
        other?.signal(.closed)
    }

    /// The peer and the state of this end, for logs.
    public var description: String {
        "MessagePipe(peer: \(peer), closed: \(isClosed), peerClosed: \(isPeerClosed))"
    }
}

extension MessageMetadata {
    /// The marker that ends a closed pipe's message stream.
    static let closeMarker = MessageMetadata([])
}
