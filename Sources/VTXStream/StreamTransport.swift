import NIOCore
import VTXCore

/// What distinguishes one stream transport from another (TCP from Unix domain sockets, say): how its addresses
/// are written, resolved and described. Everything else, ZMTP included, ``StreamDriver`` does once for all.
public protocol StreamTransport: Sendable {
    /// What the transport can do.
    var capabilities: DriverCapabilities { get }

    /// Checks an endpoint's address syntax (called synchronously, so a malformed address fails the bind or
    /// connect call itself).
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` (or another code) with the reason.
    func validate(_ endpoint: Endpoint, role: DriverEndpoint.Role) throws(VTXError)

    /// Where to listen for a bind. May prepare the system (an IPC transport removes a stale socket file).
    ///
    /// - Throws: a ``VTXError`` when the address cannot be used (address in use, not available).
    func bindAddress(for endpoint: Endpoint) throws(VTXError) -> SocketAddress

    /// Where to connect; resolved again for every attempt, so a name that starts resolving later is found.
    ///
    /// - Throws: a ``VTXError`` when the address cannot be resolved now (the connecter retries later).
    func connectAddress(for endpoint: Endpoint) throws(VTXError) -> SocketAddress

    /// The endpoint as it should be reported for a listener bound at `address` (the real port for `:*`).
    func endpointDescription(for address: SocketAddress, requested: Endpoint) -> String

    /// The peer's address in endpoint form, for monitor events and `Peer-Address`.
    func peerDescription(for address: SocketAddress?, endpoint: Endpoint) -> String

    /// Whether the transport is TCP (so `TCP_NODELAY` applies).
    var isTCP: Bool { get }

    /// Called after a listener bound at `address` has closed (an IPC transport removes its socket file).
    func listenerClosed(at address: SocketAddress, endpoint: Endpoint)

    /// A bound, listening descriptor made by the transport itself, for addresses `SocketAddress` cannot express
    /// (Linux abstract Unix names with libzmq's exact address length); `nil` to bind ``bindAddress(for:)``.
    ///
    /// - Throws: a ``VTXError`` when the socket cannot be made (the name is in use, say).
    func makeListeningSocket(for endpoint: Endpoint) throws(VTXError) -> NIOBSDSocket.Handle?

    /// A connected descriptor made by the transport itself (see ``makeListeningSocket(for:)``); `nil` to connect
    /// to ``connectAddress(for:)``.
    ///
    /// - Throws: a ``VTXError`` when the connection cannot be made now (the connecter retries).
    func makeConnectedSocket(for endpoint: Endpoint) throws(VTXError) -> NIOBSDSocket.Handle?
}

extension StreamTransport {
    /// Nothing to clean up by default.
    public func listenerClosed(at address: SocketAddress, endpoint: Endpoint) {}

    /// Bind through NIO by default.
    public func makeListeningSocket(for endpoint: Endpoint) throws(VTXError) -> NIOBSDSocket.Handle? { nil }

    /// Connect through NIO by default.
    public func makeConnectedSocket(for endpoint: Endpoint) throws(VTXError) -> NIOBSDSocket.Handle? { nil }
}
