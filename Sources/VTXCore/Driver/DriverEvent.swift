/// What a driver reports about one endpoint of a socket, on the control channel back to the socket.
///
/// The first event for a bind must be ``listening(_:)`` or ``bindFailed(_:)``, and the first for a connect
/// ``connecting`` or ``connectFailed(_:)``: the socket's `bind`/`connect` call waits for it and throws the error.
/// Every event also reaches the socket's monitors as a ``MonitorEvent``.
public enum DriverEvent: Sendable {
    /// The bind succeeded; the argument is the resolved endpoint (a real port for `:*` or `:0`).
    case listening(String)
    /// The bind failed.
    case bindFailed(VTXError)
    /// The connect request was accepted; the driver will connect (and reconnect) in the background.
    case connecting
    /// The connect cannot proceed at all (as the answer to a connect) or was given up (after a protocol error,
    /// say): the core stops reconnecting, forgets the endpoint and sends ``DriverCommand/disconnect(_:)``.
    case connectFailed(VTXError)
    /// A transport connection to the peer at this address was made (before any handshake).
    case connected(String)
    /// A connection attempt is under way and has not completed yet.
    case connectDelayed
    /// A connection attempt of a connect failed before any connection was made (refused, unreachable, a name
    /// that does not resolve). The core decides whether and when to try again (see ``DriverCommand/reconnect(_:)``).
    case connectAttemptFailed(VTXError)
    /// A reconnect attempt is scheduled after the given interval. The core reports this itself; a driver does not.
    case connectRetried(Duration)
    /// A connection from the peer at this address was accepted.
    case accepted(String)
    /// Accepting a connection failed.
    case acceptFailed(VTXError)
    /// The protocol handshake with the peer at this address completed.
    case handshakeSucceeded(String)
    /// The handshake with the peer at this address failed; the connection was dropped.
    case handshakeFailed(String, VTXError)
    /// The connection to the peer at this address ended, with the reason when it was an error. For a connect, the
    /// core then schedules the next attempt.
    case disconnected(String, VTXError?)
    /// The listener or endpoint was closed.
    case closed
}

/// What a transport can do, as its driver declares it.
public struct DriverCapabilities: Sendable, Hashable, CustomStringConvertible {
    /// How the transport carries data.
    public enum Kind: String, Sendable, Hashable {
        /// A byte stream (TCP, Unix domain sockets).
        case stream
        /// Datagrams (UDP).
        case datagram
        /// Memory inside one process (inproc).
        case memory
    }

    /// How the transport carries data.
    public var kind: Kind
    /// Whether every message sent reaches the peer while the connection lives.
    public var isReliable: Bool
    /// Whether messages arrive in the order sent.
    public var isOrdered: Bool
    /// Whether a connect may reach many hosts at once (broadcast discovery).
    public var supportsBroadcast: Bool
    /// The largest message the transport carries, in bytes; `nil` for no limit.
    public var maxMessageSize: Int?
    /// Whether the transport runs the socket's security mechanism (``SecurityOptions``: PLAIN, CURVE, ZAP) on its
    /// connections, as the ZMTP stream drivers do. The core refuses a bind or connect of a socket with security
    /// settings over a network transport without it (``VTXError/Code/notSupported``), rather than let it talk in
    /// the clear; memory transports (inproc) ignore the settings, as libzmq does.
    public var supportsSecurity: Bool

    /// Describes a transport.
    public init(
        kind: Kind,
        isReliable: Bool,
        isOrdered: Bool,
        supportsBroadcast: Bool = false,
        maxMessageSize: Int? = nil,
        supportsSecurity: Bool = false
    ) {
        self.kind = kind
        self.isReliable = isReliable
        self.isOrdered = isOrdered
        self.supportsBroadcast = supportsBroadcast
        self.maxMessageSize = maxMessageSize
        self.supportsSecurity = supportsSecurity
    }

    /// A one-line summary, such as `stream, reliable, ordered`.
    public var description: String {
        var parts = [kind.rawValue]
        parts.append(isReliable ? "reliable" : "unreliable")
        parts.append(isOrdered ? "ordered" : "unordered")
        if supportsBroadcast { parts.append("broadcast") }
        if supportsSecurity { parts.append("PLAIN/CURVE") }
        parts.append(maxMessageSize.map { "max \($0) B" } ?? "no size limit")
        return parts.joined(separator: ", ")
    }
}

/// A command on the control channel from a socket to a driver.
public enum DriverCommand: Sendable {
    /// Listen at the endpoint and attach a peer for every accepted connection. Answer with
    /// ``DriverEvent/listening(_:)`` or ``DriverEvent/bindFailed(_:)``.
    case bind(DriverEndpoint)
    /// Connect to the endpoint and attach the peer. Answer with ``DriverEvent/connecting`` or
    /// ``DriverEvent/connectFailed(_:)``, then make one attempt. Report how it ends
    /// (``DriverEvent/connectAttemptFailed(_:)``, or ``DriverEvent/disconnected(_:_:)`` when a connection that was
    /// made ends); the core answers with ``reconnect(_:)`` when its ``ReconnectPolicy`` says so.
    case connect(DriverEndpoint)
    /// Make another attempt for a connect whose last attempt failed or whose connection ended. Sent by the core
    /// when the endpoint's ``EndpointOptions/reconnect`` policy says; ignore it for an endpoint you no longer
    /// serve (one you gave up, or one already disconnected).
    case reconnect(DriverEndpoint)
    /// Stop listening at a bound endpoint; close its connections if the transport has any of its own.
    case unbind(DriverEndpoint)
    /// Stop connecting to an endpoint and close its connection. Also sent for a connect the core gave up; ignore
    /// it for an endpoint you do not know.
    case disconnect(DriverEndpoint)
}
