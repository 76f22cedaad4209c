/// A 32-byte CURVE key (public or secret). Placeholder until the CURVE work lands.
public struct CurveKey: Sendable, Hashable {
    /// The key's 32 bytes.
    public let bytes: [UInt8]
}
