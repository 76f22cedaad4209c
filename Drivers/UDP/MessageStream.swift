import NIOCore
import VTXCore

/// Cuts outgoing messages into datagram payloads (`docs/udp-protocol.md` §5): each frame is written as
/// `[flags u8: bit 0 = more][length u32][bytes]`; small messages share a payload, a large one spans several. A
/// payload that begins at a message boundary is marked so, which lets a best-effort receiver resume after a loss.
struct MessagePacker {
    /// A sealed payload and whether it starts at a message boundary.
    struct Chunk {
        var bytes: ByteBuffer
        var boundary: Bool
    }

    /// Bytes per payload.
    let capacity: Int
    private var current: ByteBuffer
    private var currentBoundary = true
    /// Payloads ready to send, oldest first.
    private(set) var ready: [Chunk] = []
    private var readyStart = 0

    /// Makes a packer for payloads of at most `capacity` bytes.
    init(capacity: Int) {
        self.capacity = capacity
        current = ByteBuffer()
        current.reserveCapacity(capacity)
    }

    /// Payloads sealed and not yet taken.
    var readyCount: Int { ready.count - readyStart }
    /// Whether a partly filled payload is waiting for ``seal()``.
    var hasPartial: Bool { current.readableBytes > 0 }

    /// The bytes `message` takes in the stream.
    static func encodedSize(of message: Message) -> Int {
        message.reduce(0) { $0 + 5 + $1.count }
    }

    /// Adds a message; whole payloads are sealed as they fill.
    mutating func append(_ message: Message) {
        let size = MessagePacker.encodedSize(of: message)
        if current.readableBytes > 0 && current.readableBytes + size > capacity { seal() }
        let last = message.count - 1
        for (index, frame) in message.enumerated() {
            let more: UInt8 = index < last ? 1 : 0
            if capacity - current.readableBytes >= 5 + frame.count {
                // The common case: the whole frame fits in the payload being filled.
                current.writeMultipleIntegers(more, UInt32(frame.count))
                frame.withUnsafeBytes { _ = current.writeBytes($0) }
                if current.readableBytes == capacity { sealFull(continuing: index < last) }
                continue
            }
            let header = [more, UInt8(frame.count >> 24), UInt8((frame.count >> 16) & 0xFF),
                          UInt8((frame.count >> 8) & 0xFF), UInt8(frame.count & 0xFF)]
            write(header)
            frame.withUnsafeBytes { write($0) }
        }
    }

    private mutating func write<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        var rest = bytes[...]
        while !rest.isEmpty {
            let room = capacity - current.readableBytes
            let take = rest.prefix(room)
            current.writeBytes(take)
            rest = rest.dropFirst(take.count)
            if current.readableBytes == capacity {
                sealFull(continuing: !rest.isEmpty)
            }
        }
    }

    private mutating func sealFull(continuing: Bool) {
        ready.append(Chunk(bytes: current, boundary: currentBoundary))
        current = ByteBuffer()
        current.reserveCapacity(capacity)
        currentBoundary = !continuing
    }

    private mutating func write(_ bytes: UnsafeRawBufferPointer) {
        write(UnsafeRawBufferPointer(bytes).bindMemory(to: UInt8.self))
    }

    /// Seals the partly filled payload, if any, so it can be sent.
    mutating func seal() {
        guard current.readableBytes > 0 else { return }
        ready.append(Chunk(bytes: current, boundary: currentBoundary))
        current = ByteBuffer()
        current.reserveCapacity(capacity)
        currentBoundary = true
    }

    /// Takes the oldest sealed payload.
    mutating func take() -> Chunk? {
        guard readyStart < ready.count else { return nil }
        let chunk = ready[readyStart]
        readyStart += 1
        if readyStart > 64 && readyStart * 2 > ready.count {
            ready.removeFirst(readyStart)
            readyStart = 0
        }
        return chunk
    }

    /// Drops everything not yet taken (a best-effort stream after a reset).
    mutating func reset() {
        ready = []
        readyStart = 0
        current.clear()
        currentBoundary = true
    }
}

/// Rebuilds messages from the payloads of one stream, in order (`docs/udp-protocol.md` §5). Bounded: a frame
/// header announcing more than the message limit fails before anything is allocated for it.
struct MessageUnpacker {
    private var pending = ByteBuffer()
    private var frames: [Frame] = []
    private var messageBytes = 0
    /// The largest message accepted.
    let limit: Int
    /// The most frames one message may have.
    static let frameLimit = 1 << 20

    /// Makes an unpacker that refuses messages over `limit` bytes.
    init(limit: Int) { self.limit = limit }

    /// Whether bytes are waiting that do not make a whole message yet.
    var isMidMessage: Bool { pending.readableBytes > 0 || !frames.isEmpty }

    /// Adds a payload's bytes.
    mutating func feed(_ payload: ByteBuffer) {
        if pending.readableBytes == 0 {
            pending = payload
        } else {
            var payload = payload
            pending.writeBuffer(&payload)
        }
    }

    /// The next whole message, `nil` when more bytes are needed.
    ///
    /// - Throws: ``VTXError/Code/messageTooLarge`` when the message grows past ``limit``.
    mutating func next() throws(VTXError) -> Message? {
        while true {
            guard let (flags, length) = pending.getMultipleIntegers(
                at: pending.readerIndex, as: (UInt8, UInt32).self)
            else { return nil }
            let size = Int(length)
            guard messageBytes + size <= limit else {
                throw VTXError(.messageTooLarge, "a message of more than \(limit) bytes (the limit) arrived")
            }
            guard frames.count < MessageUnpacker.frameLimit else {
                throw VTXError(.messageTooLarge, "a message of more than \(MessageUnpacker.frameLimit) frames arrived")
            }
            guard pending.readableBytes >= 5 + size else { return nil }
            pending.moveReaderIndex(forwardBy: 5)
            let body = pending.readSlice(length: size)!
            frames.append(Frame(body))
            messageBytes += size
            if pending.readableBytes == 0 { pending = ByteBuffer() } else if pending.readerIndex > 1 << 16 {
                pending.discardReadBytes()
            }
            if flags & 1 == 0 {
                let message = Message(frames)
                frames = []
                messageBytes = 0
                return message
            }
        }
    }

    /// Forgets a partial message (a best-effort stream after a gap).
    mutating func reset() {
        pending = ByteBuffer()
        frames = []
        messageBytes = 0
    }
}
