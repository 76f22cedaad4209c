extension Socket {
    /// The most messages queued toward each peer before sending blocks or drops, by socket type (0 = no limit).
    /// Default 1000. Negative values count as 0. Changing it updates existing connections (over inproc the
    /// pipe holds this plus the peer's receive mark). The corresponding libzmq option is `ZMQ_SNDHWM`.
    public var sendHighWaterMark: Int {
        get { options.sendHighWaterMark }
        set {
            options.sendHighWaterMark = max(0, newValue)
            guard !options.conflate else { return }
            for pipe in pipes.values { pipe.updateSendShare(options.sendHighWaterMark) }
        }
    }

    /// The most messages queued from each peer before the peer is held back (0 = no limit). Default 1000.
    /// Negative values count as 0. The corresponding libzmq option is `ZMQ_RCVHWM`.
    public var receiveHighWaterMark: Int {
        get { options.receiveHighWaterMark }
        set {
            options.receiveHighWaterMark = max(0, newValue)
            guard !options.conflate else { return }
            for pipe in pipes.values { pipe.updateReceiveShare(options.receiveHighWaterMark) }
        }
    }

    /// How long a blocking send waits; `nil` (the default) waits forever, `.zero` never waits.
    /// The corresponding libzmq option is `ZMQ_SNDTIMEO`.
    public var sendTimeout: Duration? {
        get { options.sendTimeout }
        set { options.sendTimeout = newValue.map { max(.zero, $0) } }
    }

    /// How long a blocking receive waits; `nil` (the default) waits forever, `.zero` never waits.
    /// The corresponding libzmq option is `ZMQ_RCVTIMEO`.
    public var receiveTimeout: Duration? {
        get { options.receiveTimeout }
        set { options.receiveTimeout = newValue.map { max(.zero, $0) } }
    }

    /// How long unsent messages are kept after close or disconnect; `nil` keeps them until sent. Default `nil`,
    /// `.zero` for SUB and XSUB. The corresponding libzmq option is `ZMQ_LINGER`.
    public var linger: Duration? {
        get { options.linger }
        set { options.linger = newValue.map { max(.zero, $0) } }
    }

    /// The id this socket announces to peers (REQ, DEALER and ROUTER only), 1 to 255 bytes; applies to later
    /// binds and connects. The corresponding libzmq option is `ZMQ_ROUTING_ID`.
    public var routingId: Frame? {
        get { options.routingId }
        set { options.routingId = newValue?.detached() }
    }

    /// ROUTER only: the routing id to give the peer of the next ``connect(_:)``, so the ROUTER can send to it at
    /// once. The corresponding libzmq option is `ZMQ_CONNECT_ROUTING_ID`.
    public var connectRoutingId: Frame? {
        get { options.connectRoutingId }
        set { options.connectRoutingId = newValue?.detached() }
    }

    /// The largest message a peer may send, in bytes; a larger one drops the connection. `nil` (the default)
    /// means no limit. The corresponding libzmq option is `ZMQ_MAXMSGSIZE`.
    public var maxMessageSize: Int? {
        get { options.maxMessageSize }
        set { options.maxMessageSize = newValue.map { max(0, $0) } }
    }

    /// The first wait before reconnecting; `nil` never reconnects. Default 100 ms.
    /// The corresponding libzmq option is `ZMQ_RECONNECT_IVL`.
    public var reconnectInterval: Duration? {
        get { options.reconnectInterval }
        set { options.reconnectInterval = newValue.map { max(.zero, $0) } }
    }

    /// With a non-zero value, reconnect waits double up to this. Default zero (random jitter instead).
    /// The corresponding libzmq option is `ZMQ_RECONNECT_IVL_MAX`.
    public var reconnectIntervalMax: Duration {
        get { options.reconnectIntervalMax }
        set { options.reconnectIntervalMax = max(.zero, newValue) }
    }

    /// How long a connection handshake may take; `nil` for no limit. Default 30 s.
    /// The corresponding libzmq option is `ZMQ_HANDSHAKE_IVL`.
    public var handshakeInterval: Duration? {
        get { options.handshakeInterval }
        set { options.handshakeInterval = newValue }
    }

    /// Interval between heartbeat pings on stream transports; `nil` (default) for none.
    /// The corresponding libzmq option is `ZMQ_HEARTBEAT_IVL`.
    public var heartbeatInterval: Duration? {
        get { options.heartbeatInterval }
        set { options.heartbeatInterval = newValue }
    }

    /// How long to wait for traffic after a ping; `nil` (default) means the heartbeat interval.
    /// The corresponding libzmq option is `ZMQ_HEARTBEAT_TIMEOUT`.
    public var heartbeatTimeout: Duration? {
        get { options.heartbeatTimeout }
        set { options.heartbeatTimeout = newValue }
    }

    /// How long peers should wait for our traffic before dropping us; `nil` (default) for no limit.
    /// The corresponding libzmq option is `ZMQ_HEARTBEAT_TTL`.
    public var heartbeatTTL: Duration? {
        get { options.heartbeatTTL }
        set { options.heartbeatTTL = newValue }
    }

    /// TCP keep-alive for later binds and connects: `nil` (default) leaves the system's setting, `true`/`false`
    /// turns `SO_KEEPALIVE` on or off. The corresponding libzmq option is `ZMQ_TCP_KEEPALIVE`.
    public var tcpKeepAlive: Bool? {
        get { options.tcpKeepAlive }
        set { options.tcpKeepAlive = newValue }
    }

    /// Keep-alive probes sent before a silent TCP connection is dropped; `nil` (default) for the system's.
    /// The corresponding libzmq option is `ZMQ_TCP_KEEPALIVE_CNT`.
    public var tcpKeepAliveCount: Int? {
        get { options.tcpKeepAliveCount }
        set { options.tcpKeepAliveCount = newValue.map { max(1, $0) } }
    }

    /// Idle time before the first keep-alive probe; `nil` (default) for the system's.
    /// The corresponding libzmq option is `ZMQ_TCP_KEEPALIVE_IDLE`.
    public var tcpKeepAliveIdle: Duration? {
        get { options.tcpKeepAliveIdle }
        set { options.tcpKeepAliveIdle = newValue }
    }

    /// Time between keep-alive probes; `nil` (default) for the system's.
    /// The corresponding libzmq option is `ZMQ_TCP_KEEPALIVE_INTVL`.
    public var tcpKeepAliveInterval: Duration? {
        get { options.tcpKeepAliveInterval }
        set { options.tcpKeepAliveInterval = newValue }
    }

    /// Queue messages only to peers whose connection is up. Default `false`.
    /// The corresponding libzmq option is `ZMQ_IMMEDIATE`.
    public var immediate: Bool {
        get { options.immediate }
        set { options.immediate = newValue }
    }

    /// Keep only the newest message (DEALER, PULL, PUSH, PUB, SUB; single-frame messages). Default `false`.
    /// The corresponding libzmq option is `ZMQ_CONFLATE`.
    public var conflate: Bool {
        get { options.conflate }
        set {
            options.conflate = newValue
            pattern.conflate = newValue
        }
    }

    /// ROUTER: fail with ``VTXError/Code/hostUnreachable`` (or wait, when the peer is full) instead of dropping
    /// unroutable messages. Default `false`. The corresponding libzmq option is `ZMQ_ROUTER_MANDATORY`.
    public var routerMandatory: Bool {
        get { options.routerMandatory }
        set { options.routerMandatory = newValue }
    }

    /// ROUTER: a new peer with a routing id already in use takes it over. Default `false`.
    /// The corresponding libzmq option is `ZMQ_ROUTER_HANDOVER`.
    public var routerHandover: Bool {
        get { options.routerHandover }
        set { options.routerHandover = newValue }
    }

    /// REQ, DEALER, ROUTER: send an empty message to every new peer. Default `false`.
    /// The corresponding libzmq option is `ZMQ_PROBE_ROUTER`.
    public var probeRouter: Bool {
        get { options.probeRouter }
        set { options.probeRouter = newValue }
    }

    /// REQ: allow a new request before the reply to the last one (which is then discarded). Default `false`.
    /// The corresponding libzmq option is `ZMQ_REQ_RELAXED`.
    public var requestRelaxed: Bool {
        get { options.requestRelaxed }
        set { options.requestRelaxed = newValue }
    }

    /// REQ: prefix requests with an id and accept only the reply carrying it. Default `false`.
    /// The corresponding libzmq option is `ZMQ_REQ_CORRELATE`.
    public var requestCorrelate: Bool {
        get { options.requestCorrelate }
        set { options.requestCorrelate = newValue }
    }

    /// XPUB: deliver every subscription, not just new topics. Default `false`.
    /// The corresponding libzmq option is `ZMQ_XPUB_VERBOSE`.
    public var xpubVerbose: Bool {
        get { options.xpubVerbose }
        set { options.xpubVerbose = newValue }
    }

    /// XPUB: deliver every unsubscription too. Default `false`. The corresponding libzmq option is
    /// `ZMQ_XPUB_VERBOSER`.
    public var xpubVerboser: Bool {
        get { options.xpubVerboser }
        set { options.xpubVerboser = newValue }
    }

    /// PUB, XPUB: wait (or fail with ``VTXError/Code/wouldBlock``) instead of dropping when a subscriber is
    /// full. Default `false`. The corresponding libzmq option is `ZMQ_XPUB_NODROP`.
    public var xpubNoDrop: Bool {
        get { options.xpubNoDrop }
        set { options.xpubNoDrop = newValue }
    }

    /// XPUB: apply subscriptions only through ``subscribe(_:)-(Frame)`` after receiving them. Default `false`.
    /// The corresponding libzmq option is `ZMQ_XPUB_MANUAL`.
    public var xpubManual: Bool {
        get { options.xpubManual }
        set { options.xpubManual = newValue }
    }

    /// XPUB: a message sent to every new subscriber. Default `nil`.
    /// The corresponding libzmq option is `ZMQ_XPUB_WELCOME_MSG`.
    public var xpubWelcomeMessage: Message? {
        get { options.xpubWelcomeMessage }
        set { options.xpubWelcomeMessage = newValue.map { Message($0.frames.map { $0.detached() }) } }
    }

    /// PUB, XPUB, SUB: match the messages that do *not* start with a subscription. Default `false`.
    /// The corresponding libzmq option is `ZMQ_INVERT_MATCHING`.
    public var invertMatching: Bool {
        get { options.invertMatching }
        set { options.invertMatching = newValue }
    }

    /// Subscribes to messages whose first frame starts with `prefix` (empty: everything). SUB, and XPUB with
    /// ``xpubManual``.
    ///
    /// - Throws: ``VTXError/Code/notSupported`` for other socket types, ``VTXError/Code/socketClosed``.
    public func subscribe(_ prefix: Frame = Frame()) throws(VTXError) {
        try checkOpen()
        processCommands()
        try pattern.subscribe(prefix)
    }

    /// Subscribes to messages starting with the UTF-8 bytes of `prefix`.
    ///
    /// - Throws: as ``subscribe(_:)-(Frame)``.
    public func subscribe(_ prefix: String) throws(VTXError) {
        try subscribe(Frame(prefix))
    }

    /// Removes one subscription to `prefix`; unknown prefixes are ignored. SUB, and XPUB with ``xpubManual``.
    ///
    /// - Throws: ``VTXError/Code/notSupported`` for other socket types, ``VTXError/Code/socketClosed``.
    public func unsubscribe(_ prefix: Frame = Frame()) throws(VTXError) {
        try checkOpen()
        processCommands()
        try pattern.unsubscribe(prefix)
    }

    /// Removes one subscription to the UTF-8 bytes of `prefix`.
    ///
    /// - Throws: as ``unsubscribe(_:)-(Frame)``.
    public func unsubscribe(_ prefix: String) throws(VTXError) {
        try unsubscribe(Frame(prefix))
    }
}
