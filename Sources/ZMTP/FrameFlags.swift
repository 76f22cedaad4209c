/// The flags byte that starts every ZMTP 3.x frame (RFC 23 §"Framing").
///
/// Bits 3–7 are reserved and must be zero; ``FrameDecoder`` rejects frames that set them.
public struct FrameFlags: OptionSet, Sendable, Hashable {
    /// The flags as the byte on the wire.
    public let rawValue: UInt8

    /// Makes flags from the byte on the wire.
    @inlinable
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// More frames of the same message follow (bit 0, `0x01`). Never set on commands.
    public static let more = FrameFlags(rawValue: 0x01)
    /// The size is an 8-byte big-endian integer instead of one byte (bit 1, `0x02`).
    public static let long = FrameFlags(rawValue: 0x02)
    /// The frame is a command, not message data (bit 2, `0x04`).
    public static let command = FrameFlags(rawValue: 0x04)

    /// The bits ZMTP 3.x reserves (3–7), which a peer must send as zero.
    public static let reserved = FrameFlags(rawValue: 0xF8)

    /// The largest frame body sent with a one-byte size; larger bodies use the ``long`` form.
    public static let shortSizeLimit = 255
}
