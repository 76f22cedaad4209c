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

    /// Appends a command frame.
    public static func encode(_ command: Command, into buffer: inout ByteBuffer) {
        command.write(to: &buffer)
    }

    /// The number of bytes ``encode(_:into:)-(Message,_)`` appends for `message`: headers and bodies.
    @inlinable
    public static func encodedSize(of message: Message) -> Int {
        var total = 0
        for frame in message {
            total += headerSize(forBodySize: frame.count) + frame.count
        }
        return total
    }
}
