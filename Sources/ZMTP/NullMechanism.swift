import VTXCore

/// The NULL mechanism (RFC 23 §"The NULL Security Mechanism", RFC 37): no authentication, no encryption. Each side
/// sends READY with its metadata right after the greeting; the handshake is complete when both have.
///
/// Our READY carries `Socket-Type`, then `Identity` when our socket type sends routing ids (REQ, DEALER, ROUTER;
/// always, even when empty, as libzmq does), then any application properties — the same bytes libzmq sends. The
/// peer's READY must name a socket type compatible with ours. Anything else before the peer's READY is an error:
/// libzmq treats a data frame as an unexpected command and closes, and so do we.
public struct NullMechanism: Mechanism {
    /// Our socket type, announced as `Socket-Type` and checked against the peer's.
    public let socketType: SocketType
    /// Our routing id, announced as `Identity` when ``socketType`` sends one (``SocketType/sendsRoutingId``).
    public let routingId: Frame
    /// Application properties (libzmq's `ZMQ_METADATA`, names starting `X-`) sent after the standard ones.
    public let applicationProperties: Metadata

    /// What the peer's READY said, once it has arrived.
    public private(set) var peer: PeerProperties?
    private var readySent = false

    /// Makes the mechanism for a socket of `socketType` with routing id `routingId` (empty for none) and extra
    /// `properties` to announce.
    public init(socketType: SocketType, routingId: Frame = Frame(), properties: Metadata = []) {
        self.socketType = socketType
        self.routingId = routingId
        self.applicationProperties = properties
    }

    /// `NULL`.
    public var name: MechanismName { .null }

    /// Whether both READY commands have been exchanged.
    public var isComplete: Bool { readySent && peer != nil }

    /// Our metadata: `Socket-Type`, then `Identity` for REQ, DEALER and ROUTER, then the application properties.
    public var localMetadata: Metadata {
        var metadata: Metadata = [(Metadata.socketTypeName, Frame(socketType.name))]
        if socketType.sendsRoutingId {
            metadata.append(name: Metadata.identityName, value: routingId)
        }
        metadata.properties.append(contentsOf: applicationProperties.properties)
        return metadata
    }

    /// Returns our READY the first time; nothing after that. Never throws.
    public mutating func start() throws(ZMTPError) -> [Command] {
        guard !readySent else { return [] }
        readySent = true
        return [.ready(localMetadata)]
    }

    /// Accepts the peer's READY; returns our READY too if ``start()`` has not been called yet.
    ///
    /// - Throws: ``ZMTPError/Category/peerError`` for the peer's ERROR (with its reason);
    ///   ``ZMTPError/Category/unexpectedCommand`` for a data message, any other command, or anything after the
    ///   peer's READY; ``ZMTPError/Category/invalidMetadata`` and ``ZMTPError/Category/incompatibleSocketType`` from
    ///   checking the peer's metadata (``PeerProperties/init(validating:for:)``).
    public mutating func process(_ item: ZMTPItem) throws(ZMTPError) -> [Command] {
        guard peer == nil else {
            throw ZMTPError(.unexpectedCommand, "the NULL handshake is already complete")
        }
        switch item {
        case .message:
            throw ZMTPError(.unexpectedCommand, "a data frame arrived before the peer's READY")
        case .command(.error(let reason)):
            throw ZMTPError(.peerError, "the peer refused the handshake with ERROR \"\(reason)\"", peerReason: reason)
        case .command(.ready(let metadata)):
            peer = try PeerProperties(validating: metadata, for: socketType)
            return try start()
        case .command(let command):
            throw ZMTPError(.unexpectedCommand, "unexpected \(command.name) command during the NULL handshake")
        }
    }
}
