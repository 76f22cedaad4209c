import NIOCore
import VTXCore

/// A parsed `udp://` address: `*:PORT`, `ADDRESS:PORT`, `[IPv6]:PORT` or `HOST:PORT`, then `?options`.
struct UDPAddress: Sendable {
    /// The host part, without brackets; `*` for every interface (bind) or broadcast (connect).
    let host: String
    /// The port; 0 (written `*` or `0`) picks a free one when binding.
    let port: Int
    /// The endpoint's options.
    let options: UDPOptions

    /// Whether the host is `*`.
    var isWildcard: Bool { host == "*" }

    /// Parses the address part of an endpoint.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` saying what is wrong.
    init(parsing address: String, role: DriverEndpoint.Role) throws(VTXError) {
        let endpoint = "udp://\(address)"
        let (location, query): (Substring, Substring) = {
            guard let mark = address.firstIndex(of: "?") else { return (address[...], "") }
            return (address[..<mark], address[address.index(after: mark)...])
        }()
        let hostPart: Substring
        let portPart: Substring
        if location.hasPrefix("[") {
            guard let close = location.firstIndex(of: "]") else {
                throw VTXError(.invalidEndpoint, "'\(endpoint)' has an IPv6 address without its closing ']'")
            }
            hostPart = location[location.index(after: location.startIndex)..<close]
            let rest = location[location.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw VTXError(.invalidEndpoint, "'\(endpoint)' has no port (write udp://[::1]:5555)")
            }
            portPart = rest.dropFirst()
        } else {
            guard let colon = location.lastIndex(of: ":") else {
                throw VTXError(.invalidEndpoint, "'\(endpoint)' has no port (write udp://HOST:PORT)")
            }
            hostPart = location[..<colon]
            portPart = location[location.index(after: colon)...]
        }
        guard !hostPart.isEmpty else {
            throw VTXError(.invalidEndpoint, "'\(endpoint)' has no host (write udp://*:PORT to mean every interface)")
        }
        if portPart == "*" && role == .bind {
            port = 0
        } else {
            guard let number = Int(portPart), (0...65535).contains(number) else {
                throw VTXError(.invalidEndpoint, "'\(endpoint)' has a port that is not a number from 0 to 65535")
            }
            guard number != 0 || role == .bind else {
                throw VTXError(.invalidEndpoint, "'\(endpoint)': a connect needs a real port, not 0")
            }
            port = number
        }
        host = String(hostPart)
        options = try UDPOptions(query: query, endpoint: endpoint)
    }

    /// The address to bind: every IPv4 interface for `*`.
    func bindAddress() throws(VTXError) -> SocketAddress {
        try UDPAddress.resolve(isWildcard ? "0.0.0.0" : host, port: port)
    }

    /// Resolves `host` (numeric, or a name such as `localhost`) and `port`.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` when the name does not resolve.
    static func resolve(_ host: String, port: Int) throws(VTXError) -> SocketAddress {
        do {
            if let numeric = try? SocketAddress(ipAddress: host, port: port) { return numeric }
            return try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw VTXError(.invalidEndpoint, "cannot resolve '\(host)': \(error)")
        }
    }

    /// `udp://ip:port` for an address, with brackets for IPv6.
    static func describe(_ address: SocketAddress) -> String {
        let ip = address.ipAddress ?? "?"
        let port = address.port ?? 0
        if case .v6 = address { return "udp://[\(ip)]:\(port)" }
        return "udp://\(ip):\(port)"
    }
}
