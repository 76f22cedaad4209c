import NIOCore
import VTXCore

/// Writes ZMTP 3.x frames into a `ByteBuffer`: `flags | size | body`, with a one-byte size up to 255 bytes and an
/// 8-byte big-endian size (and the LONG flag) above that, as libzmq sends them.
///
/// Every function appends to the buffer it is given, so an engine batches by encoding many messages into one
/// buffer and writing it once. Nothing here throws.
public enum FrameEncoder {
    /// The size of a frame header for a body of `size` bytes: 2 up to 255 bytes, 9 above.
    @inlinable
    public static func headerSize(forBodySize size: Int) -> Int {
        size <= FrameFlags.shortSizeLimit ? 2 : 9
    }

    /// Appends a frame header: `flags` (plus ``FrameFlags/long`` when the body needs it) and the size.
    /// Precondition: `bodySize` is not negative.
    @inlinable
    public static func writeHeader(flags: FrameFlags, bodySize: Int, to buffer: inout ByteBuffer) {
        precondition(bodySize >= 0, "a frame cannot have a negative size")
        if bodySize <= FrameFlags.shortSizeLimit {
            buffer.writeMultipleIntegers(flags.subtracting(.long).rawValue, UInt8(truncatingIfNeeded: bodySize))
        } else {
            buffer.writeMultipleIntegers(flags.union(.long).rawValue, UInt64(bodySize))
        }
    }

    /// Appends one data frame, with the MORE flag when `more` is true.
    @inlinable
    public static func encode(_ frame: Frame, more: Bool, into buffer: inout ByteBuffer) {
        frame.withUnsafeBytes { body in
            writeHeader(flags: more ? .more : [], bodySize: body.count, to: &buffer)
            buffer.writeBytes(body)
        }
    }

    /// Appends every frame of `message`, with MORE on all but the last. A message with no frames writes nothing.
    @inlinable
    public static func encode(_ message: Message, into buffer: inout ByteBuffer) {
        let last = message.endIndex - 1
        guard last >= 0 else { return }
        if last == 0 {
            encode(message[0], more: false, into: &buffer)
            return
        }
        buffer.reserveCapacity(minimumWritableBytes: encodedSize(of: message))
        for index in 0..<last {
            encode(message[index], more: true, into: &buffer)
        }
        encode(message[last], more: false, into: &buffer)
    }

    /// Writes every frame of `message` into `memory` from `offset` on, in the form ``encode(_:into:)-(Message,_)``
    /// appends, when all of it fits; returns the offset just past it, or `nil` (having written nothing) when it
    /// does not fit or `message` has no frames.
    ///
    /// An engine encodes a whole batch of messages with one access to its buffer's memory this way, instead of
    /// going through the `ByteBuffer` API (with its capacity and uniqueness checks) for every header and body.
    @inlinable
    public static func encode(_ message: Message, into memory: UnsafeMutableRawBufferPointer, at offset: Int) -> Int? {
        let last = message.endIndex - 1
        guard last >= 0 else { return nil }
        if last == 0 {
            return encode(message[0], flags: [], into: memory, at: offset)
        }
        guard encodedSize(of: message) <= memory.count - offset else { return nil }
        var position = offset
        for index in 0...last {
            // It fits as a whole, so no frame can fail.
            position = encode(message[index], flags: index == last ? [] : .more, into: memory, at: position)!
        }
        return position
    }

    /// Writes one data frame into `memory` at `offset` when it fits; returns the offset just past it, or `nil`.
    @inlinable
    static func encode(_ frame: Frame, flags: FrameFlags, into memory: UnsafeMutableRawBufferPointer, at offset: Int) -> Int? {
        frame.withUnsafeBytes { body -> Int? in
            let size = body.count
            let isShort = size <= FrameFlags.shortSizeLimit
            let header = isShort ? 2 : 9
            guard offset >= 0, header + size <= memory.count - offset, let base = memory.baseAddress else { return nil }
            let start = base + offset
            if isShort {
                start.storeBytes(of: flags.subtracting(.long).rawValue, as: UInt8.self)
                start.storeBytes(of: UInt8(truncatingIfNeeded: size), toByteOffset: 1, as: UInt8.self)
            } else {
                start.storeBytes(of: flags.union(.long).rawValue, as: UInt8.self)
                start.storeBytes(of: UInt64(size).bigEndian, toByteOffset: 1, as: UInt64.self)
            }
            if size > 0, let source = body.baseAddress {
                (start + header).copyMemory(from: source, byteCount: size)
            }
            return offset + header + size
        }
    }

    /// Appends a command frame.
    public static func encode(_ command: Command, into buffer: inout ByteBuffer) {
        command.write(to: &buffer)
    }

    /// The number of bytes ``encode(_:into:)-(Message,_)`` appends for `message`: headers and bodies.
    @inlinable
    public static func encodedSize(of message: Message) -> Int {
        var total = 0
        message.forEachFrame { frame in
            total += headerSize(forBodySize: frame.count) + frame.count
        }
        return total
    }
}
