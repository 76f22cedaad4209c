/// Something that happened to one of a socket's endpoints or connections.
public struct MonitorEvent: Sendable, CustomStringConvertible {
    /// What happened.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A bind succeeded. libzmq: `ZMQ_EVENT_LISTENING`.
        case listening
        /// A bind failed. libzmq: `ZMQ_EVENT_BIND_FAILED`.
        case bindFailed
        /// A connection was accepted. libzmq: `ZMQ_EVENT_ACCEPTED`.
        case accepted
        /// Accepting a connection failed. libzmq: `ZMQ_EVENT_ACCEPT_FAILED`.
        case acceptFailed
        /// A connection was made. libzmq: `ZMQ_EVENT_CONNECTED`.
        case connected
        /// A connection attempt is in progress. libzmq: `ZMQ_EVENT_CONNECT_DELAYED`.
        case connectDelayed
        /// A reconnect is scheduled. libzmq: `ZMQ_EVENT_CONNECT_RETRIED`.
        case connectRetried
        /// A connect was given up.
        case connectFailed
        /// A connection ended. libzmq: `ZMQ_EVENT_DISCONNECTED`.
        case disconnected
        /// A listener or endpoint closed. libzmq: `ZMQ_EVENT_CLOSED`.
        case closed
        /// A handshake completed. libzmq: `ZMQ_EVENT_HANDSHAKE_SUCCEEDED`.
        case handshakeSucceeded
        /// A handshake failed. libzmq: `ZMQ_EVENT_HANDSHAKE_FAILED_*`.
        case handshakeFailed
        /// The monitor ended (the socket closed). libzmq: `ZMQ_EVENT_MONITOR_STOPPED`.
        case monitorStopped
    }

    /// What happened.
    public let kind: Kind
    /// The socket's endpoint this concerns, as bound or connected (resolved for `listening`).
    public let endpoint: String
    /// The peer's address, when the event concerns one connection.
    public let peerAddress: String?
    /// The error, for failures and error disconnects.
    public let error: VTXError?
    /// The wait before the next attempt, for ``Kind/connectRetried``.
    public let retryInterval: Duration?
    /// When it happened.
    public let timestamp: ContinuousClock.Instant

    /// Makes an event.
    public init(
        kind: Kind,
        endpoint: String,
        peerAddress: String? = nil,
        error: VTXError? = nil,
        retryInterval: Duration? = nil,
        timestamp: ContinuousClock.Instant = .now
    ) {
        self.kind = kind
        self.endpoint = endpoint
        self.peerAddress = peerAddress
        self.error = error
        self.retryInterval = retryInterval
        self.timestamp = timestamp
    }

    init?(_ event: DriverEvent, endpoint: String) {
        switch event {
        case .listening(let resolved): self.init(kind: .listening, endpoint: resolved)
        case .bindFailed(let error): self.init(kind: .bindFailed, endpoint: endpoint, error: error)
        case .connecting: return nil
        case .connectFailed(let error): self.init(kind: .connectFailed, endpoint: endpoint, error: error)
        case .connected(let peer): self.init(kind: .connected, endpoint: endpoint, peerAddress: peer)
        case .connectDelayed: self.init(kind: .connectDelayed, endpoint: endpoint)
        case .connectAttemptFailed: return nil  // libzmq reports only the retry that follows
        case .connectRetried(let delay):
            self.init(kind: .connectRetried, endpoint: endpoint, retryInterval: delay)
        case .accepted(let peer): self.init(kind: .accepted, endpoint: endpoint, peerAddress: peer)
        case .acceptFailed(let error): self.init(kind: .acceptFailed, endpoint: endpoint, error: error)
        case .handshakeSucceeded(let peer):
            self.init(kind: .handshakeSucceeded, endpoint: endpoint, peerAddress: peer)
        case .handshakeFailed(let peer, let error):
            self.init(kind: .handshakeFailed, endpoint: endpoint, peerAddress: peer, error: error)
        case .disconnected(let peer, let error):
            self.init(kind: .disconnected, endpoint: endpoint, peerAddress: peer, error: error)
        case .closed: self.init(kind: .closed, endpoint: endpoint)
        }
    }

    /// For a ``Kind/handshakeFailed`` that authentication caused, the ZAP status code (300, 400, 500), as
    /// libzmq's `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` reports it; `nil` otherwise.
    public var authenticationStatus: Int? { error?.authenticationStatus }

    /// The kind, endpoint, peer and error on one line.
    public var description: String {
        var text = "\(kind.rawValue) \(endpoint)"
        if let peerAddress { text += " peer=\(peerAddress)" }
        if let retryInterval { text += " retry=\(retryInterval)" }
        if let error { text += " error=\(error)" }
        return text
    }
}
