/// A parsed endpoint, `scheme://address`, such as `tcp://127.0.0.1:5555` or `inproc://workers`.
///
/// The core checks only the general form; each driver validates its own address syntax.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The transport scheme, lowercased (`tcp`, `ipc`, `inproc`, `udp`, or a user's).
    public let scheme: String
    /// Everything after `://`.
    public let address: String

    /// Parses `scheme://address`.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` when the text has no `://`, an empty or malformed scheme, an
    ///   empty address, or white space.
    public init(parsing text: String) throws(VTXError) {
        guard let range = text.firstRange(of: "://") else {
            throw VTXError(.invalidEndpoint, "endpoint '\(text)' is not of the form scheme://address")
        }
        let scheme = String(text[..<range.lowerBound])
        let address = String(text[range.upperBound...])
        guard !scheme.isEmpty,
            scheme.utf8.allSatisfy({ Endpoint.isSchemeByte($0) })
        else {
            throw VTXError(.invalidEndpoint, "endpoint '\(text)' has an empty or malformed scheme")
        }
        guard !address.isEmpty else {
            throw VTXError(.invalidEndpoint, "endpoint '\(text)' has an empty address")
        }
        guard !address.unicodeScalars.contains(where: { $0.properties.isWhitespace }) else {
            throw VTXError(.invalidEndpoint, "endpoint '\(text)' contains white space")
        }
        self.scheme = scheme.lowercased()
        self.address = address
    }

    private static func isSchemeByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x2B || byte == 0x2D || byte == 0x2E
    }

    /// Makes an endpoint from its parts (not validated).
    public init(scheme: String, address: String) {
        self.scheme = scheme.lowercased()
        self.address = address
    }

    /// The endpoint as text, `scheme://address`.
    public var description: String { "\(scheme)://\(address)" }
}

/// Identifies one bind or connect of one socket, for the life of the manager.
public struct EndpointID: Sendable, Hashable, CustomStringConvertible {
    /// The raw number.
    public let rawValue: UInt64

    /// Wraps a raw number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `#` and the number.
    public var description: String { "#\(rawValue)" }
}
