import VTXCore

/// The `loop://NAME` transport: a complete driver written against the public API of `VTXCore` alone, in a package
/// of its own (`Examples/CustomDriver`). The VTX package's own tests compile this same file (a symbolic link in
/// `Tests/DriverAPITests`) and run the driver API tests and the conformance suite on it.
///
/// A socket that binds `loop://NAME` listens under NAME; a socket that connects to `loop://NAME` (before or after
/// the bind) is joined to the listener by a *connection*. For each connection the driver attaches one pipe to
/// each socket with ``DriverEndpoint/attach(peer:sink:)`` and, on its own ``DriverThread``, moves every message
/// that arrives on one pipe to the other. That is all a transport does; the core keeps the socket semantics
/// (routing, subscriptions and their replay, high-water marks, socket-type checks, the reconnect loop). A network
/// driver has the same shape, with a connection's second pipe replaced by a network socket and a codec.
///
/// Behaviour, as a stream transport's:
/// - One live listener per name: a second bind fails with ``VTXError/Code/addressInUse``.
/// - A connection reports `connected`/`accepted`, then `handshakeSucceeded` (or `handshakeFailed` when the socket
///   types cannot talk, and is dropped), and `disconnected` when it ends; the core then schedules a `reconnect`.
/// - Messages keep their order and none is lost while a connection lives; a closing socket's messages are still
///   delivered, within its linger.
/// - Flow control is end to end: while a socket is full, the driver stops reading from the socket that feeds it.
///
/// Its state lives in ``ThreadBoundBox``es bound to its thread, so the class is `Sendable` without
/// `@unchecked`. Register it at run time: `try vtx.register(LoopDriver(), for: "loop")`.
public final class LoopDriver: Driver {
    fileprivate let thread = DriverThread(name: "vtx.loop")
    /// The live listener of each name.
    private let listeners: ThreadBoundBox<[String: DriverEndpoint]>
    /// The connects not yet disconnected, joined to a listener or waiting for one.
    private let connectors: ThreadBoundBox<[DriverEndpoint]>
    /// Both sides of every open connection.
    private let sides: ThreadBoundBox<[Side]>

    /// Makes the driver; the manager starts it when it is registered.
    public init() {
        listeners = ThreadBoundBox([:], on: thread)
        connectors = ThreadBoundBox([], on: thread)
        sides = ThreadBoundBox([], on: thread)
    }

    /// Memory in one process: reliable, ordered, no size limit.
    public var capabilities: DriverCapabilities {
        DriverCapabilities(kind: .memory, isReliable: true, isOrdered: true)
    }

    /// Starts the driver's thread.
    public func start(_ context: DriverContext) throws(VTXError) {
        try thread.start()
    }

    /// Moves a command from the socket's thread to the driver's thread.
    public func handle(_ command: DriverCommand) {
        thread.execute { [self] in
            switch command {
            case .bind(let endpoint): bind(endpoint)
            case .connect(let endpoint):
                endpoint.report(.connecting)
                connectors.value.append(endpoint)
                joinIfPossible(endpoint)
            case .reconnect(let endpoint): joinIfPossible(endpoint)
            case .unbind(let endpoint):
                if listeners.value[endpoint.endpoint.address] === endpoint {
                    listeners.value[endpoint.endpoint.address] = nil
                }
                closeConnections(of: endpoint)
            case .disconnect(let endpoint):
                connectors.value.removeAll { $0 === endpoint }
                closeConnections(of: endpoint)
            }
        }
    }

    /// Closes every connection at once (the manager has terminated the sockets, so nothing could read what would
    /// linger), then joins the thread.
    public func shutdown() {
        thread.execute { [self] in
            for side in sides.value { side.close() }
            sides.value = []
            listeners.value = [:]
            connectors.value = []
        }
        thread.stop()
    }

    // MARK: Commands (on the driver's thread)

    private func bind(_ endpoint: DriverEndpoint) {
        let name = endpoint.endpoint.address
        if let existing = listeners.value[name], !existing.isSocketClosed {
            endpoint.report(.bindFailed(VTXError(.addressInUse, "loop name '\(name)' is already bound")))
            return
        }
        listeners.value[name] = endpoint
        endpoint.report(.listening(endpoint.endpoint.description))
        for connector in connectors.value where connector.endpoint.address == name {
            joinIfPossible(connector)
        }
    }

    /// Ends the connections of an unbound or disconnected endpoint. When its socket is closing, they end by
    /// themselves once its last messages are delivered (its pipe ends with a close marker), or when its linger
    /// runs out.
    private func closeConnections(of endpoint: DriverEndpoint) {
        for side in sides.value where side.endpoint === endpoint {
            guard endpoint.isSocketClosed, endpoint.options.linger != .zero else {
                end(side)
                continue
            }
            if let linger = endpoint.options.linger {
                thread.schedule(after: linger) { [self] in end(side) }
            }
        }
        endpoint.report(.closed)
    }

    // MARK: Connections (on the driver's thread)

    /// Joins a connecting socket to the listener of its name, if there is one and it is not joined yet.
    private func joinIfPossible(_ connector: DriverEndpoint) {
        guard connectors.value.contains(where: { $0 === connector }), !connector.isSocketClosed,
            !sides.value.contains(where: { $0.endpoint === connector }),
            let listener = listeners.value[connector.endpoint.address], !listener.isSocketClosed
        else { return }
        let address = listener.endpoint.description
        connector.report(.connected(address))
        listener.report(.accepted(address))
        let outgoing = Side(connector, driver: self)
        let incoming = Side(listener, driver: self)
        outgoing.other = incoming
        incoming.other = outgoing
        do {
            // Each socket learns the other's type and routing id (`localPeerInfo`); attaching checks that the
            // types may talk, as a handshake would. Each new pipe then reports `.readable`, which starts the pumps.
            outgoing.pipe = try connector.attach(peer: listener.localPeerInfo, sink: outgoing)
            incoming.pipe = try listener.attach(peer: connector.localPeerInfo, sink: incoming)
        } catch {
            outgoing.pipe?.close()
            connector.report(.handshakeFailed(address, error))
            listener.report(.handshakeFailed(address, error))
            return
        }
        sides.value += [outgoing, incoming]
        connector.report(.handshakeSucceeded(address))
        listener.report(.handshakeSucceeded(address))
    }

    /// Handles an event of the pipe to `side`'s socket.
    fileprivate func pipe(_ event: PipeEvent, on side: Side) {
        guard let other = side.other else { return }
        switch event {
        case .readable, .closed: pump(from: side, to: other)  // after a close, read what is left, then end
        case .writable: pump(from: other, to: side)
        }
    }

    /// Moves messages from `source`'s socket to `target`'s socket (the kit's ``PipeForwarder`` keeps the
    /// back-pressure); ends the connection once the source has closed and all it sent is delivered.
    private func pump(from source: Side, to target: Side) {
        guard source.isOpen, let input = source.pipe, let output = target.pipe else { return }
        if target.forwarder.forward(from: input, to: output) { end(source) }
    }

    /// Ends the connection `side` belongs to: closes both pipes (what was written stays readable) and reports
    /// `disconnected`, after which the core has the connecting socket try again.
    private func end(_ side: Side) {
        guard side.isOpen, let other = side.other else { return }
        let address = side.endpoint.endpoint.description
        for each in [side, other] {
            each.close()
            if !each.endpoint.isSocketClosed { each.endpoint.report(.disconnected(address, nil)) }
        }
        sides.value.removeAll { !$0.isOpen }
    }
}

/// One socket's side of a connection: the driver's end of the pipe to that socket, and the forwarder of the
/// messages bound for it. Its fields are bound to the driver's thread.
private final class Side: PipeEventSink {
    private struct Fields {
        var pipe: MessagePipe?
        weak var other: Side?
        var forwarder = PipeForwarder()
        var isOpen = true
    }

    let endpoint: DriverEndpoint
    let driver: LoopDriver
    private let fields: ThreadBoundBox<Fields>

    init(_ endpoint: DriverEndpoint, driver: LoopDriver) {
        self.endpoint = endpoint
        self.driver = driver
        self.fields = ThreadBoundBox(Fields(), on: driver.thread)
    }

    var pipe: MessagePipe? {
        get { fields.value.pipe }
        set { fields.value.pipe = newValue }
    }
    var other: Side? {
        get { fields.value.other }
        set { fields.value.other = newValue }
    }
    var forwarder: PipeForwarder {
        get { fields.value.forwarder }
        set { fields.value.forwarder = newValue }
    }
    var isOpen: Bool { fields.value.isOpen }

    func close() {
        fields.value.isOpen = false
        fields.value.pipe?.close()
    }

    /// Called on whichever thread touched the socket's end of the pipe: only hands the event to the driver.
    func pipe(_ pipe: MessagePipe, didSignal event: PipeEvent) {
        driver.thread.execute { [self] in driver.pipe(event, on: self) }
    }
}
