import NIOCore
import NIOSSL
import VTXCore
import VTXStream
import VTXTCP

/// The `tls://` transport for ``StreamDriver``: TCP's addresses (``TCPTransport`` parses, resolves and describes
/// them), with a TLS handler below ZMTP on every connection. ZMTP 3.1 runs inside TLS unchanged.
public struct TLSTransport: StreamTransport {
    private let tcp = TCPTransport()
    private let server: NIOSSLContext?
    private let client: NIOSSLContext
    private let serverName: String?

    /// Makes the transport from ready TLS contexts.
    ///
    /// - Parameters:
    ///   - server: the context of accepted connections; `nil` when this side has no certificate (binds fail).
    ///   - client: the context of connections this side opens.
    ///   - serverName: the name a client verifies the server's certificate against; `nil` for each endpoint's host.
    public init(server: NIOSSLContext?, client: NIOSSLContext, serverName: String?) {
        self.server = server
        self.client = client
        self.serverName = serverName
    }

    /// TCP's: a reliable, ordered byte stream without a size limit.
    public var capabilities: DriverCapabilities { tcp.capabilities }

    /// Checks the `HOST:PORT` syntax, and that a bind has a certificate to present.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` for bad syntax; ``VTXError/Code/invalidArgument`` for a bind
    ///   by a driver configured without a certificate and key.
    public func validate(_ endpoint: Endpoint, role: DriverEndpoint.Role) throws(VTXError) {
        try tcp.validate(endpoint, role: role)
        if role == .bind && server == nil {
            throw VTXError(.invalidArgument, "binding \(endpoint) needs a TLS certificate and private key")
        }
    }

    /// TCP's listening address.
    ///
    /// - Throws: as ``TCPTransport/bindAddress(for:)``.
    public func bindAddress(for endpoint: Endpoint) throws(VTXError) -> SocketAddress {
        try tcp.bindAddress(for: endpoint)
    }

    /// TCP's connect address, resolved now.
    ///
    /// - Throws: as ``TCPTransport/connectAddress(for:)``.
    public func connectAddress(for endpoint: Endpoint) throws(VTXError) -> SocketAddress {
        try tcp.connectAddress(for: endpoint)
    }

    /// `tls://IP:PORT`.
    public func endpointDescription(for address: SocketAddress?, endpoint: Endpoint) -> String {
        tcp.endpointDescription(for: address, endpoint: endpoint)
    }

    /// TCP's options, then the TLS handler (server side for an accepted connection, client side with the server
    /// name for a connect) and the handler that turns TLS failures into readable ``VTXError``s.
    ///
    /// Remote half-closure is turned off: with it, NIOSSL does not finish a close this side started when the
    /// peer's close_notify arrives, and every close waited for the shutdown timeout. Nothing is lost without it:
    /// NIOSSL hands on what it decrypted before it closes, and the engine delivers what it holds.
    public func configure(_ channel: any Channel, for endpoint: DriverEndpoint) -> EventLoopFuture<Void> {
        tcp.configure(channel, for: endpoint).flatMap {
            channel.setOption(.allowRemoteHalfClosure, value: false)
        }.flatMapThrowing { [self] in
            let peer = endpointDescription(for: channel.remoteAddress, endpoint: endpoint.endpoint)
            let tls: any ChannelHandler
            switch endpoint.role {
            case .bind:
                // validate(_:role:) refuses a bind without a certificate; this only keeps the promise.
                guard let server else { throw VTXError(.invalidArgument, "\(endpoint.endpoint) has no TLS certificate") }
                tls = NIOSSLServerHandler(context: server)
            case .connect:
                tls = try NIOSSLClientHandler(context: client, serverHostname: sniName(for: endpoint.endpoint))
            }
            let operations = channel.pipeline.syncOperations
            try operations.addHandler(tls)
            try operations.addHandler(TLSFailureHandler(peer: peer))
        }
    }

    /// The name sent in SNI and matched against the server's certificate; `nil` for an IP address, which NIOSSL
    /// then matches against the address connected to (SNI carries names only).
    private func sniName(for endpoint: Endpoint) -> String? {
        let host = serverName ?? (try? TCPAddress(parsing: endpoint.address, forBind: false))?.host
        guard let host, (try? SocketAddress(ipAddress: host, port: 0)) == nil else { return nil }
        return host
    }
}
