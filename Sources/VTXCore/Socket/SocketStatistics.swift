/// What one socket has done since it was made: messages and bytes in and out, messages dropped, and its
/// connections (``Socket/statistics``).
///
/// The socket counts in plain integers on its own thread (no lock, no allocation). Connection events are always
/// counted; messages and bytes when metrics are on (``VTX/metricsFactory``, whose backend then receives the same
/// counts) or when the manager ``VTX/collectsStatistics``, and stay zero otherwise, so that a socket with neither
/// pays one predictable branch per message.
public struct SocketStatistics: Sendable, Hashable {
    /// Messages the socket took from its user to send (a PUB's message counts once, however many subscribers
    /// get it, and also when none does).
    public internal(set) var messagesSent = 0
    /// Body bytes of the messages sent, all frames.
    public internal(set) var bytesSent = 0
    /// Messages handed to the user.
    public internal(set) var messagesReceived = 0
    /// Body bytes of the messages received, all frames.
    public internal(set) var bytesReceived = 0
    /// Messages (or, for PUB/XPUB, copies for one subscriber) dropped because the peer was at its high-water
    /// mark or gone: PUB and XPUB subscribers that are full, ROUTER peers that are full or unknown (without
    /// ``Socket/routerMandatory``), REP replies to a full or gone peer.
    public internal(set) var messagesDropped = 0
    /// Connections made or accepted by the socket's endpoints (``MonitorEvent/Kind/connected`` and
    /// ``MonitorEvent/Kind/accepted``).
    public internal(set) var connections = 0
    /// Connections that ended.
    public internal(set) var disconnections = 0
    /// Handshakes that failed (protocol errors, incompatible types, authentication).
    public internal(set) var handshakeFailures = 0
    /// Reconnection attempts scheduled by the socket's connects.
    public internal(set) var reconnects = 0
    /// Messages written to the socket's pipes that their readers (drivers or inproc peers) had not taken yet,
    /// when the statistics were read. Readers report their progress in steps of half the high-water mark, so
    /// this may be up to that much too high.
    public internal(set) var queuedOutbound = 0

    /// All zero.
    public init() {}

    /// Counts a driver event of one of the socket's endpoints.
    mutating func record(_ event: DriverEvent) {
        switch event {
        case .connected, .accepted: connections &+= 1
        case .disconnected: disconnections &+= 1
        case .handshakeFailed: handshakeFailures &+= 1
        case .connectRetried: reconnects &+= 1
        default: break
        }
    }
}
