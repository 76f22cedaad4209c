import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One frame of a multipart ``Message``: an immutable run of bytes.
///
/// Frames of up to ``Frame/inlineCapacity`` bytes are stored inside the value itself, so building, sending and
/// receiving them costs no heap allocation. Frames of up to 2 KiB are carved, one after another, out of a 16 KiB
/// block that belongs to the thread making them, so most of them cost no allocation either; larger ones live in a
/// heap block of their own (or in the `ByteBuffer` they were made from). Either way a frame is shared, never
/// copied, when a message crosses a pipe between threads.
///
/// A frame keeps the whole block it was carved from alive. Keep frames you hold for long (a cache, a table of
/// peers) through ``detached()``, which gives them storage of their own.
public struct Frame: Sendable {
    /// The largest frame body stored inline, without a heap allocation.
    public static let inlineCapacity = 32

    @usableFromInline
    struct InlineBytes: Sendable {
        @usableFromInline var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        @usableFromInline var count: UInt8 = 0

        @inlinable init() {}
    }

    /// `FrameStorage` is immutable after creation, so sharing it across threads is safe.
    @usableFromInline
    enum Storage: @unchecked Sendable {
        case inline(InlineBytes)
        case heap(FrameStorage)
        case slab(FrameSlab, SlabSpan)
        case buffer(ByteBuffer)
    }

    /// Where a body lies in its ``FrameSlab``.
    @usableFromInline
    struct SlabSpan: Sendable {
        @usableFromInline var offset: UInt32
        @usableFromInline var count: UInt32

        @inlinable init(offset: Int, count: Int) {
            self.offset = UInt32(truncatingIfNeeded: offset)
            self.count = UInt32(truncatingIfNeeded: count)
        }
    }

    @usableFromInline var storage: Storage

    /// An empty frame.
    @inlinable
    public init() {
        storage = .inline(InlineBytes())
    }

    /// A frame holding a copy of the bytes in `buffer`.
    @inlinable
    public init(copying buffer: UnsafeRawBufferPointer) {
        self.init(count: buffer.count) { destination in
            if let base = buffer.baseAddress, buffer.count > 0 {
                destination.baseAddress!.copyMemory(from: base, byteCount: buffer.count)
            }
        }
    }

    /// A frame of `count` bytes written by `initialize`, which receives a buffer of exactly `count` bytes.
    ///
    /// This is the way to fill a frame without an intermediate copy (a decoder reading from the network, say).
    @inlinable
    public init(count: Int, initializingWith initialize: (UnsafeMutableRawBufferPointer) -> Void) {
        precondition(count >= 0, "a frame cannot have a negative size")
        if count <= Frame.inlineCapacity {
            var inline = InlineBytes()
            inline.count = UInt8(truncatingIfNeeded: count)
            withUnsafeMutableBytes(of: &inline.words) { words in
                initialize(UnsafeMutableRawBufferPointer(rebasing: words[0..<count]))
            }
            storage = .inline(inline)
        } else if count <= FrameSlab.largestBody, let reserved = FrameSlab.reserve(count) {
            initialize(UnsafeMutableRawBufferPointer(start: reserved.slab.bytes(at: reserved.offset), count: count))
            storage = .slab(reserved.slab, SlabSpan(offset: reserved.offset, count: count))
        } else if count >= Frame.bufferStorageSize {
            // Large bodies live in a `ByteBuffer`, which a stream transport writes to the network as it is.
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { memory in
                initialize(UnsafeMutableRawBufferPointer(rebasing: memory[..<count]))
                return count
            }
            storage = .buffer(buffer)
        } else {
            storage = .heap(FrameStorage.make(count: count, initialize: initialize))
        }
    }

    /// The body size from which ``init(count:initializingWith:)`` (and so every copying initializer) keeps the
    /// bytes in a `ByteBuffer`: 64 KiB. A stream transport then writes them without copying them again.
    @usableFromInline static let bufferStorageSize = 64 * 1024

    /// A frame holding the given bytes.
    @inlinable
    public init(_ bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { Frame(copying: $0) }
    }

    /// A frame holding the given bytes.
    @inlinable
    public init(_ bytes: ArraySlice<UInt8>) {
        self = bytes.withUnsafeBytes { Frame(copying: $0) }
    }

    /// A frame holding the UTF-8 encoding of `string`.
    @inlinable
    public init(_ string: String) {
        var string = string
        self = string.withUTF8 { Frame(copying: UnsafeRawBufferPointer($0)) }
    }

    /// A frame holding the bytes of `data`.
    public init(_ data: Data) {
        self = data.withUnsafeBytes { Frame(copying: $0) }
    }

    /// A frame holding the readable bytes of `buffer`.
    ///
    /// Small buffers are copied inline; larger ones are kept as they are, so the frame shares the buffer's storage
    /// and no bytes are copied.
    @inlinable
    public init(_ buffer: ByteBuffer) {
        if buffer.readableBytes <= Frame.inlineCapacity {
            self = buffer.withUnsafeReadableBytes { Frame(copying: $0) }
        } else {
            storage = .buffer(buffer)
        }
    }

    /// A frame with the same bytes that keeps no other frame's storage alive.
    ///
    /// A frame carved from a block shared with other frames, or made from a `ByteBuffer` (perhaps a slice of a
    /// larger one), keeps that whole block or buffer in memory for as long as it lives. This copies those two kinds
    /// into a heap block of their own, and returns an inline or heap frame as it is. Use it for frames kept long
    /// after they arrived.
    public func detached() -> Frame {
        switch storage {
        case .inline, .heap:
            return self
        case .slab, .buffer:
            var copy = Frame()
            withUnsafeBytes { bytes in
                copy.storage = .heap(FrameStorage.make(count: bytes.count) { $0.copyMemory(from: bytes) })
            }
            return copy
        }
    }

    /// The number of bytes in the frame.
    @inlinable
    public var count: Int {
        switch storage {
        case .inline(let inline): Int(inline.count)
        case .heap(let heap): heap.count
        case .slab(_, let span): Int(span.count)
        case .buffer(let buffer): buffer.readableBytes
        }
    }

    /// Whether the frame has no bytes.
    @inlinable
    public var isEmpty: Bool { count == 0 }

    /// Whether the bytes are held in the value itself (no storage reference to release).
    @inlinable
    var isInline: Bool {
        if case .inline = storage { return true }
        return false
    }

    /// Calls `body` with the frame's bytes; the pointer is valid only during the call.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        switch storage {
        case .inline(var inline):
            let count = Int(inline.count)
            return try Swift.withUnsafeBytes(of: &inline.words) { words throws(E) in
                try body(UnsafeRawBufferPointer(rebasing: words[0..<count]))
            }
        case .heap(let heap):
            return try heap.withBytes { bytes throws(E) in try body(bytes) }
        case .slab(let slab, let span):
            defer { withExtendedLifetime(slab) {} }
            return try body(UnsafeRawBufferPointer(start: slab.bytes(at: Int(span.offset)), count: Int(span.count)))
        case .buffer(let buffer):
            return try buffer.withUnsafeReadableBytes { bytes throws(E) in try body(bytes) }
        }
    }

    /// The frame's bytes as an array.
    @inlinable
    public var bytes: [UInt8] {
        withUnsafeBytes { [UInt8]($0) }
    }

    /// The frame's bytes as `Data`.
    public var data: Data {
        withUnsafeBytes { Data($0) }
    }

    /// The frame decoded as UTF-8, or `nil` when it is not valid UTF-8.
    public var string: String? {
        withUnsafeBytes { String(validating: $0.bindMemory(to: UInt8.self), as: UTF8.self) }
    }

    /// The frame's bytes in a `ByteBuffer`: shared storage when the frame was made from a buffer, a copy otherwise.
    public func byteBuffer(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        if case .buffer(let buffer) = storage { return buffer }
        return withUnsafeBytes { bytes in
            var buffer = allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            return buffer
        }
    }

    /// The first byte of the frame, or `nil` when it is empty.
    @inlinable
    public var first: UInt8? {
        withUnsafeBytes { $0.first }
    }

    /// Whether the frame's bytes start with those of `prefix`.
    @inlinable
    public func hasPrefix(_ prefix: Frame) -> Bool {
        withUnsafeBytes { mine in
            prefix.withUnsafeBytes { theirs in
                guard theirs.count <= mine.count else { return false }
                return theirs.count == 0 || memcmp(mine.baseAddress!, theirs.baseAddress!, theirs.count) == 0
            }
        }
    }

    /// A frame holding bytes `from..<count` of this one.
    @inlinable
    public func dropFirst(_ k: Int = 1) -> Frame {
        withUnsafeBytes { bytes in
            Frame(copying: UnsafeRawBufferPointer(rebasing: bytes[Swift.min(k, bytes.count)...]))
        }
    }
}

extension Frame: Equatable {
    /// Two frames are equal when they hold the same bytes.
    @inlinable
    public static func == (lhs: Frame, rhs: Frame) -> Bool {
        lhs.withUnsafeBytes { l in
            rhs.withUnsafeBytes { r in
                l.count == r.count && (l.count == 0 || memcmp(l.baseAddress!, r.baseAddress!, l.count) == 0)
            }
        }
    }
}

extension Frame: Hashable {
    /// Hashes the frame's bytes.
    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

extension Frame: ExpressibleByStringLiteral {
    /// A frame holding the UTF-8 encoding of the literal.
    public init(stringLiteral value: String) {
        self.init(value)
    }
}

extension Frame: ExpressibleByArrayLiteral {
    /// A frame holding the listed bytes.
    public init(arrayLiteral elements: UInt8...) {
        self.init(elements)
    }
}

extension Frame: CustomStringConvertible {
    /// The frame as text when it is printable UTF-8, else as hexadecimal bytes.
    public var description: String {
        if let text = string, text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) {
            return text
        }
        return withUnsafeBytes { bytes in
            bytes.map { byte in
                let hex = String(byte, radix: 16, uppercase: true)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        }
    }
}
