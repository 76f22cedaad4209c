import VTXCore

/// What every mechanism needs to know about its own socket and the peer: the metadata it announces, and the
/// fields of the ZAP requests a server side makes.
public struct HandshakeContext: Sendable {
    /// Our socket type, announced as `Socket-Type` and checked against the peer's.
    public var socketType: SocketType
    /// Our routing id, announced as `Identity` when ``socketType`` sends one; also the ZAP request's identity
    /// frame (libzmq sends the server socket's own routing id there).
    public var routingId: Frame
    /// Application properties (libzmq's `ZMQ_METADATA`, names starting `X-`) sent after the standard ones.
    public var properties: Metadata
    /// The ZAP domain; `nil` when unset (a NULL server then asks no handler).
    public var zapDomain: String?
    /// The peer's address as ZAP wants it: its IP address for tcp, empty when the transport has none.
    public var zapAddress: String
    /// The peer, in words, for error messages (`tcp://127.0.0.1:5555`).
    public var peerDescription: String

    /// Makes a context; only the socket type is required.
    public init(
        socketType: SocketType,
        routingId: Frame = Frame(),
        properties: Metadata = [],
        zapDomain: String? = nil,
        zapAddress: String = "",
        peerDescription: String = "the peer"
    ) {
        self.socketType = socketType
        self.routingId = routingId
        self.properties = properties
        self.zapDomain = zapDomain
        self.zapAddress = zapAddress
        self.peerDescription = peerDescription
    }

    /// Our metadata: `Socket-Type`, then `Identity` for REQ, DEALER and ROUTER (always, even when empty, as
    /// libzmq does), then the application properties.
    public var localMetadata: Metadata {
        var metadata: Metadata = [(Metadata.socketTypeName, Frame(socketType.name))]
        if socketType.sendsRoutingId {
            metadata.append(name: Metadata.identityName, value: routingId)
        }
        metadata.properties.append(contentsOf: properties.properties)
        return metadata
    }

    /// The ZAP request for a peer using `mechanism` with `credentials`.
    public func zapRequest(mechanism: MechanismName, credentials: [Frame]) -> ZAPRequest {
        ZAPRequest(
            domain: zapDomain ?? "",
            address: zapAddress,
            identity: routingId,
            mechanism: mechanism.rawValue,
            credentials: credentials
        )
    }

    /// Checks the peer's metadata and adds what authentication gave it: the user id and the handler's
    /// properties.
    ///
    /// - Throws: as ``PeerProperties/init(validating:for:)``.
    public func peerProperties(
        from metadata: Metadata,
        userId: String? = nil,
        authenticated extra: Metadata = []
    ) throws(ZMTPError) -> PeerProperties {
        var peer = try PeerProperties(validating: metadata, for: socketType)
        peer.userId = userId
        peer.metadata.properties.append(contentsOf: extra.properties)
        return peer
    }
}
