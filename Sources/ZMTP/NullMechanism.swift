import VTXCore

/// The NULL mechanism (RFC 23 §"The NULL Security Mechanism", RFC 37): no authentication, no encryption. Each side
/// sends READY with its metadata right after the greeting; the handshake is complete when both have.
///
/// Our READY carries `Socket-Type`, then `Identity` when our socket type sends routing ids (REQ, DEALER, ROUTER;
/// always, even when empty, as libzmq does), then any application properties — the same bytes libzmq sends. The
/// peer's READY must name a socket type compatible with ours. Anything else before the peer's READY is an error:
/// libzmq treats a data frame as an unexpected command and closes, and so do we.
///
/// With a ZAP domain set, the mechanism first asks the ZAP handler (mechanism `NULL`, no credentials) and sends
/// READY only once it admits the peer; a refusal sends ERROR with the status code instead, as libzmq does.
public struct NullMechanism: Mechanism {
    /// Our socket, and the ZAP request fields.
    public let context: HandshakeContext

    /// What the peer's READY said, once it has arrived.
    public private(set) var peer: PeerProperties?
    private var readySent = false
    private var authentication: (userId: String?, properties: Metadata)?

    /// Makes the mechanism for a socket described by `context`.
    public init(context: HandshakeContext) {
        self.context = context
    }

    /// Makes the mechanism for a socket of `socketType` with routing id `routingId` (empty for none) and extra
    /// `properties` to announce.
    public init(socketType: SocketType, routingId: Frame = Frame(), properties: Metadata = []) {
        self.init(context: HandshakeContext(socketType: socketType, routingId: routingId, properties: properties))
    }

    /// `NULL`.
    public var name: MechanismName { .null }

    /// Our socket type.
    public var socketType: SocketType { context.socketType }

    /// Whether both READY commands have been exchanged.
    public var isComplete: Bool { readySent && peer != nil }

    /// Our metadata: `Socket-Type`, then `Identity` for REQ, DEALER and ROUTER, then the application properties.
    public var localMetadata: Metadata { context.localMetadata }

    private var asksZAP: Bool { !(context.zapDomain ?? "").isEmpty }

    /// Returns our READY the first time, or the ZAP request when a domain is set; nothing after that. Never throws.
    public mutating func start() throws(ZMTPError) -> HandshakeStep {
        guard !readySent else { return HandshakeStep() }
        if asksZAP, authentication == nil {
            return HandshakeStep(authenticate: context.zapRequest(mechanism: .null, credentials: []))
        }
        readySent = true
        return HandshakeStep(commands: [.ready(localMetadata)])
    }

    /// Goes on after ZAP: READY when the handler admits the peer (or none is bound), ERROR or nothing when it
    /// refuses. Never throws.
    public mutating func resume(with outcome: ZAPOutcome) throws(ZMTPError) -> HandshakeStep {
        switch outcome.judge(mechanism: .null, admitsWithoutHandler: true, peer: context.peerDescription) {
        case .admitted(let userId, let properties):
            authentication = (userId, properties)
            if var peer {
                peer.userId = userId
                peer.metadata.properties.append(contentsOf: properties.properties)
                self.peer = peer
            }
            return try start()
        case .refused(let step):
            return step
        }
    }

    /// Accepts the peer's READY; returns our READY too if ``start()`` has not sent it yet.
    ///
    /// - Throws: ``ZMTPError/Category/peerError`` for the peer's ERROR (with its reason);
    ///   ``ZMTPError/Category/unexpectedCommand`` for a data message, any other command, or anything after the
    ///   peer's READY; ``ZMTPError/Category/invalidMetadata`` and ``ZMTPError/Category/incompatibleSocketType`` from
    ///   checking the peer's metadata (``PeerProperties/init(validating:for:)``).
    public mutating func process(_ item: ZMTPItem) throws(ZMTPError) -> HandshakeStep {
        guard peer == nil else {
            throw ZMTPError(.unexpectedCommand, "the NULL handshake is already complete")
        }
        switch item {
        case .message:
            throw ZMTPError(.unexpectedCommand, "a data frame arrived before the peer's READY")
        case .command(.error(let reason)):
            throw ZMTPError(.peerError, "the peer refused the handshake with ERROR \"\(reason)\"", peerReason: reason)
        case .command(.ready(let metadata)):
            peer = try context.peerProperties(
                from: metadata,
                userId: authentication?.userId,
                authenticated: authentication?.properties ?? []
            )
            return try start()
        case .command(let command):
            throw ZMTPError(.unexpectedCommand, "unexpected \(command.name) command during the NULL handshake")
        }
    }
}
