import VTXCore

/// What a handshake established about the peer: its socket type, routing id and other properties, ready to become
/// the ``PeerInfo`` a driver attaches.
public struct PeerProperties: Sendable, Hashable {
    /// The peer's socket type, from its `Socket-Type` property.
    public var socketType: SocketType
    /// The peer's routing id from its `Identity` property; `nil` when absent or empty (a ROUTER then makes one up).
    public var routingId: Frame?
    /// Every property the peer sent, in wire order, including `Socket-Type` and `Identity`.
    public var metadata: Metadata
    /// The user id authentication gave the peer (ZAP's `User-Id`), for mechanisms that authenticate; `nil` otherwise.
    public var userId: String?

    /// Makes properties from their parts.
    public init(socketType: SocketType, routingId: Frame? = nil, metadata: Metadata = [], userId: String? = nil) {
        self.socketType = socketType
        self.routingId = routingId
        self.metadata = metadata
        self.userId = userId
    }

    /// Reads and checks the peer's metadata (from READY, or from PLAIN/CURVE INITIATE or READY) for a local socket
    /// of type `localType`. Names are matched ASCII-case-insensitively; socket type names in any letter case.
    ///
    /// - Throws: ``ZMTPError/Category/invalidMetadata`` when `Socket-Type` is missing or names no socket type VTX
    ///   knows; ``ZMTPError/Category/incompatibleSocketType`` when the peer's type cannot talk to `localType`
    ///   (``SocketType/isCompatible(with:)``). The messages name both types.
    public init(validating metadata: Metadata, for localType: SocketType) throws(ZMTPError) {
        guard let typeValue = metadata[Metadata.socketTypeName] else {
            throw ZMTPError(.invalidMetadata, "the peer's metadata has no \(Metadata.socketTypeName) property")
        }
        let typeName = typeValue.withUnsafeBytes { printableName($0) }
        guard let peerType = SocketType(name: typeName) else {
            throw ZMTPError(.invalidMetadata, "the peer announces an unknown socket type \"\(typeName)\"")
        }
        guard localType.isCompatible(with: peerType) else {
            throw ZMTPError(
                .incompatibleSocketType,
                "a \(localType) socket cannot talk to a \(peerType) peer"
            )
        }
        let identity = metadata[Metadata.identityName]
        self.init(
            socketType: peerType,
            routingId: identity.flatMap { $0.isEmpty ? nil : $0 },
            metadata: metadata
        )
    }

    /// The properties other than `Socket-Type` and `Identity` (application `X-` properties and any others), with
    /// values decoded as UTF-8, followed by `User-Id` when there is one.
    public var otherProperties: [(name: String, value: String)] {
        var list: [(name: String, value: String)] = []
        for property in metadata
        where !Metadata.namesMatch(property.name, Metadata.socketTypeName)
            && !Metadata.namesMatch(property.name, Metadata.identityName)
        {
            list.append((property.name, property.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }))
        }
        if let userId { list.append((MessageMetadata.userId, userId)) }
        return list
    }

    /// The ``PeerInfo`` for a driver to attach, for a peer at `address` (in endpoint form).
    public func peerInfo(address: String) -> PeerInfo {
        PeerInfo(socketType: socketType, routingId: routingId, address: address, properties: otherProperties)
    }
}
