import DequeModule
import Logging

/// A ZeroMQ-style socket: one messaging pattern role (``SocketType``), any number of bound and connected
/// endpoints over any registered transports, and whole multipart ``Message``s in and out.
///
/// Make sockets with ``VTX/socket(_:)``. Like a libzmq socket, a `Socket` is used by one thread (or task) at a
/// time; it may move between threads. Blocking calls honour ``sendTimeout`` and ``receiveTimeout``; the `try`
/// variants never block; the `async` variants suspend instead of blocking a thread.
public final class Socket: @unchecked Sendable, CustomStringConvertible {
    /// The socket's pattern role.
    public let type: SocketType
    let link: SocketLink
    let manager: VTX
    @exclusivity(unchecked) var options: SocketOptions
    let pattern: Pattern
    var pipes: [ObjectIdentifier: MessagePipe] = [:]
    private var endpoints: [EndpointID: EndpointRecord] = [:]
    private var replies: [EndpointID: DriverEvent] = [:]
    private(set) var isTerminated = false
    private(set) var isClosed = false
    let logger: Logger
    /// What the socket has done, counted on its thread (``statistics``).
    @exclusivity(unchecked) var counters = SocketStatistics()
    /// The socket's swift-metrics counters; `nil` when metrics are off (`Socket+Statistics.swift`).
    @exclusivity(unchecked) var metrics: SocketMetrics?
    /// Whether sends and receives are counted (metrics on, or ``VTX/collectsStatistics``).
    @exclusivity(unchecked) var countsMessages = false
    /// Where `send` keeps the message it is sending (`Socket+Messaging.swift`): memory the socket owns, holding a
    /// message only during a send (the socket is used by one thread at a time, and a send does not re-enter).
    let sendSlot = UnsafeMutablePointer<Message>.allocate(capacity: 1)

    struct EndpointRecord {
        let text: String
        let endpoint: DriverEndpoint
        let registration: DriverRegistration
        let connectRoutingId: Frame?
        /// The largest message the endpoint's transport carries (``DriverCapabilities/maxMessageSize``).
        let transportLimit: Int?
        var resolved: String

        /// Whether this is a bind at ``ZAPRequest/endpoint``: the socket is the manager's ZAP handler.
        var isZAPHandler: Bool {
            endpoint.role == .bind && endpoint.endpoint.scheme == "inproc" && endpoint.endpoint.address == "zeromq.zap.01"
        }
    }

    /// The smallest message-size limit of the transports the socket uses, and its scheme; `nil` for none.
    @exclusivity(unchecked) private(set) var outboundLimit: (limit: Int, scheme: String)?

    /// The endpoint of the last successful bind (resolved: the real port for `tcp://…:*`) or connect; `nil`
    /// before any.
    public private(set) var lastEndpoint: String?

    init(type: SocketType, id: UInt64, manager: VTX, logger: Logger) throws(VTXError) {
        self.type = type
        self.link = try SocketLink(id: id, type: type)
        self.manager = manager
        self.options = SocketOptions(type: type)
        self.logger = logger
        self.pattern = Pattern.make(for: type)
        pattern.adopt(by: self)
    }

    deinit {
        if !isClosed { close() }
        sendSlot.deallocate()
    }

    /// The type and id, such as `REQ#3`.
    public var description: String { "\(type.name)#\(link.id)" }

    // MARK: Endpoints

    /// Binds the socket to an endpoint, such as `inproc://name` or `tcp://127.0.0.1:*`, and returns when the
    /// driver is listening.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` for a malformed endpoint, ``VTXError/Code/unknownTransport``
    ///   when no driver serves the scheme, ``VTXError/Code/notSupported`` when the socket has security settings
    ///   the transport cannot run (``DriverCapabilities/supportsSecurity``), ``VTXError/Code/addressInUse`` and
    ///   other driver errors, ``VTXError/Code/terminated`` or ``VTXError/Code/socketClosed``.
    public func bind(_ endpoint: String) throws(VTXError) {
        let record = try makeEndpoint(endpoint, role: .bind)
        let reply = try request(.bind(record.endpoint), record: record)
        switch reply {
        case .listening(let resolved):
            var record = record
            record.resolved = resolved
            add(record)
            lastEndpoint = resolved
        case .bindFailed(let error):
            throw error
        default:
            throw VTXError(.systemError, "driver for '\(record.endpoint.endpoint.scheme)' answered a bind with \(reply)")
        }
    }

    /// Connects the socket to an endpoint. Returns once the driver has accepted the request; the connection
    /// itself is made (and remade) in the background, and messages queue meanwhile.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint``, ``VTXError/Code/unknownTransport``,
    ///   ``VTXError/Code/notSupported`` for security settings the transport cannot run, driver errors,
    ///   ``VTXError/Code/terminated`` or ``VTXError/Code/socketClosed``.
    public func connect(_ endpoint: String) throws(VTXError) {
        // libzmq: DEALER, SUB, PUB and REQ connecting twice to the same endpoint is a no-op.
        if [.dealer, .sub, .pub, .req].contains(type),
            endpoints.values.contains(where: { $0.text == endpoint && $0.endpoint.role == .connect })
        {
            return
        }
        let record = try makeEndpoint(endpoint, role: .connect)
        options.connectRoutingId = nil
        let reply = try request(.connect(record.endpoint), record: record)
        switch reply {
        case .connecting:
            add(record)
            lastEndpoint = endpoint
            if let failure = givenUpBeforeAnswered.removeValue(forKey: record.endpoint.id) {
                // The connect was given up before its answer was taken (reconnection off, say).
                logger.info("\(self): connect to \(endpoint) gave up: \(failure)", metadata: ["vtx-endpoint": "\(endpoint)"])
                remove(record.endpoint.id)
            }
        case .connectFailed(let error):
            throw error
        default:
            throw VTXError(.systemError, "driver for '\(record.endpoint.endpoint.scheme)' answered a connect with \(reply)")
        }
    }

    /// Stops listening at an endpoint given to ``bind(_:)`` (or its resolved form from ``lastEndpoint``).
    ///
    /// - Throws: ``VTXError/Code/endpointNotFound`` when the socket is not bound there.
    public func unbind(_ endpoint: String) throws(VTXError) {
        try checkOpen()
        guard let (id, record) = endpoints.first(where: {
            $0.value.endpoint.role == .bind && ($0.value.text == endpoint || $0.value.resolved == endpoint)
        }) else {
            throw VTXError(.endpointNotFound, "the socket is not bound to '\(endpoint)'")
        }
        remove(id)
        record.registration.send(.unbind(record.endpoint))
    }

    /// Stops connecting to an endpoint given to ``connect(_:)`` and drops the messages queued for it.
    ///
    /// - Throws: ``VTXError/Code/endpointNotFound`` when the socket is not connected there.
    public func disconnect(_ endpoint: String) throws(VTXError) {
        try checkOpen()
        guard let (id, record) = endpoints.first(where: { $0.value.endpoint.role == .connect && $0.value.text == endpoint })
        else {
            throw VTXError(.endpointNotFound, "the socket is not connected to '\(endpoint)'")
        }
        remove(id)
        for pipe in pipes.values where pipe.endpointID == id {
            detach(pipe)
        }
        record.registration.send(.disconnect(record.endpoint))
    }

    private func add(_ record: EndpointRecord) {
        endpoints[record.endpoint.id] = record
        updateOutboundLimit()
        if record.isZAPHandler { manager.zapHandlerChanged(link.id, bound: true) }
    }

    private func remove(_ id: EndpointID) {
        let record = endpoints.removeValue(forKey: id)
        record?.endpoint.connectLoop?.stop()
        updateOutboundLimit()
        if record?.isZAPHandler == true { manager.zapHandlerChanged(link.id, bound: false) }
    }

    /// The smallest ``DriverCapabilities/maxMessageSize`` among the socket's endpoints: the core refuses to send a
    /// larger message (``Socket/send(_:timeout:)``), whichever peer the pattern would pick.
    private func updateOutboundLimit() {
        outboundLimit = endpoints.values.compactMap { record in
            record.transportLimit.map { (limit: $0, scheme: record.endpoint.endpoint.scheme) }
        }.min { $0.limit < $1.limit }
    }

    private func makeEndpoint(_ text: String, role: DriverEndpoint.Role) throws(VTXError) -> EndpointRecord {
        try refreshState()
        let parsed = try Endpoint(parsing: text)
        guard let registration = manager.registration(for: parsed.scheme) else {
            if let failure = manager.startFailure(for: parsed.scheme) {
                throw VTXError(.unknownTransport, "the '\(parsed.scheme)' driver failed to start: \(failure.message)")
            }
            throw VTXError(
                .unknownTransport,
                "no driver is registered for '\(parsed.scheme)' (registered: \(manager.schemes.joined(separator: ", ")))"
            )
        }
        if let id = options.routingId, id.isEmpty || id.count > 255 {
            throw VTXError(.invalidArgument, "a routing id must be 1 to 255 bytes long, not \(id.count)")
        }
        guard !registration.isStopped else { throw registration.stoppedError }
        let capabilities = registration.driver.capabilities
        if options.security.isSecured, !capabilities.supportsSecurity, capabilities.kind != .memory {
            throw VTXError(
                .notSupported,
                "the '\(parsed.scheme)' transport cannot run the socket's PLAIN, CURVE or ZAP settings, so it would "
                    + "talk in the clear; use tcp, ipc or tls, or clear the socket's security settings"
            )
        }
        let transportLimit = capabilities.maxMessageSize
        var endpointOptions = options.endpointOptions()
        if let transportLimit {
            // The driver drops a peer that sends more than the socket or the transport takes.
            endpointOptions.maxMessageSize = min(endpointOptions.maxMessageSize ?? transportLimit, transportLimit)
        }
        var connectLoop: ConnectLoop?
        if role == .connect {
            connectLoop = ConnectLoop(registration: registration, timer: try manager.startTimer())
        }
        let endpoint = DriverEndpoint(
            id: manager.makeEndpointID(),
            endpoint: parsed,
            role: role,
            options: endpointOptions,
            link: link,
            connectLoop: connectLoop,
            manager: manager,
            metrics: manager.driverMetrics(for: parsed.scheme)
        )
        return EndpointRecord(
            text: text,
            endpoint: endpoint,
            registration: registration,
            connectRoutingId: role == .connect ? options.connectRoutingId : nil,
            transportLimit: transportLimit,
            resolved: text
        )
    }

    /// Sends a command to a driver and waits (processing other commands) for its first answer, for at most the
    /// manager's ``VTX/driverAnswerTimeout``. A stopped driver is answered for by the core.
    private func request(_ command: DriverCommand, record: EndpointRecord) throws(VTXError) -> DriverEvent {
        let id = record.endpoint.id
        let registration = record.registration
        // Record the endpoint before the answer so that peers attached meanwhile find their connect routing id.
        awaitingAnswer[id] = record.connectRoutingId
        defer { awaitingAnswer[id] = nil }
        let limit = manager.driverAnswerTimeout
        let deadline = ContinuousClock.now + limit
        registration.send(command)
        while true {
            processCommands()
            if let reply = replies.removeValue(forKey: id) { return reply }
            if isTerminated { throw VTXError.terminated }
            if registration.isStopped { throw registration.stoppedError }
            let left = deadline - .now
            guard left > .zero else {
                // A late answer is undone when it comes (see `handleLateAnswer`).
                abandoned[id] = record
                record.endpoint.connectLoop?.stop()
                let verb = record.endpoint.role == .bind ? "bind to" : "connect to"
                throw VTXError(
                    .timedOut,
                    "the '\(registration.scheme)' driver did not answer the \(verb) '\(record.text)' within \(limit)"
                )
            }
            link.mailbox.wait(timeoutMilliseconds: Int32(clamping: left.milliseconds + 1))
        }
    }

    private var awaitingAnswer: [EndpointID: Frame?] = [:]
    /// Connects given up between the driver's answer and the caller taking it.
    private var givenUpBeforeAnswered: [EndpointID: VTXError] = [:]
    /// Binds and connects whose caller stopped waiting for the driver's answer.
    private var abandoned: [EndpointID: EndpointRecord] = [:]

    /// A driver answered a bind or connect after its caller gave up waiting: undo a success, forget a failure.
    private func handleLateAnswer(_ event: DriverEvent, for id: EndpointID) {
        guard let record = abandoned.removeValue(forKey: id) else { return }
        switch event {
        case .listening: record.registration.send(.unbind(record.endpoint))
        case .connecting: record.registration.send(.disconnect(record.endpoint))
        default: break
        }
    }

    /// The routing id to give the peer attached through `endpoint` (ROUTER's `connectRoutingId`).
    func connectRoutingId(for endpoint: EndpointID?) -> Frame? {
        guard let endpoint else { return nil }
        if let pending = awaitingAnswer[endpoint] { return pending }
        return endpoints[endpoint]?.connectRoutingId
    }

    // MARK: Closing

    /// Closes the socket: stops every endpoint, closes every pipe (messages already sent stay readable by
    /// inproc peers; drivers keep flushing to the network for up to ``linger``), and ends monitors. Closing
    /// twice does nothing; any later call throws ``VTXError/Code/socketClosed``.
    public func close() {
        guard !isClosed else { return }
        processCommands()
        publishMetrics()
        isClosed = true
        link.markClosed()
        for record in endpoints.values {
            record.endpoint.connectLoop?.stop()
            record.registration.send(record.endpoint.role == .bind ? .unbind(record.endpoint) : .disconnect(record.endpoint))
        }
        endpoints = [:]
        for pipe in Array(pipes.values) { detach(pipe) }
        // Pipes handed over meanwhile are closed; the mailbox closes any that arrive later itself.
        for command in link.mailbox.close() {
            if case .attach(let pipe, _) = command { pipe.close() }
        }
        link.monitors.stop()
        manager.socketClosed(link)
    }

    // MARK: Commands

    @inline(__always)
    func processCommands() {
        guard link.mailbox.hasPending else { return }
        processCommandsSlow()
    }

    @inline(never)
    private func processCommandsSlow() {
        publishMetricsIfDue()
        var commands = commandBuffer
        commandBuffer = []
        link.mailbox.drain(into: &commands)
        for command in commands {
            handle(command)
        }
        commands.removeAll(keepingCapacity: true)
        commandBuffer = commands
    }

    private func handle(_ command: SocketCommand) {
        switch command {
        case .attach(let pipe, let id):
            if isClosed || isTerminated {
                pipe.close()
                return
            }
            pipe.endpointID = id
            // The pattern tells a new peer what it must know (subscriptions) now; only a later announcement in
            // this pipe means a new connection that must be told again.
            pipe.announcementsHandled = max(1, pipe.announcedPeers)
            pipe.setSink(link.mailbox)
            pipes[ObjectIdentifier(pipe)] = pipe
            pattern.attach(pipe)
        case .peerAnnounced(let pipe):
            guard pipes[ObjectIdentifier(pipe)] != nil else { return }
            let count = pipe.announcedPeers
            guard count > pipe.announcementsHandled else { return }
            pipe.announcementsHandled = count
            pattern.peerReconnected(pipe)
        case .pipe(let pipe, let event):
            guard pipes[ObjectIdentifier(pipe)] != nil else { return }
            switch event {
            case .readable: pattern.readActivated(pipe)
            case .writable: pattern.writeActivated(pipe)
            case .closed: peerClosed(pipe)
            }
        case .endpoint(let id, let event):
            counters.record(event)
            switch event {
            case .listening, .bindFailed, .connecting, .connectFailed:
                if awaitingAnswer.keys.contains(id) {
                    // The first answer counts; a give-up reported before the caller took it is kept for then.
                    if replies[id] == nil {
                        replies[id] = event
                    } else if case .connectFailed(let error) = event {
                        givenUpBeforeAnswered[id] = error
                    }
                } else if abandoned[id] != nil {
                    handleLateAnswer(event, for: id)
                } else if case .connectFailed(let error) = event, let record = endpoints[id] {
                    logger.info(
                        "\(self): connect to \(record.text) gave up: \(error)",
                        metadata: ["vtx-endpoint": "\(record.text)"]
                    )
                    remove(id)
                }
            default:
                break
            }
        case .terminate:
            isTerminated = true
        case .wakeUp:
            break
        }
    }

    /// The peer closed its end: stop writing to it; let the pattern read what is left, then detach.
    private func peerClosed(_ pipe: MessagePipe) {
        pattern.readActivated(pipe)
        finishDetaches()
        if !pattern.drainsInbound || !pipe.checkRead() {
            detach(pipe)
        }
    }

    /// Pipes found closed and drained during a pattern call, detached when the call returns.
    @exclusivity(unchecked) var pendingDetaches: [MessagePipe] = []

    /// Storage swapped with the mailbox's queue on every drain, so that wake-ups do not allocate.
    private var commandBuffer: Deque<SocketCommand> = []

    /// Detaches the pipes patterns found closed during the last call.
    @inline(__always)
    func finishDetaches() {
        guard !pendingDetaches.isEmpty else { return }
        let pipes = pendingDetaches
        pendingDetaches = []
        for pipe in pipes { detach(pipe) }
    }

    /// Removes a pipe from the socket and closes this end.
    func detach(_ pipe: MessagePipe) {
        guard pipes.removeValue(forKey: ObjectIdentifier(pipe)) != nil else { return }
        pattern.detach(pipe)
        pipe.close()
    }

    // MARK: State checks

    @inline(__always)
    func checkOpen() throws(VTXError) {
        if isClosed { throw VTXError.socketClosed }
    }

    /// Processes pending commands, then throws if the socket is closed or its manager shut down.
    @inline(__always)
    func refreshState() throws(VTXError) {
        try checkOpen()
        processCommands()
        try checkTerminated()
    }

    @inline(__always)
    func checkTerminated() throws(VTXError) {
        if isTerminated { throw VTXError.terminated }
    }
}
