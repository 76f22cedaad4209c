import NIOCore
import VTXCore

/// What distinguishes one stream transport from another (TCP from Unix domain sockets or TLS, say): how its
/// addresses are written, resolved and described, and how a new connection's channel is prepared. Everything
/// else, ZMTP included, ``StreamDriver`` does once for all. `docs/stream-transport.md` walks through a complete
/// transport.
public protocol StreamTransport: Sendable {
    /// What the transport can do.
    var capabilities: DriverCapabilities { get }

    /// Checks an endpoint's address syntax (called synchronously, so a malformed address fails the bind or
    /// connect call itself).
    ///
    /// - Throws: `VTXError.Code.invalidEndpoint` (or another code) with the reason.
    func validate(_ endpoint: Endpoint, role: DriverEndpoint.Role) throws(VTXError)

    /// Where to listen for a bind. May prepare the system (an IPC transport removes a stale socket file).
    ///
    /// - Throws: a `VTXError` when the address cannot be used (address in use, not available).
    func bindAddress(for endpoint: Endpoint) throws(VTXError) -> SocketAddress

    /// Where to connect; resolved again for every attempt, so a name that starts resolving later is found.
    ///
    /// - Throws: a `VTXError` when the address cannot be resolved now (the connecter retries later).
    func connectAddress(for endpoint: Endpoint) throws(VTXError) -> SocketAddress

    /// A socket address in endpoint form, `scheme://…`: a listener's bound address as the socket reports it
    /// (with the real port after a bind to `:*`), or a connection's peer, for monitor events and `Peer-Address`.
    /// `endpoint` is the bind or connect it belongs to; `address` is `nil` when the system gave none (a
    /// connection made by ``makeConnectedSocket(for:)``), and a transport whose addresses say nothing more than
    /// the endpoint (Unix sockets: a peer has no path of its own) returns `endpoint.description`.
    func endpointDescription(for address: SocketAddress?, endpoint: Endpoint) -> String

    /// Prepares a new connection's channel before the ZMTP engine joins its pipeline: socket options (TCP sets
    /// `TCP_NODELAY` and keep-alive), or handlers that carry the ZMTP bytes (TLS adds its handler here). Runs on
    /// the channel's event loop. `endpoint.role` tells the side: `.bind` for a connection the listener accepted,
    /// `.connect` for one this side opened. A failed future closes the connection (a connect retries).
    func configure(_ channel: any Channel, for endpoint: DriverEndpoint) -> EventLoopFuture<Void>

    /// Called after a listener bound at `address` has closed (an IPC transport removes its socket file).
    func listenerClosed(at address: SocketAddress, endpoint: Endpoint)

    /// A bound, listening descriptor made by the transport itself, for addresses `SocketAddress` cannot express
    /// (Linux abstract Unix names with libzmq's exact address length); `nil` to bind ``bindAddress(for:)``.
    ///
    /// - Throws: a `VTXError` when the socket cannot be made (the name is in use, say).
    func makeListeningSocket(for endpoint: Endpoint) throws(VTXError) -> NIOBSDSocket.Handle?

    /// A connected descriptor made by the transport itself (see ``makeListeningSocket(for:)``); `nil` to connect
    /// to ``connectAddress(for:)``.
    ///
    /// - Throws: a `VTXError` when the connection cannot be made now (the connecter retries).
    func makeConnectedSocket(for endpoint: Endpoint) throws(VTXError) -> NIOBSDSocket.Handle?
}

extension StreamTransport {
    /// Nothing to configure by default.
    public func configure(_ channel: any Channel, for endpoint: DriverEndpoint) -> EventLoopFuture<Void> {
        channel.eventLoop.makeSucceededVoidFuture()
    }

    /// Nothing to clean up by default.
    public func listenerClosed(at address: SocketAddress, endpoint: Endpoint) {}

    /// Bind through NIO by default.
    public func makeListeningSocket(for endpoint: Endpoint) throws(VTXError) -> NIOBSDSocket.Handle? { nil }

    /// Connect through NIO by default.
    public func makeConnectedSocket(for endpoint: Endpoint) throws(VTXError) -> NIOBSDSocket.Handle? { nil }
}
