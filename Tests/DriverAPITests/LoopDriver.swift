import VTXCore

/// The `loop://NAME` transport: an example driver written against the public API of `VTXCore` alone.
///
/// A socket that binds `loop://NAME` listens under NAME; a socket that connects to `loop://NAME` (before or after
/// the bind) is joined to the listener by a *connection*. For each connection the driver attaches one pipe to
/// each socket with ``DriverEndpoint/attach(peer:sink:)`` and, on its own ``DriverThread``, moves every message
/// that arrives on one pipe to the other. That is all a transport does; the core keeps the socket semantics
/// (routing, subscriptions, high-water marks, socket-type checks). A network driver has the same shape, with a
/// connection's second pipe replaced by a network socket and a codec.
///
/// Behaviour, as a stream transport's:
/// - One live listener per name: a second bind fails with ``VTXError/Code/addressInUse``.
/// - A connection reports `connected`/`accepted`, then `handshakeSucceeded` (or `handshakeFailed` when the socket
///   types cannot talk, and is dropped), and `disconnected` when it ends.
/// - A connecting socket whose connection ends connects again after its reconnect interval, or as soon as the
///   name is bound again.
/// - Messages keep their order and none is lost while a connection lives; a closing socket's messages are still
///   delivered, within its linger.
/// - Flow control is end to end: while a socket is full, the driver stops reading from the socket that feeds it.
///
/// Register it at run time: `try vtx.register(LoopDriver(), for: "loop")`.
final class LoopDriver: Driver, @unchecked Sendable {
    /// The driver's thread: every property below is touched only there.
    fileprivate let thread = DriverThread(name: "vtx.loop")
    /// The live listener of each name.
    private var listeners: [String: DriverEndpoint] = [:]
    /// The connects not yet disconnected, joined to a listener or waiting for one.
    private var connectors: [DriverEndpoint] = []
    /// Both sides of every open connection.
    private var sides: [Side] = []

    /// Makes the driver; the manager starts it when it is registered.
    init() {}

    /// Memory in one process: reliable, ordered, no size limit.
    var capabilities: DriverCapabilities {
        DriverCapabilities(kind: .memory, isReliable: true, isOrdered: true)
    }

    /// Starts the driver's thread.
    func start(_ context: DriverContext) throws(VTXError) {
        try thread.start()
    }

    /// Moves a command from the socket's thread to the driver's thread.
    func handle(_ command: DriverCommand) {
        thread.execute { [self] in
            switch command {
            case .bind(let endpoint): bind(endpoint)
            case .connect(let endpoint): connect(endpoint)
            case .unbind(let endpoint): unbind(endpoint)
            case .disconnect(let endpoint): disconnect(endpoint)
            }
        }
    }

    /// Closes every connection at once (the manager has terminated the sockets, so nothing could read what would
    /// linger), then joins the thread.
    func shutdown() {
        thread.execute { [self] in
            for side in sides {
                side.isOpen = false
                side.pipe?.close()
            }
            sides = []
            listeners = [:]
            connectors = []
        }
        thread.stop()
    }

    // MARK: Commands (on the driver's thread)

    private func bind(_ endpoint: DriverEndpoint) {
        let name = endpoint.endpoint.address
        if let existing = listeners[name], !existing.isSocketClosed {
            endpoint.report(.bindFailed(VTXError(.addressInUse, "loop name '\(name)' is already bound")))
            return
        }
        listeners[name] = endpoint
        endpoint.report(.listening(endpoint.endpoint.description))
        for connector in connectors where connector.endpoint.address == name {
            joinIfPossible(connector)
        }
    }

    private func connect(_ endpoint: DriverEndpoint) {
        endpoint.report(.connecting)
        connectors.append(endpoint)
        joinIfPossible(endpoint)
    }

    private func unbind(_ endpoint: DriverEndpoint) {
        if listeners[endpoint.endpoint.address] === endpoint {
            listeners[endpoint.endpoint.address] = nil
        }
        closeConnections(of: endpoint)
        endpoint.report(.closed)
    }

    private func disconnect(_ endpoint: DriverEndpoint) {
        connectors.removeAll { $0 === endpoint }
        closeConnections(of: endpoint)
        endpoint.report(.closed)
    }

    /// Ends the connections of an endpoint. When its socket is closing, they end by themselves once its last
    /// messages are delivered (its pipe ends with a close marker), or when its linger runs out.
    private func closeConnections(of endpoint: DriverEndpoint) {
        for side in sides where side.endpoint === endpoint {
            guard endpoint.isSocketClosed, endpoint.options.linger != .zero else {
                end(side)
                continue
            }
            if let linger = endpoint.options.linger {
                thread.schedule(after: linger) { [self] in end(side) }
            }
        }
    }

    // MARK: Connections (on the driver's thread)

    /// Joins a connecting socket to the listener of its name, if there is one and it is not joined yet.
    private func joinIfPossible(_ connector: DriverEndpoint) {
        guard connectors.contains(where: { $0 === connector }), !connector.isSocketClosed,
            !sides.contains(where: { $0.endpoint === connector }),
            let listener = listeners[connector.endpoint.address], !listener.isSocketClosed
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
            // types may talk, as a handshake would.
            outgoing.pipe = try connector.attach(peer: listener.localPeerInfo, sink: outgoing)
            incoming.pipe = try listener.attach(peer: connector.localPeerInfo, sink: incoming)
        } catch {
            outgoing.pipe?.close()
            connector.report(.handshakeFailed(address, error))
            listener.report(.handshakeFailed(address, error))
            return
        }
        sides += [outgoing, incoming]
        connector.report(.handshakeSucceeded(address))
        listener.report(.handshakeSucceeded(address))
        // A new pipe's reader starts awake: pump once each way, which also arms the `.readable` events.
        pump(from: outgoing, to: incoming)
        pump(from: incoming, to: outgoing)
    }

    /// Handles an event of the pipe to `side`'s socket.
    fileprivate func pipe(_ event: PipeEvent, on side: Side) {
        guard let other = side.other else { return }
        switch event {
        case .readable, .closed: pump(from: side, to: other)  // after a close, read what is left, then end
        case .writable: pump(from: other, to: side)
        }
    }

    /// Moves messages from `source`'s socket to `target`'s socket until the source runs dry or the target is
    /// full; ends the connection once the source has closed and all it sent is delivered.
    private func pump(from source: Side, to target: Side) {
        guard source.isOpen, let input = source.pipe, let output = target.pipe else { return }
        var wrote = false
        if let held = target.backlog {
            guard output.write(held) else { return }  // still full: wait for `.writable`
            target.backlog = nil
            wrote = true
        }
        while target.backlog == nil, let message = input.read() {
            if output.write(message) {
                wrote = true
            } else {
                target.backlog = message  // full: stop reading, so the source socket feels the back-pressure
            }
        }
        if wrote { output.flush() }
        if target.backlog == nil, input.isPeerClosed { end(source) }
    }

    /// Ends the connection `side` belongs to: closes both pipes (what was written stays readable), reports
    /// `disconnected`, and has the connecting socket connect again after its reconnect interval.
    private func end(_ side: Side) {
        guard side.isOpen, let other = side.other else { return }
        let address = side.endpoint.endpoint.description
        for each in [side, other] {
            each.isOpen = false
            each.pipe?.close()
            if !each.endpoint.isSocketClosed { each.endpoint.report(.disconnected(address, nil)) }
        }
        sides.removeAll { !$0.isOpen }
        let connector = side.endpoint.role == .connect ? side.endpoint : other.endpoint
        guard connectors.contains(where: { $0 === connector }), !connector.isSocketClosed else { return }
        guard let delay = connector.options.reconnect.delay(beforeAttempt: 1) else {
            connectors.removeAll { $0 === connector }  // reconnecting is switched off
            return
        }
        connector.report(.connectRetried(delay))
        thread.schedule(after: delay) { [self] in joinIfPossible(connector) }
    }
}

/// One socket's side of a connection: the driver's end of the pipe to that socket, and the per-direction
/// backlog of messages bound for it that did not fit yet. At most one message waits there, because the driver
/// stops reading from the other side while it does.
private final class Side: PipeEventSink, @unchecked Sendable {
    let endpoint: DriverEndpoint
    let driver: LoopDriver
    var pipe: MessagePipe?
    weak var other: Side?
    var backlog: Message?
    var isOpen = true

    init(_ endpoint: DriverEndpoint, driver: LoopDriver) {
        self.endpoint = endpoint
        self.driver = driver
    }

    /// Called on whichever thread touched the socket's end of the pipe: only hands the event to the driver.
    func pipe(_ pipe: MessagePipe, didSignal event: PipeEvent) {
        driver.thread.execute { [self] in driver.pipe(event, on: self) }
    }
}
