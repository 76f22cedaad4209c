/// The socket options a driver needs for one endpoint, captured when the bind or connect was made.
public struct EndpointOptions: Sendable {
    /// The socket's send high-water mark in messages (0 = unlimited).
    public var sendHighWaterMark: Int
    /// The socket's receive high-water mark in messages (0 = unlimited).
    public var receiveHighWaterMark: Int
    /// The routing id the socket announces to peers (`Identity`), or `nil`.
    public var routingId: Frame?
    /// The largest inbound message a peer may send, in bytes; `nil` for no limit. A bigger one drops the peer.
    public var maxMessageSize: Int?
    /// When to reconnect after a failure (connects only).
    public var reconnect: ReconnectPolicy
    /// How long unsent messages are kept after a close; `nil` means until sent.
    public var linger: Duration?
    /// Whether a connect creates its pipe only once the connection is up (`ZMQ_IMMEDIATE`).
    public var immediate: Bool
    /// How long a handshake may take before the connection is dropped; `nil` for no limit.
    public var handshakeInterval: Duration?
    /// Interval between heartbeat pings; `nil` for none.
    public var heartbeatInterval: Duration?
    /// How long to wait for traffic after a ping before dropping the connection; `nil` = the interval.
    public var heartbeatTimeout: Duration?
    /// How long the peer should wait for traffic from us before dropping the connection; `nil` for none.
    public var heartbeatTTL: Duration?
    /// TCP keep-alive: `nil` leaves the system default, `true`/`false` turns `SO_KEEPALIVE` on or off.
    public var tcpKeepAlive: Bool?
    /// TCP keep-alive probes before the connection is dropped (`TCP_KEEPCNT`); `nil` for the system default.
    public var tcpKeepAliveCount: Int?
    /// Idle time before the first keep-alive probe (`TCP_KEEPIDLE`); `nil` for the system default.
    public var tcpKeepAliveIdle: Duration?
    /// Time between keep-alive probes (`TCP_KEEPINTVL`); `nil` for the system default.
    public var tcpKeepAliveInterval: Duration?
    /// The security mechanism and its settings (``SecurityOptions``); NULL by default.
    public var security = SecurityOptions()

    /// Options with libzmq's defaults.
    public init() {
        sendHighWaterMark = 1000
        receiveHighWaterMark = 1000
        routingId = nil
        maxMessageSize = nil
        reconnect = ReconnectPolicy()
        linger = nil
        immediate = false
        handshakeInterval = .seconds(30)
        heartbeatInterval = nil
        heartbeatTimeout = nil
        heartbeatTTL = nil
    }
}
