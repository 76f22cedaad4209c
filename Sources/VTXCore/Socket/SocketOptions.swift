/// Every option of a socket, with libzmq's defaults. The socket exposes them as properties.
struct SocketOptions {
    var sendHighWaterMark = 1000
    var receiveHighWaterMark = 1000
    var linger: Duration?
    var sendTimeout: Duration?
    var receiveTimeout: Duration?
    var routingId: Frame?
    var connectRoutingId: Frame?
    var maxMessageSize: Int?
    var reconnectInterval: Duration? = .milliseconds(100)
    var reconnectIntervalMax: Duration = .zero
    var handshakeInterval: Duration? = .seconds(30)
    var heartbeatInterval: Duration?
    var heartbeatTimeout: Duration?
    var heartbeatTTL: Duration?
    var tcpKeepAlive: Bool?
    var tcpKeepAliveCount: Int?
    var tcpKeepAliveIdle: Duration?
    var tcpKeepAliveInterval: Duration?
    var immediate = false
    var conflate = false
    var routerMandatory = false
    var routerHandover = false
    var probeRouter = false
    var requestRelaxed = false
    var requestCorrelate = false
    var xpubVerbose = false
    var xpubVerboser = false
    var xpubNoDrop = false
    var xpubManual = false
    var xpubWelcomeMessage: Message?
    var invertMatching = false
    var security = SecurityOptions()

    init(type: SocketType) {
        // libzmq: SUB and XSUB default to a linger of 0, every other type to -1 (forever).
        linger = (type == .sub || type == .xsub) ? .zero : nil
    }

    func endpointOptions() -> EndpointOptions {
        var options = EndpointOptions()
        options.sendHighWaterMark = conflate ? 0 : sendHighWaterMark
        options.receiveHighWaterMark = conflate ? 0 : receiveHighWaterMark
        options.routingId = routingId
        options.maxMessageSize = maxMessageSize
        options.reconnect = ReconnectPolicy(interval: reconnectInterval, maximumInterval: reconnectIntervalMax)
        options.linger = linger
        options.immediate = immediate
        options.handshakeInterval = handshakeInterval
        options.heartbeatInterval = heartbeatInterval
        options.heartbeatTimeout = heartbeatTimeout
        options.heartbeatTTL = heartbeatTTL
        options.tcpKeepAlive = tcpKeepAlive
        options.tcpKeepAliveCount = tcpKeepAliveCount
        options.tcpKeepAliveIdle = tcpKeepAliveIdle
        options.tcpKeepAliveInterval = tcpKeepAliveInterval
        options.security = security
        return options
    }
}
