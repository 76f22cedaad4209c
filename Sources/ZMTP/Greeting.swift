import NIOCore

/// The 64-byte ZMTP 3.x greeting each peer sends first (RFC 23 §"Greeting"):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 10 | signature: `FF`, 8 padding bytes, `7F` |
/// | 10 | 1 | major version (3) |
/// | 11 | 1 | minor version (VTX sends 1; libzmq ≥ 4.3.3 sends 1, older libzmq 0) |
/// | 12 | 20 | mechanism name, NUL-padded |
/// | 32 | 1 | as-server flag |
/// | 33 | 31 | filler (zeros) |
///
/// Send the whole greeting as soon as the connection is up: libzmq sends 10 bytes and waits for ours before it
/// sends the rest, so waiting for the peer's full greeting first would deadlock. ``GreetingDecoder`` reads the
/// peer's greeting in any chunking.
public struct Greeting: Sendable, Hashable {
    /// The size of a ZMTP 3.x greeting.
    public static let size = 64
    /// The size of the signature: `FF`, 8 padding bytes, `7F`.
    public static let signatureSize = 10
    /// The offset of the major version byte (libzmq calls it the revision).
    public static let majorVersionOffset = 10
    /// The offset of the minor version byte.
    public static let minorVersionOffset = 11
    /// The offset of the 20-byte mechanism field.
    public static let mechanismOffset = 12
    /// The offset of the as-server byte.
    public static let asServerOffset = 32

    /// The major version: 3 in every greeting VTX sends; at least 3 in every greeting it accepts.
    public var majorVersion: UInt8
    /// The minor version: 1 in the greetings VTX sends; 0 (ZMTP 3.0) or more in those it accepts.
    public var minorVersion: UInt8
    /// The security mechanism.
    public var mechanism: MechanismName
    /// The as-server flag. libzmq always sends 0 and never reads it; roles come from local configuration.
    public var asServer: Bool

    /// Makes a greeting; by default ZMTP 3.1 as a client.
    public init(mechanism: MechanismName, asServer: Bool = false, majorVersion: UInt8 = 3, minorVersion: UInt8 = 1) {
        self.mechanism = mechanism
        self.asServer = asServer
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
    }

    /// Whether a peer that sent this greeting expects subscriptions as ZMTP 3.1 `SUBSCRIBE`/`CANCEL` commands.
    ///
    /// False only for ZMTP 3.0 (major 3, minor 0), which expects `0x01`+topic / `0x00`+topic data frames. Like
    /// libzmq, any other version of 3 or more is treated as 3.1.
    public var usesSubscriptionCommands: Bool {
        !(majorVersion == 3 && minorVersion == 0)
    }

    /// Appends the 64 greeting bytes to `buffer`.
    ///
    /// The padding is `00 00 00 00 00 00 00 01` as RFC 23 recommends: a ZMTP 1.0 peer reads it as an empty
    /// identity frame. Never throws.
    public func write(to buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: Greeting.size)
        buffer.writeInteger(UInt8(0xFF))
        buffer.writeInteger(UInt64(1))
        buffer.writeInteger(UInt8(0x7F))
        buffer.writeInteger(majorVersion)
        buffer.writeInteger(minorVersion)
        buffer.writeBytes(mechanism.paddedBytes)
        buffer.writeInteger(UInt8(asServer ? 1 : 0))
        buffer.writeRepeatingByte(0, count: Greeting.size - Greeting.asServerOffset - 1)
    }

    /// The 64 greeting bytes.
    public var bytes: [UInt8] {
        var buffer = ByteBuffer()
        write(to: &buffer)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
