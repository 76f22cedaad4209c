import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A multipart message: an ordered list of ``Frame``s that is sent and received as one unit.
///
/// All frames of a message reach a peer together or not at all. A single-frame message of up to
/// ``Frame/inlineCapacity`` bytes needs no heap allocation. Received messages carry the sending peer's
/// ``metadata`` (`Socket-Type`, `Routing-Id`, `Peer-Address`, and later `User-Id`).
public struct Message: Sendable {
    @usableFromInline var head: Frame?
    @usableFromInline var tail: [Frame]

    /// Properties of the peer this message came from, or `nil` for a message built locally.
    public var metadata: MessageMetadata?

    /// An empty message with no frames.
    @inlinable
    public init() {
        head = nil
        tail = []
        metadata = nil
    }

    /// A message made of the given frames.
    @inlinable
    public init(_ frames: [Frame]) {
        head = frames.first
        tail = frames.count > 1 ? Array(frames[1...]) : []
        metadata = nil
    }

    /// A single-frame message.
    @inlinable
    public init(_ frame: consuming Frame) {
        head = consume frame
        tail = []
        metadata = nil
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

    /// The frames of the message, in order.
    public var frames: [Frame] {
        guard let head else { return [] }
        return [head] + tail
    }

    /// Adds a frame at the end.
    @inlinable
    public mutating func append(_ frame: Frame) {
        if case .none = head { head = frame } else { tail.append(frame) }
    }

    /// Adds a frame at the front (an envelope, a routing id).
    @inlinable
    public mutating func prepend(_ frame: Frame) {
        if let old = head {
            tail.insert(old, at: 0)
        }
        head = frame
    }

    /// Removes and returns the first frame, or `nil` when the message is empty.
    @inlinable
    @discardableResult
    public mutating func popFirst() -> Frame? {
        guard let first = head else { return nil }
        head = tail.isEmpty ? nil : tail.removeFirst()
        return first
    }

    /// Removes the first `k` frames and returns them as a message of their own (with this message's metadata).
    /// Splitting off one frame allocates nothing.
    @inlinable
    public mutating func removeFirst(_ k: Int) -> Message {
        precondition(k >= 0 && k <= count, "cannot remove \(k) frames from a message of \(count)")
        var prefix = Message()
        prefix.metadata = metadata
        for _ in 0..<k { prefix.append(popFirst()!) }
        return prefix
    }

    /// Looks up a property of the peer the message came from (`Socket-Type`, `Routing-Id`, `Peer-Address`,
    /// `User-Id`, or an application `X-` property); `nil` when the message has none by that name.
    public func property(_ name: String) -> String? {
        metadata?[name]
    }

    /// The total number of body bytes across all frames.
    @inlinable @inline(__always)
    public var byteCount: Int {
        // Counted on every send and receive (``Socket/statistics``): no iterator for the usual empty tail.
        switch head {
        case .none:
            return 0
        case .some(let first):
            var total = first.count
            if !tail.isEmpty {
                for frame in tail { total &+= frame.count }
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
        return tail.count + 1
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
            return position == 0 ? head! : tail[position - 1]
        }
        set {
            precondition(position >= 0 && position < endIndex, "frame index out of range")
            if position == 0 { head = newValue } else { tail[position - 1] = newValue }
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
        lhs.head == rhs.head && lhs.tail == rhs.tail
    }
}

extension Message: CustomStringConvertible {
    /// The frames, each as ``Frame/description``, between brackets.
    public var description: String {
        "[" + map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}
