/// What a socket learns about a peer when a driver attaches it: its socket type, routing id and address.
public struct PeerInfo: Sendable, CustomStringConvertible {
    /// The peer's socket type, or `nil` while it is not yet known (an inproc connect before the bind).
    public var socketType: SocketType?
    /// The routing id the peer announced (ZMTP `Identity`), or `nil` for none. Stored ``Frame/detached()``, as it
    /// lives as long as the connection.
    public var routingId: Frame? {
        didSet { routingId = routingId?.detached() }
    }
    /// The peer's address in endpoint form (`tcp://127.0.0.1:5555`, `inproc://name`).
    public var address: String
    /// Further properties (`User-Id`, application `X-` properties), as name/value pairs.
    public var properties: [(name: String, value: String)]

    /// Describes a peer.
    public init(
        socketType: SocketType?,
        routingId: Frame? = nil,
        address: String,
        properties: [(name: String, value: String)] = []
    ) {
        self.socketType = socketType
        self.routingId = routingId?.detached()
        self.address = address
        self.properties = properties
    }

    /// The peer's type and address.
    public var description: String {
        "\(socketType?.name ?? "?")@\(address)"
    }

    /// The metadata messages from this peer carry: `Socket-Type`, `Routing-Id` (when non-empty), `Peer-Address`
    /// and the other properties. A driver that attaches a peer before knowing it passes this to
    /// ``MessagePipe/announce(_:)`` once it knows it.
    public func makeMetadata() -> MessageMetadata {
        var list: [(name: String, value: String)] = []
        if let socketType { list.append((MessageMetadata.socketType, socketType.name)) }
        if let routingId, !routingId.isEmpty { list.append((MessageMetadata.routingId, routingId.description)) }
        list.append((MessageMetadata.peerAddress, address))
        list.append(contentsOf: properties)
        return MessageMetadata(list)
    }
}
