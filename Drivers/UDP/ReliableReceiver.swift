import NIOCore

/// The receiving half of a reliable stream (`docs/udp-protocol.md` §6): keeps payloads that arrive early, within a
/// window of a fixed number of datagrams (so memory is bounded), hands them out in order, and describes what it holds
/// for acknowledgements.
struct ReliableReceiver {
    /// The next sequence number to hand out.
    private(set) var next: UInt32
    /// Payloads held, by offset from ``next``.
    private var slots: [(payload: ByteBuffer, boundary: Bool)?]
    private var head = 0
    private(set) var held = 0

    init(initialSequence: UInt32, window: Int) {
        next = initialSequence
        slots = Array(repeating: nil, count: window)
    }

    /// The window, in datagrams.
    var window: Int { slots.count }
    /// Free room in the window, advertised to the sender.
    var freeWindow: Int { window - held }

    /// What became of an arriving payload.
    enum Arrival {
        /// Kept.
        case accepted
        /// Already handed out or already held: acknowledge again, keep nothing.
        case duplicate
        /// Beyond the window: dropped (the sender will send it again).
        case outOfWindow
    }

    /// Takes in the payload numbered `sequence`.
    mutating func receive(_ payload: ByteBuffer, sequence: UInt32, boundary: Bool) -> Arrival {
        let offset = Sequence.distance(from: next, to: sequence)
        if offset < 0 { return .duplicate }
        guard offset < window else { return .outOfWindow }
        let index = (head + offset) % window
        if slots[index] != nil { return .duplicate }
        slots[index] = (payload, boundary)
        held += 1
        return .accepted
    }

    /// Takes the next payload in order, if it has arrived.
    mutating func take() -> ByteBuffer? {
        guard let slot = slots[head] else { return nil }
        slots[head] = nil
        head = (head + 1) % window
        held -= 1
        next &+= 1
        return slot.payload
    }

    /// The selective-acknowledgement bitmap: bit `i` (byte `i / 8`, bit `i % 8`) is set when `next + i` is held.
    func bitmap() -> ByteBuffer {
        var bytes = [UInt8](repeating: 0, count: (window + 7) / 8)
        var last = -1
        if held > 0 {
            for offset in 0..<window where slots[(head + offset) % window] != nil {
                bytes[offset >> 3] |= 1 << (offset & 7)
                last = offset
            }
        }
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes.prefix(last < 0 ? 0 : last / 8 + 1))
        return buffer
    }
}

/// The receiving half of a best-effort stream: drops what comes late or twice, counts the datagrams that never
/// came, and says when the message stream must be resynchronised at the next message boundary.
struct BestEffortReceiver {
    private var last: UInt32?
    private var skipping = false
    /// Datagrams that never arrived (gaps in the sequence).
    private(set) var lost = 0
    /// Datagrams that came twice or too late.
    private(set) var late = 0

    /// What to do with an arriving payload.
    enum Verdict {
        /// Feed it to the message stream.
        case deliver
        /// Feed it after dropping the partial message (a gap came before it).
        case resynchronise
        /// Drop it.
        case drop
    }

    /// Decides about the payload numbered `sequence`.
    mutating func receive(sequence: UInt32, boundary: Bool) -> Verdict {
        if let last {
            let step = Sequence.distance(from: last, to: sequence)
            guard step > 0 else {
                late += 1
                return .drop
            }
            if step > 1 {
                lost += step - 1
                skipping = true
            }
        }
        last = sequence
        if skipping {
            guard boundary else { return .drop }
            skipping = false
            return .resynchronise
        }
        return .deliver
    }
}
