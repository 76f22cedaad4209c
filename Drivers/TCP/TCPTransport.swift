import NIOCore
import VTXCore
import VTXStream

/// The `tcp://` transport for ``StreamDriver``: addresses as ``TCPAddress``, `*` binds every IPv4 interface,
/// names are resolved (again for every connect attempt), and the reported endpoint carries the real port.
public struct TCPTransport: StreamTransport {
    /// Makes the transport.
    public init() {}

    /// A reliable, ordered byte stream without a size limit.
    public var capabilities: DriverCapabilities {
        DriverCapabilities(kind: .stream, isReliable: true, isOrdered: true, supportsSecurity: true)
    }

    /// Sets `TCP_NODELAY` and the keep-alive options the socket asked for.
    public func configure(_ channel: any Channel, for endpoint: DriverEndpoint) -> EventLoopFuture<Void> {
        channel.applyTCPOptions(endpoint.options)
    }

    /// Checks the `HOST:PORT` syntax.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` with the reason.
    public func validate(_ endpoint: Endpoint, role: DriverEndpoint.Role) throws(VTXError) {
        _ = try TCPAddress(parsing: endpoint.address, forBind: role == .bind)
    }

    /// The address to listen on: `*` is every IPv4 interface, a port of `*` or `0` an ephemeral port.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` for bad syntax, ``VTXError/Code/addressNotAvailable`` when the
    ///   host does not resolve.
    public func bindAddress(for endpoint: Endpoint) throws(VTXError) -> SocketAddress {
        let address = try TCPAddress(parsing: endpoint.address, forBind: true)
        return try resolve(address.isWildcardHost ? "0.0.0.0" : address.host, port: address.port, for: endpoint)
    }

    /// The address to connect to, resolved now.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` for bad syntax, ``VTXError/Code/addressNotAvailable`` when the
    ///   host does not resolve (the connecter retries).
    public func connectAddress(for endpoint: Endpoint) throws(VTXError) -> SocketAddress {
        let address = try TCPAddress(parsing: endpoint.address, forBind: false)
        return try resolve(address.host, port: address.port, for: endpoint)
    }

    private func resolve(_ host: String, port: Int, for endpoint: Endpoint) throws(VTXError) -> SocketAddress {
        if let numeric = try? SocketAddress(ipAddress: host, port: port) { return numeric }
        do {
            return try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw VTXError(.addressNotAvailable, "cannot resolve '\(host)' for \(endpoint): \(error)")
        }
    }

    /// `SCHEME://IP:PORT` (the endpoint's scheme, `tcp` or a transport built on this one), with brackets around
    /// IPv6 addresses; the endpoint itself when there is no address.
    public func endpointDescription(for address: SocketAddress?, endpoint: Endpoint) -> String {
        guard let address else { return endpoint.description }
        let ip = address.ipAddress ?? "?"
        let port = address.port ?? 0
        if case .v6 = address { return "\(endpoint.scheme)://[\(ip)]:\(port)" }
        return "\(endpoint.scheme)://\(ip):\(port)"
    }
}

/// The `tcp://` driver: ZMTP 3.1 over TCP on its own event-loop thread.
public enum TCPDriver {
    /// Makes a driver instance to register for `tcp`.
    public static func make() -> StreamDriver {
        StreamDriver(transport: TCPTransport(), name: "vtx.tcp")
    }
}
