/// A 32-byte Curve25519 key for the CURVE mechanism: a public or a secret key, as libzmq's `ZMQ_CURVE_*KEY` options
/// take them, in binary or as 40 Z85 characters.
///
/// A key cannot tell whether it is public or secret, so ``description`` never prints its bytes: printing a key,
/// interpolating it into a log line or showing it in a failed test says `CurveKey(<redacted>)`. Ask for ``z85``
/// explicitly to show a public key; never log a secret key's ``z85`` or ``bytes``.
public struct CurveKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The number of bytes in a key.
    public static let size = 32
    /// The number of Z85 characters in a key.
    public static let z85Length = 40

    /// The key's 32 bytes.
    public let bytes: [UInt8]

    /// Makes a key from its 32 bytes.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` when `bytes` does not hold exactly 32 bytes.
    public init(bytes: some Collection<UInt8>) throws(VTXError) {
        guard bytes.count == CurveKey.size else {
            throw VTXError(.invalidArgument, "a CURVE key has 32 bytes, not \(bytes.count)")
        }
        self.bytes = Array(bytes)
    }

    /// Makes a key from 32 bytes the caller guarantees (libsodium's output). Precondition: 32 bytes.
    package init(trusted bytes: [UInt8]) {
        precondition(bytes.count == CurveKey.size, "libsodium returned a key that is not 32 bytes")
        self.bytes = bytes
    }

    /// Makes a key from its 40-character Z85 text (RFC 32), as `zmq_curve_keypair` and certificates print keys.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` when `z85` is not 40 characters long or is not valid Z85 (a
    ///   character outside the alphabet, a group that overflows).
    public init(z85: String) throws(VTXError) {
        guard z85.utf8.count == CurveKey.z85Length else {
            throw VTXError(.invalidArgument, "a CURVE key in Z85 has 40 characters, not \(z85.utf8.count)")
        }
        let decoded = try Z85.decode(z85)
        try self.init(bytes: decoded)
    }

    /// The key as 40 Z85 characters. Never throws: 32 bytes always encode.
    public var z85: String {
        // 32 is a multiple of 4, so encoding cannot fail.
        (try? Z85.encode(bytes)) ?? ""
    }

    /// `CurveKey(<redacted>)`: a key may be secret, so its bytes are never printed implicitly; use ``z85``.
    public var description: String { "CurveKey(<redacted>)" }

    /// The same as ``description``.
    public var debugDescription: String { description }
}
