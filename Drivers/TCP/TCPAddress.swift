import VTXCore

/// A parsed `tcp://` address: a host (a name, an IPv4 address, a bracketed IPv6 address, or `*`) and a port
/// (a number, or `*`/`0` for an ephemeral one when binding), after libzmq's rules.
public struct TCPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host as written, without brackets; `*` means every interface.
    public let host: String
    /// The port; 0 asks the system for an ephemeral port (bind only).
    public let port: Int
    /// Whether the host was written as a bracketed IPv6 address.
    public let isIPv6Literal: Bool

    /// Whether the host is `*`.
    public var isWildcardHost: Bool { host == "*" }

    /// Parses the address part of a `tcp://` endpoint.
    ///
    /// - Parameters:
    ///   - text: `HOST:PORT`, such as `127.0.0.1:5555`, `*:*`, `[::1]:0` or `localhost:5555`.
    ///   - forBind: whether the address is for a bind (which allows `*` or `0` as the port and `*` as the host).
    /// - Throws: ``VTXError/Code/invalidEndpoint`` with the reason: no port, a non-numeric or out-of-range port,
    ///   a wildcard where a connect needs a real value, an unterminated `[`, an empty host, or a source address
    ///   (`src;dst`), which is not supported.
    public init(parsing text: String, forBind: Bool) throws(VTXError) {
        func invalid(_ reason: String) -> VTXError {
            VTXError(.invalidEndpoint, "tcp address '\(text)': \(reason)")
        }
        guard !text.contains(";") else {
            throw invalid("source addresses ('source;destination') are not supported")
        }
        var host: Substring
        var portText: Substring
        var ipv6 = false
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("'[' without a matching ']'") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw invalid("expected ':PORT' after the IPv6 address") }
            portText = rest.dropFirst()
            ipv6 = true
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw invalid("missing ':PORT'") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { throw invalid("write IPv6 addresses in brackets, as [::1]:PORT") }
        }
        guard !host.isEmpty else { throw invalid("the host is empty") }
        if host == "*" && !forBind { throw invalid("a connect needs a host, not '*'") }
        let port: Int
        if portText == "*" {
            guard forBind else { throw invalid("a connect needs a port number, not '*'") }
            port = 0
        } else {
            guard !portText.isEmpty, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), portText.count <= 5,
                let number = Int(portText), number <= 65535
            else {
                throw invalid("the port must be a number from 0 to 65535")
            }
            guard number != 0 || forBind else { throw invalid("a connect needs a port other than 0") }
            port = number
        }
        self.host = String(host)
        self.port = port
        self.isIPv6Literal = ipv6
    }

    /// `HOST:PORT`, with brackets around an IPv6 host.
    public var description: String {
        isIPv6Literal ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
