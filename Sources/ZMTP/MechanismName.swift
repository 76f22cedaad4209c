/// The name of a ZMTP security mechanism as the greeting carries it: up to 20 ASCII characters, NUL-padded on the
/// wire (`NULL`, `PLAIN`, `CURVE`).
public struct MechanismName: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The number of greeting bytes that hold the name.
    public static let fieldSize = 20

    /// The name without padding, such as `"NULL"`.
    public let rawValue: String

    /// Makes a name; `nil` when it is empty, longer than 20 bytes, or not printable ASCII.
    public init?(rawValue: String) {
        let utf8 = rawValue.utf8
        guard !utf8.isEmpty, utf8.count <= MechanismName.fieldSize,
            utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        self.rawValue = rawValue
    }

    /// The NULL mechanism (RFC 23 §"The NULL Security Mechanism"): no authentication, no encryption.
    public static let null = MechanismName(rawValue: "NULL")!
    /// The PLAIN mechanism (RFC 24): user name and password in clear text.
    public static let plain = MechanismName(rawValue: "PLAIN")!
    /// The CURVE mechanism (RFC 25/26): CurveZMQ authentication and encryption.
    public static let curve = MechanismName(rawValue: "CURVE")!

    /// The name.
    public var description: String { rawValue }

    /// The 20-byte greeting field: the name's bytes followed by NULs.
    public var paddedBytes: [UInt8] {
        var bytes = Array(rawValue.utf8)
        bytes.append(contentsOf: repeatElement(0, count: MechanismName.fieldSize - bytes.count))
        return bytes
    }
}
