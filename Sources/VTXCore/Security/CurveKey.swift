/// A 32-byte CURVE key (public or secret). Interim version; the CURVE work replaces it.
public struct CurveKey: Sendable, Hashable {
    /// The key's 32 bytes.
    public let bytes: [UInt8]

    /// Makes a key from 32 bytes.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` for another length.
    public init(bytes: [UInt8]) throws(VTXError) {
        guard bytes.count == 32 else {
            throw VTXError(.invalidArgument, "a CURVE key is 32 bytes, not \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// The key in Z85 (40 characters).
    public var z85: String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")
        var text = ""
        for chunk in stride(from: 0, to: bytes.count, by: 4) {
            var value = bytes[chunk..<chunk + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            var group: [Character] = []
            for _ in 0..<5 {
                group.append(alphabet[Int(value % 85)])
                value /= 85
            }
            text.append(contentsOf: group.reversed())
        }
        return text
    }
}
