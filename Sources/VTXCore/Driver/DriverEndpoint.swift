/// One bind or connect of one socket, as a driver sees it: where to listen or connect, the socket's options, and
/// the way back to the socket.
///
/// A driver reports what happens with ``report(_:)`` and hands the socket a new peer with
/// ``attach(peer:sink:)``. Both may be called from any thread.
public final class DriverEndpoint: Sendable, CustomStringConvertible {
    /// Whether the socket binds or connects.
    public enum Role: Sendable, Hashable {
        /// The socket listens here.
        case bind
        /// The socket connects here.
        case connect
    }

    /// Identifies this bind or connect.
    public let id: EndpointID
    /// Where to bind or connect.
    public let endpoint: Endpoint
    /// Whether this is a bind or a connect.
    public let role: Role
    /// The options captured when the call was made.
    public let options: EndpointOptions
    let link: SocketLink
    /// The core's reconnect loop, for a connect.
    let connectLoop: ConnectLoop?
    /// The manager, for ZAP requests.
    private weak let manager: VTX?
    /// The driver's swift-metrics counters, or `nil` when metrics are off.
    private let metrics: DriverMetrics?

    init(
        id: EndpointID,
        endpoint: Endpoint,
        role: Role,
        options: EndpointOptions,
        link: SocketLink,
        connectLoop: ConnectLoop?,
        manager: VTX? = nil,
        metrics: DriverMetrics? = nil
    ) {
        self.manager = manager
        self.metrics = metrics
        self.id = id
        self.endpoint = endpoint
        self.role = role
        self.options = options
        self.link = link
        self.connectLoop = connectLoop
    }

    /// Asks the ZAP handler of the socket's manager (RFC 27) whether to admit a peer, and calls `completion` once
    /// with the outcome, on another thread: ``ZAPOutcome/noHandler`` at once when no socket is bound at
    /// ``ZAPRequest/endpoint``; ``ZAPOutcome/invalid(_:)`` when the handler answers something that is not a ZAP
    /// reply or does not answer within `timeout`. Server-side handshakes (PLAIN, CURVE, NULL with a ZAP domain)
    /// call it before they admit a peer.
    public func authenticate(
        _ request: ZAPRequest,
        timeout: Duration,
        completion: @escaping @Sendable (ZAPOutcome) -> Void
    ) {
        guard let manager else {
            completion(.noHandler)
            return
        }
        manager.authenticate(request, timeout: timeout, completion: completion)
    }

    /// The type of the socket this endpoint belongs to.
    public var socketType: SocketType { link.type }

    /// Whether the socket has been closed (a driver then drops the endpoint's connections).
    public var isSocketClosed: Bool { link.isClosed }

    /// What the socket tells a peer about itself: its type, its routing id (REQ, DEALER, ROUTER only) and this
    /// endpoint's address.
    public var localPeerInfo: PeerInfo {
        PeerInfo(
            socketType: link.type,
            routingId: link.type.sendsRoutingId ? options.routingId : nil,
            address: endpoint.description
        )
    }

    /// Reports an event to the socket (and its monitors). For a connect, the core's reconnect loop also acts on it
    /// (see ``DriverCommand/connect(_:)``).
    public func report(_ event: DriverEvent) {
        // Counted and queued for the socket first, so that whoever sees the monitor event also sees the count and
        // finds the event in the socket's statistics.
        metrics?.record(event)
        link.mailbox.push(.endpoint(id, event))
        link.monitors.publish(event, endpoint: endpoint.description)
        connectLoop?.observe(event, for: self)
    }

    /// The core's attach-timing rule for a connect (libzmq's): `true` when the connect gets its pipe at once, before
    /// any connection exists, so that messages queue while the peer is away and survive reconnects; `false` for a
    /// socket that waits for its peer, because it sets ``EndpointOptions/immediate`` or is a ROUTER (which needs the
    /// peer's routing id before it can route to it). Always `false` for a bind.
    public var attachesEarly: Bool {
        role == .connect && !options.immediate && link.type != .router
    }

    /// For a connect: attaches the pipe that queues messages before any connection exists, when the core's rule
    /// (``attachesEarly``) says so, and returns the driver's end; returns `nil` when the socket waits for its peer,
    /// in which case attach each connection's peer with ``attach(peer:sink:)`` once it is known. Keep the pipe
    /// across connections and ``MessagePipe/announce(_:)`` each new peer in it.
    ///
    /// - Throws: ``VTXError/Code/socketClosed`` when the socket is closed.
    public func attachEarly(sink: any PipeEventSink) throws(VTXError) -> MessagePipe? {
        guard attachesEarly else { return nil }
        return try attach(peer: PeerInfo(socketType: nil, address: endpoint.description), sink: sink)
    }

    /// Checks that a peer of type `peerType` may talk to this socket.
    ///
    /// - Throws: ``VTXError/Code/incompatibleSocketType`` with both type names when it may not.
    public func checkCompatibility(with peerType: SocketType) throws(VTXError) {
        guard link.type.isCompatible(with: peerType) else {
            throw VTXError(
                .incompatibleSocketType,
                "a \(link.type.name) socket cannot talk to a \(peerType.name) peer"
            )
        }
    }

    /// Attaches a new peer to the socket: makes a pipe pair with the socket's high-water marks, gives the socket its
    /// end and returns the driver's end, whose events go to `sink`. The sink is sent ``PipeEvent/readable`` at once
    /// (perhaps before this returns, on this thread): read the pipe on every `.readable` until ``MessagePipe/read()``
    /// returns `nil`, and nothing is ever missed.
    ///
    /// - Throws: ``VTXError/Code/incompatibleSocketType`` when the peer's type cannot talk to this socket, and
    ///   ``VTXError/Code/socketClosed`` when the socket is closed; the driver then drops the connection.
    public func attach(peer: PeerInfo, sink: any PipeEventSink) throws(VTXError) -> MessagePipe {
        if let type = peer.socketType { try checkCompatibility(with: type) }
        guard !link.isClosed else { throw VTXError.socketClosed }
        let (socketEnd, driverEnd) = MessagePipe.makePair(
            firstToSecond: options.sendHighWaterMark,
            secondToFirst: options.receiveHighWaterMark,
            firstPeer: peer,
            secondPeer: localPeerInfo
        )
        driverEnd.setDriverSink(sink)
        link.mailbox.push(.attach(socketEnd, id))
        return driverEnd
    }

    /// Gives the socket an end of a pipe pair the driver made itself with ``MessagePipe/makePair(firstToSecond:secondToFirst:firstPeer:secondPeer:)``
    /// (inproc joins two sockets this way, with no driver in the data path). The end's ``MessagePipe/peer`` is
    /// checked as ``attach(peer:sink:)`` checks it.
    ///
    /// - Throws: ``VTXError/Code/incompatibleSocketType`` when the peer's type cannot talk to this socket, and
    ///   ``VTXError/Code/socketClosed`` when the socket is closed.
    public func attach(_ socketEnd: MessagePipe) throws(VTXError) {
        if let type = socketEnd.peer.socketType { try checkCompatibility(with: type) }
        guard !link.isClosed else { throw VTXError.socketClosed }
        link.mailbox.push(.attach(socketEnd, id))
    }

    /// The endpoint and role.
    public var description: String { "\(role == .bind ? "bind" : "connect") \(endpoint) \(id)" }
}
