import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A multipart message: an ordered list of ``Frame``s that is sent and received as one unit.
///
/// All frames of a message reach a peer together or not at all. A message of one or two frames, each of up to
/// ``Frame/inlineCapacity`` bytes, needs no heap allocation (the first two frames are held in the value, further
/// ones in an array). Received messages carry the sending peer's
/// ``metadata`` (`Socket-Type`, `Routing-Id`, `Peer-Address`, and later `User-Id`).
public struct Message: Sendable {
    // The first two frames live in the value itself and the rest in an array, so the messages of the common
    // patterns (one body; a REQ/REP delimiter and body; a routing id and body) build no array: a REQ/REP round trip
    // allocates nothing for its frames. Invariant: `second` is set only when `head` is, `rest` is non-empty only
    // when `second` is set.
    @usableFromInline var head: Frame?
    @usableFromInline var second: Frame?
    @usableFromInline var rest: [Frame]

    /// Properties of the peer this message came from, or `nil` for a message built locally.
    public var metadata: MessageMetadata?

    // No initializer is declared in this body, so Swift makes the memberwise `init(head:second:rest:metadata:)`
    // (internal; the fields' invariant is the caller's to keep), and every other initializer, in the extension
    // below, delegates to it. The memberwise initializer builds the value in one step. An initializer written
    // here that assigns each field builds it in a `self` variable, and the optimizer then copies the whole
    // message out of that variable and destroys the original: an outlined copy and destroy per message built,
    // about 200 instructions on every send of `Message(frame)` (issue 15). The public ones are not `@inlinable`
    // for the same reason (an inlinable body may not call the internal memberwise initializer): from another
    // module they are a plain call, and within this one the optimizer inlines them anyway.
}

extension Message {
    /// An empty message with no frames.
    public init() {
        self.init(head: nil, second: nil, rest: [], metadata: nil)
    }

    /// A message made of the given frames.
    public init(_ frames: [Frame]) {
        self.init(
            head: frames.first,
            second: frames.count > 1 ? frames[1] : nil,
            rest: frames.count > 2 ? Array(frames[2...]) : [],
            metadata: nil
        )
    }

    /// A single-frame message.
    public init(_ frame: consuming Frame) {
        self.init(head: consume frame, second: nil, rest: [], metadata: nil)
    }

    /// A single-frame message holding the UTF-8 bytes of `string`.
    @inlinable
    public init(_ string: String) {
        self.init(Frame(string))
    }

    /// A single-frame message holding `bytes`.
    @inlinable
    public init(_ bytes: [UInt8]) {
        self.init(Frame(bytes))
    }

    /// A single-frame message holding the bytes of `data`.
    public init(_ data: Data) {
        self.init(Frame(data))
    }

    /// A single-frame message holding the readable bytes of `buffer` (shared, not copied, when large).
    public init(_ buffer: ByteBuffer) {
        self.init(Frame(buffer))
    }

    /// A message with one frame per string, each the string's UTF-8 bytes.
    public init(strings: [String]) {
        self.init(strings.map(Frame.init(_:)))
    }

    /// Whether the message's bytes own no reference at all, so overwriting it without destroying it loses nothing:
    /// no metadata, no array of further frames (the empty array is a static singleton), and at most two frames,
    /// each held inline. A message read into again and again (the engine's outbound batch reuses one) is usually
    /// such a message: small bodies are inline.
    @inlinable
    var holdsNoReferences: Bool {
        metadata == nil && rest.capacity == 0 && (head?.isInline ?? true) && (second?.isInline ?? true)
    }

    /// The frames of the message, in order.
    public var frames: [Frame] {
        Array(self)
    }

    /// Adds a frame at the end.
    @inlinable
    public mutating func append(_ frame: Frame) {
        if case .none = head {
            head = frame
        } else if case .none = second {
            second = frame
        } else {
            rest.append(frame)
        }
    }

    /// Adds a frame at the front (an envelope, a routing id).
    @inlinable
    public mutating func prepend(_ frame: Frame) {
        if let old = head {
            if let oldSecond = second { rest.insert(oldSecond, at: 0) }
            second = old
        }
        head = frame
    }

    /// Removes and returns the first frame, or `nil` when the message is empty.
    @inlinable
    @discardableResult
    public mutating func popFirst() -> Frame? {
        guard let first = head else { return nil }
        head = second
        second = rest.isEmpty ? nil : rest.removeFirst()
        return first
    }

    /// Removes the first `k` frames and returns them as a message of their own (with this message's metadata).
    /// Splitting off one frame allocates nothing.
    public mutating func removeFirst(_ k: Int) -> Message {
        // The count is read once: a message that reads `count` inside the precondition's autoclosure is copied
        // into it on every call.
        let total = count
        precondition(k >= 0 && k <= total, "cannot remove \(k) frames from a message of \(total)")
        // One or two frames (a REQ/REP envelope, a routing id) are built with every field at once: a prefix grown
        // in a loop from `Message()` costs the optimizer a copy and a destroy of a whole message through its value
        // witness (about 150 instructions on every REP receive).
        switch k {
        case 1:
            let first = popFirst()
            return Message(head: first, second: nil, rest: [], metadata: metadata)
        case 2:
            let first = popFirst()
            let next = popFirst()
            return Message(head: first, second: next, rest: [], metadata: metadata)
        default:
            var prefix = Message()
            prefix.metadata = metadata
            for _ in 0..<k { prefix.append(popFirst()!) }
            return prefix
        }
    }

    /// Moves every frame of `other` to the end of this message, leaving `other` empty (its metadata stays).
    @inlinable
    public mutating func append(movingFramesOf other: inout Message) {
        while let frame = other.popFirst() { append(frame) }
    }

    /// The position of the first empty frame (a REQ/REP delimiter), or `nil` when there is none; unlike
    /// `firstIndex(where:)` it copies neither the message nor a frame.
    @inlinable
    public var firstEmptyFrameIndex: Int? {
        guard case .some(let first) = head else { return nil }
        if first.isEmpty { return 0 }
        guard case .some(let next) = second else { return nil }
        if next.isEmpty { return 1 }
        for index in rest.indices where rest[index].isEmpty { return index &+ 2 }
        return nil
    }

    /// Calls `body` with each frame in order, without copying the message (a `for` loop over a message holds a
    /// copy of it for its iterator).
    @inlinable
    public func forEachFrame(_ body: (borrowing Frame) throws -> Void) rethrows {
        guard case .some(let first) = head else { return }
        try body(first)
        guard case .some(let next) = second else { return }
        try body(next)
        for index in rest.indices { try body(rest[index]) }
    }

    /// Looks up a property of the peer the message came from (`Socket-Type`, `Routing-Id`, `Peer-Address`,
    /// `User-Id`, or an application `X-` property); `nil` when the message has none by that name.
    public func property(_ name: String) -> String? {
        metadata?[name]
    }

    /// The total number of body bytes across all frames.
    @inlinable @inline(__always)
    public var byteCount: Int {
        // Counted on every send and receive (``Socket/statistics``): no iterator for the usual one or two frames.
        switch head {
        case .none:
            return 0
        case .some(let first):
            guard case .some(let next) = second else { return first.count }
            var total = first.count &+ next.count
            if !rest.isEmpty {
                for frame in rest { total &+= frame.count }
            }
            return total
        }
    }
}

extension Message: RandomAccessCollection, MutableCollection {
    /// The position of the first frame.
    @inlinable public var startIndex: Int { 0 }

    /// One past the position of the last frame.
    @inlinable public var endIndex: Int {
        // Not `head == nil`: with `Frame: Equatable` that is `Optional.==`, which copies the frame and destroys it
        // through runtime metadata (about 190 instructions on the hot path).
        if case .none = head { return 0 }
        if case .none = second { return 1 }
        return rest.count &+ 2
    }

    /// The number of frames, in O(1).
    @inlinable public var count: Int { endIndex }

    /// Whether the message has no frames.
    @inlinable public var isEmpty: Bool {
        if case .none = head { return true }
        return false
    }

    /// The frame at `position`.
    @inlinable
    public subscript(position: Int) -> Frame {
        get {
            precondition(position >= 0 && position < endIndex, "frame index out of range")
            switch position {
            case 0: return head!
            case 1: return second!
            default: return rest[position - 2]
            }
        }
        set {
            precondition(position >= 0 && position < endIndex, "frame index out of range")
            switch position {
            case 0: head = newValue
            case 1: second = newValue
            default: rest[position - 2] = newValue
            }
        }
    }
}

extension Message: ExpressibleByArrayLiteral {
    /// A message made of the listed frames.
    public init(arrayLiteral elements: Frame...) {
        self.init(elements)
    }
}

extension Message: ExpressibleByStringLiteral {
    /// A single-frame message holding the literal's UTF-8 bytes.
    public init(stringLiteral value: String) {
        self.init(value)
    }
}

extension Message: Equatable {
    /// Two messages are equal when their frames are; metadata is not compared.
    public static func == (lhs: Message, rhs: Message) -> Bool {
        lhs.head == rhs.head && lhs.second == rhs.second && lhs.rest == rhs.rest
    }
}

extension Message: CustomStringConvertible {
    /// The frames, each as ``Frame/description``, between brackets.
    public var description: String {
        "[" + map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}
